"""A clip slip made just before sitting down to lie: the sit people get up through after lying
(3-6 s on the bed's edge) is called standing by the activity rule, reads near upright standing
in the old mounting, and with its step to the real stand (undone by the slip) put the slip
after the lie. That sit now casts no walk's or stand's vote, and its step into the stand may
be overridden by the slip's own turn among the places the votes cannot tell apart
(clipslip.place_slip)."""

import pytest
from _slip_session import slip_and_re_references


@pytest.mark.parametrize("fs", [104.0])
def test_sit_after_lying_read_as_standing_does_not_move_a_slip(fs: float) -> None:
    """Validation-family development seed 21010: the slip (8.4 deg at 240.1 s, before a 41-s
    lie) was placed at 296.4 s, 56 s late, at the step out of the sit after the lie; now
    within 2 s."""
    t_slip, got = slip_and_re_references(21010, fs)
    assert len(got) == 1 and abs(got[0] - t_slip) < 2.0, (got, t_slip)
