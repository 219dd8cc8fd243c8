"""A recorded session as numpy arrays in SI units: what the loader returns, what analysis reads.

Shapes: N IMU samples, M orientation samples. Times are seconds on the device clock, 0 at the
first IMU sample of the recording (epochs after a reboot are placed with host receive times).
Quaternions are ``[w, x, y, z]``, Hamilton, sensor-to-earth, earth z up. The sensor frame is
the one in docs/protocol.md: x towards the head, y to the wearer's left, z out of the back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, partial
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


class Deferred:
    """An array of a :class:`Session` made on first use (then kept): see :meth:`Session.defer`.

    ``build`` should be picklable (a module-level function, or a ``functools.partial`` of one)
    so that a session with deferred arrays can still be sent to a worker process.
    """

    __slots__ = ("build", "length")

    def __init__(self, build: Callable[[], np.ndarray], length: int) -> None:
        self.build = build
        self.length = length

    def __getstate__(self) -> tuple[Callable[[], np.ndarray], int]:
        return self.build, self.length

    def __setstate__(self, state: tuple[Callable[[], np.ndarray], int]) -> None:
        self.build, self.length = state


#: Session arrays that may be deferred. The analysis reads none of the first three, and acc
#: and gyr through :meth:`Session.rows` (built for that read only, unless already kept).
DEFERRABLE = ("quat_time", "quat", "host_time", "acc", "gyr")
#: Deferred arrays whose builder takes ``step=`` (every step-th row).
_ROWS = ("acc", "gyr")


def _nan_times(n: int) -> np.ndarray:
    return np.full(n, np.nan)


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

    ``quat_time``, ``quat`` and ``host_time`` may be *deferred* (:meth:`defer`): the loader
    keeps the on-device quaternions as their int16 counts (8 B per sample instead of 40) and the
    host times as one offset per frame, and makes the float64 arrays the first time they are
    read (the analysis reads neither; issue 17's bounded memory). Reading or assigning them
    works as for any other attribute.
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
        shapes = [(self.deferred_len(k), 3) if self.is_deferred(k) else getattr(self, k).shape
                  for k in ("acc", "gyr")]
        if shapes[0] != (n, 3) or shapes[1] != (n, 3):
            raise ValueError(
                f"acc and gyr must be ({n}, 3) to match time; got {shapes[0]} and {shapes[1]}"
            )
        if len(self.haptic) != n:
            self.haptic = np.zeros(n, bool)
        if self.deferred_len("host_time") != n:  # NaN (unknown), made only if read
            self.defer("host_time", partial(_nan_times, n), n)

    def defer(self, name: str, build: Callable[[], np.ndarray], length: int) -> None:
        """Make array ``name`` (one of :data:`DEFERRABLE`) on first read with ``build()``;
        ``length`` is its length, known without building it (:meth:`deferred_len`). For
        ``acc`` and ``gyr``, ``build`` also takes ``step=`` (every step-th row, :meth:`rows`)."""
        if name not in DEFERRABLE:
            raise ValueError(f"{name!r} cannot be deferred (only {', '.join(DEFERRABLE)})")
        self.__dict__["_" + name] = Deferred(build, length)

    def deferred_len(self, name: str) -> int:
        """Length of array ``name`` without building it if it is deferred."""
        v = self.__dict__.get("_" + name)
        return v.length if isinstance(v, Deferred) else len(getattr(self, name))

    def is_deferred(self, name: str) -> bool:
        """True while array ``name`` has not been built yet."""
        return isinstance(self.__dict__.get("_" + name), Deferred)

    def rows(self, name: str, step: int = 1) -> np.ndarray:
        """Every ``step``-th row of ``acc`` or ``gyr`` for one use: the kept array's rows when
        it has been built, else rows built for this call only (from the loader's int16 counts,
        the same values to the bit) and not kept. What the analysis reads: a loaded session
        then never holds float64 acc and gyr (48 B per sample) unless someone reads them."""
        if name not in _ROWS:
            raise ValueError(f"rows() reads acc or gyr, not {name!r}")
        v = self.__dict__.get("_" + name)
        if isinstance(v, Deferred):
            return v.build(step=step)  # type: ignore[call-arg]
        return np.asarray(getattr(self, name))[::step]

    @property
    def n_quat_samples(self) -> int:
        """Number of on-device orientation samples (without building ``quat``)."""
        return self.deferred_len("quat")

    @property
    def duration_s(self) -> float:
        return float(self.time[-1] - self.time[0]) if len(self.time) > 1 else 0.0

    @property
    def n_samples(self) -> int:
        return len(self.time)

    # Analysis is computed once, on first use, by the downstream analysis stage.
    @cached_property
    def analysis(self) -> Analysis:
        """The analysis with its validity applied (``analysis.validity``: ``.valid`` and
        ``.warnings``, the reasons): below the bar for a score there is no score, no praise,
        and only what can be trusted (:func:`kyphos.processing.plausibility.gate_analysis`,
        the rule ``kyphos analyze --json`` and the report follow). ``kyphos.analysis.analyze``
        gives the analysis before that rule."""
        from kyphos.analysis import analyze
        from kyphos.processing.plausibility import gate_analysis

        return gate_analysis(analyze(self))

    @property
    def validity(self) -> Any:
        """:class:`kyphos.processing.plausibility.Validity` of the analysis: ``.valid`` and
        ``.warnings`` (why a score, lifts or angles are not given); read it before any score."""
        return self.analysis.validity

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
    def risk(self) -> Any:
        """:class:`kyphos.metrics.risk.Risk`: the kinematic risk index (None below the bar)."""
        return self.analysis.risk

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


def _deferrable(name: str) -> property:
    key = "_" + name

    def get(self: Session) -> np.ndarray:
        v = self.__dict__[key]
        if isinstance(v, Deferred):
            v = v.build()
            self.__dict__[key] = v
        return v  # type: ignore[no-any-return]

    def put(self: Session, value: np.ndarray) -> None:
        self.__dict__[key] = value

    return property(get, put, doc=f"Session.{name} (built on first read if deferred)")


# The dataclass __init__ assigns these through the properties; a plain array is stored as is.
for _name in DEFERRABLE:
    setattr(Session, _name, _deferrable(_name))
