"""A flexion lift whose end the activity's height track leaves "down" only because the track
drifted (a turn, then the lift, integrated as one 4.7-s movement) is not widened to a rise
that never comes.

Old behaviour this pins down (validation 22000, issue 15): ``find_bends`` widens a flexion
span that ends with the sensor ``MIN_DROP_M`` below its excursion's start to the height rule's
end (an upright squat whose trunk tips past ``MIN_PEAK_DEG`` only at the bottom). Here the
track ended the squat at 154 s 0.3 m down, so its span was widened over the next (upright)
squat to 161 s: the lift's own net-height check then took it for a sit-down at 104 Hz (the
lift missed), and at 52 Hz it was one 7.3-s lift over both (one missed, one unmatched). Now a
span is widened only when the sensor rises from its end by at least ``EXCURSION_RETURN`` of
the depth there; a span's start likewise only when the sensor falls into it (validation 5028,
the last test).
"""

from __future__ import annotations

import numpy as np
import pytest
from kyphos.analysis import analyze
from kyphos.metrics.lifts import MIN_DROP_M
from kyphos.sim.validation import generate


@pytest.mark.parametrize("fs", [52.0, 104.0])
def test_a_squat_left_down_by_a_drifted_height_track_is_found_on_its_own(fs: float) -> None:
    v = generate(22000, fs)
    a = analyze(v.to_session())
    act = a.activity
    # the setting: the track is still > MIN_DROP_M down after the squat ended (156.06 s),
    # while the body is back where it started
    h = np.interp([151.0, 157.0], act.time, act.height)
    assert h[0] - h[1] > MIN_DROP_M, h
    truth = [lf for lf in v.truth.lifts if 150.0 < lf.start < 170.0]
    found = [lf for lf in a.lifts if 150.0 < lf.start_s < 170.0]
    assert len(truth) == 3 and len(found) == 3, (truth, found)
    # each on its own (the merged one ran 7 s past the first's end); the first starts up to
    # 0.41 s early at 52 Hz (the turn before it ends moving)
    for t, f in zip(truth, found, strict=True):
        assert abs(f.start_s - t.start) < 0.5 and abs(f.end_s - t.end) < 0.3, (t, f)


def test_a_squat_started_from_a_drifted_height_track_is_not_widened_back_over_the_stand() -> None:
    # validation 5028: the track ends the semi-squat at 516 s 0.21 m down (the body is back up);
    # the squat at 521 s then "starts down", and its start was widened back over the still stand
    # to 518.6 s, where the net-height check took the 5-s candidate for a sit/stand
    v = generate(5028, 104.0)
    a = analyze(v.to_session())
    truth = [lf for lf in v.truth.lifts if 515.0 < lf.start < 525.0]
    found = [lf for lf in a.lifts if 515.0 < lf.start_s < 525.0]
    assert len(truth) == 2 and len(found) == 2, (truth, found)
    for t, f in zip(truth, found, strict=True):
        assert abs(f.start_s - t.start) < 0.3 and abs(f.end_s - t.end) < 0.3, (t, f)
