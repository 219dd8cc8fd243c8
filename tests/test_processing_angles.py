"""Trunk angle conventions: flexion + forward, lateral bend + right, axial rotation + right,
beyond 90° flexion, and the agreement of the orientation pipeline with known motion."""

from __future__ import annotations

import numpy as np
import pytest
from kyphos.processing.angles import euler_from_quat, trunk_angles, vertical_acceleration
from kyphos.processing.calibration import NOMINAL
from kyphos.processing.orientation import orientation_offline
from kyphos.processing.synthetic import lift_session
from scipy.spatial.transform import Rotation


def _sensor_quat(yaw: float, flex: float, lat: float, m: np.ndarray = NOMINAL) -> np.ndarray:
    """[w, x, y, z] sensor-to-earth for body angles (deg) and mounting m."""
    rb = Rotation.from_euler("ZYX", [yaw, flex, lat], degrees=True)
    q = (rb * Rotation.from_matrix(m.T)).as_quat()
    return np.array([[q[3], q[0], q[1], q[2]]])


@pytest.mark.parametrize(
    ("yaw", "flex", "lat"),
    [(0, 30, 0), (0, -15, 0), (0, 0, 12), (0, 0, -12), (40, 45, 8), (-170, 110, 5), (0, 135, 0)],
)
def test_euler_round_trip(yaw: float, flex: float, lat: float) -> None:
    f, la, y = euler_from_quat(_sensor_quat(yaw, flex, lat), NOMINAL)
    assert np.degrees(f[0]) == pytest.approx(flex, abs=1e-6)
    assert np.degrees(la[0]) == pytest.approx(lat, abs=1e-6)
    assert np.degrees(y[0]) == pytest.approx(yaw, abs=1e-6)


def test_forward_bend_is_positive_flexion_in_sensor_terms() -> None:
    # nominal mounting: bending forward turns the sensor about +y (its x, towards the head,
    # tips forward-down); gravity then shows on sensor +z (out of the back)
    th = np.radians(30)
    q = np.array([[np.cos((th - np.pi / 2) / 2), 0, np.sin((th - np.pi / 2) / 2), 0]])
    f, la, _ = euler_from_quat(q, NOMINAL)
    assert np.degrees(f[0]) == pytest.approx(30, abs=1e-6)
    assert la[0] == pytest.approx(0, abs=1e-9)


def test_head_to_the_right_is_positive_lateral_and_turning_right_positive_axial() -> None:
    # lateral: rotation about body +x (anterior) tips the head to the right (−y)
    q = _sensor_quat(0, 0, 10)
    r = Rotation.from_quat(q[0, [1, 2, 3, 0]]) * Rotation.from_matrix(NOMINAL)
    head = r.apply([0, 0, 1])
    assert head[1] < 0  # towards −y = right
    # axial: yaw decreasing = turning right → positive axial rotation (a 2 s twist; the
    # heading reference moves only slowly, so a short twist is measured nearly in full)
    t = np.arange(0, 60, 1 / 50)
    yaw = -20.0 * np.clip(1 - np.abs(t - 30) / 1.0, 0, 1)
    qs = np.vstack([_sensor_quat(y, 0, 0) for y in yaw])
    a = trunk_angles(t, qs, NOMINAL, 50.0)
    assert np.degrees(np.max(a.axial)) == pytest.approx(20, abs=2.0)
    assert np.degrees(a.axial[np.argmin(np.abs(t - 30))]) > 17


def test_offline_pipeline_tracks_known_flexion_within_a_degree() -> None:
    s = lift_session(90, 104, n_lifts=6, seed=2)
    q = orientation_offline(s.gyr, s.acc, s.fs)
    a = trunk_angles(s.time, q, NOMINAL, s.fs)
    err = np.degrees(a.flexion - s.flexion)
    assert np.sqrt(np.mean(err**2)) < 1.0
    # velocity: derivative of flexion
    v_true = np.gradient(s.flexion, 1 / s.fs)
    assert np.sqrt(np.mean(np.degrees(a.flexion_velocity - v_true) ** 2)) < 5.0


def test_vertical_acceleration_is_zero_at_rest_and_nan_when_masked() -> None:
    q = np.tile(_sensor_quat(30, 20, 5)[0], (4, 1))
    r = Rotation.from_quat(q[0, [1, 2, 3, 0]])
    f = r.inv().apply([0, 0, 9.81])
    acc = np.tile(f, (4, 1))
    acc[3] = 0.0
    az = vertical_acceleration(q, acc)
    np.testing.assert_allclose(az[:3], 0, atol=1e-9)
    assert np.isnan(az[3])


def test_side_lying_past_90_reads_as_lateral_bend_and_deep_stoop_as_flexion() -> None:
    """Of the two Euler solutions the one with the smaller |flex| + |lat| is kept: side lying
    rolled to 95° is lateral 95°, not flexion ≈ 180° (the old |lat| < 90° rule flipped it);
    a stoop to 100° is still flexion 100°."""
    from kyphos.processing.angles import euler_from_quat, matrix_to_quat
    from kyphos.processing.calibration import NOMINAL
    from scipy.spatial.transform import Rotation

    for flex_deg, lat_deg in ((3.0, 95.0), (-4.0, -97.0), (100.0, 2.0), (40.0, 20.0)):
        rb = Rotation.from_euler("ZYX", [10.0, flex_deg, lat_deg], degrees=True).as_matrix()
        q = matrix_to_quat(rb @ NOMINAL.T)[None]  # sensor-to-earth = R_b · Mᵀ
        f, la, _ = euler_from_quat(q, NOMINAL)
        assert np.degrees(f[0]) == pytest.approx(flex_deg, abs=1e-6)
        assert np.degrees(la[0]) == pytest.approx(lat_deg, abs=1e-6)


def test_mounted_pieces_equal_whole_recording_runs_spliced() -> None:
    """trunk_angles(mounts=...) (clip slips re-referenced) computes each mounting over its piece
    and the filters' settle margin only; the result equals each mounting run over the whole
    recording and spliced at the re-references (the former implementation), to 1e-9."""
    fs, n = 52.0, 60_000  # 19 min: longer than two settle margins of the 0.02 Hz heading filter
    t = np.arange(n) / fs
    rng = np.random.default_rng(5)
    e = np.column_stack([np.cumsum(rng.normal(0, 0.002, n)), 0.5 * np.sin(2 * np.pi * t / 9),
                         0.15 * np.sin(t / 5)])  # yaw, flexion, lateral
    q = Rotation.from_euler("ZYX", e).as_quat(scalar_first=True)
    valid = np.ones(n, bool)
    valid[31_000] = False  # a gap separator inside the second piece
    m1 = Rotation.from_euler("y", 9, degrees=True).as_matrix() @ NOMINAL
    m2 = Rotation.from_euler("x", -7, degrees=True).as_matrix() @ m1
    mounts = [(20_000, m1), (45_000, m2)]
    got = trunk_angles(t, q, NOMINAL, fs, valid, mounts=mounts)
    whole = [trunk_angles(t, q, m, fs, valid) for m in (NOMINAL, m1, m2)]
    edges = [0, 20_000, 45_000, n]
    for name in ("flexion", "lateral", "axial", "flexion_velocity", "lateral_velocity",
                 "axial_velocity"):
        want = np.concatenate([getattr(w, name)[a:b] for w, a, b in
                               zip(whole, edges[:-1], edges[1:], strict=True)])
        np.testing.assert_allclose(getattr(got, name), want, atol=1e-9, equal_nan=True,
                                   err_msg=name)


def test_rows_times_equals_the_rotation_matrix_product() -> None:
    from kyphos.processing.angles import _rows_times, quat_rows

    rng = np.random.default_rng(3)
    q = rng.normal(size=(500, 4))
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    m = Rotation.from_euler("xyz", [10, -20, 35], degrees=True).as_matrix()
    r0, r1, r2 = quat_rows(q)
    full = np.stack([r0, r1, r2], axis=1) @ m  # (N, 3, 3) R(q) · m
    got = _rows_times(q, m)
    want = (full[:, 0, 0], full[:, 1, 0], full[:, 2, 0], full[:, 2, 1], full[:, 2, 2])
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, atol=1e-12)


def test_all_valid_fast_path_equals_the_per_segment_path() -> None:
    """Every row valid skips the NaN frames; the angles equal those of the same rows as one
    segment of a longer recording with an invalid separator row after it."""
    rng = np.random.default_rng(4)
    n = 4000
    flex = 30 * np.sin(np.arange(n) / 300.0)
    q = np.vstack([_sensor_quat(5 * np.sin(i / 500), f, 3.0) for i, f in zip(range(n), flex, strict=True)])
    q += rng.normal(0, 1e-4, q.shape)
    t = np.arange(n) / 104.0
    a = trunk_angles(t, q, NOMINAL, 104.0)
    q2 = np.vstack([q, [[np.nan] * 4], q[:50]])
    t2 = np.r_[t, np.nan, t[:50] + 100]
    v2 = np.r_[np.ones(n, bool), False, np.ones(50, bool)]
    b = trunk_angles(t2, q2, NOMINAL, 104.0, v2)
    for name in ("flexion", "lateral", "axial", "flexion_velocity", "lateral_velocity",
                 "axial_velocity"):
        np.testing.assert_allclose(getattr(a, name), getattr(b, name)[:n], rtol=0, atol=1e-12)
        assert np.isnan(getattr(b, name)[n])


def test_vertical_acceleration_is_the_earth_z_of_the_rotated_acc_less_g() -> None:
    rng = np.random.default_rng(5)
    q = rng.normal(size=(400, 4))
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    acc = rng.normal(0, 5, (400, 3))
    acc[7] = 0.0  # masked sample
    rot = Rotation.from_quat(q[:, [1, 2, 3, 0]])  # scipy: scalar last
    want = rot.apply(acc)[:, 2] - 9.81
    want[7] = np.nan
    np.testing.assert_allclose(vertical_acceleration(q, acc), want, atol=1e-12)
