"""What a report shows about one recording, computed once: :func:`summarize` → :class:`Summary`.

A Summary is plain data (numbers, short lists, a down-sampled flexion timeline), small enough to
send between processes (batch runs, Dask workers) and to compare across visits. A recording that
cannot be read or analysed gives a Summary with ``error`` set instead of raising, so that a batch
of reports always finishes and the report says what went wrong.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kyphos.errors import KyphosError
from kyphos.recording.quality import data_quality, describe

#: Bins of the report's flexion timeline (min / mean / max of each bin), enough for an A4 width.
TIMELINE_BINS = 1600


@dataclass
class Summary:
    """One recording as the report shows it. Angles in degrees, times in s from the start."""

    file: str  # the file's name
    subject: str
    start_utc: str | None  # ISO 8601, from host receive times or the file header
    duration_s: float = 0.0
    wear_s: float = 0.0  # measured time: samples that were analysed
    error: str | None = None
    #: False below the bar for a score (kyphos.processing.plausibility): no score, no advice
    valid: bool = True
    warnings: list[str] = field(default_factory=list)  # validity first, then data notes
    calibration: dict[str, Any] = field(default_factory=dict)
    posture_score: float | None = None
    zones_pct: dict[str, float] = field(default_factory=dict)
    lateral_pct: dict[str, float] = field(default_factory=dict)
    slouch_episodes: list[tuple[float, float, float]] = field(default_factory=list)
    slouch_pct: float = 0.0
    holding_violations: int = 0
    lifts: list[dict[str, Any]] = field(default_factory=list)
    lift_rate_per_h: float = 0.0
    good_form_pct: float | None = None
    lift_styles: dict[str, int] = field(default_factory=dict)
    risk: dict[str, Any] = field(default_factory=dict)
    gaps: list[tuple[float, float]] = field(default_factory=list)
    #: gaps and damage counted as `kyphos info` and `analyze` count them (recording.quality)
    data_quality: dict[str, Any] = field(default_factory=dict)
    timeline_t: list[float] = field(default_factory=list)
    timeline_min: list[float] = field(default_factory=list)
    timeline_mean: list[float] = field(default_factory=list)
    timeline_max: list[float] = field(default_factory=list)
    #: the day's activity (start s, end s, kind) and the clip slips re-referenced (t_s, deg, why)
    activity: list[tuple[float, float, str]] = field(default_factory=list)
    activity_pct: dict[str, float] = field(default_factory=dict)
    steps: int | None = None
    re_references: list[dict[str, Any]] = field(default_factory=list)
    #: the analysis's ``"wearer"`` block (the hip height that named the lift styles), None
    #: when not given
    wearer: dict[str, Any] | None = None
    #: the analysis's ``"style_rule"`` (what named the lift styles; ``later_bends_from_s``:
    #: from when a later calibration's bend named them), None when not analysed
    style_rule: dict[str, Any] | None = None
    kind: str | None = None  # "assessment" / "exercise" (kyphos assess / exercise), else None
    sections: list[str] = field(default_factory=list)  # extra HTML fragments, e.g. ROM tables
    path: str = ""  # the file as given

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def date(self) -> str:
        """Recording date and time as people read it, or "date unknown"."""
        if not self.start_utc:
            return "date unknown"
        try:
            t = dt.datetime.fromisoformat(self.start_utc.replace("Z", "+00:00"))
        except ValueError:
            return self.start_utc
        return t.strftime("%Y-%m-%d %H:%M UTC")

    @property
    def over_60_pct(self) -> float | None:
        return self.zones_pct.get("over_60") if self.ok else None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _start_utc(session: Any) -> str | None:
    ht = np.asarray(session.host_time, float)
    fin = ht[np.isfinite(ht)] if len(ht) else ht
    if len(fin):  # first sample's host time, less its offset from the recording start
        i = int(np.flatnonzero(np.isfinite(ht))[0])
        t0 = float(ht[i] - (session.time[i] - session.time[0]))
        return dt.datetime.fromtimestamp(t0, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    created = (session.header or {}).get("created_utc")
    return str(created) if created else None


def _timeline(time: np.ndarray, flex_deg: np.ndarray, bins: int) -> tuple[np.ndarray, ...]:
    """Per-bin min, mean and max of flexion (NaN where a bin has no valid sample)."""
    n = len(time)
    if n == 0:
        e = np.zeros(0)
        return e, e, e, e
    edges = np.linspace(0, n, min(bins, n) + 1).astype(int)
    starts = edges[:-1]
    f = np.where(np.isfinite(flex_deg), flex_deg, np.nan)
    ok = np.isfinite(f)
    cnt = np.add.reduceat(ok.astype(np.int64), starts)
    tot = np.add.reduceat(np.where(ok, f, 0.0), starts)
    mx = np.maximum.reduceat(np.where(ok, f, -np.inf), starts)
    mn = np.minimum.reduceat(np.where(ok, f, np.inf), starts)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(cnt > 0, tot / np.maximum(cnt, 1), np.nan)
    mx = np.where(cnt > 0, mx, np.nan)
    mn = np.where(cnt > 0, mn, np.nan)
    tt = np.asarray(time, float)
    tmid = 0.5 * (tt[starts] + tt[np.minimum(edges[1:], n) - 1])
    return tmid, mn, mean, mx


def _r(x: Any, nd: int = 3) -> Any:
    if isinstance(x, float):
        return round(float(x), nd) if math.isfinite(x) else None
    return x


def _assessment_section(session: Any, s: Summary) -> None:
    """The ROM / exercise section of a ``kyphos assess`` / ``exercise`` recording, if it is one."""
    try:
        from kyphos.assess.analysis import session_kind
        from kyphos.assess.report import report_section
    except ImportError:
        return
    s.kind = session_kind(session)
    if s.kind is None:
        return
    try:
        sec = report_section(session)
    except Exception as exc:  # noqa: BLE001 (a section must never stop the report)
        s.warnings.append(f"the {s.kind} section could not be made: {exc}")
        return
    if sec is not None:
        s.sections.append(sec.html)


def protocol_neutral(session: Any) -> tuple[float, float] | None:
    """(start, end) in s of a guided session's first still phase (its neutral stance, from the
    phase NOTEs of kyphos assess / exercise), or None."""
    try:
        from kyphos.assess.analysis import phases_from_notes
    except ImportError:
        return None
    still = [p for p in phases_from_notes(session.notes) if p.kind == "still"]
    return (float(still[0].start_s), float(still[0].end_s)) if still else None


def summarize(path: str | os.PathLike[str], *, analysis_options: dict[str, Any] | None = None,
              load_options: dict[str, Any] | None = None) -> Summary:
    """Load and analyse ``path``; never raises for a bad recording (``Summary.error`` says why)."""
    import kyphos

    p = Path(path)
    if not load_options:  # a long .kyr file: analysed in chunks (kyphos.chunked)
        from kyphos.chunked import long_recording

        try:
            reader = long_recording(p)
        except FileNotFoundError:
            return _failed(p, f"no such file: {p}")
        if reader is not None and _session_kind(reader) is None:
            return _summarize_long(reader, p, analysis_options)
        del reader
    try:
        session = kyphos.load(p, **(load_options or {}))
    except FileNotFoundError:
        return _failed(p, f"no such file: {p}")
    except (KyphosError, OSError, ValueError) as exc:
        return _failed(p, f"the file could not be read as a recording: {exc}")
    return summarize_session(session, p, analysis_options=analysis_options)


def _session_kind(reader: Any) -> str | None:
    try:
        from kyphos.assess.analysis import session_kind
    except ImportError:
        return None
    return session_kind(reader)


def _summarize_long(reader: Any, p: Path, analysis_options: dict[str, Any] | None) -> Summary:
    """The summary of a long ``.kyr`` recording from its chunked analysis (bounded memory,
    the same results; kyphos.chunked): only the first minute is loaded (header, start time)."""
    from kyphos.chunked import analyze_chunked

    head = reader.session(0.0, min(60.0, reader.end_s))
    try:
        a = analyze_chunked(reader, **(analysis_options or {}))
    except (KyphosError, ValueError) as exc:
        s = _failed(p, f"the recording could not be analysed: {exc}")
        s.subject = str((head.header or {}).get("subject") or "unknown")
        return s
    s = summarize_session(head, p, analysis=a)
    s.duration_s = a.duration_s
    return s


def _failed(p: Path, error: str) -> Summary:
    s = Summary(file=p.name, subject="unknown", start_utc=None, path=str(p))
    s.error = error
    return s


def summarize_session(session: Any, path: str | os.PathLike[str], *, analysis: Any = None,
                      analysis_options: dict[str, Any] | None = None) -> Summary:
    """The summary of a loaded session; pass ``analysis`` when it is already computed."""
    from kyphos.analysis import analyze

    p = Path(path)
    s = Summary(file=p.name, subject="unknown", start_utc=None, path=str(p))
    s.subject = str((session.header or {}).get("subject") or "unknown")
    s.start_utc = _start_utc(session)
    s.duration_s = session.duration_s
    _assessment_section(session, s)
    a = analysis
    if a is None:
        opts = dict(analysis_options or {})
        if s.kind is not None and opts.get("calibration") is None:
            # a guided session: upright is the protocol's own neutral stance, not the least
            # flexed posture (an extension exercise would otherwise be taken for upright)
            win = protocol_neutral(session)
            if win is not None:
                # and no sagittal axis from its movements: they are not forward bends
                opts["calibration"] = {"upright": win, "auto_bend": False}
            opts.setdefault("clip_slips", False)
        try:
            a = analyze(session, **opts)
        except (KyphosError, ValueError) as exc:
            s.error = f"the recording could not be analysed: {exc}"
            q = s.data_quality = data_quality(session)
            if q["damage_count"]:
                s.warnings.append(f"the file is damaged: {describe(q)}")
            return s
    # the same gated document as `kyphos analyze --json`: below the bar, scores are None
    d = a.to_dict()
    s.valid = bool(d.get("valid", True))
    s.warnings.extend(d.get("warnings", []))
    pm = a.posture
    s.wear_s = float(pm.measured_s)
    s.calibration = {k: _r(v) for k, v in d["calibration"].items()
                     if k in ("method", "confidence")}
    s.calibration["upright_s"] = d["calibration"].get("upright_s")
    s.calibration["calibration_bends_s"] = d["calibration"].get("calibration_bends_s") or []
    p = d["posture"]
    s.posture_score = _r(p.get("score"), 1)
    angles_ok = p.get("zones_pct") is not None
    if angles_ok:
        s.zones_pct = {k: _r(float(v), 2) for k, v in pm.zones_pct.items()}
        s.lateral_pct = {k: _r(float(v), 2) for k, v in pm.lateral_pct.items()}
        s.slouch_episodes = [(round(e.start_s, 2), round(e.end_s, 2), round(e.peak_deg, 1))
                             for e in pm.slouch_episodes]
        s.slouch_pct = _r(float(pm.slouch_pct), 2)
        s.holding_violations = len(pm.holding_violations)
    s.lifts = [{k: _r(v) for k, v in lf.items()} for lf in d["lifts"]]
    peaks = {round(full.start_s, 3): round(full.peak_s, 3) for full in a.lifts}
    for lf in s.lifts:
        lf["peak_s"] = peaks.get(round(float(lf["start_s"]), 3), lf["start_s"])
    s.lift_rate_per_h = _r(float(d["lift_rate_per_h"] or 0.0), 1)
    s.good_form_pct = d["good_form_pct"]
    s.lift_styles = dict(d["lift_styles"] or {})
    s.risk = {k: _r(v) for k, v in (d["risk"] or {}).items()}
    s.data_quality = d["data_quality"]
    s.gaps = [(round(g0, 2), round(g1, 2)) for g0, g1 in d["data_quality"]["gaps"]]
    flex = np.degrees(a.angles.flexion) if angles_ok else np.full(len(a.angles.time), np.nan)
    t, mn, mean, mx = _timeline(a.angles.time, flex, TIMELINE_BINS)
    s.timeline_t = np.round(t, 2).tolist()
    s.timeline_min = np.round(mn, 2).tolist()
    s.timeline_mean = np.round(mean, 2).tolist()
    s.timeline_max = np.round(mx, 2).tolist()
    act = d.get("activity") or {}
    s.activity = [(float(iv["start_s"]), float(iv["end_s"]), str(iv["kind"]))
                  for iv in act.get("intervals", [])]
    s.activity_pct = dict(act.get("pct") or {})
    s.steps = act.get("steps")
    s.re_references = list(d.get("re_references") or [])
    s.wearer = dict(d["wearer"]) if d.get("wearer") else None
    s.style_rule = dict(d["style_rule"]) if d.get("style_rule") else None
    return s
