"""The simulated IMU is consistent with the simulated body: gravity, gyro and accelerometer."""

import numpy as np
import pytest
from kyphos.sim.body import G
from kyphos.sim.scenario import load_scenario, mount_matrix, simulate, validate
from scipy.spatial.transform import Rotation


def _still(pitch=0.0, yaw=0.0, roll=0.0, chip="ideal"):
    return validate({
        "mount": {"pitch_deg": pitch, "yaw_deg": yaw, "roll_deg": roll},
        "sensor": {"chip": chip, "fs_hz": 104},
        "sway": {"flexion_deg": 0, "lateral_deg": 0, "axial_deg": 0, "breathing_deg": 0},
        "segments": [{"kind": "stand", "duration_s": 5}],
    })


def test_static_upright_reads_plus_g_on_sensor_x():
    r = simulate(_still(), seed=0)
    lsb = r.acc_scale
    assert np.allclose(r.acc, [G, 0.0, 0.0], atol=lsb)
    assert np.all(r.gyr == 0.0)
    assert np.allclose(r.truth.flexion, 0) and np.allclose(r.truth.axial, 0)


def test_static_upright_with_mounting_tilt_reads_rotated_gravity():
    pitch, yaw, roll = 20.0, 8.0, -5.0
    r = simulate(_still(pitch, yaw, roll), seed=0)
    expected = mount_matrix(pitch, yaw, roll).T @ np.array([0.0, 0.0, G])
    assert np.allclose(r.acc, expected, atol=r.acc_scale)
    # forward tilt of the clip puts part of gravity on sensor z (out of the back)
    assert expected[2] > 0.3 * G
    assert np.allclose(r.truth.flexion, 0.0)  # truth is of the trunk, not of the sensor


def _rotm(q):
    return Rotation.from_quat(q, scalar_first=True)


def _max_integration_error(w, q, dt):
    """Integrate body-frame rate w from q[0] (midpoint rule); worst angle error to q, rad."""
    steps = Rotation.from_rotvec(0.5 * (w[1:] + w[:-1]) * dt)
    est = _rotm(q[0])
    err = []
    for i in range(len(steps)):
        est = est * steps[i]
        if i % 200 == 0:
            err.append((est.inv() * _rotm(q[i + 1])).magnitude())
    return max(err)


def test_gyroscope_integrates_to_the_true_orientation():
    r = simulate(load_scenario("demo"), seed=2, fs=208, chip="ideal")
    dt = 1 / r.fs
    assert np.degrees(_max_integration_error(r.truth.gyr, r.truth.sensor_quat, dt)) < 0.2
    # the reported (quantised) rate of an error-free chip integrates nearly as well
    assert np.degrees(_max_integration_error(r.gyr, r.truth.sensor_quat, dt)) < 0.5


def test_accelerometer_is_rotated_second_derivative_of_position_minus_gravity():
    r = simulate(load_scenario("demo"), seed=4, fs=400, chip="ideal")
    dt = 1 / r.fs
    p = r.truth.position
    a = np.gradient(np.gradient(p, dt, axis=0), dt, axis=0)
    rot = _rotm(r.truth.sensor_quat)
    f = rot.inv().apply(a - np.array([0.0, 0.0, -G]))
    inner = slice(5, -5)
    err = np.abs(f[inner] - r.truth.acc[inner])
    assert err.max() < 0.05, err.max()
    # and the linear accelerations are real: lifts and walking move the sensor
    assert np.abs(a[inner]).max() > 3.0


def test_truth_angles_are_the_decomposition_of_the_trunk_orientation():
    r = simulate(load_scenario("warehouse"), seed=1, fs=52)
    yaw, flex, lat = _rotm(r.truth.body_quat).as_euler("ZYX").T
    assert np.allclose(flex, r.truth.flexion, atol=1e-9)
    assert np.allclose(lat, r.truth.lateral, atol=1e-9)
    assert np.allclose(np.unwrap(yaw), r.truth.yaw, atol=1e-9)
    assert np.allclose(r.truth.axial, -(r.truth.yaw - 0.0), atol=1e-12)
    # sensor orientation = trunk orientation · body_from_sensor
    rs = _rotm(r.truth.body_quat) * Rotation.from_matrix(r.truth.sensor_from_body.T)
    assert np.allclose(np.abs(np.sum(rs.as_quat(scalar_first=True) * r.truth.sensor_quat, 1)),
                       1.0, atol=1e-9)


def test_blocks_do_not_change_the_motion_even_mid_walk():
    from kyphos.sim.body import motion
    from kyphos.sim.scenario import Simulator

    scn = validate({"segments": [
        {"kind": "stand", "duration_s": 10},
        {"kind": "walk", "duration_s": 100},  # 8192-sample block edges at 78.8 s and 157.5 s
        {"kind": "stand", "duration_s": 5},
        {"kind": "walk", "duration_s": 60},
        {"kind": "lift", "style": "squat"},
    ]})
    sim = Simulator(scn, seed=3, fs=104)
    r = simulate(scn, seed=3, fs=104)
    whole = motion(sim.built.timeline, r.time)  # one pass over every sample
    np.testing.assert_allclose(r.truth.position, whole.pose.position, atol=1e-9)
    np.testing.assert_allclose(r.truth.acc, whole.acc, atol=1e-6)
    # progression is continuous and reaches speed · (duration − ramp) per walk
    x = r.truth.position[:, 0]
    assert np.abs(np.diff(x)).max() < 1.3 * 2.0 / r.fs
    assert x[-1] - x[0] == pytest.approx(1.3 * (99 + 59), abs=0.05)
