"""bench/fit_thresholds.py's margin rule for ``clipslip.SLIP_MOTION_LIN`` (a clip slip's own
linear acceleration bound; ``lin_bound``, ``--lin-rule margin``, not the shipped rule): the
midpoint between the fit family's slips' largest reading and the other searched movements'
smallest. The shipped rule, the smallest multiple of 0.05 above the slips' largest, halves
with a 2 % change of one reading: simday 100-119's largest slip reading is 0.051 m/s^2
(fitted 0.1); at 0.0499 it would be 0.05."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import fit_thresholds as F  # noqa: E402


@pytest.mark.parametrize("top", [0.0499, 0.051, 0.052])
def test_a_two_percent_change_in_the_slips_reading_moves_the_bound_by_one_rounding_step(
        top: float) -> None:
    # the simday 100-119 readings at 4f9bdcb: slips' largest 0.051, a slouch's 0.062
    assert abs(F.lin_bound(top, 0.062) - F.lin_bound(0.051, 0.062)) <= F.LIN_ROUND + 1e-12


def test_the_bound_sits_between_the_slips_and_the_other_movements() -> None:
    b = F.lin_bound(0.051, 0.062)
    assert 0.051 < b < 0.062, b
    assert b == pytest.approx(0.055)
    assert F.lin_bound(0.0599, 0.0601) > 0.0599  # rounded, but never onto the slips' side


def test_without_a_margin_every_fit_slip_is_admitted() -> None:
    assert F.lin_bound(0.051, 0.04) == pytest.approx(0.1)  # overlap: above the slips' largest
    assert F.lin_bound(0.051, np.inf) == pytest.approx(0.1)  # nothing else passes at any bound
