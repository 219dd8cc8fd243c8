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


#: Long stretches run VQF offline in chunks of CHUNK_S, each run over OVERLAP_S more on either
#: side (thrown away), so VQF's working memory (its output arrays grow with the run) is bounded
#: by the chunk. Measured (bench/bench_chunked_vqf.py, warehouse scenario cut into 60 s chunks,
#: docs/benchmarks.md): with 120 s of overlap, flexion differs from one run over the whole
#: recording by ≤ 0.02° (RMS 0.002°), axial rotation by 0.015° RMS.
CHUNK_S = 1800.0
OVERLAP_S = 120.0


def _heading_offset(q_ref: np.ndarray, q: np.ndarray) -> np.ndarray:
    """The rotation about earth z (a unit quaternion) that turns ``q`` to ``q_ref`` in heading:
    circular mean of the heading of ``q_ref ⊗ q*`` over the rows (6-axis VQF's heading is free,
    so a fresh run starts at its own)."""
    w1, x1, y1, z1 = q_ref.T
    w2, x2, y2, z2 = q.T * np.array([[1.0], [-1.0], [-1.0], [-1.0]])  # conjugate of q
    rw = w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2
    rz = w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2
    yaw = 2.0 * np.arctan2(rz, rw)
    d = float(np.arctan2(np.mean(np.sin(yaw)), np.mean(np.cos(yaw))))
    return np.array([np.cos(d / 2), 0.0, 0.0, np.sin(d / 2)])


#: Rows per block of :func:`_rotate_earth` (own choice: its products stay in the cache).
_BLOCK = 1 << 14


def _rotate_earth(r: np.ndarray, q: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``r ⊗ q`` for each row of ``q`` (``r`` an earth-frame rotation), into ``out`` (may be
    ``q`` itself: each block is read whole before it is written) or a new array. A turn about
    earth z (``r = [c, 0, 0, s]``, what :func:`_heading_offset` gives) skips the products with
    its zeros: the same values (``a − 0·b`` is ``a``), in 3 array operations per column, not 7.
    Block by block (:data:`_BLOCK` rows), with the same operations per element: the same bits
    as all rows at once, without a full-length temporary per product."""
    w1, x1, y1, z1 = (float(c) for c in r)
    n = len(q)
    out = np.empty((n, 4)) if out is None else out
    res = np.empty((min(n, _BLOCK), 4))
    t = np.empty(min(n, _BLOCK))
    for s0 in range(0, n, _BLOCK):
        qb = q[s0 : s0 + _BLOCK]
        rb, tb = res[: len(qb)], t[: len(qb)]
        w2, x2, y2, z2 = qb.T
        if x1 == 0.0 and y1 == 0.0:
            for col, (a, sign, b) in enumerate(((w2, -1, z2), (x2, -1, y2), (y2, 1, x2),
                                                (z2, 1, w2))):
                # w1·a ∓ z1·b, as np.subtract / np.add of the two products
                np.multiply(w1, a, out=rb[:, col])
                np.multiply(z1, b, out=tb)
                if sign < 0:
                    rb[:, col] -= tb
                else:
                    rb[:, col] += tb
        else:
            rb[:, 0] = w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2
            rb[:, 1] = w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2
            rb[:, 2] = w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2
            rb[:, 3] = w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2
        out[s0 : s0 + len(qb)] = rb
    return out


def join_run(both: np.ndarray, run: np.ndarray) -> np.ndarray:
    """``run`` (a VQF run that starts ``len(both)`` rows or fewer before the previous run's
    end) joined to the previous run: ``both`` holds the previous run's quaternions for the
    rows both runs cover (from ``run``'s first row). ``run`` is turned in heading to match and
    cross-faded from the previous run over those rows (in place; returned). What
    :func:`orientation_chunked` does at each chunk boundary, and the chunked analysis
    (:mod:`kyphos.chunked`) with it."""
    both = both[: len(run)]
    m = len(both)
    run = _rotate_earth(_heading_offset(both, run[:m]), run, out=run)  # in place
    # cross-fade from the previous run to this one over the rows both cover: no step where one
    # ends (normalised linear interpolation; the two differ by hundredths of a degree there)
    cur = run[:m] * np.where(np.sum(both * run[:m], axis=1) < 0, -1.0, 1.0)[:, None]
    w = ((np.arange(m) + 0.5) / m)[:, None]
    mix = (1.0 - w) * both + w * cur
    run[:m] = mix / np.linalg.norm(mix, axis=1, keepdims=True)
    return run


def orientation_chunked(
    gyr: np.ndarray, acc: np.ndarray, fs: float, params: dict[str, Any] | None = None,
    chunk_s: float = CHUNK_S, overlap_s: float = OVERLAP_S, out: np.ndarray | None = None,
) -> np.ndarray:
    """:func:`orientation_offline` in chunks of ``chunk_s`` seconds, each run over ``overlap_s``
    more on both sides; each chunk's heading is turned to match the previous chunk's over the
    samples both runs cover, and the two are cross-faded there. One run when the data fit one
    chunk with its overlaps. ``out``: an (N, 4) array to write the result into (and return),
    instead of a new one (no copy of 8 h of quaternions, 96 MB, into the caller's array)."""
    n = len(gyr)
    chunk = max(1, int(round(chunk_s * fs)))
    ov = max(0, int(round(overlap_s * fs)))
    if n <= chunk + 2 * ov:
        if out is None:
            return orientation_offline(gyr, acc, fs, params)
        out[:] = orientation_offline(gyr, acc, fs, params)
        return out
    q = np.empty((n, 4)) if out is None else out
    tail: np.ndarray | None = None  # the previous run's rows past its chunk
    for c0 in range(0, n, chunk):  # one VQF run per chunk
        c1 = min(n, c0 + chunk)
        e0, e1 = max(0, c0 - ov), min(n, c1 + ov)
        run = orientation_offline(gyr[e0:e1], acc[e0:e1], fs, params)
        lo = c0  # first row this run writes
        if tail is not None:  # both runs cover [e0, c0 + len(tail)) (less if this one ends first)
            run = join_run(np.concatenate([q[e0:c0], tail]), run)
            lo = e0  # the cross-faded rows before c0 are written again
        q[lo:c1] = run[lo - e0 : c1 - e0]
        tail = run[c1 - e0 :]
    return q


def orientation_segments(
    gyr: np.ndarray,
    acc: np.ndarray,
    fs: float,
    segments: np.ndarray,
    params: dict[str, Any] | None = None,
) -> np.ndarray:
    """Offline orientation run separately on each (start, stop) row segment; NaN elsewhere.

    Orientation is not carried across a gap that was not bridged: after it, VQF starts again.
    A long segment is run in chunks (:func:`orientation_chunked`).
    """
    q = np.empty((len(gyr), 4))
    known = np.zeros(len(gyr), bool)
    for s0, s1 in segments:  # one iteration per segment; a lone sample stays unknown (NaN)
        if s1 - s0 >= 2:
            orientation_chunked(gyr[s0:s1], acc[s0:s1], fs, params, out=q[s0:s1])
            known[s0:s1] = True
    q[~known] = np.nan  # separator rows (few: written alone, not a full-length fill first)
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


#: VQF's accelerometer time constant (s) for the second run over each walking bout
#: (:func:`walk_tilt`); fitted with WALK_EXTEND_S on the simulator's day sessions
#: (``bench/fit_thresholds.py``, objective flexion, simday 100–119; with WALK_EXTEND_S 6 s:
#: 6 / 8 / 10 / 12 s gave pooled 0.278 / 0.263 / 0.256 / 0.255°, none 0.327°). The fit sits at
#: the grid's end (the family's optimum is flat and would go on; the grid was capped at 12 s).
#: ``None``: no second run.
WALK_TAU_ACC_S: float | None = 12.0
#: The second run reaches this far past the bout on either side (s): the still stand around a
#: walk anchors its up direction.
WALK_MARGIN_S = 10.0
#: Over this long (s) at each end of a bout the up direction goes linearly from VQF's own run
#: to the second run's: no step in the angles.
WALK_RAMP_S = 1.0
#: The second run's up direction is used this far (s) past each end of the bout, ramps
#: included: VQF's own error from the walk's start and stop reaches into the stand around it
#: (its zero-phase low-pass). Fitted on simday 100–119 with WALK_TAU_ACC_S 12 s
#: (``bench/fit_thresholds.py``): 0 / 2 / 3 / 4 / 6 s gave 0.304 / 0.269 / 0.261 / 0.257 /
#: 0.255° (8 s, off the grid: 0.253°).
WALK_EXTEND_S = 6.0


def up_in_sensor(q: np.ndarray) -> np.ndarray:
    """(N, 3) earth's up in sensor coordinates (the third row of R(q))."""
    w, x, y, z = q.T
    return np.column_stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)])


def retilt(q: np.ndarray, up: np.ndarray) -> np.ndarray:
    """(N, 4) ``q ⊗ r``: r is the least rotation that takes ``up`` (sensor frame, any length)
    to q's own up, so the result's up is ``up`` and its heading is q's."""
    u0 = up_in_sensor(q)
    u = up / np.linalg.norm(up, axis=1, keepdims=True)
    r = np.column_stack([1.0 + np.sum(u * u0, axis=1), np.cross(u, u0)])
    r /= np.linalg.norm(r, axis=1, keepdims=True)
    return quat_multiply(q, r)


def quat_multiply(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """(N, 4) Hamilton products ``p ⊗ q`` row by row (w, x, y, z)."""
    w1, x1, y1, z1 = p.T
    w2, x2, y2, z2 = q.T
    return np.column_stack([w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2,
                            w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2,
                            w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2,
                            w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2])


def walk_tilt(quat: np.ndarray, gyr: np.ndarray, acc: np.ndarray, fs: float,
              segments: np.ndarray, walking: np.ndarray, still: np.ndarray
              ) -> np.ndarray | None:
    """``quat`` with each walking bout's inclination from a second VQF run
    (:func:`walk_tilt_rows`, whose rows are written over a copy in order), or None when no
    bout was changed."""
    spans = walk_tilt_rows(quat, gyr, acc, fs, segments, walking, still)
    if not spans:
        return None
    out = quat.copy()
    for a, b, rows in spans:
        out[a:b] = rows
    return out


def walk_tilt_rows(quat: np.ndarray, gyr: np.ndarray, acc: np.ndarray, fs: float,
                   segments: np.ndarray, walking: np.ndarray, still: np.ndarray
                   ) -> list[tuple[int, int, np.ndarray]]:
    """The rows :func:`walk_tilt` changes, as (a, b, rows for ``quat[a:b]``) in bout order
    (later spans are written over earlier ones where they overlap; each is made from
    ``quat`` itself): each walking bout's inclination from a second VQF run with a longer
    accelerometer time constant (:data:`WALK_TAU_ACC_S`); empty when no bout is changed.

    Why: VQF offline takes "up" from the zero-phase low-passed specific force in its gyro-only
    frame (τ 3 s), so the upper back's horizontal velocity changes while walking (its start and
    stop, its turns) tilt it by about Δv / (τ·g): on the validation family's development seeds
    6000–8029 (104 Hz) walking's flexion error was 0.63° RMS and slow (< 0.3 Hz), 0.61° of it
    VQF's even on error-free signals. A longer τ everywhere halves it but costs lying, lifts,
    standing and transitions more (``bench/vqf_tau_study.py``), so only the bouts take it.

    The second run covers the bout (± :data:`WALK_EXTEND_S`) ± :data:`WALK_MARGIN_S` with the gyro's median over the
    still samples near the bout (within 2 margins) removed and VQF's own bias estimation off:
    a run over one bout alone estimates the gyro's offset worse than the whole recording's
    (walking 0.95° instead of 0.42° on seeds 6000–6003). A bout with under 1 s of still samples
    near it is left as it is. ``walking``, ``still``: (N,) bool (``activity.Activity``).
    """
    if WALK_TAU_ACC_S is None or not np.any(walking):
        return []
    d = np.diff(np.r_[0, walking.astype(np.int8), 0])
    m = int(round(WALK_MARGIN_S * fs))
    rp = max(1, int(round(WALK_RAMP_S * fs)))
    out: list[tuple[int, int, np.ndarray]] = []
    for a_, b_ in zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1), strict=True):  # per bout
        seg = segments[(segments[:, 0] <= a_) & (segments[:, 1] > a_)]
        if not len(seg):
            continue
        g0, g1 = int(seg[0, 0]), int(seg[0, 1])
        ex = int(round(WALK_EXTEND_S * fs))
        a, b = max(g0, int(a_) - ex), min(int(b_) + ex, g1)
        if b - a < 2 * rp:
            continue
        w0, w1 = max(g0, a - 2 * m), min(g1, b + 2 * m)
        st = still[w0:w1]
        if np.count_nonzero(st) < fs:
            continue
        bias = np.median(gyr[w0:w1][st], axis=0)
        s0, s1 = max(g0, a - m), min(g1, b + m)
        ql = orientation_offline(gyr[s0:s1] - bias, acc[s0:s1], fs,
                                 {"tauAcc": WALK_TAU_ACC_S, "motionBiasEstEnabled": False,
                                  "restBiasEstEnabled": False})[a - s0 : b - s0]
        k = np.arange(b - a)
        w = np.minimum(1.0, np.minimum(k + 1, b - a - k) / rp)[:, None]
        out.append((a, b, retilt(quat[a:b], (1.0 - w) * up_in_sensor(quat[a:b])
                                 + w * up_in_sensor(ql))))
    return out
