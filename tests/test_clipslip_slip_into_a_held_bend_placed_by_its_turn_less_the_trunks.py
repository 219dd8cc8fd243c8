"""Clip slip placement (clipslip.place_slip with ``motion``): a slip made while the trunk bends
into a held task bend (beyond ``SLIP_MAX_DEG``: the bend casts no vote) leaves the walks and
stands tied on both sides of the bend; the excursion rule fits and used to guess the moving
sample nearest the bend's middle, the way in or the way back by which is nearer. The window's
gyro turn there is the trunk's plus the clip's, so the plain reading (with the sensor moving)
passes nowhere; less the trunk's own turn carried through the window (its rate over the half
windows either side), the way the slip was made matches it (development seeds 11022 and
17002: slips on the way into a 57- and a 45-deg bend, re-referenced 16 s late at the way
back). Synthetic rows at 100 Hz; the old mounting is the identity."""

from __future__ import annotations

import numpy as np
from kyphos.processing import clipslip as cs
from scipy.spatial.transform import Rotation

FS = 100.0
UP = np.array([0.0, 0.0, 1.0])
G = 9.81
BEND_IN = (4000, 4150)  # rows of the 1.5-s movement into the 50-deg bend
BEND_OUT = (5650, 5800)  # and back up
#: the clip's axis (sensor axes): mostly the trunk's bending axis, as the simulator's (body y
#: with up to 0.3 of x and z); the trunk's own turn then never matches the slip's whole turn
AXIS = np.array([0.3, -1.0, 0.3]) / np.linalg.norm([0.3, -1.0, 0.3])
SLIP = Rotation.from_rotvec(np.radians(10.0) * AXIS)


def _tilt(deg: float) -> np.ndarray:
    """Gravity's direction in sensor axes with the sensor turned ``deg`` about its y axis."""
    return np.asarray(Rotation.from_rotvec([0.0, -np.radians(deg), 0.0]).inv().apply(UP))


def _up(rotvec: np.ndarray) -> np.ndarray:
    """Gravity's direction in sensor axes after the sensor turned by ``rotvec`` (rad)."""
    return np.asarray(Rotation.from_rotvec(rotvec).inv().apply(UP))


def _probe(i0: int, i1: int, kind: str, up: np.ndarray) -> cs.RefPosture:
    return cs.RefPosture(i0 / FS, (i1 - 1) / FS, kind, up, i0, i1, up, up)


def _place(slip_at: int | None, motion: bool = True) -> tuple[int, int | None]:
    """Stand, walk, stand; a 50-deg standing bend held 15 s (in 1.5 s, back in 1.5 s, a
    raised-cosine rate, the sensor moved 2 m/s² each way); the clip tips 10 deg about sensor y
    in 0.3 s from row ``slip_at``; stands and a walk in the new mounting."""
    n = 8000
    w = np.zeros((n, 3))
    lin = np.zeros((n, 3))
    for (a, b), sign in ((BEND_IN, -1.0), (BEND_OUT, 1.0)):
        prof = 1.0 - np.cos(np.linspace(0.0, 2.0 * np.pi, b - a))
        w[a:b, 1] = sign * np.radians(50.0) * prof / (prof.sum() / FS)
        lin[a:b, 0] = sign * 2.0 * np.sin(np.linspace(0.0, np.pi, b - a))
    if slip_at is not None:
        w[slip_at:slip_at + 30] += np.radians(10.0) / 0.3 * AXIS
    th = np.cumsum(w, axis=0) / FS
    acc = np.asarray(Rotation.from_rotvec(th).inv().apply(G * UP)) + lin
    probes = [_probe(0, 1000, "standing", UP), _probe(1200, 2200, "walking", UP),
              _probe(2400, 3900, "standing", UP),
              _probe(BEND_IN[1] + 50, BEND_OUT[0] - 50, "standing",
                     _up(th[BEND_IN[1] + 50])),
              _probe(BEND_OUT[1] + 50, 7000, "standing", _up(th[-1])),
              _probe(7200, 8000, "walking", _up(th[-1]))]
    mot = (lambda r0, r1: (w[r0:r1], acc[r0:r1]), FS) if motion else None
    m_new = SLIP.as_matrix()  # sensor-from-body: the body turned into the slipped sensor
    return cs.place_slip(probes, 0, 7000, np.eye(3), m_new,
                         {"standing": UP, "walking": UP}, None, mot)


def test_a_slip_on_the_way_into_a_held_bend_is_placed_there() -> None:
    j, j1 = _place(4070)
    assert 4060 <= j <= 4080 and j1 is not None and 4090 <= j1 <= 4105, (j, j1)
    j0, _ = _place(4070, motion=False)
    assert j0 >= BEND_OUT[0] - 50, j0  # the postures alone: the way back (nearer the middle)


def test_a_slip_on_the_way_back_is_placed_there() -> None:
    j, j1 = _place(5720)
    assert 5710 <= j <= 5730 and j1 is not None and 5740 <= j1 <= 5755, (j, j1)
