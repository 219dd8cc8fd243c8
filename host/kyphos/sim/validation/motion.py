"""Motion primitives and forward kinematics of the validation body (see the package docstring).

Every coordinate is an analytic function of time, so the body can be evaluated at any instant:
the specific force and the angular rate are then obtained by *differentiating the evaluated
sensor position and orientation* (five-point central stencils, step :data:`STENCIL_H_S`), not
from a closed-form expression of the motion.

Profiles use the septic smoothstep ``35u⁴ − 84u⁵ + 70u⁶ − 20u⁷`` (zero velocity, acceleration
and jerk at both ends), not the quintic minimum-jerk profile of ``kyphos.sim.body``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.spatial.transform import Rotation

#: Step of the five-point differentiation stencils, s.
STENCIL_H_S = 2e-3


def ease(u: np.ndarray) -> np.ndarray:
    """Septic smoothstep 0 → 1 on u in [0, 1], clipped outside."""
    u = np.clip(u, 0.0, 1.0)
    return u**4 * (35.0 + u * (-84.0 + u * (70.0 - 20.0 * u)))


def ease_integral(u: np.ndarray) -> np.ndarray:
    """∫₀ᵘ ease: 7u⁵ − 14u⁶ + 10u⁷ − 2.5u⁸ on [0, 1] (= 0.5 at 1), then 0.5 + (u − 1)."""
    uc = np.clip(u, 0.0, 1.0)
    return uc**5 * (7.0 + uc * (-14.0 + uc * (10.0 - 2.5 * uc))) + np.maximum(u - 1.0, 0.0)


@dataclass
class Track:
    """A scalar coordinate: a start value plus a list of smooth moves (start s, duration s,
    change). Moves may overlap; their changes add."""

    start: float = 0.0
    moves: list[tuple[float, float, float]] = field(default_factory=list)
    value: float = 0.0  # the value after all moves scheduled so far

    def __post_init__(self) -> None:
        self.value = self.start

    def to(self, t0: float, dur: float, target: float) -> None:
        """Move smoothly from the current value to ``target`` over [t0, t0 + dur]."""
        self.add(t0, dur, target - self.value)

    def add(self, t0: float, dur: float, delta: float) -> None:
        if delta != 0.0:
            self.moves.append((float(t0), max(float(dur), 1e-3), float(delta)))
        self.value += delta

    def at(self, t: np.ndarray) -> np.ndarray:
        """Values at the sorted times ``t``."""
        out = np.full(len(t), self.start)
        steps = np.zeros(len(t) + 1)
        for t0, d, dl in self.moves:
            i0, i1 = np.searchsorted(t, (t0, t0 + d))
            out[i0:i1] += dl * ease((t[i0:i1] - t0) / d)
            steps[i1] += dl
        return out + np.cumsum(steps)[:-1]


@dataclass
class Walk:
    """A straight walk (or flight of stairs) of ``n_steps`` at ``cadence_hz`` steps/s.

    The gait envelope rises over the first step period and falls over the last; heel strikes
    (the truth steps) are at ``t0 + k / cadence`` for k = 1 … n. ``stairs`` is +1 (up), −1
    (down) or 0 (level); each stair step rises ``step_h_m`` centred on its heel strike.
    """

    t0: float
    n_steps: int
    cadence_hz: float
    heading: float
    speed_m_s: float
    bounce_m: float
    sway_m: float
    pitch_rad: float
    yaw_rad: float
    roll_rad: float
    phase: float
    stairs: int = 0
    step_h_m: float = 0.0

    @property
    def t1(self) -> float:
        return self.t0 + (self.n_steps + 1) / self.cadence_hz

    @property
    def steps_s(self) -> np.ndarray:
        return self.t0 + np.arange(1, self.n_steps + 1) / self.cadence_hz

    def envelope(self, t: np.ndarray) -> np.ndarray:
        f = self.cadence_hz
        return ease((t - self.t0) * f) - ease((t - self.t1) * f + 1.0)

    def distance(self, t: np.ndarray) -> np.ndarray:
        f = self.cadence_hz
        return self.speed_m_s / f * (ease_integral((t - self.t0) * f)
                                     - ease_integral((t - self.t1) * f + 1.0))


@dataclass
class Wobble:
    """Soft-tissue wobble of the sensor on the skin: each event (heel strike, sit-down impact,
    the turn of a lift) starts a damped oscillation with natural frequency ``f0_hz`` and damping
    ratio ``zeta``; ``amp`` (6,) is the translation (m, 3) and rotation vector (rad, 3) in the
    trunk frame. The onset factor ``1 − exp(−(s/τ)²)`` keeps position, velocity and
    acceleration continuous."""

    f0_hz: float
    zeta: float
    events: list[tuple[float, np.ndarray]] = field(default_factory=list)

    def at(self, t: np.ndarray) -> np.ndarray:
        out = np.zeros((len(t), 6))
        w0 = 2 * np.pi * self.f0_hz
        wd = w0 * np.sqrt(1 - self.zeta**2)
        tau = 0.3 / self.f0_hz
        span = 7.0 / (self.zeta * w0)
        for te, amp in self.events:
            i0, i1 = np.searchsorted(t, (te, te + span))
            s = t[i0:i1] - te
            g = np.exp(-self.zeta * w0 * s) * np.sin(wd * s) * (1 - np.exp(-((s / tau) ** 2)))
            out[i0:i1] += g[:, None] * amp[None, :]
        return out


@dataclass
class Pose:
    """The body at a set of times: sensor position (N, 3) m and sensor-to-earth rotation, the
    trunk frame at the sensor site (truth), the sensor site without wobble (for lift truth) and
    the site's flexion as generated (rad; it may pass ±90°, where Z-Y-X angles fold)."""

    p_sensor: np.ndarray
    r_sensor: Rotation
    r_site: Rotation
    p_site: np.ndarray
    site_flexion: np.ndarray


def five_point_d2(p: list[np.ndarray], h: float) -> np.ndarray:
    """Second derivative from values at t − 2h, t − h, t, t + h, t + 2h."""
    return (-p[0] + 16 * p[1] - 30 * p[2] + 16 * p[3] - p[4]) / (12 * h * h)


def five_point_rate(r: list[Rotation], h: float) -> np.ndarray:
    """Angular rate in the moving (sensor) frame, rad/s, from orientations at t − 2h … t + 2h:
    the five-point derivative at δ = 0 of the rotation vector of R(t)ᵀ·R(t + δ)."""
    c = r[2].inv()
    f = [(c * rk).as_rotvec() for rk in r]
    return (f[0] - 8 * f[1] + 8 * f[3] - f[4]) / (12 * h)
