"""The virtual board's USB serial on a real pseudo-terminal.

    port = PtySerial()              # opens the pty; port.path is e.g. /dev/pts/7
    port.attach(loop)               # bytes from the host are read on the board's event loop
    port.write(b"...")              # board → host
    n = port.readinto(buf)          # host → board, non-blocking (None when nothing came)

The host opens ``port.path`` with pyserial exactly like ``/dev/ttyACM0``. The slave side is in
raw mode (``tty.setraw``: no echo, no line editing, no CR/LF translation) and stays open here
as long as the port lives, so the host can open and close it any number of times. Bytes the
board writes while no host has the port open stay in the kernel's buffer and then in a bounded
local queue (oldest dropped, counted), as a USB CDC port's output is lost when no host reads it.
"""

from __future__ import annotations

import asyncio
import collections
import errno
import os
import tty
from collections.abc import Callable

_READ_SIZE = 4096
_TX_LIMIT = 256 * 1024  # bytes kept for a host that is not reading


class PtySerial:
    """One pseudo-terminal pair: the master is the board's USB, the slave the host's port."""

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        os.set_blocking(self.master, False)
        self.path = os.ttyname(self.slave)
        self._rx: collections.deque[bytes] = collections.deque()
        self._rx_len = 0
        self._tx = bytearray()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._writing = False
        self.on_input: Callable[[], None] | None = None  # called when host bytes arrive
        self.tx_dropped = 0  # board bytes dropped: no host reading
        self.rx_bytes = 0
        self.tx_bytes = 0
        self.closed = False

    # -- event loop wiring ---------------------------------------------------------
    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Read host bytes on ``loop`` (call from the loop's thread before the board runs)."""
        self._loop = loop
        loop.add_reader(self.master, self._on_readable)

    def _on_readable(self) -> None:
        try:
            data = os.read(self.master, _READ_SIZE)
        except BlockingIOError:
            return
        except OSError as exc:  # EIO: no slave open right now (Linux); try again later
            if exc.errno == errno.EIO:
                return
            raise
        if data:
            self._rx.append(data)
            self._rx_len += len(data)
            self.rx_bytes += len(data)
            if self.on_input is not None:
                self.on_input()

    # -- board side: a MicroPython-like stream -------------------------------------
    def any(self) -> int:
        """Bytes waiting from the host."""
        return self._rx_len

    def read(self, n: int = -1) -> bytes | None:
        if not self._rx:
            return None
        data = b"".join(self._rx)
        self._rx.clear()
        if 0 <= n < len(data):
            self._rx.append(data[n:])
            data = data[:n]
        self._rx_len = sum(len(x) for x in self._rx)
        return data

    def readinto(self, buf: bytearray | memoryview, nbytes: int | None = None) -> int | None:
        want = len(buf) if nbytes is None else min(nbytes, len(buf))
        data = self.read(want)
        if data is None:
            return None
        buf[: len(data)] = data
        return len(data)

    def write(self, data: bytes | bytearray | memoryview) -> int:
        """Queue ``data`` for the host; never blocks (returns len(data))."""
        if self.closed:
            return 0
        b = bytes(data)
        self.tx_bytes += len(b)
        self._tx += b
        if len(self._tx) > _TX_LIMIT:
            cut = len(self._tx) - _TX_LIMIT
            del self._tx[:cut]
            self.tx_dropped += cut
        self._flush()
        return len(b)

    def _flush(self) -> None:
        while self._tx:
            try:
                n = os.write(self.master, self._tx)
            except BlockingIOError:
                n = 0
            if n <= 0:
                break
            del self._tx[:n]
        want = bool(self._tx) and self._loop is not None
        if want and not self._writing:
            assert self._loop is not None
            self._loop.add_writer(self.master, self._flush)
            self._writing = True
        elif not want and self._writing:
            assert self._loop is not None
            self._loop.remove_writer(self.master)
            self._writing = False

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(self.master)
            if self._writing:
                self._loop.remove_writer(self.master)
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass
