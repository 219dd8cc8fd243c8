"""Clip slip placement: a slip placed at a step between two held postures (the posture held,
the clip turned) is blended over the window of the step's movement that turns the sensor as
the slip does (``clipslip._motion_place``: within ``SLIP_MOTION_ERR`` of the change, at most
``SLIP_MOTION_LIN`` of linear acceleration), not over the whole movement between the two
postures; over the whole movement when no window of it fits (TRACE6, HELDSTEP: development
seed 23013 @104, a held step blended from the start of its gap). Synthetic rows at 100 Hz: two
sits 10 deg apart with a 2-s gap between them, the clip turning in its last 0.2 s."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from kyphos.processing import clipslip as cs

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _held_step import FS, M_NEW, UP, turning  # noqa: E402
from _held_step import probe as _probe  # noqa: E402
from _held_step import tilt as _tilt  # noqa: E402

N = 6000
G0, G1 = 3500, 3700  # the movement between the two sits (rows)
TURN = 3650  # the clip turns over rows [TURN, TURN + 20)


def _place(turn: bool) -> tuple[int, int | None]:
    rows, _ = turning(N, TURN if turn else None)
    motion = (rows, FS)
    # upright stands and a walk in the old mounting, a sit at 5 deg, the slip while seated (the
    # sit after it reads 15 deg in the old mounting), the stand that shows it
    probes = [_probe(0, 1000, "standing", 0.0), _probe(1200, 2200, "walking", 0.0),
              _probe(2300, 2500, "standing", 0.0), _probe(2600, G0, "sitting", 5.0),
              _probe(G1, 4700, "sitting", 15.0), _probe(4900, 5900, "standing", 10.0)]
    base = {"standing": UP, "walking": UP, "sitting": _tilt(5.0)}
    return cs.place_slip(probes, 0, 4900, np.eye(3), M_NEW, base, None, motion)


def test_a_held_step_is_blended_over_the_turn_inside_its_movement() -> None:
    j, j1 = _place(turn=True)
    assert j1 is not None and TURN - 3 <= j < j1 <= TURN + 22, (j, j1)  # was (G0, G1)


def test_a_held_step_without_a_matching_turn_keeps_its_whole_movement() -> None:
    assert _place(turn=False) == (G0, G1)
