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
from _upy import binaries  # noqa: E402
from _upy_ble import booted, has_peer_bond, press_for_pairing, until_flag, upy_rig  # noqa: E402
from kyphos.protocol import Opcode  # noqa: E402
from kyphos.protocol.constants import STATUS_ENCRYPTED, STATUS_TRUSTED  # noqa: E402
from kyphos.protocol.frames import Ack, Err  # noqa: E402

SET = b'{"slouch_dwell_s": 30}'


def test_pairing_bonds_and_reencryption_on_nimble(tmp_path: Path) -> None:
    bins = binaries()
    pairings: list[str] = []

    def count_pairings(adapter: Any, who: str) -> None:
        adapter.device.on("connection", lambda c: c.on("pairing", lambda _k: pairings.append(who)))

    async def run() -> None:
        async with upy_rig(tmp_path, bins) as rig:
            board, radio = rig.board, rig.radio
            name = await booted(board)
            phone = await radio.central(pairing="numeric")
            count_pairings(phone, "phone")

            # Numeric comparison inside the button's window: an authenticated bond.
            host = await rig.connect(name, phone)
            await press_for_pairing(board, host)  # the board's window is open
            await host.client.pair()
            flags = await until_flag(host, STATUS_TRUSTED)
            assert flags & STATUS_ENCRYPTED
            assert isinstance(await host.command(Opcode.CONFIG_SET, SET), Ack)
            assert pairings == ["phone"]
            await host.client.disconnect()
            async with asyncio.timeout(5):  # the housekeeping task writes bonds.json
                # (the board's own IRK is stored at boot: wait for the phone's entries)
                while not has_peer_bond(board.fs_root / "bonds.json"):
                    await asyncio.sleep(0.1)

            # Firmware restart (a fresh MicroPython process): NimBLE gets the bond back from
            # the flash (_IRQ_GET_SECRET) and the phone re-encrypts without pairing again.
            boots = board.boots
            await board.reboot()
            assert board.boots == boots + 1
            await booted(board)
            host = await rig.connect(name, phone)
            await host.client.pair()  # with a stored key: encrypt(), not a new pairing
            flags = await until_flag(host, STATUS_TRUSTED)
            assert flags & STATUS_ENCRYPTED
            assert pairings == ["phone"], "the phone paired again after the restart"
            ok = await host.command(Opcode.CONFIG_SET, b'{"slouch_dwell_s": 40}')
            assert isinstance(ok, Ack), ok
            await host.client.disconnect()

            # Just Works outside the window (a Windows laptop): encrypted, not trusted.
            laptop = await radio.central("C0:00:00:00:C0:02", pairing="just-works")
            count_pairings(laptop, "laptop")
            host = await rig.connect(name, laptop)
            await host.client.pair()
            flags = await until_flag(host, STATUS_ENCRYPTED)
            assert not flags & STATUS_TRUSTED
            assert pairings == ["phone", "laptop"]
            err = await host.command(Opcode.CONFIG_SET, SET)
            assert isinstance(err, Err) and err.code == 5 and "button" in err.message, err
            await host.client.disconnect()
        crashes = list(board.crashes)
        assert not crashes, crashes
        assert json.loads((tmp_path / "flash" / "config.json").read_text())["slouch_dwell_s"] == 40

    asyncio.run(run())
