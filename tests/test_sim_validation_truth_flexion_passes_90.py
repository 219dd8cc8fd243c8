"""The validation family's truth flexion is the flexion generated, also past 90°: scipy's
Z-Y-X angles fold there (a 95° stoop would read 85°, with lateral and yaw turned by 180°),
while the analysis reads past 90° (angles.euler_from_quat), so a folded truth charged it
~10° on every deep stoop (REF, bench/mounting_study.py: seed 7006's after-slip error)."""

import numpy as np
from kyphos.processing.angles import euler_from_quat
from kyphos.sim.validation.generate import site_angles
from kyphos.sim.validation.motion import Pose
from scipy.spatial.transform import Rotation


def _pose(yaw: np.ndarray, flex: np.ndarray, lat: np.ndarray) -> Pose:
    r = Rotation.from_euler("ZYX", np.column_stack([yaw, flex, lat]))
    z = np.zeros((len(flex), 3))
    return Pose(z, r, r, z, flex)


def test_a_stoop_past_90_degrees_is_read_as_generated() -> None:
    flex = np.radians(np.linspace(60.5, 110.5, 51))  # not at 90° itself: gimbal lock there
    yaw = np.full(51, 2.9)  # near ±180°: the turned yaw must wrap
    lat = np.radians(np.linspace(-12.0, 15.0, 51))
    p = _pose(yaw, flex, lat)
    y, f, la = site_angles(p)
    assert np.degrees(np.abs(f - flex)).max() < 1e-6
    assert np.degrees(np.abs(la - lat)).max() < 1e-6
    assert np.abs(np.angle(np.exp(1j * (y - yaw)))).max() < 1e-9
    assert np.all(np.abs(y) <= np.pi)
    # scipy alone folds the deep half (what the truth was before)
    assert np.degrees(p.r_site.as_euler("ZYX")[:, 1]).max() <= 90.0 + 1e-9


def test_supine_lying_past_90_backward_and_side_lying_keep_their_branch() -> None:
    flex = np.radians([-93.0, -85.0, 3.0, -2.0])
    lat = np.radians([2.0, -1.0, 88.0, -89.5])  # side lying: the roll stays lateral
    p = _pose(np.zeros(4), flex, lat)
    _, f, la = site_angles(p)
    assert np.degrees(np.abs(f - flex)).max() < 1e-6
    assert np.degrees(np.abs(la - lat)).max() < 1e-6
    # the same rotations either way
    y, f2, l2 = site_angles(p)
    r = Rotation.from_euler("ZYX", np.column_stack([y, f2, l2]))
    assert np.degrees((r.inv() * p.r_site).magnitude()).max() < 1e-6


def test_the_truth_reads_a_deep_stoop_as_the_analysis_does() -> None:
    flex = np.radians([30.0, 89.0, 95.0, 120.0])
    lat = np.radians([5.0, -10.0, 8.0, -12.0])
    p = _pose(np.full(4, np.radians(20.0)), flex, lat)
    _, f_truth, _ = site_angles(p)
    f_an, _, _ = euler_from_quat(p.r_site.as_quat(scalar_first=True), np.eye(3))
    np.testing.assert_allclose(f_truth, f_an, atol=1e-9)
