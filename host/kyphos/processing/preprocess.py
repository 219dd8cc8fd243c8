"""Preprocessing: gaps, a uniform time grid, low-pass filters and the vibration mask.

Defaults (see docs/scoring.md, "Preprocessing", for the reasons):

* ``MAX_BRIDGE_S`` = 0.1 s: a gap in the samples up to this long is bridged by linear
  interpolation on the uniform grid; a longer gap is never interpolated. The recording is split
  there into segments; one NaN sample marks the break so that no episode or lift spans it, and
  the gap is listed in :attr:`Prepared.gaps`.
* ``IMU_CUTOFF_HZ`` = 25 Hz: anti-alias / noise low-pass on acc and gyr before orientation
  (capped at 0.4·fs). Trunk motion, even in fast lifts, has its energy well below 10 Hz.
* ``ANGLE_CUTOFF_HZ`` = 5 Hz: low-pass on the trunk angles before differentiation to angular
  velocities (differentiation amplifies noise by 2πf).

Offline filtering is zero-phase (``sosfiltfilt``); live filtering is causal and stateful
(``sosfilt`` with carried ``zi``, see :class:`CausalLowpass`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
from scipy import signal

MAX_BRIDGE_S = 0.1
IMU_CUTOFF_HZ = 25.0
ANGLE_CUTOFF_HZ = 5.0
FILTER_ORDER = 2
#: Relative timestamp jitter below which the samples are taken as already uniform.
JITTER_TOL = 1e-3


def all_finite(x: np.ndarray) -> bool:
    """``np.isfinite(x).all()``, by the sum first: a NaN or infinite entry makes the sum NaN or
    infinite, so a finite sum settles it with one read and no boolean array the size of
    ``x`` (8 h of acc at 104 Hz: 9 M entries); only a sum that is not finite (such an entry,
    or an overflow) is checked entry by entry."""
    a = np.asarray(x)
    if a.dtype.kind in "fc":
        with np.errstate(over="ignore", invalid="ignore"):  # inf − inf, overflow: checked below
            if bool(np.isfinite(a.sum())):
                return True
    return bool(np.isfinite(a).all())


def searchable_time(time: np.ndarray) -> np.ndarray:
    """``np.maximum.accumulate(np.nan_to_num(time, nan=-np.inf))`` (NaN separator rows take the
    time before them, so the rows can be searched), to the bit: ``time`` itself when it is
    finite and non-decreasing (then that is what the two passes give back), with one read and
    no fresh array, else those two passes (8 h at 104 Hz: ~0.06-0.17 s and 48 MB of fresh
    pages against ~0.01 s). Read it only: it may be ``time``."""
    t = np.asarray(time)
    if all_finite(t) and bool(np.all(t[1:] >= t[:-1])):
        return t
    return np.maximum.accumulate(np.nan_to_num(t, nan=-np.inf))


def zero_rows(x: np.ndarray) -> np.ndarray:
    """(N,) ``np.all(x == 0, axis=1)`` of an (N, C) array, column by column: numpy reduces a
    short last axis row by row (8 h of acc at 104 Hz: ~38 ms against ~15 ms)."""
    m = x[:, 0] == 0
    for k in range(1, x.shape[1]):
        m &= x[:, k] == 0
    return m


def finite_rows(x: np.ndarray) -> np.ndarray:
    """(N,) ``np.all(np.isfinite(x), axis=1)`` of an (N, C) array, column by column (see
    :func:`zero_rows`)."""
    m = np.isfinite(x[:, 0])
    for k in range(1, x.shape[1]):
        m &= np.isfinite(x[:, k])
    return m


def row_sq_sums(x: np.ndarray) -> np.ndarray:
    """(N,) ``np.sum(x ** 2, axis=1)`` of an (N, 3) array column by column: (x0² + x1²) + x2²
    in the result and one scratch, the reduction's own operations in its order, so the same
    bits (numpy reduces a short last axis row by row, ~2-4x slower)."""
    n = np.multiply(x[:, 0], x[:, 0])
    t = np.multiply(x[:, 1], x[:, 1])
    n += t
    np.multiply(x[:, 2], x[:, 2], out=t)
    n += t
    return n


def row_norms(x: np.ndarray) -> np.ndarray:
    """(N,) ``np.linalg.norm(x, axis=1)`` of an (N, 3) array: the root of :func:`row_sq_sums`,
    the same bits."""
    n = row_sq_sums(x)
    return np.sqrt(n, out=n)


def runs(mask: np.ndarray) -> np.ndarray:
    """(K, 2) start, stop (exclusive) indices of the runs of True in a 1-D boolean array."""
    m = np.asarray(mask, bool)
    # int8 throughout (a list [0] would make the concatenation int64: 16 B per sample of
    # temporaries instead of 2; issue 17 bounded memory)
    edges = np.diff(m.view(np.int8), prepend=np.int8(0), append=np.int8(0))
    return np.column_stack([np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)])


@dataclass
class Prepared:
    """IMU samples on a uniform grid per segment.

    Attributes:
        time: (N,) s. Uniform within a segment; one NaN row separates segments.
        acc: (N, 3) m/s², sensor frame; rows of zeros where masked (VQF skips zero acc).
        gyr: (N, 3) rad/s, sensor frame.
        fs: sample rate of the grid in Hz.
        valid: (N,) False on the separator rows.
        masked: (N,) True where acc was masked (vibration motor on).
        segments: (S, 2) start, stop row indices (stop exclusive) of each segment.
        gaps: (G, 2) start and end in s of gaps that were not bridged.
    """

    time: np.ndarray
    acc: np.ndarray
    gyr: np.ndarray
    fs: float
    valid: np.ndarray
    masked: np.ndarray
    segments: np.ndarray
    gaps: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))


def estimate_fs(time: np.ndarray, nominal: float | None = None, *,
                steps: np.ndarray | None = None) -> float:
    """Sample rate in Hz from device timestamps (median interval); ``nominal`` if within 2 %.
    ``steps``: ``np.diff(time)`` when the caller has it, all > 0 (not made again: 8 h at
    104 Hz, 24 MB and a pass, and the positive ones' copy)."""
    if steps is None:
        dt = np.diff(time)
        dt = dt[dt > 0]
    else:
        dt = steps
    if len(dt) == 0:
        return float(nominal or 0.0)
    fs = 1.0 / float(np.median(dt))
    if nominal and abs(fs - nominal) / nominal < 0.02:
        return float(nominal)
    return fs


def lowpass_sos(fs: float, cutoff_hz: float, order: int = FILTER_ORDER) -> np.ndarray:
    """Butterworth low-pass as second-order sections; cutoff capped at 0.4·fs."""
    return _butter(float(fs), float(min(cutoff_hz, 0.4 * fs)), int(order), "low").copy()


@functools.lru_cache(maxsize=64)
def _butter(fs: float, wn: float | tuple[float, float], order: int, btype: str) -> np.ndarray:
    """Designed once per (fs, band, order): the live view filters short windows many times a
    second, and the design (zpk → sos) costs more than the filtering."""
    return np.asarray(signal.butter(order, wn, btype=btype, fs=fs, output="sos"))


def bandpass_sos(fs: float, lo_hz: float, hi_hz: float, order: int = FILTER_ORDER) -> np.ndarray:
    """Butterworth band-pass as second-order sections (cached design)."""
    return _butter(float(fs), (float(lo_hz), float(hi_hz)), int(order), "band").copy()


#: Inputs longer than this many samples (plus margins) are low-passed in chunks, so that
#: ``sosfiltfilt``'s temporary copies (several times its input) are bounded by the chunk, not
#: by the recording (issue 17: bounded memory). Each chunk is filtered with a margin on both
#: sides, thrown away, long enough for the filter's slowest pole to decay to LOWPASS_TOL: the
#: result equals one pass over the whole input to about LOWPASS_TOL of its scale.
LOWPASS_CHUNK = 1 << 18  # 42 min at 104 Hz
LOWPASS_TOL = 1e-12


def settle_samples(fs: float, cutoff_hz: float) -> int:
    """Samples after which :func:`lowpass` at ``cutoff_hz`` no longer sees an edge (its slowest
    pole decayed to LOWPASS_TOL, plus the edge padding): a piece filtered with this margin on
    both sides equals the same rows filtered over the whole input."""
    return _settle_samples(float(fs), float(cutoff_hz))


@functools.lru_cache(maxsize=64)
def _settle_samples(fs: float, cutoff_hz: float) -> int:
    """Samples after which the low-pass's slowest pole has decayed to LOWPASS_TOL, plus
    ``sosfiltfilt``'s own edge padding."""
    sos = lowpass_sos(fs, cutoff_hz)
    r = float(np.max(np.abs(signal.sos2zpk(sos)[1])))
    return int(np.ceil(np.log(LOWPASS_TOL) / np.log(r))) + 3 * (2 * len(sos) + 1)


def _filtfilt(sos: np.ndarray, x: np.ndarray, axis: int) -> np.ndarray:
    if x.ndim == 2 and axis in (0, -2):  # filter rows of the transpose: contiguous, no copies
        return np.asarray(signal.sosfiltfilt(sos, np.ascontiguousarray(x.T), axis=-1)).T
    return np.asarray(signal.sosfiltfilt(sos, x, axis=axis))


try:  # the compiled loop ``signal.sosfilt`` runs after copying its input, which filters in place
    from scipy.signal._sosfilt import _sosfilt as _sosfilt_inplace
except ImportError:  # pragma: no cover - another scipy layout: signal.sosfiltfilt instead
    _sosfilt_inplace = None


@functools.lru_cache(maxsize=64)
def _filtfilt_plan(fs: float, cutoff_hz: float) -> tuple[np.ndarray, np.ndarray, int]:
    """The low-pass's sections, their steady-state ``sosfilt_zi`` and ``sosfiltfilt``'s edge
    (its default odd extension: 3 × the taps, less the sections' zero taps)."""
    sos = lowpass_sos(fs, cutoff_hz)
    ntaps = 2 * len(sos) + 1 - min(int((sos[:, 2] == 0).sum()), int((sos[:, 5] == 0).sum()))
    return sos, np.asarray(signal.sosfilt_zi(sos)), 3 * ntaps


def _filtfilt_rows(plan: tuple[np.ndarray, np.ndarray, int], x: np.ndarray,
                   bufs: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """``signal.sosfiltfilt(sos, x.T, axis=-1)`` of ``x`` (L, C), to the bit — the same odd
    extension, initial states, forward and backward passes of scipy's compiled loop — with two
    copies of the rows instead of five: the extension is written straight from ``x`` into the
    first of ``bufs`` (flat, ≥ C·(L + 2·edge), reused chunk after chunk), both passes filter in
    place, the backward one in the second. Returns (C, L), reversed in time (a view: the caller
    reads it backwards)."""
    sos, zi, e = plan
    n_l, c = x.shape
    w = bufs[0][: c * (n_l + 2 * e)].reshape(c, n_l + 2 * e)
    w[:, e : e + n_l] = x.T
    # odd extension: 2·x[0] − x[e], …, 2·x[0] − x[1] before; 2·x[-1] − x[-2], … after
    w[:, :e] = 2 * x[:1].T - x[e:0:-1].T
    w[:, e + n_l :] = 2 * x[-1:].T - x[-2 : -(e + 2) : -1].T
    zf = np.ascontiguousarray(zi[None, :, :] * w[:, :1, None])  # (C, sections, 2)
    _sosfilt_inplace(sos, w, zf)
    zb = np.ascontiguousarray(zi[None, :, :] * w[:, -1:, None])
    back = bufs[1][: w.size].reshape(w.shape)
    np.copyto(back, w[:, ::-1])
    _sosfilt_inplace(sos, back, zb)
    return back[:, e : e + n_l]


def _lowpass_direct(x: np.ndarray, axis: int) -> bool:
    """Whether :func:`lowpass` filters ``x`` through its compiled in-place path (so it can
    write straight into an ``out`` array): 1-D or (N, C) float64 along axis 0."""
    xa = np.asarray(x)
    return (_sosfilt_inplace is not None and xa.ndim in (1, 2) and axis in (0, -xa.ndim)
            and xa.dtype == np.float64)


def lowpass(x: np.ndarray, fs: float, cutoff_hz: float, axis: int = 0, *,
            overwrite_x: bool = False, out: np.ndarray | None = None) -> np.ndarray:
    """Zero-phase low-pass (``sosfiltfilt``) along ``axis``; short inputs are returned as is.
    Long inputs are filtered in chunks with margins (LOWPASS_CHUNK), with the same result.

    1-D and (N, C) inputs along axis 0 go through scipy's compiled filter loop in place
    (:func:`_filtfilt_rows`, the same numbers as ``sosfiltfilt`` to the bit, with fewer copies:
    8 h of acc at 104 Hz in ~0.17 s instead of ~0.3). There, ``overwrite_x`` writes the result
    into ``x`` (returned) instead of a new array: 8 h of acc at 104 Hz is 72 MB fewer to
    allocate and fault in. Each chunk's rows are written once the next chunk has read its
    margin, so the values are the same. ``out``: an array of ``x``'s shape (not ``x``) the
    result is written into (and returned) instead of a new one, with the same values."""
    if out is not None:  # the same values, written where the caller wants them
        got = lowpass(x, fs, cutoff_hz, axis, out=None) if not _lowpass_direct(x, axis) \
            else None
        if got is not None:
            out[...] = got
            return out
    sos = lowpass_sos(fs, cutoff_hz)
    padlen = 3 * (2 * len(sos) + 1)
    n = x.shape[axis]
    if n <= padlen:
        if out is not None:
            out[...] = x
            return out
        return np.array(x, dtype=float)
    margin = _settle_samples(float(fs), float(cutoff_hz))
    xa = np.asarray(x)
    if _sosfilt_inplace is not None and xa.ndim in (1, 2) and axis in (0, -xa.ndim) \
            and xa.dtype == np.float64:
        plan = _filtfilt_plan(float(fs), float(cutoff_hz))
        x2 = xa[:, None] if xa.ndim == 1 else xa
        size = x2.shape[1] * (min(n, LOWPASS_CHUNK + 2 * margin) + 2 * plan[2])
        bufs = (np.empty(size), np.empty(size))
        step = n if n <= LOWPASS_CHUNK + 2 * margin else LOWPASS_CHUNK
        # in place: a chunk's result waits in its own buffer until the next chunk has read
        # the rows it shares with it (its margin; none is longer than a chunk)
        inplace = out is None and overwrite_x and xa.flags.writeable and margin <= step
        given = out
        out = x2 if inplace else np.empty(x2.shape) if given is None else \
            (given[:, None] if given.ndim == 1 else given)
        spare = np.empty(size) if inplace and step < n else None
        pending: tuple[int, int, np.ndarray] | None = None
        for c0 in range(0, n, step):  # one filtfilt per chunk, over its margins too
            c1 = min(n, c0 + step)
            e0, e1 = (max(0, c0 - margin), min(n, c1 + margin)) if step < n else (0, n)
            back = _filtfilt_rows(plan, x2[e0:e1], bufs)  # reversed in time
            r0, r1 = e1 - c1, e1 - c0  # rows c1-1 … c0 of the chunk, backwards
            if pending is not None:
                out[pending[0] : pending[1]] = pending[2]
            if spare is None:
                out[c0:c1] = back[:, r0:r1][:, ::-1].T
            else:
                pending = (c0, c1, back[:, r0:r1][:, ::-1].T)
                bufs, spare = (bufs[0], spare), bufs[1]
        if pending is not None:
            out[pending[0] : pending[1]] = pending[2]
        if inplace:
            return xa
        if given is not None:
            return given
        return out if xa.ndim == 2 else out[:, 0]
    if n <= LOWPASS_CHUNK + 2 * margin:
        return _filtfilt(sos, x, axis)
    xs = np.moveaxis(xa, axis, 0)
    out = np.empty(xs.shape, float)
    for c0 in range(0, n, LOWPASS_CHUNK):  # one filtfilt per chunk, over its margins too
        c1 = min(n, c0 + LOWPASS_CHUNK)
        e0, e1 = max(0, c0 - margin), min(n, c1 + margin)
        out[c0:c1] = _filtfilt(sos, xs[e0:e1], 0)[c0 - e0 : c1 - e0]
    return np.moveaxis(out, 0, axis)


class CausalLowpass:
    """Stateful causal Butterworth low-pass (``sosfilt`` with carried state) for live chunks.

    The state starts at steady state for the first sample, so a constant input passes unchanged.
    """

    def __init__(self, fs: float, cutoff_hz: float, channels: int) -> None:
        self.sos = lowpass_sos(fs, cutoff_hz)
        self.channels = channels
        self._zi: np.ndarray | None = None

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Filter a (n, channels) chunk and return the (n, channels) output."""
        x = np.asarray(x, dtype=float).reshape(-1, self.channels)
        if len(x) == 0:
            return x
        if self._zi is None:
            zi0 = signal.sosfilt_zi(self.sos)  # (sections, 2)
            self._zi = zi0[:, :, None] * x[0][None, None, :]
        y, self._zi = signal.sosfilt(self.sos, x, axis=0, zi=self._zi)
        return np.asarray(y)

    def shift(self, d: np.ndarray) -> None:
        """Move the carried state as if every past input had been ``d`` ((channels,)) higher:
        the filter is linear with unit DC gain, so a step ``d`` at steady state is a step
        ``d · sosfilt_zi`` in its state (nothing to move before the first chunk)."""
        if self._zi is not None:
            self._zi = self._zi + signal.sosfilt_zi(self.sos)[:, :, None] \
                * np.asarray(d, float).reshape(1, 1, -1)


def haptic_intervals(events: np.ndarray, end_time: float) -> np.ndarray:
    """(K, 2) intervals between HAPTIC_ON (kind 4) and HAPTIC_OFF (kind 5) events, in s."""
    if len(events) == 0:
        return np.zeros((0, 2))
    order = np.argsort(events["time"], kind="stable")
    ev = events[order]
    out: list[tuple[float, float]] = []
    start: float | None = None
    for t, kind in zip(ev["time"], ev["kind"], strict=True):  # events are few
        if kind == 4 and start is None:
            start = float(t)
        elif kind == 5 and start is not None:
            out.append((start, float(t)))
            start = None
    if start is not None:
        out.append((start, end_time))
    return np.array(out, dtype=float).reshape(-1, 2)


def in_intervals(t: np.ndarray, intervals: np.ndarray, pad_s: float = 0.0) -> np.ndarray:
    """Boolean mask: t inside any of the (K, 2) intervals, widened by ``pad_s`` on each side.

    NaN times are False (as -inf would be: ``searchsorted`` puts NaN after every start and
    ``NaN <= end`` is False), so callers need no ``nan_to_num`` copy of the time axis.

    A time axis in order (NaN separator rows aside: the analysis grid) is marked from each
    interval's first and last row (two searches per interval and one cumulative sum: 8 h at
    104 Hz with 2,400 lifts in ~0.03 s instead of ~0.07); any other axis by bisecting every
    sample among the intervals. The same mask either way."""
    if len(intervals) == 0:
        return np.zeros(len(t), bool)
    iv = np.asarray(intervals, float)
    fast = _in_intervals_sorted(np.asarray(t, float), iv, pad_s)
    return fast if fast is not None else _in_intervals_bisect(t, iv, pad_s)


def _in_intervals_bisect(t: np.ndarray, iv: np.ndarray, pad_s: float) -> np.ndarray:
    """:func:`in_intervals` for any time axis: each sample bisected among the intervals."""
    iv = iv[np.argsort(iv[:, 0])]
    starts = iv[:, 0] - pad_s
    ends = np.maximum.accumulate(iv[:, 1] + pad_s)
    k = np.searchsorted(starts, t, side="right") - 1
    ok = k >= 0
    out = np.zeros(len(t), bool)
    out[ok] = t[ok] <= ends[k[ok]]
    return out


def _in_intervals_sorted(t: np.ndarray, iv: np.ndarray, pad_s: float) -> np.ndarray | None:
    """:func:`in_intervals` for a time axis in non-decreasing order apart from NaN rows (None
    for any other axis, or a NaN interval bound: the caller bisects)."""
    n = len(t)
    if n == 0 or not bool(np.isfinite(iv).all()):
        return None
    nan = np.isnan(t)
    nan_rows = np.flatnonzero(nan)
    tf = t
    if len(nan_rows):  # a NaN row takes the time before it (-inf at the start): in order
        tf = t.copy()
        if len(nan_rows) <= 4096:
            for i in nan_rows.tolist():
                tf[i] = tf[i - 1] if i else -np.inf
        else:
            last = np.where(nan, 0, np.arange(n))
            np.maximum.accumulate(last, out=last)
            tf = t[last]
            tf[np.isnan(tf)] = -np.inf
    if not bool(np.all(tf[1:] >= tf[:-1])):
        return None
    i0 = np.searchsorted(tf, iv[:, 0] - pad_s, "left")  # first row at or after the start
    i1 = np.searchsorted(tf, iv[:, 1] + pad_s, "right")  # first row after the end
    keep = i1 > i0
    d = np.zeros(n + 1, np.int32)
    np.add.at(d, i0[keep], 1)
    np.add.at(d, i1[keep], -1)
    # summed in place in int32 (np.cumsum would make an int64 copy: 24 MB fresh at 8 h,
    # 104 Hz); the depths are counts of intervals, far inside int32
    out = np.cumsum(d[:-1], out=d[:-1]) > 0
    if len(nan_rows):
        out[nan_rows] = False
    return out


def _split_points(time: np.ndarray, max_bridge_s: float, extra_gaps: np.ndarray,
                  steps: np.ndarray | None = None) -> np.ndarray:
    """Indices i where a gap longer than the bridge limit lies between samples i-1 and i
    (``steps``: ``np.diff(time)`` when the caller has it)."""
    dt = np.diff(time) if steps is None else steps
    split = dt > max_bridge_s
    if len(extra_gaps):
        # loader-reported gaps (lost samples) longer than the bridge limit
        for g0, g1 in np.asarray(extra_gaps, float).reshape(-1, 2):
            if g1 - g0 > max_bridge_s:
                i = int(np.searchsorted(time, g1, side="left"))
                if 0 < i < len(time):
                    split[i - 1] = True
    return np.flatnonzero(split) + 1


def prepare(
    time: np.ndarray,
    acc: np.ndarray,
    gyr: np.ndarray,
    fs: float | None = None,
    *,
    haptic: np.ndarray | None = None,
    gaps: np.ndarray | None = None,
    max_bridge_s: float = MAX_BRIDGE_S,
    cutoff_hz: float | None = IMU_CUTOFF_HZ,
    mask_pad_s: float = 0.05,
    overwrite: bool = False,
) -> Prepared:
    """Bring raw samples onto a uniform grid, filter them and mask vibration.

    Args:
        time: (N,) device time in s, increasing.
        acc: (N, 3) m/s². gyr: (N, 3) rad/s.
        fs: nominal rate in Hz; estimated from ``time`` when None or off by > 2 %.
        haptic: (N,) True for samples taken while the vibration motor ran.
        gaps: (G, 2) loader-reported gaps in s.
        max_bridge_s: longest gap bridged by interpolation, s.
        cutoff_hz: zero-phase low-pass cutoff for acc and gyr; None for no filter.
        mask_pad_s: the vibration mask is widened by this much on both sides (motor spin-up and
            run-down).
        overwrite: ``acc`` and ``gyr`` are the caller's to overwrite (rows built for this call,
            as a loaded session's): they are low-passed in place, not copied (8 h at 104 Hz:
            2 × 72 MB fewer to allocate).

    Returns:
        :class:`Prepared`.
    """
    time = np.asarray(time, float)
    acc = np.asarray(acc, float)
    gyr = np.asarray(gyr, float)
    if len(time) < 2:
        raise ValueError("need at least two samples")
    # strictly increasing (the usual case): the stable sort is the identity and nothing is
    # dropped, so skip the argsort and the three fancy-index copies (~0.3 s on 8 h at 104 Hz)
    keep: np.ndarray | slice = slice(None)
    d_t = np.diff(time)  # made once for the rate and the splits too
    steps: np.ndarray | None = d_t
    if not bool(np.all(d_t > 0)):
        steps = None
        order = np.argsort(time, kind="stable")
        if np.any(order != np.arange(len(time))):
            time, acc, gyr = time[order], acc[order], gyr[order]
            if haptic is not None:
                haptic = np.asarray(haptic)[order]
        keep = np.concatenate([[True], np.diff(time) > 0])  # duplicated timestamps
        time, acc, gyr = time[keep], acc[keep], gyr[keep]
    fs = estimate_fs(time, fs, steps=steps)
    dt = 1.0 / fs
    splits = _split_points(time, max_bridge_s, np.zeros((0, 2)) if gaps is None else gaps,
                           steps)
    del steps, d_t
    bounds = np.concatenate([[0], splits, [len(time)]])

    hap_iv = np.zeros((0, 2))
    if haptic is not None and np.any(haptic):
        r = runs(np.asarray(haptic, bool)[keep])
        hap_iv = np.column_stack([time[r[:, 0]], time[r[:, 1] - 1]])

    t_parts, a_parts, g_parts, v_parts, seg_rows, gap_list = [], [], [], [], [], []
    row = 0
    for s0, s1 in zip(bounds[:-1], bounds[1:], strict=True):  # one iteration per segment
        ts, as_, gs = time[s0:s1], acc[s0:s1], gyr[s0:s1]
        # already uniform (to the device clock's own rate, within 0.1 %)? keep the samples
        span = ts[-1] - ts[0]
        uniform = len(ts) > 1 and abs(span / (len(ts) - 1) - dt) < JITTER_TOL * dt
        if uniform:  # |ts - (ts[0] + k·step)| in one scratch array (8 h: 3 M rows)
            fit = np.arange(len(ts), dtype=float)
            fit *= span / max(len(ts) - 1, 1)
            fit += ts[0]
            np.subtract(ts, fit, out=fit)
            np.abs(fit, out=fit)
            uniform = float(np.max(fit)) < 0.05 * dt
        if uniform:
            grid, n = ts, len(ts)
            ag, gg = as_, gs
        else:
            n = int(np.floor((ts[-1] - ts[0]) / dt + 1e-6)) + 1
            grid = ts[0] + np.arange(n) * dt
            ag = np.column_stack([np.interp(grid, ts, as_[:, k]) for k in range(3)])
            gg = np.column_stack([np.interp(grid, ts, gs[:, k]) for k in range(3)])
        if cutoff_hz:  # resampled rows are this call's own too
            ag = lowpass(ag, fs, cutoff_hz, overwrite_x=overwrite or not uniform)
            gg = lowpass(gg, fs, cutoff_hz, overwrite_x=overwrite or not uniform)
        t_parts.append(grid)
        a_parts.append(ag)
        g_parts.append(gg)
        v_parts.append(np.ones(n, bool))
        seg_rows.append((row, row + n))
        row += n
        if s1 < len(time):  # separator row
            gap_list.append((float(ts[-1]), float(time[s1])))
            t_parts.append(np.array([np.nan]))
            a_parts.append(np.full((1, 3), np.nan))
            g_parts.append(np.full((1, 3), np.nan))
            v_parts.append(np.zeros(1, bool))
            row += 1
    t_all = np.concatenate(t_parts)
    if len(a_parts) == 1 and cutoff_hz and a_parts[0].flags.c_contiguous and g_parts[0].flags.c_contiguous:
        # one segment, filtered in chunks: the output is already fresh and row-major
        a_all, g_all = a_parts[0], g_parts[0]
    else:
        a_all = np.concatenate(a_parts)
        g_all = np.concatenate(g_parts)
    valid = np.concatenate(v_parts)
    if len(hap_iv):
        masked = valid & in_intervals(t_all, hap_iv, mask_pad_s)
        a_all[masked] = 0.0
    else:  # no vibration: nothing masked (skips a full-length copy of the time axis)
        masked = np.zeros(len(t_all), bool)
    return Prepared(
        time=t_all,
        acc=a_all,
        gyr=g_all,
        fs=fs,
        valid=valid,
        masked=masked,
        segments=np.array(seg_rows, dtype=np.int64).reshape(-1, 2),
        gaps=np.array(gap_list, float).reshape(-1, 2),
    )
