"""The closed-bend features take out the orientation's half-sample lead over the accelerometer.

The analysis' orientation (VQF) runs about half a sample ahead of the accelerometer row it is
paired with (docs/accuracy.md section 7, STYLE7). Rotating each row's specific force with it
leaks gravity into the horizontal in proportion to the sample period, so the same lift's hip
shift read 3.9 cm higher at 52 Hz than at 104 Hz on the simulator. Here a trunk tilts 70° about
still hips and back, sampled at 52 and 208 Hz with quaternions half a sample ahead: the hip shift
and the knee drop must read ~0 at both rates (before STYLE7 the 52 Hz hip shift read several cm).
"""

from __future__ import annotations

import numpy as np
import pytest
from kyphos.metrics import style

G = 9.81
R_M = 0.45  # the sensor's lever up the trunk from the hips


def _tilt(t: np.ndarray) -> np.ndarray:
    """0 until 1.5 s, a smooth rise to 70° by 3 s, back to 0 by 4.5 s."""
    u = np.clip((t - 1.5) / 3.0, 0.0, 1.0)
    return np.radians(70.0) * np.sin(np.pi * u) ** 2


def _bend(fs: float, lead: float) -> tuple[float, float]:
    dt = 1.0 / fs
    t = np.arange(0.0, 6.0, dt)
    tau = _tilt(t)
    h = 1e-4  # the sensor at (r sin τ, 0, r cos τ) over still hips; earth z up, x forward
    pos = [np.c_[R_M * np.sin(_tilt(t + k * h)), 0 * t, R_M * np.cos(_tilt(t + k * h))]
           for k in (-1, 0, 1)]
    lin = (pos[2] - 2 * pos[1] + pos[0]) / h**2
    c, s = np.cos(tau), np.sin(tau)  # R_y(τ): sensor-to-earth, the trunk flexed forward
    f_e = lin + np.array([0.0, 0.0, G])
    acc = np.c_[c * f_e[:, 0] - s * f_e[:, 2], f_e[:, 1], s * f_e[:, 0] + c * f_e[:, 2]]
    tq = _tilt(t + lead * dt)  # the orientation `lead` samples ahead, as the analysis'
    quat = np.c_[np.cos(tq / 2), 0 * t, np.sin(tq / 2), 0 * t]
    got = style.closed_knee_features(t, np.ones(len(t), bool), tau, 0 * t, quat, acc,
                                     [(1.5, 4.5)], fs, (R_M, 0.0))
    assert got[0] is not None
    return got[0]


@pytest.mark.parametrize("fs", [52.0, 208.0])
def test_hip_shift_and_knee_drop_read_zero_with_a_half_sample_orientation_lead(fs: float) -> None:
    drop, shift = _bend(fs, 0.5)
    assert abs(shift) < 0.005, shift
    assert abs(drop) < 0.003, drop


def test_hip_shift_reads_the_same_at_52_and_208_hz() -> None:
    s52, s208 = _bend(52.0, 0.5)[1], _bend(208.0, 0.5)[1]
    assert abs(s52 - s208) < 0.005, (s52, s208)


def test_aligned_earth_acc_without_lead_is_the_plain_rotation() -> None:
    from kyphos.metrics.lifts import earth_free_acceleration

    rng = np.random.default_rng(0)
    q = rng.standard_normal((20, 4))
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    a = rng.standard_normal((20, 3))
    rows = np.arange(3, 17)
    np.testing.assert_allclose(style.aligned_earth_acc(q, a, rows, lead=0.0),
                               earth_free_acceleration(q[rows], a[rows]))
