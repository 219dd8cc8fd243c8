# ruff: noqa: UP031
# Checks for firmware/fusion.py: conventions, gyro integration, inclination correction, bias,
# integer-only bounds and allocation. Quaternions are Q14 [w, x, y, z], sensor-to-earth, z up.
import math
from array import array

import checkenv
import fusion

ODR = 104
GYR = 35e-3 * 0.017453292519943295  # rad/s per count (+-1000 dps)
ACC = 0.244e-3 * 9.80665  # m/s^2 per count (+-8 g)
ONE_G = 4098


def _rot(f, v):
    # v rotated by the filter's quaternion (sensor -> earth), floats.
    w, x, y, z = f.qw / 16384, f.qx / 16384, f.qy / 16384, f.qz / 16384
    n = math.sqrt(w * w + x * x + y * y + z * z)
    w, x, y, z = w / n, x / n, y / n, z / n
    tx = 2 * (y * v[2] - z * v[1])
    ty = 2 * (z * v[0] - x * v[2])
    tz = 2 * (x * v[1] - y * v[0])
    return (v[0] + w * tx + y * tz - z * ty, v[1] + w * ty + z * tx - x * tz,
            v[2] + w * tz + x * ty - y * tx)


def _angle_deg(a, b):
    d = sum(a[i] * b[i] for i in range(3))
    na = math.sqrt(sum(c * c for c in a))
    nb = math.sqrt(sum(c * c for c in b))
    return math.degrees(math.acos(max(-1.0, min(1.0, d / (na * nb)))))


def _run(f, n, g=(0, 0, 0), a=(0, 0, ONE_G)):
    for _ in range(n):
        f.update(g[0], g[1], g[2], a[0], a[1], a[2])


def check_first_sample_sets_the_inclination_from_gravity():
    for a in ((0, 0, ONE_G), (ONE_G, 0, 0), (0, -ONE_G, 0), (2000, 1500, -3000), (0, 0, -ONE_G)):
        f = fusion.Fusion(ODR, GYR, ACC)
        _run(f, 1, a=a)
        # the measured specific force must point up in the earth frame
        assert _angle_deg(_rot(f, a), (0, 0, 1)) < 0.2, (a, f.qw, f.qx, f.qy, f.qz)
        assert abs(f.qw * f.qw + f.qx * f.qx + f.qy * f.qy + f.qz * f.qz - 16384 * 16384) < 16384 * 8


def check_upright_wearer_has_the_spine_axis_vertical():
    f = fusion.Fusion(ODR, GYR, ACC)
    _run(f, 300, a=(ONE_G, 0, 0))  # standing still: acc +x (docs/protocol.md, IMU frame)
    assert _angle_deg(_rot(f, (1, 0, 0)), (0, 0, 1)) < 0.2


def check_gyro_turn_integrates_the_right_angle_and_direction():
    f = fusion.Fusion(ODR, GYR, ACC)
    _run(f, 1)
    # +z turn at 90 deg/s for 1 s (counts = 90 / 0.035), chip flat: heading turns +90 deg
    _run(f, ODR, g=(0, 0, int(round(90 / 0.035))))
    x_e = _rot(f, (1, 0, 0))
    heading = math.degrees(math.atan2(x_e[1], x_e[0]))
    assert abs(heading - 90 * (104 / 104)) < 1.5, heading


def check_tilt_from_gyro_then_acc_agrees():
    f = fusion.Fusion(ODR, GYR, ACC)
    _run(f, 1)
    # rotate +30 deg about sensor y in 0.5 s while acc follows the true tilt
    rate = int(round(60 / 0.035))
    for i in range(ODR // 2):
        ang = math.radians(60 * (i + 1) / ODR)
        f.update(0, rate, 0, int(-ONE_G * math.sin(ang)), 0, int(ONE_G * math.cos(ang)))
    z_e = _rot(f, (0, 0, 1))
    tilt = _angle_deg(z_e, (0, 0, 1))
    assert abs(tilt - 30) < 1.0, tilt
    _run(f, ODR * 10, a=(int(-ONE_G * 0.5), 0, int(ONE_G * math.cos(math.radians(30)))))
    assert abs(_angle_deg(_rot(f, (0, 0, 1)), (0, 0, 1)) - 30) < 0.5


def check_acc_corrects_a_wrong_inclination_with_tau_acc():
    f = fusion.Fusion(ODR, GYR, ACC)
    _run(f, 1)
    # gravity jumps to 10 deg tilt without gyro motion: the estimate moves slowly
    a = (int(ONE_G * math.sin(math.radians(10))), 0, int(ONE_G * math.cos(math.radians(10))))
    _run(f, ODR * 1, a=a)
    err1 = _angle_deg(_rot(f, a), (0, 0, 1))
    assert err1 > 7, err1  # after 1 s most of the error remains (two 3 s stages)
    _run(f, ODR * 30, a=a)
    err30 = _angle_deg(_rot(f, a), (0, 0, 1))
    assert err30 < 0.3, err30


def check_gyro_bias_is_removed_after_rest():
    f = fusion.Fusion(ODR, GYR, ACC)
    _run(f, 3 * ODR, g=(30, -20, 15))  # 1 deg/s bias, still
    assert f.bias.converged and f.bias.rest
    _run(f, 20 * ODR, g=(30, -20, 15))  # the tilt picked up before convergence decays
    assert _angle_deg(_rot(f, (0, 0, 1)), (0, 0, 1)) < 0.3
    x0 = _rot(f, (1, 0, 0))
    _run(f, 10 * ODR, g=(30, -20, 15))
    x1 = _rot(f, (1, 0, 0))
    drift = math.degrees(math.atan2(x1[1], x1[0]) - math.atan2(x0[1], x0[0]))
    assert abs(drift) < 0.2, drift  # 10 s of heading: 7.5 deg without the bias estimate


def check_extreme_inputs_stay_small_ints_and_finite():
    f = fusion.Fusion(26, 70e-3 * 0.017453292519943295, 0.488e-3 * 9.80665)
    vals = (32767, -32768, 0, 12345, -32768)
    for i in range(500):
        v = vals[i % 5]
        u = vals[(i * 3) % 5]
        f.update(v, u, -v if v > -32768 else v, u, v, vals[(i * 7) % 5])
    n = f.qw * f.qw + f.qx * f.qx + f.qy * f.qy + f.qz * f.qz
    assert abs(n - 16384 * 16384) < 16384 * 200, n
    for v in (f.qw, f.qx, f.qy, f.qz):
        assert -16500 < v < 16500


def check_update_allocates_nothing():
    f = fusion.Fusion(ODR, GYR, ACC)
    _run(f, 300, g=(3, -2, 1), a=(ONE_G, 100, -200))
    per_call = checkenv.alloc_per_call(lambda: f.update(700, -300, 1200, 3900, 500, -900), 64)
    print("fusion.update: %s bytes per sample" % per_call)
    assert per_call is None or per_call == 0, per_call
    # worst case for the fixed-point bounds: full-scale rates and 8 g on every axis
    per_call = checkenv.alloc_per_call(lambda: f.update(32767, -32768, 32767, 32767, -32768, 32767), 64)
    assert per_call is None or per_call == 0, per_call


def check_update_block_fills_quaternions_without_allocating():
    f = fusion.Fusion(ODR, GYR, ACC)
    n = 20
    buf = array("h", bytes(12 * n))
    for i in range(n):
        buf[6 * i] = ONE_G
        buf[6 * i + 5] = 100
    out = array("h", bytes(8 * n))
    f.update_block(buf, n, out)
    assert out[4 * (n - 1)] == f.qw and out[4 * (n - 1) + 3] == f.qz
    per_call = checkenv.alloc_per_call(lambda: f.update_block(buf, n, out), 8)
    print("fusion.update_block: %s bytes per block of %d" % (per_call, n))
    assert per_call is None or per_call == 0, per_call


def check_same_numbers_on_every_interpreter():
    # Integer-only arithmetic: CPython (the BROAD benchmark) and MicroPython give the same
    # quaternions bit for bit. Expected values computed on CPython.
    f = fusion.Fusion(ODR, GYR, ACC)
    x = 12345
    for i in range(600):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        r = (x >> 8) & 0x3FF
        t = i % 200
        tri = t if t < 100 else 200 - t
        f.update(tri * 9 - 450 + (r & 15), 40 - (r & 31), (r >> 5) - 16,
                 3000 + tri * 10, tri * 20 - 1000, 1500 - (r & 63))
    assert (f.qw, f.qx, f.qy, f.qz) == (13988, -1450, -8372, -755), (f.qw, f.qx, f.qy, f.qz)
