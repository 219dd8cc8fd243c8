"""The guided calibration's bend window, given to the live view (``LiveState.guided_bend``), is
its calibration bend, as the report takes it from the session's note; two live-only misses it
fixes (``bench/live_calibration_count.py``, LIVECAL, twelfth and thirteenth sessions):

- validation 12001 @104: the slow guided bend failed ``find_bends``' net-height gate on the
  drifting live vertical acceleration, so the view had no calibration bend and held the first
  two lifts (14.8 s, 21.3 s) back as a possible calibration sequence, leaving them out;
- validation 12003 @104: the lift at 20.6–22.9 s, 5 s after the guided bend with a peak within
  12°, joined it as a repeated "sequence" and was left out of the live lift count (the report,
  which takes only the note's bend, counts it)."""

from __future__ import annotations

import sys
from pathlib import Path

from kyphos.sim.validation import generate
from kyphos.views.live_state import LiveState

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from live_vs_offline import stream  # noqa: E402 - the bench's stream: c, then the guided bend

END_S = 40.0


def _live(seed: int) -> tuple[LiveState, tuple[float, float]]:
    v = generate(seed, 104.0)
    st = LiveState(30.0)
    for t_last, _ in stream(v, st):
        if t_last > END_S:
            break
    b = v.truth.calibration["bend"]
    return st, (float(b[0]), float(b[1]))


def test_a_guided_bend_the_lift_finder_misses_is_the_calibration_and_later_lifts_count() -> None:
    st, bend = _live(12001)
    assert st.calibration_bends_s == [bend]
    ends = [lf.end_s for lf in st.lifts]
    # the two lifts after it are counted (they were held back as calibration candidates)
    assert any(abs(e - 18.5) < 1.0 for e in ends) and any(abs(e - 24.8) < 1.0 for e in ends)
    assert all(e > bend[1] for e in ends)  # and the guided bend itself is none of them


def test_a_lift_right_after_the_guided_bend_is_counted_not_taken_as_a_calibration_bend() -> None:
    st, bend = _live(12003)
    assert st.calibration_bends_s == [bend]
    ends = [lf.end_s for lf in st.lifts]
    assert any(abs(e - 22.9) < 1.0 for e in ends)
    assert all(e > bend[1] for e in ends)
