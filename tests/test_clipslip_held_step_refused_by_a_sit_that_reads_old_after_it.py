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

import sys
from pathlib import Path

import numpy as np
from kyphos.processing import clipslip as cs

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _held_step import FS, M_NEW, UP, turning  # noqa: E402
from _held_step import probe as _probe  # noqa: E402
from _held_step import tilt as _tilt  # noqa: E402

N = 7000
G0, G1 = 3500, 3700  # the held step: the movement between the two sits (rows)
R0, R1 = 5000, 5300  # the rise from the second sit to the stand that shows the slip
HELD_TURN, RISE_TURN = 3600, 5100  # rows where the clip turns, over 20 rows


def _place(turn_at: int) -> tuple[int, int | None]:
    rows, acc = turning(N, turn_at)
    acc[RISE_TURN - 30:RISE_TURN + 50, 0] += 3.0  # the rise moves the sensor
    motion = (rows, FS)
    # upright stands and a walk in the old mounting; a sit leaning back (-5 deg), a step to a
    # sit at the sitting baseline (5 deg, old mounting at both ends; 15 in the new); the rise;
    # the stand that shows the slip (10 deg: upright in the new mounting)
    probes = [_probe(0, 1000, "standing", 0.0), _probe(1200, 2200, "walking", 0.0),
              _probe(2300, 2500, "standing", 0.0), _probe(2600, G0, "sitting", -5.0),
              _probe(G1, R0, "sitting", 5.0), _probe(R1, 6300, "standing", 10.0)]
    base = {"standing": UP, "walking": UP, "sitting": _tilt(5.0)}
    return cs.place_slip(probes, 0, R1, np.eye(3), M_NEW, base, None, motion)


def test_a_held_step_that_did_not_turn_is_refused_by_the_sit_after_it_reading_old() -> None:
    assert _place(RISE_TURN) == (R0, R1)  # was (G0, G1): the held step, 13 s early


def test_a_held_step_whose_movement_turned_as_the_slip_keeps_it() -> None:
    j, j1 = _place(HELD_TURN)
    assert j1 is not None and HELD_TURN - 3 <= j < j1 <= HELD_TURN + 22, (j, j1)
