"""Activity context, lifts from what a lift is, and the three episode kinds on one simulated
day: stand, walk, sit down, slouch, reach forward from the chair, stand up, an upright-trunk
squat and a stoop, a 15 s task bend at 50°, a standing slouch, a walk.

Old behaviour this pins down (issue 15): the squat with a 15° trunk was not a lift, the seated
reaches were counted as lifts, and the task bend was reported as a slouch episode.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from kyphos.analysis import analyze
from kyphos.processing.activity import KINDS
from kyphos.sim.scenario import ACTIVITIES, FORMAT, simulate, validate

sys.path.insert(0, str(Path(__file__).parent))
from _activity import settled_end_every_window  # noqa: E402


def _day(fs: float) -> dict[str, Any]:
    segs = [
        {"kind": "stand", "duration_s": 10},
        {"kind": "bend", "label": "calibration_bend", "flexion_deg": 55, "repeats": 3, "hold_s": 1.0},
        {"kind": "walk", "duration_s": 12, "cadence_spm": 108},
        {"kind": "sit", "duration_s": 40, "slouches": [{"at_s": 8, "duration_s": 15, "flexion_deg": 20}]},
        {"kind": "bend", "label": "seated_reach", "posture": "sit", "flexion_deg": 40, "hold_s": 0.5,
         "repeats": 3},
        {"kind": "stand", "duration_s": 5},
        {"kind": "lift", "style": "squat", "flexion_deg": 15, "knee_deg": 110},
        {"kind": "lift", "style": "stoop", "flexion_deg": 70},
        {"kind": "bend", "label": "task", "flexion_deg": 50, "hold_s": 15},
        {"kind": "stand", "duration_s": 20, "slouches": [{"at_s": 3, "duration_s": 12, "flexion_deg": 15}]},
        {"kind": "walk", "duration_s": 15, "cadence_spm": 118},
        {"kind": "stand", "duration_s": 5},
    ]
    return validate({"format": FORMAT, "name": "day", "seed": 3, "sensor": {"fs_hz": fs},
                     "mount": {"pitch_deg": 15, "yaw_deg": 5, "roll_deg": 3}, "segments": segs})


@pytest.fixture(scope="module", params=[52.0, 208.0])
def day(request: pytest.FixtureRequest) -> tuple[Any, Any]:
    res = simulate(_day(request.param), seed=3)
    return res, analyze(res.to_session())


def _overlaps(a0: float, a1: float, b0: float, b1: float) -> bool:
    return a0 < b1 and a1 > b0


def test_activity_labels_most_of_the_time_right_and_counts_steps(day: tuple[Any, Any]) -> None:
    res, a = day
    tr = res.truth
    names = np.array(ACTIVITIES)[tr.activity]
    # the simulator's stand/lift/bend-standing are "standing", its sit/seated bends "sitting"
    want = np.select(
        [names == "walk", names == "transition", names == "sit"],
        ["walking", "transition", "sitting"], "standing")
    seated = np.zeros(len(names), bool)
    for m in tr.movements:
        if m.posture == "sit":
            seated |= (tr.time >= m.onset - 0.5) & (tr.time <= m.offset + 1.5)
    want[seated] = "sitting"
    got = np.array(KINDS)[a.activity.kind]
    agree = np.mean(got == want[: len(got)])
    assert agree > 0.95, agree
    # steps: cadence × the walk's duration less one ramp (the simulator fades the gait in and
    # out over 1 s at each end: half a ramp of full bounce each)
    walks = [s for s in res.truth.segments if s.kind == "walk"]
    expect = sum((w.end - w.start - 1.0) * c / 60 for w, c in zip(walks, (108, 118), strict=True))
    assert abs(a.activity.steps - expect) / expect < 0.05, (a.activity.steps, expect)
    d = a.to_dict()["activity"]
    assert {"intervals", "pct", "steps"} <= set(d)
    assert [t["kind"] for t in d["transitions"]] == ["stand_to_sit", "sit_to_stand"]
    assert abs(sum(d["pct"].values()) - 100.0) < 0.1


def test_upright_squat_is_a_lift_and_seated_reaches_are_not(day: tuple[Any, Any]) -> None:
    res, a = day
    lifts = res.truth.lifts
    assert len(a.lifts) == len(lifts) == 2
    for tl, lf in zip(lifts, a.lifts, strict=True):
        assert _overlaps(lf.start_s, lf.end_s, tl.start, tl.end)
        assert lf.style == tl.style
    squat = a.lifts[0]
    assert squat.peak_flexion_deg < 22.0  # the old rule needed a 22° trunk excursion
    reaches = [m for m in res.truth.movements if m.label == "seated_reach"]
    assert len(a.seated_reaches) == len(reaches) == 3
    for m, r in zip(reaches, a.seated_reaches, strict=True):
        assert _overlaps(r.start_s, r.end_s, m.start, m.end)
    assert len(a.to_dict()["seated_reaches"]) == 3


def test_slouch_task_bend_and_lift_have_their_own_names(day: tuple[Any, Any]) -> None:
    res, a = day
    d = a.to_dict()
    sl = d["slouch_episodes"]
    truth = res.truth.slouches
    assert len(sl) == len(truth) == 2
    for e, t in zip(sl, truth, strict=True):
        assert abs(e["start_s"] - t.start) < 1.5 and abs(e["end_s"] - t.end) < 1.5
    task = next(m for m in res.truth.movements if m.label == "task")
    bends = d["sustained_bends"]
    assert len(bends) == 1
    b = bends[0]
    assert _overlaps(b["start_s"], b["end_s"], task.hold_start, task.hold_end)
    assert 14.0 < b["holding_s"] < 19.0 and 45.0 < b["angle_deg"] < 55.0
    assert b["limit_s"] > b["holding_s"] and b["over_limit"] is False
    assert b["context"] == "standing"
    # no slouch episode overlaps the task bend
    assert not any(_overlaps(e["start_s"], e["end_s"], task.hold_start, task.hold_end) for e in sl)


def test_the_python_api_carries_the_same(day: tuple[Any, Any]) -> None:
    """``kyphos.load(path).activity`` etc.: the Session's properties are the analysis'."""
    res, a = day
    ses = res.to_session()
    assert ses.activity.intervals() == a.activity.intervals()
    assert ses.activity.steps == a.activity.steps
    assert len(ses.seated_reaches) == 3 and len(ses.lifts) == 2
    assert len(ses.slouch_episodes) == 2 and len(ses.sustained_bends) == 1
    assert ses.re_references == []


def test_height_of_all_movements_at_once_equals_one_by_one(day: tuple[Any, Any]) -> None:
    """vertical_track integrates every movement in one vectorised pass; it must equal
    integrate_movement applied to each movement in turn."""
    from kyphos.processing import activity as act
    from kyphos.processing.angles import vertical_acceleration
    from kyphos.processing.preprocess import runs

    _, a = day
    p = a.prepared
    az = vertical_acceleration(np.nan_to_num(a.quat), np.nan_to_num(p.acc))
    tilt = act.tilt_from_angles(a.angles.flexion, a.angles.lateral)
    still = act.still_mask(p.acc, p.gyr, p.fs, p.valid)
    walking = a.activity.mask("walking")
    h, v = act.vertical_track(az, tilt, still, p.fs, p.valid, walking)
    k = max(2, int(0.15 * p.fs))
    # the window after a movement: the first settled one of its still run (a ring's rows
    # before it carry its level)
    settle = settled_end_every_window(az, still & p.valid, k)
    az = az.copy()
    n_moves = 0
    for s0, s1 in runs(p.valid):
        for m0, m1 in runs(~(still[s0:s1] | walking[s0:s1])) + s0:
            k0 = 0 if m0 > s0 and walking[m0 - 1] else min(k, m0 - s0)
            k1 = 0 if m1 < s1 and walking[m1] else min(k, s1 - m1)
            if k1 and m1 < s1 and settle[m1] > m1 and settle[m1] + k <= s1:
                az[m1 : settle[m1]] = np.mean(az[settle[m1] : settle[m1] + k])
                m1, k1 = settle[m1], k
            if (k0 == 0 and k1 == 0) or m1 - m0 < 2:
                continue
            ph, pv = act.integrate_movement(az[m0 - k0 : m1 + k1], tilt[m0 - k0 : m1 + k1], p.fs,
                                            k0, k1)
            np.testing.assert_allclose(v[m0 - k0 : m1 + k1], pv, atol=1e-9)
            np.testing.assert_allclose(np.diff(h[m0 - k0 : m1 + k1]), np.diff(ph), atol=1e-9)
            n_moves += 1
    assert n_moves > 20
