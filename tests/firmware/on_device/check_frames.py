# ruff: noqa: UP031  -- MicroPython code: %-formatting is portable
# Checks for firmware/frames.py: golden vectors decode and re-encode byte for byte, commands
# are validated, encoders allocate nothing. Run on CPython (shims) and real MicroPython.
from array import array
from struct import pack_into

import checkenv
import frames
import frametools
import vectorcodec

_BUF = bytearray(4096)


def _raises(fn, text):
    try:
        fn()
    except frames.FrameError as e:
        assert text in str(e), "%r does not mention %r" % (str(e), text)
        return
    raise AssertionError("no FrameError (%s)" % text)


def check_vectors_decode_to_their_json():
    names = checkenv.vector_names("frames")
    assert len(names) >= 10, names
    for name in names:
        data = checkenv.load_bin(name)
        want = checkenv.load_meta(name)["frames"]
        off = 0
        for i in range(len(want)):
            got, off = vectorcodec.decode(data, off, len(data))
            diff = vectorcodec.differences(got, want[i])
            assert not diff, "%s frame %d: %s" % (name, i, diff)
        assert off == len(data), "%s: %d trailing bytes" % (name, len(data) - off)


def check_vectors_reencode_byte_for_byte():
    n_frames = 0
    for name in checkenv.vector_names("frames"):
        data = checkenv.load_bin(name)
        off = 0
        for entry in checkenv.load_meta(name)["frames"]:
            start = off
            length = data[off + 2] | (data[off + 3] << 8)
            off += frametools.HEADER_LEN + length
            if not vectorcodec.encodable(entry):
                continue
            end = vectorcodec.encode(_BUF, 0, entry)
            assert end == off - start, "%s %s: %d bytes, want %d" % (name, entry["type"], end, off - start)
            assert bytes(_BUF[0:end]) == data[start:off], "%s %s seq %d differs" % (
                name, entry["type"], entry["seq"])
            n_frames += 1
    assert n_frames >= 20, n_frames


def check_every_device_type_is_in_the_vectors():
    seen = {}
    for name in checkenv.vector_names():
        for entry in checkenv.load_meta(name)["frames"]:
            seen[entry["type"]] = 1
    for t in ("INFO", "IMU", "QUAT", "STATUS", "EVENT", "LOG_CHUNK", "CMD", "ACK", "ERR"):
        assert t in seen, t


def check_imu_head_plus_samples_equals_put_imu():
    samples = array("h", [(i * 37) % 65536 - 32768 for i in range(6 * 84)])
    a = bytearray(1100)
    b = bytearray(1100)
    n = frametools.put_imu(a, 3, 65535, 4294967295, 9615385, 5, samples, 84)
    m = frames.put_imu_head(b, 3, 65535, 4294967295, 9615385, 5, 84)
    for i in range(84):
        j = 6 * i
        frametools.put_imu_sample(b, 3, i, samples[j], samples[j + 1], samples[j + 2],
                              samples[j + 3], samples[j + 4], samples[j + 5])
    assert n == m == 3 + 10 + 6 + 12 * 84
    assert a == b
    assert frametools.imu_sample_offset(3, 2) == 3 + 10 + 6 + 24
    typ, length, seq, t_us = frames.parse_header(a, 3, n)
    assert (typ, length, seq, t_us) == (frametools.IMU, 6 + 12 * 84, 65535, 4294967295)
    period, flags, rows = frametools.parse_payload(typ, a, 13, length)
    assert rows[83] == list(samples[6 * 83:])


def check_seq_wraps_to_16_bits():
    frames.put_event(_BUF, 0, 65536 + 5, 0, frametools.EV_MARKER, 0, -1)
    assert frames.parse_header(_BUF, 0, 14)[2] == 5
    assert frametools.parse_payload(frametools.EVENT, _BUF, 10, 4) == (frametools.EV_MARKER, 0, -1)


def check_counts_out_of_range_are_refused():
    for fn in (lambda: frames.put_imu_head(_BUF, 0, 0, 0, 1, 0, 0),
               lambda: frames.put_imu_head(_BUF, 0, 0, 0, 1, 0, 85),
               lambda: frametools.put_quat(_BUF, 0, 0, 0, 1, 0, [0] * 1024, 128),
               lambda: frametools.put_log_chunk(_BUF, 0, 0, 0, 1, 0, 0, bytes(1015), 1015),
               lambda: frames.put_info(_BUF, 0, 0, 0, 1, 0, 0, 1, 1, 0, 10400, 4, 500, 1.0, 1.0,
                                       bytes(6), b"x" * 33)):
        try:
            fn()
        except ValueError:
            continue
        raise AssertionError("accepted an out-of-range count or length")


def check_parse_header_rejects_damage():
    n = frames.put_event(_BUF, 0, 1, 2, 1, 0, 0)
    good = bytes(_BUF[0:n])
    assert frames.parse_header(good) == (frametools.EVENT, 4, 1, 2)
    _raises(lambda: frames.parse_header(good[:9]), "shorter than its 10-byte header")
    _raises(lambda: frames.parse_header(good[:13]), "past the end")
    _raises(lambda: frames.parse_header(b"\x02" + good[1:]), "unknown protocol version 2")
    _raises(lambda: frames.parse_header(good[:1] + b"\x07" + good[2:]), "unknown frame type 0x07")
    big = bytearray(good)
    big[2] = 0x01
    big[3] = 0x04  # 1025
    _raises(lambda: frames.parse_header(big), "over 1024")
    _raises(lambda: frametools.parse_payload(frametools.EVENT, good[:13] + b"\x00\x00", 10, 5), "EVENT")
    frames.put_header(_BUF, 0, frametools.IMU, 18, 0, 0)
    pack_into("<IBB", _BUF, 10, 1, 2, 0)  # count 2 needs 30 bytes, not 18
    _raises(lambda: frametools.parse_payload(frametools.IMU, _BUF, 10, 18), "does not match count 2")


def _cmd(opcode, args, request_id=9):
    frames.put_header(_BUF, 0, frametools.CMD, 3 + len(args), 4, 0)
    pack_into("<HB", _BUF, 10, request_id, opcode)
    _BUF[13:13 + len(args)] = args
    return 13 + len(args)


def check_parse_cmd_validates_opcode_and_arguments():
    n = _cmd(frametools.OP_START, b"\x07")
    assert frames.parse_cmd(_BUF, 0, n) == (4, 9, frametools.OP_START, 13, 14, 0)
    n = _cmd(frametools.OP_LOG_READ, bytes(10))
    assert frames.parse_cmd(_BUF, 0, n)[5] == 0
    n = _cmd(frametools.OP_CONFIG_SET, b'{"slouch_deg": 25}')
    assert frames.parse_cmd(_BUF, 0, n)[3:] == (13, n, 0)
    n = _cmd(frametools.OP_CONFIG_GET, b"")
    assert frames.parse_cmd(_BUF, 0, n)[5] == 0
    n = _cmd(frametools.OP_START, b"")
    assert frames.parse_cmd(_BUF, 0, n)[5] == frametools.E_BAD_ARGS
    n = _cmd(frametools.OP_PING, b"\x00")
    assert frames.parse_cmd(_BUF, 0, n)[5] == frametools.E_BAD_ARGS
    n = _cmd(frametools.OP_MARKER, b"\x01")
    assert frames.parse_cmd(_BUF, 0, n)[5] == frametools.E_BAD_ARGS
    for op in (0, 0x10, 0xFF):
        n = _cmd(op, b"")
        assert frames.parse_cmd(_BUF, 0, n)[5] == frametools.E_UNKNOWN_OPCODE, op
    n = frames.put_event(_BUF, 0, 1, 2, 1, 0, 0)
    _raises(lambda: frames.parse_cmd(_BUF, 0, n), "expected a CMD frame")
    frames.put_header(_BUF, 0, frametools.CMD, 2, 0, 0)
    _raises(lambda: frames.parse_cmd(_BUF, 0, 12), "shorter than 3")


def check_vector_commands_parse():
    data = checkenv.load_bin("cmd")
    want = checkenv.load_meta("cmd")["frames"]
    off = 0
    for entry in want:
        seq, rid, op, a, b, err = frames.parse_cmd(data, off, len(data))
        assert (seq, rid, op, err) == (entry["seq"], entry["fields"]["request_id"],
                                       entry["fields"]["opcode"], 0)
        assert vectorcodec._hex(data[a:b]) == entry["fields"]["args"]
        off = b


def check_ack_with_data_in_place_equals_copied_data():
    a = bytearray(200)
    b = bytearray(200)
    args = (1, 2, 3, 1, 1, 7, 10400, 4, 500, 0.00119710085, 0.000266316114, b"\x24\xec\x4a\x3a\x4f\x00",
            b"kyphos-3A4F")
    end = frames.put_info_payload(a, 13, *args)
    n = frames.put_ack(a, 0, 7, 5000, 1, frametools.OP_GET_INFO, None, end - 13)
    info = bytearray(100)
    k = frames.put_info(info, 0, 0, 0, *args)
    m = frames.put_ack(b, 0, 7, 5000, 1, frametools.OP_GET_INFO, info[10:k], k - 10)
    assert n == m and a[:n] == b[:m]
    m = frames.put_err(b, 0, 1, 2, 3, 4, frametools.E_UNKNOWN_KEY, "unknown key: zz")
    assert frametools.parse_payload(frametools.ERR, b, 10, m - 10) == (3, 4, 3, b"unknown key: zz")


def check_encoders_allocate_nothing():
    buf = bytearray(1100)
    samples = array("h", range(6 * 84))
    quats = array("h", range(4 * 127))
    msg = b"config value out of range"
    t = 4000000000  # a big int on 32-bit ports; made once, outside the measurement
    cases = (
        ("put_imu", lambda: frametools.put_imu(buf, 0, 1, t, 9615385, 0, samples, 84)),
        ("put_imu_head", lambda: frames.put_imu_head(buf, 0, 1, t, 9615385, 0, 84)),
        ("put_imu_sample", lambda: frametools.put_imu_sample(buf, 0, 83, 1, -2, 3, -4, 5, -32768)),
        ("put_quat", lambda: frametools.put_quat(buf, 0, 1, t, 9615385, 0, quats, 127)),
        ("put_status", lambda: frames.put_status(buf, 0, 1, t, 3900, 80, 2, 0x221, 0, 0, 3, 0,
                                                 t, 2875)),
        ("put_event", lambda: frames.put_event(buf, 0, 1, t, frametools.EV_SLOUCH_START, 0, 312)),
        ("put_ack", lambda: frames.put_ack(buf, 0, 1, t, 7, frametools.OP_PING)),
        ("put_err", lambda: frames.put_err(buf, 0, 1, t, 7, 6, frametools.E_OUT_OF_RANGE, msg)),
        ("put_log_chunk", lambda: frametools.put_log_chunk(buf, 0, 1, t, 2, 0, 100, msg, 20)),
        ("put_t_us_halves", lambda: frames.put_t_us_halves(buf, 0, 0xEE6B, 0x2800)),
    )
    for name, fn in cases:
        per_call = checkenv.alloc_per_call(fn)
        assert per_call is None or per_call == 0, "%s allocates %s bytes per call" % (name, per_call)


def check_t_us_halves_write_the_32_bit_time():
    buf = bytearray(32)
    frames.put_event(buf, 0, 1, 0, frametools.EV_MARKER, 0, 1)
    frames.put_t_us_halves(buf, 0, 0xEE6B, 0x2800)
    assert frames.parse_header(buf, 0)[3] == 4000000000
