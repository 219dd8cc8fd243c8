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
_PERIOD_SHIFT = const(4)  # period estimate follows measured spacing with weight 1/16
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
        self._t_first_read = True  # the next read only sets the timing reference
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
        self.lost = d.dropped != lost0
        if n == 0:
            return 0
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
        # Timestamps: the driver gives the newest sample's board time; the period estimate
        # follows the measured spacing (crystal vs. chip oscillator) slowly.
        t_new = d.t_newest_us
        dt = time.ticks_diff(t_new, self._t_prev)
        self._t_prev = t_new
        p = self.period_ns
        # The first read after configure() has no earlier *sample* time to measure from (the
        # driver's t_newest_us was the configure time, not a sample's): it only sets the
        # reference. Measured from there, the first estimate was off by up to a period over n
        # (+0.34 % on the MicroPython runtime), enough to re-tune the filter (app: > 0.2 %).
        first = self._t_first_read
        self._t_first_read = False
        if not first and 0 < dt < 1000000 and n < max_n and not self.lost:
            meas = dt * 1000 // n
            if p // 2 < meas < p * 2:
                self.period_ns = p + (meas - p) // (1 << _PERIOD_SHIFT)
        self.t_first_us = time.ticks_add(t_new, -((n - 1) * (self.period_ns // 1000)))
        return n
