"""Bounded-memory analysis of a long ``.kyr`` recording, a stretch at a time (issue 17 item 3).

:func:`analyze_chunked` gives the :class:`~kyphos.analysis.Analysis` of
:func:`kyphos.analysis.analyze` — the same JSON document (``to_dict``) — while holding one
chunk's per-sample arrays plus a few bytes per sample of the whole recording, instead of the
whole recording's ~300 B per sample. :func:`analyze_file` (``kyphos.analyze_file``, and
``kyphos analyze`` / ``report`` / ``compare`` / batch) takes this path for a ``.kyr`` file
longer than ``AUTO_ABOVE_S`` (2 h) and loads anything else whole.

It runs the same stage functions as ``analyze`` (``prepare_session``, the accelerometer
offset, VQF, ``_calibrate``, ``motion``, ``reference_probes``, ``find_rerefs``, ``events``),
never a copy of their logic, so it stays equal to ``analyze`` as they change (checked by
``tests/test_chunked_analysis_equals_whole.py``). The recording is cut into *cores* of
``chunk_s`` (30 min) worth of rows of the analysis grid:

0. **Prepare.** Each core is read as a time range (:class:`kyphos.recording.load.KyrReader`:
   an index of the file, only the frames of the range decoded) with ``STILL_S`` + ``PAD_S``
   more on both sides, prepared, and its rows written to a temporary folder (``_Spill``:
   the operating system's page cache holds them, not this process). Its still postures
   (``cal.still_spans``, kept by the core holding their start) and what the plausibility
   checks read of its raw samples are kept.
1. **Orientation.** The accelerometer offset from all still postures
   (``cal.fit_acc_bias``, as ``analyze``); then VQF offline per core over
   ``orientation.OVERLAP_S`` more on both sides, each run joined to the previous one with
   :func:`kyphos.processing.orientation.join_run` — with 30-min cores and no gap, the very
   runs and joins of ``orientation_chunked``. The rows the calibration reads are kept: every
   ``fs // 26``-th (the automatic calibration's own decimation) and those in the
   calibration windows.
2. **Calibration, activity, clip slips.** ``_calibrate`` on those rows; then each core with
   ``margin_s`` (120 s) on both sides read back: angles, activity, clip-slip probes (kept by
   the core holding their start); then the clip slips over all probes, the wearer's sitting
   upright (the percentile of all still-sitting flexion) and the lever from the calibration
   bends.
3. **Events.** Each core again (pass 2's results reused from disk when there is no clip
   slip): lifts, seated reaches, slouch episodes, sustained bends and holding violations kept
   by the core that holds their start — one still running at the end of the margin makes
   that core run again over a longer stretch, so no event is cut; posture sample counts,
   risk terms, steps and transitions summed or joined over the cores.

The result keeps per sample of the whole recording the grid time (8 B), flexion as float32
for the report's timeline (4 B), activity kind, still and the vibration mask (3 B); the
other angle arrays, the quaternions and the prepared acc/gyr are empty (``quat`` has 0 rows)
— a notebook that needs them loads the recording (``kyphos.load(path, start_s=, end_s=)``
for a stretch) and runs ``analyze``.

Limits (measured in docs/benchmarks.md, "Memory"): after a gap that is not bridged, VQF's
chunk boundaries follow the recording here and the segment in ``analyze``, and a segment
``analyze`` runs in one VQF pass is run in chunks here: quaternions then differ by VQF's
warm-up (≤ 0.02° flexion with 120 s of overlap, bench/bench_chunked_vqf.py). Axial rotation's
heading reference (a 0.02 Hz low-pass) needs the 120-s margin; shorter margins change it. A
still period, slouch or held bend longer than the margin makes its core's stretch grow
with it.
"""

from __future__ import annotations

import ctypes
import math
import os
import pickle
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, cast

import numpy as np

from kyphos.analysis import (
    Analysis,
    Events,
    _calibrate,
    _from_session,
    calibration_windows,
    events,
    find_rerefs_between,
    later_mountings,
    motion,
    opening_reref_folded,
    posture_options,
    prepare_session,
    reference_probes,
    turned_rerefs,
    user_calibrations,
    user_rerefs,
    with_user_bends,
)
from kyphos.errors import KyphosError
from kyphos.metrics.lifts import Lift, lift_summary, link_from_bends
from kyphos.metrics.posture import (
    SLOUCH_THRESHOLD_DEG,
    HoldingViolation,
    PostureMetrics,
    SlouchEpisode,
    SustainedBend,
    posture_counts,
    posture_pcts,
    posture_score,
    sitting_upright_deg,
)
from kyphos.metrics.risk import kinematic_risk
from kyphos.metrics.style import lever_from_recording, wearer_from
from kyphos.processing import activity as act
from kyphos.processing import calibration as cal
from kyphos.processing import clipslip, orientation, plausibility
from kyphos.processing.angles import Angles
from kyphos.processing.params import ACTIVITY_FS_HZ
from kyphos.processing.preprocess import IMU_CUTOFF_HZ, MAX_BRIDGE_S, Prepared, runs
from kyphos.recording.load import KyrReader

#: Rows of the analysis grid per core: VQF's chunk (orientation.CHUNK_S), so that the runs are
#: those of orientation_chunked.
CHUNK_S = orientation.CHUNK_S
#: Each core is analysed with this much more on both sides (filters, activity, events).
MARGIN_S = 120.0
#: Each range read for the orientation pass has this much more on both sides, for the
#: low-pass (IMU_CUTOFF_HZ settles in well under 1 s) and the clock's drift over a chunk.
PAD_S = 5.0
#: The still postures of a core (the accelerometer offset's input) are looked for from this
#: much before it (their low-passes settle; a posture still running at the end of the range
#: makes it longer).
STILL_S = 30.0
#: kyphos.analyze_file and the commands use this driver above this length (s). Up to 2 h the
#: whole analysis stays below ~400 MB and is quicker (the chunked one's passes cost more than
#: they save on 1-4 cores: bench/bench_memory.py at 1 h, docs/benchmarks.md "Memory").
AUTO_ABOVE_S = 7200.0


class _Spill:
    """Per-row arrays of the analysis grid, written core by core to files in ``folder`` and
    read back a row range at a time (``np.fromfile`` at an offset: the rows read are the
    only ones in this process's memory)."""

    SHAPES: dict[str, tuple[Any, tuple[int, ...]]] = {
        "acc": (np.float64, (3,)), "gyr": (np.float64, (3,)),
        "valid": (np.bool_, ()), "masked": (np.bool_, ()), "quat": (np.float64, (4,)),
    }

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.bounds = [0]
        self.time = np.zeros(0)  # the grid's time of the whole recording (kept in memory)
        self.bias = np.zeros(3)  # the accelerometer offset, removed from acc when read

    @property
    def n(self) -> int:
        return self.bounds[-1]

    def append(self, arrays: dict[str, np.ndarray]) -> None:
        """A new core: the fields given (the others later with :meth:`put`)."""
        k = len(self.bounds) - 1
        for name, x in arrays.items():
            self.put(name, k, x)
        self.bounds.append(self.bounds[-1] + len(arrays["acc"]))

    def put(self, name: str, k: int, x: np.ndarray) -> None:
        np.ascontiguousarray(x, self.SHAPES[name][0]).tofile(self.folder / f"{name}-{k}.bin")

    def rows(self, name: str, r0: int, r1: int) -> np.ndarray:
        dtype, shape = self.SHAPES[name]
        width = int(np.prod(shape)) if shape else 1
        item = np.dtype(dtype).itemsize * width
        parts = []
        for k in range(len(self.bounds) - 1):  # per core file (a few dozen at most)
            a, b = self.bounds[k], self.bounds[k + 1]
            lo, hi = max(a, r0), min(b, r1)
            if lo < hi:
                x = np.fromfile(self.folder / f"{name}-{k}.bin", dtype, (hi - lo) * width,
                                offset=(lo - a) * item)
                parts.append(x.reshape((hi - lo, *shape)))
        return np.concatenate(parts) if len(parts) != 1 else parts[0]

    def prepared(self, r0: int, r1: int, fs: float, quat: bool = True
                 ) -> tuple[Prepared, np.ndarray]:
        """Rows ``[r0, r1)`` as prepared samples, the accelerometer offset removed (as
        ``analyze`` removes it), and their orientation."""
        valid = self.rows("valid", r0, r1)
        p = Prepared(time=self.time[r0:r1], acc=self.rows("acc", r0, r1),
                     gyr=self.rows("gyr", r0, r1), fs=fs, valid=valid,
                     masked=self.rows("masked", r0, r1), segments=runs(valid))
        cal.remove_acc_bias(p.acc, self.bias)
        return p, self.rows("quat", r0, r1) if quat else np.zeros((0, 4))


class _Digest:
    """What the whole-recording checks read of a session (``plausibility.precheck`` and
    ``assess``, ``recording.quality.data_quality``, the calibration's notes), gathered
    range by range: raw sample times, every ``stride``-th raw acc/gyr row, events, notes,
    gaps, damage, header."""

    def __init__(self, reader: KyrReader, time: np.ndarray, strided: dict[str, np.ndarray],
                 stride: int, gaps: np.ndarray) -> None:
        self.time = time
        self.fs = reader.fs
        self.events = reader.events
        self.notes = reader.notes
        self.header = reader.header
        self.info = reader.info
        self.damage = reader.damage
        self.gaps = gaps
        self.haptic = np.zeros(0, bool)
        self._strided = strided
        self._stride = stride
        self.path = reader.path

    @property
    def n_samples(self) -> int:
        return len(self.time)

    @property
    def duration_s(self) -> float:
        return float(self.time[-1] - self.time[0]) if len(self.time) > 1 else 0.0

    def drop(self, name: str) -> None:
        self._strided.pop(name, None)

    def rows(self, name: str, step: int = 1) -> np.ndarray:
        if step != self._stride:
            raise ValueError(f"the chunked analysis kept every {self._stride}-th row, not {step}")
        return self._strided[name]


def _libc() -> Any:
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim, libc.mallopt  # noqa: B018 (glibc's)
        return libc
    except (OSError, AttributeError):  # not glibc
        return None


_LIBC = _libc()
#: glibc mallopt's M_MMAP_THRESHOLD, and the value set: arrays of 4 MB and more are mapped
#: on their own and given back when freed (glibc otherwise raises the threshold to 32 MB
#: after the first large free, and chunk-sized arrays then fragment the heap). 8 h at 104 Hz,
#: `kyphos analyze --json`, one run each: 369 MB resident peak without, 348 MB with; CPU time
#: 13.1 / 12.9 s.
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 4 << 20


def _tune_malloc() -> None:
    if _LIBC is not None:
        _LIBC.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)


def _trim() -> None:
    """Give the heap's free pages back to the system (glibc ``malloc_trim``). Once a large
    array has been freed, glibc raises its mmap threshold (up to 32 MB), so the next
    chunk-sized arrays come from the heap, and what they leave free between live blocks
    stays in the resident set: measured at 8 h, 363 MB resident before the calibration,
    204 MB after a trim."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _stride(fs: float, per_s: float) -> int:
    return max(1, int(fs // per_s))


@dataclass
class _Pass1:
    """What the orientation pass keeps of the whole recording."""

    fs: float
    spill: _Spill
    time: list[np.ndarray] = field(default_factory=list)  # grid time per core
    masked: list[np.ndarray] = field(default_factory=list)
    raw_time: list[np.ndarray] = field(default_factory=list)
    raw_rows: dict[str, list[np.ndarray]] = field(default_factory=lambda: {"acc": [], "gyr": []})
    cal_rows: dict[str, list[np.ndarray]] = field(default_factory=dict)  # every fs//26-th row
    win_rows: dict[str, list[np.ndarray]] = field(default_factory=dict)  # calibration windows
    gaps: list[np.ndarray] = field(default_factory=list)  # loader gaps
    grid_gaps: list[np.ndarray] = field(default_factory=list)  # prepare's gaps
    n_raw: int = 0
    need_auto: bool = True  # keep the automatic calibration's rows
    still: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)  # means, dur


def _keep(store: dict[str, list[np.ndarray]], rows: dict[str, np.ndarray]) -> None:
    for k, v in rows.items():
        store.setdefault(k, []).append(v)


def _cat(parts: list[np.ndarray], shape: tuple[int, ...] = (0,)) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(shape)


def _prepare_pass(reader: KyrReader, chunk_s: float, max_bridge_s: float,
                  imu_cutoff_hz: float | None, folder: Path) -> _Pass1:
    """Pass 0: each core of the analysis grid prepared (from a range ``STILL_S`` wider on
    both sides, plus ``PAD_S`` for the low-pass) and spilled; its still postures (for the
    accelerometer offset) and what the checks read of its raw samples kept."""
    end = reader.end_s
    st: _Pass1 | None = None
    anchor: tuple[float, int] | None = None  # (grid time of a row at/before the core, rows on)
    margin_s = STILL_S + PAD_S
    while True:  # one core of the analysis grid per iteration
        lo = None if anchor is None else anchor[0] - margin_s
        span = chunk_s * 1.01 + 2 * margin_s
        while True:  # widen the range until it holds the core, its margin and its postures
            hi: float | None = (0.0 if lo is None else lo) + span
            if hi is not None and hi >= end:
                hi = None
            s = reader.session(lo, hi)
            if len(s.time) < 2:
                raise KyphosError(f"{reader.path}: no samples after {lo or 0.0:.1f} s")
            p = prepare_session(s, max_bridge_s, imu_cutoff_hz)
            if st is None:
                st = _Pass1(p.fs, _Spill(folder))
            chunk = max(1, int(round(chunk_s * st.fs)))
            m = int(round(margin_s * st.fs))
            i0 = 0 if anchor is None else _row_at(p.time, anchor[0], st.fs) + anchor[1]
            last = hi is None and len(p.time) - i0 <= chunk
            c1 = len(p.time) if last else i0 + chunk
            enough = hi is None or len(p.time) - i0 >= chunk + m
            if enough and _still(st, p, i0, c1, hi is None):
                break
            span *= 2
        st.spill.append({"acc": p.acc[i0:c1], "gyr": p.gyr[i0:c1], "valid": p.valid[i0:c1],
                         "masked": p.masked[i0:c1]})
        t = p.time[i0:c1].copy()
        st.time.append(t)
        st.masked.append(p.masked[i0:c1].copy())
        # the raw samples from this core's first row to the next core's (its range holds them)
        t_a = -math.inf if anchor is None else _first_time(p.time, i0)
        t_b = math.inf if last else _first_time(p.time, c1)
        _raw(st, s, t_a, t_b, t)
        g = np.asarray(p.gaps, float).reshape(-1, 2)
        st.grid_gaps.append(g[(g[:, 0] >= t_a) & (g[:, 0] < t_b)])
        if last:
            return st
        j = c1 - 1
        while not np.isfinite(p.time[j]):  # the core ends on a gap's separator row
            j -= 1
        anchor = (float(p.time[j]), c1 - j)
        del s, p
        _trim()


def _still(st: _Pass1, p: Prepared, i0: int, c1: int, at_end: bool) -> bool:
    """Keep the still postures (``cal.still_spans``) that start in the core ``[i0, c1)`` of
    ``p``, read from ``STILL_S`` before it on the whole grid's decimation phase; False (and
    nothing kept) when one still runs at the end of ``p`` (a longer range is needed)."""
    step = _stride(st.fs, 26.0)
    g0 = st.spill.n - i0  # the whole grid's row of p's row 0
    lo = max(0, i0 - int(round(STILL_S * st.fs)))
    lo += (-(g0 + lo)) % step
    if lo > i0:
        lo -= step
    means, dur, spans = cal.still_spans(p.time[lo:], p.acc[lo:], p.gyr[lo:], st.fs,
                                        p.valid[lo:])
    n = len(p.time) - lo
    trim = int(0.5 * st.fs)
    mine = (spans[:, 0] + lo >= i0) & (spans[:, 0] + lo < c1)
    if not at_end and np.any(mine & (spans[:, 1] >= n - trim - step)):
        return False
    st.still.append((means[mine], dur[mine]))
    return True


def _vqf_pass(st: _Pass1, chunk_s: float, ov_s: float, windows: list[tuple[float, float]],
              need_auto: bool, vqf_params: dict[str, Any] | None) -> None:
    """Pass 1: VQF offline per core over ``ov_s`` more on both sides, each run joined to the
    previous one as ``orientation_chunked`` joins them; the quaternions spilled; the rows the
    calibration reads kept."""
    sp = st.spill
    fs = st.fs
    ov = max(0, int(round(ov_s * fs)))
    tail = np.zeros((0, 4))  # the previous run's rows past its core
    pending: np.ndarray | None = None  # the previous core's quaternions (its end not final)
    nk = len(sp.bounds) - 1
    for k in range(nk):  # per core
        c0, c1 = sp.bounds[k], sp.bounds[k + 1]
        e0, e1 = max(0, c0 - ov), min(sp.n, c1 + ov)
        p, _q = sp.prepared(e0, e1, fs, quat=False)
        run = orientation.orientation_segments(p.gyr, p.acc, fs, p.segments, vqf_params)
        m = c0 - e0
        if pending is not None:
            both = np.concatenate([pending[len(pending) - m:], tail])
            j = min(len(both), len(run))
            if np.isfinite(both[:j]).all() and np.isfinite(run[:j]).all():
                run = orientation.join_run(both, run)
                pending[len(pending) - m:] = run[:m]
            _finish_core(st, k - 1, pending, windows, need_auto)
        pending = run[m:c1 - e0].copy()
        tail = run[c1 - e0:]
        del p, run
        _trim()
    if pending is not None:
        _finish_core(st, nk - 1, pending, windows, need_auto)


def _row_at(t: np.ndarray, t_row: float, fs: float) -> int:
    """The row of grid ``t`` at time ``t_row`` (the same row in another range's grid)."""
    i = int(np.nanargmin(np.abs(t - t_row)))
    if abs(float(t[i]) - t_row) > 0.5 / fs:
        raise KyphosError(f"the chunked analysis lost its place at {t_row:.3f} s "
                          "(analyse this recording whole: --whole)")
    return i


def _first_time(t: np.ndarray, i: int) -> float:
    """Time of row ``i`` of the grid, or of the first sample after it (a separator row)."""
    ok = np.flatnonzero(np.isfinite(t[i:]))
    return float(t[i + ok[0]]) if len(ok) else math.inf


def _raw(st: _Pass1, s: Any, t0: float, t1: float, grid: np.ndarray) -> None:
    """Keep what the checks read of the raw samples ``t0 <= time < t1`` of session ``s``:
    their times, every fs//13-th acc/gyr row (by index in the whole recording), the gaps."""
    j = np.flatnonzero((s.time >= t0) & (s.time < t1))
    gp = np.asarray(s.gaps, float).reshape(-1, 2)
    st.gaps.append(gp[(gp[:, 0] >= t0) & (gp[:, 0] < t1)])
    if not len(j):
        return
    j0, j1 = int(j[0]), int(j[-1]) + 1
    t = np.asarray(s.time[j0:j1], float)
    st.raw_time.append(grid if np.array_equal(t, grid) else t)  # the same array: kept once
    stride = _stride(float(s.fs or st.fs), 13.0)
    kk = np.arange(j0 + (-st.n_raw) % stride, j1, stride)
    for name in ("acc", "gyr"):
        st.raw_rows[name].append(s.rows(name)[kk])
    st.n_raw += j1 - j0


def _finish_core(st: _Pass1, k: int, quat: np.ndarray, windows: list[tuple[float, float]],
                 need_auto: bool) -> None:
    """Spill core ``k``'s final quaternions; keep the rows the calibration reads of it."""
    sp = st.spill
    sp.put("quat", k, quat)
    r0, r1 = sp.bounds[k], sp.bounds[k + 1]
    t = sp.time[r0:r1]
    # every fs//26-th row of the grid (by row in the whole grid), as auto_calibrate decimates
    step = _stride(st.fs, 26.0)
    sel = np.arange((-r0) % step, r1 - r0, step)
    w = np.zeros(r1 - r0, bool)
    if windows:
        tt = np.nan_to_num(t, nan=-np.inf)
        for a, b in windows:  # upright and bend windows (two at most)
            w |= (tt >= a) & (tt <= b)
    if not (need_auto or w.any()):
        return
    p, _q = sp.prepared(r0, r1, st.fs, quat=False)
    core = {"time": t, "acc": p.acc, "gyr": p.gyr, "valid": p.valid, "quat": quat}
    if need_auto:
        _keep(st.cal_rows, {n: core[n][sel] for n in ("acc", "gyr", "quat")})
    if w.any():
        _keep(st.win_rows, {n: core[n][w] for n in ("time", "acc", "quat")})


@dataclass
class _Found:
    """Events of the whole recording, each from the core that holds its start."""

    lifts: list[Lift] = field(default_factory=list)
    reaches: list[Lift] = field(default_factory=list)
    slouch: list[SlouchEpisode] = field(default_factory=list)
    sustained: list[SustainedBend] = field(default_factory=list)
    holds: list[HoldingViolation] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    steps: list[np.ndarray] = field(default_factory=list)
    transitions: list[act.Transition] = field(default_factory=list)
    excursions: list[tuple[int, int, float]] = field(default_factory=list)
    lat_max: float = 0.0
    ax_sum: float = 0.0
    ax_n: int = 0


@dataclass
class _Core:
    """One core's share of the events and sums (:meth:`_Driver._record`)."""

    touch: bool  # an event it keeps runs to the end of its stretch: run it longer
    mine: tuple[list[Any], ...]
    counts: dict[str, int]
    lat_max: float
    ax_sum: float
    ax_n: int
    kind: np.ndarray
    still: np.ndarray
    flex: np.ndarray
    steps: np.ndarray
    transitions: list[act.Transition]
    excursions: list[tuple[int, int, float]]


def _add(dst: list[Any], items: list[Any]) -> None:
    """Append events that do not overlap one already kept (a hysteresis run seen from a later
    core's margin as starting later than it did)."""
    for e in items:
        if not any(e.start_s <= d.end_s and e.end_s >= d.start_s for d in dst[-4:]):
            dst.append(e)


class _Driver:
    def __init__(self, st: _Pass1, chunk_s: float, margin_s: float,
                 c: Any, opts: dict[str, Any]) -> None:
        self.st = st
        self.fs = st.fs
        self.n = st.spill.n
        self.chunk = max(1, int(round(chunk_s * self.fs)))
        self.margin = max(1, int(round(margin_s * self.fs)))
        self.align = _stride(self.fs, ACTIVITY_FS_HZ) * _stride(self.fs, 26.0)
        self.c = c
        #: the calibration the events read: ``c`` with the later user calibrations' bends
        self.c_events = c
        self.opts = opts
        #: the re-references whose motion() results are cached (activity_pass sets it)
        self.cached_for: tuple[tuple[float, int], ...] | None = None
        self.time = st.spill.time

    def motion_rows(self, r0: int, r1: int) -> tuple[np.ndarray, np.ndarray]:
        """Prepared gyro and specific force of rows [r0, r1) (a clip slip's own motion)."""
        p, _q = self.st.spill.prepared(max(0, r0), min(self.n, r1), self.fs, quat=False)
        return p.gyr, p.acc

    def cores(self) -> Iterator[tuple[int, int]]:
        for r0 in range(0, self.n, self.chunk):
            yield r0, min(self.n, r0 + self.chunk)

    def window(self, r0: int, r1: int, extra: int, rerefs: list[clipslip.ReReference]
               ) -> tuple[int, Prepared, Angles, np.ndarray, act.Activity]:
        """Rows ``w0``… around core ``[r0, r1)`` (``extra`` more after it), their prepared
        samples and ``motion``; pass 2's are cached on disk for pass 3 (same ``rerefs``)."""
        key = self.st.spill.folder / f"motion-{r0}-{r1}-{extra}.pkl"
        cache = _rkey(rerefs) == self.cached_for
        if cache and key.exists():
            with open(key, "rb") as fh:
                w0, angles, az, activity = pickle.load(fh)
            p, _q = self.st.spill.prepared(w0, w0 + len(angles.time), self.fs, quat=False)
            return w0, p, angles, az, activity
        w0 = max(0, r0 - self.margin)
        # a re-reference blended across a stretch that reaches into the window (a tie's
        # stretch can outlast the margin: SLIP4) is read from its start, as the whole
        # analysis reads it, not switched at the window's first row
        w0 = min([w0, *(rr.index for rr in rerefs
                        if rr.index_end is not None and rr.index < w0 < rr.index_end)])
        w0 -= w0 % self.align  # decimations (activity, calibration) keep their phase
        w1 = min(self.n, r1 + self.margin + extra)
        p, q = self.st.spill.prepared(w0, w1, self.fs)
        local = [clipslip.ReReference(rr.t_s, rr.deg, rr.why, rr.sensor_from_body,
                                      max(0, rr.index - w0),
                                      None if rr.index_end is None or rr.index < w0
                                      else rr.index_end - w0)
                 for rr in rerefs if rr.index < w1]
        angles, az, activity = motion(p, q, self.c, local)
        if cache:
            with open(key, "wb") as fh:
                pickle.dump((w0, angles, az, activity), fh, protocol=5)
        return w0, p, angles, az, activity

    def _touches(self, p: Prepared, w1: int, events: list[Any]) -> bool:
        """An event ends within 2 rows of the stretch's end, and the recording goes on."""
        if w1 >= self.n or not events:
            return False
        t_end = _first_time(p.time[::-1], 0) - 2.0 / self.fs
        return any(e.end_s >= t_end for e in events)

    def activity_pass(self, rerefs: list[clipslip.ReReference],
                      link: float | None | str = "later", done: dict[int, _Core] | None = None
                      ) -> tuple[list[clipslip.RefPosture], np.ndarray, np.ndarray, np.ndarray,
                                 np.ndarray]:
        """Pass 2: probes (global rows), kind and still per row, still-sitting and (rad)
        still-standing flexion.

        With ``link`` (the lever without re-references) the events of each core whose stretch
        has no sitting are found here too and put in ``done`` (the sitting upright, known only
        after this pass, changes nothing there): pass 3 takes them when no clip slip is found."""
        for old in self.st.spill.folder.glob("motion-*.pkl"):  # cached for other rerefs
            old.unlink()
        self.cached_for = _rkey(rerefs)
        probes: list[clipslip.RefPosture] = []
        kind = np.full(self.n, -1, np.int8)
        still = np.zeros(self.n, bool)
        sit: list[np.ndarray] = []
        stand: list[np.ndarray] = []
        for r0, r1 in self.cores():
            extra = 0
            while True:  # longer when a probe starting in the core runs past the stretch
                w0, p, angles, _az, activity = self.window(r0, r1, extra, rerefs)
                w1 = w0 + len(p.time)
                got = [pr for pr in reference_probes(p, activity) if r0 <= pr.i0 + w0 < r1]
                touch = any(pr.i1 >= len(p.time) - 1 and w1 < self.n for pr in got)
                rec = None
                if done is not None and not isinstance(link, str) \
                        and not activity.mask("sitting").any():
                    rec = self._record(r0, r1, w0, p, angles, _az, activity, link,
                                       dict(self.opts["pkw"], sitting_upright=None))
                    touch = touch or rec.touch
                if not touch:
                    break
                extra = 2 * extra + self.margin
            if rec is not None and done is not None:
                done[r0] = rec
            for pr in got:
                pr.i0 += w0
                pr.i1 += w0
            probes.extend(got)
            a, b = r0 - w0, r1 - w0
            kind[r0:r1] = activity.kind[a:b]
            still[r0:r1] = activity.still[a:b]
            v = angles.valid[a:b] & np.isfinite(angles.flexion[a:b])
            sel = v & activity.mask("sitting")[a:b] & activity.still[a:b]
            sit.append(np.degrees(angles.flexion[a:b][sel]))
            sel = v & (activity.kind[a:b] == act.STANDING) & activity.still[a:b]
            stand.append(angles.flexion[a:b][sel])
            del p, angles, _az, activity
            _trim()
        return probes, kind, still, _cat(sit), _cat(stand)

    def link_m(self, rerefs: list[clipslip.ReReference]) -> float | None:
        bends = self.c.calibration_bends_s
        if not bends:
            return None
        t = np.nan_to_num(self.time, nan=-np.inf)
        t = np.maximum.accumulate(t)
        r0 = int(np.searchsorted(t, min(b[0] for b in bends)))
        r1 = int(np.searchsorted(t, max(b[1] for b in bends), side="right"))
        w0, p, angles, az, _act = self.window(r0, max(r1, r0 + 1), 0, rerefs)
        wearer = self.opts["pkw"].get("wearer")
        if wearer is not None and wearer.drop == "closed":  # analyze's closed-bend lever
            q = self.st.spill.rows("quat", w0, w0 + len(p.time))
            self.opts["pkw"]["wearer"] = replace(wearer, lever=lever_from_recording(
                angles, q, p.acc, bends, closure=True))
        return link_from_bends(angles, az, bends)

    def later_levers(self, users: list[Any], rerefs: list[clipslip.ReReference]) -> None:
        """The closed-bend levers (drop "closed") and the knee rule's links of the later user
        calibrations' guided bends (:func:`kyphos.analysis.later_levers`, ``later_links``),
        each read in its bend's window, put on the wearer (after :meth:`link_m`, which sets
        the first calibration's)."""
        wearer = self.opts["pkw"].get("wearer")
        if wearer is None or not any(u.bends_s for u in users):
            return
        t = np.maximum.accumulate(np.nan_to_num(self.time, nan=-np.inf))
        out: list[tuple[float, tuple[float, float] | None]] = []
        links: list[tuple[float, float | None]] = []  # the knee rule's (analysis.later_links)
        for u in users:
            if not u.bends_s:
                continue
            r0 = int(np.searchsorted(t, min(b[0] for b in u.bends_s)))
            r1 = int(np.searchsorted(t, max(b[1] for b in u.bends_s), side="right"))
            w0, p, angles, az, _act = self.window(r0, max(r1, r0 + 1), 0, rerefs)
            links.append((u.t_s, link_from_bends(angles, az, u.bends_s)))
            if wearer.drop == "closed":
                q = self.st.spill.rows("quat", w0, w0 + len(p.time))
                out.append((u.t_s, lever_from_recording(angles, q, p.acc, u.bends_s,
                                                        closure=True)))
        if wearer.drop == "closed":
            wearer = replace(wearer, later_levers=tuple(out))
        self.opts["pkw"]["wearer"] = replace(wearer, later_links=tuple(links))

    def _record(self, r0: int, r1: int, w0: int, p: Prepared, angles: Angles, az: np.ndarray,
                activity: act.Activity, link: float | None, pkw: dict[str, Any]) -> _Core:
        """What core ``[r0, r1)`` keeps of the events and sums of its stretch (from ``w0``)."""
        w1 = w0 + len(p.time)
        ev = events(angles, az, activity, self.c_events, link, pkw,
                    quat=self.st.spill.rows("quat", w0, w1), acc=p.acc)
        t0 = float(p.time[r0 - w0]) if np.isfinite(p.time[r0 - w0]) else \
            float(np.nanmin(p.time[r0 - w0:r1 - w0]))
        t1 = math.inf if r1 >= self.n else float(np.nanmin(p.time[r1 - w0:]))
        mine = _mine(ev, t0, t1)
        a, b = r0 - w0, r1 - w0
        core = Angles(angles.time[a:b], angles.flexion[a:b], angles.lateral[a:b],
                      angles.axial[a:b], angles.flexion_velocity[a:b],
                      angles.lateral_velocity[a:b], angles.axial_velocity[a:b],
                      angles.valid[a:b], angles.masked[a:b], angles.fs)
        lm = ev.lift_mask[a:b]
        lat = np.degrees(np.abs(core.lateral_velocity[lm]))
        ax = np.degrees(np.abs(core.axial_velocity[lm]))
        return _Core(
            touch=self._touches(p, w1, [e for group in mine for e in group]), mine=mine,
            counts=posture_counts(core),
            lat_max=float(np.nanmax(lat)) if np.any(np.isfinite(lat)) else 0.0,
            ax_sum=float(np.nansum(ax)), ax_n=int(np.count_nonzero(np.isfinite(ax))),
            kind=activity.kind[a:b].copy(), still=activity.still[a:b].copy(),
            flex=angles.flexion[a:b].astype(np.float32),
            steps=activity.steps_s[(activity.steps_s >= t0) & (activity.steps_s < t1)],
            transitions=[tr for tr in activity.transitions if t0 <= tr.start_s < t1],
            excursions=[(i + w0, j + w0, d) for i, j, d in activity.excursions
                        if r0 <= i + w0 < r1])

    def event_pass(self, rerefs: list[clipslip.ReReference], link: float | None,
                   sit_up: float | None, done: dict[int, _Core] | None = None
                   ) -> tuple[_Found, np.ndarray, np.ndarray, np.ndarray]:
        """Pass 3: events from the core holding their start; sums; the final activity.
        ``done``: cores pass 2 has already done (see :meth:`activity_pass`)."""
        f = _Found()
        kind = np.full(self.n, -1, np.int8)
        still = np.zeros(self.n, bool)
        flex = np.full(self.n, np.nan, np.float32)
        pkw = dict(self.opts["pkw"], sitting_upright=sit_up)
        for r0, r1 in self.cores():
            rec = (done or {}).get(r0)
            extra = 0
            while rec is None:  # longer when an event starting in the core runs past it
                w0, p, angles, az, activity = self.window(r0, r1, extra, rerefs)
                rec = self._record(r0, r1, w0, p, angles, az, activity, link, pkw)
                del p, angles, az, activity
                if rec.touch:
                    rec = None
                    extra = 2 * extra + self.margin
            lifts, reaches, slouch, sustained, holds = rec.mine
            f.lifts.extend(lifts)
            f.reaches.extend(reaches)
            _add(f.slouch, slouch)
            _add(f.sustained, sustained)
            _add(f.holds, holds)
            for k, v in rec.counts.items():
                f.counts[k] = f.counts.get(k, 0) + v
            f.lat_max = max(f.lat_max, rec.lat_max)
            f.ax_sum += rec.ax_sum
            f.ax_n += rec.ax_n
            kind[r0:r1] = rec.kind
            still[r0:r1] = rec.still
            flex[r0:r1] = rec.flex
            f.steps.append(rec.steps)
            f.transitions.extend(rec.transitions)
            f.excursions.extend(rec.excursions)
            if done:
                done.pop(r0, None)
            _trim()
        return f, kind, still, flex


def _rkey(rerefs: list[clipslip.ReReference]) -> tuple[tuple[float, int], ...]:
    return tuple((rr.t_s, rr.index) for rr in rerefs)


def _mine(ev: Events, t0: float, t1: float) -> tuple[list[Any], ...]:
    """The events of a stretch whose start lies in its core ``[t0, t1)``."""
    def sel(xs: list[Any]) -> list[Any]:
        return [e for e in xs if t0 <= e.start_s < t1]

    pm = ev.posture
    return (sel(ev.lifts), sel(ev.reaches), sel(pm.slouch_episodes), sel(pm.sustained_bends),
            sel(pm.holding_violations))


def _needs_auto(option: Any, up: tuple[float, float] | None,
                bend: tuple[float, float] | None) -> bool:
    """Whether ``_calibrate(option, …)`` may run the automatic calibration (which reads the
    whole recording, decimated): not for a nominal or given calibration, nor for windows with
    a bend window."""
    if isinstance(option, str) and option == "nominal":
        return False
    if option is not None and not isinstance(option, str | dict):
        return False  # a Calibration or a matrix
    if up is not None:
        auto_bend = not isinstance(option, dict) or bool(option.get("auto_bend", True))
        return bend is None and auto_bend
    return True


def _rows_of(store: dict[str, list[np.ndarray]], fs: float) -> tuple[Prepared, np.ndarray]:
    """The rows kept for the calibration as prepared samples and their orientation (the
    lists are emptied as they are joined, so that the rows are held once)."""
    g = {}
    for k in list(store):  # per field
        g[k] = _cat(store.pop(k))
    n = len(g.get("time", ()))
    return Prepared(g.get("time", np.zeros(0)), g.get("acc", np.zeros((0, 3))),
                    g.get("gyr", np.zeros((0, 3))), fs, g.get("valid", np.ones(n, bool)),
                    np.zeros(n, bool), np.zeros((0, 2), int)), g.get("quat", np.zeros((0, 4)))


def analyze_chunked(
    path: str | os.PathLike[str] | KyrReader,
    *,
    calibration: Any = None,
    load_kg: float | None = None,
    distance_m: float | None = None,
    max_bridge_s: float = MAX_BRIDGE_S,
    imu_cutoff_hz: float | None = IMU_CUTOFF_HZ,
    slouch_threshold_deg: float | None = None,
    slouch_min_s: float | None = None,
    vqf_params: dict[str, Any] | None = None,
    clip_slips: bool = True,
    chunk_s: float | None = None,
    margin_s: float | None = None,
    overlap_s: float = orientation.OVERLAP_S,
    hip_height_m: float | None = None,
    height_m: float | None = None,
    style_drop: str = "closed",
) -> Analysis:
    """:func:`kyphos.analysis.analyze` of the ``.kyr`` file at ``path`` (same keywords),
    in cores of ``chunk_s`` analysed with ``margin_s`` on both sides, VQF run over
    ``overlap_s`` (at most ``chunk_s``) on both sides (module docstring); None: ``CHUNK_S``,
    ``MARGIN_S``."""
    wearer = wearer_from(hip_height_m, height_m, style_drop)  # checked before any work
    chunk_s = CHUNK_S if chunk_s is None else float(chunk_s)
    margin_s = MARGIN_S if margin_s is None else float(margin_s)
    if not 0 <= overlap_s <= chunk_s:
        raise ValueError(f"overlap_s must be between 0 and chunk_s ({chunk_s:g} s)")
    _tune_malloc()
    reader = path if isinstance(path, KyrReader) else KyrReader(path)
    del path
    if reader.end_s <= chunk_s + 2 * overlap_s:
        raise KyphosError(f"{reader.path}: {reader.end_s:.0f} s is one chunk: use kyphos.load "
                          "and analyze")
    up, bend = calibration_windows(calibration, reader)
    windows = [w for w in (up, bend) if w is not None]
    if _from_session(calibration):  # the later user calibrations' windows too
        windows += [w for u in user_calibrations(reader)[1:] for w in (u.upright, u.bend)
                    if w is not None]
    need_auto = _needs_auto(calibration, up, bend)
    with tempfile.TemporaryDirectory(prefix="kyphos-chunks-") as tmp:
        st = _prepare_pass(reader, chunk_s, max_bridge_s, imu_cutoff_hz, Path(tmp))
        fs = st.fs
        same = len(st.raw_time) == len(st.time) and all(
            r is g for r, g in zip(st.raw_time, st.time, strict=True))
        st.spill.time = _cat(st.time)
        st.time.clear()
        raw_time = st.spill.time if same else _cat(st.raw_time)
        st.raw_time.clear()
        stride = _stride(float(reader.fs or fs), 13.0)
        digest = _Digest(reader, raw_time, {k: _cat(v, (0, 3)) for k, v in st.raw_rows.items()},
                         stride, _cat(st.gaps, (0, 2)))
        st.raw_rows.clear()
        reader.close()  # the index of the file is no longer needed
        del reader
        _trim()
        plausibility.precheck(digest)
        digest.drop("gyr")  # the gyro check is done; assess reads acc
        # the accelerometer's offset from all still postures, as analyze estimates it
        if not isinstance(calibration, (cal.Calibration, np.ndarray)):
            means = _cat([x[0] for x in st.still], (0, 3))
            st.spill.bias = cal.fit_acc_bias(means, _cat([x[1] for x in st.still])).bias
        _vqf_pass(st, chunk_s, overlap_s, windows, need_auto, vqf_params)
        _trim()
        p_win, q_win = _rows_of(st.win_rows, fs)
        # the grid's time is parked on disk while the calibration works (its largest use of
        # memory): the decimated rows' times and validity are taken from it first
        step = _stride(fs, 26.0)
        if need_auto:
            st.cal_rows["time"] = [st.spill.time[::step].copy()]
            st.cal_rows["valid"] = [np.isfinite(st.cal_rows["time"][0])]  # not a separator row
        parked = Path(tmp) / "time.bin"
        st.spill.time.tofile(parked)
        st.spill.time = digest.time = np.zeros(0)
        _trim()
        p_auto, q_auto = _rows_of(st.cal_rows, fs / step)
        _trim()
        c = _calibrate(calibration, cast(Any, digest), p_win, q_win, (p_auto, q_auto))
        c.acc_bias = st.spill.bias
        later = later_mountings(digest, c, p_win.time, p_win.acc, q_win) \
            if _from_session(calibration) else []
        del p_auto, q_auto, p_win, q_win
        _trim()
        st.spill.time = np.fromfile(parked)
        if same:
            digest.time = st.spill.time
        else:
            digest.time = raw_time
        pkw = posture_options(slouch_threshold_deg, slouch_min_s)
        if wearer is not None:  # its lever is set by d.link_m (the calibration bends' window)
            pkw["wearer"] = wearer
        d = _Driver(st, chunk_s, margin_s, c, {"pkw": pkw})
        link0 = d.link_m([])
        done: dict[int, _Core] = {}  # cores whose events pass 2 found (no sitting there)
        probes, kind, still, sit, stand = d.activity_pass([], link0, done)
        users = user_rerefs(later, d.time, probes, c.sensor_from_body)
        rerefs: list[clipslip.ReReference] = find_rerefs_between(
            probes, c, users, d.time, still, fs, (d.motion_rows, fs)) \
            if clip_slips else list(users)
        if rerefs:  # the sitting upright is measured on the re-referenced angles
            done.clear()
            _p, kind, still, sit, stand = d.activity_pass(rerefs)
        c2, turned = cal.standing_upright(c, stand, fs)  # no note: as analyze re-levels
        if turned:
            rerefs, c = turned_rerefs(c, c2, rerefs), c2
            d.c = c
            done.clear()
            _p, kind, still, sit, stand = d.activity_pass(rerefs)
        d.c_events = with_user_bends(c, users, digest)  # the final upright's (no note: re-levelled)
        sit_up = sitting_upright_deg(sit, np.ones(len(sit), bool), fs)
        del sit, kind, still, stand
        link = d.link_m(rerefs) if rerefs or turned else link0
        d.later_levers(users, rerefs)  # each later guided bend's lever from its time on
        f, kind, still, flex = d.event_pass(rerefs, link, sit_up, done)
    # no note: a re-reference from the first row reported as the calibration's own mounting
    c_out, rerefs = opening_reref_folded(d.c_events, rerefs)
    a = _assemble(digest, st, d, c_out, f, kind, still, flex, rerefs, link, sit_up,
                  load_kg, distance_m)
    a.wearer = d.opts["pkw"].get("wearer")
    return a


def _assemble(digest: _Digest, st: _Pass1, d: _Driver, c: Any, f: _Found, kind: np.ndarray,
              still: np.ndarray, flex: np.ndarray, rerefs: list[clipslip.ReReference],
              link: float | None, sit_up: float | None, load_kg: float | None,
              distance_m: float | None) -> Analysis:
    """The :class:`Analysis` of the joined results (the posture totals from the counts)."""
    fs = st.fs
    n = f.counts.get("n", 0)
    zones, lateral, reba = posture_pcts(f.counts) if f.counts else ({}, {}, {})
    slouch_n = sum(int(round((e.end_s - e.start_s) * fs)) + 1 for e in f.slouch)
    score, terms = posture_score(zones, lateral, len(f.holds),
                                 100.0 * slouch_n / n if n else 0.0)
    posture = PostureMetrics(
        measured_s=n / fs if fs else 0.0, zones_pct=zones, lateral_pct=lateral,
        holding_violations=f.holds, reba_trunk_pct=reba, slouch_episodes=f.slouch,
        slouch_pct=round(100.0 * slouch_n / n, 3) if n else 0.0, score=score,
        score_terms=terms, sustained_bends=f.sustained,
        sitting_upright_deg=None if sit_up is None else round(sit_up, 2),
    )
    duration = digest.duration_s
    t = d.time
    valid = np.isfinite(t)
    empty = np.zeros(0)
    angles = Angles(t, flex, empty, empty, empty, empty, empty, valid, np.zeros(0, bool), fs)
    # the velocity terms gathered over the cores, given as one "sample" each (kinematic_risk
    # takes the largest lateral and the mean axial velocity inside lifts)
    risk = kinematic_risk(f.lifts, np.radians(np.array([f.lat_max])),
                          np.radians(np.array([f.ax_sum / f.ax_n if f.ax_n else 0.0])),
                          np.array([True]), duration, load_kg=load_kg, distance_m=distance_m)
    activity = act.Activity(time=t, kind=kind, still=still, height=empty,
                            vertical_velocity=empty, steps_s=_cat(f.steps),
                            transitions=f.transitions, excursions=f.excursions, fs=fs)
    prepared = Prepared(t, np.zeros((0, 3)), np.zeros((0, 3)), fs, valid, _cat(st.masked),
                        runs(valid), _cat(st.grid_gaps, (0, 2)))
    a = Analysis(duration_s=duration, angles=angles, posture=posture, lifts=f.lifts, risk=risk,
                 calibration=c, quat=np.zeros((0, 4)), prepared=prepared,
                 lift_stats=lift_summary(f.lifts, duration), activity=activity,
                 seated_reaches=f.reaches, re_references=rerefs, link_m=link)
    a.validity = plausibility.assess(
        digest, a, d.opts["pkw"].get("slouch_threshold_deg", SLOUCH_THRESHOLD_DEG))
    return a


def long_recording(path: str | os.PathLike[str]) -> KyrReader | None:
    """The reader of a ``.kyr`` file longer than ``AUTO_ABOVE_S`` (what the commands analyse
    in chunks), else None (another format, a short or an unreadable file: the whole path
    reads it and says what is wrong). FileNotFoundError for a missing file."""
    if not str(path).lower().endswith(".kyr"):
        return None
    if not Path(path).exists():
        raise FileNotFoundError(path)
    _tune_malloc()
    try:
        reader = KyrReader(path)
    except (KyphosError, OSError, ValueError):
        return None
    return reader if reader.end_s > AUTO_ABOVE_S else None


def analyze_file(path: str | os.PathLike[str], *, chunked: bool | None = None,
                 load_options: dict[str, Any] | None = None, **options: Any) -> Analysis:
    """The analysis of the recording at ``path`` (``options``: :func:`kyphos.analysis.analyze`'s
    keywords). ``chunked`` None: a ``.kyr`` file longer than ``AUTO_ABOVE_S`` is analysed in
    chunks (:func:`analyze_chunked`: bounded memory, the same results), anything else is loaded
    whole (``kyphos.load(path, **load_options)``) and analysed; True/False force one way."""
    if chunked is None:
        reader = None if load_options else long_recording(path)
        if reader is not None:
            return analyze_chunked(reader, **options)
    elif chunked:
        return analyze_chunked(path, **options)
    from kyphos.analysis import analyze
    from kyphos.recording.load import load

    return analyze(load(path, **(load_options or {})), **options)
