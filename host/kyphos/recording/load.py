"""``kyphos.load(path)``: a recording (``.kyr``, a board's flash log, or CSV) → Session.

Steps, all vectorised over records or samples except the record walk in
:func:`kyphos.recording.kyr.scan_records`:

1. index the valid records (damage is reported, never raised);
2. split into *epochs* at ``EVENT BOOT`` frames (a BOOT from a back-filled flash log with the
   seq and t_us of a received BOOT re-enters that epoch);
3. per epoch, unwrap ``t_us`` (a step back of more than 2³¹ µs is a wrap) and the data ``seq``;
4. drop duplicate data frames (same epoch and unwrapped seq), keeping the first;
5. place each epoch on the recording's clock: the first epoch as is, later ones by the median
   offset between host receive time and device time (or right after the previous epoch when
   no host times exist); time 0 is the first IMU sample;
6. expand IMU/QUAT batches to samples: ``t + i·period_ns``, SI scaling from INFO (the frame
   at or before each batch, else the first INFO, else the header's ``device``);
7. gaps: sample steps longer than 1.5 periods, FIFO overruns, reboots; haptic mask from
   ``HAPTIC_ON``/``HAPTIC_OFF`` events and the IMU haptic flag.
"""

from __future__ import annotations

import mmap
import os
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, cast

import numpy as np

from kyphos.errors import FrameError, RecordingError
from kyphos.protocol.bulk import Batches, copy_rows, decode_batches, field, gather, read_headers
from kyphos.protocol.constants import IMU_HAPTIC, IMU_OVERRUN, EventKind, FrameType
from kyphos.protocol.fields import payload_to_fields
from kyphos.protocol.frames import Info, decode_frame
from kyphos.recording.kyr import read_file, read_header, reading, scan_records
from kyphos.recording.quality import GAP_STEPS
from kyphos.session import EVENT_DTYPE, STATUS_DTYPE, Damage, Deferred, Session

_DEVICE_TYPES = np.zeros(256, bool)
_DEVICE_TYPES[[t for t in FrameType if t not in (FrameType.CMD, FrameType.NOTE)]] = True
_DATA = np.zeros(256, bool)
_DATA[[FrameType.IMU, FrameType.QUAT, FrameType.STATUS, FrameType.EVENT]] = True


def load(
    path: str | os.PathLike[str],
    *,
    start_s: float | None = None,
    end_s: float | None = None,
    **kw: Any,
) -> Session:
    """Load a recording as a :class:`~kyphos.session.Session` (SI units).

    ``.csv`` files go to :func:`kyphos.recording.csv.load_csv` (with ``kw``); anything else
    must be a ``.kyr`` file (a host recording or a board's flash log). Raises
    :class:`~kyphos.errors.RecordingError` if the file cannot be read as a recording;
    damage inside a readable file is listed in ``Session.damage``.

    ``start_s``/``end_s`` (``.kyr`` only) load the samples with ``start_s <= time < end_s``
    on the recording's own clock (the times a whole load gives them), and the events, status,
    notes and gaps inside that range: only the frames in the range are decoded into samples,
    so an hour of a day-long recording takes an hour's memory for its samples (plus ~20 B per
    record of the whole file for the record index). See :func:`load_bytes`.
    """
    p = Path(path)
    if p.suffix.lower() == ".csv":
        if start_s is not None or end_s is not None:
            raise TypeError("start_s/end_s: .kyr recordings only (slice a CSV session instead)")
        from kyphos.recording.csv import load_csv

        return load_csv(path, **kw)  # type: ignore[no-any-return]
    if kw:
        raise TypeError(f"unexpected options for a .kyr file: {', '.join(kw)}")
    session = load_bytes(read_file(p), name=str(p), start_s=start_s, end_s=end_s)
    session.path = p
    return session


def _signed_unwrap(values: np.ndarray, group_start: np.ndarray, bits: int) -> np.ndarray:
    """Unwrap a wrapping counter in order, restarting at each True of ``group_start``."""
    v = values.astype(np.int64)
    d = np.empty_like(v)
    if len(v) == 0:
        return d
    half, mod = 1 << (bits - 1), 1 << bits
    d[1:] = (np.diff(v) + half) % mod - half
    d[group_start] = v[group_start]
    d[0] = v[0]
    return np.cumsum(d)


def _unwrap_per_epoch(
    values: np.ndarray, rows: np.ndarray, epoch: np.ndarray, bits: int
) -> np.ndarray:
    """``values`` of ``rows`` unwrapped in file order within each epoch (0 at other rows)."""
    order = rows[np.argsort(epoch[rows], kind="stable")]
    starts = np.ones(len(order), bool)
    starts[1:] = epoch[order][1:] != epoch[order][:-1]
    out = np.zeros(len(values), np.int64)
    out[order] = _signed_unwrap(values[order], starts, bits)
    return out


def load_bytes(
    buf: bytes, name: str = "data", start_s: float | None = None, end_s: float | None = None
) -> Session:
    """Load a recording from its bytes; see :func:`load` (``start_s``/``end_s``: a time range,
    equal to the whole load's samples in that range)."""
    ranged = start_s is not None or end_s is not None
    lo, hi = _bounds(name, start_s, end_s)
    return _session(_index(buf, name, values=not ranged), lo, hi, ranged)


class KyrReader:
    """A ``.kyr`` recording indexed once, read a time range at a time.

    ``KyrReader(path).session(start_s, end_s)`` is ``kyphos.load(path, start_s=…, end_s=…)``
    without reading the file and walking its records again: the index (record offsets, epochs,
    clock placement, per-frame fields, events, status, notes) is built in the constructor and
    each call decodes only the frames in its range. The file is memory-mapped, and its pages
    are dropped from the process's resident set after the index and after each range (the
    file must not be truncated while a reader uses it; appending is harmless: the reader sees
    the file as it was).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._map = _map_file(self.path)
        self._ix = _index(cast(bytes, self._map), str(self.path), values=False)
        self._release()

    def close(self) -> None:
        """Drop the index and the file's mapping (the reader reads no more ranges; what it
        returned stays valid): the chunked analysis's memory after its first pass."""
        ix = self.__dict__.pop("_ix", None)
        del ix
        m = self.__dict__.pop("_map", None)
        if isinstance(m, mmap.mmap):
            try:
                m.close()
            except BufferError:  # an array still views the file: unmapped when it goes
                pass

    def _release(self) -> None:
        """Drop the file's pages from this process's resident set (``madvise(MADV_DONTNEED)``
        on the read-only mapping: the kernel reads them again from the page cache or the disk
        when a range needs them), so the reader holds its index, not the file."""
        if isinstance(self._map, mmap.mmap) and hasattr(mmap, "MADV_DONTNEED"):
            self._map.madvise(mmap.MADV_DONTNEED)

    @property
    def end_s(self) -> float:
        """Time just after the last IMU sample, on the recording's clock (0: no samples)."""
        ix = self._ix
        if not len(ix.imu_r):
            return 0.0
        last = float(ix.rec_t[ix.imu_r[-1]]) - ix.t0
        return last + float(ix.imu.count[-1] * ix.imu.period_ns[-1]) * 1e-9

    @property
    def fs(self) -> float:
        """The recording's nominal sample rate, Hz (as ``Session.fs``)."""
        return float(self._ix.fs)

    @property
    def header(self) -> dict[str, Any]:
        return dict(self._ix.header)

    @property
    def info(self) -> dict[str, Any] | None:
        return self._ix.info

    @property
    def events(self) -> np.ndarray:
        """Every event of the recording (``EVENT_DTYPE``), without reading any samples."""
        return self._ix.events

    @property
    def notes(self) -> list[tuple[float, dict[str, Any]]]:
        """Every NOTE record of the recording as ``(t_s, dict)``."""
        return list(self._ix.notes)

    @property
    def damage(self) -> list[Damage]:
        return list(self._ix.damage)

    def session(self, start_s: float | None = None, end_s: float | None = None) -> Session:
        """The samples with ``start_s <= time < end_s`` (None: open), as :func:`load` gives."""
        s = _session(self._ix, *_bounds(str(self.path), start_s, end_s), ranged=True)
        s.path = self.path
        self._release()  # the session holds copies of what it read
        return s


def _map_file(path: Path) -> mmap.mmap | bytes:
    """The file memory-mapped read-only (its bytes for an empty file, which cannot be
    mapped); the same errors as :func:`kyphos.recording.kyr.read_file` (both read inside
    :func:`kyphos.recording.kyr.reading`)."""
    with reading(path), open(path, "rb") as f:
        if os.fstat(f.fileno()).st_size == 0:
            return b""
        return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)


def _bounds(name: str, start_s: float | None, end_s: float | None) -> tuple[float, float]:
    lo = -np.inf if start_s is None else float(start_s)
    hi = np.inf if end_s is None else float(end_s)
    if not lo < hi:
        raise RecordingError(f"{name}: empty time range {lo:g} … {hi:g} s")
    return lo, hi


@dataclass
class _Index:
    """What :func:`_index` learns from the whole file; :func:`_session` reads a range of it."""

    name: str
    header: dict[str, Any]
    arr: np.ndarray
    rec: np.ndarray
    fh: Any
    host_s: np.ndarray
    rec_t: np.ndarray
    epoch: np.ndarray
    imu_r: np.ndarray
    imu: Batches
    quat_r: np.ndarray
    quat: Batches
    acc_scale: np.ndarray
    gyr_scale: np.ndarray
    info: dict[str, Any] | None
    fs: float
    t0: float
    first_imu: np.ndarray
    uniform_imu: bool
    first_quat: np.ndarray
    uniform_quat: bool
    events: np.ndarray
    status: np.ndarray
    notes: list[tuple[float, dict[str, Any]]]
    damage: list[Damage]


def _index(buf: bytes, name: str, values: bool) -> _Index:
    """Steps 1–5 and the per-frame part of 6 over the whole file (``values``: decode every
    sample now, for a whole load)."""
    header, start = read_header(buf, name)
    index = scan_records(buf, start)
    damage = list(index.damage)
    arr = np.frombuffer(buf, np.uint8)
    rec = index.offsets
    fh = read_headers(arr, rec + 8)
    host_us = field(copy_rows(arr, rec, 8), 0, "<i8")
    ftype = fh.type

    # 1. INFO frames (few): decode with the frame decoder.
    infos: list[tuple[int, Info]] = []  # (record number, payload)
    for r in np.flatnonzero(ftype == FrameType.INFO).tolist():
        try:
            frame, _ = decode_frame(buf, int(rec[r]) + 8)
        except FrameError as exc:
            damage.append(Damage(int(rec[r]), int(fh.length[r]) + 22, "corrupt", exc.reason))
            continue
        assert isinstance(frame.payload, Info)
        infos.append((r, frame.payload))

    # 2. Epochs at BOOT events. A received BOOT always starts one; a BOOT read from the flash
    # log (host_us −1) with the seq and t_us of a received one re-enters that epoch.
    is_event = ftype == FrameType.EVENT
    ev_ok = is_event & (fh.length == 4)
    is_boot = ev_ok & (arr[rec + 18] == EventKind.BOOT)
    boot = np.flatnonzero(is_boot)
    epoch_of_boot: list[int] = []
    live: dict[tuple[int, int], int] = {}  # (seq, t_us) of received BOOTs → latest epoch
    for r in boot.tolist():
        key = (int(fh.seq[r]), int(fh.t_us[r]))
        if host_us[r] < 0 and key in live:
            epoch_of_boot.append(live[key])
            continue
        epoch_of_boot.append(len(epoch_of_boot) + 1)
        if host_us[r] >= 0:
            live[key] = epoch_of_boot[-1]
    boot_no = np.cumsum(is_boot)  # BOOTs at or before each record
    epoch = np.concatenate([[0], epoch_of_boot]).astype(np.int64)[boot_no]

    # 3. Unwrap t_us (device frames) and the data seq, per epoch, in file order.
    dev = np.flatnonzero(_DEVICE_TYPES[ftype])
    t_dev = _unwrap_per_epoch(fh.t_us, dev, epoch, 32)
    data = np.flatnonzero(_DATA[ftype])
    useq = _unwrap_per_epoch(fh.seq, data, epoch, 16)

    # 4. Duplicate data frames (same epoch + seq): keep the first in the file.
    keep = np.ones(len(rec), bool)
    if len(data):
        dkey = epoch[data] * (1 << 40) + useq[data]
        _, first = np.unique(dkey, return_index=True)
        dup = np.ones(len(data), bool)
        dup[first] = False
        keep[data[dup]] = False

    # 5. Place epochs: offset (s) added to device time.
    host_s = np.where(host_us >= 0, host_us * 1e-6, np.nan)
    dev_s = t_dev * 1e-6
    epochs = np.unique(epoch[dev]) if len(dev) else np.zeros(0, np.int64)
    offset: dict[int, float] = {}
    prev_end: float | None = None
    ref: float | None = None  # host − device of the first epoch placed by host time
    for e in epochs.tolist():  # few epochs: one loop step each
        sel = dev[epoch[dev] == e]
        lag = host_s[sel] - dev_s[sel]
        lag = lag[np.isfinite(lag)]
        if ref is None and prev_end is None:
            off = 0.0
            ref = float(np.median(lag)) if len(lag) else None
        elif len(lag) and ref is not None:
            off = float(np.median(lag)) - ref
        else:
            off = (prev_end or 0.0) - float(dev_s[sel].min())
            if ref is None and len(lag):
                ref = float(np.median(lag)) - off
        offset[e] = off
        prev_end = float(dev_s[sel].max()) + off + 1e-3
    off_arr = np.zeros(len(rec))
    if offset:
        lut = np.zeros(int(epochs.max()) + 1)
        lut[list(offset)] = list(offset.values())
        off_arr = lut[epoch]
    rec_t = dev_s + off_arr  # recording clock (before moving 0 to the first IMU sample)

    # 6. Batches.
    imu_r = np.flatnonzero((ftype == FrameType.IMU) & keep)
    imu = decode_batches(arr, rec[imu_r] + 8, fh.length[imu_r], 6, values=values)
    quat_r = np.flatnonzero((ftype == FrameType.QUAT) & keep)
    quat = decode_batches(arr, rec[quat_r] + 8, fh.length[quat_r], 4, values=values)
    for rows, b, what in ((imu_r, imu, "IMU"), (quat_r, quat, "QUAT")):
        for r in rows[b.bad].tolist():
            damage.append(Damage(int(rec[r]), int(fh.length[r]) + 22, "corrupt",
                                 f"{what} count does not match the payload length"))
    imu_r, quat_r = imu_r[imu.frame], quat_r[quat.frame]

    # Sort frames by time (back-filled frames may come late in the file).
    imu_r, imu = _sort_batches(imu_r, imu, rec_t)
    quat_r, quat = _sort_batches(quat_r, quat, rec_t)
    acc_scale, gyr_scale, info_fields, odr = _scales(infos, header, imu_r, len(imu_r) > 0, name)
    # whole-recording facts a range keeps: time 0, first sample index and period of each
    # frame's samples, whether one period holds for all, the median period (sample rate)
    t0 = float(rec_t[imu_r[0]]) if len(imu_r) else (float(rec_t[dev].min()) if len(dev) else 0.0)
    first_imu, uniform_imu = _first_and_uniform(imu)
    first_quat, uniform_quat = _first_and_uniform(quat)
    med_period = float(np.median(imu.period_ns)) if len(imu_r) else 0.0
    fs = odr if odr > 0 else (1e9 / med_period if med_period > 0 else 0.0)

    # Events and status.
    ev_r = np.flatnonzero(ev_ok & keep)
    events = np.zeros(len(ev_r), EVENT_DTYPE)
    events["time"] = rec_t[ev_r] - t0
    events["kind"] = arr[rec[ev_r] + 18]
    events["arg"] = arr[rec[ev_r] + 19]
    events["value"] = gather(arr, rec[ev_r] + 20, "<i2")
    events = events[np.argsort(events["time"], kind="stable")]
    st_r = np.flatnonzero((ftype == FrameType.STATUS) & (fh.length == 28) & keep)
    status = np.zeros(len(st_r), STATUS_DTYPE)
    status["time"] = rec_t[st_r] - t0
    pos = 18
    for fname in STATUS_DTYPE.names[1:]:  # type: ignore[index]
        dt = STATUS_DTYPE[fname].newbyteorder("<")
        status[fname] = gather(arr, rec[st_r] + pos, dt.str)
        pos += dt.itemsize
    status = status[np.argsort(status["time"], kind="stable")]
    for what, mask, size in (("EVENT", is_event, 4), ("STATUS", ftype == FrameType.STATUS, 28)):
        for r in np.flatnonzero(mask & (fh.length != size)).tolist():
            damage.append(Damage(int(rec[r]), int(fh.length[r]) + 22, "corrupt",
                                 f"{what} payload of {int(fh.length[r])} bytes, expected {size}"))

    notes = _notes(buf, rec, ftype, host_s, rec_t, dev, epoch, t0, damage)
    damage.sort(key=lambda d: d.offset)
    return _Index(
        name, header, arr, rec, fh, host_s, rec_t, epoch, imu_r, imu, quat_r, quat, acc_scale,
        gyr_scale, info_fields, fs, t0, first_imu, uniform_imu, first_quat, uniform_quat,
        events, status, notes, damage,
    )


def _session(ix: _Index, lo: float, hi: float, ranged: bool) -> Session:
    """The samples in ``[lo, hi)`` (step 6 for the frames there, step 7) as a Session; the
    events, status, notes and gaps inside the range. ``ranged``: the index holds no samples
    (``_index(values=False)``), so the frames in the range are decoded here; else it is the
    whole load."""
    arr, rec, fh, rec_t, t0 = ix.arr, ix.rec, ix.fh, ix.rec_t, ix.t0
    imu_r, imu, quat_r, quat = ix.imu_r, ix.imu, ix.quat_r, ix.quat
    acc_scale, gyr_scale = ix.acc_scale, ix.gyr_scale
    first_imu, uniform_imu = ix.first_imu, ix.uniform_imu
    first_quat, uniform_quat = ix.first_quat, ix.uniform_quat
    host_s, events, status, notes = ix.host_s, ix.events, ix.status, ix.notes
    trim = slice(None)
    if ranged:  # frames overlapping the range; their samples decoded now; trimmed below
        k = _overlapping(rec_t[imu_r] - t0, imu, lo, hi)
        imu_r, imu, first_imu = imu_r[k], _decode_rows(arr, rec, fh, imu_r, imu, k, 6), first_imu[k]
        acc_scale, gyr_scale = acc_scale[k], gyr_scale[k]
        kq = _overlapping(rec_t[quat_r] - t0, quat, lo, hi)
        quat_r, quat = quat_r[kq], _decode_rows(arr, rec, fh, quat_r, quat, kq, 4)
        first_quat = first_quat[kq]

    frame_t = rec_t[imu_r]
    period_ns = imu.period_ns
    time_raw, period_s = _sample_times(frame_t, imu.count, period_ns, first_imu, uniform_imu)
    n_imu = len(time_raw)
    if ranged:
        i0, i1 = np.searchsorted(time_raw - t0, [lo, hi])
        trim = slice(int(i0), int(i1))
    imu_flags, imu_count = imu.flags, imu.count
    # Host times, on-device orientation: deferred (made on first read, see Session.defer);
    # the analysis reads neither, and they were 40 % of the loaded session (issue 17).
    host_time = partial(_host_times, host_s[imu_r] - frame_t, frame_t, imu_count, period_ns,
                        first_imu, uniform_imu, trim)
    qframe_t = rec_t[quat_r]
    qtrim = slice(None)
    n_quat = len(quat.values)
    if ranged:  # the quaternion samples in the range (their times: 8 B per sample, for now)
        q_at = _sample_times(qframe_t, quat.count, quat.period_ns, first_quat, uniform_quat)[0]
        q0, q1 = np.searchsorted(q_at - t0, [lo, hi])
        qtrim, n_quat = slice(int(q0), int(q1)), int(q1 - q0)
        del q_at
    quat_time = partial(_quat_times, qframe_t, quat.count, quat.period_ns, t0, first_quat,
                        uniform_quat, qtrim)
    quat_values = partial(_quat_values, quat.values, qtrim)
    time = time_raw
    time -= t0  # in place: time_raw is not used after this

    haptic = _haptic(time, events, imu_flags, imu_count)
    gaps = _gaps(time, period_s, imu_flags, imu_count, ix.epoch[imu_r])
    if ranged:  # what lies in the range: samples, and events, status, notes, gaps within them
        time, haptic = time[trim], haptic[trim]
        n_imu = len(time)
        events = events[(events["time"] >= lo) & (events["time"] < hi)]
        status = status[(status["time"] >= lo) & (status["time"] < hi)]
        notes = [(t, d) for t, d in notes if lo <= t < hi]
        if n_imu:
            gaps = gaps[(gaps[:, 0] >= time[0]) & (gaps[:, 1] <= time[-1])]
        else:
            gaps = gaps[:0]
    # acc and gyr: the int16 counts (12 B per sample) kept, float64 built when read
    # (Session.rows builds them for one use without keeping them: what the analysis does)
    acc = Deferred(partial(_scaled, imu.values, 0, acc_scale, imu_count, trim), n_imu)
    gyr = Deferred(partial(_scaled, imu.values, 3, gyr_scale, imu_count, trim), n_imu)
    session = Session(
        time=time, acc=cast(np.ndarray, acc), gyr=cast(np.ndarray, gyr), fs=ix.fs,
        haptic=haptic, events=events, status=status, notes=list(notes), gaps=gaps,
        header=dict(ix.header), info=ix.info, damage=list(ix.damage),
    )
    session.defer("host_time", host_time, n_imu)
    session.defer("quat_time", quat_time, n_quat)
    session.defer("quat", quat_values, n_quat)
    return session


def _scaled(
    counts: np.ndarray, col: int, scale: np.ndarray, count: np.ndarray, trim: slice, step: int = 1
) -> np.ndarray:
    """(N, 3) SI values of the int16 columns ``col … col + 2``: counts × the scale of each
    sample's frame (every ``step``-th row of ``trim``)."""
    per = _per_sample(scale, count)
    if not isinstance(per, float):
        per = per[trim][::step]
    return np.multiply(counts[trim][::step, col : col + 3], per, dtype=np.float64)


def _host_times(
    host_minus_dev: np.ndarray,
    frame_t: np.ndarray,
    count: np.ndarray,
    period_ns: np.ndarray,
    first: np.ndarray | None = None,
    uniform: bool | None = None,
    trim: slice = slice(None),
) -> np.ndarray:
    """Per-sample host receive time (s since the Unix epoch; NaN for flash-log samples): each
    frame's host-minus-device offset plus the sample's device time (:func:`_sample_times`)."""
    out = np.repeat(host_minus_dev, count)
    out += _sample_times(frame_t, count, period_ns, first, uniform)[0]
    return out[trim].copy() if trim != slice(None) else out


def _quat_times(
    frame_t: np.ndarray,
    count: np.ndarray,
    period_ns: np.ndarray,
    t0: float,
    first: np.ndarray | None = None,
    uniform: bool | None = None,
    trim: slice = slice(None),
) -> np.ndarray:
    """Times of the on-device orientation samples on the recording clock (0 at the first IMU
    sample)."""
    qtime, _ = _sample_times(frame_t, count, period_ns, first, uniform)
    qtime -= t0
    return qtime[trim].copy() if trim != slice(None) else qtime


def _quat_values(counts: np.ndarray, trim: slice = slice(None)) -> np.ndarray:
    """On-device quaternions ``[w, x, y, z]`` from their int16 counts (Q14, 1.0 = 16384)."""
    return np.multiply(counts[trim], 1.0 / 16384.0, dtype=np.float64)


def _first_and_uniform(b: Batches) -> tuple[np.ndarray, bool]:
    """Index of each batch's first sample in the whole recording, and whether every batch
    has the same period."""
    first = np.cumsum(b.count) - b.count
    return first, bool(len(b.count) == 0 or np.all(b.period_ns == b.period_ns[0]))


def _overlapping(t: np.ndarray, b: Batches, lo: float, hi: float) -> np.ndarray:
    """Batches (start times ``t`` on the recording clock) with a sample in ``[lo, hi)``,
    widened by one batch on each side (rounding at the edges; trimmed by sample time later)."""
    end = t + b.count * b.period_ns * 1e-9  # time after the batch's last sample
    k = np.flatnonzero((end > lo) & (t < hi))
    if len(k) == 0:
        return k
    return np.arange(max(int(k[0]) - 1, 0), min(int(k[-1]) + 2, len(t)))


def _decode_rows(
    arr: np.ndarray, rec: np.ndarray, fh: Any, rows: np.ndarray, b: Batches, k: np.ndarray, width: int
) -> Batches:
    """Batches ``k`` of ``b`` (records ``rows``, already checked and in time order) with their
    samples decoded."""
    r = rows[k]
    got = decode_batches(arr, rec[r] + 8, fh.length[r], width)
    return Batches(b.frame[k], b.period_ns[k], b.count[k], b.flags[k], got.values, b.bad)


def _sort_batches(rows: np.ndarray, b: Batches, rec_t: np.ndarray) -> tuple[np.ndarray, Batches]:
    """Put batches in time order (a no-op, without copying samples, when they already are)."""
    t = rec_t[rows]
    if len(t) < 2 or bool(np.all(t[1:] >= t[:-1])):
        return rows, b
    order = np.argsort(t, kind="stable")
    c = b.count[order]
    values = b.values
    if len(values):  # (not when only the per-frame fields were decoded)
        first = np.cumsum(b.count) - b.count
        values = values[np.repeat(first[order] - (np.cumsum(c) - c), c) + np.arange(int(c.sum()))]
    return rows[order], Batches(b.frame[order], b.period_ns[order], c, b.flags[order], values, b.bad)


def _sample_times(
    frame_t: np.ndarray,
    count: np.ndarray,
    period_ns: np.ndarray,
    first: np.ndarray | None = None,
    uniform: bool | None = None,
) -> tuple[np.ndarray, np.ndarray | float]:
    """Sample times ``t_frame + i·period`` of batches in order; the period per sample (a
    scalar when every batch has the same period, which saves a 3-million-element array).

    ``first``/``uniform``: the batches' first-sample indices in the whole recording and
    whether all of its batches share one period, for some of its batches (a time range): the
    same arithmetic, so the same times to the bit."""
    n = int(count.sum())
    if n == 0:
        return np.zeros(0), 0.0
    per = period_ns * 1e-9
    if first is None:
        first = np.cumsum(count) - count
    t = np.arange(int(first[0]), int(first[0]) + n, dtype=np.float64)
    if uniform if uniform is not None else bool(np.all(period_ns == period_ns[0])):
        p = float(per[0])
        t *= p
        t += np.repeat(frame_t - first * p, count)
        return t, p
    pr = np.repeat(per, count)
    t *= pr
    t += np.repeat(frame_t - first * per, count)
    return t, pr


def _per_sample(scale: np.ndarray, count: np.ndarray) -> np.ndarray | float:
    """A per-frame scale as a multiplier for (N, 3) samples (a scalar if it never changes)."""
    if len(scale) == 0 or bool(np.all(scale == scale[0])):
        return float(scale[0]) if len(scale) else 1.0
    return np.repeat(scale, count)[:, None]


def _scales(
    infos: list[tuple[int, Info]],
    header: dict[str, Any],
    imu_r: np.ndarray,
    need: bool,
    name: str,
) -> tuple[np.ndarray, np.ndarray, dict[str, Any] | None, float]:
    """acc/gyr scale per IMU frame, the INFO fields, and the nominal rate in Hz."""
    if infos:
        rows = np.array([r for r, _ in infos])
        acc = np.array([p.acc_scale for _, p in infos])
        gyr = np.array([p.gyr_scale for _, p in infos])
        which = np.maximum(np.searchsorted(rows, imu_r, side="right") - 1, 0)
        last = infos[-1][1]
        return acc[which], gyr[which], payload_to_fields(last), last.odr_chz / 100.0
    dev = header.get("device")
    if isinstance(dev, dict) and "acc_scale" in dev and "gyr_scale" in dev:
        try:
            a, g = float(dev["acc_scale"]), float(dev["gyr_scale"])
            odr = float(dev.get("odr_chz", 0) or 0) / 100.0
        except (TypeError, ValueError):
            raise RecordingError(f"{name}: header 'device' has non-numeric scales") from None
        return np.full(len(imu_r), a), np.full(len(imu_r), g), dict(dev), odr
    if need:
        raise RecordingError(
            f"{name}: no INFO frame and no 'device' in the header, so IMU counts cannot be "
            "scaled to SI units"
        )
    return np.zeros(0), np.zeros(0), None, 0.0


def _notes(
    buf: bytes,
    rec: np.ndarray,
    ftype: np.ndarray,
    host_s: np.ndarray,
    rec_t: np.ndarray,
    dev: np.ndarray,
    epoch: np.ndarray,
    t0: float,
    damage: list[Damage],
) -> list[tuple[float, dict[str, Any]]]:
    """NOTE records, timed by host receive time on the recording clock of their epoch
    (``rec_t``: recording time of each record; ``dev``: the device-frame records)."""
    out: list[tuple[float, dict[str, Any]]] = []
    note_r = np.flatnonzero(ftype == FrameType.NOTE)
    if len(note_r) == 0:
        return out
    lag: dict[int, float] = {}
    for r in note_r.tolist():
        try:
            frame, _ = decode_frame(buf, int(rec[r]) + 8)
        except FrameError as exc:
            off = int(rec[r])
            size = 22 + int.from_bytes(buf[off + 10 : off + 12], "little")
            damage.append(Damage(off, size, "corrupt", exc.reason))
            continue
        # host time → recording clock with the epoch's median host-minus-recording-time lag.
        e = int(epoch[r])
        if e not in lag:
            sel = dev[(epoch[dev] == e) & np.isfinite(host_s[dev])]
            lag[e] = float(np.median(host_s[sel] - rec_t[sel])) if len(sel) else float("nan")
        t = host_s[r] - lag[e] - t0
        out.append((float(t), frame.payload.note))  # type: ignore[union-attr]
    return out


def _haptic(time: np.ndarray, events: np.ndarray, flags: np.ndarray, count: np.ndarray) -> np.ndarray:
    """True for samples in a HAPTIC_ON…HAPTIC_OFF stretch or in a batch flagged haptic."""
    mask = np.repeat((flags & IMU_HAPTIC).astype(bool), count)
    hv = events[np.isin(events["kind"], (EventKind.HAPTIC_ON, EventKind.HAPTIC_OFF))]
    if len(hv) and len(time):
        k = np.searchsorted(hv["time"], time, side="right") - 1
        on = np.concatenate([[False], hv["kind"] == EventKind.HAPTIC_ON])
        mask |= on[k + 1]
    return mask


def _gaps(
    time: np.ndarray, period_s: np.ndarray | float, flags: np.ndarray, count: np.ndarray, epoch: np.ndarray
) -> np.ndarray:
    """(G, 2) start/end times of lost stretches: steps > 1.5 periods, overruns, reboots."""
    if len(time) < 2:
        return np.zeros((0, 2))
    step = np.diff(time)
    lost = step > GAP_STEPS * (period_s if isinstance(period_s, float) else period_s[1:])
    first = np.cumsum(count) - count  # sample index of each batch's first sample
    overrun = first[(flags & IMU_OVERRUN).astype(bool)]
    lost[overrun[overrun > 0] - 1] = True
    new_epoch = first[1:][epoch[1:] != epoch[:-1]]  # first sample of a batch after a reboot
    lost[new_epoch - 1] = True
    i = np.flatnonzero(lost)
    return np.column_stack([time[i], time[i + 1]])
