"""The report's figures, drawn with matplotlib's object API (no pyplot: safe in worker
processes and without a display). ``svg(fig)`` gives the inline SVG text for HTML."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from kyphos.metrics.lifts import GOOD_FORM_SCORE as GOOD_FORM_SCORE  # re-exported (review)
from kyphos.metrics.lifts import TWIST_OK_DEG
from kyphos.views.recommend import lift_class
from kyphos.views.summary import Summary

ZONE_COLORS = {"extension": "#9467bd", "0_20": "#2ca02c", "20_60": "#ffbf00", "over_60": "#d62728"}
ZONE_LABELS = {"extension": "leaning back (< −5°)", "0_20": "upright (−5–20°)",
               "20_60": "forward 20–60°", "over_60": "far forward (> 60°)"}
SLOUCH_COLOR = "#ff7f0e"
#: The activity band above the timeline (kyphos.processing.activity.KINDS).
ACTIVITY_COLORS = {"standing": "#9ecae1", "sitting": "#fdd0a2", "walking": "#74c476",
                   "lying": "#bcbddc", "transition": "#636363"}
REREF_COLOR = "#e7298a"
CAL_COLOR = "#8c6bb1"
#: Lift markers by :func:`kyphos.views.recommend.lift_class`: colour and legend label.
LIFT_CLASSES = {"good": ("#2ca02c", "lift, nothing to correct"),
                "fix": ("#e69500", "lift, score ≥ 70 with a correction"),
                "bad": ("#d62728", "lift, needs work"),
                "unscored": ("#7f7f7f", "lift (not scored: not valid)")}


def time_axis(t_s: np.ndarray, duration_s: float) -> tuple[np.ndarray, str]:
    """Times in the unit that suits the recording's length: min below 2 h, else h."""
    if duration_s < 7200:
        return np.asarray(t_s) / 60.0, "time from start (min)"
    return np.asarray(t_s) / 3600.0, "time from start (h)"


def timeline_figure(s: Summary, width_in: float = 10.0, height_in: float = 3.2) -> Figure:
    """Flexion over the whole session (bin min–max band and mean), zone lines, slouch episodes
    (orange bars along the top), lifts (triangles at their peak, coloured by
    :func:`~kyphos.views.recommend.lift_class`), the calibration (purple, labelled "cal"),
    clip slips re-referenced (dotted, "re-ref") and the day's activity as a band above
    (:func:`draw_activity_band`)."""
    fig = Figure(figsize=(width_in, height_in), dpi=100)
    # room above for the activity band and its key
    draw_timeline(fig.add_axes((0.07, 0.3, 0.91, 0.56 if s.activity else 0.64)), s)
    return fig


def draw_timeline(ax: Any, s: Summary, fontsize: float = 7.0) -> None:
    """The timeline of :func:`timeline_figure` into existing axes."""
    t = np.asarray(s.timeline_t, float)
    x, xlabel = time_axis(t, s.duration_s)
    lo = np.asarray(s.timeline_min, float)
    hi = np.asarray(s.timeline_max, float)
    ax.axhspan(60, 120, color=ZONE_COLORS["over_60"], alpha=0.07, lw=0)
    ax.axhspan(20, 60, color=ZONE_COLORS["20_60"], alpha=0.07, lw=0)
    for y in (20, 60):
        ax.axhline(y, color="0.5", lw=0.6, ls="--")
    if len(x):
        ax.fill_between(x, lo, hi, color="#1f77b4", alpha=0.35, lw=0, label="flexion range")
        ax.plot(x, np.asarray(s.timeline_mean, float), color="#1f77b4", lw=0.8, label="flexion")
    scale = (x[-1] / t[-1]) if len(t) and t[-1] > 0 else 1 / 60
    top = float(np.nanmax(hi)) if len(hi) and np.isfinite(hi).any() else 60.0
    ymax = max(75.0, min(120.0, top + 10))
    for i, (a, b, _pk) in enumerate(s.slouch_episodes):
        ax.axvspan(a * scale, b * scale, ymin=0.94, ymax=1.0, color=SLOUCH_COLOR, lw=0,
                   label="slouch episode" if i == 0 else None)
    for g0, g1 in s.gaps:
        ax.axvspan(g0 * scale, g1 * scale, color="0.85", lw=0)
    cal = s.calibration or {}
    spans = [tuple(b) for b in cal.get("calibration_bends_s") or []]
    if cal.get("upright_s") and str(cal.get("method", "")) != "auto":
        spans.insert(0, tuple(cal["upright_s"]))  # an explicit upright window (auto: spread)
    for i, (a, b) in enumerate(spans):
        ax.axvspan(a * scale, b * scale, ymin=0.0, ymax=0.06, color=CAL_COLOR, lw=0,
                   label="calibration" if i == 0 else None)
        ax.annotate("cal", (0.5 * (a + b) * scale, -17), ha="center", fontsize=fontsize - 1,
                    color=CAL_COLOR)
    if s.lifts:
        px = np.array([lf["peak_s"] for lf in s.lifts]) * scale
        py = np.array([lf["peak_flexion_deg"] for lf in s.lifts])
        cls = np.array([lift_class(lf) for lf in s.lifts])
        for name, (col, label) in LIFT_CLASSES.items():
            sel = cls == name
            if sel.any():
                ax.scatter(px[sel], py[sel], marker="v", s=18, color=col, zorder=3, label=label)
    labelled: set[bool] = set()
    for rr in s.re_references:  # clip slips re-referenced, and the wearer's later calibrations
        user = str(rr.get("why", "")).startswith("calibration")
        ax.axvline(float(rr["t_s"]) * scale, color=REREF_COLOR, lw=0.9, ls=":",
                   label=None if user in labelled else
                   "calibrated again (c)" if user else "clip slip, re-referenced")
        labelled.add(user)
        ax.annotate(f"{'c' if user else 're-ref'} {abs(float(rr['deg'])):.0f}°",
                    (float(rr["t_s"]) * scale, ymax - 4),
                    ha="left", va="top", fontsize=fontsize - 1, color=REREF_COLOR, rotation=90)
    ax.set_ylim(-20, ymax)
    if len(x):
        ax.set_xlim(0, max(float(x[-1]), 1e-6))
    if s.activity:
        draw_activity_band(ax.inset_axes((0.0, 1.01, 1.0, 0.07)), s, scale, fontsize)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("forward bend (°)")
    ax.legend(loc="upper left", fontsize=fontsize, ncol=5, frameon=False,
              bbox_to_anchor=(0, -0.3))
    ax.grid(axis="x", color="0.9", lw=0.5)


def draw_activity_band(ax: Any, s: Summary, scale: float, fontsize: float = 7.0) -> None:
    """The day's activity as a coloured band (``s.activity``: lying, sitting, standing,
    walking, transitions), on the timeline's time axis (``scale``: s → axis unit), with a
    legend of the kinds present and their share of the time."""
    present: dict[str, bool] = {}
    for a, b, kind in s.activity:  # per interval of one kind
        ax.axvspan(a * scale, b * scale, color=ACTIVITY_COLORS.get(kind, "0.8"), lw=0)
        present[kind] = True
    ax.set_xlim(0, max(s.duration_s * scale, 1e-6))
    ax.set_ylim(0, 1)
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    labels = [f"{k} {s.activity_pct.get(k, 0.0):.0f} %" for k in ACTIVITY_COLORS if k in present]
    if s.steps:
        labels.append(f"{s.steps} steps")
    ax.text(1.0, 1.15, "   ".join(labels), transform=ax.transAxes, ha="right", va="bottom",
            fontsize=fontsize - 1, color="0.3")
    x0 = 0.0
    for k in ACTIVITY_COLORS:  # colour key, left
        if k in present:
            ax.text(x0, 1.15, "■", transform=ax.transAxes, color=ACTIVITY_COLORS[k],
                    fontsize=fontsize, va="bottom")
            ax.text(x0 + 0.012, 1.15, k, transform=ax.transAxes, fontsize=fontsize - 1,
                    va="bottom", color="0.3")
            x0 += 0.09


def lifts_figure(s: Summary, width_in: float = 5.0, height_in: float = 3.0) -> Figure:
    """Each lift as a point: peak flexion against signed twist (+ right, as in the table),
    coloured by form score."""
    fig = Figure(figsize=(width_in, height_in), dpi=100)
    draw_lifts(fig.add_axes((0.13, 0.17, 0.72, 0.76)), s)
    return fig


def draw_lifts(ax: Any, s: Summary) -> None:
    """The lift scatter of :func:`lifts_figure` into existing axes."""
    fig = ax.figure
    fx = [lf["peak_flexion_deg"] for lf in s.lifts]
    tw = [float(lf["twist_deg"] or 0.0) for lf in s.lifts]
    scores = [lf["score"] for lf in s.lifts]
    if s.lifts and all(v is not None for v in scores):
        sc = ax.scatter(fx, tw, c=scores, cmap="RdYlGn", vmin=0,
                        vmax=100, s=22, edgecolors="0.3", linewidths=0.4)
        cb = fig.colorbar(sc, ax=ax, fraction=0.05, pad=0.02)
        cb.set_label("form score")
    elif s.lifts:  # not valid: no scores to colour by
        ax.scatter(fx, tw, color="0.5", s=22, edgecolors="0.3", linewidths=0.4)
    ax.axvline(45, color="0.5", lw=0.6, ls="--")
    for y in (-TWIST_OK_DEG, TWIST_OK_DEG):
        ax.axhline(y, color="0.5", lw=0.6, ls="--")
    ax.axhline(0, color="0.75", lw=0.5)
    lim = max([30.0, *(abs(t) for t in tw)]) + 3
    ax.set_xlim(min([20.0, *fx]) - 2, max([95.0, *fx]) + 2)
    ax.set_ylim(-lim, lim)
    ax.set_xlabel("peak forward bend (°)")
    ax.set_ylabel("twist (°, + right, − left)")


def trend_figure(dates: list[str], values: list[float | None], title: str, unit: str,
                 width_in: float = 4.6, height_in: float = 2.4) -> Figure:
    """One progress measure across visits (points joined in date order)."""
    fig = Figure(figsize=(width_in, height_in), dpi=100)
    ax = fig.add_axes((0.14, 0.28, 0.82, 0.58))
    xs = np.arange(len(dates))
    v = np.array([np.nan if x is None else x for x in values], float)
    ax.plot(xs, v, marker="o", color="#1f77b4")
    for xi, vi in zip(xs, v, strict=True):
        if np.isfinite(vi):
            ax.annotate(f"{vi:.3g}", (xi, vi), textcoords="offset points", xytext=(0, 5),
                        ha="center", fontsize=7)
    ax.set_xticks(xs, dates, fontsize=7, rotation=20, ha="right")
    ax.set_xlim(-0.5, len(dates) - 0.5)
    lo_hi = trend_limits(v)
    if lo_hi is not None:
        ax.set_ylim(*lo_hi)
    ax.set_title(title, fontsize=9)
    ax.set_ylabel(unit, fontsize=8)
    ax.tick_params(axis="y", labelsize=7)
    return fig


def trend_limits(v: np.ndarray) -> tuple[float, float] | None:
    """y limits of a trend from its values: 15 % margins, from 0 when nothing is negative
    (every compared measure is a count, share or score ≥ 0), and for a flat series a span of
    a fifth of its value (at least 1 unit) above it — never an axis below zero for counts."""
    f = np.asarray(v, float)
    f = f[np.isfinite(f)]
    if len(f) == 0:
        return None
    lo, hi = float(f.min()), float(f.max())
    span = hi - lo if hi > lo else max(0.2 * abs(hi), 1.0)
    bottom = 0.0 if lo >= 0 else lo - 0.15 * span
    return bottom, hi + 0.15 * span if hi > lo else hi + span


def svg(fig: Figure, **kw: Any) -> str:
    """The figure as an inline ``<svg>`` element (no XML prolog), text kept as text."""
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    FigureCanvasSVG(fig)
    buf = io.StringIO()
    import matplotlib

    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "kyphos"}):
        fig.savefig(buf, format="svg", **kw)
    text = buf.getvalue()
    return text[text.index("<svg"):]
