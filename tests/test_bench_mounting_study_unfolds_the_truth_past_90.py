"""bench/mounting_study.py scores the analysis against the truth continued past 90 deg of
flexion by the analysis' own rule: scipy's Z-Y-X decomposition (the validation truth) reads a
stoop to 95 deg as 85 deg with lateral and yaw turned by 180 deg."""

import sys
from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import mounting_study as ms  # noqa: E402
from kyphos.processing.angles import euler_from_quat  # noqa: E402


def test_a_stoop_past_90_reads_as_the_analysis_reads_it() -> None:
    flex = np.radians([30.0, 89.0, 95.0, 120.0])
    lat = np.radians([5.0, -10.0, 8.0, -12.0])
    r = Rotation.from_euler("ZYX", np.column_stack([np.radians(20.0) * np.ones(4), flex, lat]))
    _yaw, f_truth, l_truth = r.as_euler("ZYX").T
    assert np.degrees(f_truth[2]) < 90.0  # scipy folds it
    q = r.as_quat(scalar_first=True)
    f_an, _l, _y = euler_from_quat(q, np.eye(3))
    np.testing.assert_allclose(ms.unfolded(f_truth, l_truth), f_an, atol=1e-9)
    np.testing.assert_allclose(ms.unfolded(f_truth, l_truth), flex, atol=1e-9)
