"""USB serial when the host goes away or never reads (issue 14 item 5): ``Serial.connected``
clears, streaming to that port stops, and writing never holds up the sample loop.

The writer below models MicroPython's native-USB stdout with a host that has the port open
but does not read (``mp_usbd_cdc_tx_strn`` in shared/tinyusb/mp_usbd_cdc.c: once the FIFO is
full a write waits up to MICROPY_HW_USB_CDC_TX_TIMEOUT, 500 ms, then returns what fitted), and a
poll that reports POLLOUT always, as ports/esp32/mphalport.c ``mp_hal_stdio_poll`` does."""

from __future__ import annotations

import time
from typing import Any

import pytest


@pytest.fixture
def usb(firmware_shims: Any) -> Any:
    import usb

    return usb


class _CdcOut:
    """stdout of a board whose host opened the port and stopped reading."""

    def __init__(self, fifo: int = 256, timeout_s: float = 0.5) -> None:
        self.room = fifo
        self.timeout_s = timeout_s
        self.waited_s = 0.0

    def write(self, data: Any) -> int:
        n = min(len(data), self.room)
        self.room -= n
        if n < len(data):
            time.sleep(self.timeout_s)  # the TX timeout: the whole task waits
            self.waited_s += self.timeout_s
        return n


class _AlwaysWritable:
    def register(self, *_a: Any) -> None:
        pass

    def ipoll(self, _t: int) -> Any:
        return iter(((None, 4),))


class _NoInput:
    def readinto(self, _b: Any) -> int:
        return 0


def _frame(n: int = 40) -> bytes:
    import frames
    import frametools

    buf = bytearray(10 + n)
    frames.put_header(buf, 0, frametools.NOTE, n, 0, 0)
    return bytes(buf)


def test_a_host_that_stops_reading_is_dropped_after_host_gone_ms(usb: Any) -> None:
    import ble

    class Refuses:  # a port whose buffer is full: nothing is taken, nothing waits
        def write(self, _d: Any) -> int:
            return 0

    s = usb.Serial(_NoInput(), Refuses(), ble.Ring(4096))
    s.connected = True
    s.streams = 1
    assert s.put(_frame())
    t0 = 1000
    for dt in (0, 1000, usb._HOST_GONE_MS - 1):
        s.pump(t0 + dt)
        assert s.connected and s.streams == 1  # a slow host is not dropped at once
    s.pump(t0 + usb._HOST_GONE_MS)
    assert not s.connected and s.streams == 0 and s.ring.used == 0 and s.gone == 1


def test_a_host_that_reads_keeps_its_link(usb: Any) -> None:
    import ble

    class Takes:
        def write(self, d: Any) -> int:
            return len(d)

    s = usb.Serial(_NoInput(), Takes(), ble.Ring(4096))
    s.connected = True
    s.streams = 1
    for t in range(0, 3 * usb._HOST_GONE_MS, 500):
        assert s.put(_frame())
        s.pump(t)
    assert s.connected and s.streams == 1 and s.gone == 0


def test_a_port_open_but_not_read_costs_at_most_one_wait(usb: Any) -> None:
    import ble

    out = _CdcOut()
    stdio = usb.BoardStdio(stdin=_NoInput(), stdout=out, poll=_AlwaysWritable)
    s = usb.Serial(_NoInput(), stdio, ble.Ring(8192))
    s.connected = True
    s.streams = 1
    t0 = time.monotonic()
    for _ in range(10):  # ten link-task passes with frames to send
        if s.streams:  # as the runtime's routing does
            s.put(_frame(200))
        s.pump()
    assert not s.put(_frame(200))  # nothing is queued for a host that went away
    spent = time.monotonic() - t0
    # Writing the whole queue each pass would wait 0.5 s per pass (5 s); the board notices
    # the first wait and stops writing to the port.
    assert out.waited_s <= 0.5 and spent < 1.5, (out.waited_s, spent)
    assert not s.connected and s.streams == 0 and s.gone == 1


def test_an_idle_host_stops_counting_as_connected(usb: Any) -> None:
    """A host that sent a command and closed the port must not keep the board awake forever
    (the sleep policy stays awake while a link is connected)."""
    import ble

    class Takes:
        def write(self, d: Any) -> int:
            return len(d)

    s = usb.Serial(_NoInput(), Takes(), ble.Ring(4096))
    s._on_frame(bytearray(_frame(3)), 13)  # a frame from the host (not a CMD: not queued)
    t0 = time.ticks_ms()  # type: ignore[attr-defined]
    s.pump(time.ticks_add(t0, usb._HOST_IDLE_MS - 10))  # type: ignore[attr-defined]
    assert s.connected
    s.streams = 1  # streaming keeps it (its writes tell whether the host reads)
    s.pump(time.ticks_add(t0, usb._HOST_IDLE_MS + 10))  # type: ignore[attr-defined]
    assert s.connected
    s.streams = 0
    s.pump(time.ticks_add(t0, usb._HOST_IDLE_MS + 10))  # type: ignore[attr-defined]
    assert not s.connected
