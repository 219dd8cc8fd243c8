"""A small host for a kyphos board over bleak (BLE) or pyserial (USB serial).

Used by ``kyphos demo`` and the virtual-board tests; it makes only bleak and pyserial calls, so
it talks to a real board as well (pass no ``bumble_adapter`` and bleak's OS backend is used)::

    link = await BleLink.connect("kyphos-3A4F", backend=True)   # the bumble backend
    info = await link.command(Opcode.GET_INFO)
    link.writer = KyrWriter(path, header)                          # record every frame
    await link.command(Opcode.START, bytes([0b111]))

Every frame received is kept in ``frames`` as ``(host_us, frame_bytes)`` (unless
``keep=False``), written to ``writer`` if one is set, and counted: data ``seq`` gaps
(``lost_frames``) and IMU samples (``imu_samples``). ``host_us`` comes from ``clock_us``:
wall-clock µs by default; on a virtual board, the loop's simulated time on an epoch.
"""

from __future__ import annotations

import asyncio
import struct
import time
from collections.abc import Callable
from typing import Any

from kyphos.errors import KyphosError
from kyphos.protocol.constants import DATA_TYPES, HEADER_SIZE, FrameType
from kyphos.protocol.frames import (
    Ack,
    Cmd,
    Err,
    Event,
    Frame,
    decode_frame,
    encode_frame,
    make_frame,
)
from kyphos.protocol.serial import SerialDeframer, serial_packet
from kyphos.transport.ble import CONTROL_UUID, DATA_UUID


class CommandError(KyphosError):
    """The board answered a command with ERR."""


def loop_clock_us(epoch_us: int | None = None) -> Callable[[], int]:
    """host_us from the running loop's time (simulated on a virtual board) on a Unix epoch."""
    loop = asyncio.get_running_loop()
    base = (time.time_ns() // 1000 if epoch_us is None else epoch_us) - int(loop.time() * 1e6)
    return lambda: base + int(loop.time() * 1e6)


class _Link:
    """What both links share: frame accounting, recording, command answers."""

    def __init__(self, clock_us: Callable[[], int] | None = None, keep: bool = True) -> None:
        self.clock_us = clock_us or (lambda: time.time_ns() // 1000)
        self.keep = keep
        self.frames: list[tuple[int, bytes]] = []
        self.writer: Any = None
        self.imu_samples = 0
        self.data_frames = 0
        self.lost_frames = 0
        self.corrupt = 0
        self.boots = 0
        self._last_seq: int | None = None
        self._req = 0
        self._waiting: dict[int, asyncio.Future[Frame]] = {}
        self._parts: dict[int, list[bytes]] = {}  # ACK continuation (docs/protocol.md)
        self.on_frame: Callable[[Frame, bytes], None] | None = None

    def _take(self, raw: bytes, host_us: int) -> None:
        frame, _ = decode_frame(raw)
        ftype = frame.type
        if ftype in DATA_TYPES:
            if isinstance(frame.payload, Event) and frame.payload.kind == 8:  # BOOT: new epoch
                self._last_seq = None
                self.boots += 1
            if self._last_seq is not None:
                self.lost_frames += (frame.seq - self._last_seq - 1) % 65536
            self._last_seq = frame.seq
            self.data_frames += 1
            if ftype == FrameType.IMU:
                self.imu_samples += raw[HEADER_SIZE + 4]
        p = frame.payload
        if isinstance(p, Ack) and p.opcode & 0x80:  # a part of a long answer: more follow
            self._parts.setdefault(p.request_id, []).append(p.data)
        elif isinstance(p, (Ack, Err)):
            parts = self._parts.pop(p.request_id, None)
            if parts and isinstance(p, Ack):  # the last part: the whole answer's data
                frame = Frame(frame.seq, frame.t_us,
                              Ack(p.request_id, p.opcode, b"".join(parts) + p.data))
            fut = self._waiting.pop(p.request_id, None)
            if fut is not None and not fut.done():
                fut.set_result(frame)
        if self.keep:
            self.frames.append((host_us, raw))
        if self.writer is not None:
            self.writer.write(raw, host_us)
        if self.on_frame is not None:
            self.on_frame(frame, raw)

    async def _send(self, packet: bytes) -> None:
        raise NotImplementedError

    async def command(self, opcode: int, args: bytes = b"", timeout: float = 10.0) -> bytes:
        """Send one CMD and wait for its answer: the ACK data; CommandError on ERR."""
        self._req = (self._req + 1) & 0xFFFF
        req = self._req
        fut: asyncio.Future[Frame] = asyncio.get_running_loop().create_future()
        self._waiting[req] = fut
        await self._send(make_frame(Cmd(req, int(opcode), bytes(args)), seq=req))
        try:
            answer = await asyncio.wait_for(fut, timeout)
        except asyncio.TimeoutError:
            self._waiting.pop(req, None)
            raise KyphosError(f"no answer to command 0x{int(opcode):02x} in {timeout:g} s") from None
        p = answer.payload
        if isinstance(p, Err):
            raise CommandError(f"command 0x{int(opcode):02x} refused: ERR {p.code} {p.message}")
        assert isinstance(p, Ack)
        return p.data


def _split(data: bytes) -> list[bytes]:
    """Whole frames of one notification (ValueError if it does not split exactly)."""
    out = []
    off = 0
    while off < len(data):
        if len(data) - off < HEADER_SIZE:
            raise ValueError("partial header")
        (n,) = struct.unpack_from("<H", data, off + 2)
        end = off + HEADER_SIZE + n
        if end > len(data):
            raise ValueError("partial frame")
        decode_frame(data[off:end])  # validates: FrameError on anything wrong
        out.append(data[off:end])
        off = end
    return out


class BleLink(_Link):
    """A board over bleak: notifications on the data characteristic, CMDs written to control."""

    def __init__(self, client: Any, **kw: Any) -> None:
        super().__init__(**kw)
        self.client = client
        self.notifications = 0

    @classmethod
    async def connect(cls, name: str, *, bumble_adapter: Any = None, backend: bool = True,
                      timeout: float = 10.0, **kw: Any) -> BleLink:
        """Find ``name`` by scanning, connect, subscribe. ``backend`` True: kyphos's bumble
        backend (the virtual radio); False: bleak's OS backend (a real board)."""
        from bleak import BleakClient, BleakScanner

        extra: dict[str, Any] = {}
        if backend:
            from kyphos.transport.bumble_backend import BumbleClient, BumbleScanner

            extra = {"backend": BumbleScanner}
            if bumble_adapter is not None:
                extra["bumble_adapter"] = bumble_adapter
        device = await BleakScanner.find_device_by_name(name, timeout=timeout, **extra)
        if device is None:
            raise KyphosError(f"no board named {name} found in {timeout:g} s")
        if backend:
            extra["backend"] = BumbleClient
        client = BleakClient(device, timeout=timeout, **extra)
        await client.connect()
        link = cls(client, **kw)
        await client.start_notify(DATA_UUID, link._on_notify)
        return link

    def _on_notify(self, _char: Any, data: bytearray) -> None:
        self.notifications += 1
        host_us = self.clock_us()
        try:
            raws = _split(bytes(data))
        except Exception:
            self.corrupt += 1  # discarded whole (docs/protocol.md section 3)
            return
        for raw in raws:
            self._take(raw, host_us)

    async def _send(self, packet: bytes) -> None:
        await self.client.write_gatt_char(CONTROL_UUID, packet, response=True)

    async def close(self) -> None:
        if self.client.is_connected:
            await self.client.disconnect()


class SerialLink(_Link):
    """A board over pyserial (``/dev/ttyACM0`` or a virtual board's pty), read on the loop."""

    def __init__(self, port: str, **kw: Any) -> None:
        import serial

        super().__init__(**kw)
        self.port = serial.Serial(port, 115200, timeout=0)
        self.deframer = SerialDeframer()
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(self.port.fileno(), self._on_readable)

    def _on_readable(self) -> None:
        data = self.port.read(4096)
        if not data:
            return
        host_us = self.clock_us()
        before = self.deframer.dropped
        for frame in self.deframer.feed(data):
            self._take(encode_frame(frame), host_us)
        self.corrupt += self.deframer.dropped - before

    async def _send(self, packet: bytes) -> None:
        self.port.write(serial_packet(packet))

    async def close(self) -> None:
        self._loop.remove_reader(self.port.fileno())
        self.port.close()
