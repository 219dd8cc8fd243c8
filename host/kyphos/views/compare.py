"""Progress of one subject across visits: a self-contained HTML page with trend charts (inline
SVG) and a table of the measures a PT follows — posture score, time bent > 60°, slouch episodes
and the share of good-form lifts — in date order."""

from __future__ import annotations

import html
from dataclasses import dataclass

from kyphos.errors import KyphosError
from kyphos.views import plots
from kyphos.views.report import CSS, _fmt, _hms
from kyphos.views.summary import Summary


@dataclass(frozen=True)
class Measure:
    key: str
    title: str
    unit: str
    better: str  # "higher" or "lower"


MEASURES = (
    Measure("posture_score", "Posture score", "/100", "higher"),
    Measure("over_60_pct", "Time bent > 60°", "% of worn time", "lower"),
    Measure("slouch_per_h", "Slouch episodes per hour", "per hour worn", "lower"),
    Measure("good_form_pct", "Lifts with good form", "% of lifts", "higher"),
)


def usable(s: Summary) -> bool:
    """A visit that enters the trends: analysed and valid (processing.plausibility)."""
    return s.ok and s.valid


def trend_warnings(visits: list[Summary]) -> list[str]:
    """One line per visit left out of the trends, and one if fewer than two visits remain."""
    out = []
    for s in visits:
        if not s.ok:
            out.append(f"{s.file}: could not be analysed ({s.error or ''}) — left out of the "
                       "trends")
        elif not s.valid:
            why = s.warnings[0] if s.warnings else "below the bar for a score"
            out.append(f"{s.file}: not a valid assessment ({why}) — left out of the trends")
    n = sum(1 for s in visits if usable(s))
    if n < 2:
        out.append(f"only {n} usable visit{'s' if n != 1 else ''}: a trend needs at least two "
                   "analysed, valid visits, so nothing is compared")
    return out


def measures(s: Summary) -> dict[str, float | None]:
    """The compared measures of one visit (None where not available or not valid)."""
    if not usable(s):
        none: dict[str, float | None] = {m.key: None for m in MEASURES}
        return none | {"slouch_episodes": None}
    h = s.wear_s / 3600.0
    return {
        "posture_score": s.posture_score,
        "over_60_pct": s.over_60_pct,
        "slouch_per_h": round(len(s.slouch_episodes) / h, 2) if h > 0 else None,
        "slouch_episodes": float(len(s.slouch_episodes)),
        "good_form_pct": s.good_form_pct,
    }


def order_visits(summaries: list[Summary], allow_mixed: bool = False) -> list[Summary]:
    """Visits in date order (undated last, by file name); refuses several subjects."""
    subjects = sorted({s.subject for s in summaries if s.ok and s.subject != "unknown"})
    if len(subjects) > 1 and not allow_mixed:
        raise KyphosError(
            f"the recordings are of {len(subjects)} subjects ({', '.join(subjects)}): compare "
            "one subject's visits, or pass --allow-mixed-subjects")
    return sorted(summaries, key=lambda s: (s.start_utc is None, s.start_utc or "", s.file))


def _change(m: Measure, first: float | None, last: float | None) -> str:
    if first is None or last is None:
        return "–"
    d = last - first
    if abs(d) < 1e-9:
        return "no change"
    good = (d > 0) == (m.better == "higher")
    return f"{d:+.1f} ({'better' if good else 'worse'})"


def assessment_section(visits: list[Summary]) -> str | None:
    """ROM across assessment visits and exercise adherence (``kyphos assess`` / ``exercise``
    recordings), from :func:`kyphos.assess.report.compare_section`; None if there are none."""
    marked = [s for s in visits if s.kind]
    if not marked:
        return None
    import kyphos
    from kyphos.assess.report import compare_section

    sessions = [kyphos.load(s.path) for s in marked]
    sec = compare_section(sessions, labels=[s.date.replace(" UTC", "") for s in marked])
    return None if sec is None else sec.html


def html_document(summaries: list[Summary], allow_mixed: bool = False) -> str:
    visits = order_visits(summaries, allow_mixed)
    ok = [s for s in visits if usable(s)]
    subject = ", ".join(sorted({s.subject for s in visits})) or "unknown"
    dates = [s.date.replace(" UTC", "") for s in ok]
    vals = [measures(s) for s in ok]
    e = html.escape
    out = [f'<section class="report"><h1>Progress across visits</h1>'
           f'<p class="meta">Subject <b>{e(subject)}</b> · {len(visits)} visit(s)'
           + (f" · {e(ok[0].date)} to {e(ok[-1].date)}" if ok else "") + "</p>"]
    out.extend(f'<p class="warn">{e(w)}.</p>' for w in trend_warnings(visits))
    if len(ok) >= 2:
        out.append('<h2>Trends</h2><div class="twocol trends">')
        for m in MEASURES:
            series = [v[m.key] for v in vals]
            out.append(f'<div class="fig trend" id="trend-{m.key}">'
                       + plots.svg(plots.trend_figure(dates, series, m.title, m.unit))
                       + f'<p class="src">{m.better} is better; first → last: '
                       f"{e(_change(m, series[0], series[-1]))}</p></div>")
        out.append("</div>")
    try:
        extra = assessment_section(visits)
    except Exception as exc:  # noqa: BLE001 (a section must never stop the page)
        extra = f'<p class="warn">The assessment section could not be made: {e(str(exc))}</p>'
    if extra:
        out.append(f'<div class="extra">{extra}</div>')
    out.append('<h2>Visits</h2><div class="tablewrap"><table id="visits"><thead><tr>'
               "<th>date</th><th>file</th><th class=\"n\">worn</th>"
               '<th class="n">posture score</th><th class="n">bent &gt; 60°</th>'
               '<th class="n">slouch episodes</th><th class="n">per hour</th>'
               '<th class="n">lifts</th><th class="n">good form</th></tr></thead><tbody>')
    for s in visits:
        v = measures(s)
        out.append(
            f"<tr><td>{e(s.date)}</td><td>{e(s.file)}</td>"
            f'<td class="n">{e(_hms(s.wear_s)) if s.ok else "–"}</td>'
            f'<td class="n">{_fmt(v["posture_score"], 0)}</td>'
            f'<td class="n">{_fmt(v["over_60_pct"], 1, " %")}</td>'
            f'<td class="n">{_fmt(v["slouch_episodes"], 0)}</td>'
            f'<td class="n">{_fmt(v["slouch_per_h"], 1)}</td>'
            f'<td class="n">{len(s.lifts) if usable(s) else "–"}</td>'
            f'<td class="n">{_fmt(v["good_form_pct"], 0, " %")}</td></tr>')
    out.append("</tbody></table></div>")
    out.append('<p class="foot">Measures as in each visit\'s report (docs/report.md); the '
               "posture score and form score are kyphos scales for following one person over "
               "time, not diagnostic (docs/scoring.md §5, §8, §10). Slouch episodes are given per "
               "hour worn because visits differ in length.</p></section>")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>kyphos progress – {e(subject)}</title><style>{CSS}</style></head><body><main>"
        + "\n".join(out) + "</main></body></html>\n"
    )
