"""Clip slip placement for a slip a sit showed (clipslip.place_shown_slip with ``motion``): the
slip was made while sitting down. The search up to the sit has one best place, the movement
into the sit, and puts the slip at that movement's start (the stand's end); the search up to
the stand that confirmed it finds the slip's own turn inside that same movement, before the
sit's start, and was discarded because only places after the sit's start were taken from it.
A turn in the movement the first search placed the slip at, with no posture between, now
places it (development seed 15013 @104: placed at 225.2 s, the turn at 227.3 s). A slip that
crept (no window turns as the slip) keeps the movement's start. Synthetic rows at 100 Hz; the
old mounting is the identity."""

from __future__ import annotations

import numpy as np
from kyphos.processing import clipslip as cs
from scipy.spatial.transform import Rotation

FS = 100.0
UP = np.array([0.0, 0.0, 1.0])
G = 9.81
SLIP_DEG = 10.0
SLIP = (3550, 3590)  # rows over which the clip turns (0.4 s), inside the sitting down


def _tilt(deg: float) -> np.ndarray:
    """Gravity's direction in sensor axes with the sensor turned ``deg`` forward (about y)."""
    return np.asarray(Rotation.from_rotvec([0.0, -np.radians(deg), 0.0]).inv().apply(UP))


def _probe(i0: int, i1: int, kind: str, up: np.ndarray) -> cs.RefPosture:
    return cs.RefPosture(i0 / FS, (i1 - 1) / FS, kind, up, i0, i1, up, up)


def _place(slip_rows: tuple[int, int] = SLIP) -> tuple[int, int | None]:
    """Stand, walk, stand; sitting down (3400-3650) with the clip turning SLIP_DEG forward
    over ``slip_rows``; a sit that reads the slip; standing up; the stand confirms it."""
    n = 6000
    w = np.zeros((n, 3))  # gyro, rad/s
    lin = np.zeros((n, 3))  # linear acceleration, m/s²
    lin[3400:3520, 2] = -2.0 * np.sin(np.linspace(0.0, np.pi, 120))  # sitting down
    a, b = slip_rows
    w[a:b, 1] = -np.radians(SLIP_DEG) / ((b - a) / FS)  # the clip turns forward
    lin[5000:5200, 2] = 2.0 * np.sin(np.linspace(0.0, np.pi, 200))  # standing up
    th = np.cumsum(w, axis=0) / FS
    acc = np.asarray(Rotation.from_rotvec(th).inv().apply(G * UP)) + lin
    sit = _probe(3650 if b <= 3650 else b + 10, 5000, "sitting", _tilt(SLIP_DEG))
    stand = _probe(5300, 6000, "standing", _tilt(SLIP_DEG))
    probes = [_probe(0, 1000, "standing", UP), _probe(1200, 2200, "walking", UP),
              _probe(2400, 3400, "standing", UP), sit, stand]
    mot = (lambda r0, r1: (w[r0:r1], acc[r0:r1]), FS)
    m_new = Rotation.from_euler("y", SLIP_DEG, degrees=True).as_matrix()
    return cs.place_shown_slip(probes, 0, sit, stand, np.eye(3), m_new,
                               {"standing": UP, "walking": UP, "sitting": UP}, None, mot)


def test_a_slip_made_sitting_down_is_placed_at_its_turn() -> None:
    j, j1 = _place()
    assert SLIP[0] <= j <= SLIP[0] + 3 and j1 is not None and SLIP[1] - 5 <= j1 <= SLIP[1], \
        (j, j1)


def test_a_slip_that_crept_sitting_down_keeps_the_movements_start() -> None:
    """The clip turned over 2.5 s: no window turns as the slip; the stand's end places it."""
    assert _place(slip_rows=(3400, 3650)) == (3400, None)
