"""A clip slip made while walking, seconds before the walk ends: the walk is split 0.4 s from
the slip, but its first part reads inside the margin (half the slip) and casts no vote, so the
walks and stands tie over the whole walk. The detrended reading of the slip's own turn
(clipslip._detrended_place) found it only when it read one window either side of the split,
not only the windows starting within half a window of it (TRACE9)."""

import pytest
from _slip_session import slip_and_re_references


@pytest.mark.parametrize("seed", [29027, 20006])
def test_slip_made_walking_is_placed_at_its_own_turn(seed: int) -> None:
    """Validation-family development seeds 29027 (-9.0 deg, 2.4 s before the walk ends) and
    20006 (6.8 s into a walk) @104 Hz were blended from the walk's start, 14.2 and 7.9 s early;
    now within 1 s."""
    t_slip, got = slip_and_re_references(seed, 104.0)
    assert len(got) == 1 and abs(got[0] - t_slip) < 1.0, (got, t_slip)
