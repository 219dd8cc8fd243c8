"""Clip slip placement (clipslip.place_slip with ``motion``): a slip made while the trunk moves
(here: getting up from lying, the lies casting no vote) leaves the walks and stands tied from
the stand before the lie-down to the stand after the get-up. The plain reading of the slip's
window (its gyro turn against the mounting change, with little linear acceleration) passes
nowhere, since the window also turns by the trunk's own 9 deg and the sensor moves; the rule
used to guess the tie's middle, in the lie (development seeds 3011, 9002, 9020: slips made lying
down or getting up, 22-46 s off). Less the trunk's own turn carried through the window (its
mean rate over the half windows either side, times the window), the get-up's window holding the
slip matches it, and the lie-down (about another axis) does not. Synthetic orientations at
100 Hz, gyro from them; the old mounting is the identity."""

from __future__ import annotations

import numpy as np
from kyphos.processing import clipslip as cs
from scipy.spatial.transform import Rotation

FS = 100.0
UP = np.array([0.0, 0.0, 1.0])
G = 9.81
N = 7800
LIE_DOWN = (3400, 3550)  # rows: down to lying in 1.5 s, a septic profile
GET_UP = (5950, 6600)  # back up, slowly: 0.5-s ramps, 15 deg/s between
SLIP = (6250, 6280)  # the clip tips 10 deg about the sensor's x axis in 0.3 s


def _ease(u: np.ndarray) -> np.ndarray:
    u = np.clip(u, 0.0, 1.0)
    return u ** 4 * (35.0 + u * (-84.0 + u * (70.0 - 20.0 * u)))


def _pitch() -> np.ndarray:
    """The trunk's forward pitch (deg) per row: 0, down to 90, held, slowly back to 0."""
    t = np.arange(N, dtype=float)
    a, b = LIE_DOWN
    p = 90.0 * _ease((t - a) / (b - a))
    a, b = GET_UP
    ramp = 50.0  # rows of each ramp
    rate = np.clip(np.minimum(t - a, b - t) / ramp, 0.0, 1.0)  # trapezoid, per row
    up = np.cumsum(rate)
    return p - 90.0 * up / up[-1]


def _session(slip: bool) -> tuple[list[cs.RefPosture], np.ndarray, np.ndarray, np.ndarray]:
    """Stand, walk, stand, lie down, lie, lie, get up (the slip in it when ``slip``), stand;
    returns the probes, gyro, accelerometer and the new mounting (sensor-from-body)."""
    trunk = Rotation.from_euler("y", _pitch()[:, None], degrees=True)  # body-to-world
    phi = 10.0 * _ease((np.arange(N) - SLIP[0]) / (SLIP[1] - SLIP[0])) if slip else np.zeros(N)
    clip = Rotation.from_euler("x", phi[:, None], degrees=True)  # sensor-to-body
    r = trunk * clip  # sensor-to-world
    w = np.zeros((N, 3))
    w[:-1] = (r[:-1].inv() * r[1:]).as_rotvec() * FS
    lin = np.zeros((N, 3))  # lying down and getting up move the sensor
    for (a, b) in (LIE_DOWN, GET_UP):
        lin[a:b, 0] = 2.0 * np.sin(np.linspace(0.0, 2.0 * np.pi, b - a))
    acc = np.asarray(r.inv().apply(G * UP)) + lin
    up = np.asarray(r.inv().apply(UP))  # gravity's direction in sensor axes

    def probe(i0: int, i1: int, kind: str) -> cs.RefPosture:
        return cs.RefPosture(i0 / FS, (i1 - 1) / FS, kind, up[i0], i0, i1, up[i0], up[i1 - 1])

    probes = [probe(0, 1000, "standing"), probe(1200, 2200, "walking"),
              probe(2400, 3400, "standing"), probe(3700, 4700, "lying"),
              probe(4900, 5900, "lying"), probe(6800, N, "standing")]
    return probes, w, acc, np.asarray(clip[-1].as_matrix().T)


def _place(motion: bool) -> tuple[int, int | None]:
    probes, w, acc, m_new = _session(slip=True)
    mot = (lambda r0, r1: (w[r0:r1], acc[r0:r1]), FS) if motion else None
    return cs.place_slip(probes, 0, 6800, np.eye(3), m_new,
                         {"standing": UP, "walking": UP}, None, mot)


def test_a_slip_made_getting_up_is_placed_at_its_turn_not_the_ties_middle() -> None:
    j, j1 = _place(motion=True)
    assert SLIP[0] - 10 <= j <= SLIP[0] + 10 and j1 is not None \
        and SLIP[1] - 10 <= j1 <= SLIP[1] + 10, (j, j1)
    j0, _ = _place(motion=False)
    assert abs(j0 - SLIP[0]) > 1000, j0  # the postures alone: the middle of the tie
