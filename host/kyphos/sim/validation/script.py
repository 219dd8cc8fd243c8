"""The session script of the validation family: a random day-in-miniature per seed, built as
smooth coordinate tracks, plus the ground-truth events that follow from them.

Coordinates (all :class:`~kyphos.sim.validation.motion.Track`, rad or m):

``psi`` heading of the pelvis; ``tw`` trunk twist about the vertical; ``lam`` lateral lean;
``pel`` inclination of the lumbar segment (hip → T12) from vertical, + forward; ``tho`` flexion
of the thoracic segment relative to the lumbar one; ``slouch`` a thoracic collapse (seen at the
sensor's level scaled by ``Person.slouch_share``); ``knee`` knee flexion; ``sz``/``sx``
standing weights of the hip height and of the hip's fore-aft place (1 standing on the legs,
0 on the seat); ``hx`` extra fore-aft hip shift; ``stair`` stair height climbed.

Trunk inclination at the sensor site: ``φ = pel + tho + slouch_share·slouch`` (+ gait pitch and
sway). Upright standing is φ = 0 by definition.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from kyphos.sim.validation.motion import Track, Walk, Wobble
from kyphos.sim.validation.person import Person

ACTIVITY_KINDS = ("lying", "sitting", "standing", "walking", "transition")
STYLES = ("stoop", "semi-squat", "squat")
_D = np.radians


@dataclass
class LiftEvent:
    """A scripted lift (truth). ``onset``/``offset``: the scripted motion's first and last
    instant; ``start``/``end``: kinematic, set by :func:`kyphos.sim.validation.generate`
    from the sensor point's vertical speed (see docs/accuracy.md)."""

    style: str
    onset: float
    offset: float
    knee_deg: float
    hip_drop_m: float
    trunk_deg: float
    twist_deg: float
    lateral_deg: float
    upright_squat: bool
    start: float = float("nan")
    end: float = float("nan")
    sensor_drop_m: float = float("nan")


@dataclass
class Interval:
    """A truth episode: ``kind`` names it; ``start``/``end`` in s; ``deg`` its size at the
    sensor (slouch depth, bend or reach angle); ``hold_s`` the held part (sustained bends)."""

    kind: str
    start: float
    end: float
    deg: float = 0.0
    posture: str = ""
    hold_s: float = 0.0


@dataclass
class ClipSlip:
    """The clip tips on the back at ``t`` by ``deg`` about ``axis`` (unit, trunk frame) over
    ``dur_s``."""

    t: float
    deg: float
    axis: np.ndarray
    dur_s: float


@dataclass
class Sway:
    """Postural sway and breathing: sums of sinusoids (freq Hz, amplitude rad, phase)."""

    pitch: list[tuple[float, float, float]]
    roll: list[tuple[float, float, float]]
    breath: tuple[float, float, float]


@dataclass
class Script:
    person: Person
    tracks: dict[str, Track]
    walks: list[Walk]
    wobble: Wobble
    sway: Sway
    slips: list[ClipSlip]
    duration: float
    activity: list[tuple[float, float, str]] = field(default_factory=list)
    lifts: list[LiftEvent] = field(default_factory=list)
    slouches: list[Interval] = field(default_factory=list)
    bends: list[Interval] = field(default_factory=list)
    reaches: list[Interval] = field(default_factory=list)
    calibration: dict[str, list[float]] = field(default_factory=dict)
    #: the wearer re-clipped the sensor (``build(reclip=True)``), else None
    reclip: Reclip | None = None


@dataclass
class Reclip:
    """The wearer moves the clip at ``t`` over ``dur_s``: to ``level_frac`` / ``depth_m``
    (the sensor's place on the back, :class:`Person`) turning it by ``rotvec`` (rad, trunk
    frame), then calibrates again (``calibration``: upright and guided bend, s)."""

    t: float
    dur_s: float
    level_frac: float
    depth_m: float
    rotvec: np.ndarray
    calibration: dict[str, list[float]] = field(default_factory=dict)


def leg_hip(p: Person, knee: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hip height above the floor and fore-aft place over the ankle (m) standing on the legs
    with knee flexion ``knee`` (ankle dorsiflexion follows the person's coordination)."""
    a = p.ankle_per_knee * knee
    z = p.foot_m + p.shank_m * np.cos(a) + p.thigh_m * np.cos(a - knee)
    x = p.shank_m * np.sin(a) + p.thigh_m * np.sin(a - knee)
    return z, x


def knee_for_drop(p: Person, drop_m: float) -> float:
    """Knee flexion (rad) that lowers this person's hip by ``drop_m``."""
    k = np.radians(np.linspace(0.0, 150.0, 3001))
    z, _ = leg_hip(p, k)
    d = z[0] - z
    return float(np.interp(drop_m, d, k))


class Builder:
    """Schedules movements on the tracks with a time cursor ``t``."""

    def __init__(self, person: Person, rng: np.random.Generator) -> None:
        self.p = person
        self.rng = rng
        names = ("psi", "tw", "lam", "pel", "tho", "slouch", "knee", "sz", "sx", "hx", "stair")
        self.tr = {n: Track(1.0 if n in ("sz", "sx") else 0.0) for n in names}
        self.t = 0.0
        self.state = "standing"
        self.walks: list[Walk] = []
        self.wobble = Wobble(person.wobble_f0_hz, person.wobble_zeta)
        self.activity: list[tuple[float, float, str]] = []
        self.lifts: list[LiftEvent] = []
        self.slouches: list[Interval] = []
        self.bends: list[Interval] = []
        self.reaches: list[Interval] = []
        self.calibration: dict[str, list[float]] = {}

    # -- helpers ---------------------------------------------------------------------------
    def u(self, lo: float, hi: float) -> float:
        return float(self.rng.uniform(lo, hi))

    def sign(self) -> float:
        return float(self.rng.choice([-1.0, 1.0]))

    def kick(self, t: float, scale: float = 1.0) -> None:
        """A wobble event of random direction at t."""
        p = self.p
        v = self.rng.normal(size=6)
        v[:3] *= p.wobble_m * scale / np.linalg.norm(v[:3])
        v[3:] *= p.wobble_rad * scale / np.linalg.norm(v[3:])
        self.wobble.events.append((t, v))

    def label(self, t0: float, t1: float, kind: str) -> None:
        if t1 > t0:
            self.activity.append((t0, t1, kind))

    def stay(self, d: float) -> None:
        self.label(self.t, self.t + d, self.state)
        self.t += d

    # -- movements -------------------------------------------------------------------------
    def turn(self, deg: float) -> None:
        d = self.u(0.8, 1.6) * max(0.6, abs(deg) / 90.0)
        self.tr["psi"].add(self.t, d, _D(deg))
        self.stay(d)

    def calibrate(self, into: dict[str, list[float]] | None = None) -> None:
        """The guided calibration the product asks for: stand upright, then one forward bend
        (its windows in ``into``, else the session's calibration)."""
        cal = self.calibration if into is None else into
        d = self.u(6.0, 10.0)
        cal["upright"] = [self.t + 1.0, self.t + d - 0.5]
        self.stay(d)
        th = _D(self.u(45.0, 65.0))
        hs = self.p.hip_share_stoop
        dn, hold, up = self.u(1.5, 2.5), self.u(1.0, 2.0), self.u(1.5, 2.5)
        t0 = self.t
        self.tr["pel"].to(t0, dn, hs * th)
        self.tr["tho"].to(t0, dn, (1 - hs) * th)
        self.tr["pel"].to(t0 + dn + hold, up, 0.0)
        self.tr["tho"].to(t0 + dn + hold, up, 0.0)
        cal["bend"] = [t0 - 0.5, t0 + dn + hold + up + 0.5]
        self.stay(dn + hold + up)
        self.stay(self.u(3.0, 5.0))

    def lift(self, style: str, upright: bool = False) -> None:
        p, u = self.p, self.u
        if style == "stoop":
            knee, th = _D(u(0.0, 20.0)), _D(u(50.0, 95.0))
        elif style == "semi-squat":
            knee, th = knee_for_drop(p, u(0.10, 0.22)), _D(u(30.0, 65.0))
        else:
            knee = knee_for_drop(p, u(0.30, 0.50))
            th = _D(u(8.0, 22.0) if upright else u(22.0, 45.0))
        z0, _ = leg_hip(p, np.array([0.0]))
        z1, _ = leg_hip(p, np.array([knee]))
        dn, hold, up = u(0.7, 1.6), u(0.2, 1.4), u(0.8, 1.8)
        lead = p.knee_lead_s * u(0.6, 1.4)
        t0 = self.t + max(0.0, lead)  # trunk starts here; knees at t0 − lead
        tk = t0 - lead
        hs = p.hip_share_stoop if style == "stoop" else min(0.95, p.hip_share_stoop + 0.1)
        tr = self.tr
        tr["pel"].to(t0, dn, hs * th)
        tr["tho"].to(t0, dn, (1 - hs) * th)
        tr["hx"].to(t0, dn, -u(0.12, 0.3) * np.sin(hs * th))
        tr["knee"].to(tk, dn, knee)
        tw = self.sign() * u(20.0, 40.0) if self.rng.random() < 0.5 else 0.0
        la = self.sign() * u(8.0, 18.0) if self.rng.random() < 0.4 else 0.0
        if tw:
            tr["tw"].to(t0 + 0.3 * dn, 0.7 * dn + 0.5 * hold, _D(tw))
        if la:
            tr["lam"].to(t0 + 0.4 * dn, 0.6 * dn + 0.3 * hold, _D(la))
        tu = t0 + dn + hold
        tr["pel"].to(tu, up, 0.0)
        tr["tho"].to(tu, up, 0.0)
        tr["hx"].to(tu, up, 0.0)
        tr["knee"].to(tu - lead, up, 0.0)
        if tw:
            tr["tw"].to(tu, 0.8 * up, 0.0)
        if la:
            tr["lam"].to(tu, 0.7 * up, 0.0)
        self.kick(t0 + dn, 0.7)
        self.kick(tu + up, 0.5)
        onset = min(t0, tk)
        offset = max(tu + up, tu - lead + up)
        self.lifts.append(LiftEvent(style, onset, offset, float(np.degrees(knee)),
                                    float(z0[0] - z1[0]), float(np.degrees(th)), tw, la,
                                    style == "squat" and upright))
        self.label(self.t, offset, "standing")
        self.t = offset

    def task_bend(self) -> None:
        """A standing task bend held 15 s at 45–60° (sustained bend truth)."""
        th = _D(self.u(45.0, 60.0))
        hs = self.p.hip_share_stoop
        dn, hold, up = self.u(1.2, 2.5), 15.0, self.u(1.2, 2.5)
        t0 = self.t
        tr = self.tr
        tr["pel"].to(t0, dn, hs * th)
        tr["tho"].to(t0, dn, (1 - hs) * th)
        tr["knee"].to(t0, dn, _D(self.u(0.0, 15.0)))
        for k in ("pel", "tho", "knee"):
            tr[k].to(t0 + dn + hold, up, 0.0)
        self.bends.append(Interval("sustained_bend", t0, t0 + dn + hold + up,
                                   float(np.degrees(th)), "standing", hold))
        self.stay(dn + hold + up)

    def walk(self, n: int, stairs: int = 0) -> None:
        p, u = self.p, self.u
        f = p.cadence_hz * (0.85 if stairs else 1.0) * u(0.95, 1.05)
        step = p.step_m * (0.45 if stairs else u(0.9, 1.1))
        lean = _D(u(3.0, 8.0) if stairs > 0 else u(1.0, 5.0))
        w = Walk(self.t, n, f, self.tr["psi"].value, step * f, p.bounce_m * (0.6 if stairs else 1.0),
                 u(0.015, 0.035), _D(u(0.8, 2.0)), _D(u(2.0, 5.0)), _D(u(0.8, 2.0)),
                 u(0, 2 * np.pi), stairs, u(0.15, 0.19) if stairs else 0.0)
        self.walks.append(w)
        self.tr["pel"].to(self.t, 1.0 / f, lean)
        self.tr["pel"].to(w.t1 - 1.0 / f, 1.0 / f, 0.0)
        for ts in w.steps_s:
            self.kick(float(ts), 1.0)
            if stairs:
                self.tr["stair"].add(float(ts) - 0.5 / f, 1.0 / f, stairs * w.step_h_m)
        self.label(self.t, w.t1, "walking")
        self.t = w.t1

    def sit_down(self) -> None:
        p, tr = self.p, self.tr
        d = self.u(1.6, 3.0)
        t = self.t
        peak = _D(self.u(22.0, 40.0))
        tr["sx"].to(t, 0.8 * d, 0.0)
        tr["sz"].to(t + 0.15 * d, 0.85 * d, 0.0)
        tr["knee"].to(t + 0.1 * d, 0.8 * d, _D(90.0))
        tr["pel"].to(t, 0.5 * d, peak)
        tr["pel"].to(t + 0.5 * d, 0.5 * d, p.sit_lean)
        self.kick(t + d, 2.0)
        self.label(t, t + d, "transition")
        self.t += d
        self.state = "sitting"

    def stand_up(self) -> None:
        p, tr = self.p, self.tr
        d = self.u(1.5, 2.8)
        t = self.t
        peak = _D(self.u(25.0, 45.0))
        tr["pel"].to(t, 0.45 * d, peak)
        tr["pel"].to(t + 0.45 * d, 0.55 * d, 0.0)
        tr["sz"].to(t + 0.3 * d, 0.7 * d, 1.0)
        tr["sx"].to(t + 0.2 * d, 0.7 * d, 1.0)
        tr["knee"].to(t + 0.3 * d, 0.7 * d, 0.0)
        self.kick(t + 0.35 * d, 1.0)
        self.label(t, t + d, "transition")
        self.t += d
        self.state = "standing"
        _ = p

    def reach(self) -> None:
        """A seated reach forward (to the floor or across the desk), optionally turned."""
        p, tr, u = self.p, self.tr, self.u
        th = _D(u(20.0, 45.0))
        dn, hold, up = u(0.6, 1.5), u(0.5, 3.0), u(0.8, 1.6)
        t0 = self.t
        base = tr["pel"].value
        tr["pel"].to(t0, dn, base + 0.7 * th)
        tr["tho"].to(t0, dn, 0.3 * th)
        tw = self.sign() * u(10.0, 30.0) if self.rng.random() < 0.4 else 0.0
        if tw:
            tr["tw"].to(t0, dn, _D(tw))
            tr["tw"].to(t0 + dn + hold, up, 0.0)
        tr["pel"].to(t0 + dn + hold, up, base)
        tr["tho"].to(t0 + dn + hold, up, 0.0)
        self.reaches.append(Interval("seated_reach", t0, t0 + dn + hold + up,
                                     float(np.degrees(th)), "sitting"))
        self.stay(dn + hold + up)
        _ = p

    def slouch(self, hold: float) -> None:
        """A thoracic collapse while sitting or standing still (truth: half-depth crossings)."""
        depth = _D(self.u(12.0, 28.0))
        r_in, r_out = self.u(2.0, 6.0), self.u(2.0, 5.0)
        t0 = self.t
        self.tr["slouch"].to(t0, r_in, depth)
        self.tr["slouch"].to(t0 + r_in + hold, r_out, 0.0)
        self.slouches.append(Interval("slouch", t0 + 0.5 * r_in, t0 + r_in + hold + 0.5 * r_out,
                                      float(np.degrees(depth) * self.p.slouch_share), self.state))
        self.stay(r_in + hold + r_out)

    def lie_down(self) -> str:
        d = self.u(2.0, 3.5)
        how = "supine" if self.rng.random() < 0.6 else "side"
        if how == "supine":
            self.tr["pel"].to(self.t, d, _D(-88.0))
        else:
            self.tr["pel"].to(self.t, d, 0.0)
            self.tr["lam"].to(self.t, d, self.sign() * _D(85.0))
        self.kick(self.t + d, 1.5)
        self.label(self.t, self.t + d, "transition")
        self.t += d
        self.state = "lying"
        return how

    def sit_up(self) -> None:
        d = self.u(2.0, 3.5)
        self.tr["pel"].to(self.t, d, self.p.sit_lean)
        self.tr["lam"].to(self.t, d, 0.0)
        self.label(self.t, self.t + d, "transition")
        self.t += d
        self.state = "sitting"


def _block(b: Builder, kind: str) -> None:
    u, rng = b.u, b.rng
    if kind == "lifts":
        for _ in range(int(rng.integers(3, 6))):
            style = str(rng.choice(STYLES))
            b.lift(style, upright=style == "squat" and rng.random() < 0.5)
            b.stay(u(1.5, 4.0))
    elif kind == "walk":
        b.walk(int(rng.integers(14, 41)))
    elif kind == "stairs":
        b.walk(int(rng.integers(8, 15)), stairs=1)
        b.stay(u(1.0, 3.0))
        b.turn(180.0 * b.sign())
        b.walk(int(rng.integers(8, 15)), stairs=-1)
    elif kind == "sit":
        b.sit_down()
        b.stay(u(8.0, 20.0))
        for _ in range(int(rng.integers(1, 4))):
            b.reach()
            b.stay(u(4.0, 10.0))
        if rng.random() < 0.8:
            b.slouch(u(15.0, 60.0))
            b.stay(u(8.0, 15.0))
        b.stand_up()
    elif kind == "task_bend":
        b.task_bend()
    elif kind == "stand_slouch":
        b.stay(u(5.0, 10.0))
        b.slouch(u(15.0, 40.0))
        b.stay(u(5.0, 10.0))
    elif kind == "lie":
        b.sit_down()
        b.stay(u(2.0, 5.0))
        b.lie_down()
        b.stay(u(20.0, 45.0))
        b.sit_up()
        b.stay(u(3.0, 6.0))
        b.stand_up()
    else:  # pragma: no cover - internal
        raise ValueError(kind)


BLOCKS = ("lifts", "lifts", "lifts", "walk", "walk", "stairs", "sit", "sit", "task_bend",
          "task_bend", "stand_slouch", "lie")


def build(person: Person, rng: np.random.Generator,
          blocks: tuple[str, ...] | None = None, reclip: bool = False) -> Script:
    """A random session for ``person``: guided calibration, then the :data:`BLOCKS` (or
    ``blocks``) in random order with standing and turns between them, and one clip slip.
    ``reclip``: before the last "lifts" block (else the last block) the wearer moves the clip
    to another place on the back and makes the guided calibration again (:class:`Reclip`;
    the default session is drawn unchanged without it)."""
    b = Builder(person, rng)
    b.calibrate()
    order = list(BLOCKS if blocks is None else blocks)
    rng.shuffle(order)
    at = max([k for k, x in enumerate(order) if x == "lifts"], default=len(order) - 1)
    rc: Reclip | None = None
    for k, kind in enumerate(order):
        if reclip and k == at:
            rc = _reclip(b)
        _block(b, kind)
        b.stay(b.u(2.0, 5.0))
        b.turn(b.u(30.0, 150.0) * b.sign())
        b.stay(b.u(1.0, 3.0))
    b.stay(b.u(10.0, 20.0))
    tracks = b.tr
    # one clip slip somewhere in the middle, with at least 150 s of recording after it
    t_slip = b.u(0.35, 0.55) * b.t
    if b.t - t_slip < 150.0:
        b.stay(150.0 - (b.t - t_slip))
    ax = np.array([b.u(-0.3, 0.3), 1.0, b.u(-0.3, 0.3)])
    slip = ClipSlip(t_slip, b.u(8.0, 12.0) * b.sign(), ax / np.linalg.norm(ax), b.u(0.15, 0.5))
    b.kick(t_slip + slip.dur_s, 1.5)
    u = b.u
    sway = Sway(pitch=[(u(0.08, 0.6), _D(u(0.1, 0.35)), u(0, 6.3)) for _ in range(3)],
                roll=[(u(0.08, 0.6), _D(u(0.05, 0.2)), u(0, 6.3)) for _ in range(2)],
                breath=(u(0.2, 0.33), _D(u(0.15, 0.4)), u(0, 6.3)))
    b.wobble.events.sort(key=lambda e: e[0])
    return Script(person, tracks, b.walks, b.wobble, sway, [slip], b.t, b.activity, b.lifts,
                  b.slouches, b.bends, b.reaches, b.calibration, rc)


def _reclip(b: Builder) -> Reclip:
    """Stand, move the clip (another thoracic level, depth and turn), stand, calibrate."""
    from kyphos.sim.validation.person import LEVEL_FRACTION

    b.stay(b.u(1.0, 2.0))
    p = b.p
    levels = [f for f in LEVEL_FRACTION.values() if abs(f - p.level_frac) > 1e-9]
    ax = b.rng.normal(size=3)
    rc = Reclip(b.t, b.u(1.0, 2.0), float(b.rng.choice(levels)), b.u(0.05, 0.13),
                np.radians(b.u(5.0, 15.0)) * ax / np.linalg.norm(ax))
    b.kick(rc.t + rc.dur_s, 1.5)
    b.stay(rc.dur_s + b.u(2.0, 4.0))
    b.calibrate(rc.calibration)
    return rc
