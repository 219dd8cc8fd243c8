"""Bonds of the firmware's BLE peripheral (firmware/ble.py) on the bluetooth shim, which asks
for secrets inside ``active(True)`` as MicroPython's NimBLE binding does (``load_irk`` in
extmod/nimble/modbluetooth_nimble.c): a central on a resolvable private address (a phone, a
Mac) is found again after the board reboots only if the IRQ handler was registered before
``active(True)``; eviction drops whole bonds, never the board's own IRK."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from _ble_host import open_client
from bleak import BleakClient
from bumble.keys import MemoryKeyStore

BOARD = "C4:11:22:33:4F:0B"
PHONE = "D2:22:33:44:55:66"


@pytest.fixture
def fw() -> Any:
    from kyphos.sim import shims
    from kyphos.sim.shims import bluetooth as bt_shim

    shims.install()
    bt_shim.install()
    import ble

    return ble


class _Radio:
    """A bluetooth.BLE stand-in that accepts the calls Peripheral makes at boot."""

    def active(self, *a: Any) -> bool:
        return True

    def config(self, *a: Any, **k: Any) -> Any:
        return None

    def irq(self, h: Any) -> None:
        self.h = h

    def gatts_register_services(self, s: Any) -> Any:
        return ((1, 2, 3, 8), (4,), (5, 6, 7))

    def gatts_set_buffer(self, *a: Any) -> None:
        pass

    def gatts_write(self, *a: Any) -> None:
        pass

    def gap_advertise(self, *a: Any, **k: Any) -> None:
        pass


async def _boot(fw: Any, radio: Any, bonds: Path) -> Any:
    """A board boot: the shim's BLE() on a fresh device, then the firmware's Peripheral."""
    ble = await radio.peripheral(BOARD)
    ble.active(False)  # as after reset: the firmware turns the radio on itself
    return fw.Peripheral(ble, "kyphos-4F0B", str(bonds), fw.Ring(4096))


async def _connect(adapter: Any) -> BleakClient:
    return await open_client("kyphos-4F0B", adapter)


async def _until(pred: Any, timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not pred():
            await asyncio.sleep(0.01)


def test_bond_with_a_private_address_central_survives_a_reboot(fw: Any, tmp_path: Path) -> None:
    from kyphos.sim.radio import VirtualRadio

    bonds = tmp_path / "bonds.json"
    phone_keys = MemoryKeyStore()  # the phone remembers the board across the board's reboot

    async def session(pair: bool) -> tuple[bool, bool, int]:
        radio = VirtualRadio()
        try:
            p = await _boot(fw, radio, bonds)
            import time

            p.open_pairing(time.ticks_ms())
            phone = await radio.central(PHONE, phone_keys, private=True)
            # The phone connects from a resolvable private address, not its identity.
            assert phone.device.random_address != phone.device.static_address
            client = await _connect(phone)
            if pair:
                await client.pair()
            await _until(lambda: p.encrypted, 3.0)
            encrypted, bonded = p.encrypted, p.bonded
            p.save_bonds()
            await client.disconnect()
            return encrypted, bonded, p.bond_count
        finally:
            await radio.close()

    async def run() -> None:
        assert await session(pair=True) == (True, True, 1)
        # Reboot: the phone re-encrypts with its stored bond at connection (as OS stacks do).
        # Only a board that restored the phone's IRK inside active(True) resolves its new
        # private address to the bond; otherwise the bond is "lost" and the link stays clear.
        encrypted, bonded, count = await asyncio.wait_for(session(pair=False), 20)
        assert (encrypted, bonded, count) == (True, True, 1)

    asyncio.run(run())
    rows = json.loads(bonds.read_text())
    # our key, the peer's key, our IRK, "made in the pairing window"
    assert sorted({r[0] for r in rows}) == [1, 2, 10, 100]


def test_shim_asks_for_secrets_inside_active(fw: Any) -> None:
    """The order of calls the NimBLE binding makes in active(True), checked on the shim."""
    from kyphos.sim.radio import VirtualRadio

    async def run() -> list[tuple[int, Any]]:
        radio = VirtualRadio()
        try:
            ble = await radio.peripheral(BOARD)
            ble.active(False)
            seen: list[tuple[int, Any]] = []

            def irq(event: int, data: Any) -> Any:
                if event == 29:
                    seen.append((event, (data[0], data[1], None if data[2] is None else bytes(data[2]))))
                    return None
                if event == 30:
                    seen.append((event, (data[0], bytes(data[1]))))
                    return True
                return None

            ble.irq(irq)
            ble.active(True)
            return seen
        finally:
            await radio.close()

    seen = asyncio.run(run())
    # The peers' IRKs (none) -> our IRK (none yet) -> a new one is stored -> the peers'
    # IRKs again, as NimBLE (tests/test_ble_shim_secrets_match_nimble.py).
    assert seen == [(29, (2, 0, None)), (29, (10, 0, b"irk")), (30, (10, b"irk")),
                    (29, (2, 0, None))]


def test_eviction_removes_whole_bonds_never_the_irk(fw: Any, tmp_path: Path) -> None:
    """Past MAX_BONDS peers the oldest peer's two entries go, and the board's IRK stays."""

    from kyphos.sim.shims.bluetooth import UUID

    p = fw.Peripheral(_Radio(), "kyphos-0000", str(tmp_path / "b.json"), fw.Ring(1024), uuid=UUID)
    irk = bytes(range(16))
    p._irq(30, (10, b"irk", irk))
    for i in range(fw._MAX_BONDS + 3):
        key = bytes((1, i, 0, 0, 0, 0, 0xC0))
        p._irq(30, (1, key, b"our%d" % i))
        p._irq(30, (2, key, b"peer%d" % i))
    assert p._irq(29, (10, 0, b"irk")) == irk
    keys = [k for (t, k) in p._secrets if t in (1, 2)]
    peers = {k for k in keys}
    assert len(peers) == fw._MAX_BONDS
    assert all(keys.count(k) == 2 for k in peers)  # never half a bond
    assert bytes((1, fw._MAX_BONDS + 2, 0, 0, 0, 0, 0xC0)) in peers  # the newest stayed


def test_trust_follows_the_connected_peer_not_the_last_bond_looked_up(
    fw: Any, tmp_path: Path
) -> None:
    """NimBLE reads other peers' bonds too (seen on the unix port + NimBLE: a Just Works laptop
    paired outside the window was taken for the phone whose bond had been looked up): the
    link's bond is the central's address from CENTRAL_CONNECT, or the key its pairing stores."""
    import time

    from kyphos.sim.shims.bluetooth import UUID

    p = fw.Peripheral(_Radio(), "kyphos-0000", str(tmp_path / "b.json"), fw.Ring(1024), uuid=UUID)
    phone = bytes((1,)) + bytes.fromhex("665544332211")  # type 1, then the address LSB first
    laptop = bytes((1,)) + bytes.fromhex("0201C0000000")
    msb = lambda key: memoryview(key[1:][::-1])  # noqa: E731 - the IRQ's address, MSB first

    p.open_pairing(time.ticks_ms())
    p._irq(1, (7, 1, msb(phone)))
    assert p._peer == phone
    p._irq(30, (1, phone, b"ours"))
    p._irq(30, (2, phone, b"theirs"))
    p._irq(28, (7, 1, 0, 1, 16))  # Just Works, inside the window
    assert p.trusted()
    p._irq(2, (7, 1, msb(phone)))
    p._pair_open = False

    p._irq(1, (8, 1, msb(laptop)))
    p._irq(30, (1, laptop, b"ours2"))
    p._irq(30, (2, laptop, b"theirs2"))
    assert p._irq(29, (1, 0, phone)) == b"ours"  # the stack reads the phone's bond meanwhile
    p._irq(28, (8, 1, 0, 1, 16))  # Just Works, outside the window
    assert p.encrypted and not p.trusted()
    p._irq(2, (8, 1, msb(laptop)))

    p._irq(1, (9, 1, msb(phone)))  # the phone again: re-encrypts with its window-made bond
    p._irq(28, (9, 1, 0, 1, 16))
    assert p.trusted()


def test_pump_reads_the_connection_handle_once(fw: Any, tmp_path: Path) -> None:
    """An IRQ may run between any two bytecodes on a board: a disconnect between pump()'s
    check of the link and gatts_notify used to pass conn=None, which MicroPython refuses with
    TypeError (mp_obj_get_int) and which ended the link task. The handle is read once: the
    notify goes to the old handle and NimBLE answers ENOTCONN (an OSError, kept and counted)."""
    import errno

    from kyphos.sim.shims.bluetooth import UUID

    class Radio(_Radio):
        def gattc_exchange_mtu(self, conn: Any) -> None:
            pass

        def gatts_notify(self, conn: Any, handle: int, data: Any) -> None:
            if not isinstance(conn, int):
                raise TypeError("can't convert NoneType to int")
            raise OSError(errno.ENOTCONN)  # the link is gone

    class RacyRing(fw.Ring):  # type: ignore[misc, name-defined]
        """Fires the disconnect IRQ inside pump(), after its check of the link."""

        def run(self) -> Any:
            if p.conn is not None:
                p._irq(2, (p.conn, 1, memoryview(bytes(6))))
            return super().run()

    p = fw.Peripheral(Radio(), "kyphos-0000", str(tmp_path / "b.json"), RacyRing(1024), uuid=UUID)
    p._irq(1, (5, 1, memoryview(bytes(6))))
    p._irq(21, (5, 247))
    frame = bytes((1, 2, 4, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4))
    assert p.put(frame)
    assert p.pump(10_000) == 0  # no TypeError escapes
    assert p.conn is None and p.notify_errors == 1 and p.ring.used == len(frame)
