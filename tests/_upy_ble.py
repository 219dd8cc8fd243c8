"""The central side of the tests that run the firmware on the MicroPython unix port with NimBLE
(kyphos.sim.upy): a board on a fresh virtual radio, and bleak hosts (bumble backend, the
client ``kyphos.connect`` uses) that connect to it by name."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from _ble_host import BleHost, open_host
from kyphos.protocol.frames import Status, decode_frame
from kyphos.transport.ble import STATUS_UUID


class Host(BleHost):
    poll_s = 0.01  # the MicroPython runtime runs in real time

    async def status_flags(self) -> int:
        frame, _ = decode_frame(bytes(await self.client.read_gatt_char(STATUS_UUID)))
        assert isinstance(frame.payload, Status)
        return int(frame.payload.flags)


async def connect(name: str, adapter: Any) -> Host:
    """Find ``name`` on ``adapter``'s radio, connect and subscribe to the data characteristic.
    The scan waits 20 s: the real-time MicroPython process and the emulated radio share the
    CPU with the other test worker, and at a load of ~8 on 2 cores a 10-s scan once missed a
    board that had booted (CI run of 1ba321b; 5 s alone)."""
    host: Host = await open_host(name, adapter, 20.0, Host)
    return host


async def booted(board: Any) -> str:
    """Wait (20 s at most) until the firmware advertises; its name."""
    async with asyncio.timeout(20):
        while board.device is None:
            assert not board.crashes, board.crashes
            await asyncio.sleep(0.05)
    return str(board.device.name)


def has_peer_bond(path: Path) -> bool:
    try:
        rows = json.loads(path.read_text())
    except (OSError, ValueError):
        return False
    return any(row[0] == 2 for row in rows)  # NimBLE's PEER_SEC entry of a bond


async def until_flag(host: Host, flag: int, want: bool = True) -> int:
    async with asyncio.timeout(5):
        while True:
            f = await host.status_flags()
            if bool(f & flag) == want:
                return f
            await asyncio.sleep(0.1)


async def press_for_pairing(board: Any, host: Host) -> None:
    """The wearer presses the button once the firmware runs, and the host waits until the
    board says its pairing window is open (STATUS_PAIRING). A PING answered first: the
    firmware's tasks (its button poll among them) have started, as a press before that is
    never seen. A fixed 0.8 s after the press raced the ~0.57 s the firmware takes to
    recognise a short press (coach.Presses waits 400 ms for a second press)."""
    from kyphos.protocol.constants import STATUS_PAIRING, Opcode

    await host.command(Opcode.PING)
    board.press("short")
    await until_flag(host, STATUS_PAIRING)


class Rig:
    """A started :class:`~kyphos.sim.upy.board.UpyBoard` on a fresh radio, and the hosts
    :meth:`connect` made (disconnected on the way out of :func:`upy_rig`)."""

    def __init__(self, board: Any, radio: Any) -> None:
        self.board = board
        self.radio = radio
        self.hosts: list[Host] = []

    async def connect(self, name: str, adapter: Any) -> Host:
        host = await connect(name, adapter)
        self.hosts.append(host)
        return host


@contextlib.asynccontextmanager
async def upy_rig(tmp_path: Path, binaries: Any, config: dict[str, Any] | None = None,
                  **kwargs: Any) -> AsyncIterator[Rig]:
    """The "demo" scenario's board with its flash in ``tmp_path / "flash"`` (``config`` written
    there as config.json first), started on a fresh radio; on the way out the hosts still
    connected disconnect, the board stops and the radio closes."""
    from kyphos.sim.radio import VirtualRadio
    from kyphos.sim.upy.board import UpyBoard

    flash = tmp_path / "flash"
    flash.mkdir()
    if config is not None:
        (flash / "config.json").write_text(json.dumps(config))
    board = UpyBoard("demo", binaries=binaries, fs_root=flash, **kwargs)
    radio = VirtualRadio()
    await board.start(radio)
    rig = Rig(board, radio)
    try:
        yield rig
    finally:
        for host in rig.hosts:
            if host.client.is_connected:
                await host.client.disconnect()
        await board.stop()
        await radio.close()
