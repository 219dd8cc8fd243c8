# Checks for firmware/coach.py: the slouch state machine (CPython with shims and MicroPython).
import checkenv
import frametools
import coach
import haptic

_STEP_MS = 100


class _Events:
    def __init__(self):
        self.got = []

    def __call__(self, kind, arg):
        self.got.append((kind, arg))


def _make(mode="training", dwell_s=5, threshold_deg=8, hysteresis_deg=3):
    ev = _Events()
    h = haptic.Haptic(None, ev, 80)
    c = coach.Coach(h)
    c.configure(threshold_deg, hysteresis_deg, dwell_s, mode == "training", frametools.PATTERN_DOUBLE)
    return c, h, ev


def _run(c, h, t0, t1, flex_cdeg, moving=False):
    """Feed samples every _STEP_MS in [t0, t1); returns [(t, kind, value)] of coach events."""
    out = []
    t = t0
    while t < t1:
        k = c.update(flex_cdeg, moving, t)
        h.tick(t)
        if k:
            out.append((t, k, c.value))
        t += _STEP_MS
    return out


def check_no_events_before_calibration():
    c, h, ev = _make()
    assert _run(c, h, 0, 20000, 3000) == []
    assert not c.calibrated
    assert h.plays == 0


def check_calibrate_uses_latest_sample():
    c, h, ev = _make()
    assert not c.calibrate()  # no sample yet
    c.update(1234, False, 0)
    assert c.calibrate()
    assert c.reference_cdeg == 1234


def check_buzzes_after_dwell_not_before():
    c, h, ev = _make(dwell_s=5)
    c.set_reference(500)  # upright at 5 deg
    assert _run(c, h, 0, 3000, 600) == []  # 1 deg over upright: fine
    events = _run(c, h, 3000, 20000, 500 + 1500)  # 15 deg over upright from t = 3 s
    assert events[0] == (8000, frametools.SLOUCH_START, 150), events  # value in 0.1 deg
    assert h.plays >= 1
    assert ev.got[0] == (frametools.HAPTIC_ON, frametools.PATTERN_DOUBLE)
    assert c.slouching


def check_threshold_is_relative_to_upright():
    c, h, ev = _make(dwell_s=3, threshold_deg=8)
    c.set_reference(-2000)  # the clip sits tilted: upright reads -20 deg
    assert _run(c, h, 0, 10000, -2000 + 700) == []
    assert _run(c, h, 10000, 20000, -2000 + 900)[0][1] == frametools.SLOUCH_START


def check_hysteresis_and_episode_length():
    c, h, ev = _make(dwell_s=5, threshold_deg=8, hysteresis_deg=3)
    c.set_reference(0)
    start = _run(c, h, 0, 10000, 1000)
    assert start[0][1] == frametools.SLOUCH_START
    assert _run(c, h, 10000, 12000, 600) == []  # 6 deg: between release (5) and threshold (8)
    assert c.slouching
    end = _run(c, h, 12000, 13000, 400)  # 4 deg: below release
    assert end == [(12000, frametools.SLOUCH_END, 12)], end  # started at t = 0, 12 s long
    assert not c.slouching


def check_brief_dip_below_threshold_does_not_restart_dwell():
    c, h, ev = _make(dwell_s=5)
    c.set_reference(0)
    _run(c, h, 0, 3000, 1000)
    _run(c, h, 3000, 3500, 700)  # under threshold, over release
    assert _run(c, h, 3500, 6000, 1000)[0][:2] == (5000, frametools.SLOUCH_START)


def check_no_alert_while_moving():
    c, h, ev = _make(dwell_s=5)
    c.set_reference(0)
    assert _run(c, h, 0, 60000, 4000, moving=True) == []  # e.g. lifting: bent and moving
    assert h.plays == 0


def check_movement_restarts_the_dwell():
    c, h, ev = _make(dwell_s=5)
    c.set_reference(0)
    assert _run(c, h, 0, 4000, 1500) == []
    assert _run(c, h, 4000, 4500, 1500, moving=True) == []
    # still again from 4.5 s; the 2 s settle time ends at 6.4 s, then 5 s of dwell
    events = _run(c, h, 4500, 20000, 1500)
    assert events[0][1] == frametools.SLOUCH_START
    assert 11000 <= events[0][0] <= 11600, events


def check_tracking_mode_records_but_never_buzzes():
    c, h, ev = _make(mode="tracking", dwell_s=3)
    c.set_reference(0)
    events = _run(c, h, 0, 30000, 2000)
    assert events[0][1] == frametools.SLOUCH_START
    assert h.plays == 0 and ev.got == []
    assert _run(c, h, 30000, 31000, 0)[0][1] == frametools.SLOUCH_END


def check_snooze_silences_buzz_until_it_ends():
    c, h, ev = _make(dwell_s=5)
    c.set_reference(0)
    c.snooze(60, 0)
    assert c.snoozed
    events = _run(c, h, 0, 30000, 2000)
    assert events[0][1] == frametools.SLOUCH_START  # still recorded
    assert h.plays == 0
    _run(c, h, 30000, 59900, 2000)
    assert h.plays == 0
    _run(c, h, 59900, 62000, 2000)  # snooze over at 60 s: the reminder due then buzzes
    assert not c.snoozed
    assert h.plays == 1


def check_reminders_repeat_every_dwell():
    c, h, ev = _make(dwell_s=10)
    c.set_reference(0)
    _run(c, h, 0, 45000, 2000)  # alert at 10 s, reminders at 20, 30, 40 s
    assert h.plays == 4
    assert c.alerts == 4


def check_works_across_tick_wrap():
    c, h, ev = _make(dwell_s=5)
    c.set_reference(0)
    t0 = (1 << 30) - 2000  # ticks_ms wraps at 2**30
    t = t0
    got = []
    for _ in range(100):
        k = c.update(2000, False, t)
        if k:
            got.append(k)
        t = (t + _STEP_MS) & ((1 << 30) - 1)
    assert got == [frametools.SLOUCH_START]


def check_configure_from_config_values():
    import config

    v = config.defaults()
    v["slouch_threshold_deg"] = 12
    v["coach_mode"] = "tracking"
    v["haptic_pattern"] = "long"
    c = coach.Coach(None)
    c.configure_from(v)
    assert c.threshold_cdeg == 1200
    assert c.release_cdeg == 1200 - v["slouch_hysteresis_deg"] * 100
    assert c.dwell_ms == v["slouch_dwell_s"] * 1000
    assert not c.training
    assert c.pattern == frametools.PATTERN_LONG


def check_update_allocates_nothing():
    # coach.update and haptic.tick on the sample path, alerts and episode ends included.
    h = haptic.Haptic(None, None, 80)
    c = coach.Coach(h)
    c.configure(8, 3, 1, True, frametools.PATTERN_DOUBLE)
    c.set_reference(0)
    _run(c, h, 0, 3000, 2000)  # warm up
    _run(c, h, 3000, 4000, 0)
    flex = (0, 2000, 300, 2000)
    state = [0, 4000]  # sample index, t_ms

    def step():
        i = state[0]
        c.update(flex[(i >> 4) & 3], False, state[1])
        h.tick(state[1])
        state[0] = i + 1
        state[1] += 100

    for _ in range(400):
        step()
    per = checkenv.alloc_per_call(step, 400)
    if per is not None:
        print("allocation, coach.update + haptic.tick:", per, "bytes per call")
    assert c.alerts >= 5  # the measured calls did raise alerts
    assert per is None or per == 0, per


def check_moving_from_raw_gyro():
    limit = coach.gyr_limit_raw(20, 1000)  # 20 deg/s at +-1000 deg/s full scale
    assert limit == 655
    assert not coach.is_moving(0, 0, 0, limit)
    assert not coach.is_moving(655, -655, 100, limit)
    assert coach.is_moving(0, 656, 0, limit)
    assert coach.is_moving(0, 0, -700, limit)
    per = checkenv.alloc_per_call(lambda: coach.is_moving(10, -700, 3, limit), 100)
    assert per is None or per == 0, per


def _press_run(p, script, t_end, step=10):
    """script: [(t_ms, pressed)] level changes; returns [(t, press)] reported."""
    out = []
    level = False
    i = 0
    for t in range(0, t_end, step):
        while i < len(script) and script[i][0] <= t:
            level = script[i][1]
            i += 1
        k = p.update(level, t)
        if k:
            out.append((t, k))
    return out


def check_button_short_long_double():
    p = coach.Presses()
    assert _press_run(p, [(100, True), (250, False)], 2000) == [(660, frametools.PRESS_SHORT)]
    p = coach.Presses()
    got = _press_run(p, [(100, True), (1500, False)], 3000)
    assert got == [(1100, frametools.PRESS_LONG)], got  # reported while still held
    p = coach.Presses()
    got = _press_run(p, [(100, True), (200, False), (400, True), (500, False)], 2000)
    assert got == [(500, frametools.PRESS_DOUBLE)], got
    p = coach.Presses()  # too slow for a double: two shorts
    got = _press_run(p, [(100, True), (200, False), (800, True), (900, False)], 2000)
    assert [k for _, k in got] == [frametools.PRESS_SHORT, frametools.PRESS_SHORT], got


def check_button_bounce_is_ignored():
    p = coach.Presses()
    script = [(100, True), (105, False), (110, True), (115, False), (120, True), (300, False)]
    got = _press_run(p, script, 1500, step=5)
    assert [k for _, k in got] == [frametools.PRESS_SHORT], got


def check_integer_atan2_matches_math():
    import math

    worst = 0
    for i in range(0, 3600, 7):
        r = math.radians(i / 10)
        for mag in (300, 4096, 16384, 32000):
            x = int(round(mag * math.cos(r)))
            y = int(round(mag * math.sin(r)))
            want = math.degrees(math.atan2(y, x)) * 100
            err = abs(coach.atan2_cdeg(y, x) - want)
            err = min(err, 36000 - err)
            worst = max(worst, err)
    assert worst <= 12, worst  # 0.12 deg, including rounding of the inputs
    assert coach.atan2_cdeg(0, 0) == 0


def check_flexion_from_quaternion():
    import math

    # The sensor-to-earth rotation of a trunk bent forward by t, built from its columns.
    for deg in (-30, -5, 0, 5, 10, 20, 45, 80, 120):
        t = math.radians(deg)
        c, s = math.cos(t), math.sin(t)
        # columns = sensor axes in earth coordinates (earth z up, earth -y = anterior)
        xs = (0.0, -s, c)     # spine: up, tipping anterior
        ys = (1.0, 0.0, 0.0)  # wearer's left
        zs = (0.0, c, s)      # out of the back: posterior, tipping up
        r = ((xs[0], ys[0], zs[0]), (xs[1], ys[1], zs[1]), (xs[2], ys[2], zs[2]))
        w = math.sqrt(max(0.0, 1 + r[0][0] + r[1][1] + r[2][2])) / 2
        if w > 1e-3:
            qx = (r[2][1] - r[1][2]) / (4 * w)
            qy = (r[0][2] - r[2][0]) / (4 * w)
            qz = (r[1][0] - r[0][1]) / (4 * w)
        else:
            raise AssertionError("degenerate test rotation")  # not reached by these angles
        q = [int(round(v * 16384)) for v in (w, qx, qy, qz)]
        got = coach.flexion_cdeg_q14(q[0], q[1], q[2], q[3])
        assert abs(got - deg * 100) <= 20, (deg, got)
        acc = coach.flexion_cdeg_acc(int(4096 * c), int(4096 * s))
        assert abs(acc - deg * 100) <= 15, (deg, acc)
    per = checkenv.alloc_per_call(lambda: coach.flexion_cdeg_q14(15000, 200, -6000, 300), 50)
    assert per is None or per == 0, per
