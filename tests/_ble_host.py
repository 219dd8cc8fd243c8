"""The host side of the BLE tests: a bleak client (bumble backend, on a virtual radio) found by
the board's name, that collects the data characteristic's frames and sends CMD frames on the
control characteristic, waiting for their ACK/ERR."""

from __future__ import annotations

import asyncio
from typing import Any

from _firmware_app_board import cmd_frame
from bleak import BleakClient, BleakScanner
from kyphos.protocol import NotificationReceiver
from kyphos.protocol.frames import Ack, Err
from kyphos.transport.ble import CONTROL_UUID, DATA_UUID


class BleHost:
    """Subscribe :meth:`on_data` to the data characteristic; :meth:`command` polls the frames
    every ``poll_s`` for the answer to its request id (``timeout_s``, 5 s by default)."""

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

    async def command(self, opcode: int, args: bytes = b"", timeout_s: float = 5.0) -> Any:
        self._rid += 1
        rid = self._rid
        await self.client.write_gatt_char(CONTROL_UUID, cmd_frame(rid, opcode, args), response=True)
        async with asyncio.timeout(timeout_s):
            while True:
                for f in self.frames:
                    if isinstance(f.payload, (Ack, Err)) and f.payload.request_id == rid:
                        return f.payload
                await asyncio.sleep(self.poll_s)


async def open_client(name: str, adapter: Any, timeout: float = 5.0) -> BleakClient:
    """Find ``name`` on ``adapter``'s radio and connect a bleak client to it."""
    from kyphos.transport.bumble_backend import BumbleClient, BumbleScanner

    found = await BleakScanner.find_device_by_name(
        name, timeout=timeout, backend=BumbleScanner, bumble_adapter=adapter)
    assert found is not None, f"{name} is not advertising"
    client = BleakClient(found, backend=BumbleClient, bumble_adapter=adapter, timeout=timeout)
    await client.connect()
    return client


async def open_host(name: str, adapter: Any, timeout: float = 5.0,
                    cls: type[BleHost] = BleHost) -> Any:
    """:func:`open_client`, as a ``cls`` subscribed to the data characteristic."""
    client = await open_client(name, adapter, timeout)
    host = cls(client)
    await client.start_notify(DATA_UUID, host.on_data)
    return host
