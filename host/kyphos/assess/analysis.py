"""Offline analysis of a guided assessment or exercise session: from the samples and the phase
windows (what the live runner found, or the NOTE records of a recording) to ROM per direction
or reps per exercise.

The live runner gives prompts and feedback from causal angles; the numbers that are stored and
reported come from here, with the offline (zero-phase) chain: preprocessing and VQF offline as
in :func:`kyphos.analysis.analyze`, the upright direction from the first still phase, and the
heading about the vertical from the protocol's own tilt movements
(:func:`kyphos.metrics.rom.heading_from_tilts`), so mounting yaw does not leak flexion into
lateral bend.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from kyphos.errors import KyphosError
from kyphos.metrics.exercise import Targets, count_reps, sides, summarise_reps
from kyphos.metrics.rom import (
    DIRECTIONS,
    DirectionRom,
    direction_signal,
    find_repeats,
    heading_from_tilts,
    movement_angles,
    summarise,
)
from kyphos.processing.calibration import NOMINAL, frame_from_axes
from kyphos.processing.orientation import orientation_segments
from kyphos.processing.preprocess import prepare

_TILTS = ("flexion", "extension", "lateral_left", "lateral_right")
#: Move windows are searched this much beyond their end (s): the live runner ends a phase on
#: causal angles, which may cross back under the threshold before the zero-phase ones do.
#: Only movements whose peak lies inside the window count.
_PAD_S = 1.5


@dataclass
class PhaseWindow:
    """Where one phase ran, in s on the recording's time axis."""

    name: str
    kind: str  # "still" or "move"
    start_s: float
    end_s: float
    direction: str | None = None
    expected: int = 0
    posture: str = "stand"
    timed_out: bool = False
    targets: dict[str, Any] | None = None  # exercise targets (Targets as a dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PhaseWindow:
        keys = cls.__dataclass_fields__
        return cls(**{k: v for k, v in d.items() if k in keys})


@dataclass
class Result:
    """What :func:`analyse` returns: ROM per direction (assessment) and/or per-exercise
    summaries, plus the calibration used."""

    rom: dict[str, DirectionRom] = field(default_factory=dict)
    exercises: list[dict[str, Any]] = field(default_factory=list)
    calibration: dict[str, Any] = field(default_factory=dict)
    phases: list[PhaseWindow] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"rom": {k: v.to_dict() for k, v in self.rom.items()},
                "exercises": self.exercises, "calibration": self.calibration,
                "phases": [p.to_dict() for p in self.phases]}


def _targets(d: dict[str, Any] | None) -> Targets:
    if not d:
        return Targets()
    r = d.get("range_deg")
    return Targets(tuple(r) if r else None, float(d.get("hold_s") or 0.0),
                   d.get("tempo_out_s"), d.get("tempo_back_s"))


def _sel(t: np.ndarray, a: float, b: float) -> np.ndarray:
    return np.flatnonzero((t >= a) & (t <= b))


def analyse(time: np.ndarray, acc: np.ndarray, gyr: np.ndarray, fs: float,
            phases: list[PhaseWindow], *, gaps: np.ndarray | None = None) -> Result:
    """ROM and reps from IMU samples (s, m/s², rad/s; sensor frame) and phase windows."""
    still = [p for p in phases if p.kind == "still"]
    if not still:
        raise KyphosError("no neutral (still) phase in the session: cannot calibrate")
    p = prepare(time, acc, gyr, fs, gaps=gaps)
    quat = orientation_segments(p.gyr, p.acc, p.fs, p.segments)
    t = np.nan_to_num(p.time, nan=-np.inf)
    ok = np.isfinite(quat[:, 0])
    w0 = still[0]
    iu = _sel(t, max(w0.start_s, w0.end_s - 2.0), w0.end_s)
    iu = iu[ok[iu]]
    if len(iu) == 0:
        raise KyphosError(f"no samples in the {w0.name} phase: cannot calibrate")
    up = np.mean(p.acc[iu], axis=0)
    up /= np.linalg.norm(up)
    m0 = frame_from_axes(up)

    # pass 1: tilt repeats with the nominal heading → heading about the vertical
    tilts: list[tuple[str, np.ndarray, np.ndarray]] = []
    ang0 = movement_angles(quat, m0)
    for w in phases:
        if w.kind != "move" or w.direction is None:
            continue
        dirs = [d for d in sides(w.direction) if d in _TILTS]
        idx = _sel(t, w.start_s, w.end_s + _PAD_S)
        for d in dirs:
            comp, sign = DIRECTIONS[d]
            sig = sign * ang0[comp][idx]
            for r in find_repeats(p.time[idx], sig, p.fs):
                if r.peak_s > w.end_s:
                    continue
                i_a = int(np.searchsorted(p.time[idx], r.start_s)) + idx[0]
                i_b = int(np.searchsorted(p.time[idx], 0.5 * (r.hold_start_s + r.hold_end_s)))
                i_b += idx[0]
                i_a = max(idx[0], i_a - int(0.3 * p.fs))
                if ok[i_a] and ok[i_b]:
                    tilts.append((d, quat[i_a], quat[i_b]))
    m, weight = heading_from_tilts(up, tilts)
    ang = movement_angles(quat, m)
    res = Result(calibration={
        "method": "upright+tilts" if weight > 0 else "upright", "tilts": len(tilts),
        "upright_s": [float(t[iu[0]]), float(t[iu[-1]])],
        "mounting_deg": round(float(np.degrees(np.arccos(np.clip(
            (np.trace(m @ NOMINAL.T) - 1) / 2, -1, 1)))), 2),
        "sensor_from_body": np.round(m, 5).tolist()}, phases=list(phases))

    last_still = w0
    for w in phases:
        if w.kind == "still":
            last_still = w
            continue
        if w.direction is None:
            continue
        ib = _sel(t, max(last_still.start_s, last_still.end_s - 2.0), last_still.end_s)
        idx = _sel(t, w.start_s, w.end_s + _PAD_S)
        idx = idx[ok[idx]]
        if len(idx) < 3:
            continue
        base_f = float(np.mean(ang["flexion"][ib])) if len(ib) else 0.0
        base_l = float(np.mean(ang["lateral"][ib])) if len(ib) else 0.0
        wa = {"flexion": ang["flexion"][idx] - base_f, "lateral": ang["lateral"][idx] - base_l,
              "axial": ang["axial"][idx] - ang["axial"][idx[0]]}
        if w.targets is None and w.direction in DIRECTIONS:  # assessment direction
            sig = direction_signal(wa, w.direction, fs=p.fs)
            reps = [r for r in find_repeats(p.time[idx], sig, p.fs)
                    if r.peak_s <= w.end_s]
            for i, r in enumerate(reps):
                r.index = i
            res.rom[w.direction] = summarise(w.direction, reps, w.expected or 3)
        else:
            tg = _targets(w.targets)
            reps_x = [r for r in count_reps(p.time[idx], wa, p.fs, w.direction, tg)
                      if min(x.peak_s for x in r.parts) <= w.end_s]
            summ = summarise_reps(reps_x, w.expected, tg)
            res.exercises.append({"name": w.name, "movement": w.direction,
                                  "posture": w.posture, "timed_out": w.timed_out,
                                  "targets": w.targets, **summ})
    return res


def phases_from_notes(notes: list[tuple[float, dict[str, Any]]]) -> list[PhaseWindow]:
    """Phase windows from a recording's NOTE records (``{"kind": "phase", ...}``)."""
    return [PhaseWindow.from_dict(n["phase"]) for _t, n in notes
            if n.get("kind") == "phase" and isinstance(n.get("phase"), dict)]


def analyse_session(session: Any) -> Result:
    """:func:`analyse` on a loaded recording (``kyphos.load(path)``) with its phase NOTEs."""
    phases = phases_from_notes(session.notes)
    if not phases:
        raise KyphosError(f"{session.path or 'the recording'}: no assessment or exercise phases "
                          "(record one with kyphos assess or kyphos exercise)")
    return analyse(session.time, session.acc, session.gyr, session.fs or 0.0, phases,
                   gaps=session.gaps)


def session_kind(session: Any) -> str | None:
    """``"assessment"``, ``"exercise"`` or None, from the recording's header."""
    k = (session.header or {}).get("assess", {})
    return k.get("kind") if isinstance(k, dict) else None
