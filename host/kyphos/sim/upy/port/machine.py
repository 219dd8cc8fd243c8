# mypy: ignore-errors
# ruff: noqa: UP031, I001
# (MicroPython code: %-formatting and imports in boot order, as in firmware/)
# Stand-in for the ESP32 port's `machine` module on the MicroPython unix port: the hardware of
# the virtual board lives in the host process (kyphos.sim.upy.bridge), which applies every call
# to the same models the CPython runtime uses (kyphos.sim.shims.machine with the chip models of
# kyphos.sim.chips), so both runtimes follow one set of rules; see that module's docstring for
# the ESP32 behaviour each rule follows and its sources. The unix port's own `machine` is an
# extensible built-in (extmod/modmachine.c MP_REGISTER_EXTENSIBLE_MODULE), so this file on
# sys.path takes its place, as py/builtinimport.c searches the filesystem first for those.
#
# Signatures follow the ESP32 port (ports/esp32/machine_i2c.c, machine_pin.c, machine_pwm.c,
# machine_adc.c, machine_wdt.c, modmachine.c). Constants have the values of the CPython shim,
# which the host applies.
import time

import kyb as _k

PWRON_RESET = 1
HARD_RESET = 2
WDT_RESET = 3
DEEPSLEEP_RESET = 4
SOFT_RESET = 5

_NONE = _k.NONE


def _pins_mask(pins):
    lo = 0
    hi = 0
    for p in pins:
        g = p.id if hasattr(p, "id") else int(p)
        if g < 31:
            lo |= 1 << g
        else:
            hi |= 1 << (g - 31)
    return lo, hi


class I2C:
    """machine.I2C(id, *, scl, sda, freq=400000, timeout=50000); errors as OSError(errno)
    (ENODEV for no answer, ETIMEDOUT for a stuck bus), as the ESP32 port raises them.
    Request fields: a = bus, b = addr | memaddr << 8, c = bytes to read."""

    def __init__(self, id=0, *, scl=None, sda=None, freq=400000, timeout=50000):
        self.id = id

    def scan(self):
        n = _k.xfer(_k.I2C_SCAN, self.id, 0, 0)
        return [b for b in bytes(_k._outv[:n])]

    def readfrom_mem(self, addr, memaddr, nbytes, *, addrsize=8):
        buf = bytearray(nbytes)
        _k.xfer(_k.I2C_READ, self.id, addr | (memaddr << 8), nbytes, None, buf)
        return bytes(buf)

    def readfrom_mem_into(self, addr, memaddr, buf, *, addrsize=8):
        _k.xfer(_k.I2C_READ, self.id, addr | (memaddr << 8), len(buf), None, buf)

    def writeto_mem(self, addr, memaddr, buf, *, addrsize=8):
        _k.xfer(_k.I2C_WRITE, self.id, addr | (memaddr << 8), 0, buf)

    def readfrom(self, addr, nbytes, stop=True):
        buf = bytearray(nbytes)
        _k.xfer(_k.I2C_READFROM, self.id, addr, nbytes, None, buf)
        return bytes(buf)

    def readfrom_into(self, addr, buf, stop=True):
        _k.xfer(_k.I2C_READFROM, self.id, addr, len(buf), None, buf)

    def writeto(self, addr, buf, stop=True):
        _k.xfer(_k.I2C_WRITETO, self.id, addr, 0, buf)
        return len(buf)

    def deinit(self):
        pass


class SoftI2C(I2C):
    def __init__(self, scl=None, sda=None, *, freq=400000, timeout=50000, id=0):
        I2C.__init__(self, id)


class Pin:
    IN = 1
    OUT = 3
    OPEN_DRAIN = 7
    PULL_UP = 2
    PULL_DOWN = 1
    IRQ_RISING = 1
    IRQ_FALLING = 2
    WAKE_LOW = 4
    WAKE_HIGH = 5

    def __init__(self, id, mode=-1, pull=-1, *, value=None, drive=None, hold=None):
        self.id = id.id if isinstance(id, Pin) else int(id)
        self.init(mode, pull, value=value)

    def init(self, mode=-1, pull=-1, *, value=None, drive=None, hold=None):
        _k.call(_k.PIN, self.id, 0, 3, mode, pull, value)

    def value(self, x=None):
        if x is None:
            return _k.call(_k.PIN, self.id, 1)
        _k.call(_k.PIN, self.id, 2, 1, 1 if x else 0)
        return None

    def __call__(self, x=None):
        return self.value(x)

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)

    def irq(self, handler=None, trigger=3, *, wake=None, hard=False):
        # Not bridged: no firmware module uses pin interrupts (the IMU line and the button are
        # polled, and armed as light-sleep wake sources through esp32).
        raise OSError(95)  # EOPNOTSUPP

    def __repr__(self):
        return "Pin(%d)" % self.id


class PWM:
    """machine.PWM(pin, *, freq, duty, duty_u16, duty_ns); the host keeps the state."""

    def __init__(self, dest, *, freq=5000, duty=None, duty_u16=None, duty_ns=None):
        self.pin = dest if isinstance(dest, Pin) else Pin(dest)
        self._id = self.pin.id
        _k.call(_k.PWM, self._id, 0, 4, freq, duty_u16, duty_ns, duty)

    def init(self, *, freq=None, duty=None, duty_u16=None, duty_ns=None):
        _k.call(_k.PWM, self._id, 6, 4, freq, duty_u16, duty_ns, duty)

    def freq(self, value=None):
        return _k.call(_k.PWM, self._id, 1, 1, value)

    def duty_u16(self, value=None):
        return _k.call(_k.PWM, self._id, 2, 1, value)

    def duty(self, value=None):
        return _k.call(_k.PWM, self._id, 3, 1, value)

    def duty_ns(self, value=None):
        return _k.call(_k.PWM, self._id, 4, 1, value)

    def deinit(self):
        _k.call(_k.PWM, self._id, 5)


class ADC:
    ATTN_0DB = 0
    ATTN_2_5DB = 1
    ATTN_6DB = 2
    ATTN_11DB = 3
    WIDTH_12BIT = 3

    def __init__(self, pin, *, atten=0):
        self._id = pin.id if isinstance(pin, Pin) else int(pin)
        _k.call(_k.ADC, self._id, 0, 1, atten)

    def atten(self, atten):
        _k.call(_k.ADC, self._id, 1, 1, atten)

    def width(self, bits):
        pass

    def read_uv(self):
        return _k.call(_k.ADC, self._id, 2)

    def read_u16(self):
        return _k.call(_k.ADC, self._id, 3)

    def read(self):
        return _k.call(_k.ADC, self._id, 4)


class WDT:
    """machine.WDT(id=0, timeout): the host's watchdog model (kyphos.sim.shims.machine.WDT, its
    rules and sources: one task watchdog, id 0 only, no deinit, ports/esp32/machine_wdt.c)
    resets the board (restarts this process) when it is not fed in time; its ValueErrors reach
    the caller here as on a board."""

    def __init__(self, id=0, timeout=5000):
        self._n = _k.call(_k.WDT, 0, 0, 2, timeout, id)

    def feed(self):
        _k.call(_k.WDT, self._n, 1)


def unique_id():
    return _k.get_bytes(0)


def reset_cause():
    return _k.call(_k.MACH, 0, 0)


def _reset(method, cause_text):
    # The host restarts this process (a board resets); nothing after this runs.
    _k.call(_k.MACH, 0, method)
    raise SystemExit(cause_text)


def reset():
    _reset(1, "machine.reset()")


def soft_reset():
    _reset(2, "machine.soft_reset()")


def deepsleep(time_ms=None):
    _reset(6, "machine.deepsleep()")


def freq(hz=None):
    return _k.call(_k.MACH, 0, 3, 1, hz)


def idle():
    time.sleep_ms(1)


def lightsleep(time_ms=None):
    """Sleep until `time_ms` pass or an armed wake source (esp32.wake_on_*) is at its level,
    checked every 5 ms against the host's pins. The host is told when the sleep begins and
    ends (its model of the radio and its statistics)."""
    total = 3600000 if time_ms is None else max(0, time_ms)
    _k.call(_k.MACH, 0, 4, 1, total)
    t0 = time.ticks_ms()
    woke = 0
    while True:
        if _k.call(_k.ESP, 0, 3):
            woke = 1
            break
        left = total - time.ticks_diff(time.ticks_ms(), t0)
        if left <= 0:
            break
        time.sleep_ms(5 if left > 5 else left)
    _k.call(_k.MACH, 0, 5, 2, time.ticks_diff(time.ticks_ms(), t0), woke)


def disable_irq():
    return 0


def enable_irq(state=0):
    pass
