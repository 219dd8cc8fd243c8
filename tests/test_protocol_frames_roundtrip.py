"""Every payload type encodes and decodes back; bad frames raise FrameError with the offset."""

from __future__ import annotations

import struct

import pytest
from kyphos.errors import FrameError
from kyphos.protocol.frames import (
    Ack,
    Cmd,
    Err,
    Event,
    Frame,
    Imu,
    Info,
    LogChunk,
    Note,
    Quat,
    Status,
    decode_frame,
    decode_frames,
    encode_frame,
)

INFO = Info((1, 0, 0), 1, 1, 7, 10400, 4, 500, 0.5, 0.25, b"\x01\x02\x03\x04\x05\x06", "kyphos-é")
PAYLOADS = [
    INFO,
    Imu(9_615_385, 1, ((1, -2, 3, -32768, 32767, 0),) * 13),
    Quat(9_615_385, 3, ((16384, 0, -1, 2),) * 20),
    Status(3900, 255, 2, 0x7FF, 1, 2, 3, 4, 5, -32768),
    Event(8, 4, -5),
    LogChunk(1, 2, 3, b"\x00\x01"),
    Cmd(7, 0x0F),
    Ack(7, 0x01, b"xyz"),
    Err(7, 6, 4, "slouch_deg must be 5…60"),
    Note({"kind": "marker", "x": [1, 2]}),
]


@pytest.mark.parametrize("payload", PAYLOADS, ids=lambda p: type(p).__name__)
def test_payload_round_trips(payload) -> None:
    frame = Frame(65535, 0xFFFFFFFF, payload)
    data = encode_frame(frame)
    assert data[0] == 1 and data[1] == frame.type
    assert struct.unpack_from("<H", data, 2)[0] == len(data) - 10
    got, end = decode_frame(data)
    assert got == frame and end == len(data)


def test_frames_back_to_back_decode_in_order() -> None:
    frames = [Frame(i, i * 10, p) for i, p in enumerate(PAYLOADS)]
    assert decode_frames(b"".join(encode_frame(f) for f in frames)) == frames


def _imu_bytes() -> bytearray:
    return bytearray(encode_frame(Frame(1, 2, Imu(1000, 0, ((1, 2, 3, 4, 5, 6),) * 2))))


@pytest.mark.parametrize(
    "mutate, offset, words",
    [
        (lambda b: b.__setitem__(0, 2), 0, "version"),
        (lambda b: b.__setitem__(1, 0x7F), 1, "type"),
        (lambda b: b.__setitem__(slice(2, 4), (1025).to_bytes(2, "little")), 2, "exceeds"),
        (lambda b: b.__setitem__(14, 3), 10, "expected 42"),  # count 3 but room for 2
        (lambda b: b.__setitem__(14, 0), 14, "count"),
    ],
)
def test_bad_header_or_count_names_problem_and_offset(mutate, offset, words) -> None:
    data = _imu_bytes()
    mutate(data)
    with pytest.raises(FrameError) as err:
        decode_frame(bytes(data))
    assert words in err.value.reason and err.value.offset == offset
    assert f"at byte {offset}" in str(err.value) and "\n" not in str(err.value)


def test_truncated_frame_is_reported_at_its_start() -> None:
    data = bytes(_imu_bytes())
    for cut in (3, 10, len(data) - 1):
        with pytest.raises(FrameError, match="truncated"):
            decode_frame(b"\x00" * 5 + data[:cut], 5)


def test_bad_utf8_and_json_are_frame_errors() -> None:
    name_bad = bytearray(encode_frame(Frame(0, 0, INFO)))
    name_bad[-1] = 0xFF
    with pytest.raises(FrameError, match="UTF-8"):
        decode_frame(bytes(name_bad))
    with pytest.raises(FrameError, match="JSON"):
        decode_frame(_raw(0x20, b'{"kind":'))
    with pytest.raises(FrameError, match="object"):
        decode_frame(_raw(0x20, b"[1]"))
    with pytest.raises(FrameError, match="UTF-8") as err:
        decode_frame(_raw(0x12, b"\x01\x00\x05\x02ok\xc3"))
    assert err.value.offset == 10 + 6


def _raw(ftype: int, body: bytes) -> bytes:
    return struct.pack("<BBHHI", 1, ftype, len(body), 0, 0) + body


@pytest.mark.parametrize(
    "payload",
    [
        Imu(1, 0, ()),
        Imu(1, 0, ((0,) * 6,) * 85),
        Quat(1, 0, ((0,) * 4,) * 128),
        Imu(1, 0, ((40000, 0, 0, 0, 0, 0),)),
        Info((1, 0, 0), 0, 0, 0, 0, 0, 0, 0.0, 0.0, b"\x00" * 6, "x" * 33),
        Event(256, 0, 0),
        Note([1]),  # type: ignore[arg-type]
    ],
)
def test_unencodable_values_raise_frame_error(payload) -> None:
    with pytest.raises(FrameError):
        encode_frame(Frame(0, 0, payload))


def test_header_fields_out_of_range_raise() -> None:
    with pytest.raises(FrameError):
        encode_frame(Frame(65536, 0, Event(1, 0, 0)))
    with pytest.raises(FrameError):
        encode_frame(Frame(0, 1 << 32, Event(1, 0, 0)))
