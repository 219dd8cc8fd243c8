"""The one interface every link to a board implements, and the factory that picks one.

A target string chooses the transport (as bleak's ``BleakBackend`` picks a platform backend)::

    "sim"              the virtual board in this process (BLE on the virtual radio)
    "sim:serial"       the virtual board's USB serial on a pseudo-terminal
    "serial:/dev/ttyACM0"   a board on USB serial (pyserial)
    "replay:FILE.kyr[@SPEED]"  a recording played back (real time × SPEED; 0 = as fast as read)
    "kyphos-3A4F" or "C4:11:22:33:3A:4F"   a board over BLE, by name or address (bleak)

Transports are imported lazily, so a machine without bleak or pyserial can still replay.

Every transport delivers *received frames*: ``(host_us, raw, frame)`` where ``host_us`` is the
host receive time (µs since the Unix epoch, from a monotonic clock anchored once, so it never
jumps with NTP), ``raw`` the frame's exact bytes (what a recording stores) and ``frame`` the
decoded :class:`kyphos.protocol.Frame`. Receiving only enqueues; decoding happens when the
consumer takes frames from :meth:`Transport.recv`.
"""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, NamedTuple

from kyphos.errors import KyphosError
from kyphos.protocol.frames import Frame, decode_frame


class TransportKind(str, Enum):
    BLE = "ble"
    SERIAL = "serial"
    SIM = "sim"
    REPLAY = "replay"


class LinkError(KyphosError):
    """A link to a board failed: names the device and says what to do."""

    def __init__(self, device: str, problem: str, hint: str = "") -> None:
        self.device = device
        self.problem = problem
        self.hint = hint
        super().__init__(f"{device}: {problem}" + (f" — {hint}" if hint else ""))


class Disconnected(LinkError):
    """The link went away while a command or download was waiting on it."""


class Received(NamedTuple):
    host_us: int  # host receive time, µs since the Unix epoch; -1 for frames from the flash log
    raw: bytes  # the frame's bytes, exactly as sent
    frame: Frame


class HostClock:
    """Host time in µs since the Unix epoch, from the event loop's monotonic clock.

    Anchored to ``time.time_ns()`` once, so it never jumps with NTP, and it follows a
    simulated-time loop (``kyphos.sim.clock``) when the virtual board runs in fast mode.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self.loop = loop or asyncio.get_running_loop()
        self._t0_loop = self.loop.time()
        self._t0_us = time.time_ns() // 1000

    def now_us(self) -> int:
        return self._t0_us + int((self.loop.time() - self._t0_loop) * 1e6)


@dataclass
class LinkCounters:
    """What a transport counts about its own link (the device layer adds rates and loss)."""

    bytes_in: int = 0
    packets_in: int = 0  # received units: BLE notifications, serial reads, replayed records
    frames_in: int = 0
    corrupt: int = 0  # notifications / packets dropped as damaged
    frames_out: int = 0
    connects: int = 0
    disconnects: int = 0
    mtu: int | None = None  # negotiated ATT MTU (BLE)
    rssi: int | None = None  # dBm, where the platform reports it
    extra: dict[str, Any] = field(default_factory=dict)


class Transport(ABC):
    """A link to one board: connect, send command frames, receive frames, count.

    Subclasses implement :meth:`_open`, :meth:`_close`, :meth:`_write` and call
    :meth:`_enqueue` from their receive path (callback or thread: it only queues) and
    :meth:`_lost` when the link drops by itself.
    """

    kind: TransportKind

    def __init__(self, name: str) -> None:
        self.name = name  # how errors name the device
        self.counters = LinkCounters()
        self.clock: HostClock | None = None
        self._queue: asyncio.Queue[tuple[int, bytes] | None] | None = None
        self._pending: list[Received] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self.connected = False
        self.dropped: asyncio.Event | None = None  # set when the link drops by itself

    # -- what users of a transport call ---------------------------------------------------
    @property
    def encrypted(self) -> bool:
        """Whether the link protects commands that change or erase state (USB: physical
        access counts as trusted, as the firmware does)."""
        return True

    @property
    def can_reconnect(self) -> bool:
        return True

    async def connect(self) -> None:
        self._loop = asyncio.get_running_loop()
        if self.clock is None:
            self.clock = HostClock(self._loop)
        self._queue = asyncio.Queue()
        self._pending = []
        self.dropped = asyncio.Event()
        await self._open()
        self.connected = True
        self.counters.connects += 1

    async def disconnect(self) -> None:
        was = self.connected
        self.connected = False
        await self._close()
        if was and self._queue is not None:
            self._queue.put_nowait(None)

    async def send(self, frame: bytes) -> None:
        """Send one encoded frame (a CMD)."""
        if not self.connected:
            raise Disconnected(self.name, "not connected", "reconnect and try again")
        await self._write(frame)
        self.counters.frames_out += 1

    async def recv(self) -> Received | None:
        """The next received frame; None once the link has dropped or closed."""
        while not self._pending:
            assert self._queue is not None, "connect() first"
            item = await self._queue.get()
            if item is None:
                return None
            self._pending = self._decode(*item)
            self._pending.reverse()
        return self._pending.pop()

    def has_pending(self) -> bool:
        """Whether more received frames are waiting (the consumer batches until not)."""
        return bool(self._pending) or (self._queue is not None and not self._queue.empty())

    # -- for subclasses ---------------------------------------------------------------------
    def _enqueue(self, data: bytes, host_us: int | None = None) -> None:
        """Queue received bytes with their receive time (safe from the loop's thread only)."""
        if self._queue is None:
            return
        if host_us is None:
            assert self.clock is not None
            host_us = self.clock.now_us()
        self.counters.bytes_in += len(data)
        self.counters.packets_in += 1
        self._queue.put_nowait((host_us, data))

    def _enqueue_threadsafe(self, data: bytes) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._enqueue, data)

    def _lost(self) -> None:
        """The link dropped by itself (called in the loop's thread)."""
        if not self.connected:
            return
        self.connected = False
        self.counters.disconnects += 1
        if self.dropped is not None:
            self.dropped.set()
        if self._queue is not None:
            self._queue.put_nowait(None)

    def _decode(self, host_us: int, data: bytes) -> list[Received]:
        """Frames in one received unit (a notification: whole frames back to back)."""
        out: list[Received] = []
        pos = 0
        try:
            while pos < len(data):
                frame, end = decode_frame(data, pos)
                out.append(Received(host_us, bytes(data[pos:end]), frame))
                pos = end
        except KyphosError:
            self.counters.corrupt += 1
            return []  # a notification that does not split exactly is dropped whole
        self.counters.frames_in += len(out)
        return out

    @abstractmethod
    async def _open(self) -> None: ...

    @abstractmethod
    async def _close(self) -> None: ...

    @abstractmethod
    async def _write(self, frame: bytes) -> None: ...

    async def rssi(self) -> int | None:
        """Signal strength in dBm where the platform gives it, else None."""
        return self.counters.rssi


def parse_target(target: str) -> tuple[TransportKind, str]:
    """Split a target string into its kind and argument (see the module docstring)."""
    t = target.strip()
    if not t:
        raise KyphosError("empty device target; give a BLE name or address, sim, or serial:PORT")
    low = t.lower()
    if low == "sim" or low.startswith("sim:"):
        return TransportKind.SIM, t[4:]
    if low.startswith("serial:"):
        return TransportKind.SERIAL, t[7:]
    if low.startswith("replay:"):
        return TransportKind.REPLAY, t[7:]
    if low.endswith(".kyr"):
        return TransportKind.REPLAY, t
    if t.startswith("/dev/") or low.startswith("com") and low[3:].isdigit():
        return TransportKind.SERIAL, t
    return TransportKind.BLE, t


def open_transport(target: str, **kwargs: Any) -> Transport:
    """The transport for ``target`` (not connected yet); backends are imported only here."""
    kind, arg = parse_target(target)
    if kind is TransportKind.SERIAL:
        from kyphos.transport.serial import SerialTransport

        return SerialTransport(arg, **kwargs)
    if kind is TransportKind.REPLAY:
        from kyphos.transport.replay import ReplayTransport

        path, _, speed = arg.partition("@")
        if speed and "speed" not in kwargs:
            kwargs["speed"] = float(speed)
        return ReplayTransport(path, **kwargs)
    if kind is TransportKind.SIM:
        from kyphos.transport.sim import SimTransport

        return SimTransport(arg or "ble", **kwargs)
    from kyphos.transport.ble import BleTransport

    return BleTransport(arg, **kwargs)
