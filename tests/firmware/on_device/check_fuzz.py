# ruff: noqa: UP031
# Fuzzing the firmware's parsers (issue 14 item 10): frames.parse_cmd, serialframe.Deframer and
# the command handler (commands.Commands.handle, every opcode with random arguments, on BLE
# links trusted or not and on USB). The prop_* functions are the properties; the check_*
# functions run a seeded sample of a few hundred cases on both interpreters (real MicroPython
# and CPython with shims), and tests/test_fuzz_firmware_parsers.py runs >= 10,000 hypothesis
# cases of each property on CPython.
#
# Properties: no exception escapes; a frame that parses as a CMD gets exactly one answer on its
# link (one ERR, or ACK parts ending with the opcode itself); a bad command (unknown opcode,
# wrong argument length, bad argument, refused) gets an ERR with the code the handler returns;
# a frame that is not a CMD gets no answer; the deframer hands out only CRC-checked frames
# whose header length matches, and every intact packet between damaged ones.
from struct import pack, unpack_from

import cmdenv
import checkenv
import commands
import frames
import frametools
import serialframe

_ANSWERS = (frametools.ACK, frametools.ERR)


class Rand:
    """xorshift32: the same numbers on MicroPython and CPython (no `random` needed)."""

    def __init__(self, seed):
        self.s = (seed & 0xFFFFFFFF) or 1

    def next(self):
        s = self.s
        s ^= (s << 13) & 0xFFFFFFFF
        s ^= s >> 17
        s ^= (s << 5) & 0xFFFFFFFF
        self.s = s
        return s

    def below(self, n):
        return self.next() % n

    def bytes(self, n):
        return bytes([self.next() & 0xFF for _ in range(n)])


# --- parse_cmd -------------------------------------------------------------------------------
def prop_parse_cmd(data):
    """parse_cmd on any bytes: a FrameError, or fields inside the frame and err in 0/1/2."""
    try:
        seq, rid, op, a, b, err = frames.parse_cmd(data, 0, len(data))
    except frames.FrameError:
        return None
    assert data[1] == frametools.CMD
    assert 0 <= rid <= 0xFFFF and 0 <= op <= 0xFF and 0 <= seq <= 0xFFFF
    assert frametools.HEADER_LEN + 3 == a <= b == frametools.HEADER_LEN + (data[2] | data[3] << 8)
    assert b <= len(data)
    assert err in (0, frametools.E_UNKNOWN_OPCODE, frametools.E_BAD_ARGS)
    return err


def cmd_bytes(rid, op, args, seq=0, version=1, typ=frametools.CMD, length=-1):
    payload = pack("<HB", rid & 0xFFFF, op & 0xFF) + args
    n = len(payload) if length < 0 else length
    return pack("<BBHHI", version, typ, n & 0xFFFF, seq & 0xFFFF, 0) + payload


# --- Deframer --------------------------------------------------------------------------------
def packet(frame):
    dst = bytearray(serialframe.MAX_PACKET + 2)
    end = serialframe.encode_packet(frame, 0, len(frame), dst, 0)
    return bytes(dst[:end])


def prop_deframer(chunks, good, splits):
    """Feed the bytes of `chunks` (a list of bytes, junk and whole packets) in pieces cut at
    `splits`; every delivered frame is CRC-checked with a matching header length, and the
    frames in `good` (encoded whole between zero bytes in chunks) come out in order."""
    got = []

    def on_frame(buf, n):
        assert frametools.HEADER_LEN <= n <= serialframe.MAX_FRAME
        assert (buf[2] | buf[3] << 8) == n - frametools.HEADER_LEN
        got.append(bytes(buf[:n]))

    d = serialframe.Deframer(on_frame)
    data = b"".join(chunks)
    p = 0
    for cut in sorted(splits) + [len(data)]:
        if cut > p:
            d.feed(data[p:cut])
            p = cut
    assert d.frames == len(got)
    assert d.crc_errors >= 0 and d.cobs_errors >= 0 and d.length_errors >= 0
    i = 0
    for f in got:  # the intact packets are a subsequence of what came out
        if i < len(good) and f == good[i]:
            i += 1
    assert i == len(good), (len(good), i)
    return len(got)


# --- the command handler -------------------------------------------------------------------
def new_handler():
    root = checkenv.tmpdir("fuzzcmd")
    dev = cmdenv._Dev(root)
    return commands.Commands(dev), dev


def prop_command(cmds, link, data):
    """Commands.handle on `data` from `link`: no exception; one answer (ERR, or ACK parts) for
    a CMD frame with the code handle() returns; nothing for anything else."""
    before = len(link.sent)
    try:
        parsed = frames.parse_cmd(data, 0, len(data))
    except frames.FrameError:
        parsed = None
    ret = cmdenv._drive(cmds.handle(link, data, len(data)))
    answers = [a for a in link.sent[before:] if a[1] in _ANSWERS]
    if parsed is None:
        assert ret == -1 and not answers, (ret, answers)
        return ret
    _, rid, op, _, _, err = parsed
    assert answers, "no answer to a CMD frame"
    for a in answers:
        frames.parse_header(a, 0, len(a))  # every answer is a well-formed frame
        got_rid, got_op = unpack_from("<HB", a, 10)
        assert got_rid == rid and got_op & 0x7F == op & 0x7F, (rid, op, got_rid, got_op)
    last = answers[-1]
    if err:
        assert ret == err
    if ret == 0:
        assert all(a[1] == frametools.ACK for a in answers), answers
        assert unpack_from("<B", last, 12)[0] == op  # the last part has no "more" bit
        assert all(unpack_from("<B", a, 12)[0] == op | 0x80 for a in answers[:-1])
    else:
        assert ret > 0 and len(answers) == 1 and last[1] == frametools.ERR, (ret, answers)
        assert last[13] == ret, (last[13], ret)  # ERR payload: rid, op, code, message
    assert cmds.internal_errors == 0, "an exception escaped a command's code"
    if not link.trusted() and op in (frametools.OP_CONFIG_SET, frametools.OP_LOG_ERASE,
                                     frametools.OP_REBOOT, frametools.OP_PAIR) and not err:
        assert ret == frametools.E_NOT_PERMITTED
    return ret


_LINKS = (("ble", False, 23), ("ble", False, 185), ("ble", True, 247), ("usb", False, 0))
_JSON = (b'{"slouch_dwell_s": 30}', b'{"odr_hz": 9999}', b'{"nope": 1}', b"[1,2]", b"{",
         b"slouch_dwell_s", b"", b'{"name": "' + b"x" * 40 + b'"}', b'\xff\xfe')


def random_command(r):
    """(link kind, encrypted, mtu), frame bytes: every opcode (and unknown ones) with random
    arguments, often of the right length, sometimes JSON, sometimes a damaged header."""
    link = _LINKS[r.below(len(_LINKS))]
    op = r.below(20) if r.below(8) else r.below(256)
    k = r.below(6)
    if k == 0:
        args = _JSON[r.below(len(_JSON))]
    elif k == 1 and 0 < op < len(frames._ARGS_LEN) and frames._ARGS_LEN[op] != 0xFF:
        args = r.bytes(frames._ARGS_LEN[op])
    else:
        args = r.bytes(r.below(12) if r.below(4) else r.below(300))
    damage = r.below(12)
    if damage == 0:
        f = cmd_bytes(r.next(), op, args, length=r.below(0x10000))
    elif damage == 1:
        f = cmd_bytes(r.next(), op, args, typ=r.below(256))
    elif damage == 2:
        f = cmd_bytes(r.next(), op, args, version=r.below(256))
    elif damage == 3:
        f = cmd_bytes(r.next(), op, args)[:r.below(16)]
    else:
        f = cmd_bytes(r.next(), op, args, seq=r.next())
    return link, f


def make_link(spec):
    kind, encrypted, mtu = spec
    return cmdenv._Link(kind, encrypted, mtu or 247)


# --- seeded samples (both interpreters) ------------------------------------------------------
_N = 300


def check_parse_cmd_random_and_mutated():
    r = Rand(14010)
    seen = {}
    for _ in range(_N):
        if r.below(2):
            data = r.bytes(r.below(40))
        else:
            _, data = random_command(r)
            data = bytearray(data)
            for _ in range(r.below(3)):
                if data:
                    data[r.below(len(data))] = r.below(256)
            data = bytes(data)
        err = prop_parse_cmd(data)
        seen[err] = seen.get(err, 0) + 1
    assert len(seen) == 4, seen  # FrameError, ok, unknown opcode, bad args all reached


def check_deframer_junk_and_intact_packets():
    r = Rand(14011)
    delivered = 0
    for _ in range(_N // 3):
        chunks = []
        good = []
        for _ in range(1 + r.below(5)):
            if r.below(2):
                f = cmd_bytes(r.next(), r.below(16), r.bytes(r.below(40)))
                good.append(f)
                chunks.append(b"\x00" + packet(f))
            else:
                chunks.append(r.bytes(r.below(60)))
        chunks.append(b"\x00")
        total = sum(len(c) for c in chunks)
        splits = [r.below(total + 1) for _ in range(r.below(4))]
        delivered += prop_deframer(chunks, good, splits)
    assert delivered > 0


def check_command_handler_every_opcode():
    r = Rand(14012)
    cmds, _ = new_handler()
    codes = {}
    for _ in range(_N):
        spec, data = random_command(r)
        ret = prop_command(cmds, make_link(spec), data)
        codes[ret] = codes.get(ret, 0) + 1
    # Not-a-CMD, ACK and the main ERR codes were all reached by the sample.
    for code in (-1, 0, frametools.E_UNKNOWN_OPCODE, frametools.E_BAD_ARGS, frametools.E_NOT_PERMITTED):
        assert code in codes, (code, codes)
