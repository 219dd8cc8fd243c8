"""Clip slip placement, the sitting tie-break (the walks' and stands' votes tie over a stretch of
sitting): the one tied place whose window turns as the slip does is refused when a sit before it,
inside the tie, reads the new mounting at both ends — the slip came before that turn — but only
with a real sitting baseline; with upright standing standing in for it, how one sits from upright
is one's own, and the turn keeps the slip (development seed 8018). TRACE12 / SITTURN:
development seed 32018 @208, a slip made sitting down (its window 1.5 m/s^2), then only sitting;
two upright sits after it read the sitting baseline in the new mounting and a seated slouch's
onset 56 s later, turning as the slip does at 0.0993 m/s^2, took the slip 55.7 s late.
Synthetic rows at 100 Hz: stands and a walk in the old mounting, a sit-down whose movement
holds the slip's turn at 3 m/s^2, two sits, a slouch's onset turning as the slip at rest, a
slouched sit, a sit, the stand that shows the slip."""

from __future__ import annotations

import numpy as np
from kyphos.processing import clipslip as cs
from scipy.spatial.transform import Rotation

FS = 100.0
UP = np.array([0.0, 0.0, 1.0])
N = 10000
D0, D1 = 2500, 2700  # the sit-down (rows)
S0, S1 = 4500, 4700  # the slouch's onset
DOWN_TURN, SLOUCH_TURN = 2550, 4550  # rows where the clip (or the trunk) turns, over 20 rows
HI = 9300  # the stand that shows the slip


def _tilt(deg: float) -> np.ndarray:
    return np.asarray(Rotation.from_euler("y", deg, degrees=True).apply(UP))


def _probe(i0: int, i1: int, kind: str, deg: float) -> cs.RefPosture:
    u = _tilt(deg)
    return cs.RefPosture(i0 / FS, (i1 - 1) / FS, kind, u, i0, i1, u, u)


def _place(sit_deg: float, base_sit: bool) -> tuple[int, int | None]:
    """``sit_deg``: the tilt of the two sits between the sit-down and the slouch (15: the
    sitting baseline in the new mounting, 10 deg from it in the old; 5: the baseline in the
    old). Both windows turn as the slip does; the sit-down's moves the sensor 3 m/s^2."""
    m_new = Rotation.from_euler("y", 10.0, degrees=True).as_matrix()  # m_old: the identity
    w = np.zeros((N, 3))
    for t in (DOWN_TURN, SLOUCH_TURN):
        w[t:t + 20] = cs._wanted_turn(np.eye(3), m_new) / 0.2
    th = np.cumsum(w, axis=0) / FS
    acc = np.asarray(Rotation.from_rotvec(th).inv().apply([0.0, 0.0, 9.81]))
    acc[DOWN_TURN - 30:DOWN_TURN + 50, 0] += 3.0  # the sit-down moves the sensor
    motion = (lambda r0, r1: (w[r0:r1], acc[r0:r1]), FS)
    probes = [_probe(0, 1000, "standing", 0.0), _probe(1200, 2200, "walking", 0.0),
              _probe(2300, D0, "standing", 0.0), _probe(D1, 3500, "sitting", sit_deg),
              _probe(3600, S0, "sitting", sit_deg), _probe(S1, 8000, "sitting", 40.0),
              _probe(8200, 9000, "sitting", 15.0), _probe(HI, N, "standing", 10.0)]
    base = {"standing": UP, "walking": UP}
    if base_sit:
        base["sitting"] = _tilt(5.0)
    return cs.place_slip(probes, 0, HI, np.eye(3), m_new, base, None, motion)


def test_a_sitting_turn_after_sits_that_read_new_does_not_take_the_slip() -> None:
    j, j1 = _place(15.0, base_sit=True)
    assert D0 <= j < S0 and (j1 is None or j1 <= S0), (j, j1)  # was the slouch's onset, 20 s late


def test_a_sitting_turn_after_sits_that_read_old_keeps_the_slip() -> None:
    j, j1 = _place(5.0, base_sit=True)
    assert j1 is not None and SLOUCH_TURN - 3 <= j < j1 <= SLOUCH_TURN + 22, (j, j1)


def test_with_standing_standing_in_for_sitting_the_turn_keeps_the_slip() -> None:
    # no sitting baseline: the sits read upright standing in the new mounting (10 deg), yet
    # the turn places the slip (8018: reach bottoms and a slouch read new that way)
    j, j1 = _place(10.0, base_sit=False)
    assert j1 is not None and SLOUCH_TURN - 3 <= j < j1 <= SLOUCH_TURN + 22, (j, j1)
