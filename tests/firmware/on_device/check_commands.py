# ruff: noqa: UP031
# Checks for firmware/commands.py: every opcode answered once, the golden vectors, ERR codes for
# bad commands, refusals on unencrypted links, flash full, LOG_* through a real flash log,
# GET_CRASH through crashlog. Coroutines are driven by hand (the WebAssembly MicroPython has no
# asyncio.run), so nothing here needs an event loop.
import json
import os
from struct import pack, unpack_from

import checkenv
import commands
import config
import crashlog
import frames
import frametools
import vectorcodec


from cmdenv import _INFO_ACK, _Dev, _Link, _drive  # noqa: E402,F401


def _cmd(rid, op, args=b""):
    payload = pack("<HB", rid, op) + args
    return pack("<BBHHI", 1, frametools.CMD, len(payload), 0, 0) + payload


def _ask(cmds, link, rid, op, args=b""):
    """Send one CMD; returns (type, opcode, code_or_None, data) of the single answer."""
    before = len(link.sent)
    f = _cmd(rid, op, args)
    _drive(cmds.handle(link, f, len(f)))
    answers = link.sent[before:]
    replies = [a for a in answers if a[1] in (frametools.ACK, frametools.ERR)]
    assert len(replies) == 1, (op, answers)
    a = replies[0]
    typ, length, _, _ = frames.parse_header(a)
    got_rid, got_op = unpack_from("<HB", a, 10)
    assert got_rid == rid and got_op == op, (rid, op, got_rid, got_op)
    if typ == frametools.ERR:
        return "ERR", op, a[13], bytes(a[14:10 + length])
    return "ACK", op, None, bytes(a[13:10 + length])


def _setup(kind="ble", encrypted=True, mtu=247):
    dev = _Dev(checkenv.tmpdir("check_commands"))
    return dev, commands.Commands(dev), _Link(kind, encrypted, mtu)


def check_every_opcode_gets_exactly_one_ack():
    dev, cmds, link = _setup("usb")
    dev.log.start(None)
    f = bytearray(30)
    n = frames.put_event(f, 0, 0, 0, frametools.EV_MARKER, 0, 1)
    dev.log.append(memoryview(f)[:n])
    args = {
        frametools.OP_START: b"\x07", frametools.OP_CONFIG_GET: b"odr_hz",
        frametools.OP_CONFIG_SET: b'{"slouch_dwell_s": 30}', frametools.OP_LOG_READ: pack("<HII", 1, 0, 50),
        frametools.OP_LOG_ERASE: pack("<H", 1), frametools.OP_MARKER: pack("<h", -3),
        frametools.OP_SNOOZE: pack("<H", 600),
    }
    for op in range(1, 16):
        kind, _, code, data = _ask(cmds, link, 100 + op, op, args.get(op, b""))
        assert kind == "ACK", (op, code, data)
    assert ("marker", -3) in dev.calls and ("snooze", 600) in dev.calls
    assert ("reboot",) in dev.calls and ("pair",) in dev.calls and ("start", 7) in dev.calls
    assert cmds.errors == 0 and cmds.handled == 15


def check_golden_vectors_cmd_to_ack():
    # The golden CMD frames GET_INFO, START(7) and PING give the golden ACK frames (same bytes
    # after the header's seq and t_us, which are the device's own).
    dev, cmds, link = _setup("usb")
    cmd_bin = checkenv.load_bin("cmd")
    ack_bin = checkenv.load_bin("ack")
    acks = []
    off = 0
    while off < len(ack_bin):
        _, length, _, _ = frames.parse_header(ack_bin, off)
        acks.append(bytes(ack_bin[off:off + 10 + length]))
        off += 10 + length
    by_op = {}
    for a in acks:
        by_op[a[12]] = a
    off = 0
    matched = 0
    while off < len(cmd_bin):
        entry, end = vectorcodec.decode(cmd_bin, off, len(cmd_bin))
        op = entry["fields"]["opcode"]
        if op in by_op:
            link.sent = []
            _drive(cmds.handle(link, cmd_bin[off:end], end - off))
            got = link.sent[-1]
            want = by_op[op]
            # Same type, length, opcode and data; the request id is the command's own.
            assert got[:4] == want[:4] and got[12:] == want[12:], (op, got, want)
            assert got[10:12] == cmd_bin[off + 10:off + 12]
            matched += 1
        off = end
    assert matched == 3, matched


def check_bad_commands_get_their_err_codes():
    dev, cmds, link = _setup("usb")
    cases = (
        (0x42, b"", frametools.E_UNKNOWN_OPCODE),
        (0x00, b"", frametools.E_UNKNOWN_OPCODE),
        (frametools.OP_START, b"", frametools.E_BAD_ARGS),
        (frametools.OP_START, b"\x00", frametools.E_BAD_ARGS),
        (frametools.OP_START, b"\x08", frametools.E_BAD_ARGS),
        (frametools.OP_PING, b"\x01", frametools.E_BAD_ARGS),
        (frametools.OP_LOG_READ, b"\x01\x00", frametools.E_BAD_ARGS),
        (frametools.OP_CONFIG_GET, b"colour", frametools.E_UNKNOWN_KEY),
        (frametools.OP_CONFIG_SET, b'{"colour": 1}', frametools.E_UNKNOWN_KEY),
        (frametools.OP_CONFIG_SET, b'{"slouch_dwell_s": 1}', frametools.E_OUT_OF_RANGE),
        (frametools.OP_CONFIG_SET, b'{"slouch_dwell_s": "long"}', frametools.E_OUT_OF_RANGE),
        (frametools.OP_CONFIG_SET, b"[1, 2]", frametools.E_BAD_ARGS),
        (frametools.OP_CONFIG_SET, b"{not json", frametools.E_BAD_ARGS),
        (frametools.OP_CONFIG_SET, b"\xff\xfe", frametools.E_BAD_ARGS),
        (frametools.OP_LOG_READ, pack("<HII", 77, 0, 10), frametools.E_NO_SUCH_LOG),
        (frametools.OP_LOG_ERASE, pack("<H", 77), frametools.E_NO_SUCH_LOG),
    )
    rid = 1
    for op, args, want in cases:
        kind, _, code, msg = _ask(cmds, link, rid, op, args)
        assert kind == "ERR" and code == want, (op, args, kind, code, msg)
        rid += 1
    _, _, _, msg = _ask(cmds, link, rid, frametools.OP_CONFIG_SET, b'{"slouch_dwell_s": 1}')
    assert b"slouch_dwell_s" in msg and b"3..600" in msg, msg
    _, _, _, msg = _ask(cmds, link, rid + 1, frametools.OP_CONFIG_GET, b"colour")
    assert b"colour" in msg, msg
    # Nothing was applied by the failed CONFIG_SETs.
    assert dev.cfg.get("slouch_dwell_s") == 60 and not dev.calls


def check_not_a_cmd_frame_gets_no_answer():
    dev, cmds, link = _setup("usb")
    ack = bytearray(20)
    n = frames.put_ack(ack, 0, 0, 0, 1, 1)
    junk = (bytes(ack[:n]), b"\x01\x10\x05", b"\x02\x10\x03\x00\x00\x00\x00\x00\x00\x00\x01\x00\x01",
            _cmd(1, 1)[:-1] + b"")
    for f in junk:
        assert _drive(cmds.handle(link, f, len(f))) == -1
    short = b"\x01\x10\x02\x00\x00\x00\x00\x00\x00\x00\x01\x00"  # CMD payload under 3 bytes
    assert _drive(cmds.handle(link, short, len(short))) == -1
    assert link.sent == [] and cmds.bad_frames == 5


def check_unencrypted_ble_refuses_config_erase_reboot_pair():
    dev, cmds, link = _setup("ble", encrypted=False)
    dev.log.start(None)
    f = bytearray(30)
    n = frames.put_event(f, 0, 0, 0, frametools.EV_MARKER, 0, 1)
    dev.log.append(memoryview(f)[:n])
    dev.log.stop()
    for op, args in ((frametools.OP_CONFIG_SET, b'{"slouch_dwell_s": 30}'),
                     (frametools.OP_LOG_ERASE, pack("<H", 0xFFFF)), (frametools.OP_REBOOT, b""),
                     (frametools.OP_PAIR, b"")):
        kind, _, code, _ = _ask(cmds, link, 9, op, args)
        assert kind == "ERR" and code == frametools.E_NOT_PERMITTED, (op, kind, code)
    assert dev.calls == [] and dev.log.ids() == [1]
    try:
        os.stat(dev.root + "/config.json")
        raise AssertionError("config was written")
    except OSError:
        pass
    # Reading and streaming stay open; once encrypted the same commands work.
    assert _ask(cmds, link, 10, frametools.OP_CONFIG_GET, b"odr_hz")[0] == "ACK"
    link.encrypted = True
    assert _ask(cmds, link, 11, frametools.OP_CONFIG_SET, b'{"slouch_dwell_s": 30}')[0] == "ACK"
    assert _ask(cmds, link, 12, frametools.OP_LOG_ERASE, pack("<H", 0xFFFF))[0] == "ACK"
    assert dev.log.ids() == []


def check_start_needs_mtu_185_and_an_imu():
    dev, cmds, link = _setup("ble", mtu=23)
    kind, _, code, msg = _ask(cmds, link, 1, frametools.OP_START, b"\x01")
    assert kind == "ERR" and code == frametools.E_MTU_TOO_SMALL
    assert len(link.sent[-1]) <= 20  # the message is clipped to one 20-byte notification
    link.link = "usb-like"
    link.mtu = 100
    link.limit = lambda: 500
    msg = _ask(cmds, link, 5, frametools.OP_START, b"\x01")[3]
    assert b"ATT MTU 100 is below 185" in msg, msg
    link.link = "ble"
    link.limit = lambda: link.mtu - 3
    link.mtu = 185
    assert _ask(cmds, link, 2, frametools.OP_START, b"\x01")[0] == "ACK"
    dev.imu_ok = False
    kind, _, code, _ = _ask(cmds, link, 3, frametools.OP_START, b"\x01")
    assert code == frametools.E_IMU
    dev.can_calibrate = False
    assert _ask(cmds, link, 4, frametools.OP_CALIBRATE)[2] == frametools.E_BUSY


def check_log_list_read_erase():
    dev, cmds, link = _setup("ble", encrypted=True, mtu=185)
    log = dev.log
    log.start({"name": "t"})
    f = bytearray(200)
    for i in range(40):
        n = frames.put_event(f, 0, i, 1000 * i, frametools.EV_MARKER, 0, i)
        log.append(memoryview(f)[:n])
    log.stop()
    data = _ask_parts(cmds, link, 1, frametools.OP_LOG_LIST)[1]
    items = json.loads(data)
    assert len(items) == 1 and items[0]["size"] == log.size(1), items
    assert items[0]["id"] == 1 and items[0]["closed"] and items[0]["seq_first"] == 0, items
    assert items[0]["seq_last"] == 39, items
    size = items[0]["size"]
    link.sent = []
    kind, _, _, _ = _ask(cmds, link, 2, frametools.OP_LOG_READ, pack("<HII", 1, 0, 0xFFFFFFFF))
    assert kind == "ACK"
    got = bytearray()
    for a in link.sent[:-1]:
        assert a[1] == frametools.LOG_CHUNK and len(a) <= 182
        log_id, off, total = unpack_from("<HII", a, 10)
        assert log_id == 1 and off == len(got) and total == size
        got.extend(a[20:])
    with open(dev.root + "/logs/00001.kyr", "rb") as fh:
        assert bytes(got) == fh.read()
    # A window in the middle.
    link.sent = []
    _ask(cmds, link, 3, frametools.OP_LOG_READ, pack("<HII", 1, 100, 50))
    chunk = link.sent[0]
    assert unpack_from("<I", chunk, 12)[0] == 100 and len(chunk) == 70
    assert _ask(cmds, link, 4, frametools.OP_LOG_ERASE, pack("<H", 1))[0] == "ACK"
    assert _ask(cmds, link, 5, frametools.OP_LOG_READ, pack("<HII", 1, 0, 10))[2] == frametools.E_NO_SUCH_LOG


def check_flash_full_config_set_is_err_8():
    dev, cmds, link = _setup("usb")
    dev.cfg_path = dev.root + "/no/such/folder/config.json"  # every write fails
    kind, _, code, msg = _ask(cmds, link, 1, frametools.OP_CONFIG_SET, b'{"slouch_dwell_s": 30}')
    assert kind == "ERR" and code == frametools.E_STORAGE_FULL, (kind, code, msg)


def check_get_crash_reports_then_clears():
    dev, cmds, link = _setup("usb")
    assert _ask(cmds, link, 1, frametools.OP_GET_CRASH)[3] == b""
    try:
        raise ValueError("sample path blew up")
    except ValueError as e:
        assert crashlog.save(e, dev.crash_path, "boot 7")
    assert crashlog.present(dev.crash_path)
    text = _ask(cmds, link, 2, frametools.OP_GET_CRASH)[3]
    assert text.startswith(b"boot 7\n") and b"ValueError: sample path blew up" in text, text
    assert not crashlog.present(dev.crash_path)
    assert _ask(cmds, link, 3, frametools.OP_GET_CRASH)[3] == b""


def _ask_parts(cmds, link, rid, op, args=b""):
    """Send one CMD; returns (the ACK frames' lengths, reassembled data). Every part but the
    last has opcode | 0x80; all share the request_id; nothing else is answered."""
    before = len(link.sent)
    f = _cmd(rid, op, args)
    _drive(cmds.handle(link, f, len(f)))
    answers = link.sent[before:]
    assert answers, op
    sizes = []
    data = bytearray()
    for i, a in enumerate(answers):
        typ, length, _, _ = frames.parse_header(a)
        assert typ == frametools.ACK, (op, a)
        got_rid, got_op = unpack_from("<HB", a, 10)
        last = i == len(answers) - 1
        assert got_rid == rid and got_op == (op if last else op | 0x80), (i, got_op)
        sizes.append(len(a))
        data.extend(a[13:10 + length])
    return sizes, bytes(data)


def check_long_answers_come_in_parts():
    # CONFIG_GET of every key (~600 bytes) does not fit one 182-byte notification: several
    # ACKs, all but the last with opcode | 0x80; on USB one ACK.
    dev, cmds, ble = _setup("ble", encrypted=True, mtu=185)
    sizes, data = _ask_parts(cmds, ble, 1, frametools.OP_CONFIG_GET, b"")
    assert len(sizes) >= 3 and max(sizes) == 182 and sizes[-1] <= 182, sizes
    assert sorted(json.loads(data)) == config.KEYS
    usb = _Link("usb")
    sizes, usb_data = _ask_parts(cmds, usb, 2, frametools.OP_CONFIG_GET, b"")
    assert len(sizes) == 1 and usb_data == data
    # The smallest link (ATT MTU 23: 7 data bytes a part) still carries it.
    tiny = _Link("ble", True, 23)
    sizes, tiny_data = _ask_parts(cmds, tiny, 3, frametools.OP_CONFIG_GET, b"")
    assert max(sizes) == 20 and tiny_data == data, sizes
    # A long crash report over BLE arrives whole.
    try:
        raise RuntimeError("x" * 400)
    except RuntimeError as e:
        crashlog.save(e, dev.crash_path)
    want = crashlog.read(dev.crash_path)
    sizes, data = _ask_parts(cmds, ble, 4, frametools.OP_GET_CRASH)
    assert len(sizes) >= 3 and data == want and data.endswith(b"x" * 10 + b"\n"), sizes
    # More than 1024 bytes over USB: parts of at most the 1034-byte frame.
    f = bytearray(30)
    for i in range(12):
        dev.log.start({"name": "t%d" % i})
        dev.log.append(memoryview(f)[:frames.put_event(f, 0, i, 0, frametools.EV_MARKER, 0, i)])
        dev.log.stop()
    sizes, data = _ask_parts(cmds, usb, 5, frametools.OP_LOG_LIST)
    assert len(sizes) >= 2 and max(sizes) == frametools.MAX_FRAME, sizes
    assert len(json.loads(data)) == len(dev.log.ids())
