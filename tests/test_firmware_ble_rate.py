"""208 Hz within the notification budget (issue 14 item 8): at MTU 185 one IMU + one QUAT frame
of 7 samples fill a notification, so 208 Hz needs ~31 notifications/s, over the ~22/s the board
used to allow: the backlog grew until the ring overflowed. The board now paces notifications
from the batch size and the rate (ble.Peripheral.pace). And a central that never exchanges the
MTU gets one asked for by the board (gattc_exchange_mtu)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _ble_host import open_client  # noqa: E402
from _firmware_app_board import cmd_frame, install_app, start_device, stop_device, wait_for  # noqa: E402
from kyphos.protocol import NotificationReceiver, Opcode  # noqa: E402
from kyphos.protocol.frames import Ack, Err, Event, Imu, Quat, Status  # noqa: E402

ADDRESS = "C4:11:22:33:4F:0D"
DATA = "6b790002-0000-4000-8000-6b7970686f73"
CONTROL = "6b790003-0000-4000-8000-6b7970686f73"


@pytest.fixture
def board() -> Any:
    return install_app()


async def _session(app: Any, root: Path, odr_hz: int, stream_s: float) -> tuple[Any, list[Any], int]:
    from kyphos.sim.radio import VirtualRadio

    (root / "config.json").write_text(f'{{"odr_hz": {odr_hz}}}')
    radio = VirtualRadio()
    ble = await radio.peripheral(ADDRESS)
    adapter = await radio.central()
    dev, task = await start_device(app, root, ble=ble)
    rx = NotificationReceiver()
    frames: list[Any] = []
    try:
        client = await open_client(dev.name, adapter)
        await client.start_notify(DATA, lambda _c, d: frames.extend(rx.feed(bytes(d))))
        await wait_for(lambda: dev.ble.mtu == 185)
        await client.write_gatt_char(CONTROL, cmd_frame(1, Opcode.START, bytes([3])), response=True)
        await asyncio.sleep(stream_s)
        backlog = dev.ble.ring.used
        await client.write_gatt_char(CONTROL, cmd_frame(2, Opcode.STOP), response=True)
        await wait_for(lambda: any(isinstance(f.payload, (Ack, Err)) and f.payload.request_id == 2
                                   for f in frames), 10)
        await client.disconnect()
    finally:
        await stop_device(dev, task)
        await radio.close()
    return dev, frames, backlog


@pytest.mark.parametrize("odr_hz", [104, 208])
def test_both_rates_stream_at_mtu_185_without_loss(
    board: Any, tmp_path: Path, monkeypatch: Any, odr_hz: int
) -> None:
    from kyphos.transport import bumble_backend

    monkeypatch.setattr(bumble_backend, "REQUESTED_MTU", 185)  # iOS's MTU
    dev, frames, backlog = asyncio.run(_session(board, tmp_path, odr_hz, 3.0))
    assert dev.hw.imu.odr_hz == odr_hz
    assert dev.ble.lost == 0 and dev.ble.ring.full_count == 0
    # A steady stream: what is queued after 3 s is a few batches, not a growing backlog (the
    # old 45 ms pace left ~9 notifications of 172 bytes/s behind at 208 Hz: ~4-5 KB by then,
    # and the 16 KB ring overflows after ~10 s).
    assert backlog < 1500, backlog
    data = [f for f in frames if isinstance(f.payload, (Imu, Quat, Status, Event))]
    seqs = [f.seq for f in data]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), "a data frame was lost"
    samples = sum(len(f.payload.samples) for f in frames if isinstance(f.payload, Imu))
    assert samples >= odr_hz * 2.5


def test_board_asks_for_the_mtu_when_the_central_does_not(
    board: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    from bumble.device import Peer
    from kyphos.sim.radio import VirtualRadio
    from kyphos.transport import bumble_backend

    class SilentPeer(Peer):  # a central that never starts an MTU exchange itself
        async def request_mtu(self, mtu: int) -> int:
            return self.connection.att_mtu

    monkeypatch.setattr(bumble_backend, "Peer", SilentPeer)

    async def run() -> int:
        radio = VirtualRadio()
        ble = await radio.peripheral(ADDRESS)
        adapter = await radio.central()
        dev, task = await start_device(board, tmp_path, ble=ble)
        try:
            client = await open_client(dev.name, adapter)
            assert dev.ble.mtu == 23
            await wait_for(lambda: dev.ble.mtu > 23, 5)
            await client.disconnect()
            return int(dev.ble.mtu)
        finally:
            await stop_device(dev, task)
            await radio.close()

    assert asyncio.run(run()) >= 185
