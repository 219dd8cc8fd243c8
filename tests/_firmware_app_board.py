"""A minimal board for the firmware app's end-to-end tests: the real ``firmware/app.py`` on
CPython with the shims (machine I2C -> a register-level LSM6DSOX model, bluetooth -> bumble),
an in-memory USB serial pipe, and a host side that speaks the protocol with ``kyphos.protocol``.
(The product virtual board is ``kyphos sim``; this is only what the tests need.)
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kyphos.protocol import SerialDeframer, serial_packet
from kyphos.protocol.frames import Ack, Err, Frame, decode_frames

BATTERY_UV = 1_950_000  # 3.9 V cell behind the profiles' 1:2 divider


def install_board(chip_cls_name: str = "LSM6DSOX", source: Callable[..., Any] | None = None) -> Any:
    """Shims installed, machine state fresh, one IMU on I2C bus 0; returns the chip model."""
    from kyphos.sim import chips, shims

    shims.install()
    import machine

    machine.reset_state()
    chip = getattr(chips, chip_cls_name)(0x6A if "LSM6" in chip_cls_name else 0x68, source)
    machine.attach(0, chip)
    machine.set_adc_uv(1, BATTERY_UV)  # the virtual profile's battery pin
    return chip


def install_app() -> Any:
    """:func:`install_board` (its default chip) with the bluetooth shim too; the firmware's
    ``app`` module, imported after both."""
    from kyphos.sim.shims import bluetooth as bt_shim

    install_board()
    bt_shim.install()
    import app

    return app


def cmd_frame(request_id: int, opcode: int, args: bytes = b"", seq: int = 0) -> bytes:
    """A CMD frame (host counter in seq)."""
    payload = struct.pack("<HB", request_id, opcode) + args
    return struct.pack("<BBHHI", 1, 0x10, len(payload), seq, 0) + payload


class Pipe:
    """One direction of an in-memory serial line (non-blocking reader and writer)."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.written = 0

    def readinto(self, buf: Any) -> int:
        n = min(len(buf), len(self.data))
        buf[:n] = self.data[:n]
        del self.data[:n]
        return n

    def write(self, data: Any) -> int:
        self.data += bytes(data)
        self.written += len(data)
        return len(data)


class SerialHost:
    """The host end of the serial pipe: writes CMD packets, collects decoded frames."""

    def __init__(self) -> None:
        self.to_board = Pipe()
        self.from_board = Pipe()
        self.deframer = SerialDeframer()
        self.frames: list[Frame] = []
        self._rid = 0

    @property
    def board_side(self) -> tuple[Pipe, Pipe]:
        return self.to_board, self.from_board

    def collect(self) -> list[Frame]:
        data = bytes(self.from_board.data)
        self.from_board.data.clear()
        new = self.deframer.feed(data)
        self.frames.extend(new)
        return new

    def of(self, kind: type) -> list[Any]:
        """Payloads of one type received so far (collects first)."""
        self.collect()
        return [f.payload for f in self.frames if isinstance(f.payload, kind)]

    def send_raw(self, packet: bytes) -> None:
        self.to_board.write(packet)

    async def command(self, opcode: int, args: bytes = b"", timeout: float = 5.0) -> Frame:
        """Send one CMD and wait for its ACK or ERR."""
        self._rid += 1
        rid = self._rid
        self.send_raw(serial_packet(cmd_frame(rid, opcode, args)))
        return await wait_answer(self.collect, self.frames, rid, timeout)


async def wait_answer(
    collect: Callable[[], Any], seen: list[Frame], rid: int, timeout: float = 5.0
) -> Frame:
    async with asyncio.timeout(timeout):
        while True:
            collect()
            for f in seen:
                p = f.payload
                if isinstance(p, (Ack, Err)) and p.request_id == rid:
                    return f
            await asyncio.sleep(0.005)


async def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.005)


def split(data: bytes) -> list[Frame]:
    return decode_frames(data)


async def start_device(app: Any, fs_root: Path, **kw: Any) -> tuple[Any, asyncio.Task[Any]]:
    """Run app.main in a task; returns (device, task) once the device is built."""
    built: list[Any] = []
    task = asyncio.get_running_loop().create_task(
        app.main(str(fs_root), on_device=built.append, **kw)
    )
    await wait_for(lambda: bool(built) or task.done())
    if task.done():
        task.result()  # raise what went wrong
    return built[0], task


async def stop_device(dev: Any, task: asyncio.Task[Any]) -> None:
    dev.shutdown()
    await asyncio.wait_for(task, 5)
