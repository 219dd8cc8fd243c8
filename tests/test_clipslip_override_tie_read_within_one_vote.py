"""A clip slip made 1 s into a standing slouch held in the slip's direction: the slouched stand
reads near upright in the old mounting, its last end right at SLIP_MIN_DEG. One end crossing that
edge is half a vote for the old mounting, which moves the places before and after that posture
half a vote each way: a vote apart. The held step (the slouch's release 30 s later) is
overridden by the slip's own turn among the walks' and stands' best places; that tie is now read
within one vote, and only a posture old at both ends vetoes the turn (as the multi-step branch's
veto), so the end's rounding no longer decides (clipslip.place_slip)."""

import pytest
from _slip_session import slip_and_re_references


@pytest.mark.parametrize("fs", [208.0])
def test_override_tie_is_read_within_one_vote(fs: float) -> None:
    """Validation-family development seed 25014 @208 Hz: the slip (10.8 deg at 327.0 s) was
    placed at the slouch's release, 357.1 s (30.1 s late; the stand's last end read 4.9 deg from
    upright in the old mounting, 5.3 at 104 Hz, which placed it within 0.1 s); now within 1 s."""
    t_slip, got = slip_and_re_references(25014, fs)
    assert len(got) == 1 and abs(got[0] - t_slip) < 1.0, (got, t_slip)
