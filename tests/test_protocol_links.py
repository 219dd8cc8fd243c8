"""Stream decoder, BLE notification packing/splitting and USB serial framing."""

from __future__ import annotations

import pytest
from kyphos.errors import FrameError
from kyphos.protocol.ble import (
    NotificationReceiver,
    max_notification_payload,
    pack_notifications,
    split_notification,
)
from kyphos.protocol.frames import Event, Frame, Imu, LogChunk, decode_frames, encode_frame
from kyphos.protocol.serial import (
    SerialDeframer,
    cobs_decode,
    cobs_encode,
    crc16,
    decode_serial,
    serial_packet,
    serial_stream,
)
from kyphos.protocol.stream import StreamDecoder
from kyphos.recording.synth import synth_frames


def _frames(n: int = 30) -> list[bytes]:
    return [f for _, f in synth_frames(n / 14)][:n]


# ---------------------------------------------------------------- stream


def test_stream_decoder_byte_by_byte_equals_bulk_decode() -> None:
    data = b"".join(_frames())
    dec = StreamDecoder()
    got = [f for i in range(len(data)) for f in dec.feed(data[i : i + 1])]
    assert got == decode_frames(data) and dec.pending == 0


def test_stream_decoder_keeps_partial_frame_until_complete() -> None:
    frame = _frames(3)[2]
    dec = StreamDecoder()
    assert list(dec.feed(frame[:-1])) == [] and dec.pending == len(frame) - 1
    assert len(list(dec.feed(frame[-1:]))) == 1 and dec.pending == 0


def test_stream_decoder_reports_offset_then_resyncs() -> None:
    good = _frames(4)
    junk = b"\x07\x07\x07"
    data = good[0] + junk + good[1] + good[2]
    dec = StreamDecoder()
    got, errors = [], []
    it = dec.feed(data)
    while True:
        try:
            for f in it:
                got.append(f)
            break
        except FrameError as exc:
            errors.append(exc.offset)
            it = dec.feed()
    assert errors[0] == len(good[0])  # the first junk byte
    assert [encode_frame(f) for f in got] == [good[0], good[1], good[2]]


# ---------------------------------------------------------------- BLE


def test_notifications_hold_whole_frames_within_the_size_limit() -> None:
    frames = _frames(200)
    for size in (182, 244, 509):
        notes = pack_notifications(frames, size)
        assert all(len(n) <= size for n in notes)
        assert [encode_frame(f) for n in notes for f in split_notification(n)] == frames


def test_104hz_raw_plus_orientation_needs_fewer_than_20_notifications_per_second() -> None:
    sent = list(synth_frames(30.0))
    notes = pack_notifications([f for _, f in sent], max_notification_payload(None))
    assert len(notes) / 30.0 < 20
    assert max_notification_payload(185) == 182 and max_notification_payload(247) == 244


def test_larger_mtu_packs_more_frames_per_notification() -> None:
    frames = [encode_frame(Frame(i, 0, Event(3, 1, 0))) for i in range(100)]
    assert len(pack_notifications(frames, 182)) > len(pack_notifications(frames, 244))


def test_frame_larger_than_notification_is_refused() -> None:
    big = encode_frame(Frame(0, 0, Imu(1, 0, ((0,) * 6,) * 20)))
    with pytest.raises(FrameError, match="does not fit"):
        pack_notifications([big], 182)


def test_notification_that_does_not_split_exactly_is_rejected_whole() -> None:
    a, b = _frames(2)
    rx = NotificationReceiver()
    assert len(rx.feed(a + b)) == 2
    for bad in (a + b[:-1], a + b + b"\x01", (a + b)[1:], b""):
        with pytest.raises(FrameError):
            split_notification(bad)
        assert rx.feed(bad) == []
    assert rx.corrupt == 4


# ---------------------------------------------------------------- serial


def test_crc16_is_ccitt_false() -> None:
    assert crc16(b"123456789") == 0x29B1  # the catalogue check value


@pytest.mark.parametrize(
    "raw, enc",
    [
        (b"\x00", b"\x01\x01"),
        (b"\x00\x00", b"\x01\x01\x01"),
        (b"\x11\x22\x00\x33", b"\x03\x11\x22\x02\x33"),
        (bytes(range(1, 255)), b"\xff" + bytes(range(1, 255))),
        (bytes(range(1, 256)), b"\xff" + bytes(range(1, 255)) + b"\x02\xff"),
        (bytes(range(2, 256)) + b"\x00", b"\xff" + bytes(range(2, 256)) + b"\x01\x01"),
    ],
)
def test_cobs_matches_published_examples(raw: bytes, enc: bytes) -> None:
    assert cobs_encode(raw) == enc and cobs_decode(enc) == raw


def test_serial_packet_is_cobs_of_frame_and_crc_terminated_by_zero() -> None:
    frame = encode_frame(Frame(0, 0, Event(8, 0, 0)))
    pkt = serial_packet(frame)
    assert pkt.endswith(b"\x00") and pkt.count(0) == 1
    raw = cobs_decode(pkt[:-1])
    assert raw[:-2] == frame and int.from_bytes(raw[-2:], "little") == crc16(frame)


def test_deframer_in_any_chunking_yields_every_frame() -> None:
    frames = _frames(50) + [encode_frame(Frame(0, 0, LogChunk(0, 0, 0, bytes(600))))]
    stream = serial_stream(frames)
    for step in (1, 7, 64, len(stream)):
        d = SerialDeframer()
        got = [encode_frame(f) for i in range(0, len(stream), step) for f in d.feed(stream[i : i + step])]
        assert got == frames and d.dropped == 0


def test_deframer_drops_bad_packets_counts_them_and_resyncs() -> None:
    frames = _frames(6)
    pkts = [serial_packet(f) for f in frames]
    flipped = bytearray(pkts[1])
    flipped[3] ^= 0x40  # CRC now fails
    garbage = b"\x05\x01\x02\x00"  # COBS block runs past its packet
    stream = pkts[0] + bytes(flipped) + garbage + b"".join(pkts[2:])
    d = SerialDeframer()
    got = [encode_frame(f) for f in d.feed(stream)]
    assert got == [frames[0]] + frames[2:]
    assert d.dropped == 2
    with pytest.raises(FrameError) as err:
        decode_serial(stream)
    assert err.value.offset == len(pkts[0])


def test_deframer_drops_oversized_garbage_without_growing() -> None:
    d = SerialDeframer(max_packet=2048)
    assert d.feed(b"\x01" * 5000) == []
    assert d.dropped == 1
    frame = _frames(1)[0]
    assert d.feed(b"\x01\x00" + serial_packet(frame)) and d.dropped == 1


def test_serial_packet_with_two_frames_is_dropped() -> None:
    from kyphos.protocol.serial import decode_packet

    a, b = _frames(2)
    two = cobs_encode(a + b + crc16(a + b).to_bytes(2, "little"))
    with pytest.raises(FrameError, match="after the frame"):
        decode_packet(two)
    d = SerialDeframer()
    assert d.feed(two + b"\x00" + serial_packet(b)) and d.dropped == 1
