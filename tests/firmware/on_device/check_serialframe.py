# ruff: noqa: UP031  -- MicroPython code: %-formatting is portable
# Checks for firmware/serialframe.py: CRC-16 and COBS against known values, the golden serial
# streams decode and re-encode byte for byte, damage is counted and resynced, nothing allocates.
import checkenv
import frames
import frametools
import serialframe
import vectorcodec

_OUT = bytearray(4 * serialframe.MAX_PACKET)


def _frames_of(data, chunk=0):
    """Feed data (in chunks of `chunk` bytes, 0: all at once); returns (frames, deframer)."""
    got = []
    d = serialframe.Deframer(lambda buf, n: got.append(bytes(buf[0:n])))
    if chunk:
        for i in range(0, len(data), chunk):
            d.feed(data[i:i + chunk])
    else:
        d.feed(data)
    return got, d


def _cobs(data):
    n = serialframe.cobs_encode(data, 0, len(data), _OUT, 0)
    return bytes(_OUT[0:n])


def check_crc16_known_values():
    assert serialframe.crc16(b"123456789", 0, 9) == 0x29B1  # the CCITT-FALSE check value
    assert serialframe.crc16(b"", 0, 0) == 0xFFFF
    assert serialframe.crc16(b"xx123456789", 2, 11) == 0x29B1
    part = serialframe.crc16(b"1234", 0, 4)
    assert serialframe.crc16(b"56789", 0, 5, part) == 0x29B1
    assert serialframe.crc16(b"\x00", 0, 1) == 0xE1F0


def check_cobs_known_values():
    # the examples of Cheshire & Baker's COBS as usually published
    run254 = bytes(range(1, 255))
    cases = (
        (b"", b"\x01"),
        (b"\x00", b"\x01\x01"),
        (b"\x00\x00", b"\x01\x01\x01"),
        (b"\x11\x22\x00\x33", b"\x03\x11\x22\x02\x33"),
        (b"\x11\x22\x33\x44", b"\x05\x11\x22\x33\x44"),
        (b"\x11\x00\x00\x00", b"\x02\x11\x01\x01\x01"),
        (run254, b"\xff" + run254),
        (b"\x00" + run254, b"\x01\xff" + run254),
        (run254 + b"\xff", b"\xff" + run254 + b"\x02\xff"),
        (bytes(range(2, 256)) + b"\x00", b"\xff" + bytes(range(2, 256)) + b"\x01\x01"),
    )
    for raw, enc in cases:
        assert _cobs(raw) == enc, raw
        out = bytearray(len(raw) + 1)
        n = serialframe.cobs_decode(enc, 0, len(enc), out, 0)
        assert bytes(out[0:n]) == raw, raw
    out = bytearray(10)
    assert serialframe.cobs_decode(b"\x05\x11\x22", 0, 3, out, 0) == -1  # runs past the end
    assert serialframe.cobs_decode(b"\x02\x11\x00", 0, 3, out, 0) == -1  # 0x00 code


def check_vector_streams_decode_to_their_json():
    names = checkenv.vector_names("serial")
    assert names, "no serial vectors"
    for name in names:
        data = checkenv.load_bin(name)
        want = checkenv.load_meta(name)["frames"]
        for chunk in (0, 1, 7):
            got, d = _frames_of(data, chunk)
            assert len(got) == len(want) == d.frames, (name, chunk, len(got))
            assert d.crc_errors == d.cobs_errors == d.length_errors == 0
            for i in range(len(want)):
                entry, end = vectorcodec.decode(got[i], 0, len(got[i]))
                assert end == len(got[i])
                diff = vectorcodec.differences(entry, want[i])
                assert not diff, "%s frame %d: %s" % (name, i, diff)


def check_vector_streams_reencode_byte_for_byte():
    frame = bytearray(frametools.MAX_FRAME)
    for name in checkenv.vector_names("serial"):
        data = checkenv.load_bin(name)
        off = 0
        for entry in checkenv.load_meta(name)["frames"]:
            n = vectorcodec.encode(frame, 0, entry)
            end = serialframe.encode_packet(frame, 0, n, _OUT, 0)
            assert bytes(_OUT[0:end]) == data[off:off + end], "%s %s seq %d" % (
                name, entry["type"], entry["seq"])
            off += end
        assert off == len(data)


def check_largest_frame_fits_max_packet():
    frame = bytearray(frametools.MAX_FRAME)
    for i in range(len(frame)):
        frame[i] = 1 + i % 255  # no zero: the most COBS blocks
    frames.put_header(frame, 0, frametools.NOTE, frametools.MAX_PAYLOAD, 1, 1)
    out = bytearray(serialframe.MAX_PACKET)
    n = serialframe.encode_packet(frame, 0, len(frame), out, 0)
    assert n <= serialframe.MAX_PACKET
    got, d = _frames_of(out[0:n])
    assert got == [bytes(frame)], d.length_errors


def check_damage_is_counted_and_resynced():
    frame = bytearray(40)
    n = frames.put_event(frame, 0, 3, 1000, frametools.EV_BUTTON, 1, 0)
    k = serialframe.encode_packet(frame, 0, n, _OUT, 0)
    good = bytes(_OUT[0:k])

    bad_crc = bytearray(good)
    bad_crc[5] ^= 0x40
    got, d = _frames_of(bytes(bad_crc) + good)
    assert (len(got), d.crc_errors, d.frames) == (1, 1, 1)

    got, d = _frames_of(b"\x05\x11\x00" + good)  # COBS block running past its packet
    assert (len(got), d.cobs_errors) == (1, 1)

    got, d = _frames_of(b"\x01" * 3000 + b"\x00" + good)  # longer than any packet
    assert (len(got), d.cobs_errors) == (1, 1)

    got, d = _frames_of(good[:6] + b"\x00" + good)  # torn packet
    assert len(got) == 1 and d.cobs_errors + d.crc_errors + d.length_errors == 1

    frame[2] = 5  # header says 5 payload bytes, the packet carries 4
    k = serialframe.encode_packet(frame, 0, n, _OUT, 0)
    got, d = _frames_of(bytes(_OUT[0:k]) + good)
    assert (len(got), d.length_errors) == (1, 1)

    got, d = _frames_of(b"\x00\x00" + good + b"\x00")  # empty packets are not errors
    assert len(got) == 1 and d.cobs_errors + d.crc_errors + d.length_errors == 0


def check_encode_and_deframe_allocate_nothing():
    frame = bytearray(frametools.MAX_FRAME)
    n = frames.put_event(frame, 0, 3, 4000000000, frametools.EV_BUTTON, 1, 0)
    out = bytearray(serialframe.MAX_PACKET)
    k = serialframe.encode_packet(frame, 0, n, out, 0)
    count = [0]

    def on_frame(buf, m):
        count[0] += 1

    d = serialframe.Deframer(on_frame)
    for name, fn in (
        ("encode_packet", lambda: serialframe.encode_packet(frame, 0, n, out, 0)),
        ("Deframer.feed", lambda: d.feed(out, k)),
    ):
        per_call = checkenv.alloc_per_call(fn)
        assert per_call is None or per_call == 0, "%s allocates %s bytes per call" % (name, per_call)
    d.feed(out, k)
    assert count[0] >= 1 and d.crc_errors == 0
