# ruff: noqa: UP031  -- MicroPython code: %-formatting is portable
# Golden-vector frames <-> firmware/frames.py, on CPython and MicroPython (tests/vectors/README.md).
import json
from binascii import hexlify, unhexlify
from struct import pack

import frames
import frametools

BY_NAME = {}
for _t, _n in frametools.TYPE_NAMES.items():
    BY_NAME[_n] = _t

_STATUS = ("battery_mv", "battery_pct", "state", "flags", "fifo_overruns", "dropped", "retried",
           "i2c_errors", "log_free_bytes", "temp_cc")
_INFO = ("imu_model", "board", "flags", "odr_chz", "acc_fs_g", "gyr_fs_dps", "acc_scale",
         "gyr_scale")
_F32 = ("acc_scale", "gyr_scale")


def _hex(b):
    return hexlify(b).decode()


def decode(buf, off, end):
    """The frame at buf[off:end] as a vector entry {"type", "seq", "t_us", "fields"}, and
    the offset after it."""
    typ, length, seq, t_us = frames.parse_header(buf, off, end)
    p = off + frametools.HEADER_LEN
    f = frametools.parse_payload(typ, buf, p, length)
    if typ == frametools.IMU:
        fields = {"period_ns": f[0], "flags": f[1], "samples": f[2]}
    elif typ == frametools.QUAT:
        fields = {"period_ns": f[0], "flags": f[1], "quats": f[2]}
    elif typ == frametools.STATUS:
        fields = {}
        for i in range(len(_STATUS)):
            fields[_STATUS[i]] = f[i]
    elif typ == frametools.EVENT:
        fields = {"kind": f[0], "arg": f[1], "value": f[2]}
    elif typ == frametools.INFO:
        fields = {"fw_version": [f[0], f[1], f[2]], "device_id": _hex(f[11]),
                  "name": f[12].decode()}
        for i in range(len(_INFO)):
            fields[_INFO[i]] = f[3 + i]
    elif typ == frametools.LOG_CHUNK:
        fields = {"log_id": f[0], "offset": f[1], "total": f[2], "data": _hex(f[3])}
    elif typ == frametools.CMD:
        fields = {"request_id": f[0], "opcode": f[1], "args": _hex(f[2])}
    elif typ == frametools.ACK:
        fields = {"request_id": f[0], "opcode": f[1], "data": _hex(f[2])}
    elif typ == frametools.ERR:
        fields = {"request_id": f[0], "opcode": f[1], "code": f[2], "message": f[3].decode()}
    else:
        fields = {"note": json.loads(f[0])}
    return {"type": frametools.TYPE_NAMES[typ], "seq": seq, "t_us": t_us, "fields": fields}, p + length


def differences(got, want):
    """'' if a decoded frame equals the vector entry (float32 fields compared as float32)."""
    out = []
    for k in ("type", "seq", "t_us"):
        if got[k] != want[k]:
            out.append("%s %r != %r" % (k, got[k], want[k]))
    g = got["fields"]
    w = want["fields"]
    if sorted(g.keys()) != sorted(w.keys()):
        out.append("field names %r != %r" % (sorted(g.keys()), sorted(w.keys())))
    for k in w:
        if k not in g:
            continue
        same = pack("<f", g[k]) == pack("<f", w[k]) if k in _F32 else g[k] == w[k]
        if not same:
            out.append("%s: %r != %r" % (k, g[k], w[k]))
    return "; ".join(out)


def encodable(entry):
    """False for NOTE: the device never writes one, and its JSON text (sorted keys) cannot be
    reproduced byte for byte by MicroPython's json."""
    return entry["type"] != "NOTE"


def encode(buf, off, entry):
    """Encode a vector entry with the firmware's encoders at buf[off:]; returns the new offset."""
    typ = BY_NAME[entry["type"]]
    seq = entry["seq"]
    t = entry["t_us"]
    f = entry["fields"]
    if typ == frametools.IMU:
        flat = []
        for s in f["samples"]:
            flat.extend(s)
        return frametools.put_imu(buf, off, seq, t, f["period_ns"], f["flags"], flat, len(f["samples"]))
    if typ == frametools.QUAT:
        flat = []
        for q in f["quats"]:
            flat.extend(q)
        return frametools.put_quat(buf, off, seq, t, f["period_ns"], f["flags"], flat, len(f["quats"]))
    if typ == frametools.STATUS:
        return frames.put_status(buf, off, seq, t, *[f[k] for k in _STATUS])
    if typ == frametools.EVENT:
        return frames.put_event(buf, off, seq, t, f["kind"], f["arg"], f["value"])
    if typ == frametools.INFO:
        v = f["fw_version"]
        return frames.put_info(
            buf, off, seq, t, v[0], v[1], v[2], *([f[k] for k in _INFO]
                                                 + [unhexlify(f["device_id"]), f["name"].encode()]))
    if typ == frametools.LOG_CHUNK:
        data = unhexlify(f["data"])
        return frametools.put_log_chunk(buf, off, seq, t, f["log_id"], f["offset"], f["total"],
                                    data, len(data))
    if typ == frametools.ACK:
        data = unhexlify(f["data"])
        return frames.put_ack(buf, off, seq, t, f["request_id"], f["opcode"], data, len(data))
    if typ == frametools.ERR:
        return frames.put_err(buf, off, seq, t, f["request_id"], f["opcode"], f["code"],
                              f["message"].encode())
    if typ == frametools.CMD:  # the device never sends one; the generic encoder still can
        args = unhexlify(f["args"])
        return frametools.put_raw(buf, off, typ, seq, t, pack("<HB", f["request_id"], f["opcode"]) + args)
    raise ValueError("cannot encode %s byte for byte" % entry["type"])
