"""A clip slip the posture votes cannot place more closely than a stretch of several places
(here a walk whose two halves tie: its first half reads neither mounting, its second the new
one): the mounting is blended across the stretch the tie spans, as across a step's movement,
not switched at its middle (clipslip.place_slip). For a slip made anywhere in it the expected
squared error is d²L/6 against d²L/4, the worst case d²L/3 against d²L/2."""

import pytest
from kyphos.analysis import analyze


@pytest.mark.parametrize("fs", [104.0])
def test_tie_stretch_is_blended_across(fs: float) -> None:
    """Validation-family development seed 20006: the slip (8.6 deg at 176.0 s, 6.8 s into a
    walk) was switched at the tie's middle, 171.5 s (4.5 s early, no blend); now the mounting
    is blended from the walk's start (168.1 s) to its split (174.9 s, where the posture after
    the tie starts; the slip 1.1 s after it), not switched at a point (replay @104: flexion
    1.03 -> 0.90 deg). Since TRACE9's variant W (the detrended reading looks one window either
    side of a walk's split) its own turn places it first: blended over that turn, ending within
    2 s of the slip; the blend across the stretch stays for ties no turn reads (0.90 -> 0.25
    deg)."""
    from kyphos.sim.validation import generate

    v = generate(20006, fs)
    a = analyze(v.to_session(calibration_note=True))
    t_slip = v.script.slips[0].t
    rr = [r for r in a.re_references if r.t_s > 0.0]
    assert len(rr) == 1 and rr[0].index_end is not None, rr
    t_end = float(a.prepared.time[rr[0].index_end])
    assert rr[0].t_s < t_slip and abs(t_end - t_slip) < 2.0 and abs(rr[0].t_s - t_slip) < 1.0, \
        (rr[0].t_s, t_slip, t_end)
