"""The live view's closed-bend rows take out the orientation's half-sample lead, as the report's.

The report's closed-bend features (lift windows, the calibration bends' lever) rotate each
accelerometer row with the orientation half a sample back (``style.aligned_earth_acc``,
``ORIENTATION_LEAD_SAMPLES``; STYLE7), and their edges were refitted on those readings. The
live view builds its ring's earth-frame acceleration per chunk from the causal chain's angles;
it keeps the plain rotation for the lift bounds (as the report's ``lifts._speeds``) and, since
STYLE7L, three more columns rotated with the orientation blended with the previous row's (the
previous chunk's last row carried), which the style and the lever read. Before, live read the
hip shift with the orientation half a sample ahead: a trunk tilting 70° about still hips read a
hip shift of several cm at 52 Hz against the refitted edges.
"""

from __future__ import annotations

import types

import numpy as np
import pytest
from kyphos.metrics import style
from kyphos.processing.angles import Angles
from kyphos.views import live_state as ls
from scipy.spatial.transform import Rotation

G = 9.81
R_M = 0.45  # the sensor's lever up the trunk from the hips


def _live(m: np.ndarray) -> ls.LiveState:
    st = ls.LiveState(30.0)
    st.proc = types.SimpleNamespace(sensor_from_body=m)  # type: ignore[assignment]
    return st


def _angles(f: np.ndarray, la: np.ndarray, ax: np.ndarray) -> Angles:
    n = len(f)
    return Angles(np.zeros(n), f, la, ax, np.zeros(n), np.zeros(n), np.zeros(n),
                  np.ones(n, bool), fs=100.0)


def _chunked(st: ls.LiveState, f: np.ndarray, la: np.ndarray, ax: np.ndarray, acc: np.ndarray,
             sizes: list[int]) -> np.ndarray:
    """The live aligned rows, the stream given in chunks of ``sizes`` rows."""
    out, i = [], 0
    for k in sizes:
        sl = slice(i, i + k)
        out.append(st._aligned_earth_acc(_angles(f[sl], la[sl], ax[sl]), acc[sl], False))
        i += k
    return np.concatenate(out)


def test_live_aligned_rows_are_the_reports_across_chunks_and_the_axial_wrap() -> None:
    rng = np.random.default_rng(3)
    n = 60
    f = np.cumsum(rng.normal(0, 0.05, n)) + 0.6
    la = np.cumsum(rng.normal(0, 0.03, n))
    ax = np.angle(np.exp(1j * (3.05 + np.cumsum(rng.normal(0, 0.05, n)))))  # wraps at ±π
    assert np.any(np.abs(np.diff(ax)) > np.pi)
    m = Rotation.from_euler("xyz", [0.1, -0.25, 0.3]).as_matrix()
    acc = rng.normal(0, 2, (n, 3)) + [0, 0, G]
    live = _chunked(_live(m), f, la, ax, acc, [1, 7, 13, 1, 38])
    # the report's rows: sensor-to-earth quaternions R_b·Mᵀ, R_b = Rz(−axial)·Ry(f)·Rx(lat)
    rs = Rotation.from_euler("ZYX", np.c_[-ax, f, la]) * Rotation.from_matrix(m.T)
    q = rs.as_quat()[:, [3, 0, 1, 2]]  # scalar first
    rep = style.aligned_earth_acc(q, acc, np.arange(n))
    np.testing.assert_allclose(live, rep, atol=1e-9)


def _tilt(t: np.ndarray) -> np.ndarray:
    """0 until 1.5 s, a smooth rise to 70° by 3 s, back to 0 by 4.5 s."""
    u = np.clip((t - 1.5) / 3.0, 0.0, 1.0)
    return np.radians(70.0) * np.sin(np.pi * u) ** 2


def _live_bend(fs: float, aligned: bool) -> tuple[float, float]:
    """(knee drop, hip shift) live of a trunk tilting about still hips, the chain's angles
    half a sample ahead of the accelerometer, streamed in chunks of 5 rows."""
    dt = 1.0 / fs
    t = np.arange(0.0, 6.0, dt)
    tau = _tilt(t)
    h = 1e-4
    pos = [np.c_[R_M * np.sin(_tilt(t + k * h)), 0 * t, R_M * np.cos(_tilt(t + k * h))]
           for k in (-1, 0, 1)]
    f_e = (pos[2] - 2 * pos[1] + pos[0]) / h**2 + np.array([0.0, 0.0, G])
    c, s = np.cos(tau), np.sin(tau)
    acc = np.c_[c * f_e[:, 0] - s * f_e[:, 2], f_e[:, 1], s * f_e[:, 0] + c * f_e[:, 2]]
    ahead = _tilt(t + 0.5 * dt)
    st, z = _live(np.eye(3)), np.zeros(len(t))
    sizes = [5] * (len(t) // 5) + ([len(t) % 5] if len(t) % 5 else [])
    ea = (_chunked(st, ahead, z, z, acc, sizes) if aligned
          else st._earth_acc(_angles(ahead, z, z), acc))
    got = style.closed_knee_features(t, np.ones(len(t), bool), tau, z, np.zeros((0, 4)),
                                     np.zeros((0, 3)), [(1.5, 4.5)], fs, (R_M, 0.0),
                                     earth_acc=ea)
    assert got[0] is not None
    return got[0]


@pytest.mark.parametrize("fs", [52.0, 104.0, 208.0])
def test_live_hip_shift_reads_zero_at_every_rate(fs: float) -> None:
    drop, shift = _live_bend(fs, aligned=True)
    assert abs(shift) < 0.005, shift
    assert abs(drop) < 0.003, drop


def test_the_unaligned_live_rows_read_the_lead_as_a_hip_shift_at_52_hz() -> None:
    s52 = _live_bend(52.0, aligned=False)[1]
    assert abs(s52) > 0.02, s52  # what live read before: the rows the lift bounds still read
    assert abs(_live_bend(52.0, aligned=True)[1] - _live_bend(208.0, aligned=True)[1]) < 0.005


def test_live_style_and_lever_read_the_aligned_columns() -> None:
    w = np.arange(3 * 17, dtype=float).reshape(3, 17)
    np.testing.assert_array_equal(ls._ring_aligned_earth_acc(w), w[:, 14:17])
    np.testing.assert_array_equal(ls._ring_earth_acc(w), w[:, [12, 13, 5]])
