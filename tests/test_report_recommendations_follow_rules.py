"""Recommendations come from the documented rules: each fires at its threshold, the table in
docs/report.md is the code's, a poor and a good simulated visit get different advice, every
reason a lift can be given has its rule, and a recording below the bar gets no advice."""

from __future__ import annotations

from pathlib import Path

import pytest
from kyphos.metrics.lifts import form_score
from kyphos.views.recommend import (
    GOOD,
    REASON_KINDS,
    RULES,
    reason_kind,
    recommendations,
    risk_band,
    rules_markdown,
)
from kyphos.views.samples import visit_scenario, write_sim_recording
from kyphos.views.summary import Summary, summarize

ROOT = Path(__file__).resolve().parents[1]


def _base(**kw: object) -> Summary:
    s = Summary(file="x.kyr", subject="P", start_utc=None, duration_s=7200, wear_s=7200,
                calibration={"method": "auto", "confidence": 0.9}, posture_score=90,
                zones_pct={"extension": 0, "0_20": 95, "20_60": 5, "over_60": 0},
                risk={"index": 0.1})
    for k, v in kw.items():
        setattr(s, k, v)
    return s


def _lift(**kw: object) -> dict:
    d = {"style": "squat", "twist_deg": 0.0, "lateral_deg": 0.0,
         "peak_flexion_velocity_dps": 60.0, "peak_flexion_deg": 40.0}
    d.update(kw)
    # score and reasons as the analysis gives them (metrics.lifts.form_score)
    d["score"], d["reasons"] = form_score(d["style"], d["peak_flexion_deg"],  # type: ignore[arg-type]
                                          d["peak_flexion_velocity_dps"], d["twist_deg"],
                                          d["lateral_deg"])
    return d


def _ids(s: Summary) -> list[str]:
    return [r.id for r in recommendations(s)]


def test_a_good_session_gets_the_good_message_only() -> None:
    assert _ids(_base()) == ["R0"]


@pytest.mark.parametrize(("rule", "below", "above"), [
    ("R1", {"zones_pct": {"over_60": 5.0}}, {"zones_pct": {"over_60": 5.1}}),
    ("R2", {"holding_violations": 0}, {"holding_violations": 1}),
    ("R3", {"zones_pct": {"20_60": 30.0}}, {"zones_pct": {"20_60": 30.5}}),
    ("R4", {"slouch_pct": 20.0}, {"slouch_pct": 20.5}),
    ("R5", {"zones_pct": {"extension": 10.0}}, {"zones_pct": {"extension": 10.5}}),
    # R6 follows the reason "bend the knees", which semi-squats past 45° get too
    ("R6", {"lifts": [_lift(style="semi-squat", peak_flexion_deg=50.0)] * 2 + [_lift()] * 3},
     {"lifts": [_lift(style="semi-squat", peak_flexion_deg=50.0)] * 3 + [_lift()] * 3}),
    ("R6", {"lifts": [_lift(style="stoop", peak_flexion_deg=45.0)] * 4},
     {"lifts": [_lift(style="stoop", peak_flexion_deg=46.0)] * 3 + [_lift()] * 9}),
    ("R7", {"lifts": [_lift(twist_deg=-20.0)] * 3 + [_lift()] * 10},
     {"lifts": [_lift(twist_deg=-20.0)] * 3 + [_lift()] * 9}),
    ("R8", {"lifts": [_lift(lateral_deg=10.0)] * 4}, {"lifts": [_lift(lateral_deg=-12.0)] * 4}),
    ("R9", {"lifts": [_lift(peak_flexion_velocity_dps=120.0)] * 4},
     {"lifts": [_lift(peak_flexion_velocity_dps=150.0)] * 4}),
    ("R10", {"risk": {"index": 0.49}}, {"risk": {"index": 0.5}}),
    ("R11", {"calibration": {"confidence": 0.5}}, {"calibration": {"confidence": 0.4}}),
    ("R12", {"wear_s": 3600.0}, {"wear_s": 3599.0}),
])
def test_each_rule_fires_past_its_threshold(rule: str, below: dict, above: dict) -> None:
    assert rule not in _ids(_base(**below))
    assert rule in _ids(_base(**above))


def test_lift_rules_need_three_lifts() -> None:
    assert "R6" not in _ids(_base(lifts=[_lift(style="stoop", peak_flexion_deg=70.0)] * 2))


def test_every_reason_a_lift_can_get_has_a_rule() -> None:
    """Each corrective reason form_score writes maps to a kind, and that kind's rule fires
    when it recurs (the advice matches the lift table)."""
    cases = {"stoop": ("stoop", 80.0, 60.0, 0.0, 0.0), "twist": ("squat", 40.0, 60.0, 30.0, 0.0),
             "lean": ("squat", 40.0, 60.0, 0.0, -20.0), "speed": ("squat", 40.0, 200.0, 0.0, 0.0)}
    rule_of = {"stoop": "R6", "twist": "R7", "lean": "R8", "speed": "R9"}
    assert set(cases) == set(REASON_KINDS)
    for kind, (style, peak, vel, tw, lat) in cases.items():
        _, reasons = form_score(style, peak, vel, tw, lat)
        assert [reason_kind(r) for r in reasons] == [kind], reasons
        lf = {"style": style, "peak_flexion_deg": peak, "peak_flexion_velocity_dps": vel,
              "twist_deg": tw, "lateral_deg": lat, "score": 50.0, "reasons": reasons}
        assert rule_of[kind] in _ids(_base(lifts=[lf] * 3))
    assert reason_kind("good form") is None


def test_not_valid_gets_no_advice_and_no_praise() -> None:
    s = _base(valid=False, warnings=["the sample rate is 5 Hz"])
    assert recommendations(s) == []
    assert recommendations(_base()) == [GOOD]


def test_risk_bands() -> None:
    assert [risk_band(x) for x in (0.0, 0.29, 0.3, 0.49, 0.5, 1.0)] == [
        "low", "low", "moderate", "moderate", "high", "high"]


def test_failed_recording_gets_no_advice() -> None:
    assert recommendations(_base(error="bad")) == []


def test_docs_table_is_the_rules_table() -> None:
    doc = (ROOT / "docs" / "report.md").read_text(encoding="utf-8")
    assert rules_markdown() in doc
    assert len({r.id for r in (*RULES, GOOD)}) == len(RULES) + 1


def test_poor_and_good_visits_get_different_advice(tmp_path: Path) -> None:
    poor = summarize(write_sim_recording(tmp_path / "p.kyr", visit_scenario(0.0, "poor")))
    good = summarize(write_sim_recording(tmp_path / "g.kyr", visit_scenario(1.0, "good")))
    assert {"R6", "R7"} <= set(_ids(poor))
    assert "R0" in _ids(good) and "R6" not in _ids(good)
    assert good.posture_score > poor.posture_score
