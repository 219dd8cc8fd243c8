"""Issue 13 item 5 on the real stack: the firmware on the MicroPython unix port with NimBLE
(kyphos.sim.upy) pairs with LE Secure Connections as the central offers — numeric comparison
(Android, BlueZ with an agent) inside the button's pairing window and Just Works (Windows,
BlueZ without an agent) outside it — keeps the bond in bonds.json on its flash across a
firmware restart, and the central re-encrypts after the restart without pairing again.

The central is bleak on the bumble radio (kyphos' backend, the client ``kyphos.connect`` uses).
NimBLE, not our bluetooth shim, decides the pairing here; what unlocks writes is the firmware's
rule (issue 14 item 4): CONFIG_SET is refused (ERR 5) on a Just Works link made outside the
window."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _ble_host import BleHost  # noqa: E402
from _upy import binaries  # noqa: E402
from bleak import BleakClient, BleakScanner  # noqa: E402
from kyphos.protocol import Opcode  # noqa: E402
from kyphos.protocol.constants import STATUS_ENCRYPTED, STATUS_TRUSTED  # noqa: E402
from kyphos.protocol.frames import Ack, Err, Status, decode_frame  # noqa: E402
from kyphos.transport.ble import DATA_UUID, STATUS_UUID  # noqa: E402

SET = b'{"slouch_dwell_s": 30}'


class Host(BleHost):
    poll_s = 0.01  # the MicroPython runtime runs in real time

    async def status_flags(self) -> int:
        frame, _ = decode_frame(bytes(await self.client.read_gatt_char(STATUS_UUID)))
        assert isinstance(frame.payload, Status)
        return int(frame.payload.flags)


async def _connect(name: str, adapter: Any) -> Host:
    from kyphos.transport.bumble_backend import BumbleClient, BumbleScanner

    found = await BleakScanner.find_device_by_name(
        name, timeout=10.0, backend=BumbleScanner, bumble_adapter=adapter)
    assert found is not None, f"{name} not advertising"
    client = BleakClient(found, backend=BumbleClient, bumble_adapter=adapter, timeout=10.0)
    await client.connect()
    host = Host(client)
    await client.start_notify(DATA_UUID, host.on_data)
    return host


async def _booted(board: Any) -> str:
    async with asyncio.timeout(20):
        while board.device is None:
            assert not board.crashes, board.crashes
            await asyncio.sleep(0.05)
    return str(board.device.name)


def _has_peer_bond(path: Path) -> bool:
    try:
        rows = json.loads(path.read_text())
    except (OSError, ValueError):
        return False
    return any(row[0] == 2 for row in rows)  # NimBLE's PEER_SEC entry of a bond


async def _until_flag(host: Host, flag: int, want: bool = True) -> int:
    async with asyncio.timeout(5):
        while True:
            f = await host.status_flags()
            if bool(f & flag) == want:
                return f
            await asyncio.sleep(0.1)


def test_pairing_bonds_and_reencryption_on_nimble(tmp_path: Path) -> None:
    from kyphos.sim.radio import VirtualRadio
    from kyphos.sim.upy.board import UpyBoard

    bins = binaries()
    pairings: list[str] = []

    def count_pairings(adapter: Any, who: str) -> None:
        adapter.device.on("connection", lambda c: c.on("pairing", lambda _k: pairings.append(who)))

    async def run() -> None:
        (tmp_path / "flash").mkdir()
        board = UpyBoard("demo", binaries=bins, fs_root=tmp_path / "flash")
        radio = VirtualRadio()
        await board.start(radio)
        host: Host | None = None
        try:
            name = await _booted(board)
            phone = await radio.central(pairing="numeric")
            count_pairings(phone, "phone")

            # Numeric comparison inside the button's window: an authenticated bond.
            board.press("short")
            await asyncio.sleep(0.8)  # debounce + the double-press wait
            host = await _connect(name, phone)
            await host.client.pair()
            flags = await _until_flag(host, STATUS_TRUSTED)
            assert flags & STATUS_ENCRYPTED
            assert isinstance(await host.command(Opcode.CONFIG_SET, SET), Ack)
            assert pairings == ["phone"]
            await host.client.disconnect()
            async with asyncio.timeout(5):  # the housekeeping task writes bonds.json
                # (the board's own IRK is stored at boot: wait for the phone's entries)
                while not _has_peer_bond(board.fs_root / "bonds.json"):
                    await asyncio.sleep(0.1)

            # Firmware restart (a fresh MicroPython process): NimBLE gets the bond back from
            # the flash (_IRQ_GET_SECRET) and the phone re-encrypts without pairing again.
            boots = board.boots
            await board.reboot()
            assert board.boots == boots + 1
            await _booted(board)
            host = await _connect(name, phone)
            await host.client.pair()  # with a stored key: encrypt(), not a new pairing
            flags = await _until_flag(host, STATUS_TRUSTED)
            assert flags & STATUS_ENCRYPTED
            assert pairings == ["phone"], "the phone paired again after the restart"
            ok = await host.command(Opcode.CONFIG_SET, b'{"slouch_dwell_s": 40}')
            assert isinstance(ok, Ack), ok
            await host.client.disconnect()

            # Just Works outside the window (a Windows laptop): encrypted, not trusted.
            laptop = await radio.central("C0:00:00:00:C0:02", pairing="just-works")
            count_pairings(laptop, "laptop")
            host = await _connect(name, laptop)
            await host.client.pair()
            flags = await _until_flag(host, STATUS_ENCRYPTED)
            assert not flags & STATUS_TRUSTED
            assert pairings == ["phone", "laptop"]
            err = await host.command(Opcode.CONFIG_SET, SET)
            assert isinstance(err, Err) and err.code == 5 and "button" in err.message, err
            await host.client.disconnect()
        finally:
            if host is not None and host.client.is_connected:
                await host.client.disconnect()
            await board.stop()
            await radio.close()
            crashes = list(board.crashes)
        assert not crashes, crashes
        assert json.loads((tmp_path / "flash" / "config.json").read_text())["slouch_dwell_s"] == 40

    asyncio.run(run())
