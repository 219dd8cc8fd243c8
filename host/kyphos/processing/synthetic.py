"""A small kinematic IMU generator for tests and benchmarks of the analysis stage.

The trunk is a rigid link of length ``link_m`` pivoting at the hip; the hip moves vertically
(knee bend in squats). Angles follow the kyphos convention ``R_b = Rz(yaw)·Ry(flex)·Rx(lat)``
and the sensor is mounted with ``M`` (sensor from body). Gyroscope and accelerometer are exact
derivatives of that motion plus optional white noise and a constant gyro bias.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial.transform import Rotation

from kyphos.processing.calibration import NOMINAL, G


@dataclass
class SynthLift:
    start_s: float
    end_s: float
    style: str
    peak_flexion: float  # rad
    twist: float = 0.0  # rad, + right
    lateral: float = 0.0  # rad, + right


@dataclass
class SynthSession:
    time: np.ndarray
    acc: np.ndarray
    gyr: np.ndarray
    fs: float
    flexion: np.ndarray
    lateral: np.ndarray
    axial: np.ndarray
    lifts: list[SynthLift]
    sensor_from_body: np.ndarray


def min_jerk(tau: np.ndarray) -> np.ndarray:
    """Minimum-jerk 0 → 1 profile on tau in [0, 1] (clipped outside)."""
    t = np.clip(tau, 0, 1)
    return 10 * t**3 - 15 * t**4 + 6 * t**5


def bump(t: np.ndarray, t0: float, t1: float, hold: float = 0.25) -> np.ndarray:
    """0 → 1 → 0 between t0 and t1 with a hold of ``hold`` (fraction of the duration) at 1."""
    d = t1 - t0
    ramp = d * (1 - hold) / 2
    up = min_jerk((t - t0) / ramp)
    down = min_jerk((t1 - t) / ramp)
    return np.minimum(up, down)


def mounting(yaw_deg: float = 0.0, pitch_deg: float = 0.0, roll_deg: float = 0.0) -> np.ndarray:
    """``M`` for a board rotated from nominal by yaw (about body z), pitch (about body y) and
    roll (about body x), degrees."""
    r = Rotation.from_euler("ZYX", [yaw_deg, pitch_deg, roll_deg], degrees=True).as_matrix()
    # sensor from body = nominal sensor-from-body applied after the body-frame misalignment
    return NOMINAL @ r


def synth_imu(
    time: np.ndarray,
    flex: np.ndarray,
    lat: np.ndarray,
    yaw: np.ndarray,
    hip_z: np.ndarray,
    sensor_from_body: np.ndarray,
    *,
    link_m: float = 0.44,
    acc_noise: float = 0.0,
    gyr_noise: float = 0.0,
    gyr_bias: np.ndarray | None = None,
    rng: np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(acc, gyr) in the sensor frame for the given body motion (angles rad, hip height m)."""
    fs = 1.0 / float(time[1] - time[0])
    rb = Rotation.from_euler("ZYX", np.column_stack([yaw, flex, lat]))
    rs = rb * Rotation.from_matrix(sensor_from_body.T)  # R_s = R_b · M^T
    # angular velocity in sensor coordinates, central differences of the rotation
    d = (rs[:-1].inv() * rs[1:]).as_rotvec() * fs
    gyr = np.empty((len(time), 3))
    gyr[1:-1] = 0.5 * (d[:-1] + d[1:])
    gyr[0], gyr[-1] = d[0], d[-1]
    pos = rb.apply(np.array([0.0, 0.0, link_m])) + np.column_stack(
        [np.zeros_like(hip_z), np.zeros_like(hip_z), hip_z]
    )
    a_lin = np.gradient(np.gradient(pos, 1 / fs, axis=0), 1 / fs, axis=0)
    acc = rs.inv().apply(a_lin + np.array([0.0, 0.0, G]))
    rng = rng or np.random.default_rng(0)
    if acc_noise:
        acc = acc + rng.normal(0, acc_noise, acc.shape)
    if gyr_noise:
        gyr = gyr + rng.normal(0, gyr_noise, gyr.shape)
    if gyr_bias is not None:
        gyr = gyr + gyr_bias
    return acc, gyr


def lift_session(
    duration_s: float = 120.0,
    fs: float = 104.0,
    *,
    n_lifts: int = 8,
    mount: np.ndarray | None = None,
    acc_noise: float = 0.02,
    gyr_noise: float = 0.003,
    seed: int = 0,
    with_calibration: bool = True,
) -> SynthSession:
    """Upright standing with sway, optional calibration moves, and lifts of random style.

    Stoop: flexion 70–95°, no knee bend; squat: flexion 30–45°, hip drops 0.35–0.45 m;
    semi-squat: flexion 45–60°, hip drops 0.15–0.25 m. Lifts last 2–4 s, some with twist and
    lateral bend.
    """
    rng = np.random.default_rng(seed)
    t = np.arange(int(duration_s * fs)) / fs
    flex = np.radians(1.0) * np.sin(2 * np.pi * 0.2 * t + rng.uniform(0, 6))
    lat = np.radians(0.8) * np.sin(2 * np.pi * 0.13 * t + rng.uniform(0, 6))
    yaw = np.radians(20) * np.sin(2 * np.pi * 0.005 * t)
    hip = np.zeros_like(t)
    lifts: list[SynthLift] = []
    t_next = 12.0 if with_calibration else 3.0
    if with_calibration:  # 5 s upright, then a forward bend 5–9 s
        flex += np.radians(60) * bump(t, 6.0, 9.0)
    styles = ["stoop", "squat", "semi-squat"]
    for _ in range(n_lifts):
        dur = rng.uniform(2.0, 4.0)
        if t_next + dur > duration_s - 2:
            break
        style = styles[rng.integers(3)]
        pk = {"stoop": (70, 95), "squat": (30, 45), "semi-squat": (45, 60)}[style]
        drop = {"stoop": (0.0, 0.03), "squat": (0.35, 0.45), "semi-squat": (0.15, 0.25)}[style]
        peak = np.radians(rng.uniform(*pk))
        tw = np.radians(rng.choice([0.0, rng.uniform(-35, 35)]))
        la = np.radians(rng.choice([0.0, rng.uniform(-15, 15)]))
        b = bump(t, t_next, t_next + dur)
        flex += peak * b
        lat += la * b
        yaw -= tw * b
        hip -= rng.uniform(*drop) * b
        lifts.append(SynthLift(t_next, t_next + dur, style, peak, tw, la))
        t_next += dur + rng.uniform(3.0, 10.0)
    m = NOMINAL if mount is None else mount
    acc, gyr = synth_imu(
        t, flex, lat, yaw, hip, m, acc_noise=acc_noise, gyr_noise=gyr_noise,
        gyr_bias=rng.normal(0, 0.005, 3), rng=rng,
    )
    axial = -(yaw - yaw[0])
    return SynthSession(t, acc, gyr, fs, flex, lat, axial, lifts, m)
