# The IMU: find the chip by WHO_AM_I, configure it, read its FIFO in the kyphos sensor frame.
#
#   dev = imu.IMU(i2c, remap=(1, 2, 3))   # probes; dev.ok is False if no known chip answers
#   dev.configure(odr_hz=104, acc_fs_g=8, gyr_fs_dps=1000)
#   n = dev.read(buf)      # buf = array('h', 6 * imu.MAX_BATCH): ax, ay, az, gx, gy, gz
#   dev.t_first_us, dev.period_ns   # board ticks_us of buf's first sample, sample period
#   dev.overruns, dev.dropped, dev.i2c_errors   # for STATUS frames
#
# Supported parts (docs/firmware.md): LSM6DSOX (WHO_AM_I 0x6C) and LSM6DS3TR-C (0x6A) at 0x6A/0x6B,
# register 0x0F; MPU-6050 (0x68) and MPU-6500 (0x70) at 0x68/0x69, register 0x75. MPU-family
# clones (WHO_AM_I 0x98, 0x71-0x75: mpu6.py) are accepted with dev.clone True (INFO flags bit3).
# A missing or unknown chip never raises: dev.ok is False, dev.model 0 and dev.error says what was
# found, so the main loop can show the error state (LED pattern + STATUS flag "IMU missing").
#
# remap: sensor axis i = sign * chip axis |remap[i]| (1 = x, 2 = y, 3 = z), i.e. where each axis
# of the kyphos sensor frame (x to the head, y to the wearer's left, z out of the back) points in
# the chip's axes. (1, 2, 3) when the chip is mounted with its x arrow to the head and its top
# facing away from the back.

import time

import lazy
from micropython import const

MODEL_NONE = const(0)
MAX_BATCH = const(84)  # samples per read: one IMU frame holds at most 84
# Batch times (docs/firmware.md "A false gap under load"): the drivers stamp the newest sample
# with the board's time at the read, which a read held up inside itself moves by as much (and,
# on the MPU and LSM6DS3TR-C, off by up to half a period of unknown age): with more than half a
# period the host's loader saw a gap where nothing was lost. When nothing was lost the samples
# are contiguous, so the newest one is the previous newest + n periods; the stamp only steers
# that timeline (an alpha-beta tracker): by 1/8 of the difference, at most a quarter period per
# read (so a step between batches stays within 0.75-1.25 periods), and the period estimate by
# the difference / _PERIOD_DIV per read (1/32 of it at most), so that it converges in about
# _PERIOD_DIV samples however often the FIFO is read, and follows the chip's clock against the
# board's (the MPU's gyro clock: +-1 % over temperature, PS-MPU-6000A-00 rev 3.4 section 7.15;
# checked to +-3 %: tests/firmware/on_device/check_imu_stamps.py). A counted loss and the first
# read start afresh from the stamp; so does a timeline _RESYNC periods or more off the stamps on
# two reads running (one such read is a held-up read, not believed at all).
_STEER_SHIFT = const(3)  # timeline follows the stamps with weight 1/8
_PERIOD_DIV = const(1024)  # samples: the period follows the stamps' difference / this per read
_RESYNC = const(8)  # periods: further off than this, the timeline restarts from the stamp
class IMU:
    def __init__(self, i2c, remap=(1, 2, 3), addresses=None):
        # Probe the bus and set up (boot, and reprobe after a failed one): imuprobe.py.
        lazy.use("imuprobe").init(self, i2c, remap, addresses)

    @property
    def overruns(self):
        return self._dev.overruns if self.ok else 0

    @property
    def dropped(self):
        return self._dev.dropped if self.ok else 0

    @property
    def i2c_errors(self):
        return self._dev.i2c_errors if self.ok else 0

    def configure(self, odr_hz=104, acc_fs_g=8, gyr_fs_dps=1000):
        """Apply the nearest settings the chip has; returns True if all writes succeeded."""
        if not self.ok:
            return False
        d = self._dev
        io = d.configure(odr_hz, acc_fs_g, gyr_fs_dps)
        self.odr_hz = d.odr_hz
        self.acc_fs_g = d.acc_fs_g
        self.gyr_fs_dps = d.gyr_fs_dps
        self.acc_scale = d.acc_scale
        self.gyr_scale = d.gyr_scale
        self.period_ns = int(1e9 / d.odr_hz + 0.5)
        self._t_prev = d.t_newest_us
        self._t_ns = 0  # the timeline's ns beyond _t_prev's us
        self._t_first_read = True  # the next read only sets the timing reference
        self._lost_pending = False
        self._far = False  # the last read's stamp was _RESYNC periods or more off
        return io

    def temp_cc(self):
        return self._dev.temp_cc() if self.ok else -32768

    def wake_on_motion(self, threshold_mg=150):
        return self._dev.wake_on_motion(threshold_mg) if self.ok else False

    def motion_seen(self):
        return self._dev.motion_seen() if self.ok else False

    def read(self, buf, max_n=MAX_BATCH):
        """Read the FIFO into buf in the sensor frame; returns the number of samples.
        Allocation-free (after configure)."""
        if not self.ok:
            return 0
        d = self._dev
        lost0 = d.dropped
        n = d.read(buf, max_n)
        # A loss counted by a read that returned nothing (the MPU-6050's overflow resets the
        # FIFO) belongs to the next samples: they restart the timeline and carry the flag.
        lost = d.dropped != lost0 or self._lost_pending
        if n == 0:
            self._lost_pending = lost
            return 0
        self._lost_pending = False
        self.lost = lost
        # Remap chip axes to the sensor frame, in place, and look for clipped values.
        ix = self._ix
        iy = self._iy
        iz = self._iz
        sx = self._sx
        sy = self._sy
        sz = self._sz
        clip = False
        j = 0
        for _ in range(n):
            for o in (0, 3):
                k = j + o
                a = buf[k + ix]
                b = buf[k + iy]
                c = buf[k + iz]
                if a <= -32767 or a >= 32767 or b <= -32767 or b >= 32767 or c <= -32767 or c >= 32767:
                    clip = True
                    if a < -32767:  # so that the sign flip stays in int16
                        a = -32767
                    if b < -32767:
                        b = -32767
                    if c < -32767:
                        c = -32767
                buf[k] = a if sx else -a
                buf[k + 1] = b if sy else -b
                buf[k + 2] = c if sz else -c
            j += 6
        self.clipped = clip
        # Timestamps: the driver's stamp of the newest sample steers a continuous timeline
        # (see _STEER_SHIFT above).
        t_meas = d.t_newest_us
        p = self.period_ns
        first = self._t_first_read
        self._t_first_read = False
        t_new = t_meas
        ns = 0
        if not first and not lost:
            ns = self._t_ns + n * (p % 1000)
            t_pred = time.ticks_add(self._t_prev, n * (p // 1000) + ns // 1000)
            ns %= 1000
            res = time.ticks_diff(t_meas, t_pred)
            p_us = p // 1000
            far = not -_RESYNC * p_us < res < _RESYNC * p_us
            if far and self._far:
                ns = 0  # off on two reads running: start afresh from the stamp
                far = False
            elif far:
                t_new = t_pred
            else:
                # believed up to a quarter period per sample (a chip 3 % off read every 0.2 s,
                # n = 21: 0.63 periods a read before the period has followed)
                lim = p_us * n >> 2
                if lim < p_us:
                    lim = p_us
                if lim > 500000:  # res * 1000 stays a small int
                    lim = 500000
                if res > lim:
                    res = lim
                elif res < -lim:
                    res = -lim
                d = n << 5  # 1/32 of the residual per read at most (the loop rings beyond)
                if d < _PERIOD_DIV:
                    d = _PERIOD_DIV
                self.period_ns = p + res * 1000 // d
                c = res >> _STEER_SHIFT
                lim = p_us >> 2
                if c > lim:
                    c = lim
                elif c < -lim:
                    c = -lim
                t_new = time.ticks_add(t_pred, c)
        else:
            far = False
        self._far = far
        self._t_prev = t_new
        self._t_ns = ns
        self.t_first_us = time.ticks_add(t_new, -((n - 1) * (self.period_ns // 1000)))
        return n
