"""Activity context from one upper-back IMU: still periods, sensor height, steps and walking,
sit/stand transitions, lying, and the per-sample activity of the day.

Stages (each a function of arrays; every threshold is in :mod:`kyphos.processing.params`):

1. :func:`still_mask` — (N,) True where the trunk is still: |gyr| and the deviation of |acc|
   from g both small over ``STILL_MIN_S``. A still sensor has zero velocity.
2. :func:`vertical_track` — the sensor's height (m) from earth-vertical free acceleration,
   double-integrated between still periods only (zero-velocity updates, as in foot-mounted
   pedestrian dead reckoning: Foxlin 2005, doi:10.1109/MCG.2005.140). The vertical error over a
   movement is modelled as ``c0 + c1·sin θ`` (θ = trunk tilt), fitted to the mean vertical
   acceleration in the still windows at both ends and to zero net velocity; the height is held
   while still. Walking is not integrated (no still periods; level walking is assumed).
3. :func:`find_steps` — step instants: peaks of band-passed vertical acceleration (the vertical
   bob of the trunk peaks once per step; Zijlstra & Hof 2003, doi:10.1016/S0966-6362(02)00190-X)
   that form a regular train (``WALK_MIN_STEPS`` in a row, intervals within
   ``STEP_INTERVAL_S`` and ratio of neighbours within ``STEP_REGULARITY``).
4. :func:`classify` — per-sample kind: walking (between the first and last step of a train,
   padded by half a step), lying (trunk tilted ≥ ``LYING_TILT_DEG`` from vertical for
   ``LYING_MIN_S``), transition (a movement between still periods whose net height change
   exceeds ``TRANSITION_RISE_M``: a sit-to-stand rises, a stand-to-sit drops), and sitting or
   standing for the rest: the posture after a drop is sitting, after a rise or a walk standing;
   before the first such evidence the posture is inferred backwards from it (standing if there
   is none at all). The rise out of a lie is no sit-to-stand (one gets up through sitting):
   the posture after a lie is read from the height it returns to (:func:`_resolve_get_ups`).

Kinds: ``"lying"``, ``"sitting"``, ``"standing"``, ``"walking"``, ``"transition"``.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy import signal

from kyphos.processing import params as P
from kyphos.processing.preprocess import (
    all_finite,
    bandpass_sos,
    lowpass,
    row_norms,
    runs,
    zero_rows,
)

KINDS = ("standing", "sitting", "walking", "lying", "transition")
STANDING, SITTING, WALKING, LYING, TRANSITION = range(5)
G = 9.81


@dataclass
class Transition:
    """A sit-to-stand (``"sit_to_stand"``) or stand-to-sit (``"stand_to_sit"``) transition, or
    the same movement into a lie (``"lie_down"``) or out of one (``"get_up"``)."""

    start_s: float
    end_s: float
    kind: str
    rise_m: float


@dataclass
class Activity:
    """Activity of a session.

    Attributes:
        time: (N,) s. kind: (N,) int8 index into :data:`KINDS` (−1 on gap rows).
        still: (N,) bool. height: (N,) m, sensor height relative to the start (NaN on gaps).
        vertical_velocity: (N,) m/s from the same integration (0 while still).
        steps_s: times of the detected steps, s.
        transitions: sit/stand transitions.
        excursions: lowerings of the sensor that come back to their starting height within
            ``EXCURSION_MAX_S``: (start index, stop index, largest drop in m).
        fs: Hz.
    """

    time: np.ndarray
    kind: np.ndarray
    still: np.ndarray
    height: np.ndarray
    vertical_velocity: np.ndarray
    steps_s: np.ndarray
    transitions: list[Transition] = field(default_factory=list)
    excursions: list[tuple[int, int, float]] = field(default_factory=list)
    fs: float = 0.0
    #: (N,) the kind as the rule before the get-up rule (up to 76b55ff) made it, where it
    #: differs (None: the same as ``kind``): the rise out of a lie a sit-to-stand, so the sit
    #: after a lie standing. Clip-slip placement was tuned on it and reads it
    #: (:meth:`kind_for_slips`): with ``kind`` there, a slip in a tie across a lie is placed
    #: at the lie's start (validation 5027 @104: 1.24 -> 2.63 deg flexion RMSE)
    slip_kind: np.ndarray | None = None

    def kind_for_slips(self) -> np.ndarray:
        """The kind clip slip's reference postures are read from (:attr:`slip_kind`)."""
        return self.kind if self.slip_kind is None else self.slip_kind

    @property
    def steps(self) -> int:
        return int(len(self.steps_s))

    def intervals(self) -> list[dict[str, Any]]:
        """Runs of one kind as ``{"start_s", "end_s", "kind"}``."""
        out: list[dict[str, Any]] = []
        k = self.kind
        if len(k) == 0:
            return out
        edges = np.flatnonzero(np.diff(k)) + 1
        starts = np.concatenate([[0], edges])
        ends = np.concatenate([edges, [len(k)]])
        for a, b in zip(starts, ends, strict=True):  # per run of one kind
            if k[a] < 0:
                continue
            out.append({"start_s": round(float(self.time[a]), 3),
                        "end_s": round(float(self.time[b - 1]), 3), "kind": KINDS[int(k[a])]})
        return out

    def pct(self) -> dict[str, float]:
        """Share of valid time in each kind, %."""
        ok = self.kind >= 0
        n = int(np.count_nonzero(ok))
        return {name: round(100.0 * float(np.count_nonzero(self.kind == i)) / n, 2) if n else 0.0
                for i, name in enumerate(KINDS)}

    def cadence_spm(self) -> float | None:
        """Median cadence while walking, steps/min."""
        d = np.diff(self.steps_s)
        d = d[(d >= P.STEP_INTERVAL_S[0]) & (d <= P.STEP_INTERVAL_S[1])]
        return round(60.0 / float(np.median(d)), 1) if len(d) else None

    def mask(self, *kinds: str) -> np.ndarray:
        """(N,) True where the activity is one of ``kinds``."""
        return np.isin(self.kind, [KINDS.index(k) for k in kinds])

    def to_dict(self) -> dict[str, Any]:
        return {
            "intervals": self.intervals(),
            "pct": self.pct(),
            "steps": self.steps,
            "cadence_spm": self.cadence_spm(),
            "transitions": [
                {"start_s": round(tr.start_s, 3), "end_s": round(tr.end_s, 3), "kind": tr.kind,
                 "rise_m": round(tr.rise_m, 3)} for tr in self.transitions
            ],
        }


def _finite(x: np.ndarray) -> np.ndarray:
    """``x`` with NaN as 0, without a copy when it has none (the usual case)."""
    return x if all_finite(x) else np.nan_to_num(x)


def _norm_rows(x: np.ndarray, valid: np.ndarray | None) -> np.ndarray:
    """(N,) |row| of a finite (N, 3) array, 0 on rows not ``valid`` (the same numbers as
    ``np.linalg.norm(np.where(valid[:, None], x, 0), axis=1)`` without the (N, 3) copy)."""
    n = row_norms(x)  # two fresh (N,) arrays instead of five
    if valid is not None:
        n[~valid] = 0.0
    return n


def still_mask(acc: np.ndarray, gyr: np.ndarray, fs: float,
               valid: np.ndarray | None = None) -> np.ndarray:
    """(N,) True where |gyr| < ``STILL_GYR_DPS`` and |acc| stays within ``STILL_ACC`` of its
    slow level (low-passed at ``STILL_BASELINE_HZ``), in runs of at least ``STILL_MIN_S``
    (both low-passed at 2 Hz first). acc m/s², gyr rad/s, (N, 3)."""
    n = len(acc)
    all_valid = valid is None or bool(np.all(valid))
    valid = np.ones(n, bool) if valid is None else np.asarray(valid, bool)
    vrow = None if all_valid else valid
    # each low-pass and difference in its input's own array (the norms are this call's): the
    # same values, four fresh (N,) arrays fewer
    gn = lowpass(_norm_rows(_finite(gyr), vrow), fs, 2.0, overwrite_x=True)
    # deviation of |acc| from its slow level (not from g: the chip's scale and bias errors
    # shift |acc| by ~0.2 m/s²), smoothed: fast accelerations are movement
    an_lp = lowpass(_norm_rows(_finite(acc), vrow), fs, 2.0, overwrite_x=True)
    # the 0.1 Hz level is computed at ~4 Hz and interpolated back (it changes slowly)
    q = max(1, int(fs // 4))
    i_q = np.arange(0, n, q)
    # block by block into one array: np.interp gives each row its value alone (its bracket,
    # the same slope), so the same values without the full-length rows (int64, and their
    # float64 copy np.interp made: 48 MB fresh at 8 h)
    lp = lowpass(an_lp[::q], fs / q, P.STILL_BASELINE_HZ)
    level = np.empty(n)
    for s0 in range(0, n, _INTERP_BLOCK):
        s1 = min(n, s0 + _INTERP_BLOCK)
        level[s0:s1] = np.interp(np.arange(s0, s1, dtype=float), i_q, lp)
    del lp
    ad = np.abs(np.subtract(an_lp, level, out=level), out=level)
    st = valid & (gn < np.radians(P.STILL_GYR_DPS))
    st &= ad < P.STILL_ACC
    st &= ~zero_rows(acc)
    return _long_runs(st, max(2, int(P.STILL_MIN_S * fs)))


#: Rows per block of :func:`still_mask`'s interpolated slow level (own choice: cache-sized).
_INTERP_BLOCK = 1 << 16


def _long_runs(mask: np.ndarray, min_len: int) -> np.ndarray:
    """(N,) True inside the runs of True of ``mask`` at least ``min_len`` long (vectorised)."""
    r = runs(mask)
    r = r[(r[:, 1] - r[:, 0]) >= min_len]
    d = np.zeros(len(mask) + 1, np.int32)
    np.add.at(d, r[:, 0], 1)
    np.add.at(d, r[:, 1], -1)
    # summed in int32 in d's own array (np.cumsum would make an int64 one): the same counts
    return np.cumsum(d[:-1], out=d[:-1]) > 0


def _cumtrapz(x: np.ndarray, dt: float) -> np.ndarray:
    return np.concatenate([[0.0], np.cumsum(0.5 * (x[1:] + x[:-1])) * dt])


def integrate_movement(az: np.ndarray, tilt: np.ndarray, fs: float, k0: int, k1: int
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Height (m, 0 at the start) and vertical velocity (m/s) over one movement.

    ``az`` earth-vertical free acceleration (m/s²), ``tilt`` trunk tilt (rad), both covering the
    movement with ``k0`` / ``k1`` still samples at its start / end (0 where the movement starts
    or ends at a walk, which has no still window). Error model ``c0 + c1·sin tilt``: the mean of
    ``az`` over each still end is its error there, and the velocity must end at zero.
    """
    n = len(az)
    dt = 1.0 / fs
    s = np.sin(np.clip(tilt, 0.0, None))
    rows = [[1.0, float(np.mean(s))]]
    y = [float(np.mean(az))]
    for sl in ([slice(0, k0)] if k0 else []) + ([slice(n - k1, n)] if k1 else []):
        rows.append([1.0, float(np.mean(s[sl]))])
        y.append(float(np.mean(az[sl])))
    a = np.array(rows)
    if len(rows) < 3:  # one still end: a constant error only
        a = a[:, :1]
    c = np.linalg.lstsq(a, np.array(y), rcond=None)[0]
    e = az - c[0] - (c[1] * s if len(c) > 1 else 0.0)
    v = _cumtrapz(e, dt)
    v = v - np.linspace(0.0, v[-1], n)  # what the model leaves: spread linearly
    return _cumtrapz(v, dt), v


def _integrate_batch(az: np.ndarray, s: np.ndarray, fs: float, w0: np.ndarray, w1: np.ndarray,
                     k0: np.ndarray, k1: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`integrate_movement` for many movements at once (vectorised; windows may share
    samples). ``s`` = sin(clip(tilt, 0)). Returns (heights, velocities) concatenated window
    after window, and each window's offset into them."""
    dt = 1.0 / fs
    ln = w1 - w0
    off = np.cumsum(ln) - ln
    tot = int(ln.sum())
    seg = np.repeat(np.arange(len(ln)), ln)
    idx = np.arange(tot) - off[seg] + w0[seg]
    ax, sx = az[idx], s[idx]

    def csum(x: np.ndarray) -> np.ndarray:
        return np.concatenate([[0.0], np.cumsum(x)])

    ca, cs = csum(ax), csum(sx)
    end = off + ln
    m_all = (cs[end] - cs[off]) / ln
    y_all = (ca[end] - ca[off]) / ln
    has0, has1 = k0 > 0, k1 > 0
    k0s, k1s = np.maximum(k0, 1), np.maximum(k1, 1)
    m0 = np.where(has0, (cs[off + k0s] - cs[off]) / k0s, 0.0)
    y0 = np.where(has0, (ca[off + k0s] - ca[off]) / k0s, 0.0)
    m1 = np.where(has1, (cs[end] - cs[end - k1s]) / k1s, 0.0)
    y1 = np.where(has1, (ca[end] - ca[end - k1s]) / k1s, 0.0)
    # least squares of [1, m]·c = y over the rows present (normal equations)
    w0_, w1_ = has0.astype(float), has1.astype(float)
    s11 = 1.0 + w0_ + w1_
    s12 = m_all + w0_ * m0 + w1_ * m1
    s22 = m_all**2 + w0_ * m0**2 + w1_ * m1**2
    b1 = y_all + w0_ * y0 + w1_ * y1
    b2 = m_all * y_all + w0_ * m0 * y0 + w1_ * m1 * y1
    det = s11 * s22 - s12**2
    full = (s11 > 2.5) & (det > 1e-12)
    c0 = np.where(full, (s22 * b1 - s12 * b2) / np.where(full, det, 1.0), b1 / s11)
    c1 = np.where(full, (s11 * b2 - s12 * b1) / np.where(full, det, 1.0), 0.0)
    e = ax - c0[seg] - c1[seg] * sx

    def seg_cumtrapz(x: np.ndarray) -> np.ndarray:
        inc = np.empty_like(x)
        inc[0] = 0.0
        inc[1:] = 0.5 * (x[1:] + x[:-1]) * dt
        inc[off] = 0.0  # each window starts from 0
        g = np.cumsum(inc)
        return np.asarray(g - g[off][seg])

    k_in = (np.arange(tot) - off[seg]) / np.maximum(ln - 1, 1)[seg]
    v = seg_cumtrapz(e)
    v = v - v[end - 1][seg] * k_in  # what the model leaves: spread linearly
    return seg_cumtrapz(v), v, off


def _settle_from(az: np.ndarray, rows: np.ndarray, still_runs: np.ndarray, k: int
                 ) -> np.ndarray:
    """For each of ``rows``, the first row j at or after it whose ``k``-row window [j, j + k)
    lies in the row's run of ``still_runs`` ((R, 2) start / stop, sorted) with every ``az``
    row within ``STILL_END_SETTLE_ACC`` of the window's mean; the row where there is none.

    Only the runs' rows from each row on are read, a stretch at a time (``_SETTLE_SPAN`` window
    starts, doubled each round for the rows not yet settled): the first settled window follows
    a movement's end by a fraction of a second, and reading every window of the day cost ~0.3 s
    on the 8-h walking day (``bench/bench_analysis.py --walking-day``). A window's mean is
    summed row by row in its order and its max |row - mean| taken as max(max - mean, mean -
    min) (x - m rounds monotonically in x): the same bits wherever the window is read from."""
    rows = np.asarray(rows, int)
    out = rows.copy()
    if len(az) < k or not len(still_runs) or not len(rows):
        return out
    i_run = np.searchsorted(still_runs[:, 0], rows, side="right") - 1
    inside = (i_run >= 0) & (rows < still_runs[np.maximum(i_run, 0), 1])
    q = np.flatnonzero(inside)
    frm = rows[q]
    last = still_runs[i_run[q], 1] - k + 1  # window starts in [frm, last)
    span = _SETTLE_SPAN
    while True:
        keep = frm < last
        q, frm, last = q[keep], frm[keep], last[keep]
        if not len(q):
            return out
        nw = np.minimum(last - frm, span)  # window starts read this round, per row
        ln = nw + k - 1  # rows read
        off = np.cumsum(ln) - ln
        seg = np.repeat(np.arange(len(q)), ln)
        idx = np.arange(int(ln.sum())) - off[seg] + frm[seg]
        x = az[idx]
        m = len(x) - k + 1
        # k shifted slices (no (N, k) temporaries): each window's sum in its rows' order
        tot, hi, lo = x[:m].copy(), x[:m].copy(), x[:m].copy()
        for j in range(1, k):
            tot += x[j:j + m]
            np.maximum(hi, x[j:j + m], out=hi)
            np.minimum(lo, x[j:j + m], out=lo)
        tot /= k
        ok = np.maximum(hi - tot, tot - lo) < P.STILL_END_SETTLE_ACC
        ok &= (np.arange(m) - off[seg[:m]]) < nw[seg[:m]]  # windows inside one row's stretch
        hit = np.flatnonzero(ok)
        g, first = np.unique(seg[hit], return_index=True)  # each row's first settled window
        out[q[g]] = idx[hit[first]]
        frm = frm + nw
        frm[g] = last[g]  # settled: done
        span *= 2


#: window starts :func:`_settle_from` reads per row in its first round (doubled each round)
_SETTLE_SPAN = 64


def vertical_track(az: np.ndarray, tilt: np.ndarray, still: np.ndarray, fs: float,
                   valid: np.ndarray | None = None, walking: np.ndarray | None = None
                   ) -> tuple[np.ndarray, np.ndarray]:
    """(height m, vertical velocity m/s), each (N,): zero-velocity-updated integration of
    ``az`` (m/s², + up) between still periods; NaN on invalid rows; held through walking
    (a walk's end counts as a zero-velocity point: gait slows to a stop).

    ``tilt`` (N,) rad is the trunk's tilt from vertical (the error model's shape). Each
    movement is :func:`integrate_movement`; all are computed at once (:func:`_integrate_batch`).
    """
    n = len(az)
    valid = np.ones(n, bool) if valid is None else np.asarray(valid, bool)
    walking = np.zeros(n, bool) if walking is None else np.asarray(walking, bool)
    h = np.full(n, np.nan)
    vel = np.zeros(n)
    az = _finite(az)
    s = np.sin(np.clip(_finite(tilt), 0.0, None))
    k = max(2, int(0.15 * fs))
    still_runs = runs(still & valid)
    own = False
    moves: list[tuple[int, int, int, int, int, int]] = []  # (s0, s1, a, b, k0, k1)
    for s0, s1 in runs(valid):  # per segment between gaps
        mv = runs(~(still[s0:s1] | walking[s0:s1])) + s0
        if not len(mv):
            continue
        a_, b_ = mv[:, 0], mv[:, 1]
        walk_before = (a_ > s0) & walking[np.maximum(a_ - 1, 0)]
        walk_after = (b_ < s1) & walking[np.minimum(b_, n - 1)]
        k0 = np.where(walk_before, 0, np.minimum(k, a_ - s0))
        # the zero-velocity window after the movement: where the raw acceleration has settled
        # (after a landing's ring), else at the still run's start as before
        # (a still run lies in one segment: this segment's rows are read before they are set)
        b_set = _settle_from(az, np.minimum(b_, n - 1), still_runs, k)
        late = ~walk_after & (b_ < s1) & (b_set > b_) & (b_set + k <= s1)
        if late.any() and not own:
            az, own = az.copy(), True  # the caller's array is left as it was
        for x, y in zip(b_[late], b_set[late], strict=True):
            # the ring's rows, sampled a few times a cycle, do not integrate to its zero net
            # velocity: the still body's rows carry the settled window's level instead
            az[x:y] = np.mean(az[y : y + k])
        b_ = np.where(late, b_set, b_)
        k1 = np.where(walk_after, 0, np.where(late, k, np.minimum(k, s1 - b_)))
        moves += [(int(s0), int(s1), int(x), int(y), int(z), int(w))
                  for x, y, z, w in zip(a_, b_, k0, k1, strict=True)]
    use = [m for m in moves if not ((m[4] == 0 and m[5] == 0) or m[3] - m[2] < 2)]
    if use:
        u = np.array(use, int)
        p_all, v_all, off = _integrate_batch(az, s, fs, u[:, 2] - u[:, 4], u[:, 3] + u[:, 5],
                                             u[:, 4], u[:, 5])
    j = 0
    seg_end: dict[int, int] = {}
    cur = 0.0
    pos = -1
    s_prev = -1
    for g0, g1, a, b, q0, q1 in moves:  # per movement, in time order: place its height
        if g0 != s_prev:
            if s_prev >= 0:
                h[pos:seg_end[s_prev]] = cur
            cur, pos, s_prev = 0.0, g0, g0
            seg_end[g0] = g1
        h[pos:a] = cur
        if (q0 == 0 and q1 == 0) or b - a < 2:
            pos = a
            continue
        a0, b1 = a - q0, b + q1
        o = int(off[j])
        p = p_all[o : o + (b1 - a0)]
        h[a0:b1] = cur + p
        vel[a0:b1] = v_all[o : o + (b1 - a0)]
        cur = cur + float(p[-1])
        pos = b1
        j += 1
    if s_prev >= 0:
        h[pos:seg_end[s_prev]] = cur
    for s0, s1 in runs(valid):  # segments without any movement: height 0 throughout
        if s0 not in seg_end:
            h[s0:s1] = 0.0
    return h, vel


class StepBand:
    """:func:`find_steps`' reading of ``az`` that the tilt does not enter: the 0.5–3.5 Hz
    band-pass, its peaks above ``STEP_MIN_ACC`` (before the tilt's cut) and, made when first
    asked for, the band-passed double integral whose lows count the steps."""

    def __init__(self, az: np.ndarray, fs: float, valid: np.ndarray | None) -> None:
        x = np.where(np.isfinite(az), az, 0.0)
        if valid is not None:  # in x's own array: the same values, one fresh array fewer
            x[~np.asarray(valid, bool)] = 0.0
        self.fs = fs
        self.sos = bandpass_sos(fs, 0.5, min(3.5, 0.4 * fs))
        self.bp: np.ndarray = signal.sosfiltfilt(self.sos, x)
        self.pk: np.ndarray = signal.find_peaks(
            self.bp, height=P.STEP_MIN_ACC, distance=max(1, int(P.STEP_INTERVAL_S[0] * fs)))[0]
        self._pos: np.ndarray | None = None

    @property
    def pos(self) -> np.ndarray:
        if self._pos is None:
            dt = 1.0 / self.fs
            self._pos = signal.sosfiltfilt(self.sos, _cumtrapz(_cumtrapz(self.bp, dt), dt))
        return self._pos


def step_band(az: np.ndarray, fs: float, valid: np.ndarray | None = None) -> StepBand | None:
    """:class:`StepBand` of ``az`` (None when shorter than 3 s: no steps are looked for)."""
    return None if len(az) < 3 * int(fs) else StepBand(az, fs, valid)


def find_steps(az: np.ndarray, fs: float, valid: np.ndarray | None = None,
               tilt: np.ndarray | None = None, band: StepBand | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
    """(step sample indices, walking bouts (K, 2) start/stop indices) from earth-vertical free
    acceleration (m/s²): peaks of the 0.5–3.5 Hz band above ``STEP_MIN_ACC``, taken with the
    trunk tilted less than ``STEP_MAX_TILT_DEG`` (``tilt`` rad, optional), that form a regular
    train (intervals, neighbour ratio, amplitude within ``STEP_AMPLITUDE_RATIO`` of the
    train's median) of at least ``WALK_MIN_STEPS``. ``band``: :func:`step_band` of the same
    ``az``, ``fs`` and ``valid``, already made."""
    n = len(az)
    if n < 3 * int(fs):
        return np.zeros(0, int), np.zeros((0, 2), int)
    band = step_band(az, fs, valid) if band is None else band
    assert band is not None
    bp, pk = band.bp, band.pk
    if tilt is not None:
        pk = pk[np.nan_to_num(tilt[pk], nan=np.pi) < np.radians(P.STEP_MAX_TILT_DEG)]
    if len(pk) < P.WALK_MIN_STEPS:
        return np.zeros(0, int), np.zeros((0, 2), int)
    d = np.diff(pk) / fs
    ok_gap = (d >= P.STEP_INTERVAL_S[0]) & (d <= P.STEP_INTERVAL_S[1])
    ratio = np.ones(len(d))
    ratio[1:] = d[1:] / d[:-1]
    lo, hi_r = P.STEP_REGULARITY
    reg = (ratio >= lo) & (ratio <= hi_r)
    # link i joins step i and i+1; a train is a run of good links (regular with the previous)
    good = ok_gap & np.r_[True, reg[1:] | ~ok_gap[:-1]]
    steps: list[np.ndarray] = []
    bouts: list[tuple[int, int]] = []
    for a, b in runs(good):  # per train of links a … b−1 (steps a … b)
        if b - a + 1 < P.WALK_MIN_STEPS:
            continue
        idx = pk[a : b + 1]
        amp = bp[idx]
        med = _median(amp)
        if np.any(amp > P.STEP_AMPLITUDE_RATIO * med):  # one big jolt among ripples
            continue
        half = int(0.5 * _median(np.diff(idx)))
        steps.append(idx)
        bouts.append((max(0, int(idx[0]) - half), min(n, int(idx[-1]) + half + 1)))
    if not steps:
        return np.zeros(0, int), np.zeros((0, 2), int)
    # count the steps as the bounce's low points (the trunk is lowest just after each heel
    # strike): minima of the band-passed double integral whose bounce — the mean of the rise
    # before and after it, each over one step interval — is at least STEP_DEPTH_FRACTION of the
    # walk's median. The gait's fade-in and fade-out add acceleration peaks without a full
    # bounce. Not the minimum of the two sides (a peak's prominence): the first step from
    # standing has no full descent before it and the last step of a flight of stairs no full
    # rise after it, and their low points would be dropped (a flight then lost one step).
    pos = band.pos
    counted: list[np.ndarray] = []
    for (a, b), idx in zip(bouts, steps, strict=True):  # per walking bout
        seg = pos[a:b]
        lo_i, _ = signal.find_peaks(-seg, distance=max(1, int(P.STEP_INTERVAL_S[0] * fs)))
        if len(lo_i) == 0:
            continue
        depth = bounce_depth(seg, lo_i, max(1, int(round(_median(np.diff(idx))))))
        counted.append(a + lo_i[depth >= P.STEP_DEPTH_FRACTION * _median(depth)])
    steps_at = np.concatenate(counted) if counted else np.zeros(0, int)
    return steps_at, np.array(bouts, int).reshape(-1, 2)


def bounce_depth(x: np.ndarray, lows: np.ndarray, w: int) -> np.ndarray:
    """Depth of each low point ``x[lows]`` of a bouncing signal: the mean of the highest value
    within ``w`` samples before it and within ``w`` samples after it, less the low (the
    windows are cut at the ends of ``x``)."""
    pad = np.full(w, -np.inf)
    win = np.lib.stride_tricks.sliding_window_view(np.concatenate([pad, x, pad]), w + 1)
    before = win[lows].max(axis=1)  # x[m − w … m]
    after = win[lows + w].max(axis=1)  # x[m … m + w]
    return np.asarray(0.5 * (before + after) - x[lows])


#: Longest array :func:`_median` sorts in Python (longer: ``np.median``'s partition is faster).
_SMALL_MEDIAN = 64


def _median(x: np.ndarray) -> float:
    """``float(np.median(x))`` of a 1-D array, to the bit. A walk's few step intervals and
    amplitudes (~2,800 calls on an 8-h day) cost ``np.median`` ~15 µs each in its wrappers:
    the same middle value, or the same sum of the two middle ones over 2 (``np.mean``'s), from
    a sorted list. NaN, or more than ``_SMALL_MEDIAN`` values: ``np.median`` itself."""
    n = len(x)
    if n == 0 or n > _SMALL_MEDIAN:
        return float(np.median(x))
    v = sorted(x.tolist())
    if any(e != e for e in v):  # NaN: np.median's NaN
        return float(np.median(x))
    h = n // 2
    if n % 2:
        return float(v[h])
    return (float(v[h - 1]) + float(v[h])) / 2.0


def _nanmin(xs: list[float]) -> float:
    """Smallest of ``xs`` ignoring NaN (NaN if all are)."""
    got = [x for x in xs if x == x]
    return min(got) if got else float("nan")


def tilt_from_angles(flexion: np.ndarray, lateral: np.ndarray) -> np.ndarray:
    """Angle (rad) between the trunk's long axis and vertical from flexion and lateral bend."""
    c = np.cos(flexion) * np.cos(lateral)
    if not isinstance(c, np.ndarray):
        return np.arccos(np.clip(c, -1.0, 1.0))
    # clipped and turned into the angle in the product's own array: the same values
    np.clip(c, -1.0, 1.0, out=c)
    return np.arccos(c, out=c)


def tilt_step_of(fs: float) -> int:
    """Every how many rows :func:`classify` reads the tilt at ``fs`` (1: every row)."""
    return max(1, int(fs // P.ACTIVITY_FS_HZ))


def _tilt_rows(tilt: np.ndarray | tuple[np.ndarray, np.ndarray], step: int) -> np.ndarray:
    """Every ``step``-th row of the tilt, or of the tilt of (flexion, lateral) (the same values:
    :func:`tilt_from_angles` is per sample)."""
    if isinstance(tilt, tuple):
        return tilt_from_angles(np.asarray(tilt[0])[::step], np.asarray(tilt[1])[::step])
    return np.asarray(tilt)[::step]


class ClassifyReuse:
    """What :func:`classify` carries from one call to the next on the same ``az``, ``acc``,
    ``gyr`` and ``fs`` (the analysis classifies again after the clip slips' re-references,
    where only the tilt changes): the still mask and the step band-pass (:class:`StepBand`).
    Both read the tilt only through the rows used (valid and finite tilt), so they are reused
    only where those rows are equal: the same arrays, to the bit, as made afresh."""

    def __init__(self) -> None:
        self.inputs: tuple[Any, ...] = ()
        self.valid: np.ndarray | None = None
        self.still: np.ndarray = np.zeros(0, bool)
        self.band: StepBand | None = None
        #: a ``heights=False`` call's decimated height and velocity (:func:`with_heights`)
        self.heights: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None

    def check(self, az: np.ndarray, acc: np.ndarray, gyr: np.ndarray, fs: float) -> None:
        """Forget what was carried unless these are the same objects (and rate) as before."""
        same = (len(self.inputs) == 4 and self.inputs[0] is az and self.inputs[1] is acc
                and self.inputs[2] is gyr and self.inputs[3] == fs)
        if not same:
            self.valid, self.still, self.band = None, np.zeros(0, bool), None
            self.inputs = (az, acc, gyr, fs)
        self.heights = None


def classify(
    time: np.ndarray,
    az: np.ndarray,
    acc: np.ndarray,
    gyr: np.ndarray,
    tilt: np.ndarray | tuple[np.ndarray, np.ndarray],
    fs: float,
    valid: np.ndarray | None = None,
    posture_before: str | None = None,
    reuse: ClassifyReuse | None = None,
    heights: bool = True,
    tilt_step: int = 1,
) -> Activity:
    """The per-sample activity of a session (see the module docstring).

    Args:
        time: (N,) s. az: (N,) earth-vertical free acceleration, m/s² (+ up).
        acc, gyr: (N, 3) sensor-frame specific force (m/s²) and angular rate (rad/s).
        tilt: (N,) trunk tilt from vertical, rad (calibrated body frame); or (flexion,
            lateral), (N,) rad each, and the tilt (:func:`tilt_from_angles`) is computed only
            at the rows read (every ``fs // ACTIVITY_FS_HZ``-th: half of them at 104 Hz).
        fs: Hz. valid: (N,) rows to use.
        posture_before: "sitting" or "standing" before the first evidence, when known (the
            live view carries it from the previous window); else inferred from the evidence.
        reuse: carried from a call on the same ``az``, ``acc``, ``gyr`` and ``fs`` objects
            (:class:`ClassifyReuse`); filled by this call.
        heights: False (with ``reuse``): ``height`` and ``vertical_velocity`` are left empty
            when they would be interpolated to every sample, and :func:`with_heights` makes
            them (the analysis throws this activity away when a clip slip is found: 8 h at
            104 Hz, two full-length interpolations and 48 MB fewer).
        tilt_step: the (flexion, lateral) ``tilt`` holds only every ``tilt_step``-th row, the
            rows read (:func:`tilt_step`; ``angles.tilt_angles``' ``step``): 1 or that step.

    Above ``ACTIVITY_FS_HZ`` every ``fs // ACTIVITY_FS_HZ``-th sample is taken (activity, steps
    and height change slowly; the inputs are already low-passed below the new Nyquist rate by
    :func:`~kyphos.processing.preprocess.prepare`, at ``IMU_CUTOFF_HZ`` = 25 Hz) and the result
    is mapped back to every sample.
    """
    n = len(time)
    if reuse is not None:
        reuse.check(az, acc, gyr, fs)
    step = tilt_step_of(fs)
    if tilt_step not in (1, step) or (tilt_step > 1 and not isinstance(tilt, tuple)):
        raise ValueError(f"tilt_step {tilt_step}: 1 or {step} (the rows read at {fs:g} Hz), "
                         "with a (flexion, lateral) tilt")
    if step < 2:
        return _classify(time, az, acc, gyr, _tilt_rows(tilt, 1), fs, valid, posture_before,
                         reuse)
    valid = np.ones(n, bool) if valid is None else np.asarray(valid, bool)
    m = (n // step) * step
    # a block with a gap row is a gap: valid[:m].reshape(-1, step).all(axis=1), as one AND
    # per column of the blocks (numpy reduces a short last axis row by row: ~10x slower)
    v_d: np.ndarray = valid[0:m:step].copy()
    for j in range(1, step):
        v_d &= valid[j:m:step]
    if m < n:
        v_d = np.append(v_d, bool(valid[m:].all()))
    t_d = np.asarray(time, float)[::step][: len(v_d)]
    d = _classify(t_d, _finite(az[::step]), _finite(acc[::step]), _finite(gyr[::step]),
                  _finite(_tilt_rows(tilt, step // tilt_step)), fs / step, v_d, posture_before,
                  reuse)
    # block k covers samples k·step … k·step + step − 1 (len(v_d)·step ≥ n)
    kind = np.repeat(d.kind, step)[:n]
    kind[~valid] = -1
    slip_kind = None
    if d.slip_kind is not None:
        slip_kind = np.repeat(d.slip_kind, step)[:n]
        slip_kind[~valid] = -1
    t = np.asarray(time, float)
    if heights or reuse is None:
        height, vel = _heights(t, t_d, d.height, d.vertical_velocity, valid)
    else:  # made by with_heights when this activity is kept
        height = vel = np.zeros(0)
        reuse.heights = (t_d, d.height, d.vertical_velocity, valid)
    return Activity(
        time=t, kind=kind, still=np.repeat(d.still, step)[:n], height=height,
        vertical_velocity=vel, steps_s=d.steps_s,
        transitions=d.transitions,
        excursions=[(a * step, min(n, b * step), drop) for a, b, drop in d.excursions], fs=fs,
        slip_kind=slip_kind,
    )


def _heights(t: np.ndarray, t_d: np.ndarray, h_d: np.ndarray, v_d: np.ndarray,
             valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The decimated height (NaN on gaps) and vertical velocity at every sample ``t``."""
    ok = np.isfinite(h_d)
    height = np.interp(t, t_d[ok], h_d[ok]) if ok.any() else np.full(len(t), np.nan)
    height[~valid] = np.nan
    return height, np.interp(t, t_d, v_d)


def with_heights(activity: Activity, reuse: ClassifyReuse) -> Activity:
    """``activity`` of a ``classify(..., reuse=reuse, heights=False)`` call with its height and
    vertical velocity at every sample, as ``heights=True`` makes them (the same numbers)."""
    if reuse.heights is None or len(activity.height) == len(activity.time):
        return activity  # already made (no decimation)
    t_d, h_d, v_d, valid = reuse.heights
    height, vel = _heights(activity.time, t_d, h_d, v_d, valid)
    return replace(activity, height=height, vertical_velocity=vel)


def _resolve_get_ups(evidence: list[tuple[int, int, int]], get_ups: list[tuple[int, int, float]],
                     first: int | None) -> list[tuple[int, int, int]]:
    """``evidence`` (sorted) with the posture after each get-up from lying added, sorted.

    One gets up from lying through sitting (docs/scoring.md, activity), so the rise out of a
    lie is no sit-to-stand: the posture after it is the one before the lie-down, unless the
    sensor ends a sit/stand rise (``TRANSITION_RISE_M``) above or below where it was then
    (lain down from standing and got up to a seat; sat up and stood in one move). With no
    height before the lie (the data start lying) it is sitting."""
    out = list(evidence)
    r = P.TRANSITION_RISE_M
    for idx, ref, net in sorted(get_ups):  # per lie, in time order (a handful a day)
        if not np.isfinite(net):
            after = SITTING
        elif net >= r:
            after = STANDING
        elif net <= -r:
            after = SITTING
        else:
            prior = [e for e in out if e[0] <= ref]
            after = (prior[-1][1] if prior else first if first is not None
                     else out[0][2] if out else STANDING)
        out.append((idx, after, after))
        out.sort()
    return out


def _classify(
    time: np.ndarray,
    az: np.ndarray,
    acc: np.ndarray,
    gyr: np.ndarray,
    tilt: np.ndarray,
    fs: float,
    valid: np.ndarray | None = None,
    posture_before: str | None = None,
    reuse: ClassifyReuse | None = None,
) -> Activity:
    """:func:`classify` at the given rate."""
    n = len(time)
    valid = np.ones(n, bool) if valid is None else np.asarray(valid, bool)
    valid = valid & np.isfinite(tilt)
    # the still mask and the step band-pass read the tilt only through the rows used
    if reuse is not None and reuse.valid is not None and np.array_equal(reuse.valid, valid):
        still, band = reuse.still.copy(), reuse.band
    else:
        still, band = still_mask(acc, gyr, fs, valid), step_band(az, fs, valid)
        if reuse is not None:
            reuse.valid, reuse.still, reuse.band = valid, still.copy(), band
    step_idx, bouts = find_steps(az, fs, valid, tilt, band)
    walking = np.zeros(n, bool)
    for a, b in bouts:  # per walking bout
        walking[a:b] = True
    walking &= valid
    height, vel = vertical_track(az, tilt, still, fs, valid, walking)

    kind = np.full(n, -1, np.int8)
    lying = _long_runs(valid & (tilt >= np.radians(P.LYING_TILT_DEG)) & ~walking,
                       int(P.LYING_MIN_S * fs))
    lie_runs = runs(lying)
    # posture evidence in time order: (index, posture after, posture before)
    evidence: list[tuple[int, int, int]] = []
    # getting up from lying: (index, row before the lie-down, net height change) — the posture
    # after it is read against the one before the lie-down (_resolve_get_ups)
    get_ups: list[tuple[int, int, float]] = []
    lie_evidence: list[tuple[int, int, int]] = []  # what movements from lying said before
    transitions: list[Transition] = []
    excursions: list[tuple[int, int, float]] = []
    tmask = np.zeros(n, bool)
    h_ext = np.append(height, np.nan)  # a sentinel for a movement that ends the array
    for s0, s1 in runs(valid):  # per segment
        anchor = still[s0:s1] | walking[s0:s1]
        # movements between still periods; one from a walk into a walk has no still end
        moves = [(int(a), int(b)) for a, b in runs(~anchor) + s0
                 if not (a > s0 and walking[a - 1] and b < s1 and walking[b])]
        # lowest height of each piece, all at once: piece 2k is movement k, piece 2k + 1 the
        # stretch from its end to the next movement (NaN ignored, as np.nanmin)
        piece_min = (np.fmin.reduceat(h_ext, np.array(moves, np.intp).ravel()).tolist()
                     if moves else [])
        # the lies of this segment: a rise out of one is not a sit-to-stand (one gets up
        # through sitting), and the posture after it comes from the height it returns to
        in_lie = np.zeros(s1 - s0, bool)
        # the movements are runs in row order (starts and ends increasing): the last one
        # starting at or before a row, and the first ending after one, by bisection (a list
        # of them per lie was ~0.07 s on a day of 183 lies)
        m_starts = [m[0] for m in moves]
        m_ends = [m[1] for m in moves]
        for l0, l1 in lie_runs[(lie_runs[:, 0] >= s0) & (lie_runs[:, 1] <= s1)]:  # per lie
            l0, l1 = int(l0), int(l1)
            if l1 >= s1:
                continue  # the segment ends lying
            # the lie-down: the movement that carries the tilt into the lie (else none: the
            # segment starts lying); the get-up: the one out of it (else the lie ends still)
            k_down = bisect.bisect_right(m_starts, l0)  # moves[:k_down] start at or before l0
            k_up = bisect.bisect_right(m_ends, l1 - 1)  # moves[k_up:] end after l1 - 1
            down = moves[k_down - 1] if k_down else None
            up_ = moves[k_up] if k_up < len(moves) else None
            ref = max(s0, down[0] - 1) if down else -1
            b_up = up_[1] if up_ and up_[0] <= l1 else l1
            a_up = up_[0] if up_ and up_[0] <= l1 else l1
            in_lie[max(0, (down[1] if down else l0) - s0) : a_up - s0 + 1] = True
            h_ref = float(height[ref]) if ref >= 0 else np.nan
            get_ups.append((min(s1 - 1, b_up), ref, float(height[min(s1 - 1, b_up)]) - h_ref))
        i = 0
        while i < len(moves):  # per movement between still periods
            a, b = moves[i]
            h0 = float(height[max(s0, a - 1)])
            # the movements that return to the starting height within EXCURSION_MAX_S form one
            # lowering-and-rising excursion (a lift held at the bottom is two movements)
            j = i
            low_j = h0
            while True:
                hb = float(height[min(s1 - 1, moves[j][1])])
                low_j = min(low_j, piece_min[2 * j])
                # back where it started: within TRANSITION_RISE_M, or within EXCURSION_RETURN of
                # the depth reached (the integration drifts over a long lift)
                back = max(P.TRANSITION_RISE_M, P.EXCURSION_RETURN * (h0 - low_j))
                # ... but a lowering still more than EXCURSION_RETURN of a sit-down
                # (TRANSITION_RISE_M) below its start has not come back: wait for its rise (an
                # upright squat held at the bottom lowers the sensor ~0.25-0.3 m), else the
                # excursion would close at the bottom and the lift's net-height check would
                # take it for a sit-down (docs/accuracy.md section 7)
                low_end = hb - h0 < -P.EXCURSION_RETURN * P.TRANSITION_RISE_M
                # only a lowering can be followed by its rise; stay below the start meanwhile
                if (abs(hb - h0) < back and not low_end) or j + 1 >= len(moves) or hb > h0:
                    break
                c0, c1 = moves[j + 1]
                if time[c1 - 1] - time[a] > P.EXCURSION_MAX_S:
                    # a next movement that runs on past EXCURSION_MAX_S (consecutive lifts
                    # with no still pause between them) still closes the excursion if the
                    # sensor is back up within it by then: it is the rise (validation 22026,
                    # a semi-squat's 0.39-m lowering held at the bottom was a sit-down)
                    c_lim = c0 + int(np.searchsorted(time[c0:c1], time[a] + P.EXCURSION_MAX_S,
                                                     side="right"))
                    hc = height[c0:c_lim]
                    if not (len(hc) and np.nanmax(hc, initial=-np.inf) - h0
                            >= -P.EXCURSION_RETURN * P.TRANSITION_RISE_M):
                        break
                j += 1
            end = moves[j][1]
            rise = float(height[min(s1 - 1, end)] - h0)
            low = _nanmin(piece_min[2 * i : 2 * j + 1]) - h0
            if abs(rise) < max(P.TRANSITION_RISE_M, P.EXCURSION_RETURN * -low):
                if -low >= P.EXCURSION_MIN_DROP_M:
                    excursions.append((a, end, -low))
                i = j + 1
                continue
            i += 1  # no return: this movement alone is a transition if it is one
            rise = float(height[min(s1 - 1, b)] - h0)
            if (b - a) / fs > P.TRANSITION_MAX_S or not np.isfinite(rise) \
                    or abs(rise) < P.TRANSITION_RISE_M:
                continue
            if i >= 2 and rise > 0:
                # the rise out of a lowering just before (a lift held at the bottom whose
                # lowering measured under TRANSITION_RISE_M) ends an excursion, not a sitting
                pa, pb = moves[i - 2]
                p_net = float(height[min(s1 - 1, pb)] - height[max(s0, pa - 1)])
                if time[b - 1] - time[pa] <= P.EXCURSION_MAX_S and p_net <= -0.5 * rise:
                    excursions.append((pa, b, -p_net))
                    continue
            up = rise > 0
            name = ("get_up" if in_lie[a - s0] else "lie_down" if lying[b - 1]
                    else "sit_to_stand" if up else "stand_to_sit")
            transitions.append(Transition(float(time[a]), float(time[b - 1]), name, rise))
            tmask[a:b] = True
            ev = (a, STANDING if up else SITTING, SITTING if up else STANDING)
            # a movement from lying: its get-up gives the posture (the rule before took it)
            (lie_evidence if in_lie[a - s0] else evidence).append(ev)
    for a, b in bouts:
        evidence.append((int(a), STANDING, STANDING))
        evidence.append((int(b) - 1, STANDING, STANDING))
    evidence.sort()
    # sitting / standing: the posture after the latest evidence; before the first, its "before"
    first = KINDS.index(posture_before) if posture_before in ("sitting", "standing") else None
    slip_kind = None
    if get_ups or lie_evidence:
        # clip slip reads the kind of the rule before (Activity.slip_kind)
        slip_kind = kind.copy()
        slip_kind[valid] = _posture_rows(sorted(evidence + lie_evidence), first, n)[valid]
        evidence = _resolve_get_ups(evidence, get_ups, first)
    kind[valid] = _posture_rows(evidence, first, n)[valid]
    for k in (kind, slip_kind):
        if k is not None:
            k[lying] = LYING
            k[tmask & valid] = TRANSITION
            k[walking] = WALKING
    if slip_kind is not None and np.array_equal(slip_kind, kind):
        slip_kind = None
    return Activity(time=np.asarray(time, float), kind=kind, still=still, height=height,
                    vertical_velocity=vel, steps_s=np.asarray(time, float)[step_idx],
                    transitions=transitions, excursions=excursions, fs=fs, slip_kind=slip_kind)


def _posture_rows(evidence: list[tuple[int, int, int]], first: int | None, n: int) -> np.ndarray:
    """(N,) sitting / standing: the posture after the latest ``evidence`` (sorted) at or before
    each row; before the first, ``first`` or the first evidence's "before" (standing if none)."""
    if not evidence:
        return np.full(n, STANDING if first is None else first, np.int8)
    idx = np.array([e[0] for e in evidence])
    after = np.array([e[1] for e in evidence], np.int8)
    before = np.int8(evidence[0][2] if first is None else first)
    # each row takes the posture after the latest evidence at or before it (the last of
    # several at one row): runs between evidence rows, no per-row search
    last = np.append(idx[1:] != idx[:-1], True)
    u_idx = np.clip(idx[last], 0, n)
    post = np.empty(n, np.int8)
    post[: u_idx[0]] = before
    post[u_idx[0] :] = np.repeat(after[last], np.diff(np.append(u_idx, n)))
    return post
