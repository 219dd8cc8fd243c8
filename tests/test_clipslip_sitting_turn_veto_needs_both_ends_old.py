"""A clip slip made seated 1.3 s before a seated slouch sets in: the walks and stands tie over
the whole seated stretch, and the sitting tie-break finds the slip's own turn. A posture after
that turn reading as the old mounting vetoes it; the slouched sit's first end sits at the
SLIP_MIN_DEG edge in the old mounting (4.90 / 5.13 / 4.80 deg at 52 / 104 / 208 Hz), so one
end's rounding decided whether its half vote refused the turn. As the other two vetoes of
clipslip.place_slip, only a posture old at both ends now vetoes."""

import pytest
from _slip_session import slip_and_re_references


@pytest.mark.parametrize("fs", [208.0])
def test_sitting_turn_veto_needs_a_posture_old_at_both_ends(fs: float) -> None:
    """Validation-family development seed 28021 @208 Hz: the slip (-10.7 deg at 279.5 s) was
    re-referenced at the slouch's release, 313.5 s (34 s late; at 104 Hz within 0.1 s); now
    within 1 s."""
    t_slip, got = slip_and_re_references(28021, fs)
    assert len(got) == 1 and abs(got[0] - t_slip) < 1.0, (got, t_slip)
