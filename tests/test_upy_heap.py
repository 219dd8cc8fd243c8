"""Issue 14 item 9 on the real MicroPython heap (kyphos.sim.upy): the ESP32 DevKitC profile has
~134 KB of Python heap at boot (micropython issue 18859), so its link rings are smaller
(firmware/boards.py ble_ring/usb_ring) while the S3 keeps its larger buffers. Measured as
gc.mem_alloc() after a collect, once the Device is built, on the unix port with the board's USB
serial as app.run() has it (port/kyboot.py footprint stage "device built")."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _upy import binaries  # noqa: E402
from _upy_ble import booted  # noqa: E402


async def _footprint(board_name: str, bins: Any) -> dict[str, tuple[int, int]]:
    from kyphos.sim.radio import VirtualRadio
    from kyphos.sim.upy.board import UpyBoard

    board = UpyBoard("demo", board=board_name, serial=True, binaries=bins)
    radio = VirtualRadio()
    try:
        await board.start(radio)
        await booted(board)
        return dict(board.ports[-1].footprint)
    finally:
        await board.stop()
        await radio.close()
        board.cleanup()


def test_devkitc_profile_uses_less_heap_than_the_s3() -> None:
    bins = binaries()

    async def run() -> tuple[dict[str, Any], dict[str, Any]]:
        return await _footprint("esp32_devkitc", bins), await _footprint("xiao_esp32s3", bins)

    devkitc, s3 = asyncio.run(run())
    for fp in (devkitc, s3):
        assert {"interpreter", "firmware imported", "device built"} <= set(fp)
    # Same code imported on both...
    assert abs(devkitc["firmware imported"][0] - s3["firmware imported"][0]) < 512
    # ...but the DevKitC's rings are 14 KB smaller (8 KB BLE + 6 KB USB; old code: equal).
    saved = s3["device built"][0] - devkitc["device built"][0]
    assert 14 * 1024 - 512 <= saved <= 14 * 1024 + 1024, (devkitc, s3)
