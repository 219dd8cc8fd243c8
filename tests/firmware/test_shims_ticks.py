"""The CPython shims behave like MicroPython's ticks, clock and scheduler."""

from __future__ import annotations

import sys
import time
from typing import Any


def test_ticks_wrap_at_2_30_and_diff_across_the_wrap(virtual_clock: Any, firmware_shims: Any) -> None:
    virtual_clock.us = (1 << 30) - 5
    t0 = time.ticks_us()  # type: ignore[attr-defined]
    virtual_clock.advance_us(10)
    t1 = time.ticks_us()  # type: ignore[attr-defined]
    assert t0 == (1 << 30) - 5 and t1 == 5
    assert time.ticks_diff(t1, t0) == 10  # type: ignore[attr-defined]
    assert time.ticks_diff(t0, t1) == -10  # type: ignore[attr-defined]
    assert time.ticks_add(t0, 10) == t1  # type: ignore[attr-defined]
    assert time.ticks_add(5, -10) == (1 << 30) - 5  # type: ignore[attr-defined]


def test_sleep_advances_a_virtual_clock_instantly(virtual_clock: Any) -> None:
    t0 = time.ticks_ms()  # type: ignore[attr-defined]
    time.sleep_ms(60_000)  # type: ignore[attr-defined]
    assert time.ticks_diff(time.ticks_ms(), t0) == 60_000  # type: ignore[attr-defined]


def test_firmware_imports_and_const_is_identity(firmware_shims: Any) -> None:
    import frames
    import micropython

    assert micropython.const(7) == 7
    assert frames.__file__.endswith("firmware/frames.py")
    assert sys.modules["micropython"].__file__.endswith("shims/micropython.py")


def test_scheduled_callbacks_run_on_sleep(virtual_clock: Any) -> None:
    import micropython

    ran: list[int] = []
    micropython.schedule(ran.append, 1)
    micropython.schedule(ran.append, 2)
    assert ran == []
    time.sleep_ms(1)  # type: ignore[attr-defined]
    assert ran == [1, 2]
