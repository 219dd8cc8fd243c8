# Checks for firmware/haptic.py: patterns, events, the "motor ran" latch (CPython and MicroPython).
import checkenv
import frametools
import haptic


class _PWM:
    """Records duty_u16 writes, the only PWM call haptic makes."""

    def __init__(self):
        self.duty = 0
        self.writes = 0

    def duty_u16(self, v):
        self.duty = v
        self.writes += 1


class _Events:
    def __init__(self):
        self.got = []

    def __call__(self, kind, arg):
        self.got.append((kind, arg))


def _timeline(h, pwm, t0, t1, step=10):
    """[(t, on)] at every change of the motor drive between t0 and t1."""
    out = []
    last = None
    t = t0
    while t < t1:
        h.tick(t)
        on = pwm.duty > 0
        if on != last:
            out.append((t, on))
            last = on
        t += step
    return out


def check_double_pattern_timeline_and_events():
    pwm, ev = _PWM(), _Events()
    h = haptic.Haptic(pwm, ev, 100)
    assert pwm.duty == 0 and not h.on
    h.play(frametools.PATTERN_DOUBLE, 1000)
    assert h.on and h.active and pwm.duty == 65535
    assert ev.got == [(frametools.HAPTIC_ON, frametools.PATTERN_DOUBLE)]
    tl = _timeline(h, pwm, 1000, 2000)
    # on 150 ms, off 100 ms, on 150 ms
    assert tl == [(1000, True), (1150, False), (1250, True), (1400, False)], tl
    # HAPTIC_OFF only after the spin-down following the last pulse
    assert ev.got == [(frametools.HAPTIC_ON, 2), (frametools.HAPTIC_OFF, 0)]
    assert not h.active


def check_off_event_waits_for_spin_down():
    ev = _Events()
    h = haptic.Haptic(None, ev, 80)
    h.play(frametools.PATTERN_SHORT, 0)
    h.tick(150)
    assert not h.on and h.active  # drive off, motor still spinning down
    assert ev.got[-1][0] == frametools.HAPTIC_ON
    h.tick(229)
    assert h.active
    h.tick(230)
    assert not h.active
    assert ev.got[-1] == (frametools.HAPTIC_OFF, 0)


def check_strength_sets_duty():
    pwm = _PWM()
    h = haptic.Haptic(pwm, None, 50)
    h.play(frametools.PATTERN_LONG, 0)
    assert pwm.duty == 50 * 65535 // 100
    h.set_strength(100)  # applies to the running pulse too
    assert pwm.duty == 65535
    h.set_strength(250)
    assert h.duty_u16 == 65535


def check_stop_ends_with_off_event():
    pwm, ev = _PWM(), _Events()
    h = haptic.Haptic(pwm, ev, 80)
    h.play(frametools.PATTERN_LONG, 0)
    h.stop(100)
    assert pwm.duty == 0 and not h.on
    h.tick(150)
    assert h.active
    h.tick(180)
    assert not h.active and ev.got[-1] == (frametools.HAPTIC_OFF, 0)


def check_replay_while_active_sends_one_on_event():
    ev = _Events()
    h = haptic.Haptic(None, ev, 80)
    h.play(frametools.PATTERN_SHORT, 0)
    h.tick(100)
    h.play(frametools.PATTERN_DOUBLE, 100)
    for t in range(100, 1000, 10):
        h.tick(t)
    assert ev.got == [(frametools.HAPTIC_ON, 1), (frametools.HAPTIC_OFF, 0)]


def check_ran_latch_flags_each_batch_the_motor_touched():
    h = haptic.Haptic(None, None, 80)
    assert not h.take_ran()
    h.play(frametools.PATTERN_TICK, 0)  # 40 ms pulse
    h.tick(20)
    assert h.take_ran()  # batch 1: motor on
    h.tick(60)
    assert h.take_ran()  # batch 2: spinning down
    h.tick(200)
    assert not h.active
    assert not h.take_ran()  # batch 3: quiet


def check_short_pulse_inside_one_batch_is_not_missed():
    # The pulse starts and stops between two take_ran() calls.
    h = haptic.Haptic(None, None, 80)
    h.take_ran()
    h.play(frametools.PATTERN_TICK, 0)
    h.tick(500)  # pulse and spin-down both over
    assert not h.active
    assert h.take_ran()
    assert not h.take_ran()


def check_unknown_pattern_rejected():
    h = haptic.Haptic(None, None, 80)
    for bad in (0, len(haptic.PATTERNS), -1):
        try:
            h.play(bad, 0)
            raise AssertionError(f"pattern {bad} accepted")
        except ValueError:
            pass


def check_tick_and_take_ran_allocate_nothing():
    pwm = _PWM()
    h = haptic.Haptic(pwm, None, 80)
    state = [0]

    def step():
        t = state[0]
        if t % 600 == 0:
            h.play(frametools.PATTERN_TRIPLE, t)
        h.tick(t)
        h.take_ran()
        state[0] = t + 10

    for _ in range(1200):
        step()
    per = checkenv.alloc_per_call(step, 1200)
    if per is not None:
        print("allocation, haptic.tick + take_ran:", per, "bytes per call")
    assert pwm.writes > 100
    assert per is None or per == 0, per


class _Pin:
    def __init__(self):
        self.v = None

    def value(self, v):
        self.v = 1 if v else 0


def _lit(b, pin, t0, t1, step=10):
    """Times (ms) in [t0, t1) at which the LED is lit."""
    out = []
    for t in range(t0, t1, step):
        b.tick(t)
        if b.on:
            assert pin.v == (0 if b.active_low else 1)
            out.append(t)
        else:
            assert pin.v == (1 if b.active_low else 0)
    return out


def check_led_codes_blink_as_documented():
    pin = _Pin()
    b = haptic.Blinker(pin, active_low=True)  # XIAO ESP32-S3's LED is lit when low
    assert pin.v == 1 and not b.on
    b.show(frametools.LED_BOOT, 0)
    assert b.on and pin.v == 0
    b.show(frametools.LED_CONNECTED, 1000)
    lit = _lit(b, pin, 1000, 5000)
    # two 50 ms flashes, 150 ms apart, every 2 s
    assert lit == [t for t in range(1000, 5000, 10) if (t - 1000) % 2000 < 50
                   or 200 <= (t - 1000) % 2000 < 250], lit
    b.show(frametools.LED_OFF, 5000)
    assert _lit(b, pin, 5000, 9000) == []
    for code in range(len(haptic.LED_CODES)):
        period, steps = haptic.LED_CODES[code]
        assert sum(steps) < period or period == 0
    assert len(frametools.LED_NAMES) == len(haptic.LED_CODES)


def check_led_tick_allocates_nothing():
    pin = _Pin()
    b = haptic.Blinker(pin)
    b.show(frametools.LED_LOW_BATTERY, 0)
    state = [0]

    def step():
        b.tick(state[0])
        state[0] += 10

    per = checkenv.alloc_per_call(step, 800)
    assert per is None or per == 0, per
