# Vibration motor on PWM, and the status LED: patterns played without blocking, one tick()
# per loop pass. (Blinker, for the LED, is at the end of this file.)
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

_HAPTIC_ON = const(4)
_HAPTIC_OFF = const(5)

_PATTERN_SHORT = const(1)
_PATTERN_DOUBLE = const(2)
_PATTERN_LONG = const(3)
_PATTERN_TRIPLE = const(4)
_PATTERN_TICK = const(5)  # acknowledge a button press or a calibration

_SPINDOWN_MS = const(80)

# PWM frequency for the motor driver transistor: above hearing, so the motor does not whine;
# the ESP32 LEDC still gives 12-bit duty steps at 20 kHz. The runtime makes the PWM with
# machine.PWM(machine.Pin(profile["motor_pwm"]), freq=MOTOR_PWM_HZ, duty_u16=0).
_MOTOR_PWM_HZ = const(20000)

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
            self._emit(_HAPTIC_ON, pattern_id)

    def stop(self, t_ms):
        """Stop now; _HAPTIC_OFF still follows after the spin-down."""
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
                self._emit(_HAPTIC_OFF, 0)
                return

    def take_ran(self):
        """True if the motor shook the board since the last call (driven or spinning down)."""
        r = self._ran or self.active
        self._ran = self.on
        return r


# --- status LED ----------------------------------------------------------------------------
# LED codes (docs/firmware.md): id -> (period_ms, (on_ms, off_ms, on_ms, ...)) repeated
# every period; period 0 = steady: on if the tuple is not empty, else off.
_LED_OFF = const(0)          # sleeping, or LED disabled by config
_LED_BOOT = const(1)         # steady on while starting up
_LED_ADVERTISING = const(2)  # one 50 ms flash every 2 s: waiting for a host
_LED_CONNECTED = const(3)    # two flashes every 2 s: a host is connected
_LED_LOGGING = const(4)      # one flash every 5 s: no host, logging to flash
_LED_PAIRING = const(5)      # 2 Hz blink: pairing window open
_LED_LOW_BATTERY = const(6)  # three quick flashes every 4 s
_LED_LOG_FULL = const(7)     # two long flashes every 4 s: flash log full
_LED_ERROR = const(8)        # 5 Hz blink: IMU missing or another fault

LED_CODES = (
    (0, ()),
    (0, (1,)),
    (2000, (50,)),
    (2000, (50, 150, 50)),
    (5000, (50,)),
    (500, (250,)),
    (4000, (80, 120, 80, 120, 80)),
    (4000, (400, 200, 400)),
    (200, (100,)),
)



class Blinker:
    """Shows one LED code at a time on a machine.Pin (or None: state only).
    show(code, t_ms) picks the code; tick(t_ms) updates the pin; allocation-free."""

    def __init__(self, pin=None, active_low=False):
        self.pin = pin
        self.active_low = active_low
        self.code = _LED_OFF
        self.on = False
        self._t0 = 0
        self._set(False)

    def _set(self, on):
        self.on = on
        if self.pin is not None:
            self.pin.value((not on) if self.active_low else on)

    def show(self, code, t_ms):
        """Switch to LED code `code` (restarting its cycle if it changed)."""
        if code < 0 or code >= len(LED_CODES):
            raise ValueError("no LED code %d" % code)
        if code != self.code:
            self.code = code
            self._t0 = t_ms
            self.tick(t_ms)

    def tick(self, t_ms):
        period, steps = LED_CODES[self.code]
        if period == 0:
            want = len(steps) > 0
        else:
            ph = ticks_diff(t_ms, self._t0) % period
            want = False
            acc = 0
            for i in range(len(steps)):
                acc += steps[i]
                if ph < acc:
                    want = not (i & 1)
                    break
        if want != self.on:
            self._set(want)
