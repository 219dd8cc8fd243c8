"""A clip slip made while sitting down, with only sitting until the next stand: the quiet stands
cannot tell the places between the sit's start and that stand apart, and a seated bend held
after the slip steps by about the slip's rotation. The sits before and after the bend read
alike in the new mounting, so the sitting postures veto the bend's step and the slip goes where
they put it, at the sit's start (clipslip.place_slip)."""

import pytest
from _slip_session import slip_and_re_references


@pytest.mark.parametrize("fs", [104.0])
def test_slip_while_sitting_down_placed_at_the_sit(fs: float) -> None:
    """Validation-family development seed 4000: the slip (11.8 deg, while sitting down at
    202 s) was placed 31 s late, at the step into a 17-deg seated bend; now within 2 s."""
    t_slip, got = slip_and_re_references(4000, fs)
    assert len(got) == 1 and abs(got[0] - t_slip) < 2.0, (got, t_slip)
