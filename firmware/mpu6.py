# InvenSense MPU-6050 / MPU-6500 driver: sample-rate divider + DLPF, FIFO with overflow status.
#
# Registers (InvenSense RM-MPU-6000A-00 and RM-MPU-6500A-01): SMPLRT_DIV 0x19, CONFIG 0x1A
# (DLPF_CFG bits 2:0; on the 6500 bit6 FIFO_MODE = 1 keeps old data when full), GYRO_CONFIG
# 0x1B and ACCEL_CONFIG 0x1C (FS_SEL bits 4:3), ACCEL_CONFIG2 0x1D (6500 acc DLPF), FIFO_EN 0x23
# (0x78 = gyro x, y, z + acc), INT_ENABLE 0x38 (bit4 FIFO_OFLOW_EN), INT_STATUS 0x3A (bit4
# FIFO_OFLOW_INT, cleared by reading), TEMP_OUT 0x41, USER_CTRL 0x6A (bit6 FIFO_EN, bit2
# FIFO_RESET), PWR_MGMT_1 0x6B (bit7 reset, bit6 sleep, CLKSEL 1 = gyro PLL), FIFO_COUNT 0x72/73,
# FIFO_R_W 0x74, WHO_AM_I 0x75 (0x68 MPU-6050, 0x70 MPU-6500). Data are big-endian; one FIFO
# record is acc x, y, z then gyro x, y, z (12 bytes).
#
# Clones: modules sold as MPU-6050 (GY-521) or "6500" often answer another WHO_AM_I: 0x98
# (ElectronicCats/mpu6050 issue 21: 13 of 20 GY-521 modules), 0x71 MPU-9250, 0x73 MPU-9255,
# 0x74 MPU-6515 and 0x72/0x75 on unbranded "6500" boards (kriswiner/MPU9250 issues 47 and
# 378). They are driven as the 6050 (0x98) or the 6500 (0x71-0x75) and flagged as clones
# (INFO flags bit3) since nothing guarantees the rest of their register map.
#
# The sample rate is 1 kHz / (1 + SMPLRT_DIV) with the DLPF on, so 104 Hz becomes 100 Hz.
# FIFO reset: USER_CTRL FIFO_RESET "resets the FIFO buffer when set to 1 while FIFO_EN equals 0"
# (RM-MPU-6000A register 106, quoted in jrowberg/i2cdevlib MPU6050::resetFIFO): write 0x04
# (FIFO off + reset), then 0x40 (FIFO on); 0x44 at once resets nothing.
# Overflow: the 6050 overwrites its oldest bytes, which scrambles the record alignment: the
# driver resets the FIFO and counts an overrun and the records it threw away. The 6500 runs
# with CONFIG.FIFO_MODE = 1: when its 512-byte FIFO (42 records, 0.42 s at 100 Hz) is full it
# keeps the old records and drops new ones, so what is in it stays aligned and is read; the
# overrun is counted with the samples that found no room (from the time since the last read).
# The MPU has no sample timestamps: t_newest_us is the board's time when the FIFO count was
# read, less half a sample period (the newest sample's expected age) and the periods of the
# samples left unread. imu.py keeps the batch times continuous and only steered by this stamp
# (a read held up after the count moves the stamp, not the samples).

import time

import i2cdev
from micropython import const

_SMPLRT_DIV = const(0x19)
_CONFIG = const(0x1A)
_GYRO_CONFIG = const(0x1B)
_ACCEL_CONFIG = const(0x1C)
_ACCEL_CONFIG2 = const(0x1D)
_FIFO_EN = const(0x23)
_INT_ENABLE = const(0x38)
_INT_STATUS = const(0x3A)
_TEMP_OUT_H = const(0x41)
_USER_CTRL = const(0x6A)
_PWR_MGMT_1 = const(0x6B)
_FIFO_COUNTH = const(0x72)
_FIFO_R_W = const(0x74)
_REC = const(12)  # bytes per FIFO record
_CHUNK = const(32)  # records per I2C burst

WHO_AM_I_REG = const(0x75)
WHO_6050 = const(0x68)
WHO_6500 = const(0x70)
CLONES_6050 = (0x98,)
CLONES_6500 = (0x71, 0x72, 0x73, 0x74, 0x75)
ADDRESSES = (0x68, 0x69)

ACC_FS_G = (2, 4, 8, 16)
GYR_FS_DPS = (250, 500, 1000, 2000)
_GYR_LSB_DPS = (131.0, 65.5, 32.8, 16.4)
# DLPF_CFG -> gyro bandwidth, Hz (RM-MPU-6000A table for CONFIG); chosen <= ODR / 2.
_DLPF_BW = (188, 98, 42, 20, 10, 5)


def _s16be(hi, lo):
    v = (hi << 8) | lo
    return v - 65536 if v > 32767 else v


class MPU6(i2cdev.I2CDev):
    def __init__(self, i2c, addr, who):
        i2cdev.I2CDev.__init__(self, i2c, addr)
        self.is6500 = who == WHO_6500 or who in CLONES_6500
        self.model = 4 if self.is6500 else 3  # INFO imu_model
        self.name = "MPU-6500" if self.is6500 else "MPU-6050"
        self.clone = who not in (WHO_6050, WHO_6500)  # INFO flags bit3
        if self.clone:
            self.name += " (clone, WHO_AM_I 0x%02x)" % who
        self.overruns = 0
        self.dropped = 0
        self.t_newest_us = 0
        self.odr_hz = 0.0
        self._half_us = 0
        self._period_us = 0
        self._t_read = 0  # ticks_us of the last FIFO count read
        self._two = bytearray(2)
        self._raw = bytearray(_CHUNK * _REC)
        mv = memoryview(self._raw)
        self._views = [mv[0:k * _REC] for k in range(_CHUNK + 1)]

    def configure(self, odr_hz, acc_fs_g, gyr_fs_dps, watermark_samples=8):
        """Reset, wake and start FIFO streaming at the nearest rate 1 kHz / (1 + div)."""
        io = self._w(_PWR_MGMT_1, 0x80)
        time.sleep_ms(100)
        io &= self._w(_PWR_MGMT_1, 0x01)  # wake, clock from the gyro PLL
        div = int(1000 / odr_hz + 0.5) - 1
        if div < 0:
            div = 0
        if div > 255:
            div = 255
        self.odr_hz = 1000.0 / (1 + div)
        self._half_us = int(500000 / self.odr_hz)  # expected age of the newest sample
        self._period_us = int(1000000 / self.odr_hz)
        dlpf = 5
        for i in range(len(_DLPF_BW)):
            if _DLPF_BW[i] <= self.odr_hz / 2:
                dlpf = i
                break
        a = i2cdev.nearest(ACC_FS_G, acc_fs_g)
        g = i2cdev.nearest(GYR_FS_DPS, gyr_fs_dps)
        self.acc_fs_g = ACC_FS_G[a]
        self.gyr_fs_dps = GYR_FS_DPS[g]
        self.acc_scale = self.acc_fs_g * 9.80665 / 32768  # m/s^2 per LSB
        self.gyr_scale = 0.017453292519943295 / _GYR_LSB_DPS[g]  # rad/s per LSB
        io &= self._w(_SMPLRT_DIV, div)
        io &= self._w(_CONFIG, (0x40 if self.is6500 else 0) | (dlpf + 1 if dlpf < 5 else 6))
        io &= self._w(_GYRO_CONFIG, g << 3)
        io &= self._w(_ACCEL_CONFIG, a << 3)
        if self.is6500:
            io &= self._w(_ACCEL_CONFIG2, dlpf + 1 if dlpf < 5 else 6)
        io &= self._w(_FIFO_EN, 0x78)
        io &= self._w(_INT_ENABLE, 0x10)  # FIFO overflow
        io &= self._w(_USER_CTRL, 0x04)  # FIFO off + reset (a reset needs FIFO_EN = 0)
        io &= self._w(_USER_CTRL, 0x40)  # FIFO on
        self.t_newest_us = time.ticks_us()
        self._t_read = self.t_newest_us
        return io

    def wake_on_motion(self, threshold_mg):
        """Not used on the MPU parts (the firmware polls); always False."""
        return False

    def motion_seen(self):
        return False

    def temp_cc(self):
        b = self._two
        if not self._r(_TEMP_OUT_H, b):
            return -32768
        t = _s16be(b[0], b[1])
        if self.is6500:
            return 2100 + t * 100 * 100 // 33387
        return 3653 + t * 100 // 340

    def _reset_fifo(self):
        self._w(_USER_CTRL, 0x04)  # FIFO_EN = 0 with FIFO_RESET: the reset happens
        self._w(_USER_CTRL, 0x40)  # FIFO on again

    def read(self, out, max_n):
        """Move up to max_n samples from the FIFO into out (array('h'), 6 per sample, chip
        axes: ax, ay, az, gx, gy, gz). Returns the number of samples."""
        if not self._r(_INT_STATUS, self._one):
            return 0
        full = self._one[0] & 0x10
        if full and not self.is6500:  # 6050 overflow: records lost, alignment unknown
            self.overruns += 1
            if self._r(_FIFO_COUNTH, self._two):
                self.dropped += ((self._two[0] << 8 | self._two[1]) // _REC) + 1
            self._reset_fifo()
            self._t_read = time.ticks_us()
            return 0
        if not self._r(_FIFO_COUNTH, self._two):
            return 0
        now = time.ticks_us()
        count = (self._two[0] << 8 | self._two[1]) // _REC
        if full:  # 6500 (FIFO_MODE 1): the FIFO kept its records; the newer ones found no room
            self.overruns += 1
            lost = 1
            if self._period_us:
                lost = time.ticks_diff(now, self._t_read) // self._period_us - count
            self.dropped += lost if lost > 1 else 1
        self._t_read = now
        raw = self._raw
        n = 0
        while count > 0 and n < max_n:
            k = count
            if k > _CHUNK:
                k = _CHUNK
            if k > max_n - n:
                k = max_n - n
            if not self._r(_FIFO_R_W, self._views[k]):
                # A failed burst may have popped bytes: realign by starting the FIFO afresh.
                self._reset_fifo()
                self.dropped += count
                break
            count -= k
            i = 0
            for _ in range(k):
                j = 6 * n
                out[j] = _s16be(raw[i], raw[i + 1])
                out[j + 1] = _s16be(raw[i + 2], raw[i + 3])
                out[j + 2] = _s16be(raw[i + 4], raw[i + 5])
                out[j + 3] = _s16be(raw[i + 6], raw[i + 7])
                out[j + 4] = _s16be(raw[i + 8], raw[i + 9])
                out[j + 5] = _s16be(raw[i + 10], raw[i + 11])
                i += _REC
                n += 1
        if n:
            # The newest sample read: `count` newer ones are still in the FIFO (a read cut
            # short by max_n) or were thrown away by a failed burst.
            self.t_newest_us = time.ticks_add(now, -(self._half_us + count * self._period_us))
        return n
