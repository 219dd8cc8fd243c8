"""Issue 14 item 5 on real MicroPython: a USB host that opens the port, starts a stream and
never reads must not stall the board. The firmware runs on the MicroPython 1.28 unix port with
NimBLE (kyphos.sim.upy) with its USB serial on a pseudo-terminal nobody reads, while a BLE
central streams too. With a plain blocking ``sys.stdout`` write (the old ``BoardStdio.write``)
the process stalls once the terminal's buffer is full (~7 s at 104 Hz): the BLE stream fell to
0 samples/s in the same run; ``BoardStdio`` now writes only what the port takes."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _firmware_app_board import cmd_frame as _cmd  # noqa: E402
from _upy import binaries  # noqa: E402
from _upy_ble import booted, upy_rig  # noqa: E402
from kyphos.protocol import Opcode, serial_packet  # noqa: E402
from kyphos.protocol.frames import Ack, Imu  # noqa: E402


def test_a_usb_host_that_never_reads_does_not_stall_the_board(tmp_path: Path) -> None:
    bins = binaries()

    async def run() -> float:
        async with upy_rig(tmp_path, bins, usb_serial=True) as rig:
            board, radio = rig.board, rig.radio
            name = await booted(board)
            host = await rig.connect(name, await radio.central())
            assert isinstance(await host.command(Opcode.START, bytes([3])), Ack)
            assert board.serial is not None
            # The USB host: START, then it never reads its end of the terminal.
            os.write(board.serial.slave, serial_packet(_cmd(1, Opcode.START, bytes([3]))))
            await asyncio.sleep(10.0)  # the terminal's buffer is full well before this
            start = len(host.frames)
            await asyncio.sleep(3.0)
            window = host.frames[start:]
            await host.client.disconnect()
            return sum(len(f.payload.samples) for f in window if isinstance(f.payload, Imu)) / 3.0

    rate = asyncio.run(run())
    assert rate > 90, f"BLE carried {rate:.1f} samples/s while the USB host did not read"
