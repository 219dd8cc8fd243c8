"""A clip slip next to a still lie, with a short sit on the other side of it and no sitting
baseline yet: the quiet stands around them cannot say where the slip is (a lie cannot vote:
there is no lying baseline), so the sit breaks the tie, measured against upright standing.
How far one sits from upright standing is one's own, so the sit votes for the mounting that
puts it nearer upright by the margin (half the slip's tilt), not only when within SLIP_MIN_DEG
(clipslip.place_slip)."""

import pytest
from kyphos.analysis import analyze


@pytest.mark.parametrize(("seed", "why"), [
    # known to fail since SLIPB (clipslip._detrended_place before a tie's middle): the
    # slip's own stretch, getting up, reads 0.41 of the change less the trunk's turn (over
    # SLIP_MOTION_ERR), another sit transition 0.01, and takes it: 6.4 s off (the tie's
    # middle was within 2 s). Strict: a reading that places it again makes this pass
    pytest.param(5027, "slip while getting up from a 28-s lie; the sit before the lie reads "
                       "5.1 deg from upright in the old mounting and 16.2 in the new (was "
                       "placed at the lie's start, 29 s early)",
                 marks=pytest.mark.xfail(strict=True, reason="SLIPB: 6.4 s off")),
    (1020, "slip while sitting down before a 24-s lie; the sit reads 6.4 deg in the new "
           "mounting and 16.7 in the old (was placed at the lie's start, 6.7 s late)"),
])
def test_slip_beside_a_lie_placed_by_the_sit(seed: int, why: str) -> None:
    """Validation-family development seeds at 104 Hz: the slip is placed within 2 s."""
    from kyphos.sim.validation import generate

    v = generate(seed, 104.0)
    a = analyze(v.to_session(calibration_note=True))
    t_slip = v.script.slips[0].t
    got = [r.t_s for r in a.re_references if r.t_s > 0.0]
    assert len(got) == 1 and abs(got[0] - t_slip) < 2.0, (why, got, t_slip)
