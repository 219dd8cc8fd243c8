"""The host side of the BLE tests: a bleak client that collects the data characteristic's
frames and sends CMD frames on the control characteristic, waiting for their ACK/ERR."""

from __future__ import annotations

import asyncio
from typing import Any

from _firmware_app_board import cmd_frame
from bleak import BleakClient
from kyphos.protocol import NotificationReceiver
from kyphos.protocol.frames import Ack, Err
from kyphos.transport.ble import CONTROL_UUID


class BleHost:
    """Subscribe :meth:`on_data` to the data characteristic; :meth:`command` polls the frames
    every ``poll_s`` for the answer to its request id (5 s at most)."""

    poll_s = 0.005

    def __init__(self, client: BleakClient) -> None:
        self.client = client
        self.rx = NotificationReceiver()
        self.frames: list[Any] = []
        self.sizes: list[int] = []
        self._rid = 0

    def on_data(self, _char: Any, data: bytearray) -> None:
        self.sizes.append(len(data))
        self.frames.extend(self.rx.feed(bytes(data)))

    def of(self, kind: type) -> list[Any]:
        return [f for f in self.frames if isinstance(f.payload, kind)]

    async def command(self, opcode: int, args: bytes = b"") -> Any:
        self._rid += 1
        rid = self._rid
        await self.client.write_gatt_char(CONTROL_UUID, cmd_frame(rid, opcode, args), response=True)
        async with asyncio.timeout(5):
            while True:
                for f in self.frames:
                    if isinstance(f.payload, (Ack, Err)) and f.payload.request_id == rid:
                        return f.payload
                await asyncio.sleep(self.poll_s)
