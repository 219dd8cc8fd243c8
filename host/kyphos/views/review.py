"""The review window: a whole-session overview, a zoomed view and the selected lift's detail,
with PT notes kept in a sidecar JSON beside the recording (the recording is never written).

All behaviour is in :class:`Review`'s plain methods (``next_lift``, ``select_lift``,
``zoom_to``, ``add_note``, ``export_png`` …); the key and mouse handlers only map events to
them, so tests drive the same code with the Agg backend and synthetic events.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from kyphos.errors import KyphosError
from kyphos.views.plots import LIFT_CLASSES, SLOUCH_COLOR, time_axis
from kyphos.views.recommend import lift_class
from kyphos.views.summary import _timeline

#: Zoom window when a lift is selected: the lift plus this margin on each side, s.
LIFT_MARGIN_S = 4.0
DEFAULT_WINDOW_S = 60.0
HELP = ("n/→ next lift · p/← previous · click a lift to select, the overview to move · "
        "+/− zoom · click the note box, type, Enter · Delete: the lift's notes · e export PNG")


def sidecar_path(recording: str | os.PathLike[str]) -> Path:
    """Where the notes of ``recording`` are kept: ``<recording>.review.json``."""
    p = Path(recording)
    return p.with_name(p.name + ".review.json")


class Review:
    """Review state and drawing for one recording.

    Args:
        path: the recording (.kyr or .csv).
        figure: a matplotlib Figure to draw into (pyplot's for a window, a plain
            ``matplotlib.figure.Figure`` headless). A new plain Figure if None.
        analysis: a precomputed :class:`kyphos.analysis.Analysis` (else computed here).
        notes_path: the sidecar JSON (default ``<recording>.review.json``).
        analysis_options, load_kw: passed to :func:`~kyphos.analysis.analyze` and
            :func:`kyphos.load`.
    """

    def __init__(self, path: str | os.PathLike[str], figure: Any = None, analysis: Any = None,
                 notes_path: str | os.PathLike[str] | None = None,
                 analysis_options: dict[str, Any] | None = None, **load_kw: Any) -> None:
        import kyphos
        from kyphos.analysis import analyze
        from kyphos.processing.plausibility import gate_analysis

        self.path = Path(path)
        if analysis is None:
            try:
                session = kyphos.load(self.path, **load_kw)
                analysis = analyze(session, **(analysis_options or {}))
            except FileNotFoundError:
                raise KyphosError(f"no such file: {self.path}") from None
        # below the validity bar: no scores, no praise, no untrusted lifts (as the report)
        self.a = analysis = gate_analysis(analysis)
        self.notes_path = Path(notes_path) if notes_path else sidecar_path(self.path)
        self.notes: list[dict[str, Any]] = self._load_notes()
        ang = analysis.angles
        self.t = np.asarray(ang.time, float)
        self.flex = np.degrees(ang.flexion)
        self.lat = np.degrees(ang.lateral)
        self.axial = np.degrees(ang.axial)
        self.lifts = analysis.lifts
        self.peaks = np.array([lf.peak_s for lf in self.lifts], float)
        self.duration = float(self.t[-1]) if len(self.t) else 0.0
        self.selected: int | None = None
        self.window = (0.0, min(DEFAULT_WINDOW_S, max(self.duration, 1.0)))
        self.exported: list[Path] = []
        if figure is None:
            from matplotlib.figure import Figure

            figure = Figure(figsize=(13, 8))
        self.fig = figure
        self._build()
        if self.lifts:
            self.select_lift(0)
        else:
            self.redraw()

    # ------------------------------------------------------------------ notes (sidecar)

    def _load_notes(self) -> list[dict[str, Any]]:
        if not self.notes_path.exists():
            return []
        try:
            doc = json.loads(self.notes_path.read_text(encoding="utf-8"))
            return list(doc.get("notes", []))
        except (OSError, ValueError, AttributeError) as exc:
            raise KyphosError(f"cannot read the notes in {self.notes_path}: {exc}") from None

    def save(self) -> Path:
        """Write the notes to the sidecar JSON (atomically); the recording is untouched."""
        doc = {"recording": self.path.name, "format": "kyphos-review/1",
               "updated_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
               "notes": self.notes}
        from kyphos.fileio import write_text

        # the notes file is the review's own, updated in place (atomically); never the recording
        return write_text(self.notes_path, json.dumps(doc, indent=1, ensure_ascii=False),
                          force=True, inputs=[self.path], what="notes file")

    def add_note(self, text: str, t_s: float | None = None) -> dict[str, Any] | None:
        """Annotate the selected lift (or time ``t_s``, or the zoom centre) and save."""
        text = text.strip()
        if not text:
            return None
        lift = self.selected if t_s is None else None
        if t_s is None:
            t_s = (float(self.lifts[lift].peak_s) if lift is not None
                   else 0.5 * (self.window[0] + self.window[1]))
        note = {"t_s": round(float(t_s), 3), "lift": None if lift is None else lift + 1,
                "text": text}
        self.notes.append(note)
        self.save()
        self.redraw()
        return note

    def delete_lift_notes(self) -> int:
        """Remove the selected lift's notes; return how many."""
        if self.selected is None:
            return 0
        n0 = len(self.notes)
        self.notes = [n for n in self.notes if n.get("lift") != self.selected + 1]
        if len(self.notes) != n0:
            self.save()
            self.redraw()
        return n0 - len(self.notes)

    # ------------------------------------------------------------------ navigation

    def select_lift(self, i: int) -> None:
        """Select lift ``i`` (0-based), zoom to it and show its detail."""
        if not self.lifts:
            return
        i = int(np.clip(i, 0, len(self.lifts) - 1))
        self.selected = i
        lf = self.lifts[i]
        self.window = (lf.start_s - LIFT_MARGIN_S, lf.end_s + LIFT_MARGIN_S)
        self.redraw()

    def next_lift(self) -> None:
        if self.lifts:
            self.select_lift(0 if self.selected is None else self.selected + 1)

    def prev_lift(self) -> None:
        if self.lifts:
            self.select_lift(0 if self.selected is None else self.selected - 1)

    def zoom_to(self, t_center: float, width_s: float | None = None) -> None:
        w = width_s if width_s is not None else self.window[1] - self.window[0]
        w = float(np.clip(w, 2.0, max(self.duration, 2.0)))
        c = float(np.clip(t_center, w / 2, max(w / 2, self.duration - w / 2)))
        self.window = (c - w / 2, c + w / 2)
        self.redraw()

    def zoom(self, factor: float) -> None:
        c = 0.5 * (self.window[0] + self.window[1])
        self.zoom_to(c, (self.window[1] - self.window[0]) * factor)

    def lift_at(self, t_s: float, tolerance_s: float) -> int | None:
        """The lift whose span contains ``t_s``, else whose peak is within the tolerance."""
        for i, lf in enumerate(self.lifts):
            if lf.start_s <= t_s <= lf.end_s:
                return i
        if not len(self.peaks):
            return None
        j = int(np.argmin(np.abs(self.peaks - t_s)))
        return j if abs(self.peaks[j] - t_s) <= tolerance_s else None

    # ------------------------------------------------------------------ events

    def on_key(self, event: Any) -> None:
        if self.textbox is not None and self.textbox.capturekeystrokes:
            return  # typing a note
        k = event.key
        if k in ("n", "right"):
            self.next_lift()
        elif k in ("p", "left"):
            self.prev_lift()
        elif k in ("+", "="):
            self.zoom(0.5)
        elif k in ("-", "_"):
            self.zoom(2.0)
        elif k == "delete":  # not a letter: typing a note in the wrong place deletes nothing
            self.delete_lift_notes()
        elif k == "s":
            self.save()
        elif k == "e":
            self.export_png()

    def on_click(self, event: Any) -> None:
        if event.inaxes not in (self.ax_over, self.ax_zoom) or event.xdata is None:
            return
        scale = self._scale if event.inaxes is self.ax_over else 1.0
        t = float(event.xdata) / scale
        span = (self.duration if event.inaxes is self.ax_over
                else self.window[1] - self.window[0])
        i = self.lift_at(t, tolerance_s=0.01 * span)
        if i is not None:
            self.select_lift(i)
        elif event.inaxes is self.ax_over:
            self.zoom_to(t)

    def export_png(self, path: str | os.PathLike[str] | None = None, *,
                   force: bool = False) -> Path:
        """Save the current view as PNG (default ``<recording>.review-<t>s[-N].png``, the first
        name not taken), written under
        a temporary name and renamed when complete; an existing file is kept unless ``force``
        (:mod:`kyphos.fileio`)."""
        from kyphos.fileio import atomic_path

        if path is None:  # the window's `e` key: a new name each time, never an old export
            base = f"{self.path.name}.review-{self.window[0]:.0f}s"
            path = self.path.with_name(f"{base}.png")
            n = 2
            while Path(path).exists():
                path = self.path.with_name(f"{base}-{n}.png")
                n += 1
        p = Path(path)
        with atomic_path(p, force=force, inputs=[self.path, self.notes_path]) as tmp:
            self.fig.savefig(tmp, dpi=100, format=p.suffix.lstrip(".").lower() or "png")
        self.exported.append(p)
        return p

    # ------------------------------------------------------------------ drawing

    def _build(self) -> None:
        fig = self.fig
        fig.clear()
        gs = fig.add_gridspec(3, 2, height_ratios=[1.0, 2.2, 0.12], width_ratios=[3.2, 1.0],
                              left=0.06, right=0.98, top=0.95, bottom=0.05, hspace=0.35,
                              wspace=0.12)
        self.ax_over = fig.add_subplot(gs[0, :])
        self.ax_zoom = fig.add_subplot(gs[1, 0])
        self.ax_detail = fig.add_subplot(gs[1, 1])
        self.ax_detail.axis("off")
        ax_box = fig.add_subplot(gs[2, :])
        self.textbox: Any = None
        try:
            from matplotlib.widgets import TextBox

            self.textbox = TextBox(ax_box, "note ", initial="")
            self.textbox.on_submit(self._submit)
        except (ImportError, ValueError):  # no widgets: notes only through add_note()
            ax_box.axis("off")
        fig.suptitle(f"{self.path.name} — {HELP}", fontsize=8, y=0.995)
        # overview: binned min/max band and mean
        tt, mn, mean, mx = _timeline(self.t, self.flex, 2000)
        x, xlabel = time_axis(tt, self.duration)
        self._scale = float(x[-1] / tt[-1]) if len(tt) and tt[-1] > 0 else 1.0
        ax = self.ax_over
        ax.fill_between(x, mn, mx, color="#1f77b4", alpha=0.35, lw=0)
        ax.plot(x, mean, color="#1f77b4", lw=0.7)
        for a, b in ((e.start_s, e.end_s) for e in self.a.posture.slouch_episodes):
            ax.axvspan(a * self._scale, b * self._scale, ymin=0.92, color=SLOUCH_COLOR, lw=0)
        if self.lifts:
            # colours as in the report: they follow the lift's reasons, not the score alone
            cls = np.array([lift_class({"score": lf.score, "reasons": lf.reasons})
                            for lf in self.lifts])
            peak_f = np.array([lf.peak_flexion_deg for lf in self.lifts])
            px = self.peaks * self._scale
            for name, (col, _label) in LIFT_CLASSES.items():
                sel = cls == name
                if sel.any():
                    ax.scatter(px[sel], peak_f[sel], marker="v", s=14, color=col, zorder=3)
        ax.set_xlabel(xlabel, fontsize=8)
        ax.set_ylabel("bend (°)", fontsize=8)
        ax.tick_params(labelsize=7)
        if len(x):
            ax.set_xlim(0, max(float(x[-1]), 1e-6))
        self._win_patch = ax.axvspan(0, 1, color="k", alpha=0.12, lw=0)
        self._note_over = ax.scatter([], [], marker="*", s=50, color="#8c2d04", zorder=4)
        # zoom: full-resolution lines, data set per window
        az = self.ax_zoom
        (self._l_flex,) = az.plot([], [], color="#1f77b4", lw=1.2, label="forward bend")
        (self._l_lat,) = az.plot([], [], color="#9467bd", lw=0.9, label="side bend (+ right)")
        (self._l_ax,) = az.plot([], [], color="#8c564b", lw=0.9, label="twist (+ right)")
        for y in (20, 60):
            az.axhline(y, color="0.5", lw=0.6, ls="--")
        if self.lifts:
            az.broken_barh([(lf.start_s, lf.end_s - lf.start_s) for lf in self.lifts], (-90, 200),
                           color="#2ca02c", alpha=0.08)
        for e in self.a.posture.slouch_episodes:
            az.axvspan(e.start_s, e.end_s, ymin=0.95, color=SLOUCH_COLOR, lw=0)
        self._sel_patch = az.axvspan(0, 0, color="#ffbf00", alpha=0.2, lw=0)
        az.set_xlabel("time from start (s)", fontsize=8)
        az.set_ylabel("angle (°)", fontsize=8)
        az.tick_params(labelsize=7)
        az.legend(loc="upper right", fontsize=7)
        self._note_artists: list[Any] = []
        self.fig.canvas.mpl_connect("key_press_event", self.on_key)
        self.fig.canvas.mpl_connect("button_press_event", self.on_click)

    def _submit(self, text: str) -> None:
        if self.add_note(text) is not None and self.textbox is not None:
            self.textbox.set_val("")
            self.textbox.stop_typing()  # keys drive the review again

    def redraw(self) -> None:
        t0, t1 = self.window
        i0, i1 = np.searchsorted(self.t, [t0, t1])
        sl = slice(max(0, i0 - 1), min(len(self.t), i1 + 1))
        t = self.t[sl]
        self._l_flex.set_data(t, self.flex[sl])
        self._l_lat.set_data(t, self.lat[sl])
        self._l_ax.set_data(t, self.axial[sl])
        az = self.ax_zoom
        az.set_xlim(t0, t1)
        vals = np.concatenate([self.flex[sl], self.lat[sl], self.axial[sl]])
        vals = vals[np.isfinite(vals)]
        lo, hi = (float(vals.min()), float(vals.max())) if len(vals) else (-10.0, 60.0)
        az.set_ylim(min(-20.0, lo - 5), max(70.0, hi + 5))
        s = self._scale
        self._win_patch.set_x(t0 * s)
        self._win_patch.set_width((t1 - t0) * s)
        if self.selected is not None:
            lf = self.lifts[self.selected]
            self._sel_patch.set_x(lf.start_s)
            self._sel_patch.set_width(lf.end_s - lf.start_s)
        for art in self._note_artists:
            art.remove()
        self._note_artists = []
        for n in self.notes:
            if t0 <= n["t_s"] <= t1:
                self._note_artists.append(az.annotate(
                    n["text"][:40], (n["t_s"], 0), xytext=(0, -30), textcoords="offset points",
                    fontsize=8, color="#8c2d04", ha="center",
                    arrowprops={"arrowstyle": "->", "color": "#8c2d04"}))
        self._note_over.set_offsets(np.array([[n["t_s"] * s, 0.0] for n in self.notes])
                                    .reshape(-1, 2))
        self.ax_detail.clear()
        self.ax_detail.axis("off")
        self.ax_detail.text(0, 1, self.detail_text(), va="top", fontsize=8, family="monospace",
                            transform=self.ax_detail.transAxes, wrap=True)
        self.fig.canvas.draw_idle()

    def detail_text(self) -> str:
        """The detail panel: the selected lift's numbers, reasons and notes."""
        if self.selected is None:
            return f"no lift selected\n{len(self.lifts)} lifts in this recording"
        i = self.selected
        lf = self.lifts[i]
        lines = [
            f"lift {i + 1} of {len(self.lifts)}",
            f"time      {lf.start_s:.1f}–{lf.end_s:.1f} s",
            f"style     {lf.style}",
            f"peak bend {lf.peak_flexion_deg:.0f}°",
            f"speed     {lf.peak_flexion_velocity_dps:.0f}°/s",
            f"twist     {lf.twist_deg:+.0f}°",
            f"side lean {lf.lateral_deg:+.0f}°",
            f"duration  {lf.duration_s:.1f} s",
            "score     " + ("– (not valid)" if lf.score is None else f"{lf.score:.0f}/100"),
            "",
        ]
        lines += [f"• {r}" for r in lf.reasons]
        mine = [n for n in self.notes if n.get("lift") == i + 1]
        if mine:
            lines += ["", "notes:"] + [f"– {n['text']}" for n in mine]
        return "\n".join(_wrap(x, 34) for x in lines)


def _wrap(s: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(s, width, subsequent_indent="  ")) if len(s) > width else s
