"""A recorded session as numpy arrays in SI units: what the loader returns, what analysis reads.

Shapes: N IMU samples, M orientation samples. Times are seconds on the device clock, 0 at the
first IMU sample of the recording (epochs after a reboot are placed with host receive times).
Quaternions are ``[w, x, y, z]``, Hamilton, sensor-to-earth, earth z up. The sensor frame is
the one in docs/protocol.md: x towards the head, y to the wearer's left, z out of the back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # analysis is downstream of the loader; imported lazily below
    from kyphos.analysis import Analysis

EVENT_DTYPE = np.dtype([("time", "f8"), ("kind", "u1"), ("arg", "u1"), ("value", "i2")])
STATUS_DTYPE = np.dtype(
    [
        ("time", "f8"),
        ("battery_mv", "u2"),
        ("battery_pct", "u1"),
        ("state", "u1"),
        ("flags", "u2"),
        ("fifo_overruns", "u4"),
        ("dropped", "u4"),
        ("retried", "u4"),
        ("i2c_errors", "u4"),
        ("log_free_bytes", "u4"),
        ("temp_cc", "i2"),
    ]
)


@dataclass(frozen=True)
class Damage:
    """A stretch of a file that could not be read: ``kind`` is "torn tail" or "corrupt"."""

    offset: int
    length: int
    kind: str
    reason: str


def _empty(shape: tuple[int, ...], dtype: Any = float) -> np.ndarray:
    return np.zeros(shape, dtype=dtype)


@dataclass
class Session:
    """One recording.

    Attributes:
        time: (N,) sample times in s.
        acc: (N, 3) specific force in m/s², sensor frame.
        gyr: (N, 3) angular rate in rad/s, sensor frame.
        fs: nominal sample rate in Hz (from the device's INFO, or estimated).
        haptic: (N,) True where the sample was taken while the vibration motor ran.
        quat_time: (M,) times of on-device orientation in s.
        quat: (M, 4) on-device orientation ``[w, x, y, z]``.
        events: structured array, ``EVENT_DTYPE`` (time in s, kind, arg, value).
        status: structured array, ``STATUS_DTYPE``.
        notes: host NOTE records as ``(time_s, dict)``.
        gaps: (G, 2) start and end in s of stretches with lost samples.
        host_time: (N,) host receive time of each sample, s since the Unix epoch; NaN for
            samples read from the device's flash log.
        header: the recording's JSON header.
        info: the device's INFO fields, or None.
        damage: stretches of the file that could not be read.
        path: where it was loaded from, if anywhere.
    """

    time: np.ndarray
    acc: np.ndarray
    gyr: np.ndarray
    fs: float
    haptic: np.ndarray = field(default_factory=lambda: _empty((0,), bool))
    quat_time: np.ndarray = field(default_factory=lambda: _empty((0,)))
    quat: np.ndarray = field(default_factory=lambda: _empty((0, 4)))
    events: np.ndarray = field(default_factory=lambda: np.zeros(0, EVENT_DTYPE))
    status: np.ndarray = field(default_factory=lambda: np.zeros(0, STATUS_DTYPE))
    notes: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    gaps: np.ndarray = field(default_factory=lambda: _empty((0, 2)))
    host_time: np.ndarray = field(default_factory=lambda: _empty((0,)))
    header: dict[str, Any] = field(default_factory=dict)
    info: dict[str, Any] | None = None
    damage: list[Damage] = field(default_factory=list)
    path: Path | None = None

    def __post_init__(self) -> None:
        n = len(self.time)
        if self.acc.shape != (n, 3) or self.gyr.shape != (n, 3):
            raise ValueError(
                f"acc and gyr must be ({n}, 3) to match time; got {self.acc.shape} and {self.gyr.shape}"
            )
        if len(self.haptic) != n:
            self.haptic = np.zeros(n, bool)
        if len(self.host_time) != n:
            self.host_time = np.full(n, np.nan)

    @property
    def duration_s(self) -> float:
        return float(self.time[-1] - self.time[0]) if len(self.time) > 1 else 0.0

    @property
    def n_samples(self) -> int:
        return len(self.time)

    # Analysis is computed once, on first use, by the downstream analysis stage.
    @cached_property
    def analysis(self) -> Analysis:
        from kyphos.analysis import analyze

        return analyze(self)

    @property
    def angles(self) -> Any:
        return self.analysis.angles

    @property
    def posture(self) -> Any:
        return self.analysis.posture

    @property
    def lifts(self) -> Any:
        return self.analysis.lifts

    @property
    def activity(self) -> Any:
        """:class:`kyphos.processing.activity.Activity`: per-sample kind, intervals(), pct(),
        steps, transitions."""
        return self.analysis.activity

    @property
    def seated_reaches(self) -> Any:
        """Forward bends and reaches made while sitting (not lifts)."""
        return self.analysis.seated_reaches

    @property
    def slouch_episodes(self) -> Any:
        return self.analysis.posture.slouch_episodes

    @property
    def sustained_bends(self) -> Any:
        """Bends held past ISO 11226's 4 s, with holding time and limit."""
        return self.analysis.posture.sustained_bends

    @property
    def re_references(self) -> Any:
        """Clip slips found and re-referenced: ``t_s``, ``deg``, ``why``."""
        return self.analysis.re_references
