"""Trunk angles from sensor orientation and the sensor-to-body calibration.

Body frame: x anterior, y left, z superior. With ``R_b = R_s · M`` (``R_s`` sensor-to-earth,
``M`` = sensor-from-body, columns are the body axes in sensor coordinates) the body-to-earth
rotation is decomposed as ``R_b = Rz(yaw) · Ry(flex) · Rx(lat)``:

* flexion = flex, + forward;
* lateral bend = lat, + right (a positive rotation about body x tips the head to the right);
* axial rotation = −(yaw − yaw_ref), + right, relative to a slowly moving heading reference
  (6-axis heading drifts, so only short-term twist is meaningful; see :data:`YAW_REF_CUTOFF_HZ`).

Flexion beyond 90° is supported: of the two Euler solutions the one with the smaller
|flex| + |lat| is kept (a stoop past 90° reads as flexion, side lying rolled past 90° as lateral
bend). Near 90° flexion, lateral bend and yaw are degenerate (gimbal lock of this convention).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy.spatial.transform import Rotation

from kyphos.processing.preprocess import (
    ANGLE_CUTOFF_HZ,
    CausalLowpass,
    all_finite,
    lowpass,
    runs,
    settle_samples,
    zero_rows,
)

#: Cut-off of the heading reference for axial rotation: twists faster than ~1 min are kept.
YAW_REF_CUTOFF_HZ = 0.02


@dataclass
class Angles:
    """Per-sample trunk angles (radians) and angular velocities (rad/s) on the analysis grid.

    NaN rows separate segments (gaps that were not bridged) and are False in ``valid``.
    """

    time: np.ndarray
    flexion: np.ndarray
    lateral: np.ndarray
    axial: np.ndarray
    flexion_velocity: np.ndarray
    lateral_velocity: np.ndarray
    axial_velocity: np.ndarray
    valid: np.ndarray
    masked: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    fs: float = 0.0

    def __len__(self) -> int:
        return len(self.time)

    def as_dict(self, degrees: bool = True) -> dict[str, Any]:
        """Columns for ``pandas.DataFrame(angles.as_dict())``; degrees and deg/s by default."""
        k = np.degrees if degrees else (lambda x: x)
        u = "deg" if degrees else "rad"
        return {
            "t_s": self.time,
            f"flexion_{u}": k(self.flexion),
            f"lateral_{u}": k(self.lateral),
            f"axial_{u}": k(self.axial),
            f"flexion_velocity_{u}ps": k(self.flexion_velocity),
            f"lateral_velocity_{u}ps": k(self.lateral_velocity),
            f"axial_velocity_{u}ps": k(self.axial_velocity),
            "masked": self.masked if len(self.masked) == len(self.time) else np.zeros(len(self), bool),
        }


def rotation_deg(r: np.ndarray) -> float:
    """The angle (deg) of the rotation matrix ``r``."""
    return float(np.degrees(np.arccos(np.clip((np.trace(r) - 1.0) / 2.0, -1.0, 1.0))))


def quat_rows(q: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of the rotation matrices of (N, 4) ``[w, x, y, z]`` quaternions, each (N, 3)."""
    w, x, y, z = q[:, 0], q[:, 1], q[:, 2], q[:, 3]
    r0 = np.column_stack([1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)])
    r1 = np.column_stack([2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)])
    r2 = np.column_stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)])
    return r0, r1, r2


def matrix_to_quat(m: np.ndarray) -> np.ndarray:
    """``[w, x, y, z]`` of a 3×3 rotation matrix."""
    q = Rotation.from_matrix(np.asarray(m, float)).as_quat()  # scipy: scalar last
    return np.array([q[3], q[0], q[1], q[2]])


def _right_product(m: np.ndarray) -> np.ndarray:
    """(4, 4) ``A`` with ``q ⊗ q_m = A · q`` for ``[w, x, y, z]`` columns (``q_m`` the
    quaternion of the rotation matrix ``m``): the product over N rows is one matrix product."""
    a0, a1, a2, a3 = matrix_to_quat(m)
    return np.array([[a0, -a1, -a2, -a3],
                     [a1, a0, a3, -a2],
                     [a2, -a3, a0, a1],
                     [a3, a2, -a1, a0]])


def _rows_times(q: np.ndarray, m: np.ndarray,
                rq: np.ndarray | None = None, tilt_only: bool = False) -> tuple[np.ndarray, ...]:
    """Entries (0,0), (1,0), (2,0), (2,1), (2,2) of ``R(q) · m`` for (N, 4) quaternions
    (``tilt_only``: (2,0), (2,1), (2,2), each made as in the five).

    Computed as the quaternion product ``q ⊗ q_m`` (one (4, 4) × (4, N) matrix product) and
    then only the five entries needed, to keep the number of full-length temporaries small
    (this runs on whole recordings).
    """
    rq = _right_product(m) if rq is None else rq  # rq: _right_product(m), made by the caller
    q = np.asarray(q, float)
    # in place, one scratch array: the same IEEE operations as ``1 - 2 * (y*y + z*z)`` etc.
    # (a - b == a + (-b) exactly, and scaling by ±2 is exact), so the same bits, with fewer
    # fresh full-length arrays (each page-faults on first touch); in blocks of _BLOCK samples,
    # so that the product and the scratch stay in the cache and each entry is written once to
    # memory (no (4, N) product and (5, N) result: 216 MB fresh at 8 h, 104 Hz)
    n = len(q)
    out = [np.empty(0 if tilt_only and k < 2 else n) for k in range(5)]
    t = np.empty(min(n, _BLOCK + 1))

    def twice_sum(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray,
                  sign: float, r: np.ndarray) -> np.ndarray:  # 2 * (a*b + sign * c*d) into r
        tt = t[: len(r)]
        np.multiply(a, b, out=r)
        np.multiply(c, d, out=tt)
        if sign > 0:
            r += tt
        else:
            r -= tt
        r *= 2.0
        return r

    for sl in _blocks(n):
        # (4, L), rows contiguous: the same bits as one product (every step-th row of a
        # quaternion array, tilt_angles' ``step``, copied block by block: the same product)
        wb, xb, yb, zb = rq @ np.ascontiguousarray(q[sl]).T
        if not tilt_only:
            twice_sum(xb, yb, wb, zb, 1.0, out[1][sl])
        twice_sum(xb, zb, wb, yb, -1.0, out[2][sl])
        twice_sum(yb, zb, wb, xb, 1.0, out[3][sl])
        if not tilt_only:
            r = twice_sum(yb, yb, zb, zb, 1.0, out[0][sl])
            r *= -1.0
            r += 1.0
        r = twice_sum(xb, xb, yb, yb, 1.0, out[4][sl])
        r *= -1.0
        r += 1.0
    b00, b10, b20, b21, b22 = out
    return b00, b10, b20, b21, b22


#: Samples per block of :func:`_rows_times` (its scratch: 8 × this bytes, in the cache).
_BLOCK = 1 << 14


def _blocks(n: int) -> list[slice]:
    """Rows 0 … n in blocks of ``_BLOCK``; a last block of one row joins the one before (numpy
    multiplies a single column as a matrix-vector product, whose rounding differs from the
    matrix product's)."""
    starts = list(range(0, n, _BLOCK))
    if len(starts) > 1 and n - starts[-1] == 1:
        starts.pop()
    return [slice(s0, s1) for s0, s1 in zip(starts, [*starts[1:], n][: len(starts)], strict=True)]


def euler_from_quat(
    quat: np.ndarray, sensor_from_body: np.ndarray,
    out: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(flex, lat, yaw) in rad of ``R_s · M`` for (N, 4) quaternions; yaw wrapped to ±π.
    Block by block (:func:`_blocks`): the rotation entries and temporaries stay in the cache,
    only the three results are full length (8 h at 104 Hz: ~200 MB fewer to fault in), with
    the same operations per element, so the same bits. ``out``: three (N,) float arrays to
    write them into (and return) instead of new ones."""
    q = np.asarray(quat, float)
    m = np.asarray(sensor_from_body, float)
    n = len(q)
    flex, lat, yaw = (np.empty(n), np.empty(n), np.empty(n)) if out is None else out
    rq = _right_product(m)  # once, not per block (scipy's from_matrix: ~0.2 ms a call)
    for sl in _blocks(n):
        _euler_rows(q[sl], m, flex[sl], lat[sl], yaw[sl], rq)
    return flex, lat, yaw


def _euler_rows(q: np.ndarray, m: np.ndarray, flex: np.ndarray, lat: np.ndarray,
                yaw: np.ndarray | None, rq: np.ndarray | None = None) -> None:
    """:func:`euler_from_quat` of rows ``q`` into ``flex``, ``lat``, ``yaw`` (``rq``:
    ``_right_product(m)`` when the caller has it; ``yaw`` None: flexion and lateral only, the
    same values, ~40 % less work)."""
    b00, b10, b20, b21, b22 = _rows_times(q, m, rq, tilt_only=yaw is None)
    np.arctan2(-b20, np.hypot(b21, b22), out=flex)
    np.arctan2(b21, b22, out=lat)
    if yaw is not None:
        np.arctan2(b10, b00, out=yaw)
    # second solution (flex beyond ±90°): of the two, keep the one with the smaller
    # |flex| + |lat| — a stoop past 90° (not lat ≈ 180°), side lying with the trunk rolled a
    # little past 90° (not flex ≈ 180°). The second has |flex₂| = π − |flex| and
    # |lat₂| = π − |lat|, so it is the smaller exactly where |flex| + |lat| > π.
    s = np.abs(flex)
    s += np.abs(lat)  # in place: one full-length temporary fewer
    alt = s > np.pi
    del s
    if np.any(alt):
        flex[alt] = np.sign(-b20[alt]) * np.pi - flex[alt]
        lat[alt] = np.arctan2(-b21[alt], -b22[alt])
        if yaw is not None:
            yaw[alt] = np.arctan2(-b10[alt], -b00[alt])


def _gradient(x: np.ndarray, fs: float, *, overwrite_x: bool = False) -> np.ndarray:
    """``np.gradient(x, 1 / fs)`` (central differences inside, one-sided at the ends) without
    its general-purpose overhead: 3 M samples in ~0.05 s instead of ~0.4 s. ``overwrite_x``:
    into ``x`` itself (returned), block by block with the one row each block's difference
    still needs kept aside — the same operations per element, so the same bits, and no fresh
    full-length array to fault in (8 h at 104 Hz: 24 MB per velocity)."""
    n = len(x)
    if not overwrite_x:
        out = np.empty_like(x, dtype=float)
        if n < 2:
            out[:] = 0.0
            return out
        np.subtract(x[2:], x[:-2], out=out[1:-1])
        out[1:-1] *= 0.5 * fs
        out[0] = (x[1] - x[0]) * fs
        out[-1] = (x[-1] - x[-2]) * fs
        return out
    if n < 2:
        x[:] = 0.0
        return x
    first, last = (x[1] - x[0]) * fs, (x[-1] - x[-2]) * fs
    half = 0.5 * fs
    tmp = np.empty(min(n, _BLOCK))
    before = x[0]  # x[a - 1] as it was, for the block starting at a
    for a in range(1, n - 1, _BLOCK):
        b = min(n - 1, a + _BLOCK)
        t = tmp[: b - a]
        t[0] = x[a + 1] - before
        np.subtract(x[a + 2 : b + 1], x[a : b - 1], out=t[1:])
        before = x[b - 1]
        t *= half
        x[a:b] = t
    x[0], x[-1] = first, last
    return x


def _unwrap(p: np.ndarray, *, overwrite_p: bool = False) -> np.ndarray:
    """``np.unwrap(p)`` of a 1-D float array, to the bit, computing the wrap correction only
    where a step is π or more (or NaN): elsewhere ``np.unwrap`` sets it to 0 after computing it
    (a ``mod`` over the whole array: 8 h at 104 Hz, ~0.05 s). Block by block (``_BLOCK``
    steps): the steps, their corrections and the corrections' running sum live in one scratch
    block in the cache, the sum carried from block to block as ``np.cumsum`` carries it (the
    same additions in the same order), so only the result is full length; ``overwrite_p``:
    the result in ``p`` itself (returned), no full-length array at all."""
    p = np.asarray(p, float)
    n = len(p)
    up = p if overwrite_p else np.empty_like(p)
    up[:1] = p[:1]
    period = 2 * np.pi
    hi = period / 2
    scratch = np.empty(min(max(n - 1, 0), _BLOCK))
    before = p[0] if n else 0.0  # p[a] as it was, for the block of steps starting at a
    carry: float | None = None  # the corrections' running sum up to the block before
    for a in range(0, n - 1, _BLOCK):  # steps a … b-1: p[a + 1 … b] less p[a … b-1]
        b = min(n - 1, a + _BLOCK)
        dd = scratch[: b - a]
        dd[0] = p[a + 1] - before
        np.subtract(p[a + 2 : b + 1], p[a + 1 : b], out=dd[1:])
        before = p[b]  # read before the result overwrites it
        # where np.unwrap keeps its correction: not |step| < π (NaN too), read from two
        # boolean masks instead of a float |step| (|x| < h is exactly -h < x < h)
        jump = np.flatnonzero(~((dd < hi) & (dd > -hi)))
        d = dd[jump]
        ddmod = np.mod(d - (-hi), period) + (-hi)
        np.copyto(ddmod, hi, where=(ddmod == -hi) & (d > 0))
        dd.fill(0.0)  # the steps are read: their block takes the corrections
        dd[jump] = ddmod - d
        if carry is not None:
            dd[0] = carry + dd[0]
        np.cumsum(dd, out=dd)
        carry = dd[-1]
        np.add(p[a + 1 : b + 1], dd, out=up[a + 1 : b + 1])
    return up


def _per_segment(x: np.ndarray, valid: np.ndarray, fn: Any) -> np.ndarray:
    """Apply ``fn`` to each run of valid samples of a 1-D array; NaN elsewhere."""
    if len(x) and bool(valid.all()):  # one run over everything: no NaN frame to fill
        return np.asarray(fn(x), dtype=float)
    out = np.full_like(x, np.nan, dtype=float)
    for s0, s1 in runs(valid):
        out[s0:s1] = fn(x[s0:s1])
    return out


def _mounted(time: np.ndarray, quat: np.ndarray, m0: np.ndarray, fs: float, valid: np.ndarray,
             cutoff_hz: float, masked: np.ndarray | None,
             mounts: Sequence[tuple[int, np.ndarray]],
             blends: Sequence[int | None] = ()) -> Angles:
    """:func:`trunk_angles` with a mounting per piece (see its ``mounts`` and ``blends``)."""
    n = len(time)
    edges = [0, *(min(max(int(i), 0), n) for i, _ in mounts), n]
    mats = [m0, *(m for _, m in mounts)]
    margin = max(settle_samples(float(fs), float(cutoff_hz)),
                 settle_samples(float(fs), YAW_REF_CUTOFF_HZ))
    # every row is written below (the pieces [edges[k], edges[k + 1]) that are not empty
    # cover [0, n): the last edge at or before a row starts a piece that reaches past it), so
    # no NaN fill first: one write pass over 6 full-length arrays fewer
    f, la, ax, fv, lv, av = (np.empty(n) for _ in range(6))
    out = Angles(np.asarray(time, float), f, la, ax, fv, lv, av, valid=valid,
                 masked=np.zeros(n, bool) if masked is None else np.asarray(masked, bool), fs=fs)
    names = ("flexion", "lateral", "axial", "flexion_velocity", "lateral_velocity",
             "axial_velocity")
    ends = [None, *blends, *([None] * (len(mounts) - len(blends)))]
    arrs = [getattr(out, name) for name in names]
    # mountings in row order (the analysis's): each piece (margins included) is made straight
    # into the result's rows, not in arrays of its own then copied (8 h with 19 slips: 1.4 x
    # the rows, ~14 k fresh pages a pass fewer). The rows before a are final (the pieces
    # before): kept aside and put back; the rows from a on still hold the piece before's own
    # reading past its end, which the blend below weighs: kept aside too. Out of order, a
    # piece can start before the one before it, over rows that reading was put back on: each
    # piece in arrays of its own, as before
    in_order = all(e <= f for e, f in zip(edges[:-1], edges[1:], strict=True))
    prev: tuple[tuple[np.ndarray, ...], int, int] | None = None  # a piece's reading, rows
    for k, m in enumerate(mats):  # per mounting: one, plus one per clip slip
        a, b = edges[k], edges[k + 1]
        if b <= a:
            continue
        e0, e1 = max(0, a - margin), min(n, b + margin)
        end = ends[k]
        c = a  # the blend's rows: [a, c)
        if end is not None and prev is not None:
            c = min(int(end), b, prev[2])
        if in_order:
            kept = [x[e0:a].copy() for x in arrs]
            old = [x[a:c].copy() for x in arrs] if c > a else []
            trunk_angles(time[e0:e1], quat[e0:e1], m, fs, valid[e0:e1], cutoff_hz=cutoff_hz,
                         out=tuple(x[e0:e1] for x in arrs))
            for x, kx in zip(arrs, kept, strict=True):
                x[e0:a] = kx
            prev = ((), e0, e1)
        else:
            part = _six(trunk_angles(time[e0:e1], quat[e0:e1], m, fs, valid[e0:e1],
                                     cutoff_hz=cutoff_hz))
            for x, px in zip(arrs, part, strict=True):
                x[a:b] = px[a - e0 : b - e0]
            old = ([px[a - prev[1] : c - prev[1]] for px in prev[0]]
                   if c > a and prev is not None else [])
            prev = (part, e0, e1)
        if old:
            # the slip's own movement: each mounting's reading weighted by how far it has got
            w = (np.arange(a, c) - a + 0.5) / (c - a)
            for x, ox in zip(arrs, old, strict=True):
                x[a:c] = (1.0 - w) * ox + w * x[a:c]
    return out


def tilt_angles(
    quat: np.ndarray,
    sensor_from_body: np.ndarray,
    fs: float,
    valid: np.ndarray | None = None,
    *,
    cutoff_hz: float = ANGLE_CUTOFF_HZ,
    mounts: Sequence[tuple[int, np.ndarray]] = (),
    blends: Sequence[int | None] = (),
    unmounted: tuple[np.ndarray, np.ndarray] | None = None,
    step: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """``flexion`` and ``lateral`` of :func:`trunk_angles` with the same arguments, to the bit,
    without its filters (velocities, the heading reference: ~3/4 of a pass): all the activity
    reads of the angles (``activity.classify``). Unfiltered, each row's angles are its own
    quaternion's, so each mounting's piece is only its rows (and a blend's rows read through
    the mounting before), not the piece with the filters' margins.

    ``unmounted``: this function's result for the same ``quat``, ``sensor_from_body`` and
    ``valid`` without ``mounts`` (arrays the caller no longer needs): its rows before the first
    mount are these rows' already, the rest is written over them and they are returned — the
    re-referenced tilt costs only the rows from the first clip slip on, and no fresh arrays.

    ``step``: only rows 0, step, 2·step, … (what ``activity.classify`` reads above
    ``ACTIVITY_FS_HZ``), each the same value as in the whole result; ``mounts`` and ``blends``
    stay in rows of ``quat``, ``unmounted`` is a result with the same ``step``."""
    q = np.asarray(quat, float)
    n = len(q)
    valid = np.ones(n, bool) if valid is None else (np.asarray(valid, bool) & np.isfinite(q[:, 0]))
    m0 = np.asarray(sensor_from_body, float)
    if step > 1:  # the rows read: row k of these is row k·step of the whole
        q, valid = q[::step], valid[::step]
    if not mounts:
        return unmounted if unmounted is not None else _tilt_rows(q, m0, valid)
    # the pieces, blends and their rows as :func:`_mounted` takes them
    edges = [0, *(min(max(int(i), 0), n) for i, _ in mounts), n]
    mats = [m0, *(m for _, m in mounts)]
    margin = max(settle_samples(float(fs), float(cutoff_hz)),
                 settle_samples(float(fs), YAW_REF_CUTOFF_HZ))
    ends = [None, *blends, *([None] * (len(mounts) - len(blends)))]
    def row(i: int) -> int:  # the first of the rows kept at or after row i of quat
        return -(-i // step)

    if unmounted is None:
        flex, lat = np.full(len(q), np.nan), np.full(len(q), np.nan)
        first = 0
    else:  # every piece after the first starts at or after the first mount
        flex, lat = unmounted
        first = min(edges[1:-1])
    prev: tuple[np.ndarray, int] | None = None  # the mounting before, its window's end
    for k, m in enumerate(mats):  # per mounting: one, plus one per clip slip
        a, b = edges[k], edges[k + 1]
        if b <= a:
            continue
        ka, kb = row(a), row(b)  # the kept rows of [a, b)
        if kb > max(ka, row(first)):  # (the first piece's rows before ``first``: ``unmounted``'s)
            a1 = max(ka, row(first))
            flex[a1:kb], lat[a1:kb] = _tilt_span(q, m, valid, a1, kb)
        end = ends[k]
        if end is not None and prev is not None:
            c = min(int(end), b, prev[1])
            kc = row(c)
            if c > a and kc > ka:
                f_old, l_old = _tilt_span(q, prev[0], valid, ka, kc)
                # each kept row's weight as the whole result's row of quat has it
                w = (np.arange(ka, kc) * step - a + 0.5) / (c - a)
                flex[ka:kc] = (1.0 - w) * f_old + w * flex[ka:kc]
                lat[ka:kc] = (1.0 - w) * l_old + w * lat[ka:kc]
        prev = (m, min(n, b + margin))
    return flex, lat


def _tilt_span(q: np.ndarray, m: np.ndarray, valid: np.ndarray, a: int, b: int
               ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_tilt_rows` of rows [a, b), b > a. A lone row is read with a neighbour: numpy
    multiplies a single quaternion as a matrix-vector product, whose rounding differs from the
    matrix product's that :func:`trunk_angles` reads it with (see :func:`_blocks`)."""
    if b - a > 1 or len(q) < 2:
        return _tilt_rows(q[a:b], m, valid[a:b])
    a0 = a if a + 2 <= len(q) else a - 1
    f, la = _tilt_rows(q[a0:a0 + 2], m, valid[a0:a0 + 2])
    return f[a - a0:b - a0], la[a - a0:b - a0]


def _tilt_rows(q: np.ndarray, m: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flexion and lateral bend of rows ``q`` as :func:`trunk_angles` makes them (NaN where
    not ``valid``)."""
    all_valid = bool(valid.all())
    qv = q if all_valid else np.where(valid[:, None], q, [1.0, 0.0, 0.0, 0.0])
    # euler_from_quat's blocks without the yaw
    n = len(qv)
    flex, lat = np.empty(n), np.empty(n)
    rq = _right_product(m)
    for sl in _blocks(n):
        _euler_rows(qv[sl], m, flex[sl], lat[sl], None, rq)
    if not all_valid:
        flex[~valid] = np.nan
        lat[~valid] = np.nan
    return flex, lat


def trunk_angles(
    time: np.ndarray,
    quat: np.ndarray,
    sensor_from_body: np.ndarray,
    fs: float,
    valid: np.ndarray | None = None,
    *,
    cutoff_hz: float = ANGLE_CUTOFF_HZ,
    masked: np.ndarray | None = None,
    mounts: Sequence[tuple[int, np.ndarray]] = (),
    blends: Sequence[int | None] = (),
    out: tuple[np.ndarray, ...] | None = None,
) -> Angles:
    """Offline (zero-phase) trunk angles and velocities from sensor orientation.

    Args:
        time: (N,) s. quat: (N, 4) sensor-to-earth ``[w, x, y, z]``.
        sensor_from_body: (3, 3) calibration ``M``.
        fs: grid rate in Hz. valid: (N,) rows to use (others give NaN).
        cutoff_hz: zero-phase low-pass applied to the angles before differentiation.
        mounts: (row index, ``M``) pairs in row order: from each index on, that mounting
            (a clip slip re-referenced, :mod:`kyphos.processing.clipslip`). The angles are
            each mounting's own; the filters (velocities, the heading reference of axial
            rotation) run once over the pieces joined without a step, so a re-reference adds
            no velocity spike and costs no second pass over the recording.
        blends: per mount, None or the row where the change of mounting ends: across
            [index, end) the angles go linearly from the old mounting's to the new one's
            (a clip slip's own movement, :class:`kyphos.processing.clipslip.ReReference`).
        out: six (N,) float arrays (flexion, lateral, axial and their velocities; no mounts)
            the angles are written into, the same values: with every row valid, each is made
            in its own (the per-mounting pieces of :func:`_mounted`: no fresh arrays per
            piece), else made as without and copied in.
    """
    n = len(time)
    valid = np.ones(n, bool) if valid is None else (np.asarray(valid, bool) & np.isfinite(quat[:, 0]))
    all_valid = bool(valid.all())
    q = np.asarray(quat, float) if all_valid else np.where(valid[:, None], quat, [1.0, 0.0, 0.0, 0.0])
    if mounts:
        return _mounted(time, quat, sensor_from_body, fs, valid, cutoff_hz, masked, mounts,
                        blends)
    if out is not None:
        if not all_valid:  # the NaN-framed pieces: made as without out, then copied
            got = trunk_angles(time, quat, sensor_from_body, fs, valid, cutoff_hz=cutoff_hz,
                               masked=masked)
            for dst, src in zip(out, _six(got), strict=True):
                dst[...] = src
            return replace(got, flexion=out[0], lateral=out[1], axial=out[2],
                           flexion_velocity=out[3], lateral_velocity=out[4],
                           axial_velocity=out[5])
        return _trunk_angles_into(time, q, sensor_from_body, fs, valid, cutoff_hz, masked, out)
    flex, lat, yaw = euler_from_quat(q, sensor_from_body)

    def smooth(x: np.ndarray) -> np.ndarray:
        return lowpass(x, fs, cutoff_hz)

    def rel_yaw(y: np.ndarray) -> np.ndarray:
        yu = _unwrap(y, overwrite_p=True)  # np.unwrap's values, in the yaw's own array
        ref = lowpass(yu, fs, YAW_REF_CUTOFF_HZ)
        # -(yu - ref) in the reference's array: the same operations, two arrays fewer
        return np.negative(np.subtract(yu, ref, out=ref), out=ref)

    def deriv(x: np.ndarray) -> np.ndarray:  # x: a smoothed angle of this call's own
        return _gradient(x, fs, overwrite_x=True)

    def velocity(x: np.ndarray) -> np.ndarray:
        # each smoothed angle freed once differentiated: one full-length temporary at a
        # time, not three (the same values: the same calls on the same arrays)
        return _per_segment(_per_segment(x, valid, smooth), valid, deriv)

    axial = _per_segment(yaw, valid, rel_yaw)
    del yaw
    finite_axial = all_valid and all_finite(axial)
    flex_v = velocity(flex)
    lat_v = velocity(lat)
    axial_v = velocity(axial if finite_axial else np.nan_to_num(axial))
    return Angles(
        time=np.asarray(time, float),
        flexion=flex if all_valid else np.where(valid, flex, np.nan),
        lateral=lat if all_valid else np.where(valid, lat, np.nan),
        axial=axial,
        flexion_velocity=flex_v,
        lateral_velocity=lat_v,
        axial_velocity=axial_v,
        valid=valid,
        masked=np.zeros(n, bool) if masked is None else np.asarray(masked, bool),
        fs=fs,
    )


def _six(a: Angles) -> tuple[np.ndarray, ...]:
    """The six angle arrays of ``a``, in :func:`trunk_angles`' ``out`` order."""
    return (a.flexion, a.lateral, a.axial, a.flexion_velocity, a.lateral_velocity,
            a.axial_velocity)


def _trunk_angles_into(time: np.ndarray, q: np.ndarray, sensor_from_body: np.ndarray,
                       fs: float, valid: np.ndarray, cutoff_hz: float,
                       masked: np.ndarray | None, out: tuple[np.ndarray, ...]) -> Angles:
    """:func:`trunk_angles` of rows that are all valid, each angle written into ``out``'s
    array: the same operations on the same values (the yaw is unwrapped in the axial's array
    and its heading reference low-passed into the axial velocity's, which is free until the
    axial is differentiated; ``-(yu - ref)`` as a subtraction then a negation in place), so
    the same bits."""
    f, la, ax, fv, lv, av = out
    euler_from_quat(q, sensor_from_body, out=(f, la, ax))
    yu = _unwrap(ax, overwrite_p=True)  # np.unwrap's values, in the yaw's own array
    ref = lowpass(yu, fs, YAW_REF_CUTOFF_HZ, out=av)
    np.negative(np.subtract(yu, ref, out=yu), out=yu)

    def velocity(x: np.ndarray, dst: np.ndarray) -> None:
        _gradient(lowpass(x, fs, cutoff_hz, out=dst), fs, overwrite_x=True)

    velocity(f, fv)
    velocity(la, lv)
    velocity(ax if all_finite(ax) else np.nan_to_num(ax), av)
    n = len(time)
    return Angles(
        time=np.asarray(time, float), flexion=f, lateral=la, axial=ax, flexion_velocity=fv,
        lateral_velocity=lv, axial_velocity=av, valid=valid,
        masked=np.zeros(n, bool) if masked is None else np.asarray(masked, bool), fs=fs,
    )


class CausalAngles:
    """The live counterpart of :func:`trunk_angles`: causal filters with carried state."""

    def __init__(self, sensor_from_body: np.ndarray, fs: float, cutoff_hz: float = ANGLE_CUTOFF_HZ):
        self.m = np.asarray(sensor_from_body, float)
        self.fs = fs
        self._lp = CausalLowpass(fs, cutoff_hz, 3)
        self._yaw_ref = CausalLowpass(fs, YAW_REF_CUTOFF_HZ, 1)
        self._last_yaw: float | None = None
        self._prev: np.ndarray | None = None  # last smoothed (flex, lat, axial)

    def remount(self, sensor_from_body: np.ndarray, quat: np.ndarray) -> None:
        """Use a new mounting from the next chunk on, with the carried state moved by what it
        changes in the angles at orientation ``quat`` ([w, x, y, z], the last one seen), so
        the change does not read as a velocity (a live clip-slip re-reference)."""
        new = np.asarray(sensor_from_body, float)
        q = np.asarray(quat, float).reshape(1, 4)
        f0, l0, y0 = (float(x[0]) for x in euler_from_quat(q, self.m))
        f1, l1, y1 = (float(x[0]) for x in euler_from_quat(q, new))
        dy = float(np.angle(np.exp(1j * (y1 - y0))))
        # the axial angle is yaw less its slow reference: both move by dy, the axial angle not
        d = np.array([f1 - f0, l1 - l0, 0.0])
        self._lp.shift(d)
        if self._prev is not None:
            self._prev = self._prev + d
        self._yaw_ref.shift(np.array([dy]))
        if self._last_yaw is not None:
            self._last_yaw += dy
        self.m = new

    def __call__(self, time: np.ndarray, quat: np.ndarray) -> Angles:
        flex, lat, yaw = euler_from_quat(quat, self.m)
        if len(yaw) == 0:
            e = np.zeros(0)
            return Angles(e, e, e, e, e, e, e, np.zeros(0, bool), fs=self.fs)
        # continue the unwrap across chunks
        start = yaw[0] if self._last_yaw is None else self._last_yaw
        yu = np.unwrap(np.concatenate([[start], yaw]))[1:]
        self._last_yaw = float(yu[-1])
        axial = -(yu - self._yaw_ref(yu[:, None])[:, 0])
        sm = self._lp(np.column_stack([flex, lat, axial]))
        prev = sm[:1] if self._prev is None else self._prev
        vel = np.diff(np.concatenate([prev, sm]), axis=0) * self.fs  # backward difference
        self._prev = sm[-1:]
        return Angles(
            time=np.asarray(time, float),
            flexion=flex,
            lateral=lat,
            axial=axial,
            flexion_velocity=vel[:, 0],
            lateral_velocity=vel[:, 1],
            axial_velocity=vel[:, 2],
            valid=np.ones(len(flex), bool),
            fs=self.fs,
        )


def vertical_acceleration(quat: np.ndarray, acc: np.ndarray, g: float = 9.81) -> np.ndarray:
    """(N,) earth-vertical free acceleration of the sensor in m/s² (+ up); NaN where unknown.
    Block by block (:func:`_blocks`): the scratch stays in the cache and only the result is
    full length (8 h at 104 Hz: two 24 MB temporaries fewer to fault in), the same operations
    per element, so the same bits."""
    q = np.asarray(quat, float)
    acc = np.asarray(acc, float)
    n = len(q)
    a = np.empty(n)
    scratch = np.empty((2, min(n, _BLOCK + 1)))
    for sl in _blocks(n):
        _vertical_rows(q[sl], acc[sl], g, a[sl], scratch[:, : sl.stop - sl.start])
    return a


def _vertical_rows(q: np.ndarray, acc: np.ndarray, g: float, a: np.ndarray,
                   scratch: np.ndarray) -> None:
    """:func:`vertical_acceleration` of rows ``q``, ``acc`` into ``a`` (``scratch``: (2, rows))."""
    w, x, y, z = (q[:, k] for k in range(4))
    t, u = scratch
    # 2(xz − wy)·a0 + 2(yz + wx)·a1 + (1 − 2(x² + y²))·a2 − g, evaluated in place in the same
    # order with the same IEEE operations (same bits), two scratch rows instead of ~12 arrays
    np.multiply(x, z, out=a)
    np.multiply(w, y, out=t)
    a -= t
    a *= 2
    a *= acc[:, 0]
    np.multiply(y, z, out=t)
    np.multiply(w, x, out=u)
    t += u
    t *= 2
    t *= acc[:, 1]
    a += t
    np.multiply(x, x, out=t)
    np.multiply(y, y, out=u)
    t += u
    t *= -2
    t += 1
    t *= acc[:, 2]
    a += t
    a -= g
    a[zero_rows(acc)] = np.nan  # masked samples
