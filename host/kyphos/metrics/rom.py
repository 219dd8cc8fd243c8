"""Range of motion from trunk angles: find each repeat of a movement (start, peak, hold, end),
measure it, and summarise a direction over its repeats (mean, spread, consistency).

The same functions serve the offline analysis of a recording and the live guided protocol
(which runs :func:`find_repeats` on the samples of the current phase as they arrive).
Angles here are in **degrees** and degrees/s (the edge of the analysis: clinical ROM is quoted
in degrees), times in s. Definitions (docs/assessment.md, docs/scoring.md "Assessment and
exercise"):

* a **repeat** is a run of samples where the movement signal ``s`` (the trunk angle in the
  direction of the movement, minus the neutral baseline) stays above ``off_deg`` and whose peak
  exceeds ``on_deg`` (hysteresis, so sway cannot split or fake a repeat);
* **tempo**: onset and duration of the movement out (``out_s``) and back (``back_s``) from a
  least-squares fit of a minimum-jerk profile to the 10–90 % part of each (Flash & Hogan
  1985, J Neurosci 5:1688–1703: point-to-point movements are close to minimum jerk); every
  sample contributes, so sway averages out (single threshold crossings of a slow 13° movement
  were off by up to 0.5 s);
* **hold**: from the end of the fitted movement out to the start of the fitted movement back
  (a threshold on speed alone would add the slow approach to the end position to the hold);
* **start/end**: the fitted onset of the movement out and end of the movement back;
* **ROM**: the mean of ``s`` over the hold when the hold lasts at least ``MIN_HOLD_FOR_MEAN_S``
  (a held end position; the mean suppresses sway), else the peak of ``s``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from kyphos.metrics.episodes import runs
from kyphos.processing.angles import euler_from_quat, quat_rows
from kyphos.processing.calibration import NOMINAL, frame_from_axes

#: Direction name → (angle component, sign that makes the movement positive).
DIRECTIONS: dict[str, tuple[str, int]] = {
    "flexion": ("flexion", 1),
    "extension": ("flexion", -1),
    "lateral_left": ("lateral", -1),
    "lateral_right": ("lateral", 1),
    "rotation_left": ("axial", -1),
    "rotation_right": ("axial", 1),
}
#: A repeat must reach this far from neutral (deg) …
ON_DEG = 5.0
#: … and it lasts while the signal stays above this (deg).
OFF_DEG = 2.5
MIN_REPEAT_S = 0.4
#: Neutral samples around a repeat move slower than this, deg/s.
NEUTRAL_SPEED_DPS = 3.0
#: Part of each movement (fraction of the range) fitted with a minimum-jerk profile.
FIT_LEVELS = (0.1, 0.9)
MIN_HOLD_FOR_MEAN_S = 0.3
#: Consistency rule: a repeat is inconsistent when it differs from the median of its
#: direction by more than max(INCONSISTENT_DEG, INCONSISTENT_FRACTION × |median|).
INCONSISTENT_DEG = 5.0
INCONSISTENT_FRACTION = 0.15


@dataclass
class Repeat:
    """One movement out and back. Times in s, angles in deg (positive in the movement's
    direction, from the neutral baseline)."""

    index: int
    start_s: float
    peak_s: float
    end_s: float
    rom_deg: float
    peak_deg: float
    baseline_deg: float
    hold_s: float
    hold_start_s: float
    hold_end_s: float
    out_s: float
    back_s: float
    peak_speed_dps: float
    complete: bool = True  # False while the movement has not come back (live)

    def to_dict(self) -> dict[str, Any]:
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in asdict(self).items()}


@dataclass
class DirectionRom:
    """ROM of one direction over its repeats (deg)."""

    direction: str
    repeats: list[Repeat]
    mean_deg: float
    sd_deg: float
    min_deg: float
    max_deg: float
    inconsistent: list[int] = field(default_factory=list)  # repeat indices
    expected: int = 3

    @property
    def flagged(self) -> bool:
        """Inconsistent repeats, or fewer repeats than asked for."""
        return bool(self.inconsistent) or len(self.repeats) < self.expected

    def reasons(self) -> list[str]:
        out = []
        if len(self.repeats) < self.expected:
            out.append(f"{len(self.repeats)} of {self.expected} repeats")
        for i in self.inconsistent:
            out.append(f"repeat {i + 1} ({self.repeats[i].rom_deg:.0f}°) differs from the others")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "direction": self.direction, "n": len(self.repeats), "expected": self.expected,
            "mean_deg": round(self.mean_deg, 2), "sd_deg": round(self.sd_deg, 2),
            "min_deg": round(self.min_deg, 2), "max_deg": round(self.max_deg, 2),
            "rom_deg": [round(r.rom_deg, 2) for r in self.repeats],
            "inconsistent": self.inconsistent, "flagged": self.flagged,
            "reasons": self.reasons(), "repeats": [r.to_dict() for r in self.repeats],
        }


def _smooth(x: np.ndarray, fs: float, width_s: float) -> np.ndarray:
    """Centred moving average (edges: shorter windows)."""
    k = max(1, int(round(width_s * fs)) | 1)
    if k == 1 or len(x) < k:
        return x.copy()
    c = np.cumsum(np.concatenate([[0.0], x]))
    h = k // 2
    i = np.arange(len(x))
    lo = np.maximum(i - h, 0)
    hi = np.minimum(i + h + 1, len(x))
    return (c[hi] - c[lo]) / (hi - lo)


_TAU = np.linspace(0.0, 1.0, 2001)
_MJ = 10 * _TAU**3 - 15 * _TAU**4 + 6 * _TAU**5


def _level(t: np.ndarray, x: np.ndarray, v: np.ndarray, i0: int, i1: int, tol: float
           ) -> tuple[float, float]:
    """Mean time and median of the near-neutral samples of ``x[i0:i1]``: within ±``tol`` of
    0 and, where there are some, still (|v| < ``NEUTRAL_SPEED_DPS``) — the tail of the
    previous movement and the start of the next are not neutral. (NaN, 0) if none."""
    w = x[i0:i1]
    k = np.abs(w) < tol
    still = k & (np.abs(v[i0:i1]) < NEUTRAL_SPEED_DPS)
    if np.count_nonzero(still) >= 3:
        k = still
    if not np.any(k):
        return float("nan"), 0.0
    return float(np.mean(t[i0:i1][k])), float(np.median(w[k]))


def _fit_min_jerk(t: np.ndarray, u: np.ndarray) -> tuple[float, float]:
    """Onset time and duration (s) of a movement from 0 to 1 in ``u`` (normalised angle) on
    ``t``, which ends at the end position: each sample of the central part (FIT_LEVELS) is
    mapped to its minimum-jerk phase τ = mj⁻¹(u), and t = onset + duration·τ is fitted by
    least squares, so every sample of the movement averages out sway. ``t`` may run
    backwards (the way back, fitted from the end position); the duration is then positive
    and the onset is where the movement back *ends*."""
    lo, hi = FIT_LEVELS
    n = len(u)
    if n < 3:
        return float(t[0]), 0.0
    below = np.flatnonzero(u <= lo)
    i0 = int(below[-1]) + 1 if len(below) else 0  # last departure from near neutral
    above = np.flatnonzero(u[i0:] >= hi)
    i1 = i0 + int(above[0]) if len(above) else n
    sel = slice(i0, i1)
    tau = np.interp(np.clip(u[sel], lo, hi), _MJ, _TAU)
    tt = t[sel]
    if len(tt) < 3 or np.ptp(tau) < 1e-6:
        return float(t[min(i0, n - 1)]), 0.0
    slope, icpt = np.polyfit(tau, tt, 1)
    return float(icpt), float(abs(slope))


def find_repeats(
    time: np.ndarray,
    signal_deg: np.ndarray,
    fs: float,
    *,
    on_deg: float = ON_DEG,
    off_deg: float = OFF_DEG,
    final: bool = True,
) -> list[Repeat]:
    """Repeats of one movement in ``signal_deg`` (the angle in the movement's direction, deg,
    0 = neutral), sampled at ``fs`` Hz on ``time`` (s).

    ``final=False`` (live use): a movement still out at the end of the data is returned with
    ``complete=False``; with ``final=True`` it is dropped (the wearer never came back).
    """
    t = np.asarray(time, float)
    s = np.nan_to_num(np.asarray(signal_deg, float))
    if len(s) < 3:
        return []
    sm = _smooth(s, fs, 0.1)
    vel = np.gradient(_smooth(s, fs, 0.2), 1.0 / fs)
    out: list[Repeat] = []
    pre = int(round(1.0 * fs))
    for a, b in runs(sm > off_deg):  # one iteration per excursion
        seg = sm[a:b]
        if seg.max() < on_deg or (b - a) < MIN_REPEAT_S * fs:
            continue
        complete = b < len(s)
        if not complete and final:
            continue
        # neutral level before and after the repeat, from near-neutral samples only (an
        # opposite movement just before, as in cat-camel, must not pull it down); a line
        # between the two follows heading drift during the repeat
        t_pre, base = _level(t, sm, vel, max(0, a - pre), a, off_deg)
        t_post, base_post = _level(t, sm, vel, b, min(len(sm), b + pre), off_deg)
        if np.isfinite(t_pre) and np.isfinite(t_post) and t_post > t_pre:
            slope = (base_post - base) / (t_post - t_pre)
        else:
            slope = 0.0
            t_pre = float(t[a]) if not np.isfinite(t_pre) else t_pre
        line = base + slope * (t[a:b] - t_pre)  # baseline under this repeat
        rel = seg - line
        ipk = a + int(np.argmax(rel))
        peak = float(rel[ipk - a])
        # the end position's level: median of the top fifth of the excursion (the peak of a
        # held position is raised by sway, which would shift the fitted ends into the hold)
        rng = float(np.median(rel[rel > 0.8 * peak]))
        vpk = float(np.abs(vel[a:b]).max())
        up = ipk - a  # the way out is seg[:up + 1], the way back seg[up:]
        t_seg = t[a:b]
        u = rel / rng if rng > 0 else np.zeros_like(seg)
        t0o, t_out = _fit_min_jerk(t_seg[:up + 1], u[:up + 1])
        t0b, t_back = _fit_min_jerk(t_seg[up:][::-1], u[up:][::-1])
        h0, h1 = t0o + t_out, t0b - t_back  # the back half is fitted in reversed time
        hold = max(0.0, h1 - h0)
        if hold >= MIN_HOLD_FOR_MEAN_S:
            ih = (t >= h0) & (t <= h1)
            rom = float(np.mean(s[ih] - (base + slope * (t[ih] - t_pre))))
        else:
            rom = rng
        base = float(line[up])
        out.append(Repeat(
            index=len(out), start_s=t0o, peak_s=float(t[ipk]), end_s=t0b, rom_deg=rom, peak_deg=peak, baseline_deg=base,
            hold_s=hold, hold_start_s=h0 if hold > 0 else float(t[ipk]),
            hold_end_s=h1 if hold > 0 else float(t[ipk]), out_s=t_out, back_s=t_back,
            peak_speed_dps=vpk, complete=complete,
        ))
    return out


def summarise(direction: str, repeats: list[Repeat], expected: int = 3) -> DirectionRom:
    """Mean, spread (sample SD) and consistency flags of one direction's repeats."""
    rom = np.array([r.rom_deg for r in repeats], float)
    if len(rom) == 0:
        nan = float("nan")
        return DirectionRom(direction, [], nan, nan, nan, nan, [], expected)
    med = float(np.median(rom))
    tol = max(INCONSISTENT_DEG, INCONSISTENT_FRACTION * abs(med))
    bad = [int(i) for i in np.flatnonzero(np.abs(rom - med) > tol)] if len(rom) >= 2 else []
    return DirectionRom(
        direction, repeats, float(rom.mean()), float(rom.std(ddof=1)) if len(rom) > 1 else 0.0,
        float(rom.min()), float(rom.max()), bad, expected,
    )


# ------------------------------------------------------------------------- angles for ROM


def movement_angles(quat: np.ndarray, sensor_from_body: np.ndarray) -> dict[str, np.ndarray]:
    """Flexion, lateral bend and axial rotation in degrees for ROM.

    Unlike :func:`kyphos.processing.angles.trunk_angles`, axial rotation is the plain unwrapped
    heading change (+ right) without the slowly moving heading reference: a held rotation must
    not decay towards zero. Callers subtract each repeat's baseline (6-axis heading drifts, so
    only changes over a few seconds are meaningful).
    """
    q = np.asarray(quat, float)
    ok = np.isfinite(q[:, 0]) if len(q) else np.zeros(0, bool)
    q = np.where(ok[:, None], q, [1.0, 0.0, 0.0, 0.0])
    flex, lat, yaw = euler_from_quat(q, sensor_from_body)
    axial = -np.unwrap(yaw)
    return {"flexion": np.degrees(flex), "lateral": np.degrees(lat),
            "axial": np.degrees(axial - (axial[0] if len(axial) else 0.0))}


#: Rotation baselines follow heading drift: the lower envelope (morphological opening) over
#: this window, s — longer than one repeat out, hold and back.
DRIFT_WINDOW_S = 15.0


def drift_baseline(x: np.ndarray, fs: float, window_s: float = DRIFT_WINDOW_S) -> np.ndarray:
    """Lower envelope of a one-sided movement signal: its level between excursions shorter
    than ``window_s`` (6-axis heading drifts by a few degrees per minute)."""
    from scipy.ndimage import maximum_filter1d, minimum_filter1d

    k = max(3, int(window_s * fs))
    return _smooth(maximum_filter1d(minimum_filter1d(x, k, mode="nearest"), k, mode="nearest"),
                   fs, 2.0)


def direction_signal(angles: dict[str, np.ndarray], direction: str, baseline: float | None = None,
                     fs: float | None = None) -> np.ndarray:
    """The movement signal (deg) of ``direction``: positive in the movement's direction, minus
    ``baseline``. For rotation, when ``baseline`` is None: minus :func:`drift_baseline` if
    ``fs`` is given (one-sided movements), else minus the first sample (heading is relative)."""
    comp, sign = DIRECTIONS[direction]
    x = sign * angles[comp]
    if baseline is None:
        if comp == "axial" and len(x):
            return x - (drift_baseline(x, fs) if fs else x[0])
        baseline = 0.0
    return x - baseline


# ----------------------------------------------------------- heading from tilt movements


#: Body axis (body coords) about which each tilt direction rotates the trunk.
_TILT_AXIS = {
    "flexion": np.array([0.0, 1.0, 0.0]),
    "extension": np.array([0.0, -1.0, 0.0]),
    "lateral_right": np.array([1.0, 0.0, 0.0]),
    "lateral_left": np.array([-1.0, 0.0, 0.0]),
}


def heading_from_tilts(
    up: np.ndarray, tilts: list[tuple[str, np.ndarray, np.ndarray]]
) -> tuple[np.ndarray, float]:
    """Sensor-from-body matrix from the upright direction and known tilt movements.

    ``up``: body z in sensor coordinates (the mean accelerometer direction in upright neutral).
    ``tilts``: ``(direction, quat_neutral, quat_end)`` for flexion, extension or lateral bends.
    Each tilt's axis (from the earth-up direction seen by the sensor before and at the end
    position, as in :func:`kyphos.processing.calibration.bend_axis`) is compared with the body
    axis it should be; the mean heading error (weighted by tilt angle) rotates the frame about
    body z. Returns the matrix and the weight used (sum of tilt angles, rad; 0 = nominal
    heading). This generalises the forward-bend calibration to every tilt of the protocol.
    """
    m0 = frame_from_axes(up)
    if not tilts:
        return m0, 0.0
    qa = np.array([x[1] for x in tilts], float)
    qb = np.array([x[2] for x in tilts], float)
    ua, ub = quat_rows(qa)[2], quat_rows(qb)[2]
    c = np.cross(ub, ua)  # sensor coords; along the rotation axis of the tilt
    w = np.arctan2(np.linalg.norm(c, axis=1), np.einsum("ij,ij->i", ua, ub))
    cb = c @ m0  # in the nominal-heading body frame
    exp = np.array([_TILT_AXIS[d] for d, _a, _b in tilts])
    err = np.arctan2(cb[:, 1], cb[:, 0]) - np.arctan2(exp[:, 1], exp[:, 0])
    err = np.angle(np.exp(1j * err))
    ok = w > np.radians(8.0)
    if not np.any(ok):
        return m0, 0.0
    psi = float(np.angle(np.sum(w[ok] * np.exp(1j * err[ok]))))
    # rotate the body x/y axes about z by psi (measured axes are psi ahead of expected)
    cz, sz = np.cos(psi), np.sin(psi)
    rz = np.array([[cz, -sz, 0.0], [sz, cz, 0.0], [0.0, 0.0, 1.0]])
    return m0 @ rz, float(w[ok].sum())


__all__ = ["DIRECTIONS", "NOMINAL", "DirectionRom", "Repeat", "direction_signal",
           "find_repeats", "heading_from_tilts", "movement_angles", "summarise"]
