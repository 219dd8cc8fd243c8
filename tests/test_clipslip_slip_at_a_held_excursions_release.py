"""A clip slip made at the release of a held slouch that the excursion rule spans (a sit, the
slouched sit, a sit: the step over the slouch about the slip's size and undone by it, the
slouch farther from both sits): the rule's two places, the way out and the way back, fit
alike, and the moving sample nearest the excursion's middle took the way out's end (the slouch
is still, so its middle has no moving sample). The way out turns as no slip does, plain and
detrended; the way back, where the clip turned on top of the trunk's release, turns as the
slip does less the trunk's turn (clipslip._end_turn, the reading _release_place uses;
RELEASE2)."""

from _slip_session import slip_and_re_references


def test_slip_at_a_held_seated_slouchs_release_is_placed_at_its_own_turn() -> None:
    """Validation-family development seed 30018 @104 Hz: -8.6 deg at 308.41 s, 0.25 s after a
    48-s seated slouch's release, was re-referenced 47.9 s early at the slouch's onset; now
    within 1 s."""
    t_slip, got = slip_and_re_references(30018, 104.0)
    assert len(got) == 1 and abs(got[0] - t_slip) < 1.0, (got, t_slip)
