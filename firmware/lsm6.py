# ST LSM6DSOX and LSM6DS3TR-C driver: FIFO in continuous mode with a watermark on INT1.
#
# Registers (ST datasheets DS13050 LSM6DSOX and DS12793 LSM6DS3TR-C; the same addresses for
# CTRL1_XL 0x10, CTRL2_G 0x11, CTRL3_C 0x12, CTRL10_C 0x19, OUT_TEMP 0x20, TIMESTAMP 0x40,
# FIFO_STATUS 0x3A, TAP_CFG 0x58, WAKE_UP_THS 0x5B, WAKE_UP_DUR 0x5C, MD1_CFG 0x5E):
#   DSOX: tagged FIFO. FIFO_CTRL1..4 = 0x07..0x0A (watermark in 7-byte words, BDR_GY|BDR_XL,
#     DEC_TS_BATCH|FIFO_MODE); words read from FIFO_DATA_OUT_TAG 0x78 (tag byte: sensor << 3 |
#     counter << 1 | parity; 1 gyro, 2 acc, 4 timestamp); the address wraps from 0x7E to 0x78,
#     so many words come in one burst. A timestamp word (25 us ticks) precedes each sample.
#   DS3TR-C: pattern FIFO. FIFO_CTRL1..5 = 0x06..0x0A (watermark in 16-bit words, decimation
#     of gyro/acc data sets, ODR_FIFO|FIFO_MODE); FIFO_STATUS3/4 give the pattern index of the
#     next word; words (gyro x, y, z, acc x, y, z) from FIFO_DATA_OUT_L/H 0x3E/0x3F.
# Both: FIFO_STATUS2 bit6 = overrun (the oldest data were overwritten).
# DSOX only, as ST's driver (lsm6dsox_reg.c: lsm6dsox_i3c_disable_set,
# lsm6dsox_int_notification_set) and Adafruit's (Adafruit_LSM6DSOX::_init) set them up:
#   CTRL9_XL 0x18 bit1 I3C_DISABLE (reset value 0xE0: DEN_X/Y/Z set, I3C on) -> 0xE2;
#   TAP_CFG0 0x56 bit0 LIR + bit6 INT_CLR_ON_READ: the wake-up event stays latched in
#   WAKE_UP_SRC and on INT1 until read, so the event that woke the board is not missed.
#   (The DS3TR-C's LIR is bit0 of its TAP_CFG 0x58, set in wake_on_motion.)
#
# read() leaves samples in chip axes as int16 (ax, ay, az, gx, gy, gz) and sets t_newest_us (the
# board's time.ticks_us() of the newest sample): from the chip's own timestamp words (DSOX) or
# at the moment the FIFO level was read less half a period and the periods of the samples
# left unread (DS3TR-C: the newest sample is on average that old; within half a period).
# imu.py keeps the batch times continuous and only steered by these stamps.

import time

import i2cdev
import lazy
from micropython import const

_OUT_TEMP_L = const(0x20)
_TIMESTAMP0 = const(0x40)
_FIFO_STATUS1 = const(0x3A)
_WAKE_UP_SRC = const(0x1B)
_DSOX_FIFO_OUT = const(0x78)
_DS3_FIFO_OUT = const(0x3E)
_TAG_GYRO = const(1)
_TAG_ACC = const(2)
_TAG_TS = const(4)
_CHUNK = const(32)  # samples per I2C burst
_TS_US = const(25)  # timestamp LSB, us

WHO_AM_I_REG = const(0x0F)
WHO_DSOX = const(0x6C)
WHO_DS3TRC = const(0x6A)
ADDRESSES = (0x6A, 0x6B)

def _s16(lo, hi):
    v = lo | (hi << 8)
    return v - 65536 if v > 32767 else v


class LSM6(i2cdev.I2CDev):
    """Driver for one chip. `tagged` is True for the LSM6DSOX, False for the LSM6DS3TR-C."""

    def __init__(self, i2c, addr, who):
        i2cdev.I2CDev.__init__(self, i2c, addr)
        self.tagged = who == WHO_DSOX
        self.model = 1 if self.tagged else 2  # INFO imu_model
        self.name = "LSM6DSOX" if self.tagged else "LSM6DS3TR-C"
        self.overruns = 0  # FIFO overruns seen
        self.dropped = 0  # samples known lost (DSOX: from its timestamps; else one per overrun)
        self.t_newest_us = 0
        self.odr_hz = 0.0
        self._half_us = 0
        self._st = bytearray(4)
        self._ts = bytearray(4)
        ws = 7 if self.tagged else 12  # bytes per FIFO word (DSOX) or per data set (DS3TR-C)
        per = 3 if self.tagged else 1  # FIFO reads per sample: ts + gyro + acc words
        self._raw = bytearray(_CHUNK * per * ws)
        mv = memoryview(self._raw)
        # One view per read length: slicing at run time would allocate.
        self._views = [mv[0:k * ws] for k in range(_CHUNK * per + 1)]
        self._ws = ws
        self._skip = bytearray(2)
        self._g = [0, 0, 0]  # gyro word waiting for its acc word (DSOX), preallocated
        self._have_g = False
        # Timestamp words (DSOX) kept across reads, -1 = none: a read may end between a
        # sample's words (after an overrun the FIFO drops single words, so its head need not
        # be a timestamp): the latest one not yet followed by its gyro word, and the one of
        # the gyro word waiting for its acc word.
        self._ts_word = -1
        self._ts_g = -1
        # The timestamp of the newest stamped sample read (-1 = none) and the samples read since
        # it: a jump in the timestamps is a hole of _hole samples in the last read (lsm6cfg
        # sets _per16, the period in 1/16 timestamp ticks: the chip's ODR and timestamp share
        # its oscillator, so the period in ticks is the nominal one).
        self._ts_prev = -1
        self._since = 0
        self._per16 = 0
        self._hole = 0

    def configure(self, odr_hz, acc_fs_g, gyr_fs_dps, watermark_samples=8):
        """Reset the chip and start FIFO streaming; the nearest supported settings are used.
        Returns True if every register write went through (lsm6cfg.py)."""
        return lazy.use("lsm6cfg").configure(self, odr_hz, acc_fs_g, gyr_fs_dps,
                                             watermark_samples)

    def wake_on_motion(self, threshold_mg):
        """Route a wake-up interrupt to INT1 (lsm6cfg.py)."""
        return lazy.use("lsm6cfg").wake_on_motion(self, threshold_mg)

    def motion_seen(self):
        """True if a wake-up event happened since the last call (reads WAKE_UP_SRC)."""
        if not self._r(_WAKE_UP_SRC, self._one):
            return False
        return bool(self._one[0] & 0x08)

    def temp_cc(self):
        """Chip temperature in 0.01 deg C, or -32768 if unreadable."""
        b = self._skip
        if not self._r(_OUT_TEMP_L, b):
            return -32768
        return 2500 + _s16(b[0], b[1]) * 100 // 256

    def _chip_now(self):
        # (chip timestamp, board ticks_us) read together.
        if not self._r(_TIMESTAMP0, self._ts):
            return -1
        b = self._ts
        return b[0] | b[1] << 8 | b[2] << 16 | (b[3] & 0x3F) << 24  # 30 bits: stays a small int

    def read(self, out, max_n):
        """Move up to max_n samples from the FIFO into out (array('h'), 6 per sample, chip
        axes: ax, ay, az, gx, gy, gz). Returns the number of samples."""
        if not self._r(_FIFO_STATUS1, self._st):
            return 0
        st = self._st
        if self.tagged:
            level = st[0] | (st[1] & 0x03) << 8
        else:
            level = st[0] | (st[1] & 0x07) << 8
        ovr = st[1] & 0x40  # overrun: the chip overwrote data we never read
        if self.tagged:
            # The timestamps give the hole exactly, also one made after the level was read
            # (the chip clears FIFO_OVR_IA when a word is read, so the status missed it).
            n = self._read_tagged(out, max_n, level)
            hole = self._hole
            if hole > 0 or ovr:
                self.overruns += 1
                self.dropped += hole if hole > 0 else 1
        else:
            if ovr:
                self.overruns += 1
                self.dropped += 1
            n = self._read_pattern(out, max_n, level, st[2] | (st[3] & 0x03) << 8)
        return n

    def _read_tagged(self, out, max_n, level):
        n = 0
        ts = self._ts_word
        ts_g = self._ts_g
        ts_done = -1  # the timestamp of the newest sample completed in this read
        prev = self._ts_prev
        since = self._since
        per16 = self._per16
        hole = 0
        raw = self._raw
        g = self._g
        while level > 0 and n < max_n:
            k = level
            if k > 3 * _CHUNK:
                k = 3 * _CHUNK
            room = 3 * (max_n - n)
            if k > room:
                k = room
            if not self._r(_DSOX_FIFO_OUT, self._views[k]):
                break
            level -= k
            i = 0
            for _ in range(k):
                tag = raw[i] >> 3
                if tag == _TAG_GYRO:
                    g[0] = _s16(raw[i + 1], raw[i + 2])
                    g[1] = _s16(raw[i + 3], raw[i + 4])
                    g[2] = _s16(raw[i + 5], raw[i + 6])
                    self._have_g = True
                    ts_g = ts
                    ts = -1
                elif tag == _TAG_ACC and self._have_g:
                    j = 6 * n
                    out[j] = _s16(raw[i + 1], raw[i + 2])
                    out[j + 1] = _s16(raw[i + 3], raw[i + 4])
                    out[j + 2] = _s16(raw[i + 5], raw[i + 6])
                    out[j + 3] = g[0]
                    out[j + 4] = g[1]
                    out[j + 5] = g[2]
                    self._have_g = False
                    n += 1
                    since += 1
                    if ts_g >= 0:
                        ts_done = ts_g
                        if prev >= 0 and per16:
                            # periods between the two, rounded; split so that no step leaves
                            # the small ints (a 30-bit tick count << 4 would not fit)
                            d = (ts_g - prev) & 0x3FFFFFFF
                            k = (d // per16 << 4) + (((d % per16) << 4) + (per16 >> 1)) // per16
                            if k > since:
                                hole += k - since
                        prev = ts_g
                        since = 0
                elif tag == _TAG_TS:
                    ts = raw[i + 1] | raw[i + 2] << 8 | raw[i + 3] << 16 | (raw[i + 4] & 0x3F) << 24
                i += 7
        self._ts_word = ts
        self._ts_g = ts_g
        self._ts_prev = prev
        self._since = since
        self._hole = hole
        if ts_done >= 0:
            now = time.ticks_us()
            chip = self._chip_now()
            if chip >= 0:
                d = (chip - ts_done) & 0x3FFFFFFF
                self.t_newest_us = time.ticks_add(now, -d * _TS_US)
        return n

    def _read_pattern(self, out, max_n, level, pattern):
        now = time.ticks_us()
        raw = self._raw
        # Realign to a whole data set (6 words) if a read was cut short or data were lost.
        while pattern and level:
            if not self._r(_DS3_FIFO_OUT, self._skip):
                return 0
            level -= 1
            pattern = (pattern + 1) % 6
        sets = level // 6
        n = 0
        while sets > 0 and n < max_n:
            k = sets
            if k > _CHUNK:
                k = _CHUNK
            if k > max_n - n:
                k = max_n - n
            if not self._r(_DS3_FIFO_OUT, self._views[k]):
                break
            sets -= k
            i = 0
            for _ in range(k):
                j = 6 * n
                out[j + 3] = _s16(raw[i], raw[i + 1])
                out[j + 4] = _s16(raw[i + 2], raw[i + 3])
                out[j + 5] = _s16(raw[i + 4], raw[i + 5])
                out[j] = _s16(raw[i + 6], raw[i + 7])
                out[j + 1] = _s16(raw[i + 8], raw[i + 9])
                out[j + 2] = _s16(raw[i + 10], raw[i + 11])
                i += 12
                n += 1
        if n:
            # The newest sample read: `sets` newer ones are still in the FIFO (a read cut short
            # by max_n or a failed burst).
            self.t_newest_us = time.ticks_add(now, -self._half_us * (1 + 2 * sets))
        return n
