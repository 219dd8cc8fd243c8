"""CPython stand-in for MicroPython's ``micropython`` module (only what firmware uses).

``schedule`` queues the callback as MicroPython does; the queue runs when firmware sleeps
(``time.sleep_ms``/``sleep_us`` from the shims) or when the virtual board calls
``run_scheduled()`` (a shim-only function).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
_F = TypeVar("_F", bound=Callable[..., Any])

_SCHEDULE_DEPTH = 8  # MicroPython's default MICROPY_SCHEDULER_DEPTH
_queue: deque[tuple[Callable[[Any], Any], Any]] = deque()


def const(value: T) -> T:
    return value


def native(func: _F) -> _F:
    return func


def viper(func: _F) -> _F:
    return func


def schedule(func: Callable[[Any], Any], arg: Any) -> None:
    if len(_queue) >= _SCHEDULE_DEPTH:
        raise RuntimeError("schedule queue full")
    _queue.append((func, arg))


def run_scheduled() -> int:
    """Run the queued callbacks (shim only); returns how many ran."""
    n = 0
    while _queue:
        func, arg = _queue.popleft()
        func(arg)
        n += 1
    return n


def alloc_emergency_exception_buf(size: int) -> None:
    pass


def heap_lock() -> int:
    return 0


def heap_unlock() -> int:
    return 0


def kbd_intr(chr: int) -> None:
    pass


def opt_level(level: int | None = None) -> int | None:
    return 0 if level is None else None


def mem_info(verbose: int = 0) -> None:
    print("mem: not available on CPython")


def stack_use() -> int:
    return 0
