"""CPython stand-in for MicroPython's ``machine`` module (ESP32 port signatures).

Hardware is simulated, not mocked away:

- ``I2C`` / ``SoftI2C`` talk to register-level chip models (``kyphos.sim.chips``) attached to a
  bus with ``attach(bus_id, chip)``; every transfer first advances the chip to the shim clock
  (``kyphos.sim.shims.get_clock()``), so FIFOs fill at their real rate. A missing address raises
  ``OSError(19)`` (ENODEV) as on the board; ``chip.fail_next = n`` makes the next n transfers
  raise ``OSError(116)`` (ETIMEDOUT).
- ``Pin`` keeps its level; inputs are driven from outside with ``drive(pin_id, level)`` (e.g. an
  IMU interrupt line: ``chip.on_int1 = lambda v: machine.drive(4, v)``) and fire ``irq``
  handlers on the matching edge.
- ``lightsleep(ms)`` advances the shim clock until `ms` pass or a wake pin armed with the
  ``esp32`` shim (``wake_on_ext0/ext1/gpio``) is at its level; ``lightsleep_stats()``.
- ``PWM``, ``ADC`` (``set_adc_uv(pin_id, microvolts)``), ``Timer`` (``run_timers()`` fires due
  callbacks by the shim clock), ``WDT`` (``wdt_expired()``), ``unique_id``, ``reset_cause``,
  ``reset`` (raises ``ResetRequested``) and ``freq``.
- ``WDT`` is the ESP32 port's task watchdog (``ports/esp32/machine_wdt.c``: one static object,
  ``esp_task_wdt_add`` on the calling task, ``feed`` = ``esp_task_wdt_reset``, no ``deinit``;
  the docs, docs.micropython.org/en/latest/library/machine.WDT.html: "Once it is running the
  timeout cannot be changed and the WDT cannot be stopped either"). A soft reset (Ctrl-D,
  ``soft_reset()``) does not stop it (thonny/thonny issue 2854, pulkin/micropython issue 37:
  Ctrl-D leaves it armed); only a hard reset of the chip does (``hard_reset()``, shim only, is
  what a reset does to the shim's state). ``wdt_expired()`` tells the virtual board to reset.

Functions marked "shim only" do not exist on a board; only the virtual board and tests use them.
``reset_state()`` forgets buses, pins and timers between tests.

The module also imports on MicroPython (the on-device checks copy the shims there): annotations
are not evaluated there, and the clock is then the interpreter's own ``time.ticks_us``.
"""

try:
    from collections.abc import Callable
    from typing import Any

    from kyphos.sim import shims

    def _now_us() -> int:
        return shims.get_clock().now_us()

    def _sleep_us(us: int) -> None:
        shims.get_clock().sleep_us(us)

except ImportError:  # MicroPython
    import time

    def _now_us() -> int:
        return time.ticks_us()  # type: ignore[attr-defined]

    def _sleep_us(us: int) -> None:
        time.sleep_us(us)  # type: ignore[attr-defined]

# reset_cause() values on the ESP32 port
PWRON_RESET = 1
HARD_RESET = 2
WDT_RESET = 3
DEEPSLEEP_RESET = 4
SOFT_RESET = 5

_ENODEV = 19
_ETIMEDOUT = 116

_buses: "dict[int, dict[int, Any]]" = {}
_pins: "dict[int, Pin]" = {}
_adc_uv: "dict[int, int]" = {}
_timers: "list[Timer]" = []
_wdts: "list[_TaskWatchdog]" = []
_reset_cause = PWRON_RESET
_freq_hz = 160_000_000
_unique_id = b"\x24\x0a\xc4\x3a\x4f\x01"


class ResetRequested(Exception):
    """Raised by ``machine.reset()``/``soft_reset()`` on the host (shim only)."""


# -- shim-only wiring ---------------------------------------------------------------------
def attach(bus_id: int, chip: Any) -> None:
    """Put `chip` (with .address, .read, .write, .advance_to) on I2C bus `bus_id` (shim only)."""
    _buses.setdefault(bus_id, {})[chip.address] = chip


def detach(bus_id: int, address: int) -> None:
    """Remove the device at `address` from bus `bus_id` (shim only)."""
    _buses.get(bus_id, {}).pop(address, None)


def drive(pin_id: int, level: int) -> None:
    """Set an input pin's level from outside, firing its IRQ on an edge (shim only)."""
    _pin_obj(pin_id)._drive(1 if level else 0)


def set_adc_uv(pin_id: int, microvolts: int) -> None:
    """The voltage an ADC on `pin_id` will read (shim only)."""
    _adc_uv[pin_id] = int(microvolts)


def set_reset_cause(cause: int) -> None:
    """What ``reset_cause()`` returns after the next boot (shim only)."""
    global _reset_cause
    _reset_cause = cause


def set_unique_id(uid: bytes) -> None:
    """What ``unique_id()`` returns (shim only)."""
    global _unique_id
    _unique_id = bytes(uid)


def run_timers() -> int:
    """Fire every timer callback due by the shim clock; returns how many fired (shim only)."""
    now = _now_ms()
    n = 0
    for t in list(_timers):
        while t._due_ms is not None and now >= t._due_ms:
            cb = t._callback
            if t._mode == Timer.PERIODIC:
                t._due_ms += t._period_ms
            else:
                t._due_ms = None
                _timers.remove(t)
            n += 1
            if cb is not None:
                cb(t)
    return n


def wdt_expired() -> bool:
    """True if a started watchdog was not fed within its timeout (shim only)."""
    now = _now_ms()
    return any(now - w._fed_ms > w._timeout_ms for w in _wdts)


def wdt_armed() -> bool:
    """True while a watchdog is running (shim only)."""
    return bool(_wdts)


def hard_reset() -> None:
    """What a hard reset (``reset()``, a watchdog reset, power-on) does to the shim's state: the
    chip restarts and no task is subscribed to the task watchdog any more (shim only). A soft
    reset leaves the watchdog running: do not call this for one."""
    _wdts.clear()


def reset_state() -> None:
    """Forget buses, pins, ADC levels, timers and watchdogs (shim only)."""
    _buses.clear()
    _pins.clear()
    _adc_uv.clear()
    _timers.clear()
    _wdts.clear()
    for k in _sleep_stats:
        _sleep_stats[k] = 0
    esp = _esp32()
    if esp is not None:
        esp.reset_state()


def _now_ms() -> int:
    return _now_us() // 1000


# -- I2C ----------------------------------------------------------------------------------
class I2C:
    """machine.I2C(id, *, scl=None, sda=None, freq=400000, timeout=50000)."""

    def __init__(self, id: int = 0, *, scl: Any = None, sda: Any = None, freq: int = 400000,
                 timeout: int = 50000) -> None:
        self.id = id
        self.freq = freq
        self.timeout = timeout
        self.transfers = 0  # shim only: completed transfers

    def _dev(self, addr: int) -> Any:
        dev = _buses.get(self.id, {}).get(addr)
        if dev is None:
            raise OSError(_ENODEV)
        if getattr(dev, "fail_next", 0) > 0:
            dev.fail_next -= 1
            raise OSError(_ETIMEDOUT)
        dev.advance_to(_now_us())
        self.transfers += 1
        return dev

    def scan(self) -> list[int]:
        return sorted(_buses.get(self.id, {}))

    def readfrom_mem(self, addr: int, memaddr: int, nbytes: int, *, addrsize: int = 8) -> bytes:
        return bytes(self._dev(addr).read(memaddr, nbytes))

    def readfrom_mem_into(self, addr: int, memaddr: int, buf: Any, *, addrsize: int = 8) -> None:
        data = self._dev(addr).read(memaddr, len(buf))
        buf[: len(data)] = data

    def writeto_mem(self, addr: int, memaddr: int, buf: Any, *, addrsize: int = 8) -> None:
        self._dev(addr).write(memaddr, bytes(buf))

    def writeto(self, addr: int, buf: Any, stop: bool = True) -> int:
        # A register-pointer write (first byte) followed by data, as register chips take it.
        b = bytes(buf)
        dev = self._dev(addr)
        if len(b) > 1:
            dev.write(b[0], b[1:])
        dev._ptr = b[0] if b else getattr(dev, "_ptr", 0)
        return len(b)

    def readfrom(self, addr: int, nbytes: int, stop: bool = True) -> bytes:
        dev = self._dev(addr)
        return bytes(dev.read(getattr(dev, "_ptr", 0), nbytes))

    def readfrom_into(self, addr: int, buf: Any, stop: bool = True) -> None:
        buf[:] = self.readfrom(addr, len(buf), stop)

    def deinit(self) -> None:
        pass


class SoftI2C(I2C):
    """machine.SoftI2C(scl, sda, *, freq=400000, timeout=50000): bus id -1 unless given."""

    def __init__(self, scl: Any = None, sda: Any = None, *, freq: int = 400000,
                 timeout: int = 50000, id: int = 0) -> None:
        I2C.__init__(self, id, scl=scl, sda=sda, freq=freq, timeout=timeout)


# -- Pin ----------------------------------------------------------------------------------
def _pin_obj(pin_id: int) -> "Pin":
    p = _pins.get(pin_id)
    if p is None:
        p = Pin(pin_id)
    return p


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
    id: int
    _mode: int
    _pull: "int | None"
    _level: int
    _handler: "Callable[[Pin], Any] | None"
    _trigger: int
    _driven: bool

    def __init__(self, id: Any, mode: int = -1, pull: int = -1, *, value: "int | None" = None,
                 drive: "int | None" = None, hold: "bool | None" = None) -> None:
        # The newest Pin object for a GPIO is the one drive() and IRQs use; its state carries
        # over from an older object for the same GPIO, as the hardware's would.
        key = id.id if isinstance(id, Pin) else int(id)
        old = _pins.get(key)
        self.id = key
        self._mode = old._mode if old is not None else Pin.IN
        self._pull = old._pull if old is not None else None
        self._level = old._level if old is not None else 0
        self._handler = old._handler if old is not None else None
        self._trigger = old._trigger if old is not None else 0
        self._driven = old._driven if old is not None else False  # set from outside (drive)
        _pins[key] = self
        self.init(mode, pull, value=value)

    def init(self, mode: int = -1, pull: int = -1, *, value: "int | None" = None,
             drive: "int | None" = None, hold: "bool | None" = None) -> None:
        if mode != -1:
            self._mode = mode
        if pull != -1:
            self._pull = pull
            if self._mode == Pin.IN and pull == Pin.PULL_UP and not self._driven:
                self._level = 1  # a line driven from outside (a pressed button) beats the pull
        if value is not None:
            self._level = 1 if value else 0

    def value(self, x: int | None = None) -> int | None:
        # Every Pin object for a GPIO reads and drives the same line: go to the newest one
        # (the one drive() sets), as e.g. power.arm_wake makes its own Pin for the button.
        cur = _pins.get(self.id, self)
        if x is None:
            return cur._level
        if cur._mode in (Pin.OUT, Pin.OPEN_DRAIN):
            cur._level = 1 if x else 0
            self._level = cur._level
        return None

    def __call__(self, x: int | None = None) -> int | None:
        return self.value(x)

    def on(self) -> None:
        self.value(1)

    def off(self) -> None:
        self.value(0)

    def irq(self, handler: "Callable[[Pin], Any] | None" = None,
            trigger: int = IRQ_FALLING | IRQ_RISING, *, wake: Any = None,
            hard: bool = False) -> Any:
        self._handler = handler
        self._trigger = trigger
        return self

    def _drive(self, level: int) -> None:
        self._driven = True
        old, self._level = self._level, level
        if old == level or self._handler is None:
            return
        edge = Pin.IRQ_RISING if level else Pin.IRQ_FALLING
        if self._trigger & edge:
            self._handler(self)

    def __repr__(self) -> str:
        return f"Pin({self.id})"


# -- PWM, ADC -----------------------------------------------------------------------------
class PWM:
    """machine.PWM(pin, *, freq, duty_u16, duty_ns) (duty() is the 10-bit ESP32 form)."""

    def __init__(self, dest: Any, *, freq: int = 5000, duty: int | None = None,
                 duty_u16: int | None = None, duty_ns: int | None = None) -> None:
        self.pin = Pin(dest) if not isinstance(dest, Pin) else dest
        self._freq = freq
        self._duty_u16 = 0
        self.active = True  # shim only
        self.init(freq=freq, duty=duty, duty_u16=duty_u16, duty_ns=duty_ns)

    def init(self, *, freq: int | None = None, duty: int | None = None,
             duty_u16: int | None = None, duty_ns: int | None = None) -> None:
        if freq is not None:
            self._freq = freq
        if duty is not None:
            self.duty(duty)
        if duty_u16 is not None:
            self.duty_u16(duty_u16)
        if duty_ns is not None:
            self.duty_ns(duty_ns)
        self.active = True

    def freq(self, value: int | None = None) -> int | None:
        if value is None:
            return self._freq
        self._freq = value
        return None

    def duty_u16(self, value: int | None = None) -> int | None:
        if value is None:
            return self._duty_u16
        self._duty_u16 = max(0, min(65535, int(value)))
        return None

    def duty(self, value: int | None = None) -> int | None:
        if value is None:
            return self._duty_u16 * 1023 // 65535
        self._duty_u16 = max(0, min(1023, int(value))) * 65535 // 1023
        return None

    def duty_ns(self, value: int | None = None) -> int | None:
        period_ns = 1_000_000_000 // self._freq
        if value is None:
            return self._duty_u16 * period_ns // 65535
        self._duty_u16 = max(0, min(65535, int(value) * 65535 // period_ns))
        return None

    def deinit(self) -> None:
        self._duty_u16 = 0
        self.active = False


class ADC:
    """machine.ADC(pin, *, atten): reads the level set with set_adc_uv()."""

    ATTN_0DB = 0
    ATTN_2_5DB = 1
    ATTN_6DB = 2
    ATTN_11DB = 3
    WIDTH_12BIT = 3
    _FULL_UV = (950_000, 1_250_000, 1_750_000, 3_100_000)  # ESP32 usable ranges per attenuation

    def __init__(self, pin: Any, *, atten: int = ATTN_0DB) -> None:
        self.pin = pin.id if isinstance(pin, Pin) else int(pin)
        self._atten = atten

    def atten(self, atten: int) -> None:
        self._atten = atten

    def width(self, bits: int) -> None:
        pass

    def read_uv(self) -> int:
        return min(_adc_uv.get(self.pin, 0), self._FULL_UV[self._atten])

    def read_u16(self) -> int:
        return min(65535, self.read_uv() * 65535 // self._FULL_UV[self._atten])

    def read(self) -> int:
        return self.read_u16() >> 4


# -- Timer, WDT ---------------------------------------------------------------------------
class Timer:
    ONE_SHOT = 0
    PERIODIC = 1

    def __init__(self, id: int = 0, *, mode: int = PERIODIC, period: int = -1,
                 freq: float | None = None, callback: "Callable[[Timer], Any] | None" = None) -> None:
        self.id = id
        self._due_ms: int | None = None
        self._callback: Callable[[Timer], Any] | None = None
        self._mode = mode
        self._period_ms = 0
        if period > 0 or freq is not None:
            self.init(mode=mode, period=period, freq=freq, callback=callback)

    def init(self, *, mode: int = PERIODIC, period: int = -1, freq: float | None = None,
             callback: "Callable[[Timer], Any] | None" = None) -> None:
        self.deinit()
        self._mode = mode
        self._period_ms = max(1, int(1000 / freq)) if freq else max(1, period)
        self._callback = callback
        self._due_ms = _now_ms() + self._period_ms
        _timers.append(self)

    def deinit(self) -> None:
        if self in _timers:
            _timers.remove(self)
        self._due_ms = None


class _TaskWatchdog:
    def __init__(self, timeout: int) -> None:
        self._timeout_ms = timeout
        self._fed_ms = _now_ms()

    def feed(self) -> None:
        self._fed_ms = _now_ms()

    def __repr__(self) -> str:
        return "<WDT>"


def WDT(id: int = 0, timeout: int = 5000) -> _TaskWatchdog:  # noqa: N802 - machine.WDT
    """The ESP32 task watchdog (see the module docstring): only id 0 (``machine_wdt.c`` raises
    ValueError for others); one watchdog however often it is constructed (the port returns its
    one static object: a second construction gives the running one, timeout and count
    unchanged); ``feed()`` only, no ``deinit``: it stops only with a hard reset. A function
    here, not a class, so that the shim also runs on MicroPython."""
    if id != 0:
        raise ValueError()
    if timeout <= 0:
        raise ValueError("WDT timeout too short")
    if _wdts:
        return _wdts[0]
    w = _TaskWatchdog(timeout)
    _wdts.append(w)
    return w


# -- misc -----------------------------------------------------------------------------------
def unique_id() -> bytes:
    return _unique_id


def reset_cause() -> int:
    return _reset_cause


def reset() -> None:
    set_reset_cause(HARD_RESET)
    raise ResetRequested("machine.reset()")


def soft_reset() -> None:
    set_reset_cause(SOFT_RESET)
    raise ResetRequested("machine.soft_reset()")


def freq(hz: int | None = None) -> int | None:
    global _freq_hz
    if hz is None:
        return _freq_hz
    _freq_hz = hz
    return None


def idle() -> None:
    _sleep_us(1000)


_SLEEP_STEP_US = 5000  # lightsleep() looks at the wake pins this often (shim clock)
_SLEEP_FOREVER_MS = 3600000  # lightsleep() without a time: at most an hour of shim time
_sleep_stats = {"calls": 0, "slept_ms": 0, "pin_wakes": 0, "with_radio": 0}


def lightsleep(time_ms: "int | None" = None) -> None:
    """Sleep until `time_ms` pass or an armed wake pin (the esp32 shim's wake_on_ext0/ext1/
    gpio) is at its wake level; a pin already there wakes at once, as the chip's level
    triggers do. Meanwhile the chips on the buses keep running (an IMU's interrupt line can
    rise) and pin changes the event loop has scheduled with ``drive`` (e.g. the virtual
    board's button presses) happen at their time. Time asleep: ``lightsleep_stats()``.
    With the BLE stack active the radio dies (the bluetooth shim's ``_lightsleep``: micropython
    issue 6396, esp-idf issue 11315); such calls are counted in ``with_radio``."""
    ble = _ble()
    if ble is not None and ble._lightsleep():
        _sleep_stats["with_radio"] += 1
    esp = _esp32()
    total = (_SLEEP_FOREVER_MS if time_ms is None else max(0, time_ms)) * 1000
    slept = 0
    woke = esp is not None and esp.awake(_level)
    while slept < total and not woke:
        d = min(_SLEEP_STEP_US, total - slept)
        _sleep_us(d)
        slept += d
        _advance_chips()
        _scheduled_drives()
        woke = esp is not None and esp.awake(_level)
    _sleep_stats["calls"] += 1
    _sleep_stats["slept_ms"] += slept // 1000
    if woke:
        _sleep_stats["pin_wakes"] += 1


def lightsleep_stats() -> "dict[str, int]":
    """calls, slept_ms (shim time spent in lightsleep), pin_wakes and with_radio (calls made
    with the BLE stack active) (shim only)."""
    return dict(_sleep_stats)


def _ble() -> Any:
    """The bluetooth shim's BLE() object if one exists (None on a board, or before BLE())."""
    import sys

    mod = sys.modules.get("bluetooth")
    ble = getattr(getattr(mod, "BLE", None), "_instance", None)
    return ble if hasattr(ble, "_lightsleep") else None


def _esp32() -> Any:
    try:
        import esp32  # the shim next to this one (or the board's own module)
    except ImportError:
        return None
    return esp32 if hasattr(esp32, "awake") else None


def _level(pin_id: int) -> int:
    p = _pins.get(pin_id)
    return p._level if p is not None else 0


def _advance_chips() -> None:
    now = _now_us()
    for bus in list(_buses.values()):
        for chip in list(bus.values()):
            chip.advance_to(now)


def _scheduled_drives() -> None:
    """Run the ``drive`` calls the running asyncio loop has scheduled for now or earlier: a
    sleeping board cannot run the loop, but its pins still change when the world says."""
    try:
        import asyncio

        loop = asyncio.get_running_loop()
    except (ImportError, AttributeError, RuntimeError):
        return
    handles = getattr(loop, "_scheduled", None)  # CPython's timer heap
    if not handles:
        return
    for _ in range(100):  # a due event may schedule drives for now (a button press does)
        now = loop.time()
        due = [h for h in handles if h.when() <= now and _world_event(h)]
        if not due:
            return
        due.sort(key=lambda h: h.when())
        for h in due:
            fn, args = h._callback, h._args
            h.cancel()
            fn(*args)


def _world_event(handle: Any) -> bool:
    """A scheduled pin change, or a scenario event of the virtual board (``VirtualBoard.at``:
    button presses, faults), as opposed to the firmware's own timers."""
    fn = getattr(handle, "_callback", None)
    if fn is None:
        return False
    return fn is drive or getattr(fn, "__qualname__", "").endswith("VirtualBoard.at.<locals>.fire")


def deepsleep(time_ms: int | None = None) -> None:
    set_reset_cause(DEEPSLEEP_RESET)
    raise ResetRequested("machine.deepsleep()")


def disable_irq() -> int:
    return 0


def enable_irq(state: int = 0) -> None:
    pass
