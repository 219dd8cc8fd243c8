"""The review report of one recording: a self-contained HTML file (plots inline as SVG, no
network needed) and an A4 PDF drawn with matplotlib.

Layout, one-page summary first: who and when; key numbers (posture score, time in zones, slouch,
lifts, good form, risk); recommendations; flexion timeline with slouch episodes and lifts; then
the lift table, the lifting risk summary and a methods-and-limits footnote (docs/scoring.md).
A recording that could not be read or analysed gives a report that says so.
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kyphos.metrics.style import HIP_PER_HEIGHT, STYLE_NO_HIP_NOTE
from kyphos.recording.quality import describe
from kyphos.views import plots
from kyphos.views.recommend import lift_class, recommendations, risk_band
from kyphos.views.summary import Summary

#: Most lift rows in a report; beyond that the lowest-scoring lifts are shown (in time order).
MAX_LIFT_ROWS = 100

CSS = """
:root { --fg:#1b1b1b; --muted:#5a5a5a; --line:#d9d9d9; --accent:#2b4c7e; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  color: var(--fg); margin: 0; padding: 12px; line-height: 1.4; background: #fff; }
main { max-width: 980px; margin: 0 auto; }
section.report + section.report { break-before: page; margin-top: 48px; }
h1 { font-size: 1.45rem; margin: 0 0 4px; } h2 { font-size: 1.1rem; margin: 22px 0 8px;
  border-bottom: 2px solid var(--accent); padding-bottom: 2px; }
.meta { color: var(--muted); margin: 0 0 12px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); gap: 8px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 8px 10px; }
.card .v { font-size: 1.5rem; font-weight: 700; } .card .k { color: var(--muted); font-size: .85rem; }
.zones { display: flex; height: 22px; border-radius: 4px; overflow: hidden; margin: 6px 0; }
.zones div { height: 100%; }
.legend span { display: inline-block; margin-right: 12px; font-size: .85rem; }
.legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }
.fig svg { width: 100%; height: auto; }
.fig.wide { overflow-x: auto; } .fig.wide svg { min-width: 620px; }
.twocol { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 12px; }
.trends { grid-template-columns: repeat(auto-fit, minmax(380px, 1fr)); }
ul.rec li { margin-bottom: 6px; } .src { color: var(--muted); font-size: .8rem; }
.tablewrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .85rem; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 6px; text-align: left; vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.bad td.n.score { color: #b00; font-weight: 700; }
tr.fix td.n.score { color: #a86400; font-weight: 700; }
.invalid { border: 2px solid #b00; background: #fff3f3; padding: 8px 12px; border-radius: 8px;
  margin: 8px 0; } .invalid h2 { border: 0; margin: 0 0 4px; color: #b00; }
.banner { border-left: 4px solid #e69500; background: #fff8e6; padding: 6px 10px; margin: 8px 0; }
.error { border: 2px solid #b00; background: #fff3f3; padding: 12px; border-radius: 8px; }
.warn { border-left: 4px solid #e69500; background: #fff8e6; padding: 6px 10px; margin: 8px 0; }
footer, .foot { color: var(--muted); font-size: .8rem; margin-top: 24px; }
@media (max-width: 600px) { body { padding: 8px; } h1 { font-size: 1.2rem; }
  .card .v { font-size: 1.25rem; } table { font-size: .78rem; } }
@media print { @page { size: A4; margin: 12mm; } body { padding: 0; font-size: 10pt; }
  main { max-width: none; } .card { break-inside: avoid; } .fig { break-inside: avoid; }
  tr { break-inside: avoid; } h2 { break-after: avoid; } .pagebreak { break-before: page; } }
"""

METHODS = (
    "Methods and limits. One motion sensor (IMU) on the upper back measures how far the upper "
    "trunk leans from vertical (forward bend includes hip flexion) and how fast it turns; it "
    "cannot see the load, the knees or the lower back on their own. Zones follow ISO 11226 / "
    "EN 1005-4; slouch is 8° past the wearer's own calibrated upright for at least 10 s; a "
    "\"lift\" is any quick deep bend-and-return; style, form score and the risk index are kyphos "
    "estimates, not validated on people and not diagnostic. Percentages are of measured (worn) "
    "time. Every threshold and its source: docs/scoring.md."
)


def _e(x: Any) -> str:
    return html.escape(str(x))


def _hms(s: float) -> str:
    s = int(round(s))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h} h {m:02d} min" if h else f"{m} min {sec:02d} s"


def _clock(t: float) -> str:
    t = int(t)
    return f"{t // 3600}:{t % 3600 // 60:02d}:{t % 60:02d}"


def _fmt(v: Any, nd: int = 0, unit: str = "") -> str:
    if v is None:
        return "–"
    return f"{round(float(v), nd) + 0.0:.{nd}f}{unit}"  # + 0.0: no "-0"


def lift_rows(s: Summary) -> tuple[list[tuple[int, dict[str, Any]]], int]:
    """(number, lift) rows for the table; all lifts, or the :data:`MAX_LIFT_ROWS` lowest-scoring
    in time order; and how many were left out."""
    rows = list(enumerate(s.lifts, 1))
    if len(rows) <= MAX_LIFT_ROWS:
        return rows, 0
    worst = sorted(rows, key=lambda r: (r[1]["score"], r[0]))[:MAX_LIFT_ROWS]
    return sorted(worst), len(rows) - MAX_LIFT_ROWS


def key_numbers(s: Summary) -> list[tuple[str, str]]:
    """(value, label) of the summary cards."""
    z = s.zones_pct
    n = len(s.lifts)
    return [
        (_fmt(s.posture_score, 0, "/100"), "posture score"),
        (_fmt(z.get("0_20"), 0, " %"), "time upright (−5–20°)"),
        (_fmt(z.get("over_60"), 1, " %"), "time bent > 60°"),
        (f"{len(s.slouch_episodes)}", f"slouch episodes ({_fmt(s.slouch_pct, 0, ' %')} of time)"),
        (f"{n}", f"lifts ({_fmt(s.lift_rate_per_h, 0)}/h)"),
        (_fmt(s.good_form_pct, 0, " %"), "lifts scoring ≥ 70 (form score)"),
        (_risk_value(s), "lifting risk index (0–1, band)"),
    ]


def wearer_text(s: Summary) -> str:
    """The wearer block (``analyze --hip-height-m`` / ``--height-m``): the hip height, where it
    came from and the style rule it drove; without one, that the lifts' styles are less
    certain (when there are lifts); else ""."""
    w = s.wearer
    if not w:
        return (f"Lift style {STYLE_NO_HIP_NOTE} (docs/scoring.md section 7)."
                if s.lifts and s.kind is None else "")
    hip = w.get("hip_height_m")
    src = ("given as the hip height" if w.get("source") == "hip_height_m" else
           f"from the body height {_fmt(w.get('height_m'), 2, ' m')} × {HIP_PER_HEIGHT:.3f}")
    return (f"Wearer: hip height {_fmt(hip, 2, ' m')} ({src}); lift style named by "
            f"{w.get('style_by', 'knee drop / hip height')} (docs/scoring.md section 7).")


def style_rule_text(s: Summary) -> str:
    """One line for the lifts (the JSON's ``"style_rule"``): the rule that named their styles,
    the calibration bend whose lever it used and, after a later calibration's guided bend (the
    wearer re-seated the clip and pressed ``c`` again), from when that bend's lever named them;
    "" without lifts or a rule."""
    rule = s.style_rule
    if not s.lifts or not rule:
        return ""
    text = f"Lift styles named by the {rule.get('by', 'knee drop')}"
    later = rule.get("later_bends_from_s") or []
    bends = s.calibration.get("calibration_bends_s") or []  # the first calibration's, then
    first = [b for b in bends if not later or b[0] < later[0]]  # each later c's guided bend
    closed = "closed-bend" in str(rule.get("by"))
    if closed and first:  # the lever came from a bend
        text += (f", with the lever of the calibration bend at {_clock(first[0][0])}"
                 if len(first) == 1 else
                 f", with the lever of the calibration bends from {_clock(first[0][0])}")
    for t in later:  # each later calibration's bend: its lever (link) from its upright on
        at = [b[0] for b in bends if b[0] >= t]
        text += (f"; from {_clock(t)} on, with the {'lever' if closed else 'trunk link'} of "
                 "the later calibration's bend" + (f" at {_clock(at[0])}" if at else ""))
    return text + "."


def _risk_value(s: Summary) -> str:
    """"0.42 moderate": the index and its band (docs/scoring.md §9), or "–"."""
    idx = s.risk.get("index")
    return "–" if idx is None else f"{_fmt(idx, 2)} {risk_band(float(idx))}"


def validity_banner(s: Summary) -> str:
    """The banner at the top: "not a valid assessment" with the reasons, or the notes."""
    items = "".join(f"<li>{_e(w)}</li>" for w in s.warnings)
    if not s.valid:
        return ('<div class="invalid" id="validity"><h2>Not a valid assessment</h2>'
                "<p>This recording is below the bar for a score: it shows no posture score, no "
                f"form scores and no recommendations.</p><ul>{items}</ul></div>")
    if s.warnings:
        return f'<div class="warn" id="validity"><b>Notes on the data</b><ul>{items}</ul></div>'
    return ""


def _section_error(s: Summary) -> str:
    return (
        f'<section class="report"><h1>Posture and lifting report</h1>'
        f'<p class="meta">File <b>{_e(s.file)}</b> · subject {_e(s.subject)} · {_e(s.date)}</p>'
        f'<div class="error"><h2>No report: this recording could not be analysed</h2>'
        f"<p>{_e(s.error)}</p><p>Check that the file is a complete kyphos recording (.kyr or "
        f"CSV) with at least a few seconds of sensor data, and record again if needed.</p>"
        f"</div></section>"
    )


def _section(s: Summary) -> str:
    if not s.ok:
        return _section_error(s)
    out = ['<section class="report">', "<h1>Posture and lifting report</h1>"]
    cal = s.calibration
    out.append(
        f'<p class="meta">Subject <b>{_e(s.subject)}</b> · {_e(s.date)} · recorded '
        f"{_e(_hms(s.duration_s))}, worn (measured) {_e(_hms(s.wear_s))} · file {_e(s.file)} · "
        f"calibration {_e(cal.get('method'))} (confidence {_e(cal.get('confidence'))})"
        + (f' · <span id="data-quality">{_e(describe(s.data_quality))}</span>'
           if s.data_quality else "") + "</p>"
    )
    out.append(validity_banner(s))
    out.append('<h2>Summary</h2><div class="cards">')
    for v, k in key_numbers(s):
        out.append(f'<div class="card"><div class="v">{_e(v)}</div><div class="k">{_e(k)}</div></div>')
    out.append("</div>")
    out.append('<h2>Time in zones (forward bend)</h2>')
    if not s.zones_pct:
        out.append("<p>Not shown: the angles cannot be trusted (see the box above).</p>")
    else:
        _zones_html(s, out)
    out.append('<h2>Recommendations</h2><ul class="rec">')
    for r in recommendations(s):
        out.append(f'<li>{_e(r.text)} <span class="src">[{_e(r.id)}: {_e(r.source)}]</span></li>')
    out.append("</ul>")
    if not s.valid:
        out.append("<p>None: the recording is not a valid assessment (see the box above).</p>")
    out.extend(f'<div class="extra">{frag}</div>' for frag in s.sections)
    out.append('<h2>Forward bend over the session</h2><div class="fig wide" id="timeline">')
    out.append(plots.svg(plots.timeline_figure(s)))
    out.append('</div><p class="src">Blue: forward bend of the upper back (band: range within '
               'each time step). Orange bars at the top: slouch episodes. Triangles: lifts '
               '(green: nothing to correct; amber: score ≥ 70 but a reason to correct; red: '
               'score below 70; grey: not scored, the recording is not valid). Purple "cal": '
               'the calibration (upright and bends, not lifts). '
               'Grey: no data.</p>')
    out.append('<h2 class="pagebreak">Lifts</h2>')
    if who := wearer_text(s):
        out.append(f'<p id="wearer">{_e(who)}</p>')
    if rule := style_rule_text(s):
        out.append(f'<p id="style-rule">{_e(rule)}</p>')
    rows, left_out = lift_rows(s)
    if not rows:
        out.append("<p>No lifts were detected in this recording.</p>")
    else:
        styles = ", ".join(f"{k} {v}" for k, v in s.lift_styles.items() if v)
        n_good = sum(1 for lf in s.lifts if lift_class(lf) == "good")
        out.append(f"<p>{len(s.lifts)} lifts ({styles}); "
                   f"{_fmt(s.good_form_pct, 0, ' %')} scored 70 or more; {n_good} with nothing "
                   "to correct.</p>")
        if left_out:
            out.append(f'<p class="warn">The table shows the {len(rows)} lowest-scoring lifts; '
                       f"{left_out} more are in <code>kyphos analyze --json</code>.</p>")
        out.append('<div class="twocol"><div class="fig" id="liftplot">')
        out.append(plots.svg(plots.lifts_figure(s)))
        out.append("</div><div>" + _risk_html(s) + "</div></div>")
        out.append('<div class="tablewrap"><table id="lifts"><thead><tr><th class="n">#</th>'
                   '<th>time</th><th>style</th><th class="n">peak bend</th><th class="n">twist</th>'
                   '<th class="n">side lean</th><th class="n">speed</th><th class="n">score</th>'
                   "<th>reasons</th></tr></thead><tbody>")
        for i, lf in rows:
            cls = lift_class(lf)
            bad = f' class="{cls}"' if cls in ("fix", "bad") else ""
            out.append(
                f"<tr{bad}><td class=\"n\">{i}</td><td>{_clock(lf['start_s'])}</td>"
                f"<td>{_e(lf['style'])}</td><td class=\"n\">{lf['peak_flexion_deg']:.0f}°</td>"
                f"<td class=\"n\">{_fmt(lf['twist_deg'], 0, '°')}</td>"
                f"<td class=\"n\">{_fmt(lf['lateral_deg'], 0, '°')}</td>"
                f"<td class=\"n\">{_fmt(lf['peak_flexion_velocity_dps'], 0, '°/s')}</td>"
                f"<td class=\"n score\">{_fmt(lf['score'], 0)}</td>"
                f"<td>{_e('; '.join(lf['reasons']))}</td></tr>"
            )
        out.append("</tbody></table></div>")
    if not rows:
        out.append(_risk_html(s))
    out.append(f'<p class="foot" id="methods">{_e(METHODS)}</p></section>')
    return "\n".join(out)



def _zones_html(s: Summary, out: list[str]) -> None:
    out.append('<div class="zones">')
    for key, col in plots.ZONE_COLORS.items():
        pct = float(s.zones_pct.get(key) or 0.0)
        out.append(f'<div style="width:{pct:.2f}%;background:{col}" '
                   f'title="{_e(plots.ZONE_LABELS[key])} {pct:.1f} %"></div>')
    out.append('</div><div class="legend">')
    for key, col in plots.ZONE_COLORS.items():
        out.append(f'<span><i style="background:{col}"></i>{_e(plots.ZONE_LABELS[key])} '
                   f'{_fmt(s.zones_pct.get(key), 1, " %")}</span>')
    out.append(f"</div><p>Forward bends held longer than ISO 11226 allows: "
               f"<b>{s.holding_violations}</b>.</p>")


def _risk_html(s: Summary) -> str:
    r = s.risk
    terms = r.get("terms") or {}
    names = {
        "lift_rate_per_h": ("lift rate", "/h"),
        "max_sagittal_flexion_deg": ("deepest bend", "°"),
        "max_lateral_velocity_dps": ("fastest side bend", "°/s"),
        "avg_twisting_velocity_dps": ("mean twisting speed", "°/s"),
        "max_moment_nm": ("load moment", " N·m"),
    }
    rows = []
    for k, (label, unit) in names.items():
        v = r.get(k)
        rows.append(f"<tr><td>{label}</td><td class=\"n\">{_fmt(v, 1, unit)}</td>"
                    f"<td class=\"n\">{_fmt(terms.get(k), 2)}</td></tr>")
    return (
        f'<h3>Lifting risk summary</h3><p>Kinematic risk index <b>{_e(_risk_value(s))}</b> '
        "(0–1; bands: low below 0.3, moderate 0.3–0.5, high from 0.5 — a kyphos choice, "
        "docs/scoring.md §9).</p><table id=\"risk\"><thead><tr><th>variable</th><th class=\"n\">"
        f"value</th><th class=\"n\">term</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
        f'<p class="src">{_e(r.get("note", ""))} (docs/scoring.md §9)</p>'
    )


def _risk_lines(s: Summary) -> list[tuple[str, str]]:
    r = s.risk
    return [("risk index (0–1)", _risk_value(s)),
            ("lift rate", _fmt(r.get("lift_rate_per_h"), 0, "/h")),
            ("deepest bend", _fmt(r.get("max_sagittal_flexion_deg"), 0, "°")),
            ("fastest side bend", _fmt(r.get("max_lateral_velocity_dps"), 0, "°/s")),
            ("mean twisting speed", _fmt(r.get("avg_twisting_velocity_dps"), 1, "°/s")),
            ("load moment", _fmt(r.get("max_moment_nm"), 0, " N·m"))]


def html_document(summaries: list[Summary], title: str | None = None) -> str:
    """One self-contained HTML page with a report section per recording."""
    if title is None:
        title = "kyphos report – " + ", ".join(f"{s.subject} {s.date}" for s in summaries[:3])
    body = "\n".join(_section(s) for s in summaries)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body><main>\n{body}\n"
        "</main></body></html>\n"
    )


def write_html(summaries: list[Summary], out: str | os.PathLike[str]) -> Path:
    p = Path(out)
    p.write_text(html_document(summaries), encoding="utf-8")
    return p


# ---------------------------------------------------------------------------- PDF

A4_IN = (8.27, 11.69)


def _text_page(fig: Any, lines: Sequence[tuple[str, float, str]], y: float = 0.95) -> float:
    """Write (text, fontsize, weight) lines down the page from y; return the next y."""
    import textwrap

    for text, size, weight in lines:
        width = int(96 * 10 / size)  # characters that fit the A4 text width
        for part in textwrap.wrap(text, width) or [""]:
            fig.text(0.07, y, part, fontsize=size, weight=weight, va="top")
            y -= size / 72 / A4_IN[1] * 1.45
        y -= 0.004
    return y


def pdf_pages(s: Summary) -> list[Any]:
    """The report of one recording as A4 matplotlib Figures."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=A4_IN)
    if not s.ok:
        _text_page(fig, [("Posture and lifting report", 18, "bold"),
                         (f"File {s.file} · subject {s.subject} · {s.date}", 10, "normal"),
                         ("No report: this recording could not be analysed.", 13, "bold"),
                         (str(s.error), 10, "normal")])
        return [fig]
    cal = s.calibration
    lines = [
        ("Posture and lifting report", 18, "bold"),
        (f"Subject {s.subject} · {s.date} · recorded {_hms(s.duration_s)}, worn "
         f"{_hms(s.wear_s)} · file {s.file} · calibration {cal.get('method')} "
         f"(confidence {cal.get('confidence')})"
         + (f" · {describe(s.data_quality)}" if s.data_quality else ""), 9, "normal"),
    ]
    if not s.valid:
        lines.append(("NOT A VALID ASSESSMENT: no posture score, no form scores, no "
                      "recommendations.", 11, "bold"))
    lines += [(f"Warning: {w}", 9, "normal") for w in s.warnings]
    lines.append(("Summary", 13, "bold"))
    lines += [(f"{k}: {v}", 10, "normal") for v, k in key_numbers(s)]
    z = s.zones_pct
    lines.append(("Time in zones: " + ", ".join(
        f"{plots.ZONE_LABELS[k]} {_fmt(z.get(k), 1, ' %')}" for k in plots.ZONE_COLORS)
        + f"; held bends over the ISO 11226 limit: {s.holding_violations}", 9, "normal"))
    lines.append(("Recommendations", 13, "bold"))
    lines += [(f"• {r.text} [{r.id}]", 10, "normal") for r in recommendations(s)]
    if not s.valid:
        lines.append(("None: the recording is not a valid assessment.", 10, "normal"))
    y = _text_page(fig, lines)
    fig.text(0.07, y - 0.01, "Forward bend over the session", fontsize=13, weight="bold",
             va="top")
    # the axes' top sits below the title and the activity band drawn above the axes; the
    # timeline shrinks (to 0.15 of the page) rather than overlap them when the text is long
    # (with much text above, it stays at 0.36 of the page and may reach into the text)
    ax_top = y - 0.075
    h = min(0.2, max(0.15, ax_top - 0.36))
    ax_y = max(0.36, ax_top - h)
    plots.draw_timeline(fig.add_axes((0.1, ax_y, 0.86, h)), s, fontsize=6.5)
    if s.lifts:
        plots.draw_lifts(fig.add_axes((0.1, 0.14, 0.42, min(0.18, ax_y - 0.21))), s)
    fig.text(0.6, min(0.3, ax_y - 0.07), "Lifting risk summary\n\n" + "\n".join(
        f"{lab}: {val}" for lab, val in _risk_lines(s)), fontsize=8, va="top")
    fig.text(0.07, 0.03, METHODS, fontsize=6.5, wrap=True, va="bottom", color="0.35")
    pages = [fig]
    rows, left_out = lift_rows(s)
    per_page = 40
    for start in range(0, max(1, len(rows)), per_page):
        f2 = Figure(figsize=A4_IN)
        head = [("Lifts", 13, "bold")]
        if start == 0:
            head.append((f"{len(s.lifts)} lifts; scoring ≥ 70: {_fmt(s.good_form_pct, 0, ' %')}; "
                         f"risk index {_risk_value(s)} "
                         f"({s.risk.get('note', '')})", 9, "normal"))
            if who := wearer_text(s):
                head.append((who, 9, "normal"))
            if rule := style_rule_text(s):
                head.append((rule, 9, "normal"))
            if left_out:
                head.append((f"Showing the {len(rows)} lowest-scoring lifts; {left_out} more "
                             "in kyphos analyze --json.", 9, "normal"))
            if not rows:
                head.append(("No lifts were detected in this recording.", 10, "normal"))
        y2 = _text_page(f2, head)
        chunk = rows[start:start + per_page]
        if chunk:
            cells = [[str(i), _clock(lf["start_s"]), lf["style"],
                      f"{lf['peak_flexion_deg']:.0f}°", _fmt(lf["twist_deg"], 0, "°"),
                      _fmt(lf["lateral_deg"], 0, "°"), _fmt(lf["score"], 0),
                      "; ".join(lf["reasons"])[:70]] for i, lf in chunk]
            tab_h = 0.018 * (len(chunk) + 1)
            ax = f2.add_axes((0.05, y2 - tab_h - 0.01, 0.9, tab_h))
            ax.axis("off")
            t = ax.table(cellText=cells, colLabels=["#", "time", "style", "bend", "twist",
                                                    "lean", "score", "reasons"],
                         colWidths=[0.05, 0.09, 0.1, 0.07, 0.07, 0.07, 0.07, 0.48],
                         loc="upper left", cellLoc="left")
            t.auto_set_font_size(False)
            t.set_fontsize(7)
            for (r, _c), cell in t.get_celld().items():
                cell.set_height(1.0 / (len(chunk) + 1))
                cell.set_linewidth(0.3)
                if r > 0 and lift_class(chunk[r - 1][1]) in ("fix", "bad"):
                    bad = lift_class(chunk[r - 1][1]) == "bad"
                    cell.set_text_props(color="#b00000" if bad else "#a86400")
        f2.text(0.07, 0.03, "Methods and sources: docs/scoring.md", fontsize=7, color="0.35")
        pages.append(f2)
    return pages


def write_pdf(summaries: list[Summary], out: str | os.PathLike[str]) -> Path:
    """All recordings' reports, one after another, in one A4 PDF."""
    from matplotlib.backends.backend_pdf import PdfPages

    p = Path(out)
    with PdfPages(p, metadata={"Title": "kyphos posture and lifting report",
                               "Creator": "kyphos"}) as pdf:
        for s in summaries:
            for fig in pdf_pages(s):
                pdf.savefig(fig)
    return p
