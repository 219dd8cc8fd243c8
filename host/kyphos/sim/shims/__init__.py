"""Run the firmware's modules on CPython.

`install()` puts this folder (MicroPython-only modules: ``micropython``, ``machine``,
``bluetooth``, …) and ``firmware/`` on ``sys.path`` and adds MicroPython's tick functions
(``ticks_us``, ``ticks_ms``, ``ticks_diff``, ``ticks_add``, ``sleep_ms``, ``sleep_us``) to
CPython's ``time`` module, plus ``gc.mem_alloc``/``gc.mem_free``. The ticks read a replaceable
clock: the real monotonic clock by default, or a `VirtualClock` that the virtual board
advances faster than real time (``set_clock``). Ticks wrap at 2**30 as on the ESP32 port, so
firmware wrap handling is exercised too.

This folder is put on ``sys.path`` itself, so nothing in it but the shim modules may be
importable by a plain name; the clock lives in this ``__init__``.
"""

from __future__ import annotations

import gc
import sys
import time
from pathlib import Path
from typing import Protocol

from kyphos.resources import firmware_dir

SHIMS_DIR = Path(__file__).resolve().parent
FIRMWARE_DIR = firmware_dir()  # the checkout's firmware/, or the copy inside an installed wheel

TICKS_PERIOD = 1 << 30  # MicroPython's ticks period on 32-bit ports (ESP32, WebAssembly)
_MASK = TICKS_PERIOD - 1
_HALF = TICKS_PERIOD // 2


class Clock(Protocol):
    """What the tick functions read: a microsecond counter that never wraps."""

    def now_us(self) -> int: ...

    def sleep_us(self, us: int) -> None: ...


class RealClock:
    """The host's monotonic clock, starting at 0 when created."""

    def __init__(self) -> None:
        self._t0_ns = time.perf_counter_ns()

    def now_us(self) -> int:
        return (time.perf_counter_ns() - self._t0_ns) // 1000

    def sleep_us(self, us: int) -> None:
        if us > 0:
            time.sleep(us / 1e6)


class VirtualClock:
    """A clock that moves only when told: sleeping advances it instantly."""

    def __init__(self, start_us: int = 0) -> None:
        self.us = start_us

    def now_us(self) -> int:
        return self.us

    def advance_us(self, us: int) -> None:
        self.us += us

    def sleep_us(self, us: int) -> None:
        if us > 0:
            self.us += us


_clock: Clock = RealClock()


def set_clock(clock: Clock) -> Clock:
    """Make the tick functions read `clock`; returns the previous one."""
    global _clock
    old, _clock = _clock, clock
    return old


def get_clock() -> Clock:
    return _clock


def ticks_us() -> int:
    return _clock.now_us() & _MASK


def ticks_ms() -> int:
    return (_clock.now_us() // 1000) & _MASK


def ticks_diff(end: int, start: int) -> int:
    """Signed difference of two tick values, correct across one wrap (MicroPython's rule)."""
    return ((end - start + _HALF) & _MASK) - _HALF


def ticks_add(ticks: int, delta: int) -> int:
    return (ticks + delta) & _MASK


def sleep_us(us: int) -> None:
    _run_scheduled()
    _clock.sleep_us(us)


def sleep_ms(ms: int) -> None:
    sleep_us(ms * 1000)


def _run_scheduled() -> None:
    mp = sys.modules.get("micropython")
    run = getattr(mp, "run_scheduled", None)
    if run is not None:
        run()


_TIME_FUNCS = {
    "ticks_us": ticks_us,
    "ticks_ms": ticks_ms,
    "ticks_cpu": ticks_us,
    "ticks_diff": ticks_diff,
    "ticks_add": ticks_add,
    "sleep_ms": sleep_ms,
    "sleep_us": sleep_us,
}


def install(clock: Clock | None = None) -> None:
    """Make firmware modules importable and MicroPython's builtins available (idempotent)."""
    for folder in (FIRMWARE_DIR, SHIMS_DIR):
        if str(folder) not in sys.path:
            sys.path.insert(0, str(folder))
    for name, func in _TIME_FUNCS.items():
        setattr(time, name, func)
    if not hasattr(gc, "mem_alloc"):
        # CPython cannot tell: report 0 (allocation checks skip themselves on CPython).
        gc.mem_alloc = lambda: 0  # type: ignore[attr-defined]
        gc.mem_free = lambda: 0  # type: ignore[attr-defined]
    if clock is not None:
        set_clock(clock)
