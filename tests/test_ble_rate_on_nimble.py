"""Issue 14 item 8 on the real stack: the firmware on the MicroPython 1.28 unix port with NimBLE
(kyphos.sim.upy) streams 208 Hz raw + orientation to a central at ATT MTU 185 (iOS) as fast as
it samples. One IMU + one QUAT frame of 7 samples fill a notification there, so 208 Hz needs
~31 notifications/s; with the old fixed 45 ms pace (<= 22/s) the central received 156 samples/s
in the same run (the rest piling up on the board), now ~208/s."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _upy import binaries  # noqa: E402
from _upy_ble import booted, upy_rig  # noqa: E402
from kyphos.protocol import Opcode  # noqa: E402
from kyphos.protocol.frames import Ack, Event, Imu, Quat, Status  # noqa: E402

STREAM_S = 5.0


def test_208_hz_at_mtu_185_keeps_up_on_nimble(tmp_path: Path, monkeypatch: Any) -> None:
    from kyphos.transport import bumble_backend

    monkeypatch.setattr(bumble_backend, "REQUESTED_MTU", 185)
    bins = binaries()

    async def run() -> tuple[int, list[int]]:
        async with upy_rig(tmp_path, bins, config={"odr_hz": 208}) as rig:
            board, radio = rig.board, rig.radio
            name = await booted(board)
            host = await rig.connect(name, await radio.central())
            assert host.client.mtu_size == 185
            assert isinstance(await host.command(Opcode.START, bytes([3])), Ack)
            await asyncio.sleep(0.5)  # the first batches
            start = len(host.frames)
            await asyncio.sleep(STREAM_S)
            window = host.frames[start:]
            assert isinstance(await host.command(Opcode.STOP), Ack)
            samples = sum(len(f.payload.samples) for f in window if isinstance(f.payload, Imu))
            seqs = [f.seq for f in host.frames
                    if isinstance(f.payload, (Imu, Quat, Status, Event))]
            await host.client.disconnect()
            return samples, seqs

    samples, seqs = asyncio.run(run())
    rate = samples / STREAM_S
    assert rate > 0.95 * 208, f"{rate:.1f} samples/s received while streaming 208 Hz"
    assert all((b - a) & 0xFFFF == 1 for a, b in zip(seqs, seqs[1:], strict=False)), "a data frame was lost"
