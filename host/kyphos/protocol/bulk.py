"""Vectorised decoding of many frames at once (recordings, bulk transfers).

Given a buffer and the byte offsets of the frames in it, every header field and every IMU or
QUAT sample is read with numpy gathers: no Python loop runs per sample. Only the walk that finds
frame boundaries (:func:`frame_offsets`) loops, once per frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kyphos.errors import FrameError
from kyphos.protocol.constants import HEADER_SIZE, MAX_IMU_COUNT, MAX_QUAT_COUNT
from kyphos.protocol.frames import check_header


def gather(arr: np.ndarray, offsets: np.ndarray, dtype: str) -> np.ndarray:
    """The little-endian scalar of ``dtype`` at each byte offset of ``arr`` (a uint8 array)."""
    dt = np.dtype(dtype)
    if dt.itemsize == 1:
        return arr[offsets].view(dt)
    idx = offsets[:, None] + np.arange(dt.itemsize)
    return np.ascontiguousarray(arr[idx]).view(dt).reshape(-1)


@dataclass
class FrameHeaders:
    """Header fields of frames at ``offsets`` (frame starts) in a buffer."""

    offsets: np.ndarray  # int64
    type: np.ndarray  # uint8
    length: np.ndarray  # uint16 payload length
    seq: np.ndarray  # uint16
    t_us: np.ndarray  # uint32


def read_headers(arr: np.ndarray, offsets: np.ndarray) -> FrameHeaders:
    """Gather the header fields of the frames at ``offsets`` (assumed already validated)."""
    offsets = np.asarray(offsets, np.int64)
    head = copy_rows(arr, offsets, HEADER_SIZE)
    return FrameHeaders(
        offsets,
        head[:, 1].copy(),
        field(head, 2, "<u2"),
        field(head, 4, "<u2"),
        field(head, 6, "<u4"),
    )


def field(rows: np.ndarray, col: int, dtype: str) -> np.ndarray:
    """The little-endian ``dtype`` value at byte column ``col`` of each row of a uint8 table."""
    dt = np.dtype(dtype)
    return np.ascontiguousarray(rows[:, col : col + dt.itemsize]).view(dt).reshape(-1)


@dataclass
class Batches:
    """The samples of a set of IMU or QUAT frames.

    ``frame``: index (into the frames given) of each valid frame, ``period_ns``/``flags``/
    ``count`` per valid frame; ``values`` (N, width) int16 raw samples in frame order;
    ``bad``: indices of frames whose count does not match their length (not decoded).
    """

    frame: np.ndarray
    period_ns: np.ndarray
    count: np.ndarray
    flags: np.ndarray
    values: np.ndarray
    bad: np.ndarray


def decode_batches(
    arr: np.ndarray, offsets: np.ndarray, length: np.ndarray, width: int, values: bool = True
) -> Batches:
    """Decode IMU (``width`` 6) or QUAT (``width`` 4) frames starting at ``offsets``
    (``values=False``: the per-frame fields only, ``values`` left with no rows)."""
    max_count = MAX_IMU_COUNT if width == 6 else MAX_QUAT_COUNT
    offsets = np.asarray(offsets, np.int64)
    body = offsets + HEADER_SIZE
    room = length >= 6  # a payload too short to hold its count is rejected unread
    count = np.zeros(len(offsets), np.int64)
    count[room] = arr[body[room] + 4]
    ok = room & (count >= 1) & (count <= max_count) & (length == 6 + 2 * width * count)
    good = np.flatnonzero(ok)
    body, count = body[good], count[good]
    period = gather(arr, body, "<u4")
    flags = arr[body + 5]
    block = sample_block(arr, body + 6, count, 2 * width) if values else np.empty((0, 2 * width), np.uint8)
    samples = block.view("<i2").reshape(-1, width)
    return Batches(good, period, count, flags, samples, np.flatnonzero(~ok))


def sample_block(arr: np.ndarray, starts: np.ndarray, count: np.ndarray, size: int) -> np.ndarray:
    """(sum(count), size) uint8: ``count[i]`` records of ``size`` bytes from each ``starts[i]``.

    Frames of equal count (the usual case) are gathered as one 2-D block per count value.
    """
    n = int(count.sum())
    if n == 0:
        return np.empty((0, size), np.uint8)
    counts = np.unique(count)
    if len(counts) == 1:  # one batch size: the block is already in frame order
        return copy_rows(arr, starts, int(counts[0]) * size).reshape(-1, size)
    out = np.empty((n, size), np.uint8)
    first = np.zeros(len(count), np.int64)
    np.cumsum(count[:-1], out=first[1:])
    for c in counts:
        sel = np.flatnonzero(count == c)
        rows = (first[sel][:, None] + np.arange(int(c))).reshape(-1)
        out[rows] = copy_rows(arr, starts[sel], int(c) * size).reshape(-1, size)
    return out


#: :func:`copy_rows` gathers this many bytes of words (and as many of their index) at a time
COPY_BLOCK_BYTES = 1 << 20


def copy_rows(arr: np.ndarray, starts: np.ndarray, nbytes: int) -> np.ndarray:
    """(len(starts), nbytes) uint8 copies of ``arr[s : s + nbytes]``.

    Gathers 8-byte words (an eighth of the index work of a byte gather): rows are grouped by
    ``s % 8``, each group reads whole words from a uint64 view of ``arr`` and slices its bytes
    out. Rows reaching into the last partial word of ``arr`` fall back to a byte gather.
    """
    out = np.empty((len(starts), nbytes), np.uint8)
    n64 = len(arr) // 8
    words = (nbytes + 7) // 8 + 1
    view = arr[: n64 * 8].view(np.uint64)
    shift = starts % 8
    tail = (starts - shift) // 8 + words > n64
    # in blocks of rows whose word index and gathered words take ~1 MB each: the same bytes,
    # without two temporaries the size of the whole gather (8 h of IMU at 104 Hz: ~2 x 38 MB
    # of fresh pages)
    block = max(1, COPY_BLOCK_BYTES // (8 * words))
    cols = np.arange(words)
    for s in range(8):
        sel = np.flatnonzero((shift == s) & ~tail)
        for b0 in range(0, len(sel), block):
            sb = sel[b0 : b0 + block]
            idx = ((starts[sb] - s) // 8)[:, None] + cols
            out[sb] = view[idx].view(np.uint8)[:, s : s + nbytes]
    sel = np.flatnonzero(tail)
    if len(sel):
        out[sel] = arr[starts[sel][:, None] + np.arange(nbytes)]
    return out


def frame_offsets(data: bytes | bytearray | memoryview) -> np.ndarray:
    """Offsets of frames back to back filling ``data``; FrameError at the first bad header or a
    truncated last frame."""
    offs = []
    pos = 0
    n = len(data)
    while pos < n:
        _t, length = check_header(data, pos)
        end = pos + HEADER_SIZE + length
        if end > n:
            raise FrameError(f"truncated frame: needs {HEADER_SIZE + length} bytes, {n - pos} left", pos)
        offs.append(pos)
        pos = end
    return np.asarray(offs, np.int64)


@dataclass
class BulkFrames:
    headers: FrameHeaders
    imu: Batches
    quat: Batches


def decode_bulk(data: bytes | bytearray | memoryview) -> BulkFrames:
    """Decode a buffer of frames back to back: headers of all, samples of IMU and QUAT.

    Raises FrameError on a bad header or an IMU/QUAT frame whose count does not fit its length.
    """
    arr = np.frombuffer(bytes(data), np.uint8)
    h = read_headers(arr, frame_offsets(data))
    out = []
    for ftype, width in ((2, 6), (3, 4)):
        sel = np.flatnonzero(h.type == ftype)
        b = decode_batches(arr, h.offsets[sel], h.length[sel], width)
        if len(b.bad):
            off = int(h.offsets[sel[b.bad[0]]])
            raise FrameError("batch count does not match the payload length", off + HEADER_SIZE + 4)
        b.frame = sel[b.frame]
        out.append(b)
    return BulkFrames(h, out[0], out[1])
