"""A clip slip made in the first seconds of a walk: the walk's split (clipslip._walk_split)
keeps both parts at least REF_MIN_S long, so the split of a change 1.3 s into the walk sits at
its bound, 3 s in, and the held step between the walk's two parts placed the slip there
(development seed 30015: an 11.5-deg slip re-referenced 1.7 s late; TRACE10). In gait the
plain turn reading's linear acceleration refuses every window; the detrended one, read over
the bounded part (clipslip._walk_split_turn), finds the slip's own turn."""

from _slip_session import slip_and_re_references


def test_slip_early_in_a_walk_is_placed_at_its_own_turn() -> None:
    """Validation-family development seed 30015 @104 Hz: within 0.5 s (was 1.7 s late)."""
    t_slip, got = slip_and_re_references(30015, 104.0)
    assert len(got) == 1 and abs(got[0] - t_slip) < 0.5, (got, t_slip)
