"""Ground truth: lift and slouch intervals are the scripted ones, and export round-trips."""

import json

import numpy as np
import pytest
from kyphos.sim.scenario import (
    ACTIVITIES,
    LIFT_SPEED_THRESHOLD,
    load_scenario,
    random_lift_session,
    read_truth,
    simulate,
    validate,
    write_truth,
)

QUIET = {"flexion_deg": 0, "lateral_deg": 0, "axial_deg": 0, "breathing_deg": 0}


def _lifts_scn():
    return validate({
        "sway": QUIET,
        "segments": [
            {"kind": "stand", "duration_s": 4},
            {"kind": "lift", "style": "stoop", "flexion_deg": 70, "down_s": 1.0, "hold_s": 0.5,
             "up_s": 1.5, "pre_s": 0.5, "post_s": 2.0},
            {"kind": "lift", "style": "squat", "twist_deg": 30, "lateral_deg": -10,
             "repeats": 2, "gap_s": 1.0},
            {"kind": "lift", "style": "semi-squat", "flexion_deg": 55},
        ],
    })


def test_lift_truth_matches_the_script():
    r = simulate(_lifts_scn(), seed=0, fs=208)
    lifts = r.truth.lifts
    assert [x.style for x in lifts] == ["stoop", "squat", "squat", "semi-squat"]
    first = lifts[0]
    assert first.onset == pytest.approx(4.5) and first.offset == pytest.approx(4.5 + 3.0)
    assert first.peak_flexion == pytest.approx(np.radians(70))
    assert lifts[1].peak_twist == pytest.approx(np.radians(30))
    assert lifts[1].peak_lateral == pytest.approx(np.radians(-10))
    assert lifts[2].onset == pytest.approx(lifts[1].offset + 1.0)  # repeat after gap_s
    t, flex = r.time, r.truth.flexion
    for x in lifts:
        assert x.onset < x.start < x.peak_time < x.end < x.offset
        inside = (t >= x.onset) & (t <= x.offset)
        assert flex[inside].max() == pytest.approx(x.peak_flexion, abs=1e-6)
        # start/end are where the flexion speed crosses the threshold
        speed = np.abs(np.gradient(flex, t))
        above = inside & (speed >= LIFT_SPEED_THRESHOLD)
        assert t[above][0] == pytest.approx(x.start, abs=2 / r.fs)
        assert t[above][-1] == pytest.approx(x.end, abs=2 / r.fs)
        assert np.all(r.truth.lift_id[inside] == x.index)
        assert np.all(r.truth.activity[inside] == ACTIVITIES.index("lift"))
        # twist and lateral bend peak with the lift
        assert np.abs(r.truth.axial[inside]).max() == pytest.approx(abs(x.peak_twist), abs=1e-6)
    assert np.all(r.truth.lift_id[t < lifts[0].onset] == -1)


def test_squat_lowers_the_sensor_more_and_bends_the_trunk_less_than_stoop():
    r = simulate(_lifts_scn(), seed=0, fs=104)
    z = r.truth.position[:, 2]
    drop = {}
    for x in r.truth.lifts:
        m = (r.time >= x.onset) & (r.time <= x.offset)
        drop.setdefault(x.style, z[0] - z[m].min())
    assert drop["squat"] > drop["stoop"] + 0.05
    assert r.truth.lifts[0].knee_flexion < np.radians(30) < np.radians(90) < r.truth.lifts[1].knee_flexion


def test_slouch_truth_is_the_scripted_interval():
    scn = validate({
        "sway": QUIET,
        "segments": [
            {"kind": "stand", "duration_s": 3},
            {"kind": "sit", "duration_s": 60, "slouches": [
                {"at_s": 10, "duration_s": 15, "flexion_deg": 20},
                {"at_s": 40, "duration_s": 5, "flexion_deg": 30, "ramp_s": 1}]},
        ],
    })
    r = simulate(scn, seed=0, fs=52)
    sit_start = r.truth.segments[1].end  # after the inserted transition
    assert r.truth.segments[1].kind == "transition"
    s0, s1 = r.truth.slouches
    assert s0.start == pytest.approx(sit_start + 10) and s0.end == pytest.approx(sit_start + 25)
    assert s1.flexion == pytest.approx(np.radians(30))
    base = np.median(r.truth.flexion[(r.time > sit_start + 2) & (r.time < sit_start + 7)])
    extra = r.truth.flexion - base
    # the half-way crossings of the extra flexion are the truth start and end
    for s in (s0, s1):
        m = (r.time >= s.onset) & (r.time <= s.offset)
        half = r.time[m][extra[m] >= s.flexion / 2]
        assert half[0] == pytest.approx(s.start, abs=1.5 / r.fs)
        assert half[-1] == pytest.approx(s.end, abs=1.5 / r.fs)
        np.testing.assert_array_equal(r.truth.slouch[m], (r.time[m] >= s.start) & (r.time[m] <= s.end))


@pytest.mark.parametrize("suffix", [".npz", ".json"])
def test_write_truth_round_trips(tmp_path, suffix):
    r = simulate(load_scenario("demo"), seed=1, fs=52)
    p = write_truth(r, tmp_path / f"truth{suffix}")
    t = read_truth(p)
    assert t.lifts == r.truth.lifts and t.slouches == r.truth.slouches
    assert t.movements == r.truth.movements and t.segments == r.truth.segments
    np.testing.assert_allclose(t.flexion, r.truth.flexion)
    np.testing.assert_array_equal(t.lift_id, r.truth.lift_id)
    np.testing.assert_allclose(t.sensor_from_body, r.truth.sensor_from_body)
    assert t.meta["seed"] == 1 and t.meta["chip"] == "LSM6DSOX"
    if suffix == ".json":
        doc = json.loads(p.read_text())
        assert doc["format"] == "kyphos-truth/1" and doc["lifts"][0]["style"] == "stoop"


def test_random_lift_session_varies_with_seed():
    a = random_lift_session(1, fs=52, n_lifts=9)
    b = random_lift_session(2, fs=208, n_lifts=9)
    assert a != b and a == random_lift_session(1, fs=52, n_lifts=9)
    ra = simulate(a, seed=1)
    assert ra.fs == 52 and len(ra.truth.lifts) == 9
    assert {x.style for x in ra.truth.lifts} <= {"stoop", "semi-squat", "squat"}
    assert len(ra.truth.movements) == 3  # calibration bends
    assert a["mount"] != b["mount"]
    styles = [x.style for s in range(5)
              for x in simulate(random_lift_session(s, n_lifts=6), seed=s).truth.lifts]
    assert set(styles) == {"stoop", "semi-squat", "squat"}


def test_random_lift_session_can_be_limited_to_two_styles():
    scn = random_lift_session(4, n_lifts=10, styles=("stoop", "squat"))
    styles = {s["style"] for s in scn["segments"] if s["kind"] == "lift"}
    assert styles == {"stoop", "squat"}
    with pytest.raises(ValueError, match="styles"):
        random_lift_session(4, styles=("crouch",))
