"""A smooth rest-move-rest for the lift speed tests: speed ∝ a sin² bump."""

from __future__ import annotations

import numpy as np


def sin2_move(t: np.ndarray, t0: float, dur: float, peak: float) -> np.ndarray:
    """(n, 3) acceleration of a forward move from ``t0`` lasting ``dur`` s whose speed is
    ``peak``·sin²(πu) (u the move's fraction); it passes 5 % of its peak at u = 0.072, 0.928."""
    u = np.clip((t - t0) / dur, 0.0, 1.0)
    vel = np.where((u > 0) & (u < 1), np.sin(np.pi * u) ** 2, 0.0) * peak
    acc = np.zeros((len(t), 3))
    acc[:, 0] = np.gradient(vel, t)
    return acc
