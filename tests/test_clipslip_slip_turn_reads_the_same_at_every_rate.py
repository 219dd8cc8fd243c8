"""A clip slip's own window (clipslip.slip_motion_windows) reads the same linear acceleration
at 52 Hz as at 104 and 208 Hz. The turn used to be integrated by the rectangle rule, which lags
the rates by half a sample (9.6 ms at 52 Hz: a fast slip's 80 deg/s turns the subtracted
gravity by 0.8 deg), and the reading ran to the first row past 95 % of the turn, where at 52 Hz
the ring of a clip snapping into place, spread back by the zero-phase low-pass, already shows
(validation 10013 @52: 0.14 m/s² against 0.03 at 104 Hz; 11001 @52: 0.53 against 0.05). Rows
are synthetic: a 10-deg turn about sensor y in 0.15 s (the validation family's septic
smoothstep), point-sampled and low-passed as ``preprocess.prepare`` does."""

from __future__ import annotations

import numpy as np
import pytest
from kyphos.processing import clipslip as cs
from kyphos.processing.preprocess import IMU_CUTOFF_HZ, lowpass
from scipy.spatial.transform import Rotation

G = 9.81
DEG, DUR, T0 = 10.0, 0.15, 2.0


def _reading(fs: float, ring: float = 0.0) -> tuple[int, int, float, float, float, float]:
    """The slip's window at ``fs``; ``ring`` (m/s²): a 9-Hz damped ring along sensor x from
    10 ms after the turn ends (the clip snapping into place)."""
    t = np.arange(0.0, 5.0, 1.0 / fs)
    u = np.clip((t - T0) / DUR, 0.0, 1.0)
    ang = np.radians(DEG) * u**4 * (35.0 + u * (-84.0 + u * (70.0 - 20.0 * u)))
    gyr = np.zeros((len(t), 3))
    gyr[:, 1] = np.radians(DEG) * 140.0 * u**3 * (1.0 - u) ** 3 / DUR
    acc = np.asarray(Rotation.from_rotvec(np.outer(ang, [0.0, 1.0, 0.0])).inv().apply([0, 0, G]))
    s = t - (T0 + DUR + 0.01)
    on = s >= 0.0
    acc[on, 0] += ring * np.exp(-s[on] * 2 * np.pi * 9.0 * 0.15) * np.cos(2 * np.pi * 9.0 * s[on])
    acc, gyr = lowpass(acc, fs, IMU_CUTOFF_HZ), lowpass(gyr, fs, IMU_CUTOFF_HZ)
    m_new = Rotation.from_euler("y", DEG, degrees=True).as_matrix().T
    still = (t < T0 - 0.5) | (t > T0 + 1.5)
    f = cs.slip_motion_windows(gyr, acc, fs, int((T0 - 0.3) * fs), int((T0 + 0.6) * fs),
                               np.eye(3), m_new, still)
    assert f is not None
    return f


def test_a_turn_without_linear_acceleration_reads_none_at_52_hz_as_at_104() -> None:
    lin = {fs: _reading(fs)[4] for fs in (52.0, 104.0, 208.0)}
    # before: 0.171 / 0.051 / 0.034 m/s² (the rectangle rule's half-sample lag)
    assert max(lin.values()) < 0.02, lin
    assert abs(lin[52.0] - lin[104.0]) < 0.01, lin


@pytest.mark.parametrize("fs", [52.0, 104.0, 208.0])
def test_the_clips_ring_after_the_turn_stays_out_of_the_slips_window(fs: float) -> None:
    f = _reading(fs, ring=3.0)
    # before at 52 Hz: 0.225 m/s², over the fitted bound; 0.053 at 104 Hz
    assert f[4] <= cs.SLIP_MOTION_LIN, f
    assert f[2] <= 0.05 * f[5], f  # the turn itself matches the mounting change


def test_of_two_movements_that_turn_as_the_slip_does_the_one_without_acceleration_is_read() -> None:
    """A movement 1.5 s before the slip turns the sensor as the mounting change does, a hair
    closer than the slip itself (0.05 deg against 0.1), while the sensor accelerates: the
    window read is the slip's (validation 6028 @104: the earlier one took it, 0.34 m/s²)."""
    fs = 104.0
    t = np.arange(0.0, 6.0, 1.0 / fs)
    ang = np.zeros(len(t))
    rate = np.zeros(len(t))
    for t0, deg, sign in ((1.5, DEG + 0.05, 1.0), (1.9, DEG + 0.05, -1.0), (3.0, DEG + 0.1, 1.0)):
        u = np.clip((t - t0) / 0.2, 0.0, 1.0)
        ang += sign * np.radians(deg) * u**4 * (35.0 + u * (-84.0 + u * (70.0 - 20.0 * u)))
        rate += sign * np.radians(deg) * 140.0 * u**3 * (1.0 - u) ** 3 / 0.2
    gyr = np.zeros((len(t), 3))
    gyr[:, 1] = rate
    acc = np.asarray(Rotation.from_rotvec(np.outer(ang, [0.0, 1.0, 0.0])).inv().apply([0, 0, G]))
    push = (t >= 1.5) & (t < 1.7)
    acc[push, 0] += 0.6 * np.sin(np.pi * (t[push] - 1.5) / 0.2)  # the first movement's push
    m_new = Rotation.from_euler("y", DEG, degrees=True).as_matrix().T
    f = cs.slip_motion_windows(gyr, acc, fs, int(1.2 * fs), int(3.5 * fs), np.eye(3), m_new,
                               (t < 1.0) | (t > 4.0))
    assert f is not None
    assert 2.95 <= f[0] / fs <= 3.1 and f[4] < 0.05, (f[0] / fs, f)
