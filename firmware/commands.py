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
import json
from struct import pack_into, unpack_from

import frames
import lazy
from micropython import const

# The protocol's numbers this module uses (frames.py keeps its own private: frametools.py
# has the public names; tests/test_firmware_private_consts_agree.py checks the copies).
_E_BAD_ARGS = const(2)
_E_BUSY = const(6)
_E_MTU_TOO_SMALL = const(10)
_E_NOT_PERMITTED = const(5)
_E_NO_SUCH_LOG = const(7)
_E_STORAGE_FULL = const(8)
_E_UNKNOWN_KEY = const(3)
_E_UNKNOWN_OPCODE = const(1)
_LOG_CHUNK = const(0x06)
_MAX_FRAME = const(1034)
_MAX_PAYLOAD = const(1024)
_OP_CALIBRATE = const(0x04)
_OP_CONFIG_GET = const(0x05)
_OP_CONFIG_SET = const(0x06)
_OP_GET_CRASH = const(0x0E)
_OP_GET_INFO = const(0x01)
_OP_LOG_ERASE = const(0x09)
_OP_LOG_LIST = const(0x07)
_OP_LOG_READ = const(0x08)
_OP_MARKER = const(0x0A)
_OP_PAIR = const(0x0D)
_OP_PING = const(0x0F)
_OP_REBOOT = const(0x0C)
_OP_SNOOZE = const(0x0B)
_OP_START = const(0x02)
_OP_STOP = const(0x03)

_H = const(10)  # frame header length
_ACK_DATA = const(13)  # ACK header + request_id + opcode
_CHUNK_HEAD = const(20)  # LOG_CHUNK header + log_id, offset, total
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
        if op == _OP_CONFIG_GET:
            try:
                key = bytes(buf[a:b]).decode()
            except UnicodeError:
                return await self._err(link, rid, op, _E_BAD_ARGS,
                                       "CONFIG_GET takes a key name in UTF-8")
            try:
                text = lazy.use("config").Config(dev.cfg_path, dev.cfg).to_json(key)
            except KeyError:
                return await self._err(link, rid, op, _E_UNKNOWN_KEY,
                                       "unknown config key %s" % key[:40])
            return await self._ack_text(link, rid, op, text)
        if op == _OP_CONFIG_SET:
            return await self._config_set(link, rid, op, bytes(buf[a:b]))
        if op == _OP_LOG_LIST:
            text = lazy.use("logread").list_json(dev.log) if dev.log is not None else "[]"
            return await self._ack_text(link, rid, op, text)
        if op == _OP_LOG_READ:
            log_id, offset, length = unpack_from("<HII", buf, a)
            return await self._log_read(link, rid, op, log_id, offset, length)
        if op == _OP_LOG_ERASE:
            log_id = unpack_from("<H", buf, a)[0]
            log = dev.log
            if log is None:
                return await self._err(link, rid, op, _E_NO_SUCH_LOG, "no flash log")
            lr = lazy.use("logread")
            if log_id == 0xFFFF:
                lr.erase_all(log)
            else:
                try:
                    lr.erase(log, log_id)
                except OSError:
                    return await self._err(link, rid, op, _E_NO_SUCH_LOG,
                                           "no log %d" % log_id)
            return await self._ack(link, rid, op)
        if op == _OP_MARKER:
            dev.marker(unpack_from("<h", buf, a)[0])
            return await self._ack(link, rid, op)
        if op == _OP_SNOOZE:
            dev.snooze(unpack_from("<H", buf, a)[0])
            return await self._ack(link, rid, op)
        if op == _OP_REBOOT:
            # No argument: a normal reboot. u8 1: into the maintenance boot (main.py starts
            # neither the app nor its watchdog, for one boot), the flag written first.
            if b - a > 1 or (b - a == 1 and buf[a] > 1):
                return await self._err(link, rid, op, _E_BAD_ARGS,
                                       "REBOOT takes no argument, or 1 for the maintenance boot")
            if b - a == 1 and buf[a] == 1:
                dev.reboot_soon(True)  # OSError (flag not written): ERR, no reboot
            else:
                dev.reboot_soon()
            return await self._ack(link, rid, op)
        if op == _OP_PAIR:
            dev.open_pairing()
            return await self._ack(link, rid, op)
        if op == _OP_GET_CRASH:
            text = dev.crash_text()
            code = await self._ack_text(link, rid, op, text)
            if text:
                dev.crash_reported()
            return code
        return await self._err(link, rid, op, _E_UNKNOWN_OPCODE, "unknown opcode 0x%02x" % op)

    async def _config_set(self, link, rid, op, text):
        cfg = lazy.use("config").Config(self.dev.cfg_path, self.dev.cfg)
        try:
            changes = json.loads(text)
        except Exception:  # ValueError; UnicodeError for bytes that are not UTF-8
            return await self._err(link, rid, op, _E_BAD_ARGS,
                                   "CONFIG_SET argument is not a JSON object")
        ok, code, key, msg = cfg.set(changes)
        if not ok:
            return await self._err(link, rid, op, code, msg)
        self.dev.config_changed(changes)
        new = {}
        for k in changes:
            new[k] = cfg.values[k]
        return await self._ack_text(link, rid, op, json.dumps(new))

    async def _log_read(self, link, rid, op, log_id, offset, length):
        log = self.dev.log
        try:
            if log is None:
                raise OSError(2)
            total = log.size(log_id)
        except OSError:
            return await self._err(link, rid, op, _E_NO_SUCH_LOG, "no log %d" % log_id)
        stop = offset + length
        if stop > total or stop < offset:
            stop = total
        room = link.limit() - _CHUNK_HEAD
        if room > _MAX_PAYLOAD - 10:
            room = _MAX_PAYLOAD - 10
        out = self.out
        read_chunk = lazy.use("logread").read_chunk
        p = offset
        while p < stop:
            want = stop - p
            if want > room:
                want = room
            got = read_chunk(log, log_id, p, out, _CHUNK_HEAD, want)
            if got <= 0:
                break
            frames.put_header(out, 0, _LOG_CHUNK, 10 + got, self.dev.next_ctrl_seq(), 0)
            pack_into("<HII", out, _H, log_id, p, total)
            if not await link.send(out, self._stamp(_CHUNK_HEAD + got)):
                return _E_BUSY  # the link went away: nobody to answer
            p += got
        return await self._ack(link, rid, op)
