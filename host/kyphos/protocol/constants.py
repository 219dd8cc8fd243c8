"""Numbers from docs/protocol.md: frame header layout, frame types, opcodes, event kinds, codes."""

from __future__ import annotations

from enum import IntEnum

VERSION = 1
HEADER_SIZE = 10  # ver u8, type u8, len u16, seq u16, t_us u32
MAX_PAYLOAD = 1024
SEQ_MOD = 1 << 16
T_US_MOD = 1 << 32
Q14 = 16384  # QUAT fixed point: 16384 = 1.0
MAX_IMU_COUNT = 84
MAX_QUAT_COUNT = 127
MAX_NAME_LEN = 32
BLE_DEFAULT_PAYLOAD = 182  # safe notification size until a larger ATT MTU is negotiated


class FrameType(IntEnum):
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


# Frames counted by the device's data sequence counter (a gap in their seq is loss).
DATA_TYPES = frozenset({FrameType.IMU, FrameType.QUAT, FrameType.STATUS, FrameType.EVENT})


class Opcode(IntEnum):
    GET_INFO = 0x01
    START = 0x02
    STOP = 0x03
    CALIBRATE = 0x04
    CONFIG_GET = 0x05
    CONFIG_SET = 0x06
    LOG_LIST = 0x07
    LOG_READ = 0x08
    LOG_ERASE = 0x09
    MARKER = 0x0A
    SNOOZE = 0x0B
    REBOOT = 0x0C
    PAIR = 0x0D
    GET_CRASH = 0x0E
    PING = 0x0F


class EventKind(IntEnum):
    SLOUCH_START = 1
    SLOUCH_END = 2
    BUTTON = 3
    HAPTIC_ON = 4
    HAPTIC_OFF = 5
    MARKER = 6
    CALIBRATED = 7
    BOOT = 8
    SLEEP = 9
    WAKE = 10
    LOW_BATTERY = 11
    CONFIG_DEFAULTED = 12  # arg: 1 + index of the bad key in the sorted config keys; 0 the file


class ErrCode(IntEnum):
    UNKNOWN_OPCODE = 1
    BAD_ARGUMENTS = 2
    UNKNOWN_CONFIG_KEY = 3
    CONFIG_OUT_OF_RANGE = 4
    NOT_PERMITTED_UNENCRYPTED = 5
    BUSY = 6
    NO_SUCH_LOG = 7
    STORAGE_FULL = 8
    IMU_ERROR = 9
    MTU_TOO_SMALL = 10


class ImuModel(IntEnum):
    NONE = 0
    LSM6DSOX = 1
    LSM6DS3TR_C = 2
    MPU_6050 = 3
    MPU_6500 = 4


class Board(IntEnum):
    VIRTUAL = 0
    XIAO_ESP32_S3 = 1
    XIAO_ESP32_C3 = 2
    ESP32_DEVKITC = 3


class DeviceState(IntEnum):
    BOOT = 0
    IDLE = 1
    STREAMING = 2
    LOGGING = 3
    SLEEP = 4
    ERROR = 5


# Flag bits.
INFO_FUSION = 0x01
INFO_HAPTIC = 0x02
INFO_BATTERY_ADC = 0x04
IMU_HAPTIC = 0x01
IMU_OVERRUN = 0x02
IMU_CLIPPED = 0x04
QUAT_BIAS_CONVERGED = 0x01
QUAT_AT_REST = 0x02
STATUS_IMU_MISSING = 0x0001
STATUS_LOG_FULL = 0x0002
STATUS_LOW_BATTERY = 0x0004
STATUS_ENCRYPTED = 0x0008
STATUS_PAIRING = 0x0010
STATUS_CALIBRATED = 0x0020
STATUS_HAPTIC_ON = 0x0040
STATUS_TRAINING = 0x0080
STATUS_SNOOZED = 0x0100
STATUS_USB_POWERED = 0x0200
STATUS_CRASH_LOG = 0x0400
STATUS_BLE_OFF = 0x0800  # the board's BLE stack did not start (USB and flash log only)
STATUS_TRUSTED = 0x1000  # the BLE link may change the board (authenticated or in-window bond)
