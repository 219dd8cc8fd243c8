"""Home exercise reps: count them, measure each rep's range, hold and tempo against the
programme's targets, and turn that into short feedback ("go further", "hold 3 s", "slower").

A one-sided exercise (e.g. ``extension``) counts each movement out and back (a
:class:`kyphos.metrics.rom.Repeat`) as a rep. A two-sided exercise (``flexion_extension`` for
cat-camel, ``lateral`` for side bends, ``rotation``) counts a rep when the wearer has been out
to both sides (in either order). Degrees and seconds throughout (docs/assessment.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kyphos.metrics.rom import DIRECTIONS, Repeat, direction_signal, find_repeats

#: Two-sided movement types and their two directions.
TWO_SIDED: dict[str, tuple[str, str]] = {
    "flexion_extension": ("flexion", "extension"),
    "lateral": ("lateral_left", "lateral_right"),
    "rotation": ("rotation_left", "rotation_right"),
}
MOVEMENTS = tuple(DIRECTIONS) + tuple(TWO_SIDED)
#: Feedback thresholds (own rules, docs/assessment.md): a rep reaches its range at
#: RANGE_OK_FRACTION of the target, its hold within HOLD_TOLERANCE_S of the target, and is
#: "too fast" when a phase takes less than TEMPO_FAST_FRACTION of the target tempo.
RANGE_OK_FRACTION = 0.9
HOLD_TOLERANCE_S = 0.5
TEMPO_FAST_FRACTION = 0.6


def sides(movement: str) -> tuple[str, ...]:
    """The direction(s) a movement type uses."""
    return TWO_SIDED.get(movement, (movement,))


@dataclass
class Targets:
    """What the programme asks of each rep (None = no target)."""

    range_deg: tuple[float, ...] | None = None  # per side
    hold_s: float = 0.0
    tempo_out_s: float | None = None
    tempo_back_s: float | None = None


@dataclass
class Rep:
    """One counted rep: its movements (one per side), and the feedback it earned."""

    index: int
    parts: list[Repeat]
    directions: list[str]
    feedback: list[str] = field(default_factory=list)
    range_ok: bool = True
    hold_ok: bool = True
    tempo_ok: bool = True

    @property
    def end_s(self) -> float:
        return max(p.end_s for p in self.parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index, "directions": self.directions,
            "range_deg": [round(p.rom_deg, 2) for p in self.parts],
            "hold_s": [round(p.hold_s, 2) for p in self.parts],
            "hold_start_s": [round(p.hold_start_s, 3) for p in self.parts],
            "out_s": [round(p.out_s, 2) for p in self.parts],
            "back_s": [round(p.back_s, 2) for p in self.parts],
            "start_s": round(min(p.start_s for p in self.parts), 3),
            "end_s": round(self.end_s, 3), "feedback": self.feedback,
            "range_ok": self.range_ok, "hold_ok": self.hold_ok, "tempo_ok": self.tempo_ok,
        }


def find_movements(time: np.ndarray, angles: dict[str, np.ndarray], fs: float, movement: str,
                   final: bool = True) -> list[tuple[str, Repeat]]:
    """Every movement out and back of ``movement``'s direction(s), in time order."""
    found: list[tuple[str, Repeat]] = []
    one_sided = movement not in TWO_SIDED  # drift-following rotation baseline (one side only)
    for d in sides(movement):
        sig = direction_signal(angles, d, fs=fs if one_sided else None)
        for r in find_repeats(time, sig, fs, final=final):
            found.append((d, r))
    found.sort(key=lambda x: x[1].peak_s)
    return found


def pair_reps(movement: str, found: list[tuple[str, Repeat]]) -> list[Rep]:
    """Group movements into reps: one each for one-sided types; for two-sided types, a rep
    closes when both sides have been reached (a repeated side replaces the earlier one: the
    wearer went out twice to one side before the other)."""
    reps: list[Rep] = []
    if movement not in TWO_SIDED:
        return [Rep(i, [r], [d]) for i, (d, r) in enumerate(found) if r.complete]
    pending: dict[str, Repeat] = {}
    for d, r in found:  # one iteration per movement (a few per minute)
        if not r.complete:
            continue
        pending[d] = r
        if len(pending) == 2:
            order = sorted(pending.items(), key=lambda x: x[1].peak_s)
            reps.append(Rep(len(reps), [x[1] for x in order], [x[0] for x in order]))
            pending = {}
    return reps


def judge(rep: Rep, movement: str, targets: Targets) -> Rep:
    """Fill ``rep.feedback`` and the ok flags from the targets (the rules in the module
    constants; docs/assessment.md)."""
    fb: list[str] = []
    if targets.range_deg:
        want = dict(zip(sides(movement), targets.range_deg * (2 // len(targets.range_deg)),
                        strict=False))
        short = [(d, p) for d, p in zip(rep.directions, rep.parts, strict=True)
                 if p.rom_deg < RANGE_OK_FRACTION * want.get(d, targets.range_deg[0])]
        rep.range_ok = not short
        if short:
            d, p = short[0]
            fb.append(f"go further ({p.rom_deg:.0f}° of {want.get(d, targets.range_deg[0]):g}°)")
    if targets.hold_s > 0:
        held = min(p.hold_s for p in rep.parts)
        rep.hold_ok = held >= targets.hold_s - HOLD_TOLERANCE_S
        if not rep.hold_ok:
            fb.append(f"hold {targets.hold_s:g} s (held {held:.1f} s)")
    fast = False
    for p in rep.parts:
        if targets.tempo_out_s and p.out_s < TEMPO_FAST_FRACTION * targets.tempo_out_s:
            fast = True
        if targets.tempo_back_s and p.back_s < TEMPO_FAST_FRACTION * targets.tempo_back_s:
            fast = True
    rep.tempo_ok = not fast
    if fast:
        fb.append("slower")
    rep.feedback = fb
    return rep


def count_reps(time: np.ndarray, angles: dict[str, np.ndarray], fs: float, movement: str,
               targets: Targets | None = None) -> list[Rep]:
    """Reps of ``movement`` in the angles (deg, see :func:`kyphos.metrics.rom.movement_angles`),
    judged against ``targets``."""
    reps = pair_reps(movement, find_movements(time, angles, fs, movement))
    t = targets or Targets()
    return [judge(r, movement, t) for r in reps]


def summarise_reps(reps: list[Rep], target_reps: int, targets: Targets) -> dict[str, Any]:
    """Per-exercise numbers for the session summary and the adherence tables."""
    rng = np.array([np.mean([p.rom_deg for p in r.parts]) for r in reps]) if reps else np.zeros(0)
    hold = np.array([min(p.hold_s for p in r.parts) for r in reps]) if reps else np.zeros(0)
    out = np.array([np.mean([p.out_s for p in r.parts]) for r in reps]) if reps else np.zeros(0)
    back = np.array([np.mean([p.back_s for p in r.parts]) for r in reps]) if reps else np.zeros(0)

    def mean(x: np.ndarray) -> float | None:
        return round(float(x.mean()), 2) if len(x) else None

    target_mean = float(np.mean(targets.range_deg)) if targets.range_deg else None
    return {
        "reps_done": len(reps), "reps_target": target_reps,
        "reps_pct": round(100.0 * min(len(reps), target_reps) / target_reps, 1)
        if target_reps else None,
        "range_mean_deg": mean(rng), "range_target_deg": target_mean,
        "range_pct_of_target": round(100.0 * float(rng.mean()) / target_mean, 1)
        if target_mean and len(rng) else None,
        "reps_reaching_range": int(sum(r.range_ok for r in reps)),
        "hold_mean_s": mean(hold), "hold_target_s": targets.hold_s,
        "reps_holding": int(sum(r.hold_ok for r in reps)),
        "out_mean_s": mean(out), "back_mean_s": mean(back),
        "reps_too_fast": int(sum(not r.tempo_ok for r in reps)),
        "reps": [r.to_dict() for r in reps],
    }
