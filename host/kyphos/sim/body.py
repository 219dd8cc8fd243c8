"""Kinematics of the simulated wearer: joint trajectories → trunk orientation, sensor position,
exact specific force and angular rate, and the ground-truth trunk angles.

Model (see docs/scenarios.md): a sagittal linkage ankle → knee → hip (shank and thigh), then a
lower trunk segment (hip joint → T12) and an upper trunk segment (T12 → the sensor over T2–T5).
Joint angles are smooth functions of time:

- keyframe *tracks* (minimum-jerk quintic between keyframes, so position, velocity and
  acceleration are continuous and each keyframe is a stop) for ankle, knee, hip, lumbar and
  thoracic flexion, lateral bend, axial twist and a sway gain;
- walking *bursts* (step-frequency oscillations of the pelvis and trunk under a smooth envelope,
  plus forward progression);
- physiological *sway* (a few sinusoids with random frequency and phase).

All of them can be evaluated at any time, so the derivatives come from central differences with
a 1 ms step of the exact pose (error far below the sensor noise) and a streaming consumer gets
the same numbers as a batch one.

Frames: earth z up; body x anterior, y left, z superior; trunk (upper segment) orientation
``R = Rz(yaw)·Ry(flexion)·Rx(lateral)``; axial rotation = −(yaw − heading). Angles in radians.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

G = 9.80665  # m/s², standard gravity; the accelerometer reads +G on sensor x standing upright
GRAVITY = np.array([0.0, 0.0, -G])

# sensor-from-body for a perfectly aligned clip: sensor x = body z, y = y, z = −body x
NOMINAL_SENSOR_FROM_BODY = np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [-1.0, 0.0, 0.0]])

TRACKS = ("ankle", "knee", "hip", "lumbar", "thoracic", "lateral", "twist", "sway_gain")

_DIFF_STEP_S = 1e-3  # central-difference step for velocity / acceleration of the exact pose


def smoothstep(s: np.ndarray) -> np.ndarray:
    """Minimum-jerk 0 → 1 on s in [0, 1] (clipped outside): 10s³ − 15s⁴ + 6s⁵."""
    s = np.clip(s, 0.0, 1.0)
    return s * s * s * (10.0 + s * (-15.0 + 6.0 * s))


def smoothstep_integral(s: np.ndarray) -> np.ndarray:
    """∫₀ˢ smoothstep = 2.5s⁴ − 3s⁵ + s⁶ on s in [0, 1] (clipped); equals 0.5 at s = 1."""
    s = np.clip(s, 0.0, 1.0)
    return s**4 * (2.5 + s * (-3.0 + s))


@dataclass
class Track:
    """One joint angle over time: keyframes (strictly increasing times, s; values, rad),
    minimum-jerk between consecutive keyframes, constant before the first and after the last."""

    times: list[float] = field(default_factory=list)
    values: list[float] = field(default_factory=list)

    def last(self) -> float:
        return self.values[-1] if self.values else 0.0

    def key(self, t: float, value: float) -> None:
        """Add a keyframe; a keyframe at the time of the last one replaces it."""
        if self.times and t < self.times[-1] - 1e-9:
            raise ValueError(f"keyframe at {t:.3f} s is before the last one at {self.times[-1]:.3f} s")
        if self.times and abs(t - self.times[-1]) <= 1e-9:
            self.values[-1] = value
            return
        self.times.append(float(t))
        self.values.append(float(value))

    def move(self, t0: float, t1: float, value: float) -> None:
        """Hold the current value until t0, then move to ``value`` at t1 (minimum jerk)."""
        self.key(t0, self.last())
        self.key(t1, value)

    def _arrays(self) -> tuple[np.ndarray, np.ndarray]:
        # keyframes only grow while the timeline is built; rebuild the arrays when they did
        cache = self.__dict__.get("_cache")
        if cache is None or len(cache[0]) != len(self.times) or cache[1][-1] != self.values[-1]:
            cache = (np.asarray(self.times), np.asarray(self.values))
            self.__dict__["_cache"] = cache
        return cache

    def __call__(self, t: np.ndarray) -> np.ndarray:
        if not self.times:
            return np.zeros_like(t)
        kt, kv = self._arrays()
        if len(kt) == 1:
            return np.full_like(t, kv[0])
        i = np.clip(np.searchsorted(kt, t, side="right") - 1, 0, len(kt) - 2)
        s = (t - kt[i]) / (kt[i + 1] - kt[i])
        return kv[i] + (kv[i + 1] - kv[i]) * smoothstep(s)


@dataclass
class Walk:
    """A stretch of walking from t0 to t1 (s), ramping in and out over ``ramp_s``.

    Amplitudes are of the oscillation about the standing pose (m, rad); ``step_hz`` is the step
    frequency (two steps per stride): vertical bob, forward surge and trunk pitch run at the step
    frequency, lateral sway, trunk roll and axial rotation at the stride frequency.
    """

    t0: float
    t1: float
    ramp_s: float
    speed_m_s: float
    step_hz: float
    phase: float
    lean_rad: float
    bob_m: float = 0.022
    sway_m: float = 0.018
    surge_m: float = 0.010
    pitch_rad: float = np.deg2rad(1.5)
    roll_rad: float = np.deg2rad(2.5)
    yaw_rad: float = np.deg2rad(3.0)
    #: stairs: height gained per step, m (+ up, − down; 0 level). The pelvis climbs at the
    #: steady vertical speed rise·step_hz under the same envelope as the forward progression
    #: (own assumption; the bounce rides on it).
    rise_m: float = 0.0

    def envelope(self, t: np.ndarray) -> np.ndarray:
        return np.minimum(
            smoothstep((t - self.t0) / self.ramp_s), smoothstep((self.t1 - t) / self.ramp_s)
        )

    def distance(self, t: np.ndarray) -> np.ndarray:
        """Forward progression (m) since t0; reaches speed·(t1 − t0 − ramp) at t1."""
        r = self.ramp_s
        tc = np.clip(t, self.t0, self.t1)
        rise = r * smoothstep_integral((tc - self.t0) / r)
        flat = np.clip(tc - self.t0 - r, 0.0, max(self.t1 - self.t0 - 2 * r, 0.0))
        fall = r * (0.5 - smoothstep_integral((self.t1 - tc) / r))
        fall = np.where(tc > self.t1 - r, fall, 0.0)
        return self.speed_m_s * (rise + flat + fall)

    @property
    def total_distance(self) -> float:
        return self.speed_m_s * (self.t1 - self.t0 - self.ramp_s)

    def climb(self, t: np.ndarray) -> np.ndarray:
        """Height gained on stairs since t0 (m): the distance profile at vertical speed
        ``rise_m·step_hz``."""
        if self.rise_m == 0.0:
            return np.zeros_like(t)
        return self.distance(t) * (self.rise_m * self.step_hz / self.speed_m_s)

    @property
    def total_climb(self) -> float:
        return self.rise_m * self.step_hz * (self.t1 - self.t0 - self.ramp_s)


@dataclass
class Sway:
    """Postural sway and breathing: per channel (flexion, lateral, twist) a sum of sinusoids.
    ``freq_hz``, ``phase`` and ``amp_rad`` are (3, K) arrays."""

    freq_hz: np.ndarray
    phase: np.ndarray
    amp_rad: np.ndarray

    @classmethod
    def none(cls) -> Sway:
        z = np.zeros((3, 1))
        return cls(z, z.copy(), z.copy())

    @classmethod
    def draw(
        cls,
        rng: np.random.Generator,
        rms_rad: tuple[float, float, float],
        breathing_rad: float,
        k: int = 4,
    ) -> Sway:
        """Random sway of the given RMS per channel (0.05–0.6 Hz) plus breathing (0.2–0.33 Hz
        on flexion, amplitude ``breathing_rad``)."""
        freq = rng.uniform(0.05, 0.6, size=(3, k + 1))
        phase = rng.uniform(0.0, 2 * np.pi, size=(3, k + 1))
        amp = np.zeros((3, k + 1))
        # k equal sinusoids of amplitude a have RMS a·sqrt(k/2)
        amp[:, :k] = np.asarray(rms_rad)[:, None] / np.sqrt(k / 2.0)
        freq[0, k] = rng.uniform(0.2, 0.33)
        amp[0, k] = breathing_rad
        return cls(freq, phase, amp)

    def __call__(self, t: np.ndarray) -> np.ndarray:
        """(3, N) offsets of flexion, lateral bend and twist in rad."""
        arg = 2 * np.pi * self.freq_hz[:, :, None] * t[None, None, :] + self.phase[:, :, None]
        return np.einsum("ck,ckn->cn", self.amp_rad, np.sin(arg))


@dataclass
class Anthropometry:
    """Segment lengths in m (defaults for a 1.75 m adult, about Winter's proportions: shank and
    thigh ≈ 0.245·height; hip → T12 and T12 → T3 are own assumptions)."""

    shank_m: float = 0.43
    thigh_m: float = 0.43
    lower_trunk_m: float = 0.26
    upper_trunk_m: float = 0.22
    back_depth_m: float = 0.06
    ankle_height_m: float = 0.08

    @classmethod
    def from_height(cls, height_m: float) -> Anthropometry:
        k = height_m / 1.75
        return cls(0.43 * k, 0.43 * k, 0.26 * k, 0.22 * k, 0.06 * k, 0.08 * k)


@dataclass
class MountSlip:
    """The clip turning on the back (a clip slip): from ``t0`` to ``t1`` (s) the mounting
    rotates by the rotation vector ``rotvec`` (rad, body frame), minimum jerk, and stays turned.
    The sensor turns about its own site (its position on the back does not change)."""

    t0: float
    t1: float
    rotvec: np.ndarray


def _rodrigues(rv: np.ndarray) -> np.ndarray:
    """(N, 3, 3) rotation matrices of (N, 3) rotation vectors (rad)."""
    th = np.linalg.norm(rv, axis=1)
    k = rv / np.where(th > 0, th, 1.0)[:, None]
    kx = np.zeros((len(rv), 3, 3))
    kx[:, 0, 1], kx[:, 0, 2], kx[:, 1, 2] = -k[:, 2], k[:, 1], -k[:, 0]
    kx = kx - kx.transpose(0, 2, 1)
    s, c = np.sin(th)[:, None, None], (1.0 - np.cos(th))[:, None, None]
    return np.eye(3)[None] + s * kx + c * (kx @ kx)


@dataclass
class Timeline:
    """Everything needed to evaluate the wearer's pose at any time."""

    tracks: dict[str, Track]
    walks: list[Walk]
    sway: Sway
    body: Anthropometry
    body_from_sensor: np.ndarray  # (3, 3) mounting rotation (before any clip slip)
    heading: float = 0.0  # rad, facing direction (yaw of the trunk in neutral)
    duration: float = 0.0  # s
    slips: list[MountSlip] = field(default_factory=list)  # clip slips, in time order

    def mount(self, t: np.ndarray) -> np.ndarray:
        """(N, 3, 3) body-from-sensor mounting at times ``t``: ``body_from_sensor`` turned by
        every clip slip (later slips applied after earlier ones)."""
        r = np.broadcast_to(self.body_from_sensor, (len(t), 3, 3)).copy()
        for sl in self.slips:  # per slip (few)
            u = smoothstep((t - sl.t0) / max(sl.t1 - sl.t0, 1e-9))
            r = _rodrigues(u[:, None] * np.asarray(sl.rotvec)[None, :]) @ r
        return r

    def __post_init__(self) -> None:
        self._walk_t0 = np.array([w.t0 for w in self.walks])
        self._walk_t1 = np.array([w.t1 for w in self.walks])
        # forward distance covered by all walks that ended before walk i starts
        dist = [0.0] + [w.total_distance for w in self.walks]
        self._walk_cum = np.cumsum(dist)[:-1]
        climb = [0.0] + [w.total_climb for w in self.walks]
        self._climb_cum = np.cumsum(climb)[:-1]

    @property
    def sensor_from_body(self) -> np.ndarray:
        return self.body_from_sensor.T


def euler_zyx_matrix(yaw: np.ndarray, pitch: np.ndarray, roll: np.ndarray) -> np.ndarray:
    """(N, 3, 3) rotation matrices Rz(yaw)·Ry(pitch)·Rx(roll)."""
    cz, sz = np.cos(yaw), np.sin(yaw)
    cy, sy = np.cos(pitch), np.sin(pitch)
    cx, sx = np.cos(roll), np.sin(roll)
    r = np.empty(np.shape(yaw) + (3, 3))
    r[..., 0, 0] = cz * cy
    r[..., 0, 1] = cz * sy * sx - sz * cx
    r[..., 0, 2] = cz * sy * cx + sz * sx
    r[..., 1, 0] = sz * cy
    r[..., 1, 1] = sz * sy * sx + cz * cx
    r[..., 1, 2] = sz * sy * cx - cz * sx
    r[..., 2, 0] = -sy
    r[..., 2, 1] = cy * sx
    r[..., 2, 2] = cy * cx
    return r


@dataclass
class Pose:
    """The wearer at N times: trunk angles (rad), trunk orientation (N, 3, 3) body-to-earth and
    sensor position (N, 3) in the earth frame (m)."""

    flexion: np.ndarray
    lateral: np.ndarray
    twist: np.ndarray
    yaw: np.ndarray
    rotation: np.ndarray
    position: np.ndarray


def pose(tl: Timeline, t: np.ndarray) -> Pose:
    """Evaluate the linkage at times ``t`` (s, sorted)."""
    tr = tl.tracks
    b = tl.body
    ankle, knee, hip = tr["ankle"](t), tr["knee"](t), tr["hip"](t)
    lumbar, thoracic = tr["lumbar"](t), tr["thoracic"](t)
    lateral, twist = tr["lateral"](t), tr["twist"](t)
    sway = tl.sway(t) * tr["sway_gain"](t)[None, :]
    lower_flex = ankle - knee + hip + lumbar + sway[0]
    lateral = lateral + sway[1]
    twist = twist + sway[2]

    # pelvis offsets in the heading frame (forward, left, up), from walking
    fwd = np.zeros_like(t)
    left = np.zeros_like(t)
    up = np.zeros_like(t)
    if tl.walks:
        # distance of completed walks, then per-walk oscillations on the samples inside it
        j = np.searchsorted(tl._walk_t0, t, side="right") - 1
        done = np.where(j >= 0, tl._walk_cum[np.maximum(j, 0)], 0.0)
        fwd += done
        up += np.where(j >= 0, tl._climb_cum[np.maximum(j, 0)], 0.0)
        # only the walks that overlap these times
        w0 = max(int(np.searchsorted(tl._walk_t1, t[0], side="right")), 0) if len(t) else 0
        w1 = int(np.searchsorted(tl._walk_t0, t[-1], side="right")) if len(t) else 0
        for w in tl.walks[w0:w1]:
            i0, i1 = np.searchsorted(t, [w.t0, w.t1])
            if i1 <= i0:
                continue
            ts = t[i0:i1]
            e = w.envelope(ts)
            wp = 2 * np.pi * w.step_hz * (ts - w.t0) + w.phase
            fwd[i0:i1] += w.distance(ts) + e * w.surge_m * np.sin(wp + np.pi / 2)
            left[i0:i1] += e * w.sway_m * np.sin(wp / 2)
            up[i0:i1] += e * w.bob_m * np.cos(wp) + w.climb(ts)
            lower_flex[i0:i1] += e * (w.lean_rad + w.pitch_rad * np.sin(wp))
            lateral[i0:i1] += e * w.roll_rad * np.sin(wp / 2)
            twist[i0:i1] += e * w.yaw_rad * np.sin(wp / 2 + np.pi / 2)
        # samples after the last walk's start but past its end keep the full distance
        after = (j >= 0) & (t >= tl._walk_t1[np.maximum(j, 0)])
        fwd[after] += np.array([w.total_distance for w in tl.walks])[j[after]]
        up[after] += np.array([w.total_climb for w in tl.walks])[j[after]]

    upper_flex = lower_flex + thoracic
    yaw = tl.heading - twist

    # sagittal linkage in the heading plane: (forward, up) from the ankle
    thigh_incl = ankle - knee
    hip_f = b.shank_m * np.sin(ankle) + b.thigh_m * np.sin(thigh_incl)
    hip_u = b.ankle_height_m + b.shank_m * np.cos(ankle) + b.thigh_m * np.cos(thigh_incl)
    ch, sh = np.cos(tl.heading), np.sin(tl.heading)
    hf = hip_f + fwd
    hip = np.stack([hf * ch - left * sh, hf * sh + left * ch, hip_u + up], axis=1)

    r_lower = euler_zyx_matrix(tl.heading - 0.5 * twist, lower_flex, 0.5 * lateral)
    r_upper = euler_zyx_matrix(yaw, upper_flex, lateral)
    pos = (
        hip
        + r_lower[:, :, 2] * b.lower_trunk_m
        + r_upper[:, :, 2] * b.upper_trunk_m
        - r_upper[:, :, 0] * b.back_depth_m
    )
    return Pose(upper_flex, lateral, twist, yaw, r_upper, pos)


@dataclass
class Motion:
    """Exact kinematics at the sample times: the pose plus the sensor's specific force (N, 3,
    m/s²) and angular rate (N, 3, rad/s), both in the sensor frame, and its orientation
    sensor-to-earth (N, 3, 3)."""

    pose: Pose
    sensor_rotation: np.ndarray
    acc: np.ndarray
    gyr: np.ndarray
    lin_acc: np.ndarray  # (N, 3) earth-frame acceleration of the sensor, m/s²


def motion(tl: Timeline, t: np.ndarray) -> Motion:
    """Pose, specific force and angular rate at times ``t`` (s, sorted)."""
    h = _DIFF_STEP_S
    p0 = pose(tl, t)
    pm = pose(tl, t - h)
    pp = pose(tl, t + h)
    lin_acc = (pp.position - 2.0 * p0.position + pm.position) / (h * h)
    # body-frame angular velocity from R(t−h)ᵀ·R(t+h) = exp([ω]×·2h) (second order in h)
    rel = np.einsum("nji,njk->nik", pm.rotation, pp.rotation)
    v = 0.5 * np.stack(
        [rel[:, 2, 1] - rel[:, 1, 2], rel[:, 0, 2] - rel[:, 2, 0], rel[:, 1, 0] - rel[:, 0, 1]],
        axis=1,
    )
    sin_a = np.linalg.norm(v, axis=1)
    scale = np.ones_like(sin_a)
    nz = sin_a > 1e-15
    scale[nz] = np.arcsin(np.minimum(sin_a[nz], 1.0)) / sin_a[nz]
    omega_body = v * (scale / (2.0 * h))[:, None]
    f_earth = lin_acc - GRAVITY
    if not tl.slips:
        r_es = p0.rotation @ tl.body_from_sensor
        acc = np.einsum("nji,nj->ni", r_es, f_earth)
        gyr = omega_body @ tl.body_from_sensor  # row-vector form of sensor_from_body · ω
        return Motion(p0, r_es, acc, gyr, lin_acc)
    # a mounting that changes (clip slip): the sensor's own rotation R·M(t), differenced as
    # above, gives its angular rate in the sensor frame (= Mᵀ·ω_body while M is constant)
    r_es = p0.rotation @ tl.mount(t)
    rs = np.einsum("nji,njk->nik", pm.rotation @ tl.mount(t - h), pp.rotation @ tl.mount(t + h))
    v = 0.5 * np.stack(
        [rs[:, 2, 1] - rs[:, 1, 2], rs[:, 0, 2] - rs[:, 2, 0], rs[:, 1, 0] - rs[:, 0, 1]], axis=1
    )
    sin_a = np.linalg.norm(v, axis=1)
    scale = np.ones_like(sin_a)
    nz = sin_a > 1e-15
    scale[nz] = np.arcsin(np.minimum(sin_a[nz], 1.0)) / sin_a[nz]
    gyr = v * (scale / (2.0 * h))[:, None]
    acc = np.einsum("nji,nj->ni", r_es, f_earth)
    return Motion(p0, r_es, acc, gyr, lin_acc)
