# The kyphos frame protocol, version 1 (docs/protocol.md): encoders for the frames the device
# sends and decoders for the ones it receives. Encoders write into a caller's preallocated
# buffer at an offset and return the offset after the frame; they allocate nothing (given
# small ints: on the ESP32 an int of 2**30 or more, e.g. a late t_us, is itself a heap object).
from struct import pack_into, unpack_from

from micropython import const

VERSION = const(1)
HEADER_LEN = const(10)
MAX_PAYLOAD = const(1024)
MAX_FRAME = const(1034)

# frame types
INFO = const(0x01)
IMU = const(0x02)
QUAT = const(0x03)
STATUS = const(0x04)
EVENT = const(0x05)
LOG_CHUNK = const(0x06)
CMD = const(0x10)
ACK = const(0x11)
ERR = const(0x12)
NOTE = const(0x20)

IMU_MAX_COUNT = const(84)
QUAT_MAX_COUNT = const(127)
INFO_MAX_NAME = const(32)

# CMD opcodes
OP_GET_INFO = const(0x01)
OP_START = const(0x02)
OP_STOP = const(0x03)
OP_CALIBRATE = const(0x04)
OP_CONFIG_GET = const(0x05)
OP_CONFIG_SET = const(0x06)
OP_LOG_LIST = const(0x07)
OP_LOG_READ = const(0x08)
OP_LOG_ERASE = const(0x09)
OP_MARKER = const(0x0A)
OP_SNOOZE = const(0x0B)
OP_REBOOT = const(0x0C)
OP_PAIR = const(0x0D)
OP_GET_CRASH = const(0x0E)
OP_PING = const(0x0F)

# ERR codes
E_UNKNOWN_OPCODE = const(1)
E_BAD_ARGS = const(2)
E_UNKNOWN_KEY = const(3)
E_OUT_OF_RANGE = const(4)
E_NOT_PERMITTED = const(5)
E_BUSY = const(6)
E_NO_SUCH_LOG = const(7)
E_STORAGE_FULL = const(8)
E_IMU = const(9)
E_MTU_TOO_SMALL = const(10)

# EVENT kinds
EV_SLOUCH_START = const(1)
EV_SLOUCH_END = const(2)
EV_BUTTON = const(3)
EV_HAPTIC_ON = const(4)
EV_HAPTIC_OFF = const(5)
EV_MARKER = const(6)
EV_CALIBRATED = const(7)
EV_BOOT = const(8)
EV_SLEEP = const(9)
EV_WAKE = const(10)
EV_LOW_BATTERY = const(11)
EV_CONFIG_DEFAULTED = const(12)  # arg: 1 + index of the key in the sorted keys; 0 whole file

# IMU flags, QUAT flags, START stream bits
IMU_HAPTIC = const(1)
IMU_OVERRUN = const(2)
IMU_CLIPPED = const(4)
QUAT_CONVERGED = const(1)
QUAT_AT_REST = const(2)
STREAM_IMU = const(1)
STREAM_QUAT = const(2)
STREAM_STATUS = const(4)

# Argument length in bytes of each opcode (index); 0xFF: any length (UTF-8 or JSON text).
_ARGS_LEN = b"\x00\x00\x01\x00\x00\xff\xff\x00\x0a\x02\x02\x02\xff\x00\x00\x00"  # REBOOT: 0 or 1

_TYPES = (INFO, IMU, QUAT, STATUS, EVENT, LOG_CHUNK, CMD, ACK, ERR, NOTE)
TYPE_NAMES = {
    INFO: "INFO",
    IMU: "IMU",
    QUAT: "QUAT",
    STATUS: "STATUS",
    EVENT: "EVENT",
    LOG_CHUNK: "LOG_CHUNK",
    CMD: "CMD",
    ACK: "ACK",
    ERR: "ERR",
    NOTE: "NOTE",
}


class FrameError(ValueError):
    """A damaged or unacceptable frame; the message says what is wrong."""


# ---- encoders (device -> host) -------------------------------------------------------------


def put_header(buf, off, typ, length, seq, t_us):
    """Write a frame header; returns the payload offset. seq wraps at 2**16; t_us must already
    be in 0 ... 2**32 - 1 (masking it here would allocate a big int on the ESP32)."""
    pack_into("<BBHHI", buf, off, VERSION, typ, length, seq & 0xFFFF, t_us)
    return off + HEADER_LEN


def put_t_us_halves(buf, off, t_hi16, t_lo16):
    """Overwrite the t_us field of the frame at off with (t_hi16 << 16) | t_lo16.

    The board's ticks_us wraps at 2**30 and any int >= 2**30 is a heap object there, so the
    firmware keeps its 32-bit clock as two 16-bit halves (small ints) and writes them here."""
    pack_into("<HH", buf, off + 6, t_lo16, t_hi16)


def put_imu(buf, off, seq, t_us, period_ns, flags, samples, count):
    """IMU frame; samples holds count*6 raw i16 counts (ax, ay, az, gx, gy, gz per sample),
    e.g. an array('h')."""
    end = put_imu_head(buf, off, seq, t_us, period_ns, flags, count)
    p = off + HEADER_LEN + 6
    j = 0
    for _ in range(count):
        pack_into(
            "<6h", buf, p, samples[j], samples[j + 1], samples[j + 2],
            samples[j + 3], samples[j + 4], samples[j + 5],
        )
        p += 12
        j += 6
    return end


def put_imu_head(buf, off, seq, t_us, period_ns, flags, count):
    """Header and IMU fields for count samples that the caller writes (or has written) at
    imu_sample_offset(off, i) with put_imu_sample. Returns the offset after the frame."""
    if not 1 <= count <= IMU_MAX_COUNT:
        raise ValueError("IMU count out of range")
    p = put_header(buf, off, IMU, 6 + 12 * count, seq, t_us)
    pack_into("<IBB", buf, p, period_ns, count, flags)
    return p + 6 + 12 * count


def imu_sample_offset(off, i):
    return off + HEADER_LEN + 6 + 12 * i


def put_imu_sample(buf, off, i, ax, ay, az, gx, gy, gz):
    """Write sample i of the IMU frame starting at off (no bounds or count update)."""
    pack_into("<6h", buf, off + HEADER_LEN + 6 + 12 * i, ax, ay, az, gx, gy, gz)


def put_quat(buf, off, seq, t_us, period_ns, flags, quats, count):
    """QUAT frame; quats holds count*4 Q14 i16 values (w, x, y, z per quaternion)."""
    put_quat_head(buf, off, seq, t_us, period_ns, flags, count)
    p = off + HEADER_LEN + 6
    j = 0
    for _ in range(count):
        pack_into("<4h", buf, p, quats[j], quats[j + 1], quats[j + 2], quats[j + 3])
        p += 8
        j += 4
    return p


def put_quat_head(buf, off, seq, t_us, period_ns, flags, count):
    """Header and QUAT fields for count quaternions that the caller writes (or has written)
    after them, 8 bytes each. Returns the offset after the frame."""
    if not 1 <= count <= QUAT_MAX_COUNT:
        raise ValueError("QUAT count out of range")
    p = put_header(buf, off, QUAT, 6 + 8 * count, seq, t_us)
    pack_into("<IBB", buf, p, period_ns, count, flags)
    return p + 6 + 8 * count


def put_status(
    buf, off, seq, t_us, battery_mv, battery_pct, state, flags, fifo_overruns, dropped,
    retried, i2c_errors, log_free_bytes, temp_cc,
):
    p = put_header(buf, off, STATUS, 28, seq, t_us)
    pack_into(
        "<HBBHIIIIIh", buf, p, battery_mv, battery_pct, state, flags, fifo_overruns, dropped,
        retried, i2c_errors, log_free_bytes, temp_cc,
    )
    return p + 28


def put_event(buf, off, seq, t_us, kind, arg, value):
    p = put_header(buf, off, EVENT, 4, seq, t_us)
    pack_into("<BBh", buf, p, kind, arg, value)
    return p + 4


def put_info_payload(
    buf, off, fw_major, fw_minor, fw_patch, imu_model, board, flags, odr_chz, acc_fs_g,
    gyr_fs_dps, acc_scale, gyr_scale, device_id, name,
):
    """INFO payload only (also the ACK data of GET_INFO); device_id is 6 bytes, name UTF-8
    bytes. Returns the offset after it."""
    if len(device_id) != 6:
        raise ValueError("device_id must be 6 bytes")
    if len(name) > INFO_MAX_NAME:
        raise ValueError("name longer than 32 bytes")
    pack_into(
        "<BBBBBBHHHff", buf, off, fw_major, fw_minor, fw_patch, imu_model, board, flags,
        odr_chz, acc_fs_g, gyr_fs_dps, acc_scale, gyr_scale,
    )
    p = _copy(buf, off + 20, device_id)
    buf[p] = len(name)
    return _copy(buf, p + 1, name)


def put_info(buf, off, seq, t_us, *fields):
    """INFO frame; fields as put_info_payload after its offset."""
    end = put_info_payload(buf, off + HEADER_LEN, *fields)
    put_header(buf, off, INFO, end - off - HEADER_LEN, seq, t_us)
    return end


def put_log_chunk(buf, off, seq, t_us, log_id, offset, total, data, n):
    """LOG_CHUNK with data[0:n]."""
    _check_len(10 + n)
    p = put_header(buf, off, LOG_CHUNK, 10 + n, seq, t_us)
    pack_into("<HII", buf, p, log_id, offset, total)
    return _copy_n(buf, p + 10, data, n)


def put_ack(buf, off, seq, t_us, request_id, opcode, data=None, n=0):
    """ACK with data[0:n]; with data None, the n data bytes are already in place at
    off + HEADER_LEN + 3 (e.g. written by put_info_payload)."""
    _check_len(3 + n)
    p = put_header(buf, off, ACK, 3 + n, seq, t_us)
    pack_into("<HB", buf, p, request_id, opcode)
    if data is None:
        return p + 3 + n
    return _copy_n(buf, p + 3, data, n)


def put_err(buf, off, seq, t_us, request_id, opcode, code, message):
    """ERR; message is UTF-8 bytes or a str."""
    if isinstance(message, str):
        message = message.encode()
    n = len(message)
    _check_len(4 + n)
    p = put_header(buf, off, ERR, 4 + n, seq, t_us)
    pack_into("<HBB", buf, p, request_id, opcode, code)
    return _copy(buf, p + 4, message)


def put_raw(buf, off, typ, seq, t_us, payload):
    """Any frame type from its payload bytes (e.g. a NOTE)."""
    _check_len(len(payload))
    p = put_header(buf, off, typ, len(payload), seq, t_us)
    return _copy(buf, p, payload)


def _check_len(n):
    if n > MAX_PAYLOAD:
        raise ValueError("payload longer than 1024 bytes")


def _copy(buf, p, data):
    if isinstance(data, str):
        data = data.encode()
    n = len(data)
    buf[p : p + n] = data
    return p + n


def _copy_n(buf, p, data, n):
    for i in range(n):
        buf[p + i] = data[i]
    return p + n


# ---- decoders (host -> device, and every type for tests and tools) --------------------------


def parse_header(buf, off=0, end=-1):
    """Validate the frame at buf[off:end]; returns (type, payload_len, seq, t_us).

    Raises FrameError for a short buffer, unknown version or type, a payload over 1024 bytes
    or one that runs past end (end < 0: the end of buf).
    """
    if end < 0:
        end = len(buf)
    if end - off < HEADER_LEN:
        raise FrameError("frame shorter than its 10-byte header")
    ver, typ, length, seq, t_us = unpack_from("<BBHHI", buf, off)
    if ver != VERSION:
        raise FrameError("unknown protocol version %d" % ver)
    if typ not in _TYPES:
        raise FrameError("unknown frame type 0x%02x" % typ)
    if length > MAX_PAYLOAD:
        raise FrameError("payload length %d over 1024" % length)
    if off + HEADER_LEN + length > end:
        raise FrameError("payload runs %d bytes past the end" % (off + HEADER_LEN + length - end))
    return typ, length, seq, t_us


def parse_cmd(buf, off=0, end=-1):
    """Validate a CMD frame; returns (seq, request_id, opcode, args_start, args_end, err).

    err is 0, E_UNKNOWN_OPCODE or E_BAD_ARGS (argument length wrong for the opcode): the
    caller answers it with an ERR. Raises FrameError for a frame that is not a valid CMD
    (nothing to answer).
    """
    typ, length, seq, _ = parse_header(buf, off, end)
    if typ != CMD:
        raise FrameError("expected a CMD frame, got type 0x%02x" % typ)
    if length < 3:
        raise FrameError("CMD payload shorter than 3 bytes")
    p = off + HEADER_LEN
    request_id, opcode = unpack_from("<HB", buf, p)
    a = p + 3
    b = p + length
    err = 0
    if not 0 < opcode < len(_ARGS_LEN):
        err = E_UNKNOWN_OPCODE
    else:
        want = _ARGS_LEN[opcode]
        if want != 0xFF and b - a != want:
            err = E_BAD_ARGS
    return seq, request_id, opcode, a, b, err


def parse_payload(typ, buf, p, length):
    """Decode a payload of the given type at buf[p:p+length] into a tuple of its fields in
    protocol order (samples, quaternions and byte fields as lists/bytes). For tools and tests:
    this allocates."""
    if typ == IMU or typ == QUAT:
        period_ns, count, flags = unpack_from("<IBB", buf, p)
        size = 12 if typ == IMU else 8
        if length != 6 + size * count:
            raise FrameError("%s length %d does not match count %d" % (TYPE_NAMES[typ], length, count))
        fmt = "<6h" if typ == IMU else "<4h"
        rows = [list(unpack_from(fmt, buf, p + 6 + size * i)) for i in range(count)]
        return period_ns, flags, rows
    if typ == STATUS:
        _need(typ, length, 28, True)
        return unpack_from("<HBBHIIIIIh", buf, p)
    if typ == EVENT:
        _need(typ, length, 4, True)
        return unpack_from("<BBh", buf, p)
    if typ == INFO:
        _need(typ, length, 27, False)
        f = unpack_from("<BBBBBBHHHff", buf, p)
        name_len = buf[p + 26]
        if length != 27 + name_len or name_len > INFO_MAX_NAME:
            raise FrameError("INFO name length %d does not fit" % name_len)
        return f + (bytes(buf[p + 20 : p + 26]), bytes(buf[p + 27 : p + 27 + name_len]))
    if typ == LOG_CHUNK:
        _need(typ, length, 10, False)
        return unpack_from("<HII", buf, p) + (bytes(buf[p + 10 : p + length]),)
    if typ == CMD or typ == ACK:
        _need(typ, length, 3, False)
        return unpack_from("<HB", buf, p) + (bytes(buf[p + 3 : p + length]),)
    if typ == ERR:
        _need(typ, length, 4, False)
        return unpack_from("<HBB", buf, p) + (bytes(buf[p + 4 : p + length]),)
    return (bytes(buf[p : p + length]),)


def _need(typ, length, n, exact):
    if length < n or (exact and length != n):
        raise FrameError("%s payload of %d bytes, expected %s%d" % (
            TYPE_NAMES[typ], length, "" if exact else "at least ", n))
