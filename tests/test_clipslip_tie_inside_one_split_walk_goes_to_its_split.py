"""A clip slip made inside a walk: the walk's first half reads neither mounting, its second the
new one, and the walks' and stands' votes tie between the walk's start and its split (the
walk's own change point of its mean specific force). The tie's middle put the slip 4.5 s
early; the split is where the walk changed, and now places it (clipslip.place_slip)."""

import pytest
from kyphos.analysis import analyze


@pytest.mark.parametrize("fs", [104.0])
def test_tie_inside_one_split_walk_goes_to_its_split(fs: float) -> None:
    """Validation-family development seed 20006: the slip (8.6 deg at 176.0 s, 6.8 s into a
    walk) was placed at 171.5 s, the tie's middle, 4.5 s early; now at the walk's split
    (174.9 s), within 2 s."""
    from kyphos.sim.validation import generate

    v = generate(20006, fs)
    a = analyze(v.to_session(calibration_note=True))
    t_slip = v.script.slips[0].t
    got = [r.t_s for r in a.re_references if r.t_s > 0.0]
    assert len(got) == 1 and abs(got[0] - t_slip) < 2.0, (got, t_slip)
