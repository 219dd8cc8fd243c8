"""Plain-language recommendations from documented rules.

Each :class:`Rule` has an id, the condition in words, the text shown to the patient and the
source of its threshold (a section of docs/scoring.md, which cites the literature, or "kyphos
choice"). The table in docs/report.md is this list; a test checks that they agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kyphos.views.summary import Summary

#: Minimum number of lifts before lift-form rules speak (fewer is too little to judge a habit).
MIN_LIFTS = 3


@dataclass(frozen=True)
class Rule:
    id: str
    when: str  # the condition, in words, as docs/report.md shows it
    text: str  # what the report says
    source: str
    test: Callable[[Summary], bool]


def _share(s: Summary, pred: Callable[[dict], bool]) -> float:
    if len(s.lifts) < MIN_LIFTS:
        return 0.0
    return sum(1 for lf in s.lifts if pred(lf)) / len(s.lifts)


def _z(s: Summary, k: str) -> float:
    return float(s.zones_pct.get(k) or 0.0)


RULES: tuple[Rule, ...] = (
    Rule("R1", "time with flexion > 60° is more than 5 % of measured time",
         "You spent a lot of time bent far forward. Bring work closer and higher (waist height) "
         "so that you can stay more upright.",
         "docs/scoring.md §5: Hoogendoorn et al. 2000 (Spine 25), flexion ≥ 60° for > 5 % of "
         "work time, relative risk 1.5 for low-back pain",
         lambda s: _z(s, "over_60") > 5.0),
    Rule("R2", "at least one holding-time violation (a forward bend held longer than "
         "ISO 11226 allows)",
         "Some forward bends were held too long. Straighten up and move every minute or so when "
         "you work bent over.",
         "docs/scoring.md §5: ISO 11226 maximum holding time (linear approximation)",
         lambda s: s.holding_violations > 0),
    Rule("R3", "flexion 20–60° for more than 30 % of measured time",
         "Much of the day was spent leaning forward. Check the height of your desk, screen or "
         "work surface.",
         "docs/scoring.md §5: ISO 11226 / EN 1005-4, 20–60° is acceptable only with limited "
         "holding time; the 30 % level is a kyphos choice",
         lambda s: _z(s, "20_60") > 30.0),
    Rule("R4", "slouching for more than 20 % of measured time",
         "You slouched for long stretches. Turn on the sensor's buzz reminder and sit or stand "
         "tall when it buzzes.",
         "docs/scoring.md §5 (slouch episodes: 8° above upright for ≥ 10 s); the 20 % level is "
         "a kyphos choice",
         lambda s: s.slouch_pct > 20.0),
    Rule("R5", "leaning back (extension below −5°) for more than 10 % of measured time",
         "You often leaned backwards. Use a backrest that supports you upright rather than "
         "reclined.",
         "docs/scoring.md §5: ISO 11226 / EN 1005-4 (extension not recommended); the 10 % "
         "level is a kyphos choice",
         lambda s: _z(s, "extension") > 10.0),
    Rule("R6", "half or more of the lifts (at least 3) were stoop lifts",
         "Most lifts were done with straight knees. Bend your knees and keep your back more "
         "upright when you pick things up.",
         "docs/scoring.md §7–8 (style from the back's drop; stoop penalty in the form score)",
         lambda s: _share(s, lambda lf: lf.get("style") == "stoop") >= 0.5),
    Rule("R7", "a quarter or more of the lifts (at least 3) twisted more than 15°",
         "You often twisted while lifting. Turn with your feet instead of your back.",
         "docs/scoring.md §8: EN 1005-4 (twisting ≥ 10° acceptable only below 2/min), "
         "Hoogendoorn et al. 2000 (rotation ≥ 30°)",
         lambda s: _share(s, lambda lf: abs(lf.get("twist_deg") or 0) > 15.0) >= 0.25),
    Rule("R8", "a quarter or more of the lifts (at least 3) leaned sideways more than 10°",
         "You often leaned to one side while lifting. Hold the load close and centred, or split "
         "it between both hands.",
         "docs/scoring.md §8: EN 1005-4 lateral bend bands (±10° neutral)",
         lambda s: _share(s, lambda lf: abs(lf.get("lateral_deg") or 0) > 10.0) >= 0.25),
    Rule("R9", "a quarter or more of the lifts (at least 3) faster than 120 °/s",
         "Many lifts were quick and jerky. Lift smoothly and take your time.",
         "docs/scoring.md §8–9: trunk velocity is a risk variable of the Marras LMM; 120 °/s "
         "is a kyphos choice",
         lambda s: _share(s, lambda lf: (lf.get("peak_flexion_velocity_dps") or 0) > 120.0)
         >= 0.25),
    Rule("R10", "kinematic risk index ≥ 0.5",
         "The overall lifting load of this day was high. Talk with your therapist about how "
         "often and how deep you lift, and about help with heavy loads.",
         "docs/scoring.md §9 (kinematic index after the Marras LMM; not the validated "
         "probability)",
         lambda s: float(s.risk.get("index") or 0.0) >= 0.5),
    Rule("R11", "calibration confidence below 0.5",
         "The sensor could not be calibrated well. Next time, stand still for 10 seconds and "
         "bend forward three times after putting it on.",
         "docs/scoring.md §10 (calibration matters most)",
         lambda s: float(s.calibration.get("confidence") or 0.0) < 0.5),
    Rule("R12", "less than 1 hour of measured wear time",
         "This recording is short. Wear the sensor for longer so that the results show a "
         "typical day.",
         "kyphos choice",
         lambda s: s.wear_s < 3600.0),
)

#: Shown when no other rule fires.
GOOD = Rule("R0", "no other rule applies",
            "Your posture and lifting were within the targets in this recording. Keep it up.",
            "docs/scoring.md §5 and §8", lambda s: True)


def recommendations(s: Summary) -> list[Rule]:
    """The rules that fire for ``s``, in table order; :data:`GOOD` if none of R1–R10 does."""
    if not s.ok:
        return []
    fired = [r for r in RULES if r.test(s)]
    if not any(r.id not in ("R11", "R12") for r in fired):
        fired.insert(0, GOOD)
    return fired


def rules_markdown() -> str:
    """The rules as the Markdown table in docs/report.md."""
    rows = ["| id | when | the report says | source |", "|---|---|---|---|"]
    for r in (*RULES, GOOD):
        rows.append(f"| {r.id} | {r.when} | {r.text} | {r.source} |")
    return "\n".join(rows)
