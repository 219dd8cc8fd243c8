"""Sensor orientation from acc + gyr with VQF (6-axis, no magnetometer).

VQF: D. Laidig and T. Seel, "VQF: Highly Accurate IMU Orientation Estimation with Bias
Estimation and Magnetic Disturbance Rejection", Information Fusion 91:187–204, 2023,
doi:10.1016/j.inffus.2022.10.014. Offline mode (acausal, uses the whole recording) for
recordings; online mode (causal, sample by sample in compiled code) for live use.

Quaternions are ``[w, x, y, z]``, sensor-to-earth, earth z up; heading is arbitrary (6-axis).
Rows of zero acc are ignored by VQF's accelerometer update: that is how masked samples are
handled (gyro-only propagation there).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from vqf import VQF, offlineVQF

#: Parameter overrides passed to VQF; empty means the library defaults (tauAcc 3 s, …).
DEFAULT_PARAMS: dict[str, Any] = {}


def orientation_offline(
    gyr: np.ndarray, acc: np.ndarray, fs: float, params: dict[str, Any] | None = None
) -> np.ndarray:
    """(N, 4) quaternions from (N, 3) gyr [rad/s] and acc [m/s²] at ``fs`` Hz, VQF offline."""
    g = np.ascontiguousarray(gyr, dtype=float)
    a = np.ascontiguousarray(acc, dtype=float)
    out = offlineVQF(g, a, None, 1.0 / fs, dict(DEFAULT_PARAMS, **(params or {})))
    return np.asarray(out["quat6D"])


def orientation_segments(
    gyr: np.ndarray,
    acc: np.ndarray,
    fs: float,
    segments: np.ndarray,
    params: dict[str, Any] | None = None,
) -> np.ndarray:
    """Offline orientation run separately on each (start, stop) row segment; NaN elsewhere.

    Orientation is not carried across a gap that was not bridged: after it, VQF starts again.
    """
    q = np.full((len(gyr), 4), np.nan)
    for s0, s1 in segments:  # one iteration per segment; a lone sample stays unknown (NaN)
        if s1 - s0 >= 2:
            q[s0:s1] = orientation_offline(gyr[s0:s1], acc[s0:s1], fs, params)
    return q


class OnlineOrientation:
    """Causal VQF for live chunks: ``update(gyr, acc)`` returns one quaternion per sample."""

    def __init__(self, fs: float, params: dict[str, Any] | None = None) -> None:
        self.fs = fs
        self._vqf = VQF(1.0 / fs, **dict(DEFAULT_PARAMS, **(params or {})))

    def update(self, gyr: np.ndarray, acc: np.ndarray) -> np.ndarray:
        """(n, 4) quaternions for a (n, 3) chunk of gyr [rad/s] and acc [m/s²]."""
        g = np.ascontiguousarray(np.reshape(gyr, (-1, 3)), dtype=float)
        a = np.ascontiguousarray(np.reshape(acc, (-1, 3)), dtype=float)
        if len(g) == 0:
            return np.zeros((0, 4))
        return np.asarray(self._vqf.updateBatch(g, a)["quat6D"])


def orientation_online(
    gyr: np.ndarray, acc: np.ndarray, fs: float, params: dict[str, Any] | None = None
) -> np.ndarray:
    """(N, 4) quaternions from VQF online mode over a whole array (causal)."""
    return OnlineOrientation(fs, params).update(gyr, acc)
