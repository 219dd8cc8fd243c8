"""The live view's window: matplotlib figure drawn with blitting from :class:`View` snapshots.

Everything static (zone bands, threshold line, axes, labels, the key help) is drawn once and
kept as a background bitmap; every frame restores it and draws only the moving artists (the
traces, the trunk figure, the texts), then blits. The x axis is time relative to the newest
sample (−window … 0 s), so the background never has to move. A resize redraws the background.

Layout: left, the flexion trace over the ISO 11226 zone bands with the slouch threshold, and
lateral-bend and twist traces beneath; right, the side-view trunk figure tilted by the flexion
and coloured by its zone, the angle in large type, time per zone, lifts, link health; a banner
across the top for slouch alerts, reconnecting, pause and recording.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Circle, Rectangle

from kyphos.views.live_state import ZONES, View

KEYS_HELP = "keys:  c calibrate (stand upright)   m marker   space pause   r record   q quit"
ALERT_COLOUR = "#c2185b"
#: Zone times and link figures are redrawn at most this often, s.
SLOW_TEXT_S = 1.0
_GREY = "#9e9e9e"


def _mmss(s: float) -> str:
    s = int(max(0.0, s))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


class LiveFigure:
    """The figure and its artists. ``draw(view, ...)`` draws one frame (blitting).

    Args:
        fig: a figure (pyplot's for a window, or ``matplotlib.figure.Figure`` with an Agg
            canvas for headless use).
        window_s: seconds of trace shown.
        slouch_threshold_deg: where the threshold line is drawn.
    """

    def __init__(self, fig: Figure, window_s: float = 30.0, slouch_threshold_deg: float = 8.0,
                 source: str = "") -> None:
        self.fig = fig
        self.window_s = float(window_s)
        self.threshold = slouch_threshold_deg
        self.source = source
        self._bg: Any = None
        self._build()
        fig.canvas.mpl_connect("draw_event", self._on_draw)

    # -- layout (static) -----------------------------------------------------------------------
    def _build(self) -> None:
        fig = self.fig
        fig.set_facecolor("white")
        gs = fig.add_gridspec(3, 2, width_ratios=[2.3, 1.0], height_ratios=[2.2, 1.0, 1.0],
                              left=0.07, right=0.98, top=0.88, bottom=0.1, hspace=0.25,
                              wspace=0.12)
        w = self.window_s
        self.ax_flex = fig.add_subplot(gs[0, 0])
        self.ax_lat = fig.add_subplot(gs[1, 0], sharex=self.ax_flex)
        self.ax_ax = fig.add_subplot(gs[2, 0], sharex=self.ax_flex)
        self.ax_body = fig.add_subplot(gs[0, 1])
        self.ax_info = fig.add_subplot(gs[1:, 1])
        af = self.ax_flex
        for key, label, lo, hi, colour in ZONES:
            af.axhspan(max(lo, -30), min(hi, 120), color=colour, alpha=0.18, lw=0)
            af.text(-w + 0.3, min(hi, 120) - 2 if key != "extension" else -28, label,
                    color=colour, fontsize=8, va="top" if key != "extension" else "bottom",
                    ha="left", fontweight="bold")
        af.axhline(self.threshold, color=ALERT_COLOUR, lw=1.0, ls="--")
        af.text(-0.3, self.threshold + 1, f"slouch {self.threshold:g}°", color=ALERT_COLOUR,
                fontsize=8, ha="right", va="bottom")
        af.set_ylim(-30, 120)
        af.set_xlim(-w, 0)
        af.set_ylabel("flexion (°)")
        af.tick_params(labelbottom=False)
        for ax, name in ((self.ax_lat, "lateral bend (°)\n+ right"),
                         (self.ax_ax, "twist (°)\n+ right")):
            ax.set_ylim(-40, 40)
            ax.axhline(0, color=_GREY, lw=0.6)
            for b in (10, -10):
                ax.axhline(b, color="#f0a020", lw=0.6, ls=":")
            ax.set_ylabel(name, fontsize=9)
        self.ax_lat.tick_params(labelbottom=False)
        self.ax_ax.set_xlabel("time (s, 0 = now)")
        for ax in (self.ax_flex, self.ax_lat, self.ax_ax):
            ax.grid(True, axis="x", color="#e0e0e0", lw=0.5)
        # trunk figure: hip at the origin, facing right (forward = +x)
        ab = self.ax_body
        ab.set_xlim(-1.3, 1.5)
        ab.set_ylim(-1.05, 1.45)
        ab.set_aspect("equal")
        ab.axis("off")
        ab.plot([0, 0.02], [0, -1.0], color="#616161", lw=6, solid_capstyle="round")  # legs
        ab.plot([-0.2, 0.35], [-1.0, -1.0], color="#616161", lw=3)  # floor under the feet
        ab.text(1.45, -1.0, "front →", fontsize=8, color=_GREY, ha="right", va="bottom")
        self.ax_info.axis("off")
        fig.text(0.5, 0.02, KEYS_HELP, ha="center", va="bottom", fontsize=9, color="#424242",
                 family="monospace")
        # moving artists
        self.l_flex, = af.plot([], [], color="black", lw=1.6, animated=True)
        self.l_lat, = self.ax_lat.plot([], [], color="#6a1b9a", lw=1.2, animated=True)
        self.l_ax, = self.ax_ax.plot([], [], color="#00695c", lw=1.2, animated=True)
        self.l_markers = af.vlines([], -30, 120, colors="#1565c0", lw=1.0, animated=True)
        # clip slips re-referenced live: dashed where the mounting changed (the detection)
        self.l_rerefs = af.vlines([], -30, 120, colors="#ef6c00", lw=1.5, linestyles="dashed",
                                  animated=True)
        self.l_trunk, = ab.plot([], [], lw=16, solid_capstyle="round", animated=True)
        self.head = Circle((0, 1), 0.17, animated=True)
        ab.add_patch(self.head)
        self.t_angle = ab.text(0.0, 1.0, "–", transform=ab.transAxes, ha="left", va="top",
                               fontsize=40, fontweight="bold", animated=True)
        self.t_zone = ab.text(0.5, -0.02, "", transform=ab.transAxes, ha="center", va="top",
                              fontsize=12, fontweight="bold", animated=True)
        self.t_info = self.ax_info.text(0.02, 0.98, "", transform=self.ax_info.transAxes,
                                        va="top", ha="left", fontsize=10, family="monospace",
                                        animated=True, linespacing=1.35)
        self.t_lift = self.ax_info.text(0.02, 0.36, "", transform=self.ax_info.transAxes,
                                        va="top", ha="left", fontsize=10, animated=True, wrap=True)
        self.banner_box = Rectangle((0.0, 0.905), 1.0, 0.095, transform=self.fig.transFigure,
                                    color=_GREY, animated=True)
        fig.add_artist(self.banner_box)
        self.t_banner = fig.text(0.5, 0.952, "", ha="center", va="center", fontsize=20,
                                 fontweight="bold", color="white", animated=True)
        self.t_link = fig.text(0.99, 0.912, "", ha="right", va="bottom", fontsize=9,
                               color="white", animated=True, family="monospace")
        self.t_rec = fig.text(0.01, 0.912, "", ha="left", va="bottom", fontsize=10,
                              color="white", animated=True, fontweight="bold")
        # fast artists change every frame; slow ones (texts that change about once a second)
        # are drawn into a second cached background only when their content changes
        self.fast: list[Any] = [self.l_flex, self.l_lat, self.l_ax, self.l_markers, self.l_rerefs,
                                self.l_trunk,
                                self.head, self.t_angle, self.t_zone]
        self.slow: list[Any] = [self.t_info, self.t_lift, self.banner_box, self.t_banner,
                                self.t_link, self.t_rec]
        self._slow_bg: Any = None
        self._slow_key: tuple[Any, ...] = ()
        self._slow_at = 0.0
        self.slow_redraws = 0

    def _on_draw(self, _event: Any) -> None:
        """After a full draw (first show, resize): keep the static background."""
        canvas: Any = self.fig.canvas
        self._bg = canvas.copy_from_bbox(self.fig.bbox)
        self._slow_bg = None

    # -- one frame -------------------------------------------------------------------------------
    def draw(self, v: View, *, paused: bool = False, recording: str | None = None,
             blink: bool = False) -> None:
        """Draw one frame from a snapshot: restore the background, draw the moving artists,
        blit."""
        canvas: Any = self.fig.canvas  # Agg-based canvases have copy/restore_region and blit
        if self._bg is None:
            canvas.draw()  # first frame: draws everything (animated artists are skipped)
        self.update(v, paused=paused, recording=recording, blink=blink)
        # the text layer: at once when the banner, the lifts or recording change; zone times and
        # link figures at most once a second (they are read, not watched)
        urgent = (self.t_banner.get_text(), self.banner_box.get_facecolor(), self.t_lift.get_text(),
                  self.t_rec.get_text())
        other = (self.t_info.get_text(), self.t_link.get_text())
        now = time.monotonic()
        if (self._slow_bg is None or urgent != self._slow_key[:4]
                or (other != self._slow_key[4:] and now - self._slow_at >= SLOW_TEXT_S)):
            canvas.restore_region(self._bg)
            for a in self.slow:
                self.fig.draw_artist(a)
            self._slow_bg = canvas.copy_from_bbox(self.fig.bbox)
            self._slow_key = (*urgent, *other)
            self._slow_at = now
            self.slow_redraws += 1
        canvas.restore_region(self._slow_bg)
        for a in self.fast:
            self.fig.draw_artist(a)
        canvas.blit(self.fig.bbox)

    def update(self, v: View, *, paused: bool = False, recording: str | None = None,
               blink: bool = False) -> None:
        """Set the moving artists from ``v`` (no drawing)."""
        x = v.t - v.t_now if len(v.t) else v.t
        self.l_flex.set_data(x, v.flexion)
        self.l_lat.set_data(x, v.lateral)
        self.l_ax.set_data(x, v.axial)
        mk = [m - v.t_now for m in v.markers if v.t_now - self.window_s <= m <= v.t_now]
        self.l_markers.set_segments([[(m, -30), (m, 120)] for m in mk])
        rr = [r["detected_s"] - v.t_now for r in v.re_references
              if v.t_now - self.window_s <= r["detected_s"] <= v.t_now and "withdrawn_s" not in r]
        self.l_rerefs.set_segments([[(m, -30), (m, 120)] for m in rr])
        f = v.flex_now
        if np.isfinite(f):
            colour = ZONES[v.zone][4]
            th = np.radians(f)
            self.l_trunk.set_data([0, 1.0 * np.sin(th)], [0, 1.0 * np.cos(th)])
            self.head.center = (1.22 * np.sin(th), 1.22 * np.cos(th))
            self.t_angle.set_text(f"{round(f):d}°")
            self.t_zone.set_text(f"flexion {ZONES[v.zone][1]}" if v.zone else "extension")
        else:
            colour = _GREY
            self.l_trunk.set_data([0, 0], [0, 1.0])
            self.head.center = (0, 1.22)
            self.t_angle.set_text("–")
            self.t_zone.set_text("waiting for data")
        self.l_trunk.set_color(colour)
        self.head.set_color(colour)
        self.t_angle.set_color(colour)
        self.t_zone.set_color(colour)
        self.t_info.set_text(self._info_text(v))
        self.t_lift.set_text(self._lift_text(v))
        self._banner(v, paused, blink)
        self.t_rec.set_text(f"● REC {recording}" if recording else "")
        self.t_link.set_text(self._link_text(v))

    def _info_text(self, v: View) -> str:
        total = float(np.sum(v.zone_s))
        lines = ["time in zone"]
        for (_k, label, *_rest), s in zip(ZONES, v.zone_s, strict=True):
            pct = 100.0 * s / total if total > 0 else 0.0
            lines.append(f" {label:<10}{_mmss(s):>7} {pct:4.0f}%")
        lines.append(f"slouch alerts {v.alerts}" + ("" if v.calibrated else "   (not calibrated: c)"))
        lines.append(_bias_text(v))
        kept = [r for r in v.re_references if "withdrawn_s" not in r]
        if kept:  # clip slips re-referenced live: how many, the last one's size
            lines.append(f"clip re-referenced {len(kept)}× (last {kept[-1]['deg']:.0f}°)")
        return "\n".join(lines)

    @staticmethod
    def _lift_text(v: View) -> str:
        """The lift panel, under the live validity (``View.valid``, the report's rule): no
        lifts where lifts cannot be trusted, no score below the bar, and why."""
        why = _short(v.warnings[0]) if v.warnings else ""
        if v.samples and not (v.lifts_trusted and v.angles_trusted):
            return "lifts: –\n" + _short(v.warnings[0] if v.warnings else "", "not counted: ")
        s = f"lifts: {v.lift_count}"
        if v.wearer is not None:  # the style is named per leg length (--hip-height-m): by which rule
            by = str(v.wearer.get("style_by", ""))
            s += (f" · style per hip {v.wearer['hip_height_m']:.2f} m, "
                  + ("closed bend" if by.startswith("closed") else "knee drop"))
        elif v.lift_count:  # the report says the same: less certain without a hip height
            s += " · style: no hip height"
        lf = v.last_lift
        if lf is not None and lf.score is None:
            s += f"\nlast: {lf.style}, not scored\n{why}"
        elif lf is not None:
            s += f"\nlast: {lf.style}, score {lf.score:.0f}\n{lf.reason}"
        return s

    def _link_text(self, v: View) -> str:
        h = v.health
        parts = []
        if "sample_rate_hz" in h:
            parts.append(f"{h['sample_rate_hz']:.0f} Hz")
        if "loss_pct" in h:
            parts.append(f"loss {h['loss_pct']:.1f}%")
        parts.append("battery " + ("–" if v.battery_pct is None else f"{v.battery_pct}%"))
        lat = h.get("display_latency_ms")
        parts.append("latency " + ("–" if lat is None else f"{lat:.0f} ms"))
        return (self.source + "  " if self.source else "") + " · ".join(parts)

    def _banner(self, v: View, paused: bool, blink: bool) -> None:
        """Never coaching without grounds: "waiting for data" until the first sample, "not
        calibrated" (no "posture OK", no "SIT UP") until an upright reference exists, and the
        reason instead while the angles cannot be trusted (``View.angles_trusted``)."""
        if not v.connected:
            text, colour = v.status_text or "link lost — reconnecting…", "#e65100"
        elif v.samples == 0:
            text, colour = v.status_text or "waiting for data…", _GREY
        elif not v.calibrated and not paused:
            text, colour = "not calibrated — stand or sit upright and still, press c", "#546e7a"
        elif not v.angles_trusted and v.warnings and not paused:  # e.g. a wrong IMU scale
            text, colour = _short(v.warnings[0], width=999), "#546e7a"
        elif v.guide_note and not paused:  # the guided calibration bend: asked, then its outcome
            text, colour = v.guide_note, "#1565c0"
        elif v.slouching:
            text = f"SIT UP — slouching {v.slouch_s:.0f} s" if v.slouch_s else "SIT UP — slouching"
            colour = ALERT_COLOUR if not blink else "#880e4f"
        elif paused:
            text, colour = "paused (space resumes; still receiving)", "#546e7a"
        elif v.reref_note:  # "clip moved 11°, re-referenced", for REREF_NOTE_S
            text, colour = v.reref_note, "#ef6c00"
        elif v.status_text:
            text, colour = v.status_text, "#546e7a"
        else:
            text, colour = "posture OK", "#2e7d32"
        self.t_banner.set_text(text)
        self.banner_box.set_color(colour)


def _bias_text(v: View) -> str:
    """The accelerometer offset the live chain removes (``View.acc_bias_mg``): its size and the
    still postures it comes from, or that it waits for them."""
    if v.acc_bias_mg is None:
        return f"acc offset: waiting ({v.bias_postures} of 2 postures)"
    mg = float(np.linalg.norm(v.acc_bias_mg))
    return f"acc offset {mg:.0f} mg ({v.bias_postures} postures)"


def _short(warning: str, prefix: str = "", width: int = 34) -> str:
    """A validity warning for the small lift panel: ``prefix`` and the warning up to its first
    ":" or " (", wrapped to ``width`` characters (a number and its unit kept together)."""
    import re
    import textwrap

    head = re.split(r": | \(", warning.replace(" (worn and analysed)", ""), maxsplit=1)[0]
    head = re.sub(r"(\d) (?=\S)", "\\1\u00a0", head)  # "13 Hz" stays on one line
    return "\n".join(textwrap.wrap(prefix + head, width))


def save_png(fig: Figure, path: str) -> None:
    """Write what the canvas shows now (the blitted frame) to a PNG file."""
    import matplotlib.image

    buf = np.asarray(fig.canvas.buffer_rgba())  # type: ignore[attr-defined]
    matplotlib.image.imsave(path, buf)
