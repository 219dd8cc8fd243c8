# The commands that read or change what is stored on flash (docs/protocol.md section 2):
# CONFIG_GET/SET, LOG_LIST/READ/ERASE, GET_CRASH and REBOOT (its maintenance flag). They come
# at a connection's start or for a download, not while the board streams, so commands.py
# imports this module for them through lazy.py and the housekeeping task drops it when unused
# (issue 14 item 9, docs/firmware.md "Heap"). Stateless: `cmds` is the commands.Commands.
import json
from struct import pack_into, unpack_from

import frames
import lazy
from micropython import const

# The protocol's numbers (frametools.py has the public names; tests/
# test_firmware_private_consts_agree.py checks the copies) and commands.py's layout.
_CHUNK_HEAD = const(20)
_E_BAD_ARGS = const(2)
_E_BUSY = const(6)
_E_NO_SUCH_LOG = const(7)
_E_UNKNOWN_KEY = const(3)
_E_UNKNOWN_OPCODE = const(1)
_H = const(10)  # frame header length
_LOG_CHUNK = const(0x06)
_MAX_PAYLOAD = const(1024)
_OP_CONFIG_GET = const(0x05)
_OP_CONFIG_SET = const(0x06)
_OP_GET_CRASH = const(0x0E)
_OP_LOG_ERASE = const(0x09)
_OP_LOG_LIST = const(0x07)
_OP_LOG_READ = const(0x08)
_OP_REBOOT = const(0x0C)


async def run(cmds, link, rid, op, buf, a, b):
    """Answer CONFIG_GET/SET, LOG_LIST/READ/ERASE, REBOOT or GET_CRASH for commands.Commands
    (trust already checked; an OSError becomes its ERR there)."""
    dev = cmds.dev
    if op == _OP_CONFIG_GET:
        try:
            key = bytes(buf[a:b]).decode()
        except UnicodeError:
            return await cmds._err(link, rid, op, _E_BAD_ARGS,
                                   "CONFIG_GET takes a key name in UTF-8")
        try:
            text = lazy.use("config").Config(dev.cfg_path, dev.cfg).to_json(key)
        except KeyError:
            return await cmds._err(link, rid, op, _E_UNKNOWN_KEY,
                                   "unknown config key %s" % key[:40])
        return await cmds._ack_text(link, rid, op, text)
    if op == _OP_CONFIG_SET:
        return await _config_set(cmds, link, rid, op, bytes(buf[a:b]))
    if op == _OP_LOG_LIST:
        text = lazy.use("logread").list_json(dev.log) if dev.log is not None else "[]"
        return await cmds._ack_text(link, rid, op, text)
    if op == _OP_LOG_READ:
        log_id, offset, length = unpack_from("<HII", buf, a)
        return await _log_read(cmds, link, rid, op, log_id, offset, length)
    if op == _OP_LOG_ERASE:
        log_id = unpack_from("<H", buf, a)[0]
        log = dev.log
        if log is None:
            return await cmds._err(link, rid, op, _E_NO_SUCH_LOG, "no flash log")
        lr = lazy.use("logread")
        if log_id == 0xFFFF:
            lr.erase_all(log)
        else:
            try:
                lr.erase(log, log_id)
            except OSError:
                return await cmds._err(link, rid, op, _E_NO_SUCH_LOG,
                                       "no log %d" % log_id)
        return await cmds._ack(link, rid, op)
    if op == _OP_REBOOT:
        # No argument: a normal reboot. u8 1: into the maintenance boot (main.py starts
        # neither the app nor its watchdog, for one boot), the flag written first.
        if b - a > 1 or (b - a == 1 and buf[a] > 1):
            return await cmds._err(link, rid, op, _E_BAD_ARGS,
                                   "REBOOT takes no argument, or 1 for the maintenance boot")
        if b - a == 1 and buf[a] == 1:
            dev.reboot_soon(True)  # OSError (flag not written): ERR, no reboot
        else:
            dev.reboot_soon()
        return await cmds._ack(link, rid, op)
    if op == _OP_GET_CRASH:
        text = dev.crash_text()
        code = await cmds._ack_text(link, rid, op, text)
        if text:
            dev.crash_reported()
        return code
    return await cmds._err(link, rid, op, _E_UNKNOWN_OPCODE, "unknown opcode 0x%02x" % op)


async def _config_set(cmds, link, rid, op, text):
    cfg = lazy.use("config").Config(cmds.dev.cfg_path, cmds.dev.cfg)
    try:
        changes = json.loads(text)
    except Exception:  # ValueError; UnicodeError for bytes that are not UTF-8
        return await cmds._err(link, rid, op, _E_BAD_ARGS,
                               "CONFIG_SET argument is not a JSON object")
    ok, code, key, msg = cfg.set(changes)
    if not ok:
        return await cmds._err(link, rid, op, code, msg)
    cmds.dev.config_changed(changes)
    new = {}
    for k in changes:
        new[k] = cfg.values[k]
    return await cmds._ack_text(link, rid, op, json.dumps(new))


async def _log_read(cmds, link, rid, op, log_id, offset, length):
    log = cmds.dev.log
    try:
        if log is None:
            raise OSError(2)
        total = log.size(log_id)
    except OSError:
        return await cmds._err(link, rid, op, _E_NO_SUCH_LOG, "no log %d" % log_id)
    stop = offset + length
    if stop > total or stop < offset:
        stop = total
    room = link.limit() - _CHUNK_HEAD
    if room > _MAX_PAYLOAD - 10:
        room = _MAX_PAYLOAD - 10
    out = cmds.out
    read_chunk = lazy.use("logread").read_chunk
    p = offset
    while p < stop:
        want = stop - p
        if want > room:
            want = room
        got = read_chunk(log, log_id, p, out, _CHUNK_HEAD, want)
        if got <= 0:
            break
        frames.put_header(out, 0, _LOG_CHUNK, 10 + got, cmds.dev.next_ctrl_seq(), 0)
        pack_into("<HII", out, _H, log_id, p, total)
        if not await link.send(out, cmds._stamp(_CHUNK_HEAD + got)):
            return _E_BUSY  # the link went away: nobody to answer
        p += got
    return await cmds._ack(link, rid, op)
