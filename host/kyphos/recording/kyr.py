"""The ``.kyr`` recording file (docs/protocol.md section 5): writer and record reader.

Writer policy (see docs/recording.md): the header and each record are written with one
``write`` call and flushed to the OS at once, so a crash of the *program* loses nothing written;
``os.fsync`` runs at most once per ``fsync_interval_s`` (1 s by default) and at close, so a
crash of the *machine* loses at most about the last second. Bytes are only ever appended.

Reader: :func:`scan_records` walks records in one tight loop, checks each CRC-32, reports a torn
tail (a record running past the end of the file) and corrupt stretches as
:class:`kyphos.session.Damage`, and resyncs at the next offset where a whole record validates.
"""

from __future__ import annotations

import array
import contextlib
import json
import os
import struct
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from kyphos.errors import RecordingError
from kyphos.protocol.constants import HEADER_SIZE, MAX_PAYLOAD, VERSION, FrameType
from kyphos.session import Damage

MAGIC = b"\x89KYR\r\n\x1a\n"
FILE_VERSION = 1
_FILE_HEAD = struct.Struct("<8sHI")  # magic, version, header_len
RECORD_OVERHEAD = 12  # i64 host_us before the frame, u32 crc after it
_RECORD_HEAD = struct.Struct("<8xBBH")  # frame ver, type, len after host_us
_CRC32_RESIDUE = 0x2144DF1C  # zlib.crc32(data + crc32(data) as u32 LE), for any data
_MAX_HEADER = 1 << 20
_TYPES = np.zeros(256, bool)
_TYPES[[int(t) for t in FrameType]] = True
_TYPE_OK = bytes(_TYPES.astype(np.uint8))  # the same table, fast to index from Python


def header_bytes(header: dict[str, Any]) -> bytes:
    """The file head for ``header``: magic, version, length, compact sorted JSON, CRC-32."""
    body = json.dumps(header, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()
    return (
        _FILE_HEAD.pack(MAGIC, FILE_VERSION, len(body))
        + body
        + struct.pack("<I", zlib.crc32(body))
    )


def record_bytes(frame: bytes, host_us: int = -1) -> bytes:
    """One record: i64 host_us, the frame, CRC-32 of both."""
    head = struct.pack("<q", host_us) + frame
    return head + struct.pack("<I", zlib.crc32(head))


def new_header(
    source: str,
    *,
    subject: str | None = None,
    device: dict[str, Any] | None = None,
    calibration: dict[str, Any] | None = None,
    created_utc: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A header with every key docs/protocol.md lists; ``extra`` keys are added as they are."""
    from kyphos import __version__

    if created_utc is None:
        created_utc = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return {
        "format": "kyr",
        "version": FILE_VERSION,
        "created_utc": created_utc,
        "source": source,
        "subject": subject,
        "device": device,
        "host": {"kyphos": __version__},
        "calibration": calibration,
        **extra,
    }


class KyrWriter:
    """Append-only writer. Use as a context manager; ``write(frame_bytes)`` per frame.

    Args:
        path: file to create (it must not exist unless ``overwrite``).
        header: the JSON header (see :func:`new_header`).
        fsync_interval_s: most time between fsyncs; 0 fsyncs every record, None never (until
            close).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        header: dict[str, Any],
        *,
        fsync_interval_s: float | None = 1.0,
        overwrite: bool = False,
    ) -> None:
        self.path = Path(path)
        self.fsync_interval_s = fsync_interval_s
        try:
            # Unbuffered: every write() reaches the OS at once (flush per record).
            self._f: BinaryIO = open(self.path, "wb" if overwrite else "xb", buffering=0)  # noqa: SIM115
        except FileExistsError:
            raise RecordingError(f"{self.path} exists; not overwriting a recording") from None
        except OSError as exc:
            raise RecordingError(f"cannot create {self.path}: {exc.strerror}") from None
        self._last_sync = time.monotonic()
        self.records = 0
        self._write(header_bytes(header))
        self._sync()

    def write(self, frame: bytes, host_us: int | None = None) -> None:
        """Append one frame; ``host_us`` defaults to now (µs since the Unix epoch)."""
        if host_us is None:
            host_us = time.time_ns() // 1000
        self._write(record_bytes(frame, host_us))
        self.records += 1
        if self.fsync_interval_s is not None and (
            time.monotonic() - self._last_sync >= self.fsync_interval_s
        ):
            self._sync()

    def _write(self, data: bytes) -> None:
        try:
            view = memoryview(data)
            while view:  # raw files may write partially
                n = self._f.write(view)
                view = view[n or 0 :]
        except OSError as exc:
            raise RecordingError(f"cannot write {self.path}: {exc.strerror}") from None

    def _sync(self) -> None:
        try:
            os.fsync(self._f.fileno())
        except OSError as exc:
            raise RecordingError(f"cannot sync {self.path}: {exc.strerror}") from None
        self._last_sync = time.monotonic()

    def close(self) -> None:
        if not self._f.closed:
            self._sync()
            self._f.close()

    def __enter__(self) -> KyrWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def write_kyr(
    path: str | os.PathLike[str],
    header: dict[str, Any],
    frames: list[bytes],
    host_us: list[int] | None = None,
    overwrite: bool = False,
) -> None:
    """Write a whole recording at once (tests, vectors, the demo)."""
    with KyrWriter(path, header, fsync_interval_s=None, overwrite=overwrite) as w:
        for i, frame in enumerate(frames):
            w.write(frame, -1 if host_us is None else host_us[i])


# ---------------------------------------------------------------------------- reading


def read_header(buf: bytes | memoryview, name: str = "file") -> tuple[dict[str, Any], int]:
    """Parse the file head; return (header, offset of the first record). RecordingError if bad."""
    if len(buf) < _FILE_HEAD.size or bytes(buf[:8]) != MAGIC:
        raise RecordingError(f"{name} is not a .kyr recording (bad magic)")
    _m, version, hlen = _FILE_HEAD.unpack_from(buf)
    if version != FILE_VERSION:
        raise RecordingError(f"{name}: unsupported .kyr version {version}")
    end = _FILE_HEAD.size + hlen
    if hlen > _MAX_HEADER or end + 4 > len(buf):
        raise RecordingError(f"{name}: header of {hlen} bytes is truncated or too long")
    body = bytes(buf[_FILE_HEAD.size : end])
    (crc,) = struct.unpack_from("<I", buf, end)
    if zlib.crc32(body) != crc:
        raise RecordingError(f"{name}: header CRC mismatch at byte {_FILE_HEAD.size}")
    try:
        header = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise RecordingError(f"{name}: header is not UTF-8 JSON") from None
    if not isinstance(header, dict):
        raise RecordingError(f"{name}: header is not a JSON object")
    return header, end + 4


@dataclass
class RecordIndex:
    """Where the valid records of a buffer are: ``offsets`` of each record's first byte (its
    host_us), in file order, plus the damage found between them."""

    offsets: np.ndarray
    damage: list[Damage] = field(default_factory=list)


def _valid_at(buf: bytes, pos: int, n: int) -> int:
    """End offset of a whole valid record at ``pos``, or -1."""
    if n - pos < 8 + HEADER_SIZE + 4:
        return -1
    ver = buf[pos + 8]
    ln = buf[pos + 10] | (buf[pos + 11] << 8)
    if ver != VERSION or not _TYPE_OK[buf[pos + 9]] or ln > MAX_PAYLOAD:
        return -1
    end = pos + 8 + HEADER_SIZE + ln + 4
    if end > n or zlib.crc32(memoryview(buf)[pos:end]) != _CRC32_RESIDUE:
        return -1
    return end


def _resync(buf: bytes, arr: np.ndarray, pos: int, n: int) -> int:
    """The next offset after ``pos`` where a whole record validates, or ``n``."""
    chunk = 1 << 16
    start = pos + 1
    while start < n - 8 - HEADER_SIZE - 4 + 1:
        stop = min(n - 8 - HEADER_SIZE - 4 + 1, start + chunk)
        ver = arr[start + 8 : stop + 8]
        typ = arr[start + 9 : stop + 9]
        for c in np.flatnonzero((ver == VERSION) & _TYPES[typ]):
            p = start + int(c)
            if _valid_at(buf, p, n) >= 0:
                return p
        start = stop
    return n


def scan_records(buf: bytes, start: int) -> RecordIndex:
    """Walk the records of ``buf`` from ``start``; never raises on bad data."""
    n = len(buf)
    arr = np.frombuffer(buf, np.uint8)
    offsets = array.array("q")  # 8 B per record (a list of ints took ~40)
    damage: list[Damage] = []
    crc32 = zlib.crc32
    head = _RECORD_HEAD.unpack_from
    type_ok = _TYPE_OK
    mv = memoryview(buf)
    pos = start
    last = n - RECORD_OVERHEAD - HEADER_SIZE  # last offset where a whole record could start
    append = offsets.append
    while pos < n:
        # The hot path: one unpack and one CRC per record. The CRC-32 of a record including its
        # little-endian CRC is the constant residue, so the stored value need not be unpacked.
        if pos <= last:
            ver, typ, ln = head(buf, pos)
            end = pos + 22 + ln
            if (
                ver == VERSION
                and type_ok[typ]
                and ln <= MAX_PAYLOAD
                and end <= n
                and crc32(mv[pos:end]) == _CRC32_RESIDUE
            ):
                append(pos)
                pos = end
                continue
        # A bad or short record: damage if a valid record follows, else a torn tail.
        nxt = _resync(buf, arr, pos, n)
        if nxt >= n:
            damage.append(Damage(pos, n - pos, "torn tail", _why(buf, pos, n)))
            break
        damage.append(Damage(pos, nxt - pos, "corrupt", _why(buf, pos, n)))
        pos = nxt
    return RecordIndex(np.frombuffer(offsets, dtype=np.int64).copy(), damage)


def _why(buf: bytes, pos: int, n: int) -> str:
    """A short reason for the record at ``pos`` not validating."""
    if n - pos < 8 + HEADER_SIZE:
        return f"{n - pos} bytes, shorter than a record header"
    ver, typ, ln = buf[pos + 8], buf[pos + 9], buf[pos + 10] | (buf[pos + 11] << 8)
    if ver != VERSION:
        return f"bad frame version {ver}"
    if not _TYPE_OK[typ]:
        return f"unknown frame type 0x{typ:02x}"
    if ln > MAX_PAYLOAD:
        return f"payload length {ln} exceeds {MAX_PAYLOAD}"
    if pos + 22 + ln > n:
        return f"record of {22 + ln} bytes runs past the end ({n - pos} left)"
    return "CRC-32 mismatch"


@contextlib.contextmanager
def reading(path: str | os.PathLike[str]) -> Iterator[None]:
    """The OS's errors on reading ``path`` inside the block, as one RecordingError line."""
    try:
        yield
    except FileNotFoundError:
        raise RecordingError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise RecordingError(f"{path} is a directory, not a recording") from None
    except OSError as exc:
        raise RecordingError(f"cannot read {path}: {exc.strerror}") from None


def read_file(path: str | os.PathLike[str]) -> bytes:
    with reading(path), open(path, "rb") as f:
        return f.read()


@dataclass
class KyrFile:
    """A parsed recording: header, the raw bytes, and the index of valid records."""

    header: dict[str, Any]
    buf: bytes
    index: RecordIndex
    data_start: int

    def frames(self) -> list[tuple[int, bytes]]:
        """(host_us, frame bytes) of every valid record, in order (slow path: small files)."""
        out = []
        for off in self.index.offsets.tolist():
            (host_us,) = struct.unpack_from("<q", self.buf, off)
            (ln,) = struct.unpack_from("<H", self.buf, off + 10)
            out.append((host_us, self.buf[off + 8 : off + 18 + ln]))
        return out


def read_kyr(path_or_bytes: str | os.PathLike[str] | bytes, name: str | None = None) -> KyrFile:
    """Read a .kyr file (or its bytes): header plus record index. RecordingError if the file
    head is bad; damage after it is reported in ``index.damage``, not raised."""
    if isinstance(path_or_bytes, (bytes, bytearray)):
        buf = bytes(path_or_bytes)
        name = name or "data"
    else:
        buf = read_file(path_or_bytes)
        name = name or str(path_or_bytes)
    header, start = read_header(buf, name)
    return KyrFile(header, buf, scan_records(buf, start), start)
