"""An asyncio event loop on simulated time, and the shim clock that reads it.

The virtual board runs the firmware's tasks, bumble's radio and (in process) the host's bleak
client on one loop. Everything times itself with ``loop.time()`` (asyncio sleeps, bumble's
timers, bleak's timeouts) and the firmware's ``time.ticks_us`` reads the same clock through
:class:`LoopClock`, so one simulated clock drives the whole chain:

- ``speed=X`` (X > 0): simulated time runs X times real time (1 = a real board);
- ``speed=None`` (fast mode): simulated time stands still while there is work and jumps to
  the next timer when the loop would wait. A run takes exactly as long as its computation,
  however long the scenario is. Real I/O (a pty, a TCP socket) is still polled on every
  turn; with nothing scheduled at all the loop blocks for real I/O as usual.

    loop = VirtualTimeLoop(speed=None)
    shims.install(LoopClock(loop))
    loop.run_until_complete(main())

The loop works by wrapping its selector: ``_run_once`` asks ``select(timeout)`` to wait for
the next timer; the wrapper polls instead and moves the clock by ``timeout``.
"""

from __future__ import annotations

import asyncio
import selectors
import time
from typing import Any


class _TimeSelector:
    """A selector that turns waiting into a clock jump (fast) or a shorter wait (speed X)."""

    def __init__(self, inner: selectors.BaseSelector, loop: VirtualTimeLoop) -> None:
        self._inner = inner
        self._loop = loop

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        loop = self._loop
        if loop.speed is None:
            if timeout is None:  # nothing scheduled: only real I/O can wake us
                return self._inner.select(None)
            events = self._inner.select(0)
            if not events and timeout > 0:
                loop.advance(timeout)
            return events
        real = None if timeout is None else timeout / loop.speed
        return self._inner.select(real)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """A selector event loop whose ``time()`` is simulated time (s).

    ``speed`` None = fast mode (as fast as the computation allows), else the ratio of
    simulated to real time. ``advance(dt)`` moves the clock (a blocking sleep in the firmware,
    or an idle jump); in speed mode it also offsets the real-time mapping.
    """

    def __init__(self, speed: float | None = None, start: float = 0.0) -> None:
        super().__init__()
        if speed is not None and speed <= 0:
            raise ValueError("speed must be positive (None = fast mode)")
        self.speed = speed
        self._virtual = start  # fast mode: the clock itself
        self._offset = start  # speed mode: clock = offset + speed * (real - real0)
        self._real0 = time.monotonic()
        self._selector = _TimeSelector(self._selector, self)  # type: ignore

    def time(self) -> float:
        if self.speed is None:
            return self._virtual
        return self._offset + self.speed * (time.monotonic() - self._real0)

    def advance(self, seconds: float) -> None:
        """Move simulated time forward by ``seconds`` without waiting for it."""
        if seconds <= 0:
            return
        if self.speed is None:
            self._virtual += seconds
        else:
            self._offset += seconds


class LoopClock:
    """The shims' clock (``kyphos.sim.shims.Clock``) on a :class:`VirtualTimeLoop`.

    ``now_us`` is the loop's time in µs; a blocking ``sleep_us`` in firmware code moves
    simulated time (fast mode) or really sleeps for the scaled time (speed mode), as a
    blocking sleep holds up everything else on a board too.
    """

    def __init__(self, loop: VirtualTimeLoop) -> None:
        self.loop = loop

    def now_us(self) -> int:
        return int(self.loop.time() * 1e6)

    def sleep_us(self, us: int) -> None:
        if us <= 0:
            return
        if self.loop.speed is None:
            self.loop.advance(us / 1e6)
        else:
            time.sleep(us / 1e6 / self.loop.speed)


def run(coro: Any, speed: float | None = None) -> Any:
    """Run ``coro`` to completion on a fresh :class:`VirtualTimeLoop` (like ``asyncio.run``)."""
    loop = VirtualTimeLoop(speed)
    try:
        asyncio.set_event_loop(loop)
        return loop.run_until_complete(coro)
    finally:
        try:
            _cancel_all(loop)
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            asyncio.set_event_loop(None)
            loop.close()


def _cancel_all(loop: asyncio.AbstractEventLoop) -> None:
    tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for t in tasks:
        t.cancel()
    if tasks:
        loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
