"""Recommendations come from the documented rules: each fires at its threshold, the table in
docs/report.md is the code's, and a poor and a good simulated visit get different advice."""

from __future__ import annotations

from pathlib import Path

import pytest
from kyphos.views.recommend import GOOD, RULES, recommendations, rules_markdown
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
         "peak_flexion_velocity_dps": 60.0, "peak_flexion_deg": 40.0, "score": 95.0}
    d.update(kw)
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
    ("R6", {"lifts": [_lift(style="stoop")] * 2 + [_lift()] * 3},
     {"lifts": [_lift(style="stoop")] * 3 + [_lift()] * 3}),
    ("R7", {"lifts": [_lift(twist_deg=-20.0)] + [_lift()] * 4},
     {"lifts": [_lift(twist_deg=-20.0)] * 2 + [_lift()] * 4}),
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
    assert "R6" not in _ids(_base(lifts=[_lift(style="stoop")] * 2))


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
