"""Clip slip placement: a held step (a step between two held postures the slip undoes) whose own
movement turned as no slip does, with no turn in the walks' and stands' tie either, is refused
by a posture from the one it enters on that reads the old mounting at both ends; the slip goes
to the gap after the last such posture, blended over the whole gap when no window of it turns as
the slip does at little linear acceleration (HELDSTEP2: development seed 31019, a slip made
during a sit-to-stand, 5.7 m/s^2 in its gap; the held step 14.4 s before it entered a 12.7-s sit
reading the sitting baseline in the old mounting, 1.52 -> 0.38 deg in the replay). When the
held step's own movement turns as the slip does, the held step keeps it (the posture held, the
clip turned: a slouch held while the clip slips backward reads near upright in the old mounting).
Synthetic rows at 100 Hz: a sit leaning back 5 deg, a 10-deg step to a sit at the sitting
baseline, then a rise whose movement holds the slip's turn at 3 m/s^2."""

from __future__ import annotations

import numpy as np
from kyphos.processing import clipslip as cs
from scipy.spatial.transform import Rotation

FS = 100.0
UP = np.array([0.0, 0.0, 1.0])
N = 7000
G0, G1 = 3500, 3700  # the held step: the movement between the two sits (rows)
R0, R1 = 5000, 5300  # the rise from the second sit to the stand that shows the slip
HELD_TURN, RISE_TURN = 3600, 5100  # rows where the clip turns, over 20 rows


def _tilt(deg: float) -> np.ndarray:
    return np.asarray(Rotation.from_euler("y", deg, degrees=True).apply(UP))


def _probe(i0: int, i1: int, kind: str, deg: float) -> cs.RefPosture:
    u = _tilt(deg)
    return cs.RefPosture(i0 / FS, (i1 - 1) / FS, kind, u, i0, i1, u, u)


def _place(turn_at: int) -> tuple[int, int | None]:
    m_new = Rotation.from_euler("y", 10.0, degrees=True).as_matrix()  # m_old: the identity
    w = np.zeros((N, 3))
    w[turn_at:turn_at + 20] = cs._wanted_turn(np.eye(3), m_new) / 0.2
    th = np.cumsum(w, axis=0) / FS
    acc = np.asarray(Rotation.from_rotvec(th).inv().apply([0.0, 0.0, 9.81]))
    acc[RISE_TURN - 30:RISE_TURN + 50, 0] += 3.0  # the rise moves the sensor
    motion = (lambda r0, r1: (w[r0:r1], acc[r0:r1]), FS)
    # upright stands and a walk in the old mounting; a sit leaning back (-5 deg), a step to a
    # sit at the sitting baseline (5 deg, old mounting at both ends; 15 in the new); the rise;
    # the stand that shows the slip (10 deg: upright in the new mounting)
    probes = [_probe(0, 1000, "standing", 0.0), _probe(1200, 2200, "walking", 0.0),
              _probe(2300, 2500, "standing", 0.0), _probe(2600, G0, "sitting", -5.0),
              _probe(G1, R0, "sitting", 5.0), _probe(R1, 6300, "standing", 10.0)]
    base = {"standing": UP, "walking": UP, "sitting": _tilt(5.0)}
    return cs.place_slip(probes, 0, R1, np.eye(3), m_new, base, None, motion)


def test_a_held_step_that_did_not_turn_is_refused_by_the_sit_after_it_reading_old() -> None:
    assert _place(RISE_TURN) == (R0, R1)  # was (G0, G1): the held step, 13 s early


def test_a_held_step_whose_movement_turned_as_the_slip_keeps_it() -> None:
    j, j1 = _place(HELD_TURN)
    assert j1 is not None and HELD_TURN - 3 <= j < j1 <= HELD_TURN + 22, (j, j1)
