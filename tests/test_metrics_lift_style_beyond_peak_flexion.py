"""Lift style comes from how far the back drops, not from peak flexion: a shallow stoop and a
deep squat of overlapping depth are told apart (random_lift_session depths overlap too)."""

from __future__ import annotations

from kyphos.analysis import analyze
from kyphos.sim.scenario import random_lift_session, simulate, validate


def test_shallow_stoop_and_deep_squat_are_told_apart() -> None:
    scn = random_lift_session(21, fs=104.0, n_lifts=3)
    lifts = [s for s in scn["segments"] if s["kind"] == "lift"]
    # squat deeper than the stoop: peak flexion alone would get both wrong
    for seg, (style, flex, knee) in zip(lifts, [("stoop", 50.0, 10.0), ("squat", 62.0, 105.0),
                                               ("semi-squat", 56.0, 55.0)], strict=True):
        seg.update(style=style, flexion_deg=flex, knee_deg=knee, twist_deg=0.0, lateral_deg=0.0)
    res = simulate(validate(scn, "overlap"), seed=21)
    a = analyze(res.to_session())
    assert [lf.style for lf in a.lifts] == ["stoop", "squat", "semi-squat"]
    assert a.lifts[0].peak_flexion_deg < a.lifts[1].peak_flexion_deg
