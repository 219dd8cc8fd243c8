"""The STATUS characteristic holds a STATUS frame from boot, not only once the app has seen a
central connect: a central that reads it at once after connecting (a phone app on connect, the
NimBLE pairing test after a firmware restart on a loaded CI machine) got an empty value, since
MicroPython's ``gatts_set_buffer`` empties it and the app wrote it only while connected. The
frame is kept over the radio's off/on around light sleep too (the stack re-registers the
services, which empties every value again)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _ble_host import BleHost as Host  # noqa: E402
from _ble_host import open_host  # noqa: E402
from _firmware_app_board import install_app, start_device, stop_device, wait_for  # noqa: E402
from kyphos.protocol.frames import Status, decode_frame  # noqa: E402
from kyphos.transport.ble import STATUS_UUID  # noqa: E402


def _status_value(dev: Any) -> Status:
    frame, _ = decode_frame(dev.ble.ble.gatts_read(dev.ble.h_status))
    assert isinstance(frame.payload, Status)
    return frame.payload


def test_status_characteristic_holds_a_frame_before_any_central_and_after_radio_off(
    tmp_path: Path,
) -> None:
    app = install_app()

    async def run() -> None:
        from kyphos.sim.radio import VirtualRadio

        radio = VirtualRadio()
        ble = await radio.peripheral("C4:11:22:33:4F:0D")
        central = await radio.central()
        dev, task = await start_device(app, tmp_path, ble=ble)
        try:
            await wait_for(lambda: len(dev.ble.ble.gatts_read(dev.ble.h_status)) > 0, 3)
            assert not dev.ble.connected
            assert _status_value(dev).battery_pct == dev.power.pct

            dev.ble.radio_off()
            assert dev.ble.radio_on_again()
            _status_value(dev)  # written again at the stack's start, before any pass of the app

            host: Host = await open_host(dev.name, central)
            try:
                frame, _ = decode_frame(bytes(await host.client.read_gatt_char(STATUS_UUID)))
                assert isinstance(frame.payload, Status)
            finally:
                await host.client.disconnect()
        finally:
            await stop_device(dev, task)
            await radio.close()

    asyncio.run(run())
