"""The automatic calibration recognises the opening calibration bends and lift detection leaves
exactly those out (they used to be reported as lifts)."""

from __future__ import annotations

import numpy as np
from kyphos.analysis import analyze
from kyphos.processing.calibration import calibration_sequence
from kyphos.sim.scenario import random_lift_session, simulate


def test_calibration_sequence_is_the_first_similar_close_bends() -> None:
    bends = [(10.0, 13.0), (15.0, 18.0), (20.0, 23.0), (27.0, 30.0)]
    assert calibration_sequence(bends, [60, 62, 58, 61]) == [0, 1, 2]  # at most 3
    assert calibration_sequence(bends, [60, 80, 58, 61]) == []  # second bend differs
    assert calibration_sequence([(10.0, 13.0), (40.0, 43.0)], [60, 60]) == []  # too far apart
    assert calibration_sequence(bends[:1], [60]) == []  # one bend is not a sequence


def test_auto_calibration_bends_are_not_lifts_and_every_lift_is_kept() -> None:
    res = simulate(random_lift_session(11, fs=52.0, n_lifts=4), seed=11)
    a = analyze(res.to_session(), calibration="auto")
    cb = a.calibration.calibration_bends_s
    scripted = res.truth.movements
    assert len(cb) == len(scripted) == 3
    for (b0, b1), m in zip(cb, scripted, strict=True):  # each excluded interval is one bend
        assert b0 < m.end and b1 > m.start
    for d in a.lifts:
        assert not any(d.start_s < m.end and d.end_s > m.start for m in scripted)
    assert len(a.lifts) == len(res.truth.lifts) == 4
    doc = a.to_dict()
    assert np.allclose(doc["lifts_excluded_as_calibration_s"], cb, atol=1e-3)
    assert doc["calibration"]["calibration_bends_s"]
