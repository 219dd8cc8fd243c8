# Commands from the host (docs/protocol.md section 2, CMD): decode, check, run, answer.
#
# Every CMD frame that parses gets exactly one ERR, or one or more ACKs, with its request_id and
# opcode on the link it came from: an answer longer than one frame on that link (one BLE
# notification, or the 1024-byte payload) goes in parts, every one but the last with
# opcode | 0x80 (docs/protocol.md, "Continuation"). Frames that are not a CMD at all (damaged, another type) get no answer and
# are counted in `bad_frames`.
#
#   cmds = Commands(dev)
#   await cmds.handle(link, buf, n)      # the frame is buf[0:n]
#
# The commands on what is stored on flash (CONFIG_GET/SET, LOG_LIST/READ/ERASE, GET_CRASH,
# REBOOT) are answered by cmdstore.py, imported for them only (lazy.py: heap, issue 14 item 9).
#
# `dev` is the running device (app.Device); what is used of it:
#   dev.cfg (the config values, a dict), dev.cfg_path (config.Config wraps them for
#   CONFIG_GET/SET, imported then: lazy.py), dev.log (flashlog.FlashLog or None), dev.clock (.update(), .hi,
#   .lo: the 32-bit us clock as 16-bit halves), dev.next_ctrl_seq(), dev.info_payload(buf, off),
#   dev.start(link, streams) / dev.stop(link) -> ERR code or 0, dev.calibrate() -> bool,
#   dev.config_changed(keys), dev.marker(id), dev.snooze(seconds), dev.reboot_soon(maint=False),
#   dev.open_pairing(), dev.crash_text() -> bytes, dev.crash_reported().
# `link` (ble.Peripheral or usb.Serial): .link ("ble"/"usb"), .trusted(), .mtu_ok(),
#   .limit() (largest frame the link carries whole), .refusal() (ERR 5 text), await .send(buf, n).
#
# Permissions: CONFIG_SET, LOG_ERASE, REBOOT and PAIR change or erase state: on a link that is
# not trusted they get ERR 5 with link.refusal() (what to do). BLE is trusted when encrypted by
# an authenticated bond or one made inside the button's pairing window (ble.Peripheral.trusted:
# a Just Works pairing from Windows or BlueZ without an agent, outside the window, can stream
# and read only). USB is trusted (physical access).
from struct import unpack_from

import frames
import lazy
from micropython import const

# The protocol's numbers this module uses (frames.py keeps its own private: frametools.py
# has the public names; tests/test_firmware_private_consts_agree.py checks the copies).
_E_BAD_ARGS = const(2)
_E_BUSY = const(6)
_E_MTU_TOO_SMALL = const(10)
_E_NOT_PERMITTED = const(5)
_E_STORAGE_FULL = const(8)
_E_UNKNOWN_OPCODE = const(1)
_MAX_FRAME = const(1034)
_MAX_PAYLOAD = const(1024)
_OP_CALIBRATE = const(0x04)
_OP_CONFIG_GET = const(0x05)
_OP_CONFIG_SET = const(0x06)
_OP_GET_CRASH = const(0x0E)
_OP_GET_INFO = const(0x01)
_OP_LOG_ERASE = const(0x09)
_OP_MARKER = const(0x0A)
_OP_PAIR = const(0x0D)
_OP_PING = const(0x0F)
_OP_REBOOT = const(0x0C)
_OP_SNOOZE = const(0x0B)
_OP_START = const(0x02)
_OP_STOP = const(0x03)

_ACK_DATA = const(13)  # ACK header + request_id + opcode
_MORE = const(0x80)  # opcode bit 7: another ACK part of this answer follows


class Commands:
    def __init__(self, dev):
        self.dev = dev
        self.out = bytearray(_MAX_FRAME)
        self.handled = 0
        self.errors = 0  # ERR answers sent
        self.bad_frames = 0  # not a CMD frame: no answer possible
        self.internal_errors = 0  # exceptions caught from a command's code (bugs)

    # --- answers -------------------------------------------------------------------------
    def _stamp(self, n):
        c = self.dev.clock
        c.update()
        frames.put_t_us_halves(self.out, 0, c.hi, c.lo)
        return n

    async def _ack(self, link, rid, op, data=None, n=0):
        """ACK with data[0:n] (data None: the n bytes are already at self.out[_ACK_DATA:]).
        Data longer than one frame on this link goes in parts, in order, all but the last
        with opcode | 0x80 (docs/protocol.md, continuation). Returns 0, or E_BUSY when a
        part could not be queued (the link went away)."""
        room = link.limit()
        if room > _MAX_FRAME:
            room = _MAX_FRAME
        room -= _ACK_DATA
        if data is None:
            if n <= room:
                end = frames.put_ack(self.out, 0, self.dev.next_ctrl_seq(), 0, rid, op, None, n)
                await link.send(self.out, self._stamp(end))
                return 0
            data = bytes(self.out[_ACK_DATA:_ACK_DATA + n])  # parts are built in self.out
        if room < 1:
            room = 1
        src = memoryview(data)
        p = 0
        while True:
            k = n - p
            last = k <= room
            if not last:
                k = room
            end = frames.put_ack(self.out, 0, self.dev.next_ctrl_seq(), 0, rid,
                                 op if last else op | _MORE, src[p:p + k], k)
            if not await link.send(self.out, self._stamp(end)):
                return _E_BUSY  # the link went away: nobody to answer
            p += k
            if last:
                return 0

    async def _ack_text(self, link, rid, op, text):
        if isinstance(text, str):
            text = text.encode()
        return await self._ack(link, rid, op, text, len(text))

    async def _err(self, link, rid, op, code, message):
        msg = message.encode() if isinstance(message, str) else message
        room = link.limit() - 14
        if room > _MAX_PAYLOAD - 4:
            room = _MAX_PAYLOAD - 4
        if len(msg) > room:
            msg = msg[:room]
        end = frames.put_err(self.out, 0, self.dev.next_ctrl_seq(), 0, rid, op, code, msg)
        await link.send(self.out, self._stamp(end))
        self.errors += 1
        return code

    # --- dispatch ------------------------------------------------------------------------
    async def handle(self, link, buf, n):
        """Answer the CMD frame buf[0:n]; returns 0 (ACK sent), an ERR code, or -1 (not a
        CMD frame: nothing answered)."""
        try:
            _, rid, op, a, b, err = frames.parse_cmd(buf, 0, n)
        except frames.FrameError:
            self.bad_frames += 1
            return -1
        self.handled += 1
        if err == _E_UNKNOWN_OPCODE:
            return await self._err(link, rid, op, err, "unknown opcode 0x%02x" % op)
        if err:
            return await self._err(link, rid, op, err, "wrong argument length %d for opcode 0x%02x"
                                   % (b - a, op))
        if op in (_OP_CONFIG_SET, _OP_LOG_ERASE, _OP_REBOOT, _OP_PAIR) \
                and not link.trusted():
            return await self._err(link, rid, op, _E_NOT_PERMITTED, link.refusal())
        try:
            return await self._run(link, rid, op, buf, a, b)
        except OSError as e:
            return await self._err(link, rid, op, _E_STORAGE_FULL
                                   if e.args and e.args[0] == 28 else _E_BUSY,
                                   "OSError %s" % (e.args[0] if e.args else "?"))
        except Exception as e:  # noqa: BLE001 - a bad command must not stop the command task
            # A bug, not the user's input: still one ERR, and counted (the fuzz tests require
            # 0). Escaping, it would end the task and reboot the board.
            self.internal_errors += 1
            return await self._err(link, rid, op, _E_BUSY,
                                   "internal error %s" % type(e).__name__)

    async def _run(self, link, rid, op, buf, a, b):
        dev = self.dev
        if op == _OP_PING:
            return await self._ack(link, rid, op)
        if op == _OP_GET_INFO:
            end = dev.info_payload(self.out, _ACK_DATA)
            return await self._ack(link, rid, op, None, end - _ACK_DATA)
        if op == _OP_START:
            streams = buf[a]
            if streams == 0 or streams & ~7:
                return await self._err(link, rid, op, _E_BAD_ARGS,
                                       "streams must be 1..7 (bit0 IMU, bit1 QUAT, bit2 STATUS)")
            if not link.mtu_ok():
                return await self._err(link, rid, op, _E_MTU_TOO_SMALL,
                                       "ATT MTU %d is below 185: cannot stream" % link.mtu)
            code = dev.start(link, streams)
            if code:
                return await self._err(link, rid, op, code, dev.error_text(code))
            return await self._ack(link, rid, op)
        if op == _OP_STOP:
            dev.stop(link)
            return await self._ack(link, rid, op)
        if op == _OP_CALIBRATE:
            if not dev.calibrate():
                return await self._err(link, rid, op, _E_BUSY,
                                       "no orientation yet: wait for the IMU and try again")
            return await self._ack(link, rid, op)
        if _OP_CONFIG_GET <= op <= _OP_LOG_ERASE or op == _OP_REBOOT or op == _OP_GET_CRASH:
            # What is stored on flash: config, logs, the crash report, the maintenance flag.
            # Rare (a connection's start, a download): imported for it (lazy.py).
            return await lazy.use("cmdstore").run(self, link, rid, op, buf, a, b)
        if op == _OP_MARKER:
            dev.marker(unpack_from("<h", buf, a)[0])
            return await self._ack(link, rid, op)
        if op == _OP_SNOOZE:
            dev.snooze(unpack_from("<H", buf, a)[0])
            return await self._ack(link, rid, op)
        if op == _OP_PAIR:
            dev.open_pairing()
            return await self._ack(link, rid, op)
        return await self._err(link, rid, op, _E_UNKNOWN_OPCODE, "unknown opcode 0x%02x" % op)
