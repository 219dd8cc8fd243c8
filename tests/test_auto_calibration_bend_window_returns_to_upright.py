"""The calibration bend an automatic calibration finds is a window from upright back to upright
(within 15 deg of the reference posture at both ends), as a note's bend window is: the closed
lever (metrics.style) integrates it so it ends where it started. Its window used to end where
the bend left the deep part (35 deg), mid-return; without a note 15000-15009 @104 read 11 of 56
stoops as semi-squats (style 0.893; 0.969 with the window to upright)."""

from __future__ import annotations

import numpy as np
from kyphos.processing import calibration as cal
from kyphos.processing.orientation import orientation_offline
from kyphos.processing.synthetic import lift_session, mounting


def test_auto_calibration_bend_window_runs_back_to_upright() -> None:
    s = lift_session(120, 104, n_lifts=8, mount=mounting(yaw_deg=15.0, pitch_deg=12.0,
                                                          roll_deg=-4.0), seed=5)
    q = orientation_offline(s.gyr, s.acc, s.fs)
    c = cal.auto_calibrate(s.time, s.acc, s.gyr, q, s.fs)
    assert len(c.calibration_bends_s) == 1
    (t0, t1), deep = c.calibration_bends_s[0], c.bends_s[0]
    assert t0 == deep[0] and t1 > deep[1]
    flex_end = float(np.degrees(np.interp(t1, s.time, s.flexion)))
    flex_start = float(np.degrees(np.interp(t0, s.time, s.flexion)))
    assert flex_end < 20.0 and abs(flex_end - flex_start) < 5.0
