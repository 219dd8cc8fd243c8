"""The watchdog on the MicroPython runtime: the firmware's machine.WDT is the host's model (the
same rules as the CPython shim: armed for good, resets the chip on expiry, ports/esp32/
machine_wdt.c). A firmware that stops running (here: the MicroPython process is frozen with
SIGSTOP, as a hung loop would stop feeding) is reset after the 8 s timeout and boots again with
reset cause WDT_RESET."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _upy import binaries  # noqa: E402
from _upy_ble import booted  # noqa: E402


def test_a_hung_firmware_is_reset_by_the_watchdog() -> None:
    from kyphos.sim.radio import VirtualRadio
    from kyphos.sim.upy.board import UpyBoard

    bins = binaries()

    async def run() -> list[tuple[float, str]]:
        board = UpyBoard("demo", binaries=bins)
        radio = VirtualRadio()
        try:
            await board.start(radio)
            await booted(board)
            assert board.proc is not None
            os.kill(board.proc.pid, signal.SIGSTOP)  # hung: nothing runs, nothing feeds
            async with asyncio.timeout(20):
                while board.boots < 2 or board.device is None:
                    await asyncio.sleep(0.1)
            return list(board.events)
        finally:
            await board.stop()
            await radio.close()
            board.cleanup()

    events = asyncio.run(run())
    whats = [w for _t, w in events]
    assert "watchdog expired" in whats, whats
    t_boot1 = next(t for t, w in events if w.startswith("boot 1"))
    t_wdt = next(t for t, w in events if w == "watchdog expired")
    assert 7.0 <= t_wdt - t_boot1 <= 12.0, events  # the 8 s timeout, checked once a second
    assert any(w.startswith("boot 2 (cause 3") for w in whats), whats  # WDT_RESET
