"""Clip slip placement at a held step (a step between two held postures: the posture held, the
clip turned), one rule wherever place_slip takes a held step (the best fit's, HELDSTEP2's gap
after the last posture reading old, the sit's search by the turn alone): the slip is blended
over the window of the step's gap that turns the sensor as the slip does
(``clipslip._gap_turn``, ``_motion_place``), else over the whole gap (``_gap_place``); without
the motion rows, the whole gap. Synthetic rows at 100 Hz, two sits 10 deg apart, a 2-s gap."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from kyphos.processing import clipslip as cs

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _held_step import FS, M_NEW, probe, turning  # noqa: E402

N = 6000
G0, G1 = 3500, 3700
TURN = 3600
SEQ = [probe(2600, G0, "sitting", 5.0), probe(G1, 4700, "sitting", 15.0)]


def test_a_held_steps_gap_turning_as_the_slip_places_it_over_that_turn() -> None:
    motion = (turning(N, TURN)[0], FS)
    j, j1 = cs._gap_place(motion, SEQ, 1, np.eye(3), M_NEW, None)
    assert TURN - 3 <= j < j1 <= TURN + 22, (j, j1)
    assert cs._gap_turn(motion, SEQ, 1, np.eye(3), M_NEW, None) == (j, j1)


def test_a_held_steps_gap_with_no_such_turn_is_placed_over_the_whole_gap() -> None:
    motion = (turning(N, None)[0], FS)
    assert cs._gap_turn(motion, SEQ, 1, np.eye(3), M_NEW, None) is None
    assert cs._gap_place(motion, SEQ, 1, np.eye(3), M_NEW, None) == (G0, G1)
    assert cs._gap_turn(None, SEQ, 1, np.eye(3), M_NEW, None) is None
    assert cs._gap_place(None, SEQ, 1, np.eye(3), M_NEW, None) == (G0, G1)
