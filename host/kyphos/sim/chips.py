"""Register-level models of the IMU chips the firmware supports.

Each model answers I2C register reads and writes the way the real part does for everything the
firmware uses: WHO_AM_I, the configuration registers that set output data rate (ODR) and full
scale (FS), the output data registers, the temperature, the on-chip timestamp (LSM6 parts) and the
FIFO with its watermark, level and overrun behaviour:

- ``LSM6DSOX`` (WHO_AM_I 0x6C): tagged FIFO, 7-byte words (tag + 6 data bytes), gyro, acc and
  timestamp words, continuous mode drops the oldest word on overrun (FIFO_OVR_IA);
- ``LSM6DS3TRC`` (WHO_AM_I 0x6A): pattern FIFO of 16-bit words (gyro x,y,z then acc x,y,z),
  continuous mode drops the oldest data set on overrun (OVER_RUN);
- ``MPU6050`` (WHO_AM_I 0x68) and ``MPU6500`` (0x70): byte FIFO (acc, temp, gyro, big-endian);
  the 6050 overwrites its oldest bytes when full (losing frame alignment), the 6500 with
  CONFIG.FIFO_MODE = 1 stops writing; both set INT_STATUS.FIFO_OFLOW. USER_CTRL.FIFO_RESET
  "resets the FIFO buffer when set to 1 while FIFO_EN equals 0" (RM-MPU-6000A register 106, as
  quoted by jrowberg/i2cdevlib): a write of 0x44 (FIFO_EN and FIFO_RESET together) resets
  nothing. ``MPU6050Clone`` (WHO_AM_I 0x98, ElectronicCats/mpu6050 issue 21) and ``MPU9250``
  (0x71, a 6500 core) answer as the clones sold on GY-521 / "6500" modules do.

Rules of the LSM6 wake-up function the models enforce (ST DS13050 / DS12793 register
descriptions; field layout as in ST's lsm6dsox_reg.h / lsm6ds3tr_c_reg.h):

- LIR (DSOX TAP_CFG0 0x56 bit0, DS3TR-C TAP_CFG 0x58 bit0): latched, WU_IA in WAKE_UP_SRC
  and the INT1 line stay set until WAKE_UP_SRC is read; not latched, they follow the event and
  drop at the first sample below the threshold (a host that looks later sees nothing).
- threshold: WK_THS (WAKE_UP_THS bits 5:0) in units of FS_XL / 2^6, or on the DSOX with
  WAKE_THS_W (WAKE_UP_DUR 0x5C bit4) = 1 in units of FS_XL / 2^8.
- filter: SLOPE_FDS = 0 compares the slope, the change since the previous sample (as this model
  always has); on the DSOX SLOPE_FDS = 1 (TAP_CFG0 bit4) compares the high-pass filtered
  acceleration, cut-off ODR / {4, 10, 20, 45, 100, 200, 400, 800} by HPCF_XL (CTRL8_XL 0x17
  bits 7:5). The HPF is modelled as first order (the datasheet does not give its order).
- the DSOX's CTRL9_XL 0x18 resets to 0xE0 (I3C enabled); ``i3c_enabled`` reports bit1. The model
  gives I3C no further effect: drivers are checked for disabling it, as ST's and Adafruit's do.

Samples come from a *source*: ``source(t_s) -> (ax, ay, az, gx, gy, gz)`` in the chip's own axes,
m/s^2 and rad/s, so the virtual board can feed simulated body motion. Time only moves when
``advance_to(t_us)`` is called (the I2C shim calls it with the board clock before every access).

Register addresses and bit fields follow the datasheets (ST DS13050 LSM6DSOX, DS12793
LSM6DS3TR-C; InvenSense RM-MPU-6000A and RM-MPU-6500). Values the datasheets leave open are model
parameters (``odr_error``, FIFO capacity of the LSM6DSOX, the order of words in one DSOX batch).

The module is written in the subset of Python that MicroPython also runs (annotations are
ignored there), so the firmware's on-device checks use these very models.
"""

import struct

try:
    from collections.abc import Callable
except ImportError:  # MicroPython: annotations are not evaluated
    pass

G = 9.80665
RAD2DEG = 57.29577951308232


def rest_source(t_s: float) -> "tuple[float, float, float, float, float, float]":
    """Default source: lying still, chip z up."""
    return (0.0, 0.0, G, 0.0, 0.0, 0.0)


def _clip16(v: float) -> int:
    i = int(round(v))
    if i > 32767:
        return 32767
    if i < -32768:
        return -32768
    return i


class Chip:
    """Common part: register file, I2C address, clock, sample source."""

    WHO_AM_I_REG = 0x0F
    WHO_AM_I = 0
    NAME = "chip"

    def __init__(self, address: int, source: "Callable | None" = None, odr_error: float = 0.0,
                 temp_c: float = 25.0) -> None:
        self.address = address
        self.source = source if source is not None else rest_source
        self.odr_error = odr_error  # real rate = nominal * (1 + odr_error)
        self.temp_c = temp_c
        self.regs = bytearray(128)
        self.t_us = 0.0  # chip time now
        self.next_us = 0.0  # time of the next sample
        self.samples = 0  # samples produced since power-on
        self.fail_next = 0  # the next n bus transfers fail (an OSError on the bus)
        self.on_int1: Callable | None = None  # called with the new INT1 level
        self.int1 = 0
        self.reset()

    # -- bus interface ------------------------------------------------------------------
    def read(self, reg: int, n: int) -> bytes:
        out = bytearray(n)
        for i in range(n):
            out[i] = self.read_byte(reg)
            reg = self.next_reg(reg)
        return bytes(out)

    def write(self, reg: int, data: bytes) -> None:
        for b in data:
            self.write_byte(reg, b)
            reg = self.next_reg(reg)

    def next_reg(self, reg: int) -> int:
        return (reg + 1) & 0x7F

    def read_byte(self, reg: int) -> int:
        if reg == self.WHO_AM_I_REG:
            return self.WHO_AM_I
        return self.regs[reg]

    def write_byte(self, reg: int, value: int) -> None:
        self.regs[reg] = value

    # -- time ------------------------------------------------------------------------
    def odr_hz(self) -> float:
        return 0.0

    def advance_to(self, t_us: float) -> None:
        """Produce every sample due up to chip time t_us."""
        if t_us <= self.t_us:
            return
        while True:
            odr = self.odr_hz()
            if odr <= 0:
                self.next_us = t_us
                break
            if self.next_us <= self.t_us:  # (re)started: first sample one period on
                self.next_us = self.t_us + 1e6 / (odr * (1 + self.odr_error))
            if self.next_us > t_us:
                break
            self.t_us = self.next_us
            self.samples += 1
            self.sample(self.source(self.next_us * 1e-6))
            self.next_us += 1e6 / (odr * (1 + self.odr_error))
        self.t_us = t_us

    def set_int1(self, level: int) -> None:
        if level != self.int1:
            self.int1 = level
            if self.on_int1 is not None:
                self.on_int1(level)

    def reset(self) -> None:
        pass

    def sample(self, s: "tuple[float, ...]") -> None:
        pass


# ---------------------------------------------------------------------------------------------
# ST LSM6 family
# ---------------------------------------------------------------------------------------------

_LSM_ODR = (0.0, 12.5, 26.0, 52.0, 104.0, 208.0, 416.0, 833.0, 1666.0, 3332.0, 6664.0)
_LSM_XL_FS = (2, 16, 4, 8)  # FS_XL[1:0] -> +-g
_LSM_XL_MG = {2: 0.061, 4: 0.122, 8: 0.244, 16: 0.488}  # mg/LSB
_LSM_G_FS = (250, 500, 1000, 2000)  # FS_G[1:0] -> dps
_LSM_G_MDPS = {125: 4.375, 250: 8.75, 500: 17.5, 1000: 35.0, 2000: 70.0}  # mdps/LSB

CTRL1_XL = 0x10
CTRL2_G = 0x11
CTRL3_C = 0x12
CTRL10_C = 0x19
WAKE_UP_SRC = 0x1B
STATUS_REG = 0x1E
OUT_TEMP_L = 0x20
OUTX_L_G = 0x22
OUTX_L_A = 0x28
TIMESTAMP0 = 0x40
FIFO_STATUS1 = 0x3A
FIFO_STATUS2 = 0x3B
TAP_CFG0 = 0x56
TAP_CFG2 = 0x58
CTRL8_XL = 0x17
CTRL9_XL = 0x18
WAKE_UP_THS = 0x5B
WAKE_UP_DUR = 0x5C
MD1_CFG = 0x5E


class _LSM6(Chip):
    TS_US = 25.0  # timestamp LSB, us (typical)
    FIFO_WORDS = 0  # FIFO depth, set by each chip

    def reset(self) -> None:
        self.regs = bytearray(128)
        self.regs[CTRL3_C] = 0x04  # IF_INC
        self.fifo: list = []
        self.overrun = False
        self.ovr_latched = False
        self.last_acc: tuple | None = None  # previous sample for the wake-up slope filter
        self.hp = [0.0, 0.0, 0.0]  # wake-up high-pass filter outputs (counts)

    def write_byte(self, reg: int, value: int) -> None:
        if reg == CTRL3_C and value & 0x01:  # SW_RESET
            self.reset()
            return
        self.regs[reg] = value

    def odr_hz(self) -> float:
        xl = _LSM_ODR[min(self.regs[CTRL1_XL] >> 4, 10)]
        g = _LSM_ODR[min(self.regs[CTRL2_G] >> 4, 10)]
        return max(xl, g)

    def acc_fs_g(self) -> int:
        return _LSM_XL_FS[(self.regs[CTRL1_XL] >> 2) & 3]

    def gyr_fs_dps(self) -> int:
        if self.regs[CTRL2_G] & 0x02:
            return 125
        return _LSM_G_FS[(self.regs[CTRL2_G] >> 2) & 3]

    def timestamp(self) -> int:
        if not self.regs[CTRL10_C] & 0x20:
            return 0
        return int(self.t_us / self.TS_US) & 0xFFFFFFFF

    def read_byte(self, reg: int) -> int:
        if TIMESTAMP0 <= reg <= TIMESTAMP0 + 3:
            return (self.timestamp() >> (8 * (reg - TIMESTAMP0))) & 0xFF
        if reg == WAKE_UP_SRC:
            v = self.regs[reg]
            self.regs[reg] = 0
            self.set_int1(self.fifo_int())
            return v
        return Chip.read_byte(self, reg)

    def counts(self, s: "tuple[float, ...]") -> "tuple[int, int, int, int, int, int]":
        a_lsb = _LSM_XL_MG[self.acc_fs_g()] * 1e-3 * G
        g_lsb = _LSM_G_MDPS[self.gyr_fs_dps()] * 1e-3 / RAD2DEG
        return (_clip16(s[0] / a_lsb), _clip16(s[1] / a_lsb), _clip16(s[2] / a_lsb),
                _clip16(s[3] / g_lsb), _clip16(s[4] / g_lsb), _clip16(s[5] / g_lsb))

    def sample(self, s: "tuple[float, ...]") -> None:
        c = self.counts(s)
        r = self.regs
        struct.pack_into("<3h", r, OUTX_L_G, c[3], c[4], c[5])
        struct.pack_into("<3h", r, OUTX_L_A, c[0], c[1], c[2])
        struct.pack_into("<h", r, OUT_TEMP_L, _clip16((self.temp_c - 25.0) * 256))
        r[STATUS_REG] = 0x07
        self.wake_up(c)
        self.push(c)
        self.set_int1(self.fifo_int() | (self.regs[WAKE_UP_SRC] >> 3 & 1
                                         if self.regs[MD1_CFG] & 0x20 else 0))

    def latched(self) -> bool:
        """LIR: wake-up events latched until WAKE_UP_SRC is read."""
        return bool(self.regs[TAP_CFG2] & 0x01)  # DS3TR-C TAP_CFG; the DSOX overrides

    def wake_lsb_div(self) -> int:
        """FS_XL / this = one LSB of WK_THS."""
        return 64

    def hp_divisor(self) -> int:
        """0: the wake-up compares the slope; else the HPF cut-off is ODR / this."""
        return 0

    def wake_up(self, c: "tuple[int, ...]") -> None:
        # Wake-up: the slope (change since the last sample) or the high-pass filtered
        # acceleration above WK_THS on any axis.
        ths = self.regs[WAKE_UP_THS] & 0x3F
        last = self.last_acc
        self.last_acc = (c[0], c[1], c[2])
        if last is None:
            return
        k = self.hp_divisor()
        if k:
            a = 1.0 / (1.0 + 6.283185307179586 / k)
            for i in range(3):
                self.hp[i] = a * (self.hp[i] + c[i] - last[i])
        if not self.regs[TAP_CFG2] & 0x80 or ths == 0:
            return
        lim = ths * 32768 // self.wake_lsb_div()  # counts
        src = 0
        for i in range(3):
            v = self.hp[i] if k else c[i] - last[i]
            if abs(v) > lim:
                src |= 4 >> i  # X_WU bit2, Y_WU bit1, Z_WU bit0
        if src:
            self.regs[WAKE_UP_SRC] = 0x08 | src  # WU_IA
        elif not self.latched():
            self.regs[WAKE_UP_SRC] = 0  # not latched: the event is over

    def watermark(self) -> int:
        return 0  # no FIFO threshold in the base model: the chips read theirs from registers

    def fifo_int(self) -> int:
        """INT1 level from the FIFO: threshold reached (INT1_FIFO_TH) or overrun (INT1_FIFO_OVR)."""
        r = self.regs[INT1_CTRL]
        wtm = self.watermark()
        return 1 if ((r & 0x08 and wtm and len(self.fifo) >= wtm)
                     or (r & 0x10 and self.overrun)) else 0

    def fifo_status2(self, count_mask: int) -> int:
        """FIFO_STATUS2 bits both chips share: the level's high bits (``count_mask`` of them),
        threshold (0x80), overrun (0x40) and full (0x20)."""
        n = len(self.fifo)
        wtm = self.watermark()
        v = (n >> 8) & count_mask
        if wtm and n >= wtm:
            v |= 0x80
        if self.overrun:
            v |= 0x40
        if n >= self.FIFO_WORDS:
            v |= 0x20
        return v

    def push(self, c: "tuple[int, ...]") -> None:
        pass


FIFO_CTRL1_DSOX = 0x07
FIFO_CTRL2_DSOX = 0x08
FIFO_CTRL3_DSOX = 0x09
FIFO_CTRL4_DSOX = 0x0A
INT1_CTRL = 0x0D
FIFO_DATA_OUT_TAG = 0x78
TAG_GYRO = 0x01
TAG_ACC = 0x02
TAG_TS = 0x04


class LSM6DSOX(_LSM6):
    """ST LSM6DSOX at I2C address 0x6A (SA0 low) or 0x6B."""

    WHO_AM_I = 0x6C
    NAME = "LSM6DSOX"
    FIFO_WORDS = 512  # model parameter (7-byte words held before overrun)

    def reset(self) -> None:
        _LSM6.reset(self)
        self.regs[CTRL9_XL] = 0xE0  # DEN_X/Y/Z set, I3C enabled
        self.word = b""  # FIFO word being read out
        self.word_pos = 7
        self.tag_cnt = 0

    @property
    def i3c_enabled(self) -> bool:
        return not self.regs[CTRL9_XL] & 0x02

    def latched(self) -> bool:
        return bool(self.regs[TAP_CFG0] & 0x01)

    def wake_lsb_div(self) -> int:
        return 256 if self.regs[WAKE_UP_DUR] & 0x10 else 64  # WAKE_THS_W

    def hp_divisor(self) -> int:
        if not self.regs[TAP_CFG0] & 0x10:  # SLOPE_FDS = 0: slope filter
            return 0
        return (4, 10, 20, 45, 100, 200, 400, 800)[self.regs[CTRL8_XL] >> 5]

    def next_reg(self, reg: int) -> int:
        if not self.regs[CTRL3_C] & 0x04:
            return reg
        if reg == FIFO_DATA_OUT_TAG + 6:  # FIFO output window wraps to the next word
            return FIFO_DATA_OUT_TAG
        return (reg + 1) & 0x7F

    def mode(self) -> int:
        return self.regs[FIFO_CTRL4_DSOX] & 0x07

    def write_byte(self, reg: int, value: int) -> None:
        _LSM6.write_byte(self, reg, value)
        if reg == FIFO_CTRL4_DSOX and value & 0x07 == 0:  # bypass mode empties the FIFO
            self.fifo = []
            self.overrun = False

    def watermark(self) -> int:
        return self.regs[FIFO_CTRL1_DSOX] | (self.regs[FIFO_CTRL2_DSOX] & 0x01) << 8

    def read_byte(self, reg: int) -> int:
        if reg == FIFO_STATUS1:
            return len(self.fifo) & 0xFF
        if reg == FIFO_STATUS2:
            v = self.fifo_status2(0x03)
            if self.ovr_latched:
                v |= 0x08
            self.ovr_latched = False
            return v
        if FIFO_DATA_OUT_TAG <= reg <= FIFO_DATA_OUT_TAG + 6:
            if reg == FIFO_DATA_OUT_TAG:
                if self.fifo:
                    self.word = self.fifo.pop(0)
                    self.overrun = False
                    self.set_int1(self.fifo_int())
                else:
                    self.word = bytes(7)
            return self.word[reg - FIFO_DATA_OUT_TAG] if self.word else 0
        return _LSM6.read_byte(self, reg)

    def _word(self, tag: int, data: bytes) -> bytes:
        t = (tag << 3) | (self.tag_cnt << 1)
        p = 0
        for i in range(8):
            p ^= (t >> i) & 1
        return bytes([t | p]) + data

    def push(self, c: "tuple[int, ...]") -> None:
        mode = self.mode()
        if mode == 0:
            return
        bdr = self.regs[FIFO_CTRL3_DSOX]
        words = []
        if (self.regs[FIFO_CTRL4_DSOX] >> 6) == 1 and self.regs[CTRL10_C] & 0x20:
            words.append(self._word(TAG_TS, struct.pack("<IH", self.timestamp(), 0)))
        if bdr >> 4:
            words.append(self._word(TAG_GYRO, struct.pack("<3h", c[3], c[4], c[5])))
        if bdr & 0x0F:
            words.append(self._word(TAG_ACC, struct.pack("<3h", c[0], c[1], c[2])))
        self.tag_cnt = (self.tag_cnt + 1) & 3
        for w in words:
            if len(self.fifo) >= self.FIFO_WORDS:
                if mode == 1:  # FIFO mode: stop when full
                    return
                self.fifo.pop(0)  # continuous: the oldest word is lost
                self.overrun = True
                self.ovr_latched = True
            self.fifo.append(w)


FIFO_CTRL1_DS3 = 0x06
FIFO_CTRL2_DS3 = 0x07
FIFO_CTRL3_DS3 = 0x08
FIFO_CTRL4_DS3 = 0x09
FIFO_CTRL5_DS3 = 0x0A
FIFO_STATUS3 = 0x3C
FIFO_STATUS4 = 0x3D
FIFO_DATA_OUT_L = 0x3E


class LSM6DS3TRC(_LSM6):
    """ST LSM6DS3TR-C at I2C address 0x6A (SA0 low) or 0x6B."""

    WHO_AM_I = 0x6A
    NAME = "LSM6DS3TR-C"
    FIFO_WORDS = 2048  # 4 kbyte of 16-bit words

    def reset(self) -> None:
        _LSM6.reset(self)
        self.pattern = 0  # index in the data-set pattern of the next word to read
        self.out = 0  # word being read out
        self.wpat = 0  # words per pattern (set when a sample is pushed)

    def next_reg(self, reg: int) -> int:
        if not self.regs[CTRL3_C] & 0x04:
            return reg
        if reg == FIFO_DATA_OUT_L + 1:
            return FIFO_DATA_OUT_L
        return (reg + 1) & 0x7F

    def timestamp(self) -> int:
        if not self.regs[CTRL10_C] & 0x20:
            return 0
        lsb = self.TS_US if self.regs[WAKE_UP_DUR] & 0x10 else 6400.0
        return int(self.t_us / lsb) & 0xFFFFFF

    def mode(self) -> int:
        return self.regs[FIFO_CTRL5_DS3] & 0x07

    def write_byte(self, reg: int, value: int) -> None:
        _LSM6.write_byte(self, reg, value)
        if reg == FIFO_CTRL5_DS3 and value & 0x07 == 0:
            self.fifo = []
            self.pattern = 0
            self.overrun = False

    def watermark(self) -> int:
        return self.regs[FIFO_CTRL1_DS3] | (self.regs[FIFO_CTRL2_DS3] & 0x07) << 8

    def read_byte(self, reg: int) -> int:
        n = len(self.fifo)
        if reg == FIFO_STATUS1:
            return n & 0xFF
        if reg == FIFO_STATUS2:
            v = self.fifo_status2(0x07)
            if n == 0:
                v |= 0x10
            return v
        if reg == FIFO_STATUS3:
            return self.pattern & 0xFF
        if reg == FIFO_STATUS4:
            return (self.pattern >> 8) & 0x03
        if reg == FIFO_DATA_OUT_L:
            self.out = self.fifo[0] if self.fifo else 0
            return self.out & 0xFF
        if reg == FIFO_DATA_OUT_L + 1:  # reading the high byte completes the word
            if not self.fifo:
                return (self.out >> 8) & 0xFF
            w = self.fifo.pop(0)
            self.out = w
            self.overrun = False
            if self.wpat:
                self.pattern = (self.pattern + 1) % self.wpat
            self.set_int1(self.fifo_int())
            return (w >> 8) & 0xFF
        return _LSM6.read_byte(self, reg)

    def push(self, c: "tuple[int, ...]") -> None:
        mode = self.mode()
        if mode == 0 or (self.regs[FIFO_CTRL5_DS3] >> 3) & 0x0F == 0:
            return
        dec = self.regs[FIFO_CTRL3_DS3]
        words = []
        if (dec >> 3) & 0x07:
            words += [c[3] & 0xFFFF, c[4] & 0xFFFF, c[5] & 0xFFFF]
        if dec & 0x07:
            words += [c[0] & 0xFFFF, c[1] & 0xFFFF, c[2] & 0xFFFF]
        if not words:
            return
        self.wpat = len(words)
        while len(self.fifo) + len(words) > self.FIFO_WORDS:
            if mode == 1:
                return
            # Continuous mode: the oldest data set goes; the pattern index stays aligned.
            self.fifo = self.fifo[self.wpat - self.pattern:]
            self.pattern = 0
            self.overrun = True
        self.fifo += words


# ---------------------------------------------------------------------------------------------
# InvenSense MPU-6050 / MPU-6500
# ---------------------------------------------------------------------------------------------

SMPLRT_DIV = 0x19
CONFIG = 0x1A
GYRO_CONFIG = 0x1B
ACCEL_CONFIG = 0x1C
FIFO_EN = 0x23
INT_ENABLE = 0x38
INT_STATUS = 0x3A
ACCEL_XOUT_H = 0x3B
TEMP_OUT_H = 0x41
GYRO_XOUT_H = 0x43
USER_CTRL = 0x6A
PWR_MGMT_1 = 0x6B
FIFO_COUNTH = 0x72
FIFO_COUNTL = 0x73
FIFO_R_W = 0x74
_MPU_ACC_LSB_G = (16384.0, 8192.0, 4096.0, 2048.0)
_MPU_GYR_LSB_DPS = (131.0, 65.5, 32.8, 16.4)


class MPU6050(Chip):
    """InvenSense MPU-6050 at I2C address 0x68 (AD0 low) or 0x69."""

    WHO_AM_I_REG = 0x75
    WHO_AM_I = 0x68
    NAME = "MPU-6050"
    FIFO_BYTES = 1024

    def reset(self) -> None:
        self.regs = bytearray(128)
        self.regs[PWR_MGMT_1] = 0x40  # SLEEP after power-on
        self.fifo = bytearray()
        self.count_latch = 0

    def write_byte(self, reg: int, value: int) -> None:
        if reg == PWR_MGMT_1 and value & 0x80:  # DEVICE_RESET
            self.reset()
            return
        if reg == USER_CTRL and value & 0x04:  # FIFO_RESET (self-clearing)
            if not value & 0x40:  # only while FIFO_EN = 0 (RM-MPU-6000A register 106)
                self.fifo = bytearray()
            value &= ~0x04
        self.regs[reg] = value

    def odr_hz(self) -> float:
        if self.regs[PWR_MGMT_1] & 0x40:
            return 0.0
        dlpf = self.regs[CONFIG] & 0x07
        base = 8000.0 if dlpf in (0, 7) else 1000.0
        return base / (1 + self.regs[SMPLRT_DIV])

    def temp_raw(self) -> int:
        return _clip16((self.temp_c - 36.53) * 340.0)

    def read_byte(self, reg: int) -> int:
        if reg == INT_STATUS:
            v = self.regs[reg]
            self.regs[reg] = 0
            self.set_int1(0)
            return v
        if reg == FIFO_COUNTH:
            self.count_latch = len(self.fifo)
            return (self.count_latch >> 8) & 0xFF
        if reg == FIFO_COUNTL:
            return self.count_latch & 0xFF
        if reg == FIFO_R_W:
            if not self.fifo:
                return 0
            v = self.fifo[0]
            self.fifo = self.fifo[1:]
            return v
        return Chip.read_byte(self, reg)

    def next_reg(self, reg: int) -> int:
        if reg == FIFO_R_W:  # burst reads of FIFO_R_W keep popping the FIFO
            return reg
        return (reg + 1) & 0x7F

    def counts(self, s: "tuple[float, ...]") -> "tuple[int, int, int, int, int, int]":
        a = _MPU_ACC_LSB_G[(self.regs[ACCEL_CONFIG] >> 3) & 3] / G
        g = _MPU_GYR_LSB_DPS[(self.regs[GYRO_CONFIG] >> 3) & 3] * RAD2DEG
        return (_clip16(s[0] * a), _clip16(s[1] * a), _clip16(s[2] * a),
                _clip16(s[3] * g), _clip16(s[4] * g), _clip16(s[5] * g))

    def sample(self, s: "tuple[float, ...]") -> None:
        c = self.counts(s)
        t = self.temp_raw()
        r = self.regs
        struct.pack_into(">3h", r, ACCEL_XOUT_H, c[0], c[1], c[2])
        struct.pack_into(">h", r, TEMP_OUT_H, t)
        struct.pack_into(">3h", r, GYRO_XOUT_H, c[3], c[4], c[5])
        r[INT_STATUS] |= 0x01  # DATA_RDY_INT
        if r[USER_CTRL] & 0x40:
            en = r[FIFO_EN]
            data = b""
            if en & 0x08:
                data += struct.pack(">3h", c[0], c[1], c[2])
            if en & 0x80:
                data += struct.pack(">h", t)
            if en & 0x40:
                data += struct.pack(">h", c[3])
            if en & 0x20:
                data += struct.pack(">h", c[4])
            if en & 0x10:
                data += struct.pack(">h", c[5])
            self.fifo_write(data)
        if r[INT_ENABLE] & r[INT_STATUS] & 0x11:
            self.set_int1(1)

    def fifo_write(self, data: bytes) -> None:
        room = self.FIFO_BYTES - len(self.fifo)
        if len(data) > room:
            self.regs[INT_STATUS] |= 0x10  # FIFO_OFLOW_INT
            self.fifo = self.fifo[len(data) - room:]  # the oldest bytes are overwritten
        self.fifo += data


class MPU6500(MPU6050):
    """InvenSense MPU-6500 at I2C address 0x68 (AD0 low) or 0x69."""

    WHO_AM_I = 0x70
    NAME = "MPU-6500"
    FIFO_BYTES = 512

    def temp_raw(self) -> int:
        return _clip16((self.temp_c - 21.0) * 333.87)

    def fifo_write(self, data: bytes) -> None:
        room = self.FIFO_BYTES - len(self.fifo)
        if len(data) > room:
            self.regs[INT_STATUS] |= 0x10
            if self.regs[CONFIG] & 0x40:  # FIFO_MODE 1: further writes are dropped
                return
            self.fifo = self.fifo[len(data) - room:]
        self.fifo += data


class MPU6050Clone(MPU6050):
    """A GY-521 module's MPU-6050 clone: WHO_AM_I 0x98 (ElectronicCats/mpu6050 issue 21),
    otherwise modelled as the 6050."""

    WHO_AM_I = 0x98
    NAME = "MPU-6050 clone"


class MPU9250(MPU6500):
    """MPU-9250 (WHO_AM_I 0x71): a 6500 core (plus a magnetometer the firmware does not use),
    sold on "6500" modules."""

    WHO_AM_I = 0x71
    NAME = "MPU-9250"


MODELS = {"lsm6dsox": LSM6DSOX, "lsm6ds3trc": LSM6DS3TRC, "mpu6050": MPU6050,
          "mpu6500": MPU6500}
