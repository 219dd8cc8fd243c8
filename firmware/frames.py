# The kyphos frame protocol, version 1 (docs/protocol.md): encoders for the frames the device
# sends and decoders for the ones it receives. Encoders write into a caller's preallocated
# buffer at an offset and return the offset after the frame; they allocate nothing (given
# small ints: on the ESP32 an int of 2**30 or more, e.g. a late t_us, is itself a heap object).
#
# Only what the board runs is here (issue 14 item 9, heap): the protocol's numbers are
# const() names with a leading underscore, which the compiler folds into the code and never
# stores in the module (a public const name costs ~40 bytes of heap each: docs/firmware.md,
# "Heap"). The firmware modules that need some keep their own _NAME = const(...) copies;
# frametools.py has the public names, whole-frame encoders and the decoders for tests and
# tools (never imported on the board), and tests/test_firmware_private_consts_agree.py checks
# that every copy has the protocol's value.
from struct import pack_into, unpack_from

from micropython import const

_VERSION = const(1)
_HEADER_LEN = const(10)
_MAX_PAYLOAD = const(1024)
_MAX_FRAME = const(1034)

# frame types
_INFO = const(0x01)
_IMU = const(0x02)
_QUAT = const(0x03)
_STATUS = const(0x04)
_EVENT = const(0x05)
_LOG_CHUNK = const(0x06)
_CMD = const(0x10)
_ACK = const(0x11)
_ERR = const(0x12)
_NOTE = const(0x20)

_IMU_MAX_COUNT = const(84)
_QUAT_MAX_COUNT = const(127)
_INFO_MAX_NAME = const(32)

# CMD opcodes
_OP_GET_INFO = const(0x01)
_OP_START = const(0x02)
_OP_STOP = const(0x03)
_OP_CALIBRATE = const(0x04)
_OP_CONFIG_GET = const(0x05)
_OP_CONFIG_SET = const(0x06)
_OP_LOG_LIST = const(0x07)
_OP_LOG_READ = const(0x08)
_OP_LOG_ERASE = const(0x09)
_OP_MARKER = const(0x0A)
_OP_SNOOZE = const(0x0B)
_OP_REBOOT = const(0x0C)
_OP_PAIR = const(0x0D)
_OP_GET_CRASH = const(0x0E)
_OP_PING = const(0x0F)

# ERR codes
_E_UNKNOWN_OPCODE = const(1)
_E_BAD_ARGS = const(2)
_E_UNKNOWN_KEY = const(3)
_E_OUT_OF_RANGE = const(4)
_E_NOT_PERMITTED = const(5)
_E_BUSY = const(6)
_E_NO_SUCH_LOG = const(7)
_E_STORAGE_FULL = const(8)
_E_IMU = const(9)
_E_MTU_TOO_SMALL = const(10)

# EVENT kinds
_EV_SLOUCH_START = const(1)
_EV_SLOUCH_END = const(2)
_EV_BUTTON = const(3)
_EV_HAPTIC_ON = const(4)
_EV_HAPTIC_OFF = const(5)
_EV_MARKER = const(6)
_EV_CALIBRATED = const(7)
_EV_BOOT = const(8)
_EV_SLEEP = const(9)
_EV_WAKE = const(10)
_EV_LOW_BATTERY = const(11)
_EV_CONFIG_DEFAULTED = const(12)  # arg: 1 + index of the key in the sorted keys; 0 whole file

# IMU flags, QUAT flags, START stream bits
_IMU_HAPTIC = const(1)
_IMU_OVERRUN = const(2)
_IMU_CLIPPED = const(4)
_QUAT_CONVERGED = const(1)
_QUAT_AT_REST = const(2)
_STREAM_IMU = const(1)
_STREAM_QUAT = const(2)
_STREAM_STATUS = const(4)

# Argument length in bytes of each opcode (index); 0xFF: any length (UTF-8 or JSON text).
_ARGS_LEN = b"\x00\x00\x01\x00\x00\xff\xff\x00\x0a\x02\x02\x02\xff\x00\x00\x00"  # REBOOT: 0 or 1

_TYPES = (_INFO, _IMU, _QUAT, _STATUS, _EVENT, _LOG_CHUNK, _CMD, _ACK, _ERR, _NOTE)


class FrameError(ValueError):
    """A damaged or unacceptable frame; the message says what is wrong."""


# ---- encoders (device -> host) -------------------------------------------------------------


def put_header(buf, off, typ, length, seq, t_us):
    """Write a frame header; returns the payload offset. seq wraps at 2**16; t_us must already
    be in 0 ... 2**32 - 1 (masking it here would allocate a big int on the ESP32)."""
    pack_into("<BBHHI", buf, off, _VERSION, typ, length, seq & 0xFFFF, t_us)
    return off + _HEADER_LEN


def put_t_us_halves(buf, off, t_hi16, t_lo16):
    """Overwrite the t_us field of the frame at off with (t_hi16 << 16) | t_lo16.

    The board's ticks_us wraps at 2**30 and any int >= 2**30 is a heap object there, so the
    firmware keeps its 32-bit clock as two 16-bit halves (small ints) and writes them here."""
    pack_into("<HH", buf, off + 6, t_lo16, t_hi16)


def put_imu_head(buf, off, seq, t_us, period_ns, flags, count):
    """Header and IMU fields for count samples that the caller writes (or has written) at
    imu_sample_offset(off, i) with put_imu_sample. Returns the offset after the frame."""
    if not 1 <= count <= _IMU_MAX_COUNT:
        raise ValueError("IMU count out of range")
    p = put_header(buf, off, _IMU, 6 + 12 * count, seq, t_us)
    pack_into("<IBB", buf, p, period_ns, count, flags)
    return p + 6 + 12 * count


def put_quat_head(buf, off, seq, t_us, period_ns, flags, count):
    """Header and QUAT fields for count quaternions that the caller writes (or has written)
    after them, 8 bytes each. Returns the offset after the frame."""
    if not 1 <= count <= _QUAT_MAX_COUNT:
        raise ValueError("QUAT count out of range")
    p = put_header(buf, off, _QUAT, 6 + 8 * count, seq, t_us)
    pack_into("<IBB", buf, p, period_ns, count, flags)
    return p + 6 + 8 * count


def put_status(
    buf, off, seq, t_us, battery_mv, battery_pct, state, flags, fifo_overruns, dropped,
    retried, i2c_errors, log_free_bytes, temp_cc,
):
    p = put_header(buf, off, _STATUS, 28, seq, t_us)
    pack_into(
        "<HBBHIIIIIh", buf, p, battery_mv, battery_pct, state, flags, fifo_overruns, dropped,
        retried, i2c_errors, log_free_bytes, temp_cc,
    )
    return p + 28


def put_event(buf, off, seq, t_us, kind, arg, value):
    p = put_header(buf, off, _EVENT, 4, seq, t_us)
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
    if len(name) > _INFO_MAX_NAME:
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
    end = put_info_payload(buf, off + _HEADER_LEN, *fields)
    put_header(buf, off, _INFO, end - off - _HEADER_LEN, seq, t_us)
    return end


def put_ack(buf, off, seq, t_us, request_id, opcode, data=None, n=0):
    """ACK with data[0:n]; with data None, the n data bytes are already in place at
    off + _HEADER_LEN + 3 (e.g. written by put_info_payload)."""
    _check_len(3 + n)
    p = put_header(buf, off, _ACK, 3 + n, seq, t_us)
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
    p = put_header(buf, off, _ERR, 4 + n, seq, t_us)
    pack_into("<HBB", buf, p, request_id, opcode, code)
    return _copy(buf, p + 4, message)


def _check_len(n):
    if n > _MAX_PAYLOAD:
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
    if end - off < _HEADER_LEN:
        raise FrameError("frame shorter than its 10-byte header")
    ver, typ, length, seq, t_us = unpack_from("<BBHHI", buf, off)
    if ver != _VERSION:
        raise FrameError("unknown protocol version %d" % ver)
    if typ not in _TYPES:
        raise FrameError("unknown frame type 0x%02x" % typ)
    if length > _MAX_PAYLOAD:
        raise FrameError("payload length %d over 1024" % length)
    if off + _HEADER_LEN + length > end:
        raise FrameError("payload runs %d bytes past the end" % (off + _HEADER_LEN + length - end))
    return typ, length, seq, t_us


def parse_cmd(buf, off=0, end=-1):
    """Validate a CMD frame; returns (seq, request_id, opcode, args_start, args_end, err).

    err is 0, _E_UNKNOWN_OPCODE or _E_BAD_ARGS (argument length wrong for the opcode): the
    caller answers it with an _ERR. Raises FrameError for a frame that is not a valid _CMD
    (nothing to answer).
    """
    typ, length, seq, _ = parse_header(buf, off, end)
    if typ != _CMD:
        raise FrameError("expected a CMD frame, got type 0x%02x" % typ)
    if length < 3:
        raise FrameError("CMD payload shorter than 3 bytes")
    p = off + _HEADER_LEN
    request_id, opcode = unpack_from("<HB", buf, p)
    a = p + 3
    b = p + length
    err = 0
    if not 0 < opcode < len(_ARGS_LEN):
        err = _E_UNKNOWN_OPCODE
    else:
        want = _ARGS_LEN[opcode]
        if want != 0xFF and b - a != want:
            err = _E_BAD_ARGS
    return seq, request_id, opcode, a, b, err


