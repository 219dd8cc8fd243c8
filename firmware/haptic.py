# Vibration motor on PWM: patterns played without blocking, one tick() per loop pass.
#
# API for the runtime:
#   h = Haptic(pwm, on_event, strength_pct)   # pwm: machine.PWM (or None on a board without
#                                             # a motor); on_event(kind, arg) gets EVENT kinds
#                                             # HAPTIC_ON (4, pattern id) and HAPTIC_OFF (5, 0)
#   h.play(PATTERN_DOUBLE, t_ms); h.stop(t_ms); h.tick(t_ms)  # tick every <= 20 ms
#   h.on            # True while the motor is driven
#   h.active        # True from HAPTIC_ON until HAPTIC_OFF (pattern plus spin-down)
#   h.take_ran()    # True if the motor ran (or was spinning down) at any time since the
#                   # last call: the sampler sets IMU flags bit0 for that batch
# HAPTIC_OFF comes _SPINDOWN_MS after the last pulse because an ERM motor keeps shaking the
# board for a while after its drive stops; the host masks samples between ON and OFF.
# play/stop/tick allocate nothing.

from micropython import const

from time import ticks_add, ticks_diff

HAPTIC_ON = const(4)
HAPTIC_OFF = const(5)

PATTERN_SHORT = const(1)
PATTERN_DOUBLE = const(2)
PATTERN_LONG = const(3)
PATTERN_TRIPLE = const(4)
PATTERN_TICK = const(5)  # acknowledge a button press or a calibration

_SPINDOWN_MS = const(80)

# Pattern id -> (on_ms, off_ms, on_ms, ...), always ending with an on time. Index 0 unused.
PATTERNS = (
    (),
    (150,),
    (150, 100, 150),
    (600,),
    (100, 80, 100, 80, 100),
    (40,),
)


class Haptic:
    def __init__(self, pwm=None, on_event=None, strength_pct=80):
        self.pwm = pwm
        self.on_event = on_event
        self.duty_u16 = 0
        self.on = False
        self.set_strength(strength_pct)
        self.active = False
        self.pattern_id = 0
        self._steps = PATTERNS[0]
        self._step = 0
        self._next = 0
        self._ran = False
        self.plays = 0
        self._drive(False)

    def set_strength(self, pct):
        pct = 0 if pct < 0 else (100 if pct > 100 else pct)
        self.duty_u16 = pct * 65535 // 100
        if self.on:
            self._drive(True)

    def _drive(self, on):
        self.on = on
        if on:
            self._ran = True
        if self.pwm is not None:
            self.pwm.duty_u16(self.duty_u16 if on else 0)

    def _emit(self, kind, arg):
        if self.on_event is not None:
            self.on_event(kind, arg)

    def play(self, pattern_id, t_ms):
        """Start pattern `pattern_id` now (replacing one that is running)."""
        if pattern_id <= 0 or pattern_id >= len(PATTERNS):
            raise ValueError("no haptic pattern %d" % pattern_id)
        was_active = self.active
        self.pattern_id = pattern_id
        self._steps = PATTERNS[pattern_id]
        self._step = 0
        self._next = ticks_add(t_ms, self._steps[0])
        self.active = True
        self.plays += 1
        self._drive(True)
        if not was_active:
            self._emit(HAPTIC_ON, pattern_id)

    def stop(self, t_ms):
        """Stop now; HAPTIC_OFF still follows after the spin-down."""
        if not self.active:
            return
        self._drive(False)
        self._step = len(self._steps)
        self._next = ticks_add(t_ms, _SPINDOWN_MS)

    def tick(self, t_ms):
        """Advance the pattern to time t_ms (time.ticks_ms())."""
        if not self.active:
            return
        steps = self._steps
        n = len(steps)
        while ticks_diff(t_ms, self._next) >= 0:
            self._step += 1
            i = self._step
            if i < n:
                self._drive(not (i & 1))  # even steps drive, odd steps pause
                self._next = ticks_add(self._next, steps[i])
            elif i == n:
                self._drive(False)
                self._next = ticks_add(self._next, _SPINDOWN_MS)
            else:
                self.active = False
                self.pattern_id = 0
                self._emit(HAPTIC_OFF, 0)
                return

    def take_ran(self):
        """True if the motor shook the board since the last call (driven or spinning down)."""
        r = self._ran or self.active
        self._ran = self.on
        return r
