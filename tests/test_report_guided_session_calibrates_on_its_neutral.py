"""A guided exercise recording (kyphos exercise) is calibrated on the protocol's own neutral
stance, not on the least-flexed posture, and its report gives no general-posture advice
triggered by the test movements (issue 15, item 7).

Before: the seated thoracic extension programme was auto-calibrated on its extended pose, so
the neutral stance was drawn at about +16° and the report gave posture advice."""

from __future__ import annotations

import numpy as np
from kyphos.sim.scenario import load_scenario, simulate
from kyphos.views.recommend import recommendations
from kyphos.views.summary import summarize_session


def test_exercise_neutral_is_zero_and_no_general_advice() -> None:
    res = simulate(load_scenario("exercise_thoracic_extension"), seed=0)
    ses = res.to_session()
    ses.header = {"assess": {"kind": "exercise"}}
    ses.notes = [(0.0, {"kind": "phase", "phase": {"name": "neutral", "kind": "still",
                                                   "start_s": 1.0, "end_s": 5.5,
                                                   "posture": "sit"}})]
    s = summarize_session(ses, "ex.kyr")
    assert s.kind == "exercise"
    assert s.calibration["upright_s"] == [1.0, 5.5] or tuple(s.calibration["upright_s"]) == (1.0, 5.5)
    # the neutral stance reads upright and the extension reps read as extension
    t = np.asarray(s.timeline_t)
    mean = np.asarray(s.timeline_mean)
    assert abs(float(np.nanmean(mean[(t > 1.0) & (t < 5.5)]))) < 2.0
    assert float(np.nanmin(mean)) < -10.0
    assert recommendations(s) == []
