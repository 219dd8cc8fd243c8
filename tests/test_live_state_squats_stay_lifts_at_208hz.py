"""Upright squats in a row stay lifts live at 208 Hz (validation seed 1000, 110–140 s: four
lifts, two of them upright-trunk squats, no sitting).

A movement still going on at the activity window's trailing edge (the next squat) was joined
with the rise of the squat before it into one piece (a 1.85 m "rise"), which left that squat's
lowering as a sit-down; the live view carried "sitting" to the next window and called the next
two squats seated reaches (the report has them as lifts). A posture change is now carried
once two windows in a row see it."""

from __future__ import annotations

import sys
from pathlib import Path

from kyphos.sim.validation import generate
from kyphos.views.live_state import LiveState

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from live_vs_offline import stream  # noqa: E402


def test_squats_in_a_row_are_not_taken_for_seated_reaches_at_208_hz() -> None:
    v = generate(1000, 208.0)
    st = LiveState(30.0)
    sitting_seen = False
    for t_last, _got in stream(v, st):
        sitting_seen |= 100.0 < t_last and st.posture == "sitting"
        if t_last > 140.0:
            break
    truth = [lf for lf in v.truth.lifts if 110.0 < lf.end < 137.0]
    assert len(truth) == 4 and sum(lf.upright_squat for lf in truth) == 2
    live = [lf for lf in st.lifts if 110.0 < lf.end_s < 137.0]
    assert len(live) == 4
    for lf, tr in zip(live, truth, strict=True):
        assert abs(lf.end_s - tr.end) < 0.5
    assert st.seated_reaches == [] and not sitting_seen
