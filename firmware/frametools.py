# The protocol's public names, whole-frame encoders and decoders, for tests and tools: the part
# of the frame protocol (docs/protocol.md) that the board does not run. Never imported on the
# board (`kyphos deploy` copies it, it costs flash only): frames.py holds what the firmware
# runs, with the numbers below as private const() names (issue 14 item 9, heap).
# tests/test_firmware_private_consts_agree.py checks that frames.py and every firmware module
# that keeps a copy agree with these values, and these with kyphos.protocol.constants.
from struct import pack_into, unpack_from

from frames import (  # noqa: F401 - re-exported: the tests' and tools' one frame module
    FrameError,
    _check_len,
    _copy,
    _copy_n,
    parse_cmd,
    parse_header,
    put_ack,
    put_err,
    put_event,
    put_header,
    put_imu_head,
    put_info,
    put_info_payload,
    put_quat_head,
    put_status,
    put_t_us_halves,
)

VERSION = 1
HEADER_LEN = 10
MAX_PAYLOAD = 1024
MAX_FRAME = 1034

# frame types
INFO = 0x01
IMU = 0x02
QUAT = 0x03
STATUS = 0x04
EVENT = 0x05
LOG_CHUNK = 0x06
CMD = 0x10
ACK = 0x11
ERR = 0x12
NOTE = 0x20

IMU_MAX_COUNT = 84
QUAT_MAX_COUNT = 127
INFO_MAX_NAME = 32

# CMD opcodes
OP_GET_INFO = 0x01
OP_START = 0x02
OP_STOP = 0x03
OP_CALIBRATE = 0x04
OP_CONFIG_GET = 0x05
OP_CONFIG_SET = 0x06
OP_LOG_LIST = 0x07
OP_LOG_READ = 0x08
OP_LOG_ERASE = 0x09
OP_MARKER = 0x0A
OP_SNOOZE = 0x0B
OP_REBOOT = 0x0C
OP_PAIR = 0x0D
OP_GET_CRASH = 0x0E
OP_PING = 0x0F

# ERR codes
E_UNKNOWN_OPCODE = 1
E_BAD_ARGS = 2
E_UNKNOWN_KEY = 3
E_OUT_OF_RANGE = 4
E_NOT_PERMITTED = 5
E_BUSY = 6
E_NO_SUCH_LOG = 7
E_STORAGE_FULL = 8
E_IMU = 9
E_MTU_TOO_SMALL = 10

# EVENT kinds
EV_SLOUCH_START = 1
EV_SLOUCH_END = 2
EV_BUTTON = 3
EV_HAPTIC_ON = 4
EV_HAPTIC_OFF = 5
EV_MARKER = 6
EV_CALIBRATED = 7
EV_BOOT = 8
EV_SLEEP = 9
EV_WAKE = 10
EV_LOW_BATTERY = 11
EV_CONFIG_DEFAULTED = 12  # arg: 1 + index of the key in the sorted keys; 0 whole file

# IMU flags, QUAT flags, START stream bits
IMU_HAPTIC = 1
IMU_OVERRUN = 2
IMU_CLIPPED = 4
QUAT_CONVERGED = 1
QUAT_AT_REST = 2
STREAM_IMU = 1
STREAM_QUAT = 2
STREAM_STATUS = 4


# haptic.py and coach.py (their names are private on the board, like frames.py's)
HAPTIC_ON = 4
HAPTIC_OFF = 5
PATTERN_SHORT = 1
PATTERN_DOUBLE = 2
PATTERN_LONG = 3
PATTERN_TRIPLE = 4
PATTERN_TICK = 5
MOTOR_PWM_HZ = 20000
LED_OFF = 0
LED_BOOT = 1
LED_ADVERTISING = 2
LED_CONNECTED = 3
LED_LOGGING = 4
LED_PAIRING = 5
LED_LOW_BATTERY = 6
LED_LOG_FULL = 7
LED_ERROR = 8
SLOUCH_START = 1
SLOUCH_END = 2
PRESS_SHORT = 1
PRESS_LONG = 2
PRESS_DOUBLE = 3
LED_NAMES = ("off", "boot", "advertising", "connected", "logging", "pairing", "low battery",
             "log full", "error")


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


def put_log_chunk(buf, off, seq, t_us, log_id, offset, total, data, n):
    """LOG_CHUNK with data[0:n]."""
    _check_len(10 + n)
    p = put_header(buf, off, LOG_CHUNK, 10 + n, seq, t_us)
    pack_into("<HII", buf, p, log_id, offset, total)
    return _copy_n(buf, p + 10, data, n)


def put_raw(buf, off, typ, seq, t_us, payload):
    """Any frame type from its payload bytes (e.g. a NOTE)."""
    _check_len(len(payload))
    p = put_header(buf, off, typ, len(payload), seq, t_us)
    return _copy(buf, p, payload)


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
