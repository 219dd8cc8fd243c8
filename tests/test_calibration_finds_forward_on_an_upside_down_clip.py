"""A board clipped upside down (x toward the feet: the kyphos frame turned 180° about z) must not
read its forward bends as extension with full confidence: the automatic calibration took the
sign of the sagittal axis from the nominal +y axis, so the bends' axis flipped and the flexion
RMSE was 37.6° with the recording marked valid (found by the validity work, issue 15)."""

import numpy as np
import pytest
from kyphos.analysis import analyze
from kyphos.processing.synthetic import lift_session, mounting
from kyphos.session import Session


@pytest.mark.parametrize("flip", [(1.0, 1.0, 1.0), (-1.0, -1.0, 1.0)])
def test_automatic_calibration_reads_forward_bends_as_flexion_in_either_clip_direction(flip):
    s = lift_session(120, 104, n_lifts=6, mount=mounting(5, 10, 0), seed=3)
    f = np.array(flip)
    a = analyze(Session(time=s.time, acc=s.acc * f, gyr=s.gyr * f, fs=104.0,
                        info={"imu_model": 1}))
    truth = np.interp(a.angles.time, s.time, np.degrees(s.flexion))
    rmse = float(np.sqrt(np.nanmean((np.degrees(a.angles.flexion) - truth) ** 2)))
    assert rmse < 1.0
    assert a.posture.zones_pct["extension"] < 1.0
    assert len(a.lifts) == 6
