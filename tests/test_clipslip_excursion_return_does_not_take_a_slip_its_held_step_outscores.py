"""A clip slip made while the wearer moves between two stands, an undone step that leads the
walks' and stands' votes, and later a seated bend out and back whose steps the slip also undoes
(an excursion): more than one step, so the slip's own turn chooses among them. The slip's own
window reads 0.36 of the change at 1.0 m/s² (the wearer was moving) and does not pass; a window
of the bend's return, a 45-deg trunk movement about the slip's axis, does (0.17 at 0.10 m/s²).
An excursion's way out or back that a held step outscores no longer overrides it by its turn:
the votes' step places the slip (clipslip.place_slip)."""

import pytest
from _slip_session import slip_and_re_references


@pytest.mark.parametrize("fs", [104.0])
def test_excursion_return_does_not_take_a_slip_its_held_step_outscores(fs: float) -> None:
    """Validation-family development seed 22006: the slip (-10 deg at 283.6 s) was placed at
    399.3 s, 116 s late, at the seated bend's return; now within 2 s."""
    t_slip, got = slip_and_re_references(22006, fs)
    assert len(got) == 1 and abs(got[0] - t_slip) < 2.0, (got, t_slip)
