"""Calibration: mounting yaw makes false lateral bend; a forward-bend calibration removes it;
automatic calibration finds the mounting from quiet standing and bends, with a confidence."""

from __future__ import annotations

import numpy as np
import pytest
from kyphos.processing import calibration as cal
from kyphos.processing.angles import trunk_angles
from kyphos.processing.orientation import orientation_offline
from kyphos.processing.synthetic import lift_session, mounting


@pytest.fixture(scope="module")
def yawed() -> tuple:
    m = mounting(yaw_deg=15.0, pitch_deg=12.0, roll_deg=-4.0)
    s = lift_session(120, 104, n_lifts=8, mount=m, seed=5)
    q = orientation_offline(s.gyr, s.acc, s.fs)
    return s, q


def _axis_err_deg(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.degrees(np.arccos(np.clip(a @ b, -1, 1))))


def test_nominal_mounting_with_yaw_error_reports_false_lateral_bend(yawed: tuple) -> None:
    s, q = yawed
    a = trunk_angles(s.time, q, cal.NOMINAL, s.fs)
    deep = np.degrees(s.flexion) > 50
    false_lat = np.degrees(np.abs(a.lateral - s.lateral))[deep]
    assert np.max(false_lat) > 8.0  # asin(sin θ · sin 15°) at θ ≈ 60–90°


def test_forward_bend_calibration_removes_false_lateral_bend(yawed: tuple) -> None:
    s, q = yawed
    c = cal.from_windows(s.time, s.acc, q, upright_s=(0.5, 4.5), bend_s=(5.0, 9.5))
    assert c.method == "upright+bend" and c.confidence > 0.9
    for k in range(3):
        assert _axis_err_deg(c.sensor_from_body[:, k], s.sensor_from_body[:, k]) < 1.5
    a = trunk_angles(s.time, q, c.sensor_from_body, s.fs)
    ok = np.degrees(s.flexion) < 75
    assert np.sqrt(np.mean(np.degrees(a.lateral - s.lateral)[ok] ** 2)) < 1.0
    assert np.sqrt(np.mean(np.degrees(a.flexion - s.flexion) ** 2)) < 1.0


def test_upright_only_calibration_fixes_tilt_but_not_yaw(yawed: tuple) -> None:
    s, q = yawed
    c = cal.from_windows(s.time, s.acc, q, upright_s=(0.5, 4.5))
    assert c.method == "upright"
    assert _axis_err_deg(c.sensor_from_body[:, 2], s.sensor_from_body[:, 2]) < 1.0
    assert _axis_err_deg(c.sensor_from_body[:, 1], s.sensor_from_body[:, 1]) > 10.0


def test_auto_calibration_finds_mounting_with_high_confidence(yawed: tuple) -> None:
    s, q = yawed
    c = cal.auto_calibrate(s.time, s.acc, s.gyr, q, s.fs)
    assert c.method == "auto"
    assert c.confidence > 0.7
    assert len(c.bends_s) >= 3
    for k in range(3):
        assert _axis_err_deg(c.sensor_from_body[:, k], s.sensor_from_body[:, k]) < 2.0


def test_auto_calibration_without_quiet_standing_falls_back_to_nominal() -> None:
    rng = np.random.default_rng(0)
    n = 2000
    t = np.arange(n) / 104
    acc = np.tile([9.81, 0, 0], (n, 1)) + rng.normal(0, 0.5, (n, 3))
    gyr = rng.normal(0, 1.0, (n, 3))  # never still
    q = orientation_offline(gyr, acc, 104.0)
    c = cal.auto_calibrate(t, acc, gyr, q, 104.0)
    assert c.method == "nominal" and c.confidence == 0.0
    np.testing.assert_array_equal(c.sensor_from_body, cal.NOMINAL)


def test_frame_from_axes_is_a_rotation() -> None:
    m = cal.frame_from_axes(np.array([0.9, 0.1, 0.3]), np.array([0.1, 1.0, 0.2]))
    np.testing.assert_allclose(m.T @ m, np.eye(3), atol=1e-12)
    assert np.linalg.det(m) == pytest.approx(1.0)


def test_auto_calibration_does_not_take_a_supine_rest_as_upright(yawed: tuple) -> None:
    # a supine rest is the "least flexed" quiet posture of all: it must not become upright
    # (validation 15009 / 15006 without a calibration note read 85-91 deg RMS from it)
    s, _ = yawed
    n = int(40 * s.fs)
    rng = np.random.default_rng(1)
    up_supine = s.sensor_from_body[:, 0]  # lying on the back: body +x (forward) points up
    acc = np.vstack([s.acc, 9.81 * up_supine + rng.normal(0, 0.02, (n, 3))])
    gyr = np.vstack([s.gyr, rng.normal(0, 0.002, (n, 3))])
    t = np.arange(len(acc)) / s.fs
    q = orientation_offline(gyr, acc, s.fs)
    c = cal.auto_calibrate(t, acc, gyr, q, s.fs)
    assert c.upright_s is not None and c.upright_s[1] < s.time[-1]
    assert _axis_err_deg(c.sensor_from_body[:, 2], s.sensor_from_body[:, 2]) < 2.0
