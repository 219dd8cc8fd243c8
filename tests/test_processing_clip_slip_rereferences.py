"""Clip slip: the sensor tips 10° on the back during a sit-to-stand; the analysis finds it
from the later quiet standing and walking, re-references, and the flexion error after it is
back to what it is without a slip. Without a slip (slouches, a held task bend and seated
reaches included) nothing is re-referenced.

The slip is applied to a simulated day as a step change of the mounting: from t on, the sensor
reports in a frame turned by R (acc' = Rᵀ·acc, gyr' = Rᵀ·gyr), which is what a sensor that
turned by R on a still trunk measures (the instant of the slip itself aside).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from kyphos.analysis import analyze
from kyphos.sim.scenario import simulate
from scipy.spatial.transform import Rotation
from test_analysis_activity_lifts_slouch import _day

T_SLIP = 100.0  # in the sit-to-stand transition (99.0–101.5 s)


def _run(slip_deg: float, axis: str = "y") -> tuple[Any, Any]:
    res = simulate(_day(104.0), seed=3)
    ses = res.to_session()
    if slip_deg:
        r = Rotation.from_euler(axis, slip_deg, degrees=True).as_matrix()
        k = ses.time >= T_SLIP
        ses.acc[k] = ses.acc[k] @ r
        ses.gyr[k] = ses.gyr[k] @ r
    return res, analyze(ses)


def _rmse(res: Any, a: Any, t0: float) -> float:
    f = np.interp(a.angles.time, res.truth.time, res.truth.flexion)
    k = a.angles.valid & (a.angles.time >= t0)
    return float(np.sqrt(np.mean(np.degrees(a.angles.flexion[k] - f[k]) ** 2)))


@pytest.fixture(scope="module")
def clean() -> tuple[Any, Any]:
    return _run(0.0)


def test_no_slip_no_rereference(clean: tuple[Any, Any]) -> None:
    _, a = clean
    assert a.re_references == [] and a.to_dict()["re_references"] == []


@pytest.mark.parametrize(("deg", "axis"), [(10.0, "y"), (-9.0, "y"), (8.0, "z")])
def test_slip_is_found_and_rereferenced(clean: tuple[Any, Any], deg: float, axis: str) -> None:
    res, a = _run(deg, axis)
    every = a.to_dict()["re_references"]
    # an automatic calibration that found its upright after the slip re-references the start
    # instead (reported at t = 0): the slip itself is still listed where it happened
    d = [x for x in every if x["t_s"] > 0.0]
    assert len(d) == 1 and len(every) - len(d) in (0, 1), every
    assert 95.0 <= d[0]["t_s"] <= T_SLIP + 1.0
    assert abs(d[0]["deg"] - abs(deg)) < 2.0
    assert d[0]["why"]
    # after the slip (from 50 s on) the error is that of the clean run, not ~deg
    res0, a0 = clean
    after, after0 = _rmse(res, a, T_SLIP + 50.0), _rmse(res0, a0, T_SLIP + 50.0)
    assert after < after0 + 0.2, (after, after0)
    # over the whole day: the slip's placement (start of the transition it happened in, ≤ 1 s
    # early) costs a little; without re-referencing the error would be ~6°
    assert _rmse(res, a, 0.0) < _rmse(res0, a0, 0.0) + 0.6


@pytest.mark.parametrize(("seed", "why"), [
    (1022, "slip in a task bend, before the session's first walk"),
    (1003, "slip while sitting slouched; the slouch fits neither mounting"),
    (1001, "slip between two seated still periods, no sitting baseline yet"),
    (1012, "a seated slouch then a standing slouch after the slip: no second re-reference"),
    (1017, "slip between two stands, the first one leaning: placed at the step between them"),
    (1007, "the same, with a posture that fits both mountings within 5 deg before it"),
    (1008, "slip while lying; a seated lean-back after it looks upright in the old mounting"),
])
def test_slip_placed_near_where_it_happened(seed: int, why: str) -> None:
    """Validation-family sessions (development seeds) whose slip used to be placed 116 s late
    (a first walk after the slip became the walking baseline and could not confirm it), 50 s
    early (a slouch taken for the new mounting), 8 s late (at the stand-up after it), or
    followed by two false re-references (a seated slouch "confirmed" by a standing slouch)."""
    from kyphos.sim.validation import generate

    v = generate(seed, 52.0)
    a = analyze(v.to_session())
    t_slip = v.script.slips[0].t
    got = [r.t_s for r in a.re_references if r.t_s > 0.0]
    assert len(got) == 1 and abs(got[0] - t_slip) < 15.0, (why, got, t_slip)


@pytest.mark.parametrize(("seed", "fs"), [(12, 52.0), (1001, 208.0)])
def test_rereferenced_mounting_refined_by_the_quiet_stands_after_it(seed: int, fs: float) -> None:
    """Validation seeds (development): in 12 the slip is confirmed by two walks, whose lean is
    not the standing upright; the quiet stands after the slip then set the new mounting (the
    error from 90 s after the slip was 1.8° with the walks' correction alone). In 1001 one of
    those stands is a 46-s slouched stand 4.3° off, which is left out of that mean (0.98° with
    it)."""
    from kyphos.sim.validation import generate

    v = generate(seed, fs)
    a = analyze(v.to_session())
    t_slip = v.script.slips[0].t
    ok = a.angles.valid & (v.truth.activity_names != "lying") & (v.time >= t_slip + 90.0)
    e = np.degrees(a.angles.flexion[ok] - v.truth.flexion[ok])
    assert float(np.sqrt(np.mean(e**2))) < 0.6


@pytest.mark.parametrize(("seed", "why"), [
    (24, "a standing slouch after the slip reads upright in the old mounting (was 47 s late)"),
    (7, "the same while sitting: a held seated slouch cancels the slip (was 25 s late)"),
    (25, "slip in a standing slouch that set in slowly while still: the still period's mean "
         "is neither posture, its ends are (was 24 s late)"),
    (1010, "slip on the way into a held task bend that fits neither mounting: the middle of "
           "what cannot be told apart, not the end of the bend (was 16 s late)"),
])
def test_slip_placed_by_the_change_point(seed: int, why: str) -> None:
    """Validation-family development seeds whose slip the rule before the change point placed
    late (docs/accuracy.md section 7): each is now placed within 2 s."""
    from kyphos.sim.validation import generate

    v = generate(seed, 52.0)
    a = analyze(v.to_session())
    t_slip = v.script.slips[0].t
    got = [r.t_s for r in a.re_references if r.t_s > 0.0]
    assert len(got) == 1 and abs(got[0] - t_slip) < 2.0, (why, got, t_slip)


def test_slip_during_a_held_posture_does_not_read_as_a_lift() -> None:
    """Validation seed 4023 (the third held-out set): the clip turned 9.9 deg while the wearer
    held 16 deg of flexion standing still. The step between the two still periods places the
    slip exactly, at the start of its own movement; switching the mounting there read that
    movement as a 0.3 s spike to 24.9 deg, taken for a stoop lift at every rate. The mounting
    is now blended across the movement (ReReference.index_end): no lift, no spike."""
    from kyphos.sim.validation import generate

    v = generate(4023, 52.0)
    a = analyze(v.to_session())
    t_slip = v.script.slips[0].t
    rr = [r for r in a.re_references if r.t_s > 0.0]
    assert len(rr) == 1 and abs(rr[0].t_s - t_slip) < 0.5 and rr[0].index_end is not None
    truth = [(lf.start, lf.end) for lf in v.truth.lifts]
    for lf in a.lifts:
        assert any(min(lf.end_s, b) > max(lf.start_s, s) for s, b in truth), (lf.start_s, t_slip)
    near = (a.angles.time > t_slip - 1.0) & (a.angles.time < t_slip + 2.0)
    err = np.degrees(a.angles.flexion[near] - np.interp(a.angles.time[near], v.truth.time,
                                                        v.truth.flexion))
    assert np.nanmax(np.abs(err)) < 5.0
