"""Frames of docs/protocol.md as typed payloads: encode one, decode one.

A :class:`Frame` is ``seq``, ``t_us`` and a payload dataclass; the payload's class decides the
frame type. Decoding checks everything the spec fixes (version, type, length, counts, UTF-8,
JSON) and raises only :class:`kyphos.errors.FrameError` with the byte offset of the problem.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from typing import Any

from kyphos.errors import FrameError
from kyphos.protocol.constants import (
    HEADER_SIZE,
    MAX_IMU_COUNT,
    MAX_NAME_LEN,
    MAX_PAYLOAD,
    MAX_QUAT_COUNT,
    VERSION,
    FrameType,
)

_HEADER = struct.Struct("<BBHHI")
_INFO = struct.Struct("<BBBBBBHHHff6sB")  # 27 bytes, then the name
_BATCH = struct.Struct("<IBB")  # period_ns, count, flags
_STATUS = struct.Struct("<HBBHIIIIIh")
_EVENT = struct.Struct("<BBh")
_LOG_CHUNK = struct.Struct("<HII")
_REQUEST = struct.Struct("<HB")
_ERR = struct.Struct("<HBB")


@dataclass(frozen=True)
class Info:
    fw_version: tuple[int, int, int]
    imu_model: int
    board: int
    flags: int
    odr_chz: int
    acc_fs_g: int
    gyr_fs_dps: int
    acc_scale: float  # m/s² per LSB (a float32 on the wire)
    gyr_scale: float  # rad/s per LSB (a float32 on the wire)
    device_id: bytes  # 6 bytes, the board's MAC
    name: str


@dataclass(frozen=True)
class Imu:
    period_ns: int
    flags: int
    samples: tuple[tuple[int, int, int, int, int, int], ...]  # raw ax ay az gx gy gz


@dataclass(frozen=True)
class Quat:
    period_ns: int
    flags: int
    quats: tuple[tuple[int, int, int, int], ...]  # raw Q14 w x y z


@dataclass(frozen=True)
class Status:
    battery_mv: int
    battery_pct: int
    state: int
    flags: int
    fifo_overruns: int
    dropped: int
    retried: int
    i2c_errors: int
    log_free_bytes: int
    temp_cc: int


@dataclass(frozen=True)
class Event:
    kind: int
    arg: int
    value: int


@dataclass(frozen=True)
class LogChunk:
    log_id: int
    offset: int
    total: int
    data: bytes


@dataclass(frozen=True)
class Cmd:
    request_id: int
    opcode: int
    args: bytes = b""


@dataclass(frozen=True)
class Ack:
    request_id: int
    opcode: int
    data: bytes = b""


@dataclass(frozen=True)
class Err:
    request_id: int
    opcode: int
    code: int
    message: str = ""


@dataclass(frozen=True)
class Note:
    note: dict[str, Any]


Payload = Info | Imu | Quat | Status | Event | LogChunk | Cmd | Ack | Err | Note

PAYLOAD_TYPES: dict[type, FrameType] = {
    Info: FrameType.INFO,
    Imu: FrameType.IMU,
    Quat: FrameType.QUAT,
    Status: FrameType.STATUS,
    Event: FrameType.EVENT,
    LogChunk: FrameType.LOG_CHUNK,
    Cmd: FrameType.CMD,
    Ack: FrameType.ACK,
    Err: FrameType.ERR,
    Note: FrameType.NOTE,
}


@dataclass(frozen=True)
class Frame:
    """One frame: ``seq`` (u16), ``t_us`` (u32 device clock) and a typed payload."""

    seq: int
    t_us: int
    payload: Payload

    @property
    def type(self) -> FrameType:
        return PAYLOAD_TYPES[type(self.payload)]


def note_bytes(note: dict[str, Any]) -> bytes:
    """The canonical NOTE encoding: compact, keys sorted, UTF-8 (not ASCII escapes)."""
    return json.dumps(note, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


# ---------------------------------------------------------------------------- encoding


def encode_payload(p: Payload) -> bytes:
    """The payload bytes of ``p``; raises FrameError (offset 0) for values the wire cannot hold."""
    try:
        return _encode_payload(p)
    except (struct.error, OverflowError, TypeError, ValueError) as exc:
        if isinstance(exc, FrameError):
            raise
        raise FrameError(f"cannot encode {type(p).__name__}: {exc}", 0) from None


def _pack_batch(
    kind: str,
    rows: tuple[tuple[int, ...], ...],
    width: int,
    max_count: int,
    period_ns: int,
    flags: int,
) -> bytes:
    """IMU and QUAT bodies: batch header, then ``width`` int16 values per row."""
    if not 1 <= len(rows) <= max_count:
        raise FrameError(f"{kind} count {len(rows)} outside 1…{max_count}", 0)
    flat = [v for r in rows for v in r]
    if len(flat) != width * len(rows):
        raise FrameError(f"{kind} sample without {width} values", 0)
    return _BATCH.pack(period_ns, len(rows), flags) + struct.pack(f"<{len(flat)}h", *flat)


def _encode_payload(p: Payload) -> bytes:
    if isinstance(p, Imu):
        return _pack_batch("IMU", p.samples, 6, MAX_IMU_COUNT, p.period_ns, p.flags)
    if isinstance(p, Quat):
        return _pack_batch("QUAT", p.quats, 4, MAX_QUAT_COUNT, p.period_ns, p.flags)
    if isinstance(p, Info):
        name = p.name.encode()
        if len(name) > MAX_NAME_LEN:
            raise FrameError(f"INFO name of {len(name)} bytes (max {MAX_NAME_LEN})", 0)
        if len(p.device_id) != 6:
            raise FrameError("INFO device_id must be 6 bytes", 0)
        major, minor, patch = p.fw_version
        return (
            _INFO.pack(
                major, minor, patch, p.imu_model, p.board, p.flags, p.odr_chz, p.acc_fs_g,
                p.gyr_fs_dps, p.acc_scale, p.gyr_scale, bytes(p.device_id), len(name),
            )
            + name
        )
    if isinstance(p, Status):
        return _STATUS.pack(
            p.battery_mv, p.battery_pct, p.state, p.flags, p.fifo_overruns, p.dropped,
            p.retried, p.i2c_errors, p.log_free_bytes, p.temp_cc,
        )
    if isinstance(p, Event):
        return _EVENT.pack(p.kind, p.arg, p.value)
    if isinstance(p, LogChunk):
        return _LOG_CHUNK.pack(p.log_id, p.offset, p.total) + bytes(p.data)
    if isinstance(p, Cmd):
        return _REQUEST.pack(p.request_id, p.opcode) + bytes(p.args)
    if isinstance(p, Ack):
        return _REQUEST.pack(p.request_id, p.opcode) + bytes(p.data)
    if isinstance(p, Err):
        return _ERR.pack(p.request_id, p.opcode, p.code) + p.message.encode()
    if isinstance(p, Note):
        if not isinstance(p.note, dict):
            raise FrameError("NOTE must be a JSON object", 0)
        return note_bytes(p.note)
    raise FrameError(f"not a frame payload: {type(p).__name__}", 0)


def encode_frame(frame: Frame) -> bytes:
    """The frame's bytes: 10-byte header then payload."""
    body = encode_payload(frame.payload)
    if len(body) > MAX_PAYLOAD:
        raise FrameError(f"payload of {len(body)} bytes exceeds {MAX_PAYLOAD}", 0)
    try:
        head = _HEADER.pack(VERSION, frame.type, len(body), frame.seq, frame.t_us)
    except struct.error as exc:
        raise FrameError(f"cannot encode frame header: {exc}", 0) from None
    return head + body


def make_frame(payload: Payload, seq: int = 0, t_us: int = 0) -> bytes:
    """Shorthand: ``encode_frame(Frame(seq, t_us, payload))``."""
    return encode_frame(Frame(seq, t_us, payload))


# ---------------------------------------------------------------------------- decoding


def check_header(data: bytes | bytearray | memoryview, offset: int = 0) -> tuple[int, int]:
    """Validate the frame header at ``offset``; return (type, payload length).

    Raises FrameError if fewer than 10 bytes remain or the version, type or length is invalid.
    """
    if len(data) - offset < HEADER_SIZE:
        raise FrameError(
            f"truncated frame header: {len(data) - offset} of {HEADER_SIZE} bytes", offset
        )
    ver, ftype, length, _seq, _t = _HEADER.unpack_from(data, offset)
    if ver != VERSION:
        raise FrameError(f"unknown protocol version {ver}", offset)
    if ftype not in _DECODERS:
        raise FrameError(f"unknown frame type 0x{ftype:02x}", offset + 1)
    if length > MAX_PAYLOAD:
        raise FrameError(f"payload length {length} exceeds {MAX_PAYLOAD}", offset + 2)
    return ftype, length


def decode_frame(data: bytes | bytearray | memoryview, offset: int = 0) -> tuple[Frame, int]:
    """Decode the frame that starts at ``offset``; return it and the offset just past it."""
    ftype, length = check_header(data, offset)
    end = offset + HEADER_SIZE + length
    if end > len(data):
        raise FrameError(
            f"truncated frame: needs {HEADER_SIZE + length} bytes, "
            f"{len(data) - offset} left",
            offset,
        )
    _v, _t, _l, seq, t_us = _HEADER.unpack_from(data, offset)
    body = bytes(data[offset + HEADER_SIZE : end])
    payload = _DECODERS[ftype](body, offset + HEADER_SIZE)
    return Frame(seq, t_us, payload), end


def decode_frames(data: bytes | bytearray | memoryview) -> list[Frame]:
    """Decode frames back to back filling ``data`` exactly (e.g. one BLE notification)."""
    frames = []
    pos = 0
    while pos < len(data):
        frame, pos = decode_frame(data, pos)
        frames.append(frame)
    return frames


def _need(body: bytes, n: int, what: str, base: int, exact: bool = True) -> None:
    if len(body) < n or (exact and len(body) != n):
        rel = "" if exact else "at least "
        raise FrameError(f"{what} payload is {len(body)} bytes, expected {rel}{n}", base)


def _text(raw: bytes, what: str, base: int) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FrameError(f"{what} is not valid UTF-8", base + exc.start) from None


def _dec_info(b: bytes, base: int) -> Info:
    _need(b, _INFO.size, "INFO", base, exact=False)
    (ma, mi, pa, imu, board, flags, odr, afs, gfs, ascale, gscale, dev, nlen) = _INFO.unpack_from(b)
    if nlen > MAX_NAME_LEN:
        raise FrameError(f"INFO name_len {nlen} exceeds {MAX_NAME_LEN}", base + 26)
    _need(b, _INFO.size + nlen, "INFO", base)
    name = _text(b[_INFO.size :], "INFO name", base + _INFO.size)
    return Info((ma, mi, pa), imu, board, flags, odr, afs, gfs, ascale, gscale, dev, name)


def _dec_batch(b: bytes, base: int, what: str, width: int, max_count: int) -> tuple[int, int, Any]:
    _need(b, _BATCH.size, what, base, exact=False)
    period, count, flags = _BATCH.unpack_from(b)
    if not 1 <= count <= max_count:
        raise FrameError(f"{what} count {count} outside 1…{max_count}", base + 4)
    _need(b, _BATCH.size + 2 * width * count, what, base)
    flat = struct.unpack_from(f"<{width * count}h", b, _BATCH.size)
    rows = tuple(tuple(flat[i : i + width]) for i in range(0, len(flat), width))
    return period, flags, rows


def _dec_imu(b: bytes, base: int) -> Imu:
    period, flags, rows = _dec_batch(b, base, "IMU", 6, MAX_IMU_COUNT)
    return Imu(period, flags, rows)


def _dec_quat(b: bytes, base: int) -> Quat:
    period, flags, rows = _dec_batch(b, base, "QUAT", 4, MAX_QUAT_COUNT)
    return Quat(period, flags, rows)


def _dec_status(b: bytes, base: int) -> Status:
    _need(b, _STATUS.size, "STATUS", base)
    return Status(*_STATUS.unpack(b))


def _dec_event(b: bytes, base: int) -> Event:
    _need(b, _EVENT.size, "EVENT", base)
    return Event(*_EVENT.unpack(b))


def _dec_log_chunk(b: bytes, base: int) -> LogChunk:
    _need(b, _LOG_CHUNK.size, "LOG_CHUNK", base, exact=False)
    log_id, off, total = _LOG_CHUNK.unpack_from(b)
    return LogChunk(log_id, off, total, b[_LOG_CHUNK.size :])


def _dec_cmd(b: bytes, base: int) -> Cmd:
    _need(b, _REQUEST.size, "CMD", base, exact=False)
    rid, op = _REQUEST.unpack_from(b)
    return Cmd(rid, op, b[_REQUEST.size :])


def _dec_ack(b: bytes, base: int) -> Ack:
    _need(b, _REQUEST.size, "ACK", base, exact=False)
    rid, op = _REQUEST.unpack_from(b)
    return Ack(rid, op, b[_REQUEST.size :])


def _dec_err(b: bytes, base: int) -> Err:
    _need(b, _ERR.size, "ERR", base, exact=False)
    rid, op, code = _ERR.unpack_from(b)
    return Err(rid, op, code, _text(b[_ERR.size :], "ERR message", base + _ERR.size))


def _dec_note(b: bytes, base: int) -> Note:
    text = _text(b, "NOTE", base)
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError):
        raise FrameError("NOTE is not valid JSON", base) from None
    if not isinstance(obj, dict):
        raise FrameError("NOTE is not a JSON object", base)
    return Note(obj)


_DECODERS: dict[int, Any] = {
    FrameType.INFO: _dec_info,
    FrameType.IMU: _dec_imu,
    FrameType.QUAT: _dec_quat,
    FrameType.STATUS: _dec_status,
    FrameType.EVENT: _dec_event,
    FrameType.LOG_CHUNK: _dec_log_chunk,
    FrameType.CMD: _dec_cmd,
    FrameType.ACK: _dec_ack,
    FrameType.ERR: _dec_err,
    FrameType.NOTE: _dec_note,
}
