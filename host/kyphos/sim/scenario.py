"""Scripted sessions of a person wearing the sensor: load and validate scenario files, build the
timeline, simulate the IMU stream (batch or streaming) and export the ground truth.

    >>> from kyphos.sim.scenario import load_scenario, simulate
    >>> res = simulate(load_scenario("demo"), seed=1, fs=104)
    >>> res.acc.shape, len(res.truth.lifts)

The format is documented in docs/scenarios.md. ``simulate`` and ``Simulator.chunks`` give the
same numbers for the same seed: both compute fixed blocks of samples in order.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
from scipy.spatial.transform import Rotation

from kyphos.errors import ConfigError
from kyphos.resources import scenario_dir
from kyphos.sim.body import (
    NOMINAL_SENSOR_FROM_BODY,
    TRACKS,
    Anthropometry,
    MountSlip,
    Sway,
    Timeline,
    Track,
    Walk,
    euler_zyx_matrix,
    motion,
)
from kyphos.sim.imu_error import CHIPS, ChipSpec, ImuErrorModel, make_error_model

FORMAT = "kyphos-scenario/1"
SCENARIO_DIR = scenario_dir()
ACTIVITIES = ("stand", "sit", "transition", "walk", "lift", "bend", "rest", "lie")
LIFT_STYLES = ("stoop", "semi-squat", "squat")
# lift start/end: where the scripted trunk flexion speed crosses this (rad/s = 10 °/s)
LIFT_SPEED_THRESHOLD = math.radians(10.0)
_BLOCK = 8192  # samples per computed block; streaming and batch share the block grid
_D = math.radians


class ScenarioError(ConfigError):
    """A scenario file or dict is invalid; the message is one line naming the bad key."""


# ---------------------------------------------------------------------------------------------
# Schema: key → (type, default, lower, upper, choices). REQUIRED marks keys without a default.

REQUIRED = object()


@dataclass(frozen=True)
class Key:
    type: str  # "number", "int", "str", "list", "dict"
    default: Any = REQUIRED
    lo: float | None = None
    hi: float | None = None
    choices: tuple[Any, ...] | None = None


SUBJECT = {
    "height_m": Key("number", 1.75, 1.2, 2.2),
    "shank_m": Key("number", None, 0.2, 0.7),
    "thigh_m": Key("number", None, 0.2, 0.7),
    "lower_trunk_m": Key("number", None, 0.1, 0.5),
    "upper_trunk_m": Key("number", None, 0.1, 0.5),
    "back_depth_m": Key("number", None, 0.0, 0.2),
}
MOUNT = {
    "pitch_deg": Key("number", 15.0, -45, 45),
    "yaw_deg": Key("number", 0.0, -45, 45),
    "roll_deg": Key("number", 0.0, -45, 45),
}
SENSOR = {
    "chip": Key("str", "LSM6DSOX", choices=tuple(CHIPS)),
    "fs_hz": Key("number", 104.0, 10, 1000),
    "acc_range_g": Key("int", 4, choices=(2, 4, 8, 16)),
    "gyr_range_dps": Key("int", 500, choices=(125, 250, 500, 1000, 2000)),
    "error_scale": Key("number", 1.0, 0, 10),
    "noise_scale": Key("number", 1.0, 0, 10),
}
SWAY = {
    "flexion_deg": Key("number", 0.4, 0, 5),
    "lateral_deg": Key("number", 0.3, 0, 5),
    "axial_deg": Key("number", 0.4, 0, 5),
    "breathing_deg": Key("number", 0.3, 0, 3),
}
TOP = {
    "format": Key("str", FORMAT, choices=(FORMAT,)),
    "name": Key("str", ""),
    "description": Key("str", ""),
    "seed": Key("int", 0, 0, 2**63 - 1),
    "heading_deg": Key("number", 0.0, -360, 360),
    "transition_s": Key("number", 2.5, 1.0, 10.0),
    "subject": Key("dict", {}),
    "mount": Key("dict", {}),
    "sensor": Key("dict", {}),
    "sway": Key("dict", {}),
    "segments": Key("list"),
    "clip_slips": Key("list", []),
}
#: A clip slip: the sensor turns on the back by a rotation vector of these components (body
#: frame: pitch about the left axis, + tips the sensor's top forward; yaw about the long axis;
#: roll about the forward axis), starting at ``at_s`` (s from the session start).
CLIP_SLIP = {
    "at_s": Key("number", lo=0),
    "duration_s": Key("number", 0.5, 0.1, 5.0),
    "pitch_deg": Key("number", 0.0, -30, 30),
    "yaw_deg": Key("number", 0.0, -30, 30),
    "roll_deg": Key("number", 0.0, -30, 30),
}
SLOUCH = {
    "at_s": Key("number", lo=0),
    "duration_s": Key("number", lo=0.5),
    "flexion_deg": Key("number", 20.0, 2, 45),
    "ramp_s": Key("number", 2.0, 0.2, 10),
}
_POSTURE = Key("str", "sit", choices=("sit", "stand"))
SEGMENTS: dict[str, dict[str, Key]] = {
    "stand": {"duration_s": Key("number", lo=0.5), "slouches": Key("list", [])},
    "sit": {
        "duration_s": Key("number", lo=0.5),
        "lean_deg": Key("number", 0.0, -20, 30),
        "slouches": Key("list", []),
    },
    "rest": {
        "duration_s": Key("number", lo=2.0),
        "posture": _POSTURE,
        "sway_scale": Key("number", 0.2, 0, 1),
    },
    "lie": {
        "duration_s": Key("number", lo=2.0),
        "recline_deg": Key("number", 90.0, 60, 100),
        "sway_scale": Key("number", 0.3, 0, 1),
    },
    "walk": {
        "duration_s": Key("number", lo=3.0),
        "speed_m_s": Key("number", 1.3, 0.3, 2.5),
        "cadence_spm": Key("number", 110.0, 60, 160),
        "lean_deg": Key("number", 3.0, -5, 20),
        "ramp_s": Key("number", 1.0, 0.5, 3.0),
        "stairs_rise_m": Key("number", 0.0, -0.25, 0.25),
    },
    "lift": {
        "style": Key("str", choices=LIFT_STYLES),
        "flexion_deg": Key("number", None, 15, 85),
        "twist_deg": Key("number", 0.0, -60, 60),
        "lateral_deg": Key("number", 0.0, -30, 30),
        "knee_deg": Key("number", None, 0, 140),
        "down_s": Key("number", 1.2, 0.4, 5),
        "hold_s": Key("number", 0.6, 0, 10),
        "up_s": Key("number", 1.3, 0.4, 5),
        "pre_s": Key("number", 0.5, 0, 60),
        "post_s": Key("number", 1.5, 0.5, 60),
        "repeats": Key("int", 1, 1, 100),
        "gap_s": Key("number", 2.0, 0.5, 60),
    },
    "bend": {
        "label": Key("str", "bend"),
        "posture": Key("str", "stand", choices=("sit", "stand")),
        "flexion_deg": Key("number", 0.0, -40, 85),
        "lateral_deg": Key("number", 0.0, -45, 45),
        "axial_deg": Key("number", 0.0, -70, 70),
        "knee_deg": Key("number", 0.0, 0, 40),
        "down_s": Key("number", 1.5, 0.4, 10),
        "hold_s": Key("number", 2.0, 0, 60),
        "up_s": Key("number", 1.5, 0.4, 10),
        "pre_s": Key("number", 0.5, 0, 60),
        "post_s": Key("number", 1.5, 0.5, 60),
        "repeats": Key("int", 1, 1, 100),
        "gap_s": Key("number", 2.0, 0.5, 60),
    },
}

# Lift styles at the bottom of the lift (degrees). Lumbar flexion from von Arx et al. 2021
# (stoop 35.9 ± 10.1°, squat 25.1 ± 8.2°); ankle, knee, thoracic and the default trunk
# flexion of the upper back are own assumptions. Hip flexion follows from the target flexion.
STYLES: dict[str, dict[str, float]] = {
    "stoop": {"ankle": 3.0, "knee": 12.0, "lumbar": 36.0, "thoracic": 8.0, "flexion": 75.0},
    "semi-squat": {"ankle": 15.0, "knee": 55.0, "lumbar": 30.0, "thoracic": 6.0, "flexion": 60.0},
    "squat": {"ankle": 25.0, "knee": 105.0, "lumbar": 25.0, "thoracic": 5.0, "flexion": 45.0},
}
_HIP_RANGE_DEG = (-15.0, 130.0)


def _fail(src: str, where: str, msg: str) -> ScenarioError:
    return ScenarioError(f"{src}: {where}: {msg}")


def _show(v: Any) -> str:
    """A short JSON-ish rendering of a bad value for an error message."""
    return json.dumps(v, default=repr)[:40]


def _check(obj: Any, spec: dict[str, Key], where: str, src: str) -> dict[str, Any]:
    """Validate one dict against ``spec``; return it with defaults filled in."""
    if not isinstance(obj, dict):
        raise _fail(src, where or "scenario", f"expected an object, got {type(obj).__name__}")
    out: dict[str, Any] = {}
    for k in obj:
        if k not in spec:
            raise _fail(src, f"{where}.{k}" if where else k,
                        f"unknown key (expected one of {', '.join(spec)})")
    for k, key in spec.items():
        path = f"{where}.{k}" if where else k
        if k not in obj:
            if key.default is REQUIRED:
                raise _fail(src, path, "missing required key")
            out[k] = copy.copy(key.default)  # never share a mutable default
            continue
        v = obj[k]
        if v is None and key.default is None:  # optional value left unset
            out[k] = None
            continue
        if key.type in ("number", "int"):
            ok = isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
            if key.type == "int":
                ok = ok and float(v).is_integer()
            if not ok or not math.isfinite(float(v)):
                want = "an integer" if key.type == "int" else "a number"
                raise _fail(src, path, f"expected {want}, got {_show(v)}")
            v = int(v) if key.type == "int" else float(v)
            if (key.lo is not None and v < key.lo) or (key.hi is not None and v > key.hi):
                lo = "-inf" if key.lo is None else f"{key.lo:g}"
                hi = "inf" if key.hi is None else f"{key.hi:g}"
                raise _fail(src, path, f"{v:g} is out of range {lo} … {hi}")
        elif key.type == "str" and not isinstance(v, str):
            raise _fail(src, path, f"expected a string, got {_show(v)}")
        elif key.type == "list" and not isinstance(v, list):
            raise _fail(src, path, f"expected a list, got {_show(v)}")
        elif key.type == "dict" and not isinstance(v, dict):
            raise _fail(src, path, f"expected an object, got {_show(v)}")
        if key.choices is not None and v not in key.choices:
            raise _fail(src, path,
                        f"{_show(v)} is not one of {', '.join(map(str, key.choices))}")
        out[k] = v
    return out


def validate(raw: dict[str, Any], source: str = "scenario") -> dict[str, Any]:
    """Check a scenario dict and return a normalised copy with every default filled in.

    Raises :class:`ScenarioError` with one line ``<source>: <key path>: <problem>``.
    """
    scn = _check(raw, TOP, "", source)
    for sec, spec in (("subject", SUBJECT), ("mount", MOUNT), ("sensor", SENSOR), ("sway", SWAY)):
        scn[sec] = _check(scn[sec], spec, sec, source)
    if not scn["segments"]:
        raise _fail(source, "segments", "needs at least one segment")
    segs = []
    for i, seg in enumerate(scn["segments"]):
        where = f"segments[{i}]"
        if not isinstance(seg, dict):
            raise _fail(source, where, f"expected an object, got {_show(seg)}")
        kind = seg.get("kind")
        if kind not in SEGMENTS:
            raise _fail(source, f"{where}.kind",
                        f"{_show(kind)} is not one of {', '.join(SEGMENTS)}")
        body = _check({k: v for k, v in seg.items() if k != "kind"}, SEGMENTS[kind], where, source)
        body["kind"] = kind
        if "slouches" in body:
            body["slouches"] = _check_slouches(body, where, source)
        if kind == "lift":
            _check_lift(body, where, source)
        segs.append(body)
    scn["segments"] = segs
    slips = [_check(x, CLIP_SLIP, f"clip_slips[{j}]", source) for j, x in enumerate(scn["clip_slips"])]
    for j in range(1, len(slips)):
        if slips[j]["at_s"] < slips[j - 1]["at_s"] + slips[j - 1]["duration_s"]:
            raise _fail(source, f"clip_slips[{j}].at_s", "overlaps the previous clip slip")
    scn["clip_slips"] = slips
    chip = CHIPS[scn["sensor"]["chip"]]
    if scn["sensor"]["acc_range_g"] not in chip.acc_lsb_mg:
        raise _fail(source, "sensor.acc_range_g", f"not available on {chip.name}")
    if scn["sensor"]["gyr_range_dps"] not in chip.gyr_lsb_mdps:
        raise _fail(source, "sensor.gyr_range_dps", f"not available on {chip.name}")
    return scn


def _check_slouches(seg: dict[str, Any], where: str, src: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    end_prev = -math.inf
    for j, s in enumerate(seg["slouches"]):
        w = f"{where}.slouches[{j}]"
        s = _check(s, SLOUCH, w, src)
        if s["duration_s"] < s["ramp_s"]:
            raise _fail(src, f"{w}.duration_s", "must be at least ramp_s")
        if s["at_s"] - s["ramp_s"] / 2 < end_prev:
            raise _fail(src, f"{w}.at_s", "overlaps the previous slouch or the segment start")
        end = s["at_s"] + s["duration_s"] + s["ramp_s"] / 2
        if end > seg["duration_s"]:
            raise _fail(src, f"{w}.duration_s", f"ends at {end:g} s, after the segment")
        end_prev = end
        out.append(s)
    return out


def _lift_joints(seg: dict[str, Any]) -> dict[str, float]:
    """Joint angles (rad) at the bottom of a lift: style defaults, overrides, solved hip."""
    st = STYLES[seg["style"]]
    flex = seg["flexion_deg"] if seg["flexion_deg"] is not None else st["flexion"]
    knee = seg["knee_deg"] if seg["knee_deg"] is not None else st["knee"]
    hip = flex - (st["ankle"] - knee + st["lumbar"] + st["thoracic"])
    return {"ankle": _D(st["ankle"]), "knee": _D(knee), "hip": _D(hip),
            "lumbar": _D(st["lumbar"]), "thoracic": _D(st["thoracic"]), "flexion": _D(flex)}


def _check_lift(seg: dict[str, Any], where: str, src: str) -> None:
    hip = math.degrees(_lift_joints(seg)["hip"])
    if not _HIP_RANGE_DEG[0] <= hip <= _HIP_RANGE_DEG[1]:
        raise _fail(src, f"{where}.flexion_deg",
                    f"needs hip flexion {hip:.0f}° for a {seg['style']} lift "
                    f"(allowed {_HIP_RANGE_DEG[0]:g} … {_HIP_RANGE_DEG[1]:g}°)")


def load_scenario(path_or_name: str | Path) -> dict[str, Any]:
    """Read and validate a scenario file (a path, or the name of a bundled one like "demo").

    A bare name (no suffix) is the bundled scenario unless a *file* of that name exists: a
    folder called ``demo`` in the current directory does not hide the bundled ``demo``."""
    p = Path(path_or_name)
    if not p.is_file() and p.suffix == "" and (SCENARIO_DIR / f"{p.name}.json").exists():
        p = SCENARIO_DIR / f"{p.name}.json"
    src = p.name
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        names = ", ".join(list_scenarios())
        raise ScenarioError(f"{path_or_name}: cannot read ({e.strerror}); bundled: {names}") from e
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as e:
        raise ScenarioError(f"{src}: not valid JSON at line {e.lineno} column {e.colno}: {e.msg}") from e
    scn = validate(raw, src)
    if not scn["name"]:
        scn["name"] = p.stem
    return scn


def list_scenarios() -> list[str]:
    """Names of the bundled scenarios."""
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.json"))


# ---------------------------------------------------------------------------------------------
# Ground truth records


@dataclass
class LiftTruth:
    """One scripted lift. Times in s, angles in rad (sway not included in the peaks).

    ``onset``/``offset``: where the scripted motion starts and stops; ``start``/``end``: where
    the scripted trunk flexion speed first rises above / last falls below
    ``LIFT_SPEED_THRESHOLD`` (10 °/s) — the definition detectors are scored against.
    """

    index: int
    style: str
    start: float
    end: float
    onset: float
    offset: float
    peak_time: float
    peak_flexion: float
    peak_twist: float
    peak_lateral: float
    knee_flexion: float
    hip_flexion: float
    segment: int


@dataclass
class SlouchTruth:
    """A scripted slouch: ``start``/``end`` are the half-way crossings of the extra flexion
    (the ``at_s`` and ``at_s + duration_s`` of the file); onset/offset the ramp ends."""

    index: int
    start: float
    end: float
    onset: float
    offset: float
    flexion: float
    posture: str
    segment: int


@dataclass
class MovementTruth:
    """A scripted bend or exercise repetition (``label`` from the file); start/end as for lifts,
    on the largest of the three angles; the hold is at the peak."""

    index: int
    label: str
    posture: str
    start: float
    end: float
    onset: float
    offset: float
    hold_start: float
    hold_end: float
    peak_flexion: float
    peak_lateral: float
    peak_axial: float
    segment: int


@dataclass
class ClipSlipTruth:
    """A scripted clip slip: the mounting turns from ``start`` to ``end`` (s) by ``deg`` (the
    rotation's angle) with body-frame rotation-vector components ``pitch_deg``, ``yaw_deg``,
    ``roll_deg``. The truth trunk angles do not include it (they are of the trunk)."""

    index: int
    start: float
    end: float
    deg: float
    pitch_deg: float
    yaw_deg: float
    roll_deg: float


@dataclass
class StepTruth:
    """A heel strike of a scripted walk at ``t`` (s): a low point of the trunk's bounce at
    which the gait's envelope is at least half of its full amplitude (the ramps in and out of
    a walk make shallower bounces, which are not counted)."""

    index: int
    t: float
    segment: int


@dataclass
class SegmentTruth:
    """A stretch of the timeline; ``index`` is the segment in the file, −1 for an inserted
    sit/stand transition."""

    index: int
    kind: str
    start: float
    end: float


def _speed_crossing(amp: float, dur: float) -> float:
    """Time after a minimum-jerk move of ``amp`` rad over ``dur`` s where its speed first
    reaches ``LIFT_SPEED_THRESHOLD`` (0 if it never does)."""
    # speed = amp/dur · 30 u²(1−u)² → u(1−u) = c
    c = math.sqrt(LIFT_SPEED_THRESHOLD * dur / (30.0 * abs(amp))) if amp else 1.0
    if c > 0.25:
        return 0.0
    return dur * (1.0 - math.sqrt(1.0 - 4.0 * c)) / 2.0


# ---------------------------------------------------------------------------------------------
# Timeline building


_STAND = {"ankle": 0.0, "knee": 0.0, "hip": 0.0, "lumbar": 0.0, "thoracic": 0.0}


def _sit(lean_rad: float) -> dict[str, float]:
    return {"ankle": 0.0, "knee": _D(90), "hip": _D(90) + lean_rad, "lumbar": 0.0, "thoracic": 0.0}


def _lie(recline_rad: float) -> dict[str, float]:
    """Lying back on a bed from sitting on its edge: thighs level, lower legs hanging, the trunk
    reclined by ``recline_rad`` from upright (π/2 = supine)."""
    return {"ankle": 0.0, "knee": _D(90), "hip": _D(90) - recline_rad, "lumbar": 0.0,
            "thoracic": 0.0}


class _Builder:
    def __init__(self, scn: dict[str, Any], rng: np.random.Generator) -> None:
        self.scn = scn
        self.rng = rng
        self.t = 0.0
        self.posture = "stand"
        self.base = dict(_STAND)
        self.tracks = {name: Track() for name in TRACKS}
        for name in TRACKS:
            self.tracks[name].key(0.0, 1.0 if name == "sway_gain" else 0.0)
        self.walks: list[Walk] = []
        self.lifts: list[LiftTruth] = []
        self.slouches: list[SlouchTruth] = []
        self.moves: list[MovementTruth] = []
        self.segments: list[SegmentTruth] = []
        self.steps: list[StepTruth] = []
        self.first = True

    def move(self, t0: float, t1: float, target: dict[str, float]) -> None:
        for k, v in target.items():
            self.tracks[k].move(t0, t1, v)

    def seg(self, index: int, kind: str, dur: float) -> None:
        self.segments.append(SegmentTruth(index, kind, self.t, self.t + dur))
        self.t += dur

    def ensure(self, posture: str, lean_rad: float = 0.0) -> None:
        """Go to ``posture`` (inserting a transition) or adjust the sitting lean (the recline
        when lying). Lying is reached from sitting and left to sitting (2 s seated between)."""
        if {posture, self.posture} == {"lie", "stand"} and not self.first:
            self.ensure("sit")
            self.seg(-1, "sit", 2.0)
        target = {"sit": _sit, "lie": _lie}.get(posture, lambda _x: dict(_STAND))(lean_rad)
        if posture != self.posture:
            if self.first:  # a session may start seated: no transition needed
                for k, v in target.items():
                    self.tracks[k].key(0.0, v)
            else:
                dur = self.scn["transition_s"]
                t0 = self.t
                if "lie" in (posture, self.posture):  # lying back or sitting up: one move
                    self.move(t0, t0 + dur, target)
                else:
                    self.move(t0, t0 + dur, {k: v for k, v in target.items() if k != "lumbar"})
                    # forward lean of the trunk peaks half-way (seat-off / seat contact)
                    self.tracks["lumbar"].move(t0, t0 + dur / 2, _D(30))
                    self.tracks["lumbar"].move(t0 + dur / 2, t0 + dur, target["lumbar"])
                self.seg(-1, "transition", dur)
        elif target != self.base:  # same posture, new lean: adjust the joints that differ
            self.move(self.t, self.t + 1.0, {k: v for k, v in target.items() if v != self.base[k]})
        self.posture = posture
        self.base = target
        self.first = False


def _build_stand_sit(b: _Builder, i: int, seg: dict[str, Any]) -> None:
    kind = seg["kind"]
    b.ensure("sit" if kind == "sit" else "stand", _D(seg.get("lean_deg", 0.0)))
    t0 = b.t
    for s in seg.get("slouches", []):
        a = _D(s["flexion_deg"])
        r = s["ramp_s"]
        start, end = t0 + s["at_s"], t0 + s["at_s"] + s["duration_s"]
        th, lu = b.base["thoracic"], b.base["lumbar"]
        # slouch: thoracic flexion plus some lumbar flexion (0.6 / 0.4 split, assumption)
        b.move(start - r / 2, start + r / 2, {"thoracic": th + 0.6 * a, "lumbar": lu + 0.4 * a})
        b.move(end - r / 2, end + r / 2, {"thoracic": th, "lumbar": lu})
        b.slouches.append(SlouchTruth(len(b.slouches), start, end, start - r / 2, end + r / 2,
                                      a, b.posture, i))
    b.seg(i, kind, seg["duration_s"])


def _build_rest(b: _Builder, i: int, seg: dict[str, Any]) -> None:
    b.ensure(seg["posture"])
    t0, t1 = b.t, b.t + seg["duration_s"]
    b.tracks["sway_gain"].move(t0, t0 + 1.0, seg["sway_scale"])
    b.tracks["sway_gain"].move(t1 - 1.0, t1, 1.0)
    b.seg(i, "rest", seg["duration_s"])


def _build_lie(b: _Builder, i: int, seg: dict[str, Any]) -> None:
    b.ensure("lie", _D(seg["recline_deg"]))
    t0, t1 = b.t, b.t + seg["duration_s"]
    b.tracks["sway_gain"].move(t0, t0 + 1.0, seg["sway_scale"])
    b.tracks["sway_gain"].move(t1 - 1.0, t1, 1.0)
    b.seg(i, "lie", seg["duration_s"])


def walk_steps(w: Walk) -> np.ndarray:
    """Heel strikes of a walk (s): the low points of its vertical bounce ``cos(phase) = −1``
    (body.pose: ``up = envelope·bob·cos(2π·f·(t − t0) + phase)``) where the envelope is at
    least 0.5 (see :class:`StepTruth`)."""
    k0 = math.ceil((w.phase - math.pi) / (2 * math.pi))
    k = np.arange(k0, k0 + int(w.step_hz * (w.t1 - w.t0)) + 2)
    t = w.t0 + (math.pi + 2 * math.pi * k - w.phase) / (2 * math.pi * w.step_hz)
    t = t[(t >= w.t0) & (t <= w.t1)]
    return t[w.envelope(t) >= 0.5]


def _build_walk(b: _Builder, i: int, seg: dict[str, Any]) -> None:
    b.ensure("stand")
    t0 = b.t
    w = Walk(
        t0=t0, t1=t0 + seg["duration_s"], ramp_s=seg["ramp_s"], speed_m_s=seg["speed_m_s"],
        step_hz=seg["cadence_spm"] / 60.0, phase=float(b.rng.uniform(0, 2 * np.pi)),
        lean_rad=_D(seg["lean_deg"]), rise_m=seg["stairs_rise_m"],
    )
    b.walks.append(w)
    for ts in walk_steps(w):
        b.steps.append(StepTruth(len(b.steps), float(ts), i))
    b.seg(i, "walk", seg["duration_s"])


def _build_lift(b: _Builder, i: int, seg: dict[str, Any]) -> None:
    b.ensure("stand")
    j = _lift_joints(seg)
    tw, lat = _D(seg["twist_deg"]), _D(seg["lateral_deg"])
    down, hold, up = seg["down_s"], seg["hold_s"], seg["up_s"]
    t0 = b.t
    t = t0 + seg["pre_s"]
    bottom = {k: j[k] for k in ("ankle", "knee", "hip", "lumbar", "thoracic")}
    bottom.update(twist=tw, lateral=lat)
    for rep in range(seg["repeats"]):
        if rep:
            t += seg["gap_s"]
        b.move(t, t + down, bottom)
        b.move(t + down + hold, t + down + hold + up, dict(_STAND, twist=0.0, lateral=0.0))
        off = t + down + hold + up
        b.lifts.append(LiftTruth(
            index=len(b.lifts), style=seg["style"],
            start=t + _speed_crossing(j["flexion"], down),
            end=off - _speed_crossing(j["flexion"], up),
            onset=t, offset=off, peak_time=t + down + hold / 2, peak_flexion=j["flexion"],
            peak_twist=tw, peak_lateral=lat, knee_flexion=j["knee"], hip_flexion=j["hip"],
            segment=i,
        ))
        t = off
    b.seg(i, "lift", t + seg["post_s"] - t0)


def _build_bend(b: _Builder, i: int, seg: dict[str, Any]) -> None:
    b.ensure(seg["posture"])
    f, lat, ax = _D(seg["flexion_deg"]), _D(seg["lateral_deg"]), _D(seg["axial_deg"])
    knee = _D(seg["knee_deg"])
    base = dict(b.base)
    # flexion shared by hip 0.45, lumbar 0.45, thoracic 0.10 (assumption); a knee bend is
    # compensated at the hip so the trunk angle is the scripted one
    peak = {"ankle": base["ankle"], "knee": base["knee"] + knee,
            "hip": base["hip"] + 0.45 * f + knee, "lumbar": base["lumbar"] + 0.45 * f,
            "thoracic": base["thoracic"] + 0.10 * f, "lateral": lat, "twist": ax}
    rest = dict(base, lateral=0.0, twist=0.0)
    down, hold, up = seg["down_s"], seg["hold_s"], seg["up_s"]
    t0 = b.t
    t = t0 + seg["pre_s"]
    main = max(abs(f), abs(lat), abs(ax))
    for rep in range(seg["repeats"]):
        if rep:
            t += seg["gap_s"]
        b.move(t, t + down, peak)
        b.move(t + down + hold, t + down + hold + up, rest)
        off = t + down + hold + up
        b.moves.append(MovementTruth(
            index=len(b.moves), label=seg["label"], posture=seg["posture"],
            start=t + _speed_crossing(main, down), end=off - _speed_crossing(main, up),
            onset=t, offset=off, hold_start=t + down, hold_end=t + down + hold,
            peak_flexion=f, peak_lateral=lat, peak_axial=ax, segment=i,
        ))
        t = off
    b.seg(i, "bend", t + seg["post_s"] - t0)


_BUILDERS = {
    "stand": _build_stand_sit,
    "sit": _build_stand_sit,
    "rest": _build_rest,
    "lie": _build_lie,
    "walk": _build_walk,
    "lift": _build_lift,
    "bend": _build_bend,
}


def mount_matrix(pitch_deg: float, yaw_deg: float, roll_deg: float) -> np.ndarray:
    """body-from-sensor rotation: the nominal mounting turned by yaw (about body z), pitch
    (about body y; + tilts the sensor's x axis forward, as kyphosis does) and roll (about body
    x), applied as Rz·Ry·Rx in the body frame."""
    r = euler_zyx_matrix(np.array(_D(yaw_deg)), np.array(_D(pitch_deg)), np.array(_D(roll_deg)))
    return np.asarray(r @ NOMINAL_SENSOR_FROM_BODY.T)


@dataclass
class Built:
    """A scenario turned into a timeline plus its scripted events."""

    scenario: dict[str, Any]
    timeline: Timeline
    lifts: list[LiftTruth]
    slouches: list[SlouchTruth]
    movements: list[MovementTruth]
    segments: list[SegmentTruth]
    steps: list[StepTruth] = field(default_factory=list)
    clip_slips: list[ClipSlipTruth] = field(default_factory=list)


def build(scn: dict[str, Any], seed_seq: np.random.SeedSequence) -> Built:
    """Build the timeline of a validated scenario (random parts drawn from ``seed_seq``)."""
    rng = np.random.default_rng(seed_seq)
    b = _Builder(scn, rng)
    for i, seg in enumerate(scn["segments"]):
        _BUILDERS[seg["kind"]](b, i, seg)
    sub = scn["subject"]
    body = Anthropometry.from_height(sub["height_m"])
    for k in ("shank_m", "thigh_m", "lower_trunk_m", "upper_trunk_m", "back_depth_m"):
        if sub[k] is not None:
            setattr(body, k, sub[k])
    sw = scn["sway"]
    sway = Sway.draw(rng, (_D(sw["flexion_deg"]), _D(sw["lateral_deg"]), _D(sw["axial_deg"])),
                     _D(sw["breathing_deg"]))
    m = scn["mount"]
    slips: list[MountSlip] = []
    slip_truth: list[ClipSlipTruth] = []
    for j, c in enumerate(scn.get("clip_slips", [])):  # per clip slip (few)
        rv = np.radians([c["roll_deg"], c["pitch_deg"], c["yaw_deg"]])
        t0 = float(c["at_s"])
        slips.append(MountSlip(t0, t0 + c["duration_s"], rv))
        slip_truth.append(ClipSlipTruth(j, t0, t0 + c["duration_s"],
                                        float(np.degrees(np.linalg.norm(rv))), c["pitch_deg"],
                                        c["yaw_deg"], c["roll_deg"]))
    tl = Timeline(b.tracks, b.walks, sway, body,
                  mount_matrix(m["pitch_deg"], m["yaw_deg"], m["roll_deg"]),
                  heading=_D(scn["heading_deg"]), duration=b.t, slips=slips)
    return Built(scn, tl, b.lifts, b.slouches, b.moves, b.segments, b.steps, slip_truth)


# ---------------------------------------------------------------------------------------------
# Simulation output


@dataclass
class TruthSamples:
    """Per-sample ground truth (N samples). Angles in rad: trunk flexion (+ forward), lateral
    bend (+ right), axial rotation (+ right, = −(yaw − heading)), yaw (trunk heading about earth
    z). Quaternions ``[w, x, y, z]`` Hamilton: ``body_quat`` trunk-to-earth, ``sensor_quat``
    sensor-to-earth. ``position`` sensor in earth frame (m); ``acc``/``gyr`` the error-free
    specific force (m/s²) and angular rate (rad/s) in the sensor frame. ``activity`` indexes
    ``ACTIVITIES``; ``lift_id`` is the lift index between its onset and offset, else −1;
    ``slouch`` is True between a slouch's start and end."""

    flexion: np.ndarray
    lateral: np.ndarray
    axial: np.ndarray
    yaw: np.ndarray
    body_quat: np.ndarray
    sensor_quat: np.ndarray
    position: np.ndarray
    acc: np.ndarray
    gyr: np.ndarray
    activity: np.ndarray
    lift_id: np.ndarray
    slouch: np.ndarray


@dataclass
class SimChunk:
    """Consecutive samples ``start … start + len(time) − 1`` of a simulated session.

    ``time`` s from the session start; ``acc`` (N, 3) m/s² and ``gyr`` (N, 3) rad/s in the
    sensor frame as the chip reports them (= raw counts × scale); ``acc_raw``/``gyr_raw`` int16
    counts; ``clipped`` True where an axis is at the end of its range; ``acc_analog`` /
    ``gyr_analog`` the same measurement with all chip errors but before quantisation and
    clipping (for chip models that apply their own register-configured full scale)."""

    start: int
    time: np.ndarray
    acc: np.ndarray
    gyr: np.ndarray
    acc_raw: np.ndarray
    gyr_raw: np.ndarray
    clipped: np.ndarray
    acc_analog: np.ndarray
    gyr_analog: np.ndarray
    truth: TruthSamples

    def __len__(self) -> int:
        return len(self.time)


@dataclass
class Truth(TruthSamples):
    """Whole-session ground truth: the per-sample arrays plus the scripted events."""

    time: np.ndarray = field(default_factory=lambda: np.zeros(0))
    lifts: list[LiftTruth] = field(default_factory=list)
    slouches: list[SlouchTruth] = field(default_factory=list)
    movements: list[MovementTruth] = field(default_factory=list)
    segments: list[SegmentTruth] = field(default_factory=list)
    steps: list[StepTruth] = field(default_factory=list)
    clip_slips: list[ClipSlipTruth] = field(default_factory=list)
    sensor_from_body: np.ndarray = field(default_factory=lambda: NOMINAL_SENSOR_FROM_BODY.copy())
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class SimResult:
    """A simulated session: what the chip reports plus the ground truth.

    ``acc_scale`` m/s² per LSB and ``gyr_scale`` rad/s per LSB convert the int16 counts;
    ``imu_model`` is the INFO code of docs/protocol.md."""

    name: str
    seed: int
    fs: float
    chip: str
    imu_model: int
    acc_range_g: int
    gyr_range_dps: int
    acc_scale: float
    gyr_scale: float
    time: np.ndarray
    acc: np.ndarray
    gyr: np.ndarray
    acc_raw: np.ndarray
    gyr_raw: np.ndarray
    clipped: np.ndarray
    acc_analog: np.ndarray
    gyr_analog: np.ndarray
    truth: Truth

    def to_session(self, calibration_note: bool = False) -> Any:
        """The samples as a :class:`kyphos.session.Session` (what the loader would return).

        ``calibration_note``: add the NOTE ``kyphos`` writes after a guided calibration
        (:meth:`calibration_note`), as a recording made with ``kyphos calibrate`` has."""
        from kyphos.session import Session

        info = {"imu_model": self.imu_model, "board": 0, "odr_chz": round(self.fs * 100),
                "acc_fs_g": self.acc_range_g, "gyr_fs_dps": self.gyr_range_dps,
                "acc_scale": self.acc_scale, "gyr_scale": self.gyr_scale}
        note = self.calibration_note() if calibration_note else None
        return Session(time=self.time.copy(), acc=self.acc.copy(), gyr=self.gyr.copy(),
                       fs=self.fs, info=info, header={"simulated": self.truth.meta},
                       notes=[(float(self.time[-1]), note)] if note else [])

    def calibration_note(self) -> dict[str, Any] | None:
        """The guided-calibration NOTE of a session that starts with quiet standing and
        ``calibration_bend`` bends (:func:`random_lift_session`, :func:`random_day_session`):
        upright = the first standing segment less 0.5 s at each end, bend = the first onset to
        the last offset of the calibration bends (s); None if the session has no such start."""
        tr = self.truth
        cb = [m for m in tr.movements if m.label == "calibration_bend"]
        if not tr.segments or tr.segments[0].kind != "stand" or not cb:
            return None
        s0 = tr.segments[0]
        return {"kind": "calibration", "method": "guided",
                "upright": [round(s0.start + 0.5, 4), round(s0.end - 0.5, 4)],
                "bend": [round(cb[0].onset, 4), round(cb[-1].offset, 4)]}


class Simulator:
    """Streaming simulation of one scenario: ``read(n)`` returns the next n samples.

    ``Simulator(scn, seed=s).chunks(n)`` concatenated equals ``simulate(scn, seed=s)`` exactly,
    whatever n: samples are computed in fixed blocks of ``_BLOCK`` in order and served from them.
    ``seed``, ``fs`` and ``chip`` override the scenario's ``seed``, ``sensor.fs_hz`` and
    ``sensor.chip``.
    """

    def __init__(self, scenario: dict[str, Any] | str | Path, *, seed: int | None = None,
                 fs: float | None = None, chip: str | ChipSpec | None = None) -> None:
        if isinstance(scenario, (str, Path)):
            scenario = load_scenario(scenario)
        else:
            scenario = validate(scenario, scenario.get("name") or "scenario")
        scn = scenario
        sen = scn["sensor"]
        self.seed = int(scn["seed"] if seed is None else seed)
        self.fs = float(sen["fs_hz"] if fs is None else fs)
        if not 10 <= self.fs <= 1000:
            raise ScenarioError(f"fs: {self.fs:g} Hz is out of range 10 … 1000")
        chip = sen["chip"] if chip is None else chip
        ss_body, ss_imu = np.random.SeedSequence(self.seed).spawn(2)
        self.built = build(scn, ss_body)
        try:
            self.imu: ImuErrorModel = make_error_model(
                chip, self.fs, ss_imu, sen["acc_range_g"], sen["gyr_range_dps"],
                sen["error_scale"], sen["noise_scale"])
        except ValueError as e:
            raise ScenarioError(f"{scn['name'] or 'scenario'}: {e}") from e
        self.n_samples = int(math.floor(self.built.timeline.duration * self.fs))
        self._next = 0
        self._block: SimChunk | None = None

    @property
    def duration(self) -> float:
        return self.n_samples / self.fs

    def _compute(self, i0: int) -> SimChunk:
        i1 = min(i0 + _BLOCK, self.n_samples)
        t = np.arange(i0, i1) / self.fs
        m = motion(self.built.timeline, t)
        acc_m, gyr_m = self.imu.measure(m.acc, m.gyr)
        acc_c, gyr_c, clipped = self.imu.digitise(acc_m, gyr_m)
        p = m.pose
        truth = TruthSamples(
            flexion=p.flexion, lateral=p.lateral, axial=p.twist, yaw=p.yaw,
            body_quat=_quat_wxyz(p.rotation), sensor_quat=_quat_wxyz(m.sensor_rotation),
            position=p.position, acc=m.acc, gyr=m.gyr,
            activity=_activity(self.built.segments, t),
            lift_id=_interval_id([(x.onset, x.offset) for x in self.built.lifts], t),
            slouch=_interval_id([(x.start, x.end) for x in self.built.slouches], t) >= 0,
        )
        return SimChunk(i0, t, acc_c * self.imu.acc_scale, gyr_c * self.imu.gyr_scale,
                        acc_c, gyr_c, clipped, acc_m, gyr_m, truth)

    def read(self, n: int) -> SimChunk:
        """The next ``n`` samples (fewer at the end; an empty chunk once all are read)."""
        parts: list[SimChunk] = []
        want = max(0, min(n, self.n_samples - self._next))
        while want > 0:
            blk = self._block
            if blk is None or self._next >= blk.start + len(blk):
                blk = self._block = self._compute(self._next)
            a = self._next - blk.start
            k = min(want, len(blk) - a)
            parts.append(_slice(blk, a, a + k))
            self._next += k
            want -= k
        if not parts:
            return _slice(self._compute_empty(), 0, 0)
        return parts[0] if len(parts) == 1 else _concat(parts)

    def read_until(self, t_s: float) -> SimChunk:
        """All samples not yet read whose time is before ``t_s`` (s since the session start):
        what a chip running in real time has produced by then."""
        return self.read(max(0, math.ceil(t_s * self.fs - 1e-9) - self._next))

    @property
    def position(self) -> int:
        """Index of the next sample ``read`` returns."""
        return self._next

    def _compute_empty(self) -> SimChunk:
        z3 = np.zeros((0, 3))
        zi = np.zeros((0, 3), np.int16)
        tr = TruthSamples(np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0), np.zeros((0, 4)),
                          np.zeros((0, 4)), z3, z3, z3, np.zeros(0, np.int8),
                          np.zeros(0, np.int32), np.zeros(0, bool))
        return SimChunk(self.n_samples, np.zeros(0), z3, z3, zi, zi, np.zeros(0, bool), z3, z3, tr)

    def chunks(self, n: int) -> Iterator[SimChunk]:
        """Yield consecutive chunks of ``n`` samples until the session ends."""
        if n < 1:
            raise ValueError("chunk size must be at least 1 sample")
        while self._next < self.n_samples:
            yield self.read(n)

    def result(self, chunk: SimChunk) -> SimResult:
        """Wrap a whole-session chunk with the metadata and events."""
        b = self.built
        imu = self.imu
        meta = {
            "scenario": b.scenario["name"], "seed": self.seed, "fs": self.fs,
            "chip": imu.spec.name, "acc_range_g": imu.acc_range_g,
            "gyr_range_dps": imu.gyr_range_dps, "error_scale": b.scenario["sensor"]["error_scale"],
            "noise_scale": imu.noise_scale, "mount": b.scenario["mount"],
            "imu_errors": imu.unit.as_dict(), "lift_speed_threshold": LIFT_SPEED_THRESHOLD,
            "activities": list(ACTIVITIES), "duration": self.duration,
        }
        truth = Truth(**{f.name: getattr(chunk.truth, f.name) for f in fields(TruthSamples)},
                      time=chunk.time, lifts=b.lifts, slouches=b.slouches,
                      movements=b.movements, segments=b.segments, steps=b.steps,
                      clip_slips=b.clip_slips,
                      sensor_from_body=b.timeline.sensor_from_body, meta=meta)
        return SimResult(b.scenario["name"], self.seed, self.fs, imu.spec.name,
                         imu.spec.imu_model, imu.acc_range_g, imu.gyr_range_dps, imu.acc_scale,
                         imu.gyr_scale, chunk.time, chunk.acc, chunk.gyr, chunk.acc_raw,
                         chunk.gyr_raw, chunk.clipped, chunk.acc_analog, chunk.gyr_analog, truth)


def simulate(scenario: dict[str, Any] | str | Path, *, seed: int | None = None,
             fs: float | None = None, chip: str | ChipSpec | None = None) -> SimResult:
    """Simulate a whole session (see :class:`Simulator` for the arguments)."""
    sim = Simulator(scenario, seed=seed, fs=fs, chip=chip)
    return sim.result(sim.read(sim.n_samples))


class SensorSource:
    """Per-sample source for register-level chip models: ``src(t_s)`` returns
    ``(ax, ay, az, gx, gy, gz)`` in the kyphos sensor frame (m/s², rad/s) at any time ``t_s``
    (s since the session start), with the chip's errors but before quantisation.

    The exact kinematics are computed on a ``grid_hz`` grid in blocks of ``block_s`` aligned to
    multiples of ``block_s`` and interpolated linearly (error < 1e-3 m/s² at 1 kHz); each call
    draws the next noise sample, so the same sequence of times gives the same values. Times
    should not decrease; after the scenario ends the wearer holds the last pose.
    ``seed``/``fs``/``chip`` as for :class:`Simulator` (``fs`` sets the noise bandwidth).
    """

    def __init__(self, scenario: dict[str, Any] | str | Path, *, seed: int | None = None,
                 fs: float | None = None, chip: str | ChipSpec | None = None,
                 grid_hz: float = 1000.0, block_s: float = 2.0) -> None:
        self.sim = Simulator(scenario, seed=seed, fs=fs, chip=chip)
        self.grid_hz = grid_hz
        self.block_s = block_s
        self.duration = self.sim.built.timeline.duration
        self._k = -1
        self._acc = np.zeros((0, 3))
        self._gyr = np.zeros((0, 3))

    def _load(self, k: int) -> None:
        n = int(math.ceil(self.block_s * self.grid_hz)) + 2
        t = k * self.block_s + np.arange(n) / self.grid_hz
        m = motion(self.sim.built.timeline, np.minimum(t, self.duration))
        self._k, self._acc, self._gyr = k, m.acc, m.gyr

    def exact(self, t_s: float) -> tuple[np.ndarray, np.ndarray]:
        """Error-free (acc, gyr) at ``t_s``, interpolated from the grid."""
        t = min(max(t_s, 0.0), self.duration)
        k = int(t // self.block_s)
        if k != self._k:
            self._load(k)
        j = (t - k * self.block_s) * self.grid_hz
        i = min(int(j), len(self._acc) - 2)
        w = j - i
        acc = self._acc[i] * (1.0 - w) + self._acc[i + 1] * w
        gyr = self._gyr[i] * (1.0 - w) + self._gyr[i + 1] * w
        return acc, gyr

    def __call__(self, t_s: float) -> tuple[float, float, float, float, float, float]:
        acc, gyr = self.exact(t_s)
        a, g = self.sim.imu.measure(acc[None, :], gyr[None, :])
        return (float(a[0, 0]), float(a[0, 1]), float(a[0, 2]),
                float(g[0, 0]), float(g[0, 1]), float(g[0, 2]))


def _quat_wxyz(r: np.ndarray) -> np.ndarray:
    # the one place scipy's scalar-last convention meets ours; w ≥ 0
    if len(r) == 0:
        return np.zeros((0, 4))
    return np.asarray(Rotation.from_matrix(r).as_quat(canonical=True, scalar_first=True))


def _activity(segs: list[SegmentTruth], t: np.ndarray) -> np.ndarray:
    starts = np.array([s.start for s in segs])
    codes = np.array([ACTIVITIES.index(s.kind) for s in segs], np.int8)
    i = np.clip(np.searchsorted(starts, t, side="right") - 1, 0, len(segs) - 1)
    return codes[i]


def _interval_id(iv: list[tuple[float, float]], t: np.ndarray) -> np.ndarray:
    """Index of the (sorted, disjoint) interval [a, b] containing each t, else −1."""
    out = np.full(len(t), -1, np.int32)
    if not iv:
        return out
    a = np.array([x[0] for x in iv])
    b = np.array([x[1] for x in iv])
    i = np.searchsorted(a, t, side="right") - 1
    ok = (i >= 0) & (t <= b[np.maximum(i, 0)])
    out[ok] = i[ok]
    return out


def _slice(c: SimChunk, a: int, b: int) -> SimChunk:
    tr = TruthSamples(**{f.name: getattr(c.truth, f.name)[a:b] for f in fields(TruthSamples)})
    return SimChunk(c.start + a, c.time[a:b], c.acc[a:b], c.gyr[a:b], c.acc_raw[a:b],
                    c.gyr_raw[a:b], c.clipped[a:b], c.acc_analog[a:b], c.gyr_analog[a:b], tr)


def _concat(parts: list[SimChunk]) -> SimChunk:
    tr = TruthSamples(**{f.name: np.concatenate([getattr(p.truth, f.name) for p in parts])
                         for f in fields(TruthSamples)})
    cat = {k: np.concatenate([getattr(p, k) for p in parts])
           for k in ("time", "acc", "gyr", "acc_raw", "gyr_raw", "clipped", "acc_analog",
                     "gyr_analog")}
    return SimChunk(start=parts[0].start, truth=tr, **cat)


# ---------------------------------------------------------------------------------------------
# Ground truth export


_EVENT_TYPES = {"lifts": LiftTruth, "slouches": SlouchTruth, "movements": MovementTruth,
                "segments": SegmentTruth, "steps": StepTruth, "clip_slips": ClipSlipTruth}
_SAMPLE_KEYS = ["time"] + [f.name for f in fields(TruthSamples)]


def write_truth(result: SimResult | Truth, path: str | Path, samples: bool = True) -> Path:
    """Write the ground truth to ``.npz`` (arrays, events as JSON in ``events``) or ``.json``
    (events and metadata; per-sample arrays as lists when ``samples``). Angles in rad."""
    truth = result.truth if isinstance(result, SimResult) else result
    p = Path(path)
    events = {k: [asdict(e) for e in getattr(truth, k)] for k in _EVENT_TYPES}
    doc = {"format": "kyphos-truth/1", "meta": truth.meta, **events,
           "sensor_from_body": truth.sensor_from_body.tolist()}
    if p.suffix == ".npz":
        arrays = {k: getattr(truth, k) for k in _SAMPLE_KEYS}
        np.savez_compressed(p, events=np.array(json.dumps(doc)), **arrays)
    elif p.suffix == ".json":
        if samples:
            doc["samples"] = {k: np.asarray(getattr(truth, k)).tolist() for k in _SAMPLE_KEYS}
        p.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    else:
        raise ValueError(f"{p.name}: truth is written as .npz or .json")
    return p


def read_truth(path: str | Path) -> Truth:
    """Read what :func:`write_truth` wrote (per-sample arrays empty if the JSON has none)."""
    p = Path(path)
    if p.suffix == ".npz":
        with np.load(p) as z:
            doc = json.loads(str(z["events"]))
            arrays = {k: z[k] for k in _SAMPLE_KEYS}
    else:
        doc = json.loads(p.read_text(encoding="utf-8"))
        s = doc.get("samples", {})
        arrays = {k: np.asarray(s.get(k, [])) for k in _SAMPLE_KEYS}
    kw: dict[str, Any] = {k: [cls(**e) for e in doc.get(k, [])] for k, cls in _EVENT_TYPES.items()}
    kw.update(arrays)
    return Truth(**kw, sensor_from_body=np.asarray(doc["sensor_from_body"]),
                 meta=doc["meta"])


# ---------------------------------------------------------------------------------------------
# Random sessions for accuracy sweeps


def random_lift_session(seed: int, fs: float = 104.0, n_lifts: int = 12,
                        chip: str = "LSM6DSOX", noise_scale: float | None = None,
                        walking: bool = True,
                        styles: tuple[str, ...] = LIFT_STYLES,
                        stature_sd: float = 0.0,
                        stature_z: float | None = None) -> dict[str, Any]:
    """A validated scenario with a varied lifting session, drawn from ``seed``.

    Quiet standing (10 s) and three forward bends for calibration, then ``n_lifts`` lifts of
    random style (stoop / semi-squat / squat), depth (peak flexion stoop 45–85°, semi-squat
    35–75°, squat 25–65°: overlapping), knee bend (5–30°, 35–75°, 80–120°), speed, twist (half of them,
    15–45°) and lateral bend (a third, 5–20°), separated by standing and (if ``walking``)
    walks. Mounting:
    pitch 10–25°, yaw ±15°, roll ±10°; noise_scale 0.5–2 unless given. Simulate with
    ``simulate(scn, seed=seed)``. ``styles`` restricts the styles drawn (e.g. ("stoop",
    "squat") for a two-class accuracy check). ``stature_sd`` > 0 draws the wearer's stature
    as 1.75 m × (1 + stature_sd · N(0, 1)) (segments scale with it, ``Anthropometry.from_height``)
    after every other draw, so the rest of the session is the same; 0 (the default): 1.75 m.
    0.041 is the within-sex SD of adult stature (men 7.2 cm, NCHS Vital and Health Statistics
    Series 11 No. 8; ``bench/style_sim_classes.py``). ``stature_z`` given: that standard score
    instead of the drawn one (the fit's stratified draw, ``bench/fit_thresholds.py``).
    """
    bad = [x for x in styles if x not in LIFT_STYLES]
    if bad or not styles:
        raise ScenarioError(f"styles: {bad or '()'} not among {', '.join(LIFT_STYLES)}")
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x5EED]))
    u = rng.uniform
    segs: list[dict[str, Any]] = [
        {"kind": "stand", "duration_s": 10.0},
        {"kind": "bend", "label": "calibration_bend", "flexion_deg": round(u(45, 70), 1),
         "repeats": 3, "hold_s": 1.0},
        {"kind": "stand", "duration_s": round(u(3, 6), 2)},
    ]
    # Peak upper-back flexion ranges overlap on purpose (own assumption, anchored on von Arx
    # 2021: lumbar ROM stoop 35.9 ± 10.1°, squat 25.1 ± 8.2°, whose ± 1 SD bands overlap; free
    # lifts are rarely pure): 45–65° can be any style, so peak flexion alone cannot tell them
    # apart. Knee ranges stay disjoint so that the truth label itself is unambiguous.
    flex_range = {"stoop": (45, 85), "semi-squat": (35, 75), "squat": (25, 65)}
    knee_range = {"stoop": (5, 30), "semi-squat": (35, 75), "squat": (80, 120)}
    for k in range(n_lifts):
        style = str(rng.choice(list(styles)))
        lo, hi = flex_range[style]
        lift: dict[str, Any] = {
            "kind": "lift", "style": style, "flexion_deg": round(u(lo, hi), 1),
            "knee_deg": round(u(*knee_range[style]), 1),
            "down_s": round(u(0.8, 1.8), 2), "hold_s": round(u(0.3, 1.5), 2),
            "up_s": round(u(0.9, 2.0), 2), "pre_s": round(u(0.3, 1.0), 2),
            "post_s": round(u(1.0, 2.5), 2),
        }
        if rng.random() < 0.5:
            lift["twist_deg"] = round(float(rng.choice([-1, 1])) * u(15, 45), 1)
        if rng.random() < 1 / 3:
            lift["lateral_deg"] = round(float(rng.choice([-1, 1])) * u(5, 20), 1)
        segs.append(lift)
        if walking and k % 3 == 2:
            segs.append({"kind": "walk", "duration_s": round(u(5, 15), 1),
                         "speed_m_s": round(u(0.9, 1.5), 2), "cadence_spm": round(u(95, 125))})
        else:
            segs.append({"kind": "stand", "duration_s": round(u(1.5, 6), 2)})
    raw = {
        "format": FORMAT, "name": f"random-lifts-{seed}", "seed": seed,
        "description": "random lifting session for accuracy sweeps",
        "mount": {"pitch_deg": round(u(10, 25), 2), "yaw_deg": round(u(-15, 15), 2),
                  "roll_deg": round(u(-10, 10), 2)},
        "sensor": {"chip": chip, "fs_hz": fs,
                   "noise_scale": round(u(0.5, 2.0), 3) if noise_scale is None else noise_scale},
        "segments": segs,
    }
    if stature_sd > 0:  # drawn last: every other draw of the session stays the same
        z = float(rng.standard_normal()) if stature_z is None else float(stature_z)
        h = 1.75 * (1.0 + stature_sd * z)
        raw["subject"] = {"height_m": round(min(max(h, 1.45), 2.05), 3)}
    return validate(raw, str(raw["name"]))


def random_day_session(seed: int, fs: float = 104.0, chip: str = "LSM6DSOX",
                       noise_scale: float | None = None, clip_slip: bool = True) -> dict[str, Any]:
    """A validated scenario of a varied working day in miniature (about 6–9 min), drawn from
    ``seed``: the sim family's day session, on which the activity, episode, step and clip-slip
    thresholds are fitted (``bench/fit_thresholds.py --family simday``; the validation family
    ``kyphos.sim.validation`` is kept for reporting).

    Quiet standing (10 s) and three calibration bends, then in random order, with 2–6 s of
    standing between them:

    - three lift blocks of 3–5 lifts (style, depth and knee ranges of
      :func:`random_lift_session`; half of the squats keep the trunk near upright, 15–22° of
      flexion; half of the lifts twist 20–40°, 40 % lean 8–18° to the side);
    - two walks of 8–25 s at 80–125 steps/min and two flights of stairs (6–10 s at 80–105
      steps/min, one up and one down, 0.15–0.19 m a step) (the truth steps: :class:`StepTruth`);
    - two seated blocks: sit, usually (70 %) a slouch of 10–25° held 15–40 s, 1–3 seated
      reaches (``bend`` label ``seated_reach``, 20–45°, 40 % with a 10–30° twist), then stand
      up at the next block;
    - two standing task bends (``bend`` label ``task_bend``) held 15 s at 45–60°;
    - one standing slouch of 10–25° held 15–40 s;
    - lying back on a bed (``lie``, 20–45 s, reclined 75–95°) from sitting and back.

    With ``clip_slip`` the clip turns by 8–12° (mostly pitch, ±3° yaw and roll) once, at the
    start of a standing or sitting stretch between 35 % and 55 % of the session (at 45 % if
    there is none), leaving at least 150 s after it when the session is long enough.
    Mounting, noise and sway are drawn as in :func:`random_lift_session`. Simulate with
    ``simulate(scn, seed=seed)``.
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0xDA7]))
    u = rng.uniform

    def sign() -> float:
        return float(rng.choice([-1.0, 1.0]))

    def pause() -> dict[str, Any]:
        return {"kind": "stand", "duration_s": round(u(2, 6), 2)}

    def slouch() -> dict[str, Any]:
        return {"at_s": 3.0, "duration_s": round(u(15, 40), 1),
                "flexion_deg": round(u(10, 25), 1), "ramp_s": round(u(1.0, 3.0), 2)}

    flex_range = {"stoop": (45, 85), "semi-squat": (35, 75), "squat": (25, 65)}
    knee_range = {"stoop": (5, 30), "semi-squat": (35, 75), "squat": (80, 120)}

    def lift_block() -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for _ in range(int(rng.integers(3, 6))):
            style = str(rng.choice(list(LIFT_STYLES)))
            lo, hi = (15, 22) if style == "squat" and rng.random() < 0.5 else flex_range[style]
            lift: dict[str, Any] = {
                "kind": "lift", "style": style, "flexion_deg": round(u(lo, hi), 1),
                "knee_deg": round(u(*knee_range[style]), 1),
                "down_s": round(u(0.8, 1.8), 2), "hold_s": round(u(0.3, 1.5), 2),
                "up_s": round(u(0.9, 2.0), 2), "pre_s": round(u(0.5, 1.5), 2),
                "post_s": round(u(1.0, 2.5), 2),
            }
            if rng.random() < 0.5:
                lift["twist_deg"] = round(sign() * u(20, 40), 1)
            if rng.random() < 0.4:
                lift["lateral_deg"] = round(sign() * u(8, 18), 1)
            out.append(lift)
        return out

    def walk() -> list[dict[str, Any]]:
        return [{"kind": "walk", "duration_s": round(u(8, 25), 1),
                 "speed_m_s": round(u(0.7, 1.5), 2), "cadence_spm": round(u(80, 125)),
                 "lean_deg": round(u(0, 8), 1)}]

    def stairs(up: bool) -> list[dict[str, Any]]:
        return [{"kind": "walk", "duration_s": round(u(6, 10), 1),
                 "speed_m_s": round(u(0.4, 0.7), 2), "cadence_spm": round(u(80, 105)),
                 "lean_deg": round(u(3, 10) if up else u(0, 5), 1),
                 "stairs_rise_m": round((1 if up else -1) * u(0.15, 0.19), 3)}]

    def seated() -> list[dict[str, Any]]:
        sit: dict[str, Any] = {"kind": "sit", "duration_s": round(u(6, 12), 1),
                               "lean_deg": round(u(-5, 10), 1)}
        if rng.random() < 0.7:
            sl = slouch()
            sit["slouches"] = [sl]
            sit["duration_s"] = round(sl["at_s"] + sl["duration_s"] + sl["ramp_s"] / 2
                                      + u(3, 8), 1)
        out = [sit]
        for _ in range(int(rng.integers(1, 4))):
            reach: dict[str, Any] = {
                "kind": "bend", "label": "seated_reach", "posture": "sit",
                "flexion_deg": round(u(20, 45), 1), "down_s": round(u(0.8, 1.6), 2),
                "hold_s": round(u(0.5, 2.5), 2), "up_s": round(u(0.8, 1.6), 2),
                "pre_s": round(u(1.0, 3.0), 2), "post_s": round(u(2.0, 4.0), 2)}
            if rng.random() < 0.4:
                reach["axial_deg"] = round(sign() * u(10, 30), 1)
            out.append(reach)
        return out

    def task_bend() -> list[dict[str, Any]]:
        return [{"kind": "bend", "label": "task_bend", "posture": "stand",
                 "flexion_deg": round(u(45, 60), 1), "knee_deg": round(u(0, 15), 1),
                 "down_s": round(u(1.0, 2.0), 2), "hold_s": 15.0, "up_s": round(u(1.0, 2.0), 2),
                 "pre_s": 1.0, "post_s": 2.0}]

    def stand_slouch() -> list[dict[str, Any]]:
        sl = slouch()
        return [{"kind": "stand", "slouches": [sl],
                 "duration_s": round(sl["at_s"] + sl["duration_s"] + sl["ramp_s"] / 2 + 3.0, 1)}]

    def lying() -> list[dict[str, Any]]:
        return [{"kind": "sit", "duration_s": round(u(3, 6), 1)},
                {"kind": "lie", "duration_s": round(u(20, 45), 1),
                 "recline_deg": round(u(75, 95), 1)},
                {"kind": "sit", "duration_s": round(u(3, 6), 1)}]

    blocks = ([lift_block] * 3 + [walk] * 2 + [seated] * 2 + [task_bend] * 2
              + [stand_slouch, lying, lambda: stairs(True), lambda: stairs(False)])
    order = rng.permutation(len(blocks))
    segs: list[dict[str, Any]] = [
        {"kind": "stand", "duration_s": 10.0},
        {"kind": "bend", "label": "calibration_bend", "flexion_deg": round(u(45, 70), 1),
         "repeats": 3, "hold_s": 1.0},
        pause(),
    ]
    for k in order:
        segs.extend(blocks[int(k)]())
        segs.append(pause())
    raw: dict[str, Any] = {
        "format": FORMAT, "name": f"random-day-{seed}", "seed": seed,
        "description": "random day session (sim family) for fitting thresholds",
        "mount": {"pitch_deg": round(u(10, 25), 2), "yaw_deg": round(u(-15, 15), 2),
                  "roll_deg": round(u(-10, 10), 2)},
        "sensor": {"chip": chip, "fs_hz": fs,
                   "noise_scale": round(u(0.5, 2.0), 3) if noise_scale is None else noise_scale},
        "segments": segs,
    }
    slip_deg = u(8, 12)
    slip_pick = rng.random()
    slip_yaw, slip_roll = u(-3, 3), u(-3, 3)
    scn = validate(raw, str(raw["name"]))
    if not clip_slip:
        return scn
    # place the slip at the start of a still stretch (standing or sitting) in the window
    b = build(scn, np.random.SeedSequence(seed))
    dur = b.timeline.duration
    lo, hi = 0.35 * dur, min(0.55 * dur, max(0.35 * dur, dur - 150.0))
    still = [sg.start + 0.5 for sg in b.segments if sg.kind in ("stand", "sit")
             and lo <= sg.start + 0.5 <= hi and sg.end - sg.start >= 2.0]
    at = still[int(slip_pick * len(still))] if still else 0.45 * dur
    pitch = sign() * float(np.sqrt(max(slip_deg**2 - slip_yaw**2 - slip_roll**2, 1.0)))
    raw["clip_slips"] = [{"at_s": round(at, 2), "duration_s": 0.5, "pitch_deg": round(pitch, 2),
                          "yaw_deg": round(slip_yaw, 2), "roll_deg": round(slip_roll, 2)}]
    return validate(raw, str(raw["name"]))


# ---------------------------------------------------------------------------------------------
# Aligning the truth with a recording
# ---------------------------------------------------------------------------------------------

#: Event fields that are times (s) and move with the time axis.
_TIME_FIELDS = ("start", "end", "onset", "offset", "peak_time", "hold_start", "hold_end", "t")


def truth_offset(truth: Truth, session: Any, max_lag_s: float = 5.0) -> float:
    """Scenario time of the recording's t = 0, s (``t_truth = t_session + offset``).

    A simulated session (``SimResult.to_session``) keeps scenario time, so the offset is 0.
    A recording made through the virtual board starts at its first IMU sample, which comes
    some time after scenario t = 0 (boot, INFO, the START command: about 0.2 s in ``kyphos
    demo``). The offset is found by cross-correlating the angular-rate magnitude |gyr| (which
    does not depend on the chip's axis remap or mounting) of the recording with the truth's
    error-free |gyr| over lags up to ``max_lag_s``, refined to a fraction of a sample.
    """
    t_s = np.asarray(session.time, float)
    if len(truth.time) < 4 or len(t_s) < 4:
        raise ValueError("align_truth: the truth or the recording has fewer than 4 samples")
    dt = float(np.median(np.diff(truth.time)))
    n_lag = int(round(max_lag_s / dt))
    grid = np.arange(truth.time[0], truth.time[-1], dt)
    ref = np.interp(grid, truth.time, np.linalg.norm(truth.gyr, axis=1))
    g = np.linalg.norm(np.nan_to_num(np.asarray(session.gyr, float)), axis=1)
    rec = np.interp(np.arange(t_s[0], t_s[-1], dt), t_s, g)
    m = min(len(rec), len(ref) - n_lag)
    if m < 4:
        raise ValueError("align_truth: the recording is too short for the lag search")
    # recording sample k sits at truth grid index k + j, j = 0 … n_lag (the recording starts
    # at or after scenario t = 0)
    from scipy.signal import correlate

    score = correlate(ref[: m + n_lag] - ref.mean(), rec[:m] - rec[:m].mean(), mode="valid")
    lags = np.arange(len(score))
    k = int(np.argmax(score))
    frac = 0.0
    if 0 < k < len(score) - 1:  # parabolic refinement
        a, b, c = score[k - 1], score[k], score[k + 1]
        den = a - 2 * b + c
        frac = 0.5 * (a - c) / den if den != 0 else 0.0
    return float(truth.time[0] + (lags[k] + frac) * dt - t_s[0])


def align_truth(truth: Truth, session: Any, offset_s: float | None = None,
                max_lag_s: float = 5.0) -> Truth:
    """The truth moved onto the recording's time axis (a copy).

    Use this wherever a recording is compared with its ``truth.npz``: ``offset_s`` (scenario
    time of the recording's t = 0) if known, e.g. the device time of the first IMU sample,
    else :func:`truth_offset`. Every per-sample time and event time becomes
    ``t − offset_s``.
    """
    off = truth_offset(truth, session, max_lag_s) if offset_s is None else float(offset_s)
    out = copy.copy(truth)
    out.time = np.asarray(truth.time, float) - off
    for name in _EVENT_TYPES:
        moved = []
        for e in getattr(truth, name):
            e2 = copy.copy(e)
            for f in _TIME_FIELDS:
                if hasattr(e2, f):
                    setattr(e2, f, getattr(e2, f) - off)
            moved.append(e2)
        setattr(out, name, moved)
    out.meta = dict(truth.meta, aligned_offset_s=off)
    return out
