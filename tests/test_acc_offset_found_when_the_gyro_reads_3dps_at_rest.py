"""A unit whose gyro reads ~3°/s at rest (the LSM6DSOX's zero-rate level is ±1 dps typical,
so a few units in a hundred read this much) still gives still postures, and so an
accelerometer offset estimate: the still test reads rotation from the specific force's
direction, not from the gyro's level (validation seed 16 had none before)."""

from __future__ import annotations

import numpy as np
from kyphos.processing import calibration as cal
from scipy.spatial.transform import Rotation


def _holds(gyr_offset: np.ndarray, bias: np.ndarray, fs: float = 52.0) -> tuple[np.ndarray, ...]:
    """Still holds in spread postures with 2 s turns between them, as a chip with an
    accelerometer offset ``bias`` (m/s²) and a gyro offset ``gyr_offset`` (rad/s) reports."""
    rng = np.random.default_rng(3)
    tilts = [(0, 0), (30, 0), (60, 0), (90, 0), (-20, 0), (0, 60), (0, -70), (45, 30)]
    ups = [Rotation.from_euler("yx", t, degrees=True).inv().apply([0, 0, 9.79]) for t in tilts]
    acc: list[np.ndarray] = []
    for k, u in enumerate(ups):
        acc.append(np.tile(u, (int(8 * fs), 1)))
        if k + 1 < len(ups):
            w = np.linspace(0, 1, int(2 * fs))[:, None]
            acc.append((1 - w) * u + w * ups[k + 1])
    a = np.concatenate(acc) + bias + rng.normal(0, 0.007, (sum(len(x) for x in acc), 3))
    turning = np.concatenate([np.full(len(x), k % 2 == 1) for k, x in enumerate(acc)])
    g = np.where(turning[:, None], 0.5, 0.0) + gyr_offset + rng.normal(0, 0.002, a.shape)
    return np.arange(len(a)) / fs, a, g


def test_offset_found_with_a_gyro_offset_of_3_dps() -> None:
    bias = np.array([0.35, -0.2, 0.3])
    gyr_offset = np.radians([2.0, -2.0, 1.5])  # |offset| 3.2 deg/s
    t, a, g = _holds(gyr_offset, bias)
    est = cal.estimate_acc_bias(t, a, g, 52.0)
    assert est.postures == 8
    assert np.max(np.abs(est.bias - bias)) < 0.05, est


def test_live_mirror_finds_the_same_postures() -> None:
    from kyphos.processing.causal import LiveAccBias

    bias = np.array([0.35, -0.2, 0.3])
    t, a, g = _holds(np.radians([2.0, -2.0, 1.5]), bias)
    live = LiveAccBias(52.0)
    for i in range(0, len(a), 13):  # blocks as the live chain feeds them
        live.update(a[i:i + 13], g[i:i + 13])
    assert live.postures == 7  # a posture is kept when it ends: the last hold still runs
    assert live.fit is not None and np.max(np.abs(live.fit.bias - bias)) < 0.05, live.fit
