"""Lift detection, stoop / squat / semi-squat classification and per-lift form scores.

A lift, for one upper-back IMU, is a trunk-flexion excursion: flexion rises above
``ENTER_DEG`` (hysteresis down to ``EXIT_DEG``), peaks at ≥ ``MIN_PEAK_DEG``, comes back, and
moves fast enough (peak |flexion velocity| ≥ ``MIN_VELOCITY_DPS``) not to be a slow slouch.
Start and end are the motion onset and offset. With the sensor's orientation and acceleration
(``quat``, ``acc``), they are where the sensor's speed — its earth-frame free acceleration
integrated over the lift, from rest to rest — first rises above and last falls below
``ONSET_SPEED_FRACTION`` of its peak in that lift: a lift is a movement of the upper body, and
its start is when the body starts to move (the knees may lead the trunk; a point on the back
first moves forward, not down). Without them, walking out from the threshold crossings until
|flexion velocity| falls below ``ONSET_DPS`` (or the height's vertical speed below
``HEIGHT_ONSET_M_S``). One sensor cannot tell whether a load was picked up: every such bend
counts.

Style (stoop / semi-squat / squat): :mod:`kyphos.metrics.style`, from the sensor's vertical
drop over the lift (:func:`vertical_drop`) and the trunk's peak tilt.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from scipy.ndimage import minimum_filter1d

from kyphos.metrics.episodes import hysteresis, runs
from kyphos.metrics.style import (  # noqa: F401  (re-exported: the style's old home)
    LINK_BEND_MIN_DEG,
    LINK_M,
    LINK_RANGE_M,
    SEMI_DROP_M,
    SQUAT_DROP_M,
    SQUAT_FLEX_DEG,
    STOOP_FLEX_DEG,
    classify_style,
    effective_link,
    knee_drop,
    link_from_bends,
)
from kyphos.processing.angles import Angles
from kyphos.processing.params import EXCURSION_RETURN
from kyphos.processing.preprocess import in_intervals

ENTER_DEG = 18.0
EXIT_DEG = 12.0
#: Not fitted (kyphos choice). A lift-F1 sweep on simday seeds 100-119 (fs by seed) gives 18 and
#: 20 -> 0.9784, 22 and 24 -> 0.9740, but 18 loses lifts on the development seeds (simday
#: 0-29 and validation 0-29 at 104 Hz): an upright squat that becomes a flexion candidate
#: keeps the flexion bounds, which end at another height, and the net-rise check below drops
#: it as a sit/stand; widening to both rules' bounds lost stoops instead (docs/accuracy.md 7).
MIN_PEAK_DEG = 22.0
#: A bend while sitting (a seated reach) is measured from the wearer's own sitting upright
#: (kyphos.metrics.posture.sitting_upright_deg), not from the standing calibration, and needs
#: a peak this far above it. Fitted on the simday family (bench/fit_thresholds.py FITS,
#: objective reach F1, seeds 100-119: 14/16/18 -> 1.000, 20 -> 0.994, 22 -> 0.962, so the
#: middle of the plateau); below ISO 11226's 20° edge of acceptable flexion, which a reach
#: of 20° reaches only half the time through the angle error (docs/accuracy.md section 7).
SEATED_MIN_PEAK_DEG = 16.0
MIN_VELOCITY_DPS = 25.0
MAX_DURATION_S = 10.0
#: A bend whose end is this much higher or lower than its start is a sit/stand transition.
#: Not fitted: a lift-F1 sweep on simday seeds 100-119 scores 0.3 highest (0.9958 vs 0.9740),
#: only because it then accepts the lowering half of an upright squat whose activity excursion
#: closed at the bottom (processing.activity, before da69121: a lowering under
#: TRANSITION_RISE_M counted as back at its start), i.e. a lift ending ~2 s early; 0.3 m is
#: also a sit/stand's lower end. Since da69121 such an excursion holds its rise (not re-swept).
MAX_NET_RISE_M = 0.15
ONSET_DPS = 10.0
#: Lift start / end from the sensor's speed: the fraction of the lift's peak speed that marks
#: motion onset and offset. A speed threshold is the conventional onset rule of movement
#: studies (Botzer & Karniel 2009, Front. Neurosci., doi:10.3389/neuro.20.002.2009); 5 % of the
#: movement's own peak is our choice (not fitted), the definition the validation family's truth
#: also uses for the speed of the back's surface (docs/accuracy.md section 6).
ONSET_SPEED_FRACTION = 0.05
#: The speed is integrated over the flexion / height rule's bounds widened by this much, s
#: (those rules date a lift up to ~0.3 s late, so the window starts and ends at rest; longer
#: windows let the accelerometer's drift in). Chosen on validation seeds 0–29 (the development
#: set: 0.4–0.7 s give the same errors there, 0.3 and 1.0 s worse), docs/accuracy.md.
SPEED_PAD_S = 0.5
#: A height excursion (upright squat) must drop the sensor by at least this much, m, and starts
#: and ends where the sensor's vertical speed passes HEIGHT_ONSET_M_S. Provisional (own
#: choice from the squat's physics: hips drop 0.3–0.5 m) until fitted on the validation family.
MIN_DROP_M = 0.2
HEIGHT_ONSET_M_S = 0.1
#: Lateral bend and twist are read only where flexion is below this (gimbal lock at 90°).
ANGLE_VALID_BELOW_DEG = 75.0
#: Form scoring thresholds (docs/scoring.md).
FLEX_OK_DEG = 45.0
TWIST_OK_DEG = 15.0
LATERAL_OK_DEG = 10.0
VELOCITY_OK_DPS = 120.0
GOOD_FORM_SCORE = 70.0


@dataclass
class Lift:
    """One lift. Angles in degrees, times in s from the start of the recording."""

    start_s: float
    end_s: float
    style: str
    peak_flexion_deg: float
    peak_flexion_velocity_dps: float
    twist_deg: float
    lateral_deg: float
    duration_s: float
    score: float | None  # None below the validity bar (processing.plausibility.gate_analysis)
    reasons: list[str] = field(default_factory=list)
    knee_drop_m: float | None = None
    peak_s: float = 0.0
    #: "standing" (a lift) or "sitting" (a seated reach); found by "flexion", "height" or both
    context: str = "standing"
    found_by: str = "flexion"
    drop_m: float | None = None
    #: the sensor's largest drop over the lift (m) and the trunk's peak tilt (flexion and
    #: lateral bend together, degrees) that knee_drop_m is computed from
    sensor_drop_m: float | None = None
    peak_tilt_deg: float = 0.0
    #: with the wearer's hip height (``analyze(hip_height_m=|height_m=)``): knee_drop_m over
    #: it, which then names the style; with ``style_drop="closed"`` the closed-bend knee drop
    #: (m, :func:`kyphos.metrics.style.lift_knee_drop_lever`) and it over the hip height, which
    #: name it instead (:func:`kyphos.metrics.style.restyle`)
    knee_drop_per_hip: float | None = None
    knee_drop_closed_m: float | None = None
    knee_drop_closed_per_hip: float | None = None
    #: with the closed-bend drop: the hips' backward shift under the tilting trunk, m
    #: (:func:`kyphos.metrics.style.hip_shift`), which the squat edge reads with it
    hip_shift_m: float | None = None
    #: the start the closed-bend drop's window is padded from
    #: (:func:`kyphos.metrics.style.restyle`): the rest-to-rest speed's start, on which the
    #: closed style edges were fitted (bench/fit_thresholds.py); ``start_s`` reads the speed
    #: from the first end alone (:func:`_forward_speed`). None: ``start_s``.
    window_start_s: float | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in d.items()}


def _onset(v: np.ndarray | _Degrees, i: int, step: int, lo: int, hi: int, chunk: int = 1024) -> int:
    """Walk from i in direction step while |v| ≥ ONSET_DPS; return the last index reached.

    Searches in chunks so that the cost is the length of the walk, not of the recording.
    """
    pos = i
    while True:
        if step < 0:
            a = max(lo, pos - chunk + 1)
            seg = np.abs(v[a : pos + 1])[::-1]
            quiet = np.flatnonzero(~(seg >= ONSET_DPS))
            if len(quiet):
                return pos - int(quiet[0])
            if a == lo:
                return lo
            pos = a - 1
        else:
            b = min(hi, pos + chunk)
            seg = np.abs(v[pos:b])
            quiet = np.flatnonzero(~(seg >= ONSET_DPS))
            if len(quiet):
                return pos + int(quiet[0])
            if b == hi:
                return hi - 1
            pos = b


def _integrate2(x: np.ndarray, dt: float) -> tuple[np.ndarray, np.ndarray]:
    """Trapezoid single and double integral from 0."""
    v = np.empty(len(x))
    v[0] = 0.0
    np.cumsum(0.5 * (x[1:] + x[:-1]), out=v[1:])
    v *= dt
    p = np.empty(len(x))
    p[0] = 0.0
    np.cumsum(0.5 * (v[1:] + v[:-1]), out=p[1:])
    p *= dt
    return v, p


def earth_free_acceleration(quat: np.ndarray, acc: np.ndarray, g: float = 9.81) -> np.ndarray:
    """(N, 3) free acceleration in the earth frame (x, y horizontal, z up), m/s², from
    scalar-first sensor-to-earth quaternions (N, 4) and sensor-frame specific force (N, 3):
    ``R(q)·acc − g·ẑ`` (the z column is :func:`kyphos.processing.angles.vertical_acceleration`)."""
    q = np.asarray(quat, float)
    a = np.asarray(acc, float)
    w, x, y, z = q.T
    ax, ay, az = a.T
    xx, yy, zz, xy, xz, yz, wx, wy, wz = x * x, y * y, z * z, x * y, x * z, y * z, w * x, w * y, w * z
    out = np.empty((len(q), 3))
    out[:, 0] = (1 - 2 * (yy + zz)) * ax + 2 * (xy - wz) * ay + 2 * (xz + wy) * az
    out[:, 1] = 2 * (xy + wz) * ax + (1 - 2 * (xx + zz)) * ay + 2 * (yz - wx) * az
    out[:, 2] = 2 * (xz - wy) * ax + 2 * (yz + wx) * ay + (1 - 2 * (xx + yy)) * az - g
    return out


def _rest_to_rest_velocity(a: np.ndarray, tilt: np.ndarray, fs: float) -> np.ndarray | None:
    """Velocity (n, k) of a window that starts and ends at rest, from acceleration (n, k):
    the trapezoid integral less the ``k0 + k1·sin tilt`` error model of :func:`vertical_drop`,
    per column (``k0`` from the still first and last 0.15 s, ``k1`` zeroes the end)."""
    if len(a) < 3 or not (np.all(np.isfinite(a)) and np.all(np.isfinite(tilt))):
        return None
    dt = 1.0 / fs
    shape = np.sin(np.clip(tilt, 0.0, None))

    def integral(x: np.ndarray) -> np.ndarray:
        v = np.empty_like(x)
        v[0] = 0.0
        np.cumsum(0.5 * (x[1:] + x[:-1]), axis=0, out=v[1:])
        return v * dt

    v_a, v_s = integral(a), integral(shape)
    v_1 = np.arange(len(a)) * dt  # the integral of 1
    k = max(2, int(0.15 * fs))
    k0 = (a[:k].sum(axis=0) + a[-k:].sum(axis=0)) / (2 * k)
    k1 = (v_a[-1] - k0 * v_1[-1]) / v_s[-1] if v_s[-1] > 1e-9 else np.zeros(a.shape[1])
    return np.asarray(v_a - np.outer(v_1, k0) - np.outer(v_s, k1))


def _speed_bounds(acc_e: np.ndarray, tilt: np.ndarray, fs: float, a: int, b: int,
                  first_still: bool = True) -> tuple[int, int, int] | None:
    """Start and end (indices into the window) of the movement whose flexion / height rule
    bounds are ``a``, ``b``: the sensor's speed (rest-to-rest integral of the earth-frame free
    acceleration ``acc_e`` (n, 3) over the window) crosses ``ONSET_SPEED_FRACTION`` of its
    peak. From each rule bound: outward while the speed stays above the fraction, else inward
    to the first sample above it. The start reads the speed integrated forward from the
    window's still first end alone (:func:`_forward_speed`); the third index is the start the
    rest-to-rest speed gives (the style's window, ``Lift.window_start_s``). ``first_still``
    False (the activity's still rule does not hold over the window's first 0.15 s: a turn or
    a step ending there) keeps the rest-to-rest start: that end measures motion, not the
    accelerometer's error. None if the window has non-finite samples."""
    v = _rest_to_rest_velocity(acc_e, tilt, fs)
    if v is None:
        return None
    sp = np.sqrt(np.einsum("ij,ij->i", v, v))
    thr = ONSET_SPEED_FRACTION * float(sp.max())
    moving = sp >= thr
    if not moving[a : b + 1].any():
        return None
    m_f = _forward_speed(acc_e, fs) >= thr if first_still else moving
    if not m_f[a : b + 1].any():  # never, for a movement: the rest-to-rest speed then
        m_f = moving

    def start(m: np.ndarray) -> int:
        if m[a]:  # back to the last quiet sample, start after it
            quiet = np.flatnonzero(~m[: a + 1])
            return int(quiet[-1]) + 1 if len(quiet) else 0
        return a + int(np.argmax(m[a : b + 1]))

    i0 = start(m_f)
    if moving[b]:
        quiet = np.flatnonzero(~moving[b:])
        i1 = b + int(quiet[0]) - 1 if len(quiet) else len(sp) - 1
    else:
        i1 = b - int(np.argmax(moving[a : b + 1][::-1]))
    return i0, i1, start(moving)


def _first_still(still: np.ndarray, j0: np.ndarray, fs: float) -> np.ndarray:
    """(K,) True where the activity's still rule holds over all of the first 0.15 s from each
    row ``j0`` (the end :func:`_forward_speed` measures the accelerometer's error over).
    Development validation 22000 at 52 Hz: a squat right after a turn started 1.09 s early
    from an end still turning (0.41 s from the rest-to-rest speed)."""
    k = max(2, int(0.15 * fs))
    j0 = np.clip(np.asarray(j0, np.int64), 0, max(len(still) - k, 0))
    # only the K windows' k rows each (a cumulative sum of the whole recording per call was a
    # full-length pass per candidate on the one-by-one path)
    return np.asarray(still[np.minimum(j0[:, None] + np.arange(k), len(still) - 1)].all(axis=1))


def _forward_speed(acc_e: np.ndarray, fs: float) -> np.ndarray:
    """The sensor's speed (n,) over a window, integrated forward from its first sample less the
    accelerometer's constant error measured over the still first 0.15 s alone. Why: before the
    motion the sensor stands still, so its error there is what that end measures (tilt, and
    so the ``k1·sin tilt`` term, is constant there too). :func:`_rest_to_rest_velocity` takes
    the average of both ends; where they differ (the window ending in the clip's end-of-lift
    ringing, which the site does not feel, or in a steady offset other than the one before)
    half the difference integrates into a velocity ramp over the pre-motion pad that passes
    5 % of a slow lift's peak before it moves (docs/accuracy.md section 7, TRACE5A). The end
    keeps the rest-to-rest speed: the same from the last end alone, backward, dated ends worse
    (validation 25000–25029: end 95th 0.145 → 0.162 s at 52 Hz, 0.100 → 0.144 at 104)."""
    dt = 1.0 / fs
    v_a = np.empty(acc_e.shape)
    v_a[0] = 0.0
    np.cumsum(0.5 * (acc_e[1:] + acc_e[:-1]), axis=0, out=v_a[1:])
    v_a *= dt
    k = max(2, int(0.15 * fs))
    v = v_a - np.outer(np.arange(len(acc_e)) * dt, acc_e[:k].sum(axis=0) / k)
    return np.asarray(np.sqrt(np.einsum("ij,ij->i", v, v)))


def vertical_drop(az: np.ndarray, flex: np.ndarray, fs: float) -> tuple[float, float] | None:
    """(largest downward displacement, net height change) of the sensor over a window, m.

    A lift ends where it started (net change ≈ 0); sitting down or standing up does not.

    The window (the lift padded by 0.3 s) starts and ends standing still. Accelerometer bias
    and scale errors seen on the vertical change with the trunk's tilt, so the error is modelled
    as ``k0 + k1·sin θ(t)`` (θ = flexion): ``k0`` is the mean vertical acceleration in the
    still first and last 0.15 s (true value 0), ``k1`` makes the velocity zero at the end.
    """
    pos = _height_trace(az, flex, fs)
    if pos is None:
        return None
    return -float(np.min(pos)), float(pos[-1])


def classify(peak_deg: float, knee_drop_m: float | None) -> str:
    """:func:`kyphos.metrics.style.classify_style` (kept under its old name)."""
    return classify_style(peak_deg, knee_drop_m)


def form_score(
    style: str, peak_deg: float, vel_dps: float, twist_deg: float, lateral_deg: float
) -> tuple[float, list[str]]:
    """Form score 0–100 and plain-language reasons (docs/scoring.md, "Lift form score")."""
    score = 100.0
    reasons = []
    if peak_deg > FLEX_OK_DEG and style != "squat":
        score -= min(40.0, 0.8 * (peak_deg - FLEX_OK_DEG))
        more = " more" if style == "semi-squat" else ""
        reasons.append(f"bent {peak_deg:.0f}° at the waist — bend the knees{more}")
    if style == "stoop":
        score -= 10.0
    if abs(twist_deg) > TWIST_OK_DEG:
        score -= min(30.0, 1.5 * (abs(twist_deg) - 10.0))
        reasons.append(f"twisted {abs(twist_deg):.0f}° while lifting — turn with the feet")
    if abs(lateral_deg) > LATERAL_OK_DEG:
        side = "right" if lateral_deg > 0 else "left"
        score -= min(20.0, 1.5 * (abs(lateral_deg) - 5.0))
        reasons.append(f"leaned {abs(lateral_deg):.0f}° to the {side} — keep the load centred")
    if vel_dps > VELOCITY_OK_DPS:
        score -= min(15.0, (vel_dps - VELOCITY_OK_DPS) / 4.0)
        reasons.append(f"moved fast ({vel_dps:.0f}°/s) — lift smoothly")
    if not reasons:
        reasons.append("good form")
    return round(max(0.0, score), 1), reasons


def _signed_peak(x: np.ndarray, ok: np.ndarray | None = None) -> float:
    """The value of largest magnitude among ``x[ok]`` (finite), 0 if none."""
    m = np.abs(x)
    keep = np.isfinite(m) if ok is None else ok & np.isfinite(m)
    if not keep.any():
        return 0.0
    return float(x[int(np.argmax(np.where(keep, m, -1.0)))])


def _context(activity: Any, i: int) -> str:
    """The activity at sample ``i`` ("standing" without an activity)."""
    if activity is None:
        return "standing"
    from kyphos.processing.activity import KINDS

    k = int(activity.kind[min(i, len(activity.kind) - 1)])
    return KINDS[k] if k >= 0 else "gap"


def _down_and_back(height: np.ndarray, h0: float, s: int, lo: int, hi: int) -> bool:
    """Whether a flexion span's end ``s`` is at least ``MIN_DROP_M`` below the height ``h0``
    and the sensor rises from it (or fell into it) within rows ``[lo, hi)`` by at least
    ``EXCURSION_RETURN`` of that drop: the height rule's movement, not a drifted track."""
    down = h0 - height[s]
    return bool(down >= MIN_DROP_M and np.nanmax(height[lo:hi], initial=-np.inf) - height[s]
                >= EXCURSION_RETURN * down)


def _height_onset(vz: np.ndarray, a: int, b: int) -> tuple[int, int]:
    """First and last sample in [a, b) where |vertical velocity| ≥ ``HEIGHT_ONSET_M_S``."""
    fast = np.flatnonzero(np.abs(vz[a:b]) >= HEIGHT_ONSET_M_S)
    if len(fast) == 0:
        return a, b - 1
    return a + int(fast[0]), a + int(fast[-1])


def _height_trace(az: np.ndarray, tilt: np.ndarray, fs: float) -> np.ndarray | None:
    """The sensor's height over a window that starts and ends still (m, 0 at the start): the
    double integral, with the ``k0 + k1·sin tilt`` error model described in
    :func:`vertical_drop` (which reads its drop and net change from this trace)."""
    if len(az) < 3 or not (np.all(np.isfinite(az)) and np.all(np.isfinite(tilt))):
        return None
    dt = 1.0 / fs
    shape = np.sin(np.clip(tilt, 0.0, None))
    v_a, p_a = _integrate2(az, dt)
    t = np.arange(len(az)) * dt
    v_1, p_1 = t, 0.5 * t * t  # the integrals of 1 (exact for the trapezoid rule)
    v_s, p_s = _integrate2(shape, dt)
    k = max(2, int(0.15 * fs))
    k0 = float(az[:k].sum() + az[-k:].sum()) / (2 * k)
    k1 = (v_a[-1] - k0 * v_1[-1]) / v_s[-1] if v_s[-1] > 1e-9 else 0.0
    return np.asarray(p_a - k0 * p_1 - k1 * p_s)


#: Candidates whose windows are batched together (sorted by length, so padding stays small);
#: bounds the batch's (BATCH, width, 3) temporaries.
BATCH = 128


def _gather(starts: np.ndarray, lens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row indices (K, W) of the windows ``[starts[k], starts[k] + lens[k])``, W = max(lens) + 1
    (at least one padding column), and where each is inside its window; padding points at the
    window's first row (a real row, so gathers never read past the data)."""
    w = int(lens.max()) + 1
    col = np.arange(w)
    inside = col[None, :] < lens[:, None]
    return np.where(inside, starts[:, None] + col[None, :], starts[:, None]), inside


def _integrate2_rows(x: np.ndarray, dt: float) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_integrate2` of each row of ``x`` (K, W) (the same sums in the same order)."""
    v = np.empty(x.shape)
    v[:, 0] = 0.0
    np.cumsum(0.5 * (x[:, 1:] + x[:, :-1]), axis=1, out=v[:, 1:])
    v *= dt
    p = np.empty(x.shape)
    p[:, 0] = 0.0
    np.cumsum(0.5 * (v[:, 1:] + v[:, :-1]), axis=1, out=p[:, 1:])
    p *= dt
    return v, p


def _ends(x: np.ndarray, lens: np.ndarray, k: int) -> np.ndarray:
    """Sums of the first and of the last ``k`` entries of each row's window of ``x`` (K, W, ...),
    each summed as :func:`_height_trace` / :func:`_rest_to_rest_velocity` sum them."""
    rows = np.arange(len(x))[:, None]
    tail = (lens[:, None] - k) + np.arange(k)[None, :]
    return np.asarray(x[:, :k].sum(axis=1) + x[rows, tail].sum(axis=1))


def _height_traces(az: np.ndarray, tilt: np.ndarray, inside: np.ndarray, lens: np.ndarray,
                   fs: float) -> tuple[np.ndarray, np.ndarray]:
    """:func:`vertical_drop` of K windows at once: ``az`` and ``tilt`` (K, W) padded rows,
    ``inside`` where each is in its window, ``lens`` the windows' lengths (each ≥ 2·k, see
    below). Returns (largest drop, net change), NaN where :func:`vertical_drop` gives None;
    the values equal its to the bit (the same operations per element, the same summation order)."""
    dt = 1.0 / fs
    shape = np.sin(np.clip(tilt, 0.0, None))
    v_a, p_a = _integrate2_rows(az, dt)
    v_s, p_s = _integrate2_rows(shape, dt)
    t = np.arange(az.shape[1]) * dt
    p_1 = 0.5 * t * t
    k = max(2, int(0.15 * fs))
    k0 = _ends(az, lens, k) / (2 * k)
    rows = np.arange(len(az))
    last = lens - 1
    vs_end = v_s[rows, last]
    k1 = np.zeros(len(az))
    big = vs_end > 1e-9
    k1[big] = (v_a[rows, last] - k0 * t[last])[big] / vs_end[big]
    pos = p_a - k0[:, None] * p_1[None, :] - k1[:, None] * p_s
    ok = np.all(np.isfinite(az) & np.isfinite(tilt) | ~inside, axis=1)
    drop = -np.min(np.where(inside, pos, np.inf), axis=1)
    net = pos[rows, last]
    drop[~ok] = np.nan
    net[~ok] = np.nan
    return drop, net


def _speed_bounds_rows(acc_e: np.ndarray, tilt: np.ndarray, inside: np.ndarray,
                       lens: np.ndarray, a: np.ndarray, b: np.ndarray, fs: float,
                       first_still: np.ndarray | None = None) -> np.ndarray:
    """:func:`_speed_bounds` of K windows at once: ``acc_e`` (K, W, 3) and ``tilt`` (K, W) padded
    rows, ``inside``/``lens`` as :func:`_height_traces`, ``a``/``b`` the rule's bounds per
    window, ``first_still`` (K,) its ``first_still`` (None: all True). Returns (K, 3) start, end
    and rest-to-rest start indices into each window, -1 where :func:`_speed_bounds` gives None;
    equal to its (the same speeds to the bit)."""
    dt = 1.0 / fs
    shape = np.sin(np.clip(tilt, 0.0, None))
    v_a = np.empty(acc_e.shape)
    v_a[:, 0] = 0.0
    np.cumsum(0.5 * (acc_e[:, 1:] + acc_e[:, :-1]), axis=1, out=v_a[:, 1:])
    v_a = v_a * dt
    v_s = np.empty(shape.shape)
    v_s[:, 0] = 0.0
    np.cumsum(0.5 * (shape[:, 1:] + shape[:, :-1]), axis=1, out=v_s[:, 1:])
    v_s = v_s * dt
    w = acc_e.shape[1]
    v_1 = np.arange(w) * dt
    k = max(2, int(0.15 * fs))
    k0 = _ends(acc_e, lens, k) / (2 * k)
    rows = np.arange(len(acc_e))
    last = lens - 1
    vs_end = v_s[rows, last]
    k1 = np.zeros(k0.shape)
    big = vs_end > 1e-9
    k1[big] = (v_a[rows, last] - k0 * v_1[last][:, None])[big] / vs_end[big][:, None]
    v = v_a - v_1[None, :, None] * k0[:, None, :] - v_s[:, :, None] * k1[:, None, :]
    sp = np.sqrt(np.einsum("klj,klj->kl", v, v))
    sp[~inside] = 0.0
    thr = ONSET_SPEED_FRACTION * sp.max(axis=1)[:, None]
    moving = (sp >= thr) & inside
    # the start from the speed integrated forward from the first end alone (_forward_speed:
    # the same sums in the same order)
    v_f = v_a - v_1[None, :, None] * (acc_e[:, :k].sum(axis=1) / k)[:, None, :]
    m_f = (np.sqrt(np.einsum("klj,klj->kl", v_f, v_f)) >= thr) & inside
    col = np.arange(w)[None, :]
    big_w = w + 1
    last_quiet = np.maximum.accumulate(np.where(moving, -1, col), axis=1)  # ≤ j, else -1
    last_moving = np.maximum.accumulate(np.where(moving, col, -1), axis=1)
    next_quiet = np.minimum.accumulate(np.where(moving, big_w, col)[:, ::-1], axis=1)[:, ::-1]
    next_moving = np.minimum.accumulate(np.where(moving, col, big_w)[:, ::-1], axis=1)[:, ::-1]
    f_quiet = np.maximum.accumulate(np.where(m_f, -1, col), axis=1)
    f_last = np.maximum.accumulate(np.where(m_f, col, -1), axis=1)
    f_next = np.minimum.accumulate(np.where(m_f, col, big_w)[:, ::-1], axis=1)[:, ::-1]
    out = np.full((len(acc_e), 3), -1, np.int64)
    m_a, m_b = moving[rows, a], moving[rows, b]
    own = f_last[rows, b] >= a  # else the rest-to-rest speed (never, for a movement)
    if first_still is not None:
        own &= first_still
    out[:, 0] = np.where(own, np.where(m_f[rows, a], f_quiet[rows, a] + 1, f_next[rows, a]),
                         np.where(m_a, last_quiet[rows, a] + 1, next_moving[rows, a]))
    out[:, 1] = np.where(m_b, next_quiet[rows, b] - 1, last_moving[rows, b])
    out[:, 2] = np.where(m_a, last_quiet[rows, a] + 1, next_moving[rows, a])
    fine = np.all(np.isfinite(acc_e).all(axis=2) & np.isfinite(tilt) | ~inside, axis=1)
    fine &= (lens >= 3) & (last_moving[rows, b] >= a)  # something moves in [a, b]
    out[~fine] = -1
    return out


def _window_tilt(flex: np.ndarray, lat: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The trunk's tilt (flexion and lateral bend together), degrees, at ``rows`` (any shape)."""
    c = np.cos(flex[rows]) * np.cos(lat[rows])
    return np.asarray(np.degrees(np.arccos(np.clip(c, -1, 1))))


def _groups(lens: np.ndarray) -> list[np.ndarray]:
    """Indices of ``lens`` in groups of BATCH, by length (little padding in each)."""
    order = np.argsort(lens, kind="stable")
    return [order[g : g + BATCH] for g in range(0, len(order), BATCH)]


def _drops(vertical_acc: np.ndarray | None, flex: np.ndarray, lat: np.ndarray, j0: np.ndarray,
           j1: np.ndarray, i0: np.ndarray, i1: np.ndarray, fs: float
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For candidate lifts with rule bounds ``i0``..``i1`` and padded windows ``j0``..``j1``
    (rows): the peak tilt over the bounds (degrees), and :func:`vertical_drop`'s (drop, net
    change) over the window (NaN: None), computed in batches; ``done`` False where a window
    is too short to batch (the caller computes those one by one)."""
    m = len(j0)
    peak_tilt, drop, net = np.full(m, np.nan), np.full(m, np.nan), np.full(m, np.nan)
    lens = j1 - j0
    k = max(2, int(0.15 * fs))
    done = lens >= max(3, k)
    idx = np.flatnonzero(done)
    for g in _groups(lens[idx]):
        g = idx[g]
        rows, inside = _gather(j0[g], lens[g])
        tilt = _window_tilt(flex, lat, rows)
        col = np.arange(rows.shape[1])[None, :]
        inner = (col >= (i0 - j0)[g, None]) & (col <= (i1 - j0)[g, None]) & ~np.isnan(tilt)
        pt = np.max(np.where(inner, tilt, -np.inf), axis=1)
        peak_tilt[g] = np.where(np.isneginf(pt), np.nan, pt)
        if vertical_acc is not None:
            drop[g], net[g] = _height_traces(vertical_acc[rows], np.radians(tilt), inside,
                                             lens[g], fs)
    return peak_tilt, drop, net, done


def _speeds(earth_acc: np.ndarray | None, quat: np.ndarray | None, acc: np.ndarray | None,
            flex: np.ndarray, lat: np.ndarray, j0: np.ndarray, j1: np.ndarray, i0: np.ndarray,
            i1: np.ndarray, fs: float, still: np.ndarray | None = None) -> np.ndarray:
    """(K, 3) :func:`_speed_bounds` (rows of the recording) over the windows ``j0``..``j1`` of
    candidates with rule bounds ``i0``..``i1``, from ``earth_acc`` or ``quat`` and ``acc``;
    ``still`` (N,) the activity's still rows (:func:`_first_still`; None: every first end still);
    -1 where it gives None, -2 where the window is too short to batch (the caller then
    computes it alone)."""
    out = np.full((len(j0), 3), -2, np.int64)
    lens = j1 - j0
    idx = np.flatnonzero(lens >= max(3, int(0.15 * fs)))
    for g in _groups(lens[idx]):
        g = idx[g]
        rows, inside = _gather(j0[g], lens[g])
        if earth_acc is not None:
            e = earth_acc[rows]
        else:
            assert quat is not None and acc is not None
            e = earth_free_acceleration(quat[rows.ravel()], acc[rows.ravel()]).reshape(
                rows.shape + (3,))
        tilt = np.radians(_window_tilt(flex, lat, rows))
        sb = _speed_bounds_rows(e, tilt, inside, lens[g], i0[g] - j0[g], i1[g] - j0[g], fs,
                                None if still is None else _first_still(still, j0[g], fs))
        out[g] = np.where(sb >= 0, sb + j0[g][:, None], -1)
    return out


def _signed_peaks(x: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """:func:`_signed_peak` of each row of ``x`` (K, W) over ``keep`` (K, W)."""
    keep = keep & np.isfinite(x)
    j = np.argmax(np.where(keep, np.abs(x), -1.0), axis=1)
    return np.where(keep.any(axis=1), x[np.arange(len(x)), j], 0.0)


def _measures(f: np.ndarray, v: np.ndarray | _Degrees, lat: np.ndarray, ax: np.ndarray, i0: np.ndarray,
              i1: np.ndarray, b0: np.ndarray) -> tuple[np.ndarray, ...]:
    """A lift's measures over its rule bounds ``i0``..``i1`` (inclusive), for K candidates in
    batches (the values :func:`find_bends` computed one by one, to the bit): peak flexion and
    its row, peak |flexion velocity|, twist, lateral bend (from the median lateral angle over
    ``b0``..``i0``), degrees (``f``, ``v`` in degrees; ``lat``, ``ax`` rad). ``done`` False
    where a window holds a non-finite flexion or velocity (the caller measures those alone)."""
    m = len(i0)
    peak, vel, twist, lateral = (np.zeros(m) for _ in range(4))
    ipk = np.zeros(m, np.int64)
    done = np.zeros(m, bool)
    lens = i1 - i0 + 1
    for g in _groups(lens):
        rows, inside = _gather(i0[g], lens[g])
        fw, vw = f[rows], np.abs(v[rows])
        fin = (np.isfinite(fw) & np.isfinite(vw)) | ~inside
        ok_g = fin.all(axis=1)
        fw = np.where(inside, fw, -np.inf)
        j = np.argmax(fw, axis=1)
        r = np.arange(len(g))
        peak[g], ipk[g] = fw[r, j], i0[g] + j
        vel[g] = np.max(np.where(inside, vw, -np.inf), axis=1)
        ok = (fw < ANGLE_VALID_BELOW_DEG) & inside
        twist[g] = _signed_peaks(np.degrees(ax[rows] - ax[i0[g]][:, None]), ok)
        # the median lateral angle over the second before (np.median's, to the bit)
        bl = i0[g] + 1 - b0[g]
        brows, binside = _gather(b0[g], bl)
        base = np.sort(np.where(binside, lat[brows], np.nan), axis=1)  # NaN sort last
        nb = np.count_nonzero(np.isfinite(base), axis=1)
        med = np.where(nb > 0, 0.5 * (base[r, np.maximum(nb - 1, 0) // 2] + base[r, nb // 2]),
                       np.nan)
        lateral[g] = _signed_peaks(np.degrees(lat[rows] - med[:, None]), ok)
        done[g] = ok_g
    return peak, ipk, vel, twist, lateral, done


class _Degrees:
    """``np.degrees(x)`` read by rows (``d[rows]``: slices or index arrays) without making it
    whole: each read converts only its rows, the same values to the bit."""

    def __init__(self, x: np.ndarray) -> None:
        self.x = x

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, rows: Any) -> np.ndarray:
        return np.asarray(np.degrees(self.x[rows]))


def _reach_spans(mask: np.ndarray, reach: int, n: int) -> list[tuple[int, int]]:
    """The runs of ``mask`` each widened by ``reach`` rows on both sides (within 0..n), those
    that overlap merged: where a filter of that reach must run to give its values on ``mask``."""
    spans: list[tuple[int, int]] = []
    for r0, r1 in runs(mask).tolist():
        e0, e1 = max(0, r0 - reach), min(n, r1 + reach)
        if spans and e0 <= spans[-1][1]:
            spans[-1] = (spans[-1][0], e1)
        else:
            spans.append((e0, e1))
    return spans


def find_bends(
    angles: Angles, vertical_acc: np.ndarray | None = None, activity: Any = None,
    link_m: float | None = None, *, quat: np.ndarray | None = None,
    acc: np.ndarray | None = None, earth_acc: np.ndarray | None = None,
    sitting_upright_deg: float | None = None, flex_deg: np.ndarray | None = None,
) -> list[Lift]:
    """Every lowering-and-rising of the upper body, with its activity ``context``.

    Candidates are (1) trunk-flexion excursions (above ``ENTER_DEG``, peak ≥ ``MIN_PEAK_DEG``,
    fast enough, shorter than ``MAX_DURATION_S``) and (2), with an ``activity``
    (:class:`kyphos.processing.activity.Activity`), excursions of the sensor's height that
    drop by ≥ ``MIN_DROP_M`` and come back (upright-trunk squats, which flex the trunk
    little). A candidate's ``context`` is the activity at its deepest point; those inside a
    sit/stand transition, a walk or lying are dropped. ``link_m``: the wearer's lever L from
    :func:`link_from_bends`; the larger of it and ``LINK_M`` is used. ``quat`` (N, 4,
    scalar-first, sensor to earth) and ``acc`` (N, 3, m/s², sensor frame) on the same rows:
    start and end from the sensor's speed (:func:`_speed_bounds`, module docstring); or
    ``earth_acc`` (N, 3), the earth-frame free acceleration itself (the live view's); without
    them, from the flexion / height onset rules. ``sitting_upright_deg``: the wearer's sitting
    upright (degrees on the standing calibration's scale); while sitting, the flexion
    excursion's thresholds are taken from it (or from the lowest flexion of the last
    2·``MAX_DURATION_S`` where that is higher) and its peak must reach ``SEATED_MIN_PEAK_DEG``
    (a person sitting leaned back 8° reaching forward 20° peaks at 12° from standing).
    ``flex_deg``: ``np.degrees(np.where(angles.valid, angles.flexion, np.nan))`` when the
    caller has it already (read only; the analysis's posture metrics read the same array).
    """
    link = effective_link(link_m)  # kyphos.metrics.style
    fs = angles.fs
    f = (np.degrees(np.where(angles.valid, angles.flexion, np.nan)) if flex_deg is None
         else flex_deg)
    # |flexion velocity| in degrees only at the rows read (each excursion's onsets, windows
    # and measures): the rows' np.degrees, so the same values, without a full-length copy
    v = _Degrees(angles.flexion_velocity)
    flex_r, lat_r, ax_r = angles.flexion, angles.lateral, angles.axial

    def tilt_deg(j0: int, j1: int) -> np.ndarray:  # flexion and lateral bend together
        c = np.cos(flex_r[j0:j1]) * np.cos(lat_r[j0:j1])
        return np.asarray(np.degrees(np.arccos(np.clip(c, -1, 1))))

    n = len(f)
    seps = np.flatnonzero(~angles.valid)
    # (i0, i1, ipk, found_by, drop from the activity's height track)
    spans: list[tuple[int, int, int, str, float | None]] = []
    prev_end = -1
    # the excursions' flexion, less the peak each sample needs: while sitting, from the
    # sitting upright (a seated reach), else from the standing upright (a lift)
    f_x = f - MIN_PEAK_DEG
    if sitting_upright_deg is not None and activity is not None:
        # a reach leaves the posture the wearer sits in: where that is above the recording's
        # one sitting upright (another chair, a slip), from the lowest flexion of the last
        # 2·MAX_DURATION_S (a held slouch lifts it within that, so it is never a short bend)
        w = max(1, int(round(2 * MAX_DURATION_S * fs)))
        sitting = activity.mask("sitting")
        # only over the sitting rows (each run with w rows either side, the filter's reach:
        # the same minima as over the whole recording, its ends reflected alike)
        for e0, e1 in _reach_spans(sitting, w, n):
            f_s = f[e0:e1]
            low = minimum_filter1d(np.where(np.isnan(f_s), np.inf, f_s), w,
                                   origin=(w - 1) // 2)
            # f − max(upright, low) − SEATED_MIN_PEAK_DEG where sitting, in low's array and
            # then into f_x (this call's own): the same operations
            np.maximum(sitting_upright_deg, low, out=low)
            np.subtract(f_s, low, out=low)
            low -= SEATED_MIN_PEAK_DEG
            np.copyto(f_x[e0:e1], low, where=sitting[e0:e1])
        del sitting
    ex = runs(hysteresis(f_x, ENTER_DEG - MIN_PEAK_DEG, EXIT_DEG - MIN_PEAK_DEG))
    if len(ex):
        # each excursion's peak flexion and |flexion velocity|, all at once (f is finite
        # inside one: NaN ends a hysteresis run; v's NaN ignored, as np.nanmax)
        cut = ex.ravel()[: 2 * len(ex) - int(ex[-1, 1] == n)]  # [a0, b0, a1, b1, …]
        f_pk = np.fmax.reduceat(f_x, cut)[::2]
        # in radians, then degrees: np.degrees is monotonic, so the same extremes
        v_r = angles.flexion_velocity
        v_pk = np.fmax(np.degrees(np.fmax.reduceat(v_r, cut)[::2]),
                       -np.degrees(np.fmin.reduceat(v_r, cut)[::2]))
        dur = (ex[:, 1] - ex[:, 0]) / fs
        ex = ex[(f_pk >= 0.0) & ~(dur > MAX_DURATION_S) & ~(v_pk < MIN_VELOCITY_DPS)]
    for a, b in ex:  # per flexion excursion tall, short and fast enough
        ipk = a + int(np.argmax(f[a:b]))
        # bounds: not across a gap separator or into the previous lift
        k = np.searchsorted(seps, a)
        lo = max(int(seps[k - 1]) + 1 if k > 0 else 0, prev_end + 1)
        hi = int(seps[k]) if k < len(seps) else n
        i0 = _onset(v, a, -1, lo, hi)
        i1 = _onset(v, b - 1, +1, lo, hi)
        prev_end = i1
        spans.append((i0, i1, ipk, "flexion", None))
    if activity is not None:
        # the flexion spans are in time order and do not overlap: a sample's span by bisection
        starts = np.array([sp[0] for sp in spans], int)
        ends = np.array([sp[1] for sp in spans], int)
        n_flex = len(spans)
        for a, b, drop in activity.excursions:  # per height excursion
            if drop < MIN_DROP_M or (b - a) / fs > MAX_DURATION_S:
                continue
            ilow = a + int(np.nanargmin(activity.height[a:b]))
            # overlaps a flexion span (the first one ending at or after a starts before b)?
            j = int(np.searchsorted(ends, a))
            if j < n_flex and starts[j] < b:  # also a flexion excursion: note the drop there
                k = int(np.searchsorted(starts, b))  # the flexion spans j..k-1 overlap it
                jl = int(np.searchsorted(starts, ilow, side="right")) - 1
                h0 = activity.height[max(a - 1, 0)]
                for jj in range(j, k):  # per flexion span in the excursion
                    s0, s1, spk, how, sdr = spans[jj]
                    # an upright squat whose trunk tips past MIN_PEAK_DEG only at the bottom:
                    # its flexion span starts or ends with the sensor down, and the net-rise
                    # check would take it for a sit/stand; widen that side to the height
                    # rule's onset between the neighbouring flexion spans (validation 13010)
                    ha0 = max(a, int(ends[jj - 1]) + 1 if jj else a)
                    # ... only if the sensor falls into it (the lowering it takes in), as the
                    # end's below (validation 5028: a track left 0.21 m down by the lift
                    # before widened a squat's start back over the still stand between them)
                    if _down_and_back(activity.height, h0, s0, ha0, s0 + 1):
                        g0, _ = _height_onset(activity.vertical_velocity, ha0, s0 + 1)
                        s0, how, sdr = min(s0, g0), "both", drop
                    hb1 = min(b, int(starts[jj + 1]) if jj + 1 < n_flex else b)
                    # ... only if the sensor rises from there (the rise it takes in): a height
                    # track that drifted down over a long movement (a turn, then a lift:
                    # validation 22000) leaves a flexion lift's end "down" with nothing to rise
                    if _down_and_back(activity.height, h0, s1, s1, hb1):
                        _, g1 = _height_onset(activity.vertical_velocity, s1, hb1)
                        s1, how, sdr = max(s1, g1), "both", drop
                    if jj == jl and ilow <= ends[jl]:
                        how, sdr = "both", drop
                    spans[jj] = (s0, s1, spk, how, sdr)
                # an upright squat and a flexion lift with no still pause between them are
                # one excursion: a lowering-and-rising between the flexion spans (both ends
                # MIN_DROP_M above its low) is a height candidate of its own (validation
                # 13000 / 13008, docs/accuracy.md section 7 SQUAT)
                cuts = np.concatenate([[a], np.stack([starts[j:k], ends[j:k] + 1], 1).ravel(),
                                       [b]])
                for p0, p1 in cuts.reshape(-1, 2):  # per piece outside the flexion spans
                    p0, p1 = max(int(p0), a), min(int(p1), b)
                    if p1 - p0 < 3:
                        continue
                    hp = activity.height[p0:p1]
                    if not np.any(np.isfinite(hp)):
                        continue
                    q = p0 + int(np.nanargmin(hp))
                    d = float(min(hp[0], hp[-1]) - activity.height[q])
                    if d >= MIN_DROP_M:  # NaN ends: not
                        i0, i1 = _height_onset(activity.vertical_velocity, p0, p1)
                        spans.append((i0, i1, q, "height", d))
                continue
            i0, i1 = _height_onset(activity.vertical_velocity, a, b)
            spans.append((i0, i1, ilow, "height", drop))
        spans.sort()
    out: list[Lift] = []
    last_end = -1
    pad_s = int(SPEED_PAD_S * fs)
    pad = int(0.3 * fs)
    speed = earth_acc is not None or (quat is not None and acc is not None)
    # per candidate, in batches (vectorised across candidates, the same values to the bit as
    # one by one): the segment it is in, its windows' tilt, drop and speed bounds
    contexts = [_context(activity, sp[2]) for sp in spans]
    keep = np.array([c in ("standing", "sitting") for c in contexts], bool)
    b0 = np.array([sp[0] for sp in spans], np.int64)
    b1 = np.array([sp[1] for sp in spans], np.int64)
    edges = np.concatenate([[-1], seps, [n]])
    kk = np.searchsorted(seps, b0)
    los, his = edges[kk] + 1, edges[kk + 1]
    kept = np.flatnonzero(keep)
    w0 = np.maximum(los, b0 - pad)[kept]
    w1 = np.minimum(his, b1 + pad + 1)[kept]
    pre_tilt, pre_drop, pre_net, pre_done = (np.zeros(len(spans)), np.zeros(len(spans)),
                                             np.zeros(len(spans)), np.zeros(len(spans), bool))
    pre_tilt[kept], pre_drop[kept], pre_net[kept], pre_done[kept] = _drops(
        vertical_acc, flex_r, lat_r, w0, w1, b0[kept], b1[kept], fs)
    m_peak, m_ipk, m_vel, m_twist, m_lat, m_done = (np.zeros(len(spans)) for _ in range(6))
    m_peak[kept], m_ipk[kept], m_vel[kept], m_twist[kept], m_lat[kept], m_done[kept] = \
        _measures(f, v, lat_r, ax_r, b0[kept], b1[kept], np.maximum(los, b0 - int(fs))[kept])
    still = getattr(activity, "still", None)  # where a speed window's first end is at rest
    if still is None or len(still) != len(f):
        still = None
    pre_speed = np.full((len(spans), 3), -2, np.int64)
    if speed and pad_s > 0:
        sk = kept[(los[kept] <= b0[kept] - pad_s) & (b1[kept] + pad_s + 1 <= his[kept])]
        pre_speed[sk] = _speeds(earth_acc, quat, acc, flex_r, lat_r, b0[sk] - pad_s,
                                b1[sk] + pad_s + 1, b0[sk], b1[sk], fs, still)
    for c, (i0, i1, ipk, found_by, hdrop) in enumerate(spans):  # per candidate
        context = contexts[c]
        if not keep[c]:
            continue
        lo, hi = int(los[c]), int(his[c])
        # start and end from the sensor's speed (s0, s1); the lift's measures (peak, twist,
        # drop and so the style) stay on the flexion / height rule's bounds (i0, i1), where the
        # style edges were fitted (bench/fit_thresholds.py)
        s0, s1, w0_ = i0, i1, i0
        if speed:
            j0, j1 = max(last_end + 1, i0 - pad_s), i1 + pad_s + 1
            # only with the whole window in the segment: a bend cut by a gap or the end of the
            # data (a live window's trailing edge) has not been seen to end at rest
            if lo <= i0 - pad_s and j0 < i0 and j1 <= hi and j0 == i0 - pad_s and \
                    pre_speed[c, 0] > -2:  # the batch's window: its bounds (-1: none)
                if pre_speed[c, 0] >= 0:
                    s0, s1, w0_ = (int(x) for x in pre_speed[c])
            elif lo <= i0 - pad_s and j0 < i0 and j1 <= hi:  # after a close previous lift
                rows = slice(j0, j1)
                if earth_acc is not None:
                    e = earth_acc[rows]
                else:
                    assert quat is not None and acc is not None
                    e = earth_free_acceleration(quat[rows], acc[rows])
                sb = _speed_bounds(e, np.radians(tilt_deg(j0, j1)), fs, i0 - j0, i1 - j0,
                                   still is None or bool(_first_still(still, np.array([j0]),
                                                                      fs)[0]))
                if sb is not None:
                    s0, s1, w0_ = j0 + sb[0], j0 + sb[1], j0 + sb[2]
        last_end = max(i1, s1)
        if m_done[c]:  # from the batch (_measures)
            peak, vel = float(m_peak[c]), float(m_vel[c])
            twist, lateral = float(m_twist[c]), float(m_lat[c])
            ipk = int(m_ipk[c]) if found_by != "height" else ipk
        else:  # a NaN in the window: one by one, NaN-safe
            sl = slice(i0, i1 + 1)
            fs_l = f[sl]
            peak = float(fs_l.max())
            if not np.isfinite(peak):
                peak = float(np.nanmax(fs_l))
                fs_l = np.nan_to_num(fs_l, nan=-np.inf)
            ipk = i0 + int(np.argmax(fs_l)) if found_by != "height" else ipk
            ok = f[sl] < ANGLE_VALID_BELOW_DEG
            tw = np.degrees(ax_r[sl] - ax_r[i0])
            base = np.sort(lat_r[max(lo, i0 - int(fs)) : i0 + 1])  # NaN sort last
            nb = int(np.count_nonzero(np.isfinite(base)))
            med = 0.5 * (base[(nb - 1) // 2] + base[nb // 2]) if nb else np.nan  # the median
            lat = np.degrees(lat_r[sl] - med)
            twist = _signed_peak(tw, ok)
            lateral = _signed_peak(lat, ok)
            vel = float(np.abs(v[sl]).max())
            vel = vel if np.isfinite(vel) else float(np.nanmax(np.abs(v[sl])))
        drop = None
        sdrop = None
        dz: tuple[float, float] | None
        if pre_done[c]:  # from the batch
            peak_tilt = float(pre_tilt[c])
            dz = None if np.isnan(pre_net[c]) else (float(pre_drop[c]), float(pre_net[c]))
        else:
            j0, j1 = max(lo, i0 - pad), min(hi, i1 + pad + 1)
            tilt_w = tilt_deg(j0, j1)  # the lift padded by 0.3 s
            peak_tilt = float(np.nanmax(tilt_w[i0 - j0 : i1 + 1 - j0]))
            dz = (vertical_drop(vertical_acc[j0:j1], np.radians(tilt_w), fs)
                  if vertical_acc is not None else None)
        if vertical_acc is not None:
            if dz is not None:
                if abs(dz[1]) > MAX_NET_RISE_M:  # sat down or stood up: not a lift
                    continue
                sdrop = dz[0]
                drop = knee_drop(sdrop, np.radians(peak_tilt), link)  # kyphos.metrics.style
        style = classify_style(peak, drop)
        score, reasons = form_score(style, peak, vel, twist, lateral)
        out.append(
            Lift(
                start_s=float(angles.time[s0]),
                end_s=float(angles.time[s1]),
                style=style,
                peak_flexion_deg=peak,
                peak_flexion_velocity_dps=vel,
                twist_deg=twist,
                lateral_deg=lateral,
                duration_s=float(angles.time[s1] - angles.time[s0]),
                score=score,
                reasons=reasons,
                knee_drop_m=drop,
                peak_s=float(angles.time[ipk]),
                context=context,
                found_by=found_by,
                drop_m=hdrop,
                sensor_drop_m=sdrop,
                peak_tilt_deg=peak_tilt,
                window_start_s=float(angles.time[w0_]),
            )
        )
    return out


def detect_lifts(
    angles: Angles, vertical_acc: np.ndarray | None = None, activity: Any = None, *,
    quat: np.ndarray | None = None, acc: np.ndarray | None = None,
) -> list[Lift]:
    """Lifts: the bends of :func:`find_bends` made while standing (all of them without an
    ``activity``). Angles per sample, earth-vertical acc in m/s² if any; ``quat``/``acc`` as
    :func:`find_bends`."""
    return [b for b in find_bends(angles, vertical_acc, activity, quat=quat, acc=acc)
            if b.context == "standing"]


def lift_mask(time: np.ndarray, lifts: list[Lift]) -> np.ndarray:
    """(N,) True inside any lift."""
    iv = np.array([(lf.start_s, lf.end_s) for lf in lifts], float).reshape(-1, 2)
    return in_intervals(time, iv)  # NaN separator rows: False


def lift_summary(lifts: list[Lift], duration_s: float) -> dict[str, Any]:
    """Lift rate per hour, share of good-form lifts, counts per style."""
    n = len(lifts)
    good = sum(1 for lf in lifts if lf.score is not None and lf.score >= GOOD_FORM_SCORE)
    return {
        "count": n,
        "lift_rate_per_h": round(3600.0 * n / duration_s, 2) if duration_s > 0 else 0.0,
        "good_form_pct": round(100.0 * good / n, 1) if n else None,
        "styles": {s: sum(1 for lf in lifts if lf.style == s) for s in ("stoop", "squat", "semi-squat")},
    }
