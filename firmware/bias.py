# Gyro bias: estimated at the first rest after start-up and tracked whenever the wearer is still.
#
# Rest is declared when, for rest_min_s, every gyro axis stays within rest_gyr_dps of its own
# low-pass value (time constant ~lp_tau_s), every accelerometer axis within rest_acc_mps2 of its
# low-pass value, and the low-passed rate itself is below clip_dps (a steady turn is not rest;
# the same test as VQF's rest detection, Laidig & Seel 2023, doi:10.1016/j.inffus.2022.10.014).
# At the first rest the bias jumps to the low-passed gyro (converged = True); at every later rest
# it follows the low-passed gyro with time constant track_tau_s.
#
# Integer only, no allocation per sample: gyro LPF and bias in 1/4096 count (Q12), acc LPF in
# 1/16 count (Q4); every value stays far inside MicroPython's small-int range (|x| < 2**30).
# Time constants become shifts: tau is rounded to odr_hz * tau = 2**n samples.

from array import array

from micropython import const

_GQ = const(12)  # gyro LPF and bias fraction bits
_AQ = const(4)  # acc LPF fraction bits

# Parameters (units in the names; defaults follow VQF's restThGyr 2 deg/s, restThAcc 0.5 m/s^2,
# restMinT 1.5 s, restFilterTau 0.5 s; clip_dps is wider than VQF's 2 deg/s because MEMS hobby
# parts such as the MPU-6050 ship with several deg/s of bias).
REST_GYR_DPS = 2.0
REST_ACC_MPS2 = 0.5
REST_MIN_S = 1.5
LP_TAU_S = 0.5
TRACK_TAU_S = 4.0
CLIP_DPS = 4.0


def shift_for(odr_hz, tau_s):
    """n such that a first-order low-pass y += (x - y) >> n has time constant ~tau_s."""
    k = odr_hz * tau_s
    n = 0
    while (1 << (n + 1)) <= k * 1.41421356:
        n += 1
    return n


class Bias:
    """Rest detector and gyro bias estimate, fed raw counts in the sensor frame.

    gyr_scale is rad/s per count and acc_scale m/s^2 per count (the IMU frame scales).
    After update(): bx, by, bz = bias in 1/4096 count; rest; converged.
    """

    def __init__(self, odr_hz, gyr_scale, acc_scale, rest_gyr_dps=REST_GYR_DPS,
                 rest_acc_mps2=REST_ACC_MPS2, rest_min_s=REST_MIN_S, lp_tau_s=LP_TAU_S,
                 track_tau_s=TRACK_TAU_S, clip_dps=CLIP_DPS):
        dps = gyr_scale * 57.29577951308232
        self._thg = int(rest_gyr_dps / dps * (1 << _GQ))
        self._clip = int(clip_dps / dps * (1 << _GQ))
        self._tha = int(rest_acc_mps2 / acc_scale * (1 << _AQ))
        self._nmin = int(rest_min_s * odr_hz + 0.5)
        self._nlp = shift_for(odr_hz, lp_tau_s)
        self._ntr = shift_for(odr_hz, track_tau_s)
        self.reset()

    def reset(self):
        self.bx = 0
        self.by = 0
        self.bz = 0
        self.rest = False
        self.converged = False
        self._n = 0  # samples the rest conditions have held (saturates)
        self._first = True
        self._s = array("i", [0, 0, 0, 0, 0, 0])  # gyro LPF x, y, z (Q12), acc LPF (Q4)

    def update(self, gx, gy, gz, ax, ay, az):
        """One sample of raw counts. Allocation-free."""
        s = self._s
        gx <<= _GQ
        gy <<= _GQ
        gz <<= _GQ
        ax <<= _AQ
        ay <<= _AQ
        az <<= _AQ
        if self._first:
            self._first = False
            s[0] = gx
            s[1] = gy
            s[2] = gz
            s[3] = ax
            s[4] = ay
            s[5] = az
            return
        n = self._nlp
        # deviations from the low-pass values, then the low-pass step
        gx -= s[0]
        gy -= s[1]
        gz -= s[2]
        ax -= s[3]
        ay -= s[4]
        az -= s[5]
        lx = s[0] + (gx >> n)
        ly = s[1] + (gy >> n)
        lz = s[2] + (gz >> n)
        s[0] = lx
        s[1] = ly
        s[2] = lz
        s[3] += ax >> n
        s[4] += ay >> n
        s[5] += az >> n
        t = self._thg
        c = self._clip
        a = self._tha
        if (-t < gx < t and -t < gy < t and -t < gz < t
                and -c < lx < c and -c < ly < c and -c < lz < c
                and -a < ax < a and -a < ay < a and -a < az < a):
            k = self._n + 1
            if k > 0x3FFFFFFF:
                k = 0x3FFFFFFF
            self._n = k
        else:
            self._n = 0
            self.rest = False
            return
        if k < self._nmin:
            return
        self.rest = True
        if not self.converged:
            self.bx = lx
            self.by = ly
            self.bz = lz
            self.converged = True
            return
        n = self._ntr
        self.bx += (lx - self.bx) >> n
        self.by += (ly - self.by) >> n
        self.bz += (lz - self.bz) >> n
