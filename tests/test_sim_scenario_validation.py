"""Scenario files: bundled ones load; bad ones give one-line errors naming the key."""

import json

import pytest
from kyphos.errors import KyphosError
from kyphos.sim.scenario import ScenarioError, list_scenarios, load_scenario, simulate, validate

GOOD = {"segments": [{"kind": "stand", "duration_s": 5}]}


def test_bundled_scenarios_load_and_have_the_promised_content():
    assert {"demo", "office", "warehouse", "calibration"} <= set(list_scenarios())
    demo = simulate(load_scenario("demo"), fs=52)
    assert 120 <= demo.time[-1] <= 180
    assert {x.style for x in demo.truth.lifts} == {"stoop", "semi-squat", "squat"}
    assert any(x.peak_twist for x in demo.truth.lifts) and any(not x.peak_twist for x in demo.truth.lifts)
    assert demo.truth.slouches and any(s.kind == "walk" for s in demo.truth.segments)
    wh = load_scenario("warehouse")
    assert sum(s["kind"] == "lift" for s in wh["segments"]) >= 30
    assert any(s["kind"] == "sit" and s["slouches"] for s in load_scenario("office")["segments"])


@pytest.mark.parametrize(
    "mutate, key",
    [
        (lambda d: d.update(colour="red"), "colour"),
        (lambda d: d["segments"][0].pop("duration_s"), "segments[0].duration_s"),
        (lambda d: d["segments"][0].update(kind="jump"), "segments[0].kind"),
        (lambda d: d["segments"].append({"kind": "lift", "style": "stop"}), "segments[1].style"),
        (lambda d: d["segments"].append({"kind": "lift"}), "segments[1].style"),
        (lambda d: d["segments"][0].update(duration_s="long"), "segments[0].duration_s"),
        (lambda d: d["segments"][0].update(duration_s=-1), "segments[0].duration_s"),
        (lambda d: d.update(mount={"pitch_deg": 90}), "mount.pitch_deg"),
        (lambda d: d.update(mount={"pitch": 10}), "mount.pitch"),
        (lambda d: d.update(sensor={"chip": "BMI160"}), "sensor.chip"),
        (lambda d: d.update(sensor={"fs_hz": True}), "sensor.fs_hz"),
        (lambda d: d.update(seed=1.5), "seed"),
        (lambda d: d.update(segments=[]), "segments"),
        (lambda d: d["segments"].append(
            {"kind": "lift", "style": "squat", "flexion_deg": 85}), "segments[1].flexion_deg"),
        (lambda d: d["segments"].append({"kind": "sit", "duration_s": 10, "slouches": [
            {"at_s": 2, "duration_s": 3}, {"at_s": 4, "duration_s": 3}]}),
         "segments[1].slouches[1].at_s"),
        (lambda d: d["segments"].append({"kind": "sit", "duration_s": 10, "slouches": [
            {"at_s": 5, "duration_s": 30}]}), "segments[1].slouches[0].duration_s"),
    ],
)
def test_bad_scenario_is_one_line_naming_the_key(mutate, key):
    d = json.loads(json.dumps(GOOD))
    mutate(d)
    with pytest.raises(ScenarioError) as e:
        validate(d, "bad.json")
    msg = str(e.value)
    assert "\n" not in msg
    assert msg.startswith(f"bad.json: {key}: "), msg
    assert isinstance(e.value, KyphosError)


def test_bad_file_errors_name_the_file(tmp_path):
    p = tmp_path / "broken.json"
    p.write_text('{"segments": [}')
    with pytest.raises(ScenarioError, match=r"^broken\.json: not valid JSON at line 1"):
        load_scenario(p)
    with pytest.raises(ScenarioError, match="cannot read"):
        load_scenario(tmp_path / "missing.json")
    p.write_text(json.dumps({"segments": [{"kind": "walk", "duration_s": 1}]}))
    with pytest.raises(ScenarioError, match=r"^broken\.json: segments\[0\]\.duration_s: 1 is out"):
        load_scenario(p)


def test_defaults_are_filled_in_and_validation_is_idempotent():
    v = validate(GOOD)
    assert v["sensor"]["fs_hz"] == 104 and v["mount"]["pitch_deg"] == 15
    assert v["segments"][0]["slouches"] == []
    assert validate(v) == v


def test_exercise_like_movements_are_bend_segments():
    scn = validate({"segments": [
        {"kind": "bend", "label": "max_flexion", "flexion_deg": 80, "hold_s": 3, "repeats": 3},
        {"kind": "bend", "label": "extension", "flexion_deg": -25},
        {"kind": "bend", "label": "lateral_right", "lateral_deg": 30},
        {"kind": "bend", "label": "seated_rotation", "posture": "sit", "axial_deg": -45,
         "repeats": 2},
    ]})
    r = simulate(scn, seed=0, fs=52)
    labels = [m.label for m in r.truth.movements]
    assert labels == ["max_flexion"] * 3 + ["extension", "lateral_right"] + ["seated_rotation"] * 2
    rot = r.truth.movements[-1]
    m = (r.time >= rot.hold_start) & (r.time <= rot.hold_end)
    assert abs(r.truth.axial[m].mean() - rot.peak_axial) < 0.02
    ext = r.truth.movements[3]
    m = (r.time >= ext.hold_start) & (r.time <= ext.hold_end)
    assert abs(r.truth.flexion[m].mean() - ext.peak_flexion) < 0.02


def test_numpy_numbers_are_accepted_and_odd_values_reported():
    import numpy as np

    v = validate({"seed": np.int64(3), "segments": [{"kind": "stand", "duration_s": np.float32(2)}]})
    assert v["seed"] == 3 and isinstance(v["segments"][0]["duration_s"], float)
    with pytest.raises(ScenarioError, match=r"segments\[0\]\.duration_s: expected a number"):
        validate({"segments": [{"kind": "stand", "duration_s": object()}]})
