# ruff: noqa: UP031  -- MicroPython code: %-formatting is portable
# Checks for firmware/kyrfile.py: CRC-32 equals zlib's, the golden recording decodes and
# re-encodes byte for byte, torn and damaged records are told apart.
import json

import checkenv
import frames
import frametools
import kyrfile
import vectorcodec


def check_crc32_known_values():
    assert kyrfile.crc32(b"123456789") == 0xCBF43926  # the CRC-32 check value
    assert kyrfile.crc32(b"") == 0
    assert kyrfile.crc32(b"The quick brown fox jumps over the lazy dog") == 0x414FA339
    assert kyrfile.crc32(b"xx123456789yy", 2, 11) == 0xCBF43926
    part = kyrfile.crc32(b"1234")
    assert kyrfile.crc32(b"56789", 0, -1, part) == 0xCBF43926


def check_table_crc32_equals_builtin():
    data = bytes((i * 131 + 7) % 256 for i in range(700))
    for start, end in ((0, 0), (0, 1), (0, 700), (13, 501)):
        want = kyrfile.crc32(data, start, end)
        assert kyrfile.crc32_sw(data, start, end) == want, (start, end)
    assert kyrfile.crc32_sw(b"123456789", 0, 9) == 0xCBF43926
    assert kyrfile.crc32_sw(b"56789", 0, 5, kyrfile.crc32_sw(b"1234", 0, 4)) == 0xCBF43926


def check_crc32_into_equals_builtin_and_allocates_nothing():
    data = bytes((i * 131 + 7) % 256 for i in range(700))
    out = bytearray(6)
    for start, end in ((0, 0), (0, 1), (0, 700), (13, 501), (0, 144)):
        kyrfile.crc32_into(data, start, end, out, 1)
        got = out[1] | out[2] << 8 | out[3] << 16 | out[4] << 24
        assert got == kyrfile.crc32(data, start, end), (start, end)
    kyrfile.crc32_into(b"123456789", 0, 9, out, 0)
    assert bytes(out[:4]) == b"\x26\x39\xf4\xcb"  # 0xCBF43926 little-endian
    buf = bytearray(data[:148])
    per_call = checkenv.alloc_per_call(lambda: kyrfile.crc32_into(buf, 0, 144, buf, 144))
    assert per_call is None or per_call == 0, per_call


def _records(data, start):
    out = []
    off = start
    while off < len(data):
        host_us, n, nxt = kyrfile.parse_record(data, off)
        out.append((host_us, off + 8, n))
        off = nxt
    return out


def check_vector_recordings_decode_to_their_json():
    names = checkenv.vector_names("kyr")
    assert names, "no kyr vectors"
    for name in names:
        data = checkenv.load_bin(name)
        meta = checkenv.load_meta(name)
        a, b = kyrfile.parse_header(data)
        assert json.loads(data[a:b]) == meta["header"], name
        recs = _records(data, b + 4)
        assert [r[0] for r in recs] == meta["host_us"], name
        assert len(recs) == len(meta["frames"])
        for i in range(len(recs)):
            entry, end = vectorcodec.decode(data, recs[i][1], recs[i][1] + recs[i][2])
            diff = vectorcodec.differences(entry, meta["frames"][i])
            assert not diff, "%s record %d: %s" % (name, i, diff)


def check_vector_recordings_reencode_byte_for_byte():
    for name in checkenv.vector_names("kyr"):
        data = checkenv.load_bin(name)
        meta = checkenv.load_meta(name)
        a, b = kyrfile.parse_header(data)
        # the header JSON text is the host's (sorted keys); the device writes its own
        head = kyrfile.header_bytes(data[a:b])
        assert bytes(head) == data[0:b + 4], name
        buf = bytearray(len(data))
        off = 0
        frames_data = _records(data, b + 4)
        for i in range(len(meta["frames"])):
            entry = meta["frames"][i]
            p = kyrfile.frame_offset(off)
            if vectorcodec.encodable(entry):
                end = vectorcodec.encode(buf, p, entry)
            else:  # NOTE: copy the host's frame, still check the record around it
                _, fo, n = frames_data[i]
                buf[p:p + n] = data[fo:fo + n]
                end = p + n
            off = kyrfile.put_record(buf, off, meta["host_us"][i], end - p)
        assert bytes(buf[0:off]) == data[b + 4:], name


def check_device_log_roundtrip():
    head = kyrfile.header_bytes('{"format":"kyr","version":1,"source":"flash"}')
    buf = bytearray(300)
    mv = memoryview(buf)
    off = 0
    for seq in range(5):
        end = frames.put_event(buf, kyrfile.frame_offset(off), seq, 1000 * seq, frametools.EV_MARKER, 0, seq)
        off = kyrfile.put_record(mv, off, kyrfile.DEVICE_HOST_US, end - kyrfile.frame_offset(off))
    assert off == 5 * (kyrfile.RECORD_OVERHEAD + 14)
    data = bytes(head) + bytes(buf[0:off])
    a, b = kyrfile.parse_header(data)
    assert json.loads(data[a:b])["source"] == "flash"
    recs = _records(data, b + 4)
    assert [r[0] for r in recs] == [-1] * 5
    assert frametools.parse_payload(frametools.EVENT, data, recs[4][1] + 10, 4) == (frametools.EV_MARKER, 0, 4)


def _fails(fn, text):
    try:
        fn()
    except kyrfile.KyrError as e:
        assert text in str(e), "%r does not mention %r" % (str(e), text)
        return
    raise AssertionError("no KyrError (%s)" % text)


def check_torn_and_damaged_records_are_told_apart():
    data = checkenv.load_bin("recording")
    a, b = kyrfile.parse_header(data)
    first = b + 4
    _, _, second = kyrfile.parse_record(data, first)
    _fails(lambda: kyrfile.parse_record(data, first, second - 1), "torn record at %d" % first)
    _fails(lambda: kyrfile.parse_record(data, first, first + 5), "torn record")
    bad = bytearray(data)
    bad[first + 20] ^= 1
    _fails(lambda: kyrfile.parse_record(bad, first), "CRC mismatch at %d" % first)
    bad = bytearray(data)
    bad[first + 8] = 2  # frame version
    _fails(lambda: kyrfile.parse_record(bad, first), "bad frame header")
    _fails(lambda: kyrfile.parse_header(b"\x89KYX" + data[4:]), "bad magic")
    _fails(lambda: kyrfile.parse_header(data[0:b + 3]), "past the end")
    bad = bytearray(data)
    bad[a] ^= 1
    _fails(lambda: kyrfile.parse_header(bad), "header CRC")


def check_record_allocation_is_small():
    buf = bytearray(100)
    mv = memoryview(buf)
    frames.put_event(buf, 8, 1, 2, frametools.EV_BUTTON, 1, 0)
    per_call = checkenv.alloc_per_call(lambda: kyrfile.put_record(mv, 0, -1, 14))
    # the CRC-32 as a big int and one memoryview slice; documented in put_record
    assert per_call is None or per_call <= 64, per_call
