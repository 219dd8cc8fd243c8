"""Shared by the held-step clip-slip tests: synthetic rows at 100 Hz, postures tilted about body
y, and a clip that turns by a 10-deg mounting change over 20 rows (0.2 s)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from kyphos.processing import clipslip as cs
from scipy.spatial.transform import Rotation

FS = 100.0
UP = np.array([0.0, 0.0, 1.0])
#: the new mounting (the old: the identity)
M_NEW = Rotation.from_euler("y", 10.0, degrees=True).as_matrix()


def tilt(deg: float) -> np.ndarray:
    return np.asarray(Rotation.from_euler("y", deg, degrees=True).apply(UP))


def probe(i0: int, i1: int, kind: str, deg: float) -> cs.RefPosture:
    u = tilt(deg)
    return cs.RefPosture(i0 / FS, (i1 - 1) / FS, kind, u, i0, i1, u, u)


def turning(n: int, turn_at: int | None
            ) -> tuple[Callable[[int, int], tuple[np.ndarray, np.ndarray]], np.ndarray]:
    """(rows(r0, r1) -> (gyro, acc), acc) over ``n`` rows: still, the clip turning from the old
    mounting to ``M_NEW`` over rows [turn_at, turn_at + 20) (none: no turn); ``acc`` may be
    changed in place (it is what rows reads)."""
    w = np.zeros((n, 3))
    if turn_at is not None:
        w[turn_at:turn_at + 20] = cs._wanted_turn(np.eye(3), M_NEW) / 0.2
    th = np.cumsum(w, axis=0) / FS
    acc = np.asarray(Rotation.from_rotvec(th).inv().apply([0.0, 0.0, 9.81]))
    return (lambda r0, r1: (w[r0:r1], acc[r0:r1])), acc
