"""Generate a validation session: evaluate the body, differentiate, measure, export.

    >>> from kyphos.sim.validation import generate
    >>> v = generate(seed=3, fs=104.0)
    >>> a = kyphos.analysis.analyze(v.to_session())      # what `kyphos analyze` does
    >>> v.truth.lifts[0].start, v.truth.steps.size

Specific force: ``f = R_sᵀ·(p̈ + g·ẑ)`` with ``p̈`` the five-point second difference of the
sensor's world position (evaluated at t ± h, t ± 2h) and ``g`` the person's local gravity.
Angular rate: the five-point derivative of the rotation vector of ``R_s(t)ᵀ·R_s(t + δ)``.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.spatial.transform import Rotation

from kyphos.sim.validation import imu
from kyphos.sim.validation.motion import STENCIL_H_S, Pose, ease, five_point_d2, five_point_rate
from kyphos.sim.validation.person import Person, draw_person
from kyphos.sim.validation.script import (
    ACTIVITY_KINDS,
    ClipSlip,
    Interval,
    LiftEvent,
    Script,
    build,
    leg_hip,
)

#: Body-from-sensor rotation of a perfectly placed clip, from the sensor frame of
#: docs/protocol.md (x towards the head, y to the wearer's left, z out of the back): its
#: columns are the sensor axes in trunk coordinates (x anterior, y left, z superior).
BODY_FROM_SENSOR_NOMINAL = np.array([[0.0, 0.0, -1.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
#: Lift start / end (truth): the sensor site's speed crosses this fraction of its peak in
#: that lift.
LIFT_SPEED_FRACTION = 0.05
_EX = np.array([1.0, 0.0, 0.0])
_EZ = np.array([0.0, 0.0, 1.0])


def _walk_terms(s: Script, t: np.ndarray) -> dict[str, np.ndarray]:
    out = {k: np.zeros(len(t)) for k in ("x", "y", "z", "lat", "pitch", "yaw", "roll")}
    for w in s.walks:
        i0, i1 = np.searchsorted(t, (w.t0, w.t1))
        tt = t[i0:i1]
        e = w.envelope(tt)
        ph = 2 * np.pi * w.cadence_hz * (tt - w.t0)
        out["z"][i0:i1] -= w.bounce_m * e * np.cos(ph)
        out["lat"][i0:i1] += w.sway_m * e * np.sin(0.5 * ph)
        out["pitch"][i0:i1] += w.pitch_rad * e * np.cos(ph + w.phase)
        out["yaw"][i0:i1] += w.yaw_rad * e * np.sin(0.5 * ph)
        out["roll"][i0:i1] += w.roll_rad * e * np.sin(0.5 * ph + 0.5 * w.phase)
        d = np.empty(len(t))
        d[:i0] = 0.0
        d[i0:i1] = w.distance(tt)
        d[i1:] = w.speed_m_s * w.n_steps / w.cadence_hz
        out["x"] += d * math.cos(w.heading)
        out["y"] += d * math.sin(w.heading)
    return out


def mount_rotation(p: Person) -> Rotation:
    """Body-from-sensor rotation of this person's clip (before any slip)."""
    r = Rotation.from_euler("ZYX", [p.mount_yaw, p.mount_pitch, p.mount_roll])
    return r * Rotation.from_matrix(BODY_FROM_SENSOR_NOMINAL)


def site_angles(pose: Pose) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Yaw, flexion, lateral (rad) of the trunk frame at the sensor site: the Z-Y-X solution
    whose flexion is the one generated. scipy's ``as_euler("ZYX")`` keeps |flexion| ≤ 90°, so
    a stoop to 95° would read 85° with lateral and yaw turned by 180°; a body bent 95° forward
    is bent 95° (DESIGN.md: flexion + forward, 0 upright; the analysis reads past 90° too)."""
    yaw, flex, lat = pose.r_site.as_euler("ZYX").T
    flex2 = np.copysign(np.pi, flex) - flex  # the other solution: R(y+π, π−f, l+π) is the same
    alt = np.abs(flex2 - pose.site_flexion) < np.abs(flex - pose.site_flexion)

    def turned(a: np.ndarray) -> np.ndarray:
        return np.where(alt, (a + 2.0 * np.pi) % (2.0 * np.pi) - np.pi, a)

    return turned(yaw), np.where(alt, flex2, flex), turned(lat)


def evaluate(s: Script, t: np.ndarray, clean: bool = False) -> Pose:
    """The body at sorted times ``t``; ``clean`` leaves out sway, wobble and clip slips."""
    p = s.person
    v = {k: tr.at(t) for k, tr in s.tracks.items()}
    w = _walk_terms(s, t)
    pel = v["pel"] + w["pitch"]
    lam = v["lam"] + w["roll"]
    tho = v["tho"]
    if not clean:
        sw = s.sway
        pel = pel + sum(a * np.sin(2 * np.pi * f * t + ph) for f, a, ph in sw.pitch)
        lam = lam + sum(a * np.sin(2 * np.pi * f * t + ph) for f, a, ph in sw.roll)
        f, a, ph = sw.breath
        tho = tho + a * np.sin(2 * np.pi * f * t + ph)
    phi = pel + tho + p.slouch_share * v["slouch"]
    psi = v["psi"]
    z_leg, x_leg = leg_hip(p, v["knee"])
    hz = v["sz"] * z_leg + (1 - v["sz"]) * (p.seat_m) + v["stair"] + w["z"]
    fwd = v["sx"] * x_leg - (1 - v["sx"]) * p.seat_back_m + v["hx"]
    c, sn = np.cos(psi), np.sin(psi)
    hip = np.column_stack([w["x"] + fwd * c - w["lat"] * sn, w["y"] + fwd * sn + w["lat"] * c, hz])
    r_lum = Rotation.from_euler("ZYX", np.column_stack([psi + 0.5 * v["tw"], pel, 0.5 * lam]))
    r_site = Rotation.from_euler("ZYX", np.column_stack([psi + v["tw"] + w["yaw"], phi, lam]))
    level: float | np.ndarray = p.level_frac
    depth: float | np.ndarray = p.depth_m
    rc = s.reclip
    if rc is not None:  # the clip moved on the back (build(reclip=True))
        e = ease((t - rc.t) / rc.dur_s)[:, None]
        level = p.level_frac + (rc.level_frac - p.level_frac) * e
        depth = p.depth_m + (rc.depth_m - p.depth_m) * e
    p_site = (hip + p.lumbar_m * r_lum.apply(_EZ) + level * p.thoracic_m * r_site.apply(_EZ)
              - depth * r_site.apply(_EX))
    r_sensor = r_site
    p_sensor = p_site
    if not clean:
        wob = s.wobble.at(t)
        p_sensor = p_site + r_site.apply(wob[:, :3])
        ang = np.zeros(len(t))
        rv = np.zeros((len(t), 3))
        for sl in s.slips:
            ang = np.radians(sl.deg) * ease((t - sl.t) / sl.dur_s)
            rv += ang[:, None] * sl.axis[None, :]
        if rc is not None:
            rv += ease((t - rc.t) / rc.dur_s)[:, None] * rc.rotvec[None, :]
        r_sensor = r_site * Rotation.from_rotvec(wob[:, 3:]) * Rotation.from_rotvec(rv)
    r_sensor = r_sensor * mount_rotation(p)
    return Pose(p_sensor, r_sensor, r_site, p_site, phi)


@dataclass
class ValidationTruth:
    """Ground truth of one session. Per sample (on ``time``): ``flexion``/``lateral``/``yaw``
    (rad) of the trunk frame at the sensor site — ``Rz(yaw)·Ry(flexion)·Rx(lateral)``, zero in
    upright standing, i.e. what a perfectly calibrated sensor that never slipped would report —
    and ``activity`` (index into :data:`ACTIVITY_KINDS`). Events in s (see docs/accuracy.md,
    "Independent validation family", for every definition)."""

    time: np.ndarray
    flexion: np.ndarray
    lateral: np.ndarray
    yaw: np.ndarray
    activity: np.ndarray
    lifts: list[LiftEvent]
    steps: np.ndarray
    walks: list[dict[str, Any]]
    slouches: list[Interval]
    sustained_bends: list[Interval]
    seated_reaches: list[Interval]
    clip_slips: list[ClipSlip]
    calibration: dict[str, list[float]]
    person: dict[str, Any] = field(default_factory=dict)

    @property
    def activity_names(self) -> np.ndarray:
        return np.asarray(ACTIVITY_KINDS)[self.activity]

    def to_dict(self) -> dict[str, Any]:
        """The events as JSON-ready data (no per-sample arrays)."""
        def iv(x: Interval) -> dict[str, Any]:
            return {"start_s": round(x.start, 4), "end_s": round(x.end, 4), "deg": round(x.deg, 2),
                    "posture": x.posture, "hold_s": round(x.hold_s, 3)}

        return {
            "lifts": [{k: (round(val, 4) if isinstance(val, float) else val)
                       for k, val in vars(lf).items()} for lf in self.lifts],
            "steps": len(self.steps), "walks": self.walks,
            "slouch_episodes": [iv(x) for x in self.slouches],
            "sustained_bends": [iv(x) for x in self.sustained_bends],
            "seated_reaches": [iv(x) for x in self.seated_reaches],
            "clip_slips": [{"t_s": round(c.t, 4), "deg": round(c.deg, 2), "dur_s": round(c.dur_s, 3),
                            "axis": np.round(c.axis, 4).tolist()} for c in self.clip_slips],
            "calibration": self.calibration,
            "activity_pct": {k: round(100.0 * float(np.mean(self.activity == i)), 2)
                             for i, k in enumerate(ACTIVITY_KINDS)},
        }


def _activity(s: Script, t: np.ndarray) -> np.ndarray:
    out = np.full(len(t), ACTIVITY_KINDS.index("standing"), np.int8)
    for t0, t1, kind in s.activity:
        i0, i1 = np.searchsorted(t, (t0, t1))
        out[i0:i1] = ACTIVITY_KINDS.index(kind)
    return out


def _lift_bounds(s: Script, lf: LiftEvent) -> None:
    """Kinematic start/end of a lift: where the speed of the sensor site (a point on the back,
    clean kinematics: no sway, wobble or slip; 1 kHz grid) first rises above and last falls
    below :data:`LIFT_SPEED_FRACTION` of its peak in that lift.

    The speed of the point, not its vertical speed: a point on the back first *rises* as the
    trunk starts to flex (it sits behind the spine), so "starts to descend" would date a stoop
    lift's start late by that rise.
    """
    tt = np.arange(lf.onset - 0.3, lf.offset + 0.3, 1e-3)
    ps = evaluate(s, tt, clean=True).p_site
    speed = np.linalg.norm(np.gradient(ps, tt, axis=0), axis=1)
    moving = np.flatnonzero(speed > LIFT_SPEED_FRACTION * speed.max())
    lf.start = float(tt[moving[0]])
    lf.end = float(tt[moving[-1]])
    z = ps[:, 2]
    lf.sensor_drop_m = float(np.interp(lf.start, tt, z) - z.min())


@dataclass
class ValidationSession:
    """A generated session: what the chip reports (``acc_counts``/``gyr_counts`` × the
    scales; ``acc`` m/s², ``gyr`` rad/s, sensor frame), the error-free ``acc_true`` /
    ``gyr_true``, and the :class:`ValidationTruth`."""

    seed: int
    fs: float
    time: np.ndarray
    acc: np.ndarray
    gyr: np.ndarray
    acc_counts: np.ndarray
    gyr_counts: np.ndarray
    clipped: np.ndarray
    acc_true: np.ndarray
    gyr_true: np.ndarray
    truth: ValidationTruth
    script: Script
    unit: imu.ImuUnit

    @property
    def meta(self) -> dict[str, Any]:
        return {"family": "validation", "seed": self.seed, "fs": self.fs,
                "person": self.truth.person, "imu": self.unit.to_dict()}

    def calibration_note(self) -> dict[str, Any]:
        """The note ``kyphos`` writes after a guided calibration (upright, then a bend)."""
        c = self.truth.calibration
        return {"kind": "calibration", "method": "guided",
                "upright": [round(x, 4) for x in c["upright"]],
                "bend": [round(x, 4) for x in c["bend"]]}

    def to_session(self, calibration_note: bool = True) -> Any:
        """A :class:`kyphos.session.Session` as the loader would return it; with the guided
        calibration note unless ``calibration_note`` is False (then the analysis calibrates
        itself, as for a CSV from another IMU)."""
        from kyphos.session import Session

        info = {"imu_model": 1, "board": 0, "odr_chz": round(self.fs * 100), "acc_fs_g": 4,
                "gyr_fs_dps": 500, "acc_scale": imu.ACC_SCALE, "gyr_scale": imu.GYR_SCALE}
        notes = [(float(self.time[-1]), self.calibration_note())] if calibration_note else []
        return Session(time=self.time.copy(), acc=self.acc.copy(), gyr=self.gyr.copy(),
                       fs=self.fs, info=info, notes=notes, header={"simulated": self.meta})

    def write_csv(self, path: str | os.PathLike[str], *, axes: str = "x,y,z",
                  acc_unit: str = "m/s2", gyr_unit: str = "rad/s", time_unit: str = "s",
                  force: bool = False) -> Path:
        """Write the samples as CSV (``t_s,ax,ay,az,gx,gy,gz``) in another IMU's axes and units.

        ``axes`` names, for the file's x, y and z columns, the kyphos sensor axis each one
        holds, with a sign: ``"-x,-y,z"`` is a chip whose x points to the feet and y to the
        wearer's right; ``"z,y,-x"`` swaps axes. Units: ``acc_unit`` m/s2 | g | mg,
        ``gyr_unit`` rad/s | deg/s, ``time_unit`` s | ms | us (values in those units; the
        header keeps the column names). Refuses to overwrite without ``force``.
        """
        p = Path(path)
        if p.exists() and not force:
            raise FileExistsError(f"{p} exists: pass force=True to overwrite it")
        m = axes_matrix(axes)
        acc_k = {"m/s2": 1.0, "g": 1 / 9.80665, "mg": 1e3 / 9.80665}[acc_unit]
        gyr_k = {"rad/s": 1.0, "deg/s": 180.0 / math.pi}[gyr_unit]
        t_k = {"s": 1.0, "ms": 1e3, "us": 1e6}[time_unit]
        arr = np.column_stack([self.time * t_k, (self.acc @ m.T) * acc_k, (self.gyr @ m.T) * gyr_k])
        tmp = p.with_name(p.name + ".part")
        np.savetxt(tmp, arr, delimiter=",", header="t_s,ax,ay,az,gx,gy,gz", comments="",
                   fmt=["%.6f"] + ["%.7g"] * 6)
        os.replace(tmp, p)
        return p

    def write_kyr(self, path: str | os.PathLike[str], *, calibration_note: bool = True,
                  force: bool = False) -> Path:
        """Write the session as a ``.kyr`` recording (BOOT, INFO, IMU batches of 13, and the
        calibration NOTE), as a board streaming over BLE would have produced it."""
        from kyphos.recording.kyr import new_header

        p = Path(path)
        if p.exists() and not force:
            raise FileExistsError(f"{p} exists: pass force=True to overwrite it")
        header = new_header("sim", subject=f"V-{self.seed:03d}", device=None,
                            simulated={"family": "validation", "seed": self.seed})
        write_counts_kyr(p, np.column_stack([self.acc_counts, self.gyr_counts]), self.fs,
                         header, self.calibration_note() if calibration_note else None)
        return p


def write_counts_kyr(path: Path, counts: np.ndarray, fs: float, header: dict[str, Any],
                     note: dict[str, Any] | list[dict[str, Any]] | None = None) -> None:
    """Write (N, 6) acc + gyro counts (this chip model's scales) to ``path`` as a ``.kyr``
    (BOOT, INFO, IMU batches of 13, ``note`` (or each of a list) as a NOTE at the end), through a ``.part`` file
    renamed into place; ``path`` is replaced (the caller checks it first)."""
    import struct

    from kyphos.protocol.constants import EventKind
    from kyphos.protocol.frames import Event, Frame, Info, Note, encode_frame
    from kyphos.recording.kyr import KyrWriter

    raw = np.asarray(counts).astype("<i2")
    period_ns = round(1e9 / fs)
    info = Info((0, 1, 0), 1, 0, 0x07, round(fs * 100), 4, 500, imu.ACC_SCALE,
                imu.GYR_SCALE, bytes.fromhex("02fa0000beef"), "kyphos-validation")
    head, batch = struct.Struct("<BBHHI"), struct.Struct("<IBB")
    host0 = 1_796_000_000_000_000
    tmp = path.with_name(path.name + ".part")
    with KyrWriter(tmp, header, fsync_interval_s=None, overwrite=True) as w:
        w.write(encode_frame(Frame(0, 0, Event(EventKind.BOOT, 1, 0))), host0)
        w.write(encode_frame(Frame(0, 0, info)), host0)
        k = 0
        for k, i in enumerate(range(0, len(raw), 13), start=1):  # per batch of 13 samples
            c = min(13, len(raw) - i)
            t_us = i * period_ns // 1000
            body = batch.pack(period_ns, c, 0) + raw[i : i + c].tobytes()
            w.write(head.pack(1, 2, len(body), k & 0xFFFF, t_us & 0xFFFFFFFF) + body,
                    host0 + t_us + 8000)
        t_us = len(raw) * period_ns // 1000
        for n in [] if note is None else [note] if isinstance(note, dict) else note:
            k += 1
            w.write(encode_frame(Frame(k & 0xFFFF, t_us & 0xFFFFFFFF, Note(n))),
                    host0 + t_us + 8000)
    os.replace(tmp, path)


def axes_matrix(axes: str) -> np.ndarray:
    """(3, 3) signed permutation ``P`` with ``file = P · kyphos`` for an ``axes`` spec like
    ``"-x,-y,z"`` (see :meth:`ValidationSession.write_csv`)."""
    parts = [a.strip().lower() for a in axes.split(",")]
    if len(parts) != 3 or sorted(a.lstrip("+-") for a in parts) != ["x", "y", "z"]:
        raise ValueError(f"axes {axes!r}: give three signed axes such as -x,-y,z")
    m = np.zeros((3, 3))
    for row, a in enumerate(parts):
        m[row, "xyz".index(a.lstrip("+-"))] = -1.0 if a.startswith("-") else 1.0
    return m


def reader_axes(axes: str) -> str:
    """The same mounting in the reader's convention — for each kyphos axis x, y, z, the signed
    file axis along it (``kyphos.recording.csv.load_csv(axes=...)``, ``kyphos analyze --axes``):
    the inverse of :func:`axes_matrix`. Equal to ``axes`` for sign flips without a swap."""
    m = axes_matrix(axes).T  # kyphos = Mᵀ · file
    out = []
    for row in m:
        c = int(np.flatnonzero(row)[0])
        out.append(("-" if row[c] < 0 else "") + "xyz"[c])
    return ",".join(out)


def _chip_signals(script: Script, n: int, fs: float, gravity: float,
                  chip: str) -> tuple[np.ndarray, np.ndarray]:
    """Error-free specific force and angular rate (n, 3) at ``i / fs`` as the chip ``chip``
    outputs them (:mod:`.chip_filter`): the body evaluated once on the grid ``j / (k·fs)``
    (two extra points at each end), differentiated there with the five-point stencils (step
    the grid's), then through the chip's causal filters and decimated by k."""
    from kyphos.sim.validation import chip_filter

    if chip not in chip_filter.CHIP_FILTERS[1:]:
        raise ValueError(f"chip_filter {chip!r}: one of {chip_filter.CHIP_FILTERS}")
    k = chip_filter.oversample(fs)
    dt = 1.0 / (k * fs)
    q = evaluate(script, np.arange(-2, n * k + 2) * dt)
    m = n * k
    acc_w = five_point_d2([q.p_sensor[i : i + m] for i in range(5)], dt) + gravity * _EZ
    acc_f = q.r_sensor[2 : 2 + m].inv().apply(acc_w)
    gyr_f = _five_point_rate_q(q.r_sensor.as_quat(), m, dt)
    return chip_filter.sample(acc_f, gyr_f, fs, k)


def _five_point_rate_q(quat: np.ndarray, m: int, dt: float) -> np.ndarray:
    """:func:`five_point_rate` on consecutive rows of one grid, in numpy: ``quat`` (m + 4, 4)
    scalar-last unit quaternions, the rate at rows 2 … m + 1."""
    c = quat[2 : 2 + m] * np.array([-1.0, -1.0, -1.0, 1.0])  # conjugate: R(t)ᵀ
    f = []
    for i in range(5):
        b = quat[i : i + m]
        xyz = (c[:, 3:] * b[:, :3] + b[:, 3:] * c[:, :3] + np.cross(c[:, :3], b[:, :3]))
        w = c[:, 3] * b[:, 3] - np.sum(c[:, :3] * b[:, :3], axis=1)
        xyz = np.where((w < 0)[:, None], -xyz, xyz)
        w = np.abs(w)
        n = np.linalg.norm(xyz, axis=1)
        ang = 2.0 * np.arctan2(n, w)
        scale = np.where(n > 1e-12, ang / np.where(n > 1e-12, n, 1.0), 2.0 / w)
        f.append(xyz * scale[:, None])
    return (f[0] - 8 * f[1] + 8 * f[3] - f[4]) / (12 * dt)


def generate(seed: int, fs: float = 104.0, blocks: tuple[str, ...] | None = None,
             error_scale: float = 1.0, reclip: bool = False,
             chip_filter: str = "none") -> ValidationSession:
    """The validation session for ``seed`` sampled at ``fs`` Hz (the same person and script
    at every rate; the sensor noise differs with the rate). ``blocks`` replaces the default
    activity blocks (:data:`kyphos.sim.validation.script.BLOCKS`), e.g. for short tests;
    ``error_scale`` scales the chip's systematic errors (0: an ideal chip with white noise);
    ``reclip``: the wearer moves the clip and calibrates again before the last lifts
    (``script.reclip``, :func:`kyphos.sim.validation.script.build`); ``chip_filter``:
    ``"none"`` point-samples the body at ``fs`` (the default), ``"lsm6dsox"`` samples it through
    that chip's filters as the firmware configures them (:mod:`.chip_filter`; ``acc_true`` /
    ``gyr_true`` are then the filtered, error-free signals)."""
    ss = np.random.SeedSequence([int(seed), 0x7A11D])
    r_person, r_script, r_imu, r_noise = (np.random.default_rng(x) for x in ss.spawn(4))
    person = draw_person(r_person)
    script = build(person, r_script, blocks, reclip)
    t = np.arange(0.0, script.duration, 1.0 / fs)
    if chip_filter == "none":
        h = STENCIL_H_S
        poses = [evaluate(script, t + k * h) for k in (-2, -1, 0, 1, 2)]
        acc_w = five_point_d2([q.p_sensor for q in poses], h) + person.gravity_m_s2 * _EZ
        r0 = poses[2]
        acc_true = r0.r_sensor.inv().apply(acc_w)
        gyr_true = five_point_rate([q.r_sensor for q in poses], h)
    else:
        r0 = evaluate(script, t)
        acc_true, gyr_true = _chip_signals(script, len(t), fs, person.gravity_m_s2, chip_filter)
    unit = imu.draw_unit(r_imu, error_scale)
    a_cnt, g_cnt, clipped = imu.measure(unit, acc_true, gyr_true, fs, r_noise)
    yaw, flex, lat = site_angles(r0)
    for lf in script.lifts:
        _lift_bounds(script, lf)
    walks = [{"start_s": round(w.t0, 4), "end_s": round(w.t1, 4), "steps": w.n_steps,
              "cadence_spm": round(60.0 * w.cadence_hz, 2), "stairs": w.stairs} for w in script.walks]
    steps = np.concatenate([w.steps_s for w in script.walks]) if script.walks else np.zeros(0)
    truth = ValidationTruth(
        time=t, flexion=flex, lateral=lat, yaw=yaw, activity=_activity(script, t),
        lifts=script.lifts, steps=np.sort(steps), walks=walks, slouches=script.slouches,
        sustained_bends=script.bends, seated_reaches=script.reaches, clip_slips=script.slips,
        calibration=script.calibration, person=person.to_dict(),
    )
    return ValidationSession(
        seed=int(seed), fs=float(fs), time=t,
        acc=a_cnt.astype(float) * imu.ACC_SCALE, gyr=g_cnt.astype(float) * imu.GYR_SCALE,
        acc_counts=a_cnt, gyr_counts=g_cnt, clipped=clipped, acc_true=acc_true,
        gyr_true=gyr_true, truth=truth, script=script, unit=unit,
    )
