# ruff: noqa: UP031
# Checks for firmware/bias.py: rest detection, start-up bias estimate, tracking while still.
import bias
import checkenv

ODR = 104
GYR = 35e-3 * 0.017453292519943295  # rad/s per count (LSM6 +-1000 dps)
ACC = 0.244e-3 * 9.80665  # m/s^2 per count (+-8 g)
ONE_G = 4098  # counts


def _feed(b, n, g=(0, 0, 0), a=(ONE_G, 0, 0), wobble=0):
    for i in range(n):
        w = wobble if i & 1 else -wobble
        b.update(g[0] + w, g[1], g[2], a[0], a[1], a[2])


def check_bias_converges_at_the_first_rest():
    b = bias.Bias(ODR, GYR, ACC)
    _feed(b, 100, g=(40, -25, 7))  # under 1.5 s: not yet at rest
    assert not b.rest and not b.converged
    _feed(b, 100, g=(40, -25, 7))
    assert b.rest and b.converged
    assert abs(b.bx - 40 * 4096) < 4096 // 4, b.bx
    assert abs(b.by + 25 * 4096) < 4096 // 4 and abs(b.bz - 7 * 4096) < 4096 // 4


def check_motion_is_not_rest_and_keeps_the_bias():
    b = bias.Bias(ODR, GYR, ACC)
    _feed(b, 300, g=(20, 0, 0))
    bx = b.bx
    _feed(b, 300, g=(20, 0, 0), wobble=200)  # +-7 deg/s of shaking
    assert not b.rest
    assert b.bx == bx
    b2 = bias.Bias(ODR, GYR, ACC)
    _feed(b2, 300, a=(ONE_G, 0, 0))
    for i in range(300):  # still gyro, but the trunk is bumped (acc +-0.6 m/s^2)
        b2.update(0, 0, 0, ONE_G + (250 if i & 1 else -250), 0, 0)
    assert not b2.rest


def check_a_slow_steady_turn_is_not_taken_for_bias():
    b = bias.Bias(ODR, GYR, ACC)
    _feed(b, 400, g=(0, 0, 200))  # 7 deg/s, perfectly smooth
    assert not b.rest and not b.converged


def check_bias_tracks_a_drift_while_still():
    b = bias.Bias(ODR, GYR, ACC)
    _feed(b, 300, g=(10, 10, 10))
    assert b.converged
    _feed(b, 104 * 20, g=(16, 10, 10))  # 20 s still with the bias moved by 6 counts
    assert abs(b.bx - 16 * 4096) < 4096 // 2, b.bx / 4096
    assert abs(b.by - 10 * 4096) < 4096 // 4


def check_update_allocates_nothing():
    b = bias.Bias(ODR, GYR, ACC)
    _feed(b, 300, g=(3, 4, 5))
    per_call = checkenv.alloc_per_call(lambda: b.update(3, 4, 5, ONE_G, 1, -1), 64)
    print("bias.update: %s bytes per sample" % per_call)
    assert per_call is None or per_call == 0, per_call
