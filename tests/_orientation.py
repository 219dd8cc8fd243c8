"""Shared test inputs for the angle stage: a wandering orientation, and bit-for-bit equality."""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation


def wandering_quats(n: int, seed: int) -> np.ndarray:
    """(n, 4) w-x-y-z quaternions of an orientation wandering by a random walk of rotations."""
    rng = np.random.default_rng(seed)
    rv = np.cumsum(rng.normal(scale=0.02, size=(n, 3)), axis=0)
    q = Rotation.from_rotvec(rv).as_quat()
    return np.asarray(q[:, [3, 0, 1, 2]])


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal shape and every element equal (NaN equal to NaN)."""
    return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=True))
