"""Report sections for assessments and exercise sessions: HTML fragments plus data, for
``kyphos report`` (one recording) and ``kyphos compare`` (visits over time).

    from kyphos.assess.report import report_section, compare_section
    sec = report_section(session)          # None unless made by kyphos assess / exercise
    sec.html, sec.data
    sec = compare_section([s1, s2, s3], program=None)   # ROM per direction across visits,
                                                        # exercise adherence
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any

from kyphos.assess.analysis import Result, analyse_session, session_kind
from kyphos.assess.protocol import ASSESSMENT_DIRECTIONS

#: Approximate normal active ROM of the thoracolumbar spine (degrees), AAOS (1965) "Joint
#: Motion: Method of Measuring and Recording", as tabulated by Norkin & White, "Measurement of
#: Joint Motion: A Guide to Goniometry" (F.A. Davis). Whole thoracolumbar (and for flexion,
#: hip) motion, not thoracic-only, quoted without re-checking the tables; rotation ≈ 45° also
#: agrees with seated rotation in Johnson et al. 2012 (J Athl Train 47:52–60). See
#: docs/scoring.md "Assessment and exercise".
NORMALS_DEG: dict[str, float] = {
    "flexion": 80.0, "extension": 25.0, "lateral_left": 35.0, "lateral_right": 35.0,
    "rotation_left": 45.0, "rotation_right": 45.0,
}
_LABEL = {"flexion": "Flexion", "extension": "Extension", "lateral_left": "Side bend left",
          "lateral_right": "Side bend right", "rotation_left": "Rotation left (seated)",
          "rotation_right": "Rotation right (seated)"}


@dataclass
class Section:
    html: str
    data: dict[str, Any] = field(default_factory=dict)


def _f(x: Any, nd: int = 0) -> str:
    return "–" if x is None or (isinstance(x, float) and not math.isfinite(x)) else f"{x:.{nd}f}"


def rom_table_text(result: Result) -> str:
    lines = [f"{'direction':26s} {'mean':>6s} {'SD':>5s}  repeats (deg)        normal*"]
    for d in ASSESSMENT_DIRECTIONS:
        assert d is not None
        r = result.rom.get(d)
        if r is None:
            lines.append(f"{_LABEL[d]:26s} {'–':>6s}")
            continue
        reps = ", ".join(f"{x.rom_deg:.0f}" for x in r.repeats)
        flag = "  ! " + "; ".join(r.reasons()) if r.flagged else ""
        lines.append(f"{_LABEL[d]:26s} {_f(r.mean_deg, 1):>6s} {_f(r.sd_deg, 1):>5s}  "
                     f"{reps:20s} ~{NORMALS_DEG[d]:.0f}{flag}")
    lines.append("* approximate thoracolumbar norms (AAOS 1965); a single upper-back sensor "
                 "measures upper-trunk angles, not segmental thoracic ROM (docs/scoring.md)")
    return "\n".join(lines)


def exercise_table_text(result: Result) -> str:
    lines = []
    for e in result.exercises:
        lines.append(f"{e['name']}: {e['reps_done']}/{e['reps_target']} reps, range "
                     f"{_f(e['range_mean_deg'])}° (target {_f(e['range_target_deg'])}°), hold "
                     f"{_f(e['hold_mean_s'], 1)} s (target {e['hold_target_s']:g} s), "
                     f"{e['reps_too_fast']} too fast")
    return "\n".join(lines)


def _rom_html(result: Result) -> str:
    rows = []
    for d in ASSESSMENT_DIRECTIONS:
        assert d is not None
        r = result.rom.get(d)
        if r is None:
            rows.append(f"<tr><td>{_LABEL[d]}</td><td colspan=4>not measured</td></tr>")
            continue
        reps = ", ".join(f"{x.rom_deg:.0f}" for x in r.repeats)
        flag = html.escape("; ".join(r.reasons())) if r.flagged else ""
        rows.append(f"<tr><td>{_LABEL[d]}</td><td>{_f(r.mean_deg, 1)}</td>"
                    f"<td>{_f(r.sd_deg, 1)}</td><td>{reps}</td><td>~{NORMALS_DEG[d]:.0f}</td>"
                    f"<td class='flag'>{flag}</td></tr>")
    return ("<section class='assessment'><h2>Range of motion (guided assessment)</h2>"
            "<table><tr><th>direction</th><th>mean °</th><th>SD °</th><th>repeats °</th>"
            "<th>normal °*</th><th>flags</th></tr>" + "".join(rows) + "</table>"
            "<p class='note'>* approximate thoracolumbar norms (AAOS 1965). One upper-back "
            "sensor measures upper-trunk angles (thoracic plus lumbar, and hip in standing "
            "flexion), not segmental thoracic ROM.</p></section>")


def _exercise_html(result: Result) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(e['name'])}</td><td>{e['reps_done']}/{e['reps_target']}</td>"
        f"<td>{_f(e['range_mean_deg'])} / {_f(e['range_target_deg'])}</td>"
        f"<td>{_f(e['hold_mean_s'], 1)} / {e['hold_target_s']:g}</td>"
        f"<td>{e['reps_too_fast']}</td></tr>" for e in result.exercises)
    return ("<section class='exercise'><h2>Exercise session</h2><table><tr><th>exercise</th>"
            "<th>reps done/prescribed</th><th>range ° / target</th><th>hold s / target</th>"
            "<th>reps too fast</th></tr>" + rows + "</table></section>")


def report_section(session: Any) -> Section | None:
    """The section for one recording, or None if it is not an assessment/exercise session."""
    kind = session_kind(session)
    if kind is None:
        return None
    result = analyse_session(session)
    body = _rom_html(result) if kind == "assessment" else _exercise_html(result)
    return Section(body, {"kind": kind, **result.to_dict()})


def compare_section(sessions: list[Any], labels: list[str] | None = None) -> Section | None:
    """ROM per direction across visits and exercise adherence, in the order given (oldest
    first). Sessions that are neither kind are skipped; None if none are."""
    labels = labels or [str(getattr(s, "path", "") or f"visit {i + 1}") for i, s in
                        enumerate(sessions)]
    rom_rows: dict[str, list[float | None]] = {d: [] for d in ASSESSMENT_DIRECTIONS if d}
    visits: list[str] = []
    adherence: dict[str, dict[str, Any]] = {}
    n_ex = 0
    per_week: list[float] = []
    days: list[str] = []
    for s, lab in zip(sessions, labels, strict=True):
        kind = session_kind(s)
        if kind == "assessment":
            res = analyse_session(s)
            visits.append(lab)
            for d in rom_rows:
                r = res.rom.get(d)
                rom_rows[d].append(None if r is None else round(r.mean_deg, 1))
        elif kind == "exercise":
            n_ex += 1
            hdr = s.header or {}
            prog = (hdr.get("assess") or {}).get("program") or {}
            per_week.append(float(prog.get("sessions_per_week") or 0.0))
            days.append(str(hdr.get("created_utc") or "")[:10])
            res = analyse_session(s)
            for e in res.exercises:
                a = adherence.setdefault(e["name"], {"sessions": 0, "reps_done": 0,
                                                     "reps_prescribed": 0, "ranges": [],
                                                     "target": e["range_target_deg"]})
                a["sessions"] += 1
                a["reps_done"] += e["reps_done"]
                a["reps_prescribed"] += e["reps_target"]
                if e["range_mean_deg"] is not None:
                    a["ranges"].append(e["range_mean_deg"])
    if not visits and not n_ex:
        return None
    parts = []
    if visits:
        head = "".join(f"<th>{html.escape(v)}</th>" for v in visits)
        rows = "".join(f"<tr><td>{_LABEL[d]}</td>" + "".join(f"<td>{_f(x, 1)}</td>" for x in xs)
                       + "</tr>" for d, xs in rom_rows.items())
        parts.append("<h2>Range of motion across visits (mean °)</h2><table><tr><th>direction"
                     f"</th>{head}</tr>{rows}</table>")
    prescribed = _sessions_prescribed(days, per_week)
    if adherence:
        parts.append(f"<p>Exercise sessions done: {n_ex}"
                     + (f" of {prescribed} prescribed" if prescribed else "") + "</p>")
        rows = "".join(
            f"<tr><td>{html.escape(k)}</td><td>{a['sessions']}</td><td>{a['reps_done']}/"
            f"{a['reps_prescribed']}</td><td>"
            f"{_f(sum(a['ranges']) / len(a['ranges']) if a['ranges'] else None)} / "
            f"{_f(a['target'])}</td></tr>" for k, a in adherence.items())
        parts.append("<h2>Exercise adherence</h2><table><tr><th>exercise</th><th>sessions</th>"
                     "<th>reps done/prescribed</th><th>range ° / target</th></tr>" + rows
                     + "</table>")
    return Section("<section class='assessment-compare'>" + "".join(parts) + "</section>",
                   {"visits": visits, "rom_deg": rom_rows, "exercise_sessions": n_ex,
                    "exercise_sessions_prescribed": prescribed, "adherence": adherence})


def _sessions_prescribed(days: list[str], per_week: list[float]) -> int | None:
    """Sessions the programme asked for over the days spanned by the exercise recordings
    (from their ``created_utc``): sessions_per_week × days / 7, at least one week."""
    import datetime as dt

    try:
        d = sorted(dt.date.fromisoformat(x) for x in days if x)
    except ValueError:
        return None
    if not d or not per_week or max(per_week) <= 0:
        return None
    span = max(7, (d[-1] - d[0]).days + 1)
    return int(round(max(per_week) * span / 7))
