"""USB serial framing (docs/protocol.md section 4): one frame + CRC-16/CCITT-FALSE (u16 LE),
COBS-encoded (the common form), terminated by one 0x00. The receiver drops packets whose COBS, CRC or frame is
bad, counts them, and resyncs at the next 0x00."""

from __future__ import annotations

import binascii
from collections.abc import Iterable

from kyphos.errors import FrameError
from kyphos.protocol.frames import Frame, decode_frame


def crc16(data: bytes | bytearray | memoryview) -> int:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final xor)."""
    return binascii.crc_hqx(data, 0xFFFF)


def cobs_encode(data: bytes | bytearray | memoryview) -> bytes:
    """COBS (Cheshire & Baker 1999), canonical form: a run of 254 non-zero bytes that ends the
    input is not followed by an empty block. The result has no 0x00; the caller appends one."""
    data = bytes(data)
    out = bytearray()
    start = 0
    n = len(data)
    while True:
        zero = data.find(0, start, start + 254)
        if zero >= 0:
            out.append(zero - start + 1)
            out += data[start:zero]
            start = zero + 1
            continue
        chunk = data[start : start + 254]
        if len(chunk) == 254:  # a full block: code 0xFF, no implied zero after it
            out.append(0xFF)
            out += chunk
            start += 254
            if start >= n:
                break
            continue
        out.append(len(chunk) + 1)
        out += chunk
        break
    return bytes(out)


def cobs_decode(data: bytes | bytearray | memoryview, base: int = 0) -> bytes:
    """Invert :func:`cobs_encode` (input without the 0x00 delimiter); FrameError if invalid."""
    data = bytes(data)
    out = bytearray()
    i = 0
    n = len(data)
    if n == 0:
        raise FrameError("empty COBS packet", base)
    while i < n:
        code = data[i]
        if code == 0:
            raise FrameError("0x00 inside a COBS packet", base + i)
        end = i + code
        if end > n:
            raise FrameError(f"COBS block of {code - 1} bytes runs past the packet end", base + i)
        out += data[i + 1 : end]
        i = end
        if code < 0xFF and i < n:
            out.append(0)
    return bytes(out)


def serial_packet(frame: bytes) -> bytes:
    """One serial packet for an encoded frame: COBS(frame + CRC-16 LE) + 0x00."""
    return cobs_encode(frame + crc16(frame).to_bytes(2, "little")) + b"\x00"


def serial_stream(frames: Iterable[bytes]) -> bytes:
    return b"".join(serial_packet(f) for f in frames)


def decode_packet(packet: bytes | bytearray | memoryview, base: int = 0) -> Frame:
    """The frame in one packet (without its 0x00); FrameError at ``base`` if it is bad."""
    return decode_packet_raw(packet, base)[1]


def decode_packet_raw(
    packet: bytes | bytearray | memoryview, base: int = 0
) -> tuple[bytes, Frame]:
    """The frame's bytes and the frame in one packet; FrameError at ``base`` if it is bad.

    A packet holds exactly one frame: bad COBS, a CRC mismatch, a bad frame or bytes left
    over after the frame all reject it.
    """
    raw = cobs_decode(packet, base)
    if len(raw) < 2:
        raise FrameError(f"serial packet of {len(raw)} bytes is too short for a CRC", base)
    body, crc = raw[:-2], int.from_bytes(raw[-2:], "little")
    if crc16(body) != crc:
        raise FrameError(f"CRC-16 mismatch (0x{crc16(body):04x} != 0x{crc:04x})", base)
    try:
        frame, end = decode_frame(body)
    except FrameError as exc:
        raise FrameError(f"{exc.reason} (frame byte {exc.offset})", base) from None
    if end != len(body):
        raise FrameError(f"{len(body) - end} bytes after the frame in a serial packet", base)
    return body, frame


def decode_serial(data: bytes | bytearray | memoryview) -> list[Frame]:
    """Strictly decode a whole serial byte stream; FrameError at the first bad packet.

    Bytes after the last 0x00 are an unfinished packet and are an error here.
    """
    data = bytes(data)
    frames: list[Frame] = []
    start = 0
    while start < len(data):
        end = data.find(0, start)
        if end < 0:
            raise FrameError("unterminated serial packet", start)
        if end > start:  # empty packets (0x00 0x00) are idle fill, not errors
            frames.append(decode_packet(data[start:end], start))
        start = end + 1
    return frames


class SerialDeframer:
    """Incremental receiver: ``feed(bytes)`` returns the frames completed so far.

    Partial packets are kept for the next call. Bad packets are dropped and counted in
    ``dropped``; ``last_error`` keeps the latest reason. Offsets are from the stream start.
    A packet larger than ``max_packet`` bytes is dropped (resync at the next 0x00).
    """

    def __init__(self, max_packet: int = 2048) -> None:
        self._buf = bytearray()
        self._base = 0  # stream offset of _buf[0]
        self._skipping = False
        self.max_packet = max_packet
        self.dropped = 0
        self.last_error: FrameError | None = None

    def feed(self, data: bytes | bytearray | memoryview) -> list[Frame]:
        self._buf += data
        frames: list[Frame] = []
        start = 0
        while True:
            end = self._buf.find(0, start)
            if end < 0:
                break
            if self._skipping:
                self._skipping = False
            elif end > start:
                try:
                    frames.append(decode_packet(self._buf[start:end], self._base + start))
                except FrameError as exc:
                    self._drop(exc)
            start = end + 1
        del self._buf[:start]
        self._base += start
        if len(self._buf) > self.max_packet:
            self._drop(FrameError(f"serial packet longer than {self.max_packet} bytes", self._base))
            self._base += len(self._buf)
            self._buf.clear()
            self._skipping = True
        return frames

    def _drop(self, exc: FrameError) -> None:
        self.dropped += 1
        self.last_error = exc
