# Posture coach: the slouch state machine, in integer centi-degrees and milliseconds.
#
# API for the runtime (call update() once per orientation sample or batch):
#   coach = Coach(haptic)                  # haptic: a haptic.Haptic or None
#   coach.configure_from(cfg.values)       # thresholds, dwell, mode, pattern
#   coach.calibrate()                      # upright reference = the latest flexion (long press
#                                          # or CMD CALIBRATE); or coach.set_reference(cdeg)
#   kind = coach.update(flexion_cdeg, moving, t_ms)   # 0, or an EVENT kind with coach.value
#            flexion_cdeg = flexion_cdeg_q14(w, x, y, z) from the fusion's Q14 quaternion
#   coach.snooze(seconds, t_ms); coach.snoozed; coach.training; coach.slouching
#   p = Presses(); press = p.update(button_down, t_ms)  # 0 or PRESS_SHORT/LONG/DOUBLE:
#            long = calibrate, double = snooze for snooze_s (again: end it), short = a marker
#   moving = is_moving(gx, gy, gz, gyr_limit_raw(cfg["moving_gyr_dps"], cfg["gyr_fs_dps"]))
#            (or the fusion's "not at rest"), with lifts detected by the runtime counted as moving
# update() allocates nothing: integers only, no containers, and returns a small int
# (EVENT kind 1 SLOUCH_START with value = flexion above upright in 0.1 deg, or 2 SLOUCH_END
# with value = episode length in s, saturating at 32767), 0 otherwise.
#
# Rules (defaults and their sources in docs/firmware.md):
# - a slouch candidate starts when flexion exceeds reference + threshold while the wearer is
#   still; it must last `dwell` before an alert (SLOUCH_START, and a buzz in training mode);
# - it ends (SLOUCH_END) when flexion drops below reference + threshold - hysteresis;
# - while slouched, the buzz repeats every `dwell` (reminders; no new event);
# - movement (walking, lifting, reaching) resets the dwell count and silences alerts, and
#   keeps doing so for _MOVE_HOLD_MS after the last moving sample;
# - snooze silences the buzz but still records the events; tracking mode never buzzes.

from micropython import const

from time import ticks_add, ticks_diff

_SLOUCH_START = const(1)
_SLOUCH_END = const(2)

_UPRIGHT = const(0)
_CANDIDATE = const(1)
_SLOUCHED = const(2)

_MOVE_HOLD_MS = const(2000)  # settle time after movement before a slouch may count again
_MAX_EPISODE_S = const(32767)

# Haptic pattern ids (haptic.py) for the config's haptic_pattern names.
_PATTERN_SHORT = const(1)  # haptic.py's
_PATTERN_DOUBLE = const(2)
_PATTERN_LONG = const(3)
_PATTERN_TRIPLE = const(4)
PATTERN_IDS = {"short": _PATTERN_SHORT, "double": _PATTERN_DOUBLE,
               "long": _PATTERN_LONG, "triple": _PATTERN_TRIPLE}


# Button presses, as EVENT BUTTON args: 1 short, 2 long, 3 double.
_PRESS_SHORT = const(1)
_PRESS_LONG = const(2)
_PRESS_DOUBLE = const(3)
_DEBOUNCE_MS = const(30)
_LONG_MS = const(1000)
_DOUBLE_MS = const(400)


class Presses:
    """Turns the button's level into presses: update(pressed, t_ms) every loop pass (or
    from the pin IRQ's scheduled handler) returns 0 or PRESS_*. A long press is reported
    while still held, at _LONG_MS, so the wearer feels the confirmation buzz; a short press
    only after _DOUBLE_MS without a second one. Allocation-free."""

    def __init__(self):
        self._down = False
        self._t_edge = 0       # last accepted level change
        self._t_down = 0
        self._long_sent = False
        self._second = False   # this press is the second of a double
        self._waiting = False  # a short press may still become a double
        self._t_up = 0

    def update(self, pressed, t_ms):
        if pressed != self._down:
            if ticks_diff(t_ms, self._t_edge) < _DEBOUNCE_MS:
                return 0  # contact bounce
            self._down = pressed
            self._t_edge = t_ms
            if pressed:
                self._t_down = t_ms
                self._long_sent = False
                self._second = self._waiting and ticks_diff(t_ms, self._t_up) <= _DOUBLE_MS
                self._waiting = False
                return 0
            if self._long_sent:
                return 0
            if self._second:
                self._second = False
                return _PRESS_DOUBLE
            self._waiting = True
            self._t_up = t_ms
            return 0
        if self._down:
            if not self._long_sent and ticks_diff(t_ms, self._t_down) >= _LONG_MS:
                self._long_sent = True
                self._second = False
                return _PRESS_LONG
        elif self._waiting and ticks_diff(t_ms, self._t_up) > _DOUBLE_MS:
            self._waiting = False
            return _PRESS_SHORT
        return 0


def atan2_cdeg(y, x):
    """atan2(y, x) in 0.01 deg (-18000 .. 18000), integers only (max error ~0.1 deg) for
    |x|, |y| < 2**15. Uses atan(t) ~ pi/4 t - t(t - 1)(0.2447 + 0.0663 t) on [0, 1]
    (Rajan et al. 2006, "Efficient approximations for the arctangent function")."""
    ax = x if x >= 0 else -x
    ay = y if y >= 0 else -y
    if ax == 0 and ay == 0:
        return 0
    swap = ay > ax
    t = (ax << 14) // ay if swap else (ay << 14) // ax  # Q14, 0..16384
    a = 4500 * t // 16384 + ((((t * (16384 - t)) >> 14) * (4009 + ((1086 * t) >> 14))) >> 14) \
        * 5730 // 16384
    if swap:
        a = 9000 - a
    if x < 0:
        a = 18000 - a
    return -a if y < 0 else a


def flexion_cdeg_q14(w, x, y, z):
    """Sagittal inclination of the sensor in 0.01 deg (+ forward), from a Q14 sensor-to-earth
    quaternion (a QUAT sample). Earth 'up' seen in the sensor frame is the third row of the
    rotation matrix, (2(xz - wy), 2(yz + wx), 1 - 2(x^2 + y^2)); with the sensor's x up the
    spine and z out of the back, bending forward by t makes it (cos t, 0, sin t)."""
    ux = (x * z - w * y) >> 13
    uz = 16384 - ((x * x + y * y) >> 13)
    return atan2_cdeg(uz, ux)


def flexion_cdeg_acc(ax, az):
    """The same inclination from raw accelerometer counts at rest (the specific force
    points up): a fallback when fusion is off."""
    return atan2_cdeg(az, ax)


def gyr_limit_raw(moving_gyr_dps, gyr_fs_dps):
    """The config's moving_gyr_dps as raw gyro counts at full scale +-gyr_fs_dps (an i16
    spans +-32768 counts), for is_moving()."""
    return moving_gyr_dps * 32768 // gyr_fs_dps


def is_moving(gx, gy, gz, limit_raw):
    """True if any raw gyro axis turns faster than limit_raw counts (no allocation)."""
    return gx > limit_raw or gx < -limit_raw or gy > limit_raw or gy < -limit_raw \
        or gz > limit_raw or gz < -limit_raw


class Coach:
    def __init__(self, haptic=None):
        self.haptic = haptic
        self.threshold_cdeg = 800
        self.release_cdeg = 500
        self.dwell_ms = 60000
        self.training = True
        self.pattern = 2
        self.reference_cdeg = 0
        self.calibrated = False
        self.state = _UPRIGHT
        self.value = 0  # the value of the event update() returned
        self.last_cdeg = 0
        self.have_sample = False
        self.snoozed = False
        self._snooze_until = 0
        self._moving = False
        self._move_until = 0
        self._t_start = 0
        self._t_alert = 0
        self.alerts = 0  # buzzes given since boot

    @property
    def slouching(self):
        return self.state == _SLOUCHED

    def configure(self, threshold_deg, hysteresis_deg, dwell_s, training, pattern_id):
        self.threshold_cdeg = threshold_deg * 100
        self.release_cdeg = (threshold_deg - hysteresis_deg) * 100
        self.dwell_ms = dwell_s * 1000
        self.training = bool(training)
        self.pattern = pattern_id

    def configure_from(self, values):
        """Take the coach's settings from a config dict (config.Config.values)."""
        self.configure(values["slouch_threshold_deg"], values["slouch_hysteresis_deg"],
                       values["slouch_dwell_s"], values["coach_mode"] == "training",
                       PATTERN_IDS[values["haptic_pattern"]])

    def set_reference(self, flexion_cdeg):
        """Upright reference, in the same flexion scale update() is given."""
        self.reference_cdeg = flexion_cdeg
        self.calibrated = True
        self.state = _UPRIGHT

    def calibrate(self):
        """Upright reference = the latest flexion seen; False if there was none yet."""
        if not self.have_sample:
            return False
        self.set_reference(self.last_cdeg)
        return True

    def snooze(self, seconds, t_ms):
        """Silence the buzz for `seconds` from t_ms (0 ends a snooze)."""
        if seconds <= 0:
            self.snoozed = False
            return
        self.snoozed = True
        self._snooze_until = ticks_add(t_ms, seconds * 1000)

    def _buzz(self, t_ms):
        if self.training and not self.snoozed and self.haptic is not None:
            self.haptic.play(self.pattern, t_ms)
            self.alerts += 1

    def update(self, flexion_cdeg, moving, t_ms):
        """One orientation sample: flexion in 0.01 deg (+ forward), moving (bool), t in ms
        (time.ticks_ms()). Returns 0 or _SLOUCH_START / _SLOUCH_END with self.value set."""
        self.last_cdeg = flexion_cdeg
        self.have_sample = True
        if self.snoozed and ticks_diff(self._snooze_until, t_ms) <= 0:
            self.snoozed = False
        if moving:
            self._moving = True
            self._move_until = ticks_add(t_ms, _MOVE_HOLD_MS)
        elif self._moving and ticks_diff(self._move_until, t_ms) <= 0:
            self._moving = False
        if not self.calibrated:
            return 0
        rel = flexion_cdeg - self.reference_cdeg
        state = self.state
        if state == _UPRIGHT:
            if rel > self.threshold_cdeg and not self._moving:
                self.state = _CANDIDATE
                self._t_start = t_ms
            return 0
        if rel < self.release_cdeg:
            self.state = _UPRIGHT
            if state == _SLOUCHED:
                s = ticks_diff(t_ms, self._t_start) // 1000
                self.value = s if s < _MAX_EPISODE_S else _MAX_EPISODE_S
                return _SLOUCH_END
            return 0
        if state == _CANDIDATE:
            if self._moving:
                self.state = _UPRIGHT  # movement restarts the dwell count
            elif ticks_diff(t_ms, self._t_start) >= self.dwell_ms:
                self.state = _SLOUCHED
                self._t_alert = t_ms
                self.value = rel // 10 if rel < 327670 else 32767
                self._buzz(t_ms)
                return _SLOUCH_START
            return 0
        # _SLOUCHED: remind every dwell while still and slouched.
        if self._moving:
            self._t_alert = t_ms
        elif ticks_diff(t_ms, self._t_alert) >= self.dwell_ms:
            self._t_alert = t_ms
            self._buzz(t_ms)
        return 0
