# On-device 6-axis orientation filter: a reduced VQF in integer fixed point.
#
# Algorithm (after VQF's 6D part: D. Laidig, T. Seel, "VQF: Highly accurate IMU orientation
# estimation with bias estimation and magnetic disturbance rejection", Information Fusion 91
# (2023) 187-204, doi:10.1016/j.inffus.2022.10.014, arXiv:2203.17024):
#   1. strapdown integration of the bias-corrected gyro: q_g <- q_g * (1, w*dt/2), renormalised;
#   2. the accelerometer is rotated into that almost-inertial gyro frame and low-passed there
#      (two cascaded first-order stages, time constant TAU_ACC_S each): rotation passes through
#      the gyro, while translational acceleration, which averages out, is filtered away;
#   3. an inclination-correction quaternion q_a (a rotation of the gyro frame) is nudged every
#      sample so that the low-passed acceleration points along earth +z;
#   4. output q = q_a * q_g: sensor-to-earth, Hamilton, [w, x, y, z], earth z up, heading
#      arbitrary (6-axis: only inclination is observable; heading drifts with residual bias).
#   Gyro bias comes from firmware/bias.py (rest detection); VQF's motion bias estimation and
#   magnetometer parts are left out.
#
# Fixed point, so that the sample path allocates nothing on MicroPython (a float is a heap
# object on the ESP32 port) and every intermediate stays a small int (|x| < 2**30):
#   quaternions q_g, q_a: Q29 state; Q11 copies in the update products, Q14 in rotations;
#   gyro: raw counts; bias-corrected rate: 1/256 count (bias.py keeps 1/4096); half-angle: Q18 rad;
#   acc: raw >> shift so that 1 g ~ 1024 (clamped to +-8 g); rotated acc: 1 g ~ 4096;
#   acc low-pass state: 1 g ~ 2**20; its output and |v|: 1 g ~ 2048.
# Parameters with units are the module constants below; Fusion(...) takes the same names.

from array import array

from bias import Bias
from micropython import const

TAU_ACC_S = 3.0  # time constant of each acc low-pass stage in the gyro frame, s (VQF tauAcc)
MAX_STEP_RAD = 0.14  # per-axis half-angle per sample (clamp): 0.28 rad * odr_hz rad/s

_ONE = const(536870912)  # 1.0 in Q29
_ONE28 = const(268435456)  # 1.0 in Q28 (norm squared from Q14 parts)
_AU = const(10)  # acc unit: 1 g ~ 2**10 after the input shift
_ACLIP = const(8191)  # components clamped to +-8 g (8191 acc units): direction of gravity only
_LPF = const(8)  # extra fraction bits of the acc low-pass state


class Fusion:
    """Orientation from raw IMU counts in the kyphos sensor frame.

    odr_hz: sample rate, Hz. gyr_scale: rad/s per gyro count. acc_scale: m/s^2 per acc count.
    After update()/update_block(): qw, qx, qy, qz = orientation, Q14 (16384 = 1.0), Hamilton,
    sensor-to-earth, earth z up; bias = the Bias object (rest, converged, bx/by/bz).
    """

    def __init__(self, odr_hz, gyr_scale, acc_scale, tau_acc_s=TAU_ACC_S, bias=None):
        self.bias = bias if bias is not None else Bias(odr_hz, gyr_scale, acc_scale)
        self._gyr_scale = gyr_scale
        self._acc_scale = acc_scale
        self._tau = tau_acc_s
        self._rate(odr_hz, gyr_scale, acc_scale, tau_acc_s)
        self.reset()

    def set_odr(self, odr_hz):
        """Use a measured sample rate (e.g. 1e9 / imu.period_ns) from now on; keeps the state."""
        self._rate(odr_hz, self._gyr_scale, self._acc_scale, self._tau)

    def _rate(self, odr_hz, gyr_scale, acc_scale, tau_acc_s):
        # Gyro: h(Q18) = w(Q8 counts) * gyr_scale * dt / 2 * 2**10 = (w * _mg) >> _sg.
        kg = gyr_scale / odr_hz * 0.5 * 1024.0
        s = 0
        while kg * (1 << (s + 1)) < 16384:
            s += 1
        if s < 12:
            raise ValueError("gyro scale too coarse for fixed point")
        self._mg = int(kg * (1 << s) + 0.5)
        self._sg = s - 12
        self._hclip = int(MAX_STEP_RAD * (1 << 18))
        # Acc: shift raw counts so that 1 g ~ 2**10.
        per_g = 9.80665 / acc_scale
        a = 0
        while per_g / (1 << (a + 1)) >= (1 << _AU) * 0.75:
            a += 1
        self._ash = a
        # Two low-pass stages with time constant tau each: k = dt / tau, Q16.
        k = 1.0 / (odr_hz * tau_acc_s)
        self._k = int(k * 65536 + 0.5) or 1

    def reset(self):
        """Forget the orientation (the next sample re-initialises from gravity)."""
        self._init = True
        self._q = array("i", [_ONE, 0, 0, 0, _ONE, 0, 0, 0])  # q_g then q_a, Q29
        self._l = array("i", [0, 0, 0, 0, 0, 0])  # stage 1 xyz, stage 2 xyz
        self._one = array("h", [0, 0, 0, 0, 0, 0])  # update()'s one-sample block
        self._n = 1 << 11  # |low-passed acc|, 1 g ~ 2**11, tracked by Newton steps
        self.qw = 16384
        self.qx = 0
        self.qy = 0
        self.qz = 0

    def _start(self, ax, ay, az):
        # First sample: the inclination that puts this acc along +z (float math, once).
        import math

        n = math.sqrt(ax * ax + ay * ay + az * az)
        if n == 0:
            return False
        ux = ax / n
        uy = ay / n
        uz = az / n
        if uz < -0.999999:
            w, x, y = 0.0, 1.0, 0.0
        else:
            m = math.sqrt(2.0 * (1.0 + uz))
            w, x, y = 0.5 * m, uy / m, -ux / m
        q = self._q
        q[4] = int(w * _ONE)
        q[5] = int(x * _ONE)
        q[6] = int(y * _ONE)
        q[7] = 0
        lf = self._l
        s = 1 << (2 + _LPF)
        lf[0] = lf[3] = ax * s
        lf[1] = lf[4] = ay * s
        lf[2] = lf[5] = az * s
        self._n = int(n * 2)
        self._init = False
        return True

    def update(self, gx, gy, gz, ax, ay, az):
        """One sample, raw counts in the sensor frame. Allocation-free after the first."""
        b = self._one
        b[0] = ax
        b[1] = ay
        b[2] = az
        b[3] = gx
        b[4] = gy
        b[5] = gz
        self.update_block(b, 1, None)

    def _output(self):
        # q = q_a * q_g in Q14.
        q = self._q
        a = (q[4] + 16384) >> 15
        b = (q[5] + 16384) >> 15
        c = (q[6] + 16384) >> 15
        d = (q[7] + 16384) >> 15
        e = (q[0] + 16384) >> 15
        f = (q[1] + 16384) >> 15
        g = (q[2] + 16384) >> 15
        h = (q[3] + 16384) >> 15
        self.qw = (a * e - b * f - c * g - d * h + 8192) >> 14
        self.qx = (a * f + b * e + c * h - d * g + 8192) >> 14
        self.qy = (a * g - b * h + c * e + d * f + 8192) >> 14
        self.qz = (a * h + b * g - c * f + d * e + 8192) >> 14

    def update_block(self, buf, n, out=None):
        """n samples from buf (array('h'), 6 per sample: ax, ay, az, gx, gy, gz, as in the IMU
        frame); if out is given (array('h'), 4 per sample) the Q14 quaternions go there.
        Allocation-free after the first sample. One loop with every constant in a local: the
        interpreter's attribute lookups and calls would cost more than the arithmetic."""
        bias = self.bias
        sh = self._ash
        mg = self._mg
        sg = self._sg
        hc = self._hclip
        k = self._k
        q = self._q
        lf = self._l
        nrm = self._n
        j = 0
        for i in range(n):
            gx = buf[j + 3]
            gy = buf[j + 4]
            gz = buf[j + 5]
            ax = buf[j]
            ay = buf[j + 1]
            az = buf[j + 2]
            j += 6
            bias.update(gx, gy, gz, ax, ay, az)
            ax >>= sh
            ay >>= sh
            az >>= sh
            if ax > _ACLIP:
                ax = _ACLIP
            elif ax < -_ACLIP:
                ax = -_ACLIP
            if ay > _ACLIP:
                ay = _ACLIP
            elif ay < -_ACLIP:
                ay = -_ACLIP
            if az > _ACLIP:
                az = _ACLIP
            elif az < -_ACLIP:
                az = -_ACLIP
            if self._init:
                self._start(ax, ay, az)
                nrm = self._n
                self._output()
                if out is not None:
                    self._put(out, i)
                continue

            # 1. gyro strapdown. w: bias-corrected rate, 1/256 count; h: half-angle, Q18 rad.
            w = (gx << 8) - (bias.bx >> 4)
            hx = ((w >> 12) * mg + (((w & 4095) * mg) >> 12)) >> sg
            w = (gy << 8) - (bias.by >> 4)
            hy = ((w >> 12) * mg + (((w & 4095) * mg) >> 12)) >> sg
            w = (gz << 8) - (bias.bz >> 4)
            hz = ((w >> 12) * mg + (((w & 4095) * mg) >> 12)) >> sg
            if hx > hc:
                hx = hc
            elif hx < -hc:
                hx = -hc
            if hy > hc:
                hy = hc
            elif hy < -hc:
                hy = -hc
            if hz > hc:
                hz = hc
            elif hz < -hc:
                hz = -hc
            qw = q[0]
            qx = q[1]
            qy = q[2]
            qz = q[3]
            a = (qw + 131072) >> 18  # Q11 copies
            c = (qx + 131072) >> 18
            d = (qy + 131072) >> 18
            e = (qz + 131072) >> 18
            qw = qw - c * hx - d * hy - e * hz
            qx = qx + a * hx + d * hz - e * hy
            qy = qy + a * hy - c * hz + e * hx
            qz = qz + a * hz + c * hy - d * hx
            # renormalise: q * (3 - |q|^2) / 2, |q|^2 from Q14 parts
            a = (qw + 16384) >> 15
            c = (qx + 16384) >> 15
            d = (qy + 16384) >> 15
            e = (qz + 16384) >> 15
            e = (a * a + c * c + d * d + e * e - _ONE28) >> 10
            if e > 16383:
                e = 16383
            elif e < -16383:
                e = -16383
            qw -= ((qw >> 14) * e) >> 5
            qx -= ((qx >> 14) * e) >> 5
            qy -= ((qy >> 14) * e) >> 5
            qz -= ((qz >> 14) * e) >> 5
            q[0] = qw
            q[1] = qx
            q[2] = qy
            q[3] = qz

            # 2. acc into the gyro frame: v' = v + w t + q_v x t, t = 2 q_v x v (Q14 quaternion).
            qw = (qw + 16384) >> 15
            qx = (qx + 16384) >> 15
            qy = (qy + 16384) >> 15
            qz = (qz + 16384) >> 15
            tx = (qy * az - qz * ay + 4096) >> 13  # 2 q_v x v, acc units
            ty = (qz * ax - qx * az + 4096) >> 13
            tz = (qx * ay - qy * ax + 4096) >> 13
            ix = (ax << 2) + ((qw * tx + qy * tz - qz * ty + 2048) >> 12)  # 1 g ~ 2**12
            iy = (ay << 2) + ((qw * ty + qz * tx - qx * tz + 2048) >> 12)
            iz = (az << 2) + ((qw * tz + qx * ty - qy * tx + 2048) >> 12)

            # Low-pass, two stages; state 1 g ~ 2**20; y += (x - y) * k / 2**16, split multiply.
            d = (ix << _LPF) - lf[0]
            lf[0] += ((d >> 12) * k + (((d & 4095) * k) >> 12)) >> 4
            d = (iy << _LPF) - lf[1]
            lf[1] += ((d >> 12) * k + (((d & 4095) * k) >> 12)) >> 4
            d = (iz << _LPF) - lf[2]
            lf[2] += ((d >> 12) * k + (((d & 4095) * k) >> 12)) >> 4
            d = lf[0] - lf[3]
            vx = lf[3] + (((d >> 12) * k + (((d & 4095) * k) >> 12)) >> 4)
            lf[3] = vx
            d = lf[1] - lf[4]
            vy = lf[4] + (((d >> 12) * k + (((d & 4095) * k) >> 12)) >> 4)
            lf[4] = vy
            d = lf[2] - lf[5]
            vz = lf[5] + (((d >> 12) * k + (((d & 4095) * k) >> 12)) >> 4)
            lf[5] = vz
            vx = (vx + 128) >> 9  # 1 g ~ 2**11
            vy = (vy + 128) >> 9
            vz = (vz + 128) >> 9

            # 3. rotate by q_a into the earth frame (only x, y are needed), correct towards +z.
            pw = q[4]
            px = q[5]
            py = q[6]
            pz = q[7]
            a = (pw + 16384) >> 15
            c = (px + 16384) >> 15
            d = (py + 16384) >> 15
            e = (pz + 16384) >> 15
            tx = (d * vz - e * vy + 4096) >> 13
            ty = (e * vx - c * vz + 4096) >> 13
            tz = (c * vy - d * vx + 4096) >> 13
            ex = vx + ((a * tx + d * tz - e * ty + 8192) >> 14)
            ey = vy + ((a * ty + e * tx - c * tz + 8192) >> 14)
            # |v| by one Newton step from the last value (it changes slowly).
            vx >>= 1
            vy >>= 1
            vz >>= 1
            if nrm < 64:
                nrm = 64
            nrm = (nrm + (((vx * vx + vy * vy + vz * vz) << 2) // nrm)) >> 1
            # Small-angle correction (ey, -ex) / (2 |v|), Q18; at most |v|/8 per sample.
            m = nrm >> 3
            if ex > m:
                ex = m
            elif ex < -m:
                ex = -m
            if ey > m:
                ey = m
            elif ey < -m:
                ey = -m
            r = 536870912 // nrm  # 2**29 / |v|
            cx = (ey * r) >> 12
            cy = -((ex * r) >> 12)
            # q_a <- (1, cx, cy, 0) * q_a, Q11 copies times Q18 -> Q29, then renormalise.
            a = (pw + 131072) >> 18
            c = (px + 131072) >> 18
            d = (py + 131072) >> 18
            e = (pz + 131072) >> 18
            pw = pw - cx * c - cy * d
            px = px + cx * a + cy * e
            py = py + cy * a - cx * e
            pz = pz + cx * d - cy * c
            a = (pw + 16384) >> 15
            c = (px + 16384) >> 15
            d = (py + 16384) >> 15
            e = (pz + 16384) >> 15
            e = (a * a + c * c + d * d + e * e - _ONE28) >> 10
            if e > 16383:
                e = 16383
            elif e < -16383:
                e = -16383
            q[4] = pw - (((pw >> 14) * e) >> 5)
            q[5] = px - (((px >> 14) * e) >> 5)
            q[6] = py - (((py >> 14) * e) >> 5)
            q[7] = pz - (((pz >> 14) * e) >> 5)
            if out is not None:
                self._output()
                self._put(out, i)
        self._n = nrm
        self._output()

    def _put(self, out, i):
        k = i << 2
        out[k] = self.qw
        out[k + 1] = self.qx
        out[k + 2] = self.qy
        out[k + 3] = self.qz
