"""Steps on stairs: the first step of a flight up starts from standing (no full descent into it)
and the last step of a flight down has no full rise after it; both are steps
(processing.activity.find_steps counts a low point by the mean of the rise before and after
it, not by the smaller of the two)."""

import numpy as np
import pytest
from kyphos.analysis import analyze
from kyphos.processing.activity import bounce_depth
from kyphos.sim.scenario import simulate, validate


def test_bounce_depth_is_the_mean_of_both_sides() -> None:
    x = np.array([0.0, -1.0, 2.0, -2.0, 2.0, 0.0])
    d = bounce_depth(x, np.array([1, 3]), 2)
    # low at 1: before max(0, -1) = 0, after max(-1, 2, -2) = 2 → mean 1, less −1 → 2
    # low at 3: before max(-1, 2, -2) = 2, after max(-2, 2, 0) = 2 → 4
    assert d.tolist() == [2.0, 4.0]


def _flights(cadence: float) -> dict:
    walk = {"kind": "walk", "duration_s": 8, "cadence_spm": cadence, "speed_m_s": 0.5}
    return validate({
        "sensor": {"fs_hz": 104},
        "segments": [
            {"kind": "stand", "duration_s": 10},
            {"kind": "bend", "label": "calibration_bend", "flexion_deg": 55, "repeats": 3,
             "hold_s": 1.0},
            {"kind": "stand", "duration_s": 4}, dict(walk, stairs_rise_m=0.17),
            {"kind": "stand", "duration_s": 4}, dict(walk, stairs_rise_m=-0.17),
            {"kind": "stand", "duration_s": 4}]})


@pytest.mark.parametrize(("seed", "cadence"), [(0, 85.0), (2, 85.0), (3, 100.0)])
def test_every_step_of_a_flight_up_and_down_is_counted(seed: int, cadence: float) -> None:
    res = simulate(_flights(cadence), seed=seed)
    a = analyze(res.to_session(calibration_note=True))
    truth = np.array([s.t for s in res.truth.steps])
    found = a.activity.steps_s
    for w in [s for s in res.truth.segments if s.kind == "walk"]:
        n_true = np.count_nonzero((truth >= w.start) & (truth <= w.end))
        n_found = np.count_nonzero((found >= w.start - 1.0) & (found <= w.end + 1.0))
        assert n_found == n_true, (w.start, n_found, n_true)
    assert a.activity.steps == len(truth)
