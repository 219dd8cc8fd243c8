"""The analysis chain in causal form, chunk by chunk, for the live view.

Same code as offline, causal variants: stateful ``sosfilt`` low-pass instead of ``sosfiltfilt``,
VQF online instead of offline, backward differences for velocities. The agreement with the
offline path on the same data is tested (tests/test_processing_causal_agrees_with_offline.py)
and documented in docs/accuracy.md.

    proc = CausalProcessor(fs=104.0, calibration=cal)
    for t, acc, gyr, haptic in chunks:
        angles = proc.process_chunk(t, acc, gyr, haptic)   # Angles for these samples
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kyphos.processing.angles import Angles, CausalAngles
from kyphos.processing.calibration import NOMINAL, Calibration
from kyphos.processing.orientation import OnlineOrientation
from kyphos.processing.preprocess import IMU_CUTOFF_HZ, CausalLowpass


class CausalProcessor:
    """Stateful causal processor: raw IMU chunks in, trunk angles out (same rows).

    Args:
        fs: sample rate in Hz (chunks must be on this uniform grid).
        calibration: a :class:`Calibration` or a (3, 3) sensor-from-body matrix; nominal
            mounting when None. :meth:`set_calibration` changes it on the fly.
        imu_cutoff_hz: causal low-pass on acc and gyr (None: off).
        vqf_params: VQF parameter overrides.
    """

    def __init__(
        self,
        fs: float,
        calibration: Calibration | np.ndarray | None = None,
        *,
        imu_cutoff_hz: float | None = IMU_CUTOFF_HZ,
        vqf_params: dict[str, Any] | None = None,
    ) -> None:
        self.fs = fs
        self._acc_lp = CausalLowpass(fs, imu_cutoff_hz, 3) if imu_cutoff_hz else None
        self._gyr_lp = CausalLowpass(fs, imu_cutoff_hz, 3) if imu_cutoff_hz else None
        self._orient = OnlineOrientation(fs, vqf_params)
        self._angles = CausalAngles(self._matrix(calibration), fs)
        self.last_quat: np.ndarray = np.array([1.0, 0.0, 0.0, 0.0])
        self._last_good = np.array([[0.0, 0.0, 9.81]])  # before any good sample: a guess

    @staticmethod
    def _matrix(calibration: Calibration | np.ndarray | None) -> np.ndarray:
        if calibration is None:
            return NOMINAL.copy()
        if isinstance(calibration, Calibration):
            return calibration.sensor_from_body
        return np.asarray(calibration, float)

    @property
    def sensor_from_body(self) -> np.ndarray:
        """The (3, 3) sensor-from-body calibration in use."""
        return self._angles.m

    def set_calibration(self, calibration: Calibration | np.ndarray) -> None:
        """Use a new sensor-to-body calibration from the next chunk on."""
        self._angles.m = self._matrix(calibration)

    def process_chunk(
        self,
        time: np.ndarray,
        acc: np.ndarray,
        gyr: np.ndarray,
        haptic: np.ndarray | None = None,
    ) -> Angles:
        """Angles for a chunk of (n,) times [s], (n, 3) acc [m/s²], (n, 3) gyr [rad/s].

        ``haptic`` (n,) marks samples taken while the vibration motor ran: their acc is ignored
        by the orientation filter (gyro-only propagation).
        """
        acc = np.asarray(acc, float).reshape(-1, 3)
        gyr = np.asarray(gyr, float).reshape(-1, 3)
        masked = np.zeros(len(acc), bool) if haptic is None else np.asarray(haptic, bool)
        if np.any(masked):
            # hold the last good sample through the vibration so it does not enter the
            # filter's state, then hide those rows from VQF (zero acc = skipped)
            idx = np.where(~masked, np.arange(len(acc)), -1)
            idx = np.maximum.accumulate(idx)
            held = np.vstack([self._last_good, acc])[idx + 1]
            acc = held
        if len(acc) and not masked[-1]:
            self._last_good = acc[-1:].copy()
        if self._acc_lp is not None and self._gyr_lp is not None:
            acc = self._acc_lp(acc)
            gyr = self._gyr_lp(gyr)
        if np.any(masked):
            acc = acc.copy()
            acc[masked] = 0.0
        q = self._orient.update(gyr, acc)
        if len(q):
            self.last_quat = q[-1]
        out = self._angles(np.asarray(time, float), q)
        out.masked = masked
        return out
