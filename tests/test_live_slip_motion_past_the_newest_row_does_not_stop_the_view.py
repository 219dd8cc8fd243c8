"""A clip slip placed by its own turn near the newest row does not stop the live view
(validation 14001 @104, 220.5 s: the slip's motion rows, ``LiveState._slip_motion``, reach past
the newest row as NaN, but the still flags ended there; ``clipslip.slip_motion_windows`` raised
a shape mismatch and the stream stopped). The still flags now run a ring's capacity further
(False), so both are as long."""

from __future__ import annotations

import sys
from pathlib import Path

from kyphos.sim.validation import generate
from kyphos.views.live_state import LiveState

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from live_vs_offline import stream  # noqa: E402


def test_a_slip_placed_with_motion_rows_past_the_newest_row_keeps_the_stream_going() -> None:
    v = generate(14001, 104.0)
    st = LiveState(30.0)
    for t_last, _ in stream(v, st, guided=False):  # as it stopped before the guided window
        if t_last > 222.0:
            break
    assert st.re_references and st.re_references[0]["detected_s"] < 222.0
    still = st._still_rows()
    assert len(still) >= st._ring.count and not still[st._ring.count:].any()
