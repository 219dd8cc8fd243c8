"""The virtual-board tests talk to the board the way a user's program does: ``kyphos.connect``
gives a :class:`kyphos.link.Device` (bleak on the virtual radio, or pyserial on the board's
pseudo-terminal), and what its ``stream()`` yields is what the test looks at.

``listen(board, radio)`` connects to an already running board (``running_board``) as a plain
link — no automatic reconnect, no back-fill, no keep-alive pings — so a fault shows as it
happened on the air; :class:`Listener` keeps every streamed frame and counts IMU samples.
Missing frames are the device layer's own count (seq gaps, ``Device.missing_frames``), corrupt
notifications the transport's (``counters.corrupt``)."""

from __future__ import annotations

import asyncio
from typing import Any

import kyphos
from kyphos.link import Device
from kyphos.protocol.constants import FrameType
from kyphos.protocol.frames import Ack


class Listener:
    """A connected Device and everything that came out of its stream."""

    def __init__(self, dev: Device, keep: bool = True) -> None:
        self.dev = dev
        self.keep = keep
        self.frames: list[tuple[int, bytes]] = []  # (host_us, frame bytes), data and INFO frames
        self.imu_samples = 0
        self._task = asyncio.get_running_loop().create_task(self._collect())

    async def _collect(self) -> None:
        async for batch in self.dev.stream():
            for rec in batch.frames:
                if self.keep:
                    self.frames.append((rec.host_us, rec.raw))
                if rec.raw[1] == FrameType.IMU:
                    self.imu_samples += rec.raw[14]

    @property
    def lost_frames(self) -> int:
        return self.dev.missing_frames()

    @property
    def corrupt(self) -> int:
        return self.dev.transport.counters.corrupt

    @property
    def notifications(self) -> int:
        return self.dev.transport.counters.packets_in

    @property
    def connected(self) -> bool:
        return bool(self.dev.transport.connected)

    async def command(self, opcode: int, args: bytes = b"") -> bytes:
        """Send a command through Device.command; the ACK's data."""
        rec = await self.dev.command(opcode, args)
        p = rec.frame.payload
        assert isinstance(p, Ack)
        return p.data

    async def close(self) -> None:
        await self.dev.close()
        await asyncio.wait_for(self._task, 5.0)


async def connect_sim(board: Any, radio: Any, via: str = "ble", **kwargs: Any) -> Device:
    """``kyphos.connect("sim:VIA")`` to a board that is already running (the test's own)."""
    opts: dict[str, Any] = {"auto_reconnect": False, "backfill": False, "ping_interval_s": 0}
    opts.update(kwargs)
    return await kyphos.connect(f"sim:{via}", board=board, radio=radio, **opts)


async def listen(board: Any, radio: Any, via: str = "ble", keep: bool = True,
                 **kwargs: Any) -> Listener:
    return Listener(await connect_sim(board, radio, via, **kwargs), keep=keep)
