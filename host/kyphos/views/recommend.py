"""Plain-language recommendations from documented rules.

Each :class:`Rule` has an id, the condition in words, the text shown to the patient and the
source of its threshold (a section of docs/scoring.md, which cites the literature, or "kyphos
choice"). The table in docs/report.md is this list; a test checks that they agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kyphos.metrics.lifts import GOOD_FORM_SCORE
from kyphos.views.summary import Summary

#: Minimum number of lifts before lift-form rules speak (fewer is too little to judge a habit).
MIN_LIFTS = 3
#: A lift reason "recurs" when at least this many lifts, and at least RECUR_SHARE of them, give
#: it; each recurring reason has its rule (R6–R9), so the advice matches the lift table.
RECUR_MIN = 3
RECUR_SHARE = 0.25
#: The words that mark each kind of lift reason (kyphos.metrics.lifts.form_score writes them;
#: a test checks every reason it can write has a kind).
REASON_KINDS = {"stoop": "bend the knees", "twist": "turn with the feet",
                "lean": "keep the load centred", "speed": "lift smoothly"}
#: Bands of the kinematic risk index (docs/scoring.md §9, "Bands"): a kyphos choice — the index
#: is not the LMM's validated probability, so the LMM's own risk levels do not carry over. The
#: high band starts where R10 speaks.
RISK_BANDS = ((0.3, "low"), (0.5, "moderate"), (float("inf"), "high"))


def risk_band(index: float) -> str:
    """"low", "moderate" or "high" for a risk index (see :data:`RISK_BANDS`)."""
    return next(name for upper, name in RISK_BANDS if float(index) < upper)


def reason_kind(reason: str) -> str | None:
    """The kind of a lift reason ("stoop", "twist", "lean", "speed"), None for "good form"."""
    return next((k for k, words in REASON_KINDS.items() if words in reason), None)


def corrective(lf: dict) -> bool:
    """True if a lift's reasons ask for a correction (anything but "good form")."""
    return any(reason_kind(r) for r in lf.get("reasons") or [])


def lift_class(lf: dict) -> str:
    """"good" (nothing to correct), "fix" (form score ≥ 70 but the reasons ask for a
    correction), "bad" (score below 70) or "unscored" (a recording below the validity bar):
    the report's table colours and plot markers follow the reasons, not the score alone."""
    score = lf.get("score")
    if score is None:  # not valid: no score, so no verdict either
        return "unscored"
    if score < GOOD_FORM_SCORE:
        return "bad"
    return "fix" if corrective(lf) else "good"


@dataclass(frozen=True)
class Rule:
    id: str
    when: str  # the condition, in words, as docs/report.md shows it
    text: str  # what the report says
    source: str
    test: Callable[[Summary], bool]


def _recurs(s: Summary, kind: str) -> bool:
    """At least RECUR_MIN lifts and RECUR_SHARE of them (of ≥ MIN_LIFTS) give this reason."""
    n = len(s.lifts)
    if n < MIN_LIFTS:
        return False
    k = sum(1 for lf in s.lifts if any(reason_kind(r) == kind for r in lf.get("reasons") or []))
    return k >= RECUR_MIN and k >= RECUR_SHARE * n


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
    Rule("R6", "a quarter or more of the lifts (at least 3) bent far at the "
         "waist (reason \"bend the knees\")",
         "Many lifts were done bending at the waist. Bend your knees and keep your back more "
         "upright when you pick things up.",
         "docs/scoring.md §7–8 (peak bend > 45° without a squat; stoop penalty in the form score)",
         lambda s: _recurs(s, "stoop")),
    Rule("R7", "a quarter or more of the lifts (at least 3) twisted more than "
         "15° (reason \"turn with the feet\")",
         "You often twisted while lifting. Turn with your feet instead of your back.",
         "docs/scoring.md §8: EN 1005-4 (twisting ≥ 10° acceptable only below 2/min), "
         "Hoogendoorn et al. 2000 (rotation ≥ 30°)",
         lambda s: _recurs(s, "twist")),
    Rule("R8", "a quarter or more of the lifts (at least 3) leaned sideways more "
         "than 10° (reason \"keep the load centred\")",
         "You often leaned to one side while lifting. Hold the load close and centred, or split "
         "it between both hands.",
         "docs/scoring.md §8: EN 1005-4 lateral bend bands (±10° neutral)",
         lambda s: _recurs(s, "lean")),
    Rule("R9", "a quarter or more of the lifts (at least 3) faster than 120 °/s "
         "(reason \"lift smoothly\")",
         "Many lifts were quick and jerky. Lift smoothly and take your time.",
         "docs/scoring.md §8–9: trunk velocity is a risk variable of the Marras LMM; 120 °/s "
         "is a kyphos choice",
         lambda s: _recurs(s, "speed")),
    Rule("R10", "kinematic risk index ≥ 0.5 (band \"high\")",
         "The overall lifting load of this day was high. Talk with your therapist about how "
         "often and how deep you lift, and about help with heavy loads.",
         "docs/scoring.md §9 (kinematic index after the Marras LMM; not the validated "
         "probability)",
         lambda s: risk_band(float(s.risk.get("index") or 0.0)) == "high"),
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
    """The rules that fire for ``s``, in table order; :data:`GOOD` if none of R1–R10 does.

    None for a recording that failed or is not valid (processing.plausibility): below that bar
    there is no advice and no praise; the report's banner says what to do instead. None for a
    guided assessment or exercise either: its posture is the test movements themselves, and
    its own section says how they went."""
    if not s.ok or not s.valid or s.kind is not None:
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
