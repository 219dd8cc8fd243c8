"""What unlocks the board's writes over BLE (issue 14 item 3/4): an authenticated bond, or a
bond made inside the 60 s button window. The real firmware app on the bluetooth shim, and
hosts that pair as real ones do (kyphos.transport.bumble_backend pairing modes):

* Windows / BlueZ without an agent pair Just Works, which NimBLE accepts although the board
  asks for MITM: outside the window that link is encrypted and may stream and read, but
  CONFIG_SET gets ERR 5 telling the user to press the button and pair again;
* macOS cannot pair from bleak (``pair()`` raises NotImplementedError): reading the PAIRING
  characteristic (read needs encryption) makes the "OS" pair on demand.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _ble_host import BleHost as Host  # noqa: E402
from _ble_host import open_host  # noqa: E402
from _firmware_app_board import install_app, start_device, stop_device, wait_for  # noqa: E402
from kyphos.protocol import Opcode  # noqa: E402
from kyphos.protocol.constants import STATUS_ENCRYPTED, STATUS_TRUSTED  # noqa: E402
from kyphos.protocol.frames import Ack, Err, Imu  # noqa: E402

ADDRESS = "C4:11:22:33:4F:0C"
PAIRING = "6b790005-0000-4000-8000-6b7970686f73"
BUTTON_PIN = 0
SET = b'{"slouch_dwell_s": 30}'


@pytest.fixture
def board() -> Any:
    return install_app()


class _Link:
    """The firmware's device on a virtual radio and a central; :meth:`connect` makes a host."""

    def __init__(self, dev: Any, central: Any) -> None:
        self.dev = dev
        self.central = central
        self.host: Host | None = None

    async def connect(self) -> Host:
        self.host = await open_host(self.dev.name, self.central)
        return self.host


@contextlib.asynccontextmanager
async def _linked(app: Any, root: Path, **central: Any) -> AsyncIterator[_Link]:
    """The app started with its flash in ``root`` and a central made with
    ``radio.central(**central)`` (how the host pairs); the last host disconnects after."""
    from kyphos.sim.radio import VirtualRadio

    radio = VirtualRadio()
    ble = await radio.peripheral(ADDRESS)
    adapter = await radio.central(**central)
    dev, task = await start_device(app, root, ble=ble)
    link = _Link(dev, adapter)
    try:
        yield link
    finally:
        if link.host is not None and link.host.client.is_connected:
            await link.host.client.disconnect()
        await stop_device(dev, task)
        await radio.close()


async def _press_button() -> None:
    import machine

    machine.drive(BUTTON_PIN, 0)
    await asyncio.sleep(0.1)
    machine.drive(BUTTON_PIN, 1)


def test_just_works_outside_the_window_streams_and_reads_but_cannot_configure(
    board: Any, tmp_path: Path
) -> None:
    async def run() -> None:
        async with _linked(board, tmp_path, pairing="just-works") as link:
            dev = link.dev
            host = await link.connect()
            await host.client.pair()  # Just Works: NimBLE accepts it although MITM was asked
            await wait_for(lambda: dev.ble.encrypted)
            err = await host.command(Opcode.CONFIG_SET, SET)
            assert isinstance(err, Err) and err.code == 5, err  # old firmware: accepted
            assert "button" in err.message and "pair again" in err.message
            assert not dev.ble.authenticated and not dev.ble.trusted()
            assert dev.status_flags() & (STATUS_ENCRYPTED | STATUS_TRUSTED) == STATUS_ENCRYPTED
            got = await host.command(Opcode.CONFIG_GET, b"slouch_dwell_s")
            assert isinstance(got, Ack) and json.loads(got.data) == {"slouch_dwell_s": 60}
            assert isinstance(await host.command(Opcode.START, bytes([1])), Ack)
            await wait_for(lambda: any(isinstance(f.payload, Imu) for f in host.frames), 5)
            assert isinstance(await host.command(Opcode.STOP), Ack)

            # What the refusal says: press the button, remove the pairing, pair again.
            await _press_button()
            await wait_for(lambda: dev.ble.pairing_open(time.ticks_ms()), 3)
            await host.client.unpair()
            await wait_for(lambda: not dev.ble.connected)
            host = await link.connect()
            await host.client.pair()  # Just Works again, now inside the window
            await wait_for(lambda: dev.ble.encrypted)
            assert not dev.ble.authenticated and dev.ble.trusted()
            assert dev.status_flags() & STATUS_TRUSTED
            ok = await host.command(Opcode.CONFIG_SET, SET)
            assert isinstance(ok, Ack), ok

            # The bond keeps that trust across a reconnection (re-encryption, no pairing)
            # once the window has closed.
            dev.ble._pair_open = False
            await host.client.disconnect()
            await wait_for(lambda: not dev.ble.connected)
            host = await link.connect()
            await wait_for(lambda: dev.ble.encrypted)
            assert dev.ble.trusted()
            assert isinstance(await host.command(Opcode.CONFIG_SET, b'{"slouch_dwell_s": 40}'), Ack)
        assert json.loads((tmp_path / "config.json").read_text())["slouch_dwell_s"] == 40

    asyncio.run(run())


def test_a_mac_pairs_on_demand_through_the_pairing_characteristic(
    board: Any, tmp_path: Path
) -> None:
    async def run() -> None:
        async with _linked(board, tmp_path, pairing="on-demand", private=True) as link:
            dev = link.dev
            host = await link.connect()
            with pytest.raises(NotImplementedError):
                await host.client.pair()  # bleak on macOS
            err = await host.command(Opcode.CONFIG_SET, SET)
            assert isinstance(err, Err) and err.code == 5 and "button" in err.message
            await _press_button()
            await wait_for(lambda: dev.ble.pairing_open(time.ticks_ms()), 3)
            # The read is refused (insufficient encryption); the OS pairs (numeric
            # comparison, which the board confirms inside the window) and reads again.
            assert bytes(await host.client.read_gatt_char(PAIRING)) == b"\x01"
            assert dev.ble.encrypted and dev.ble.authenticated and dev.ble.trusted()
            assert isinstance(await host.command(Opcode.CONFIG_SET, SET), Ack)

    asyncio.run(run())


def test_the_status_characteristic_drops_a_trusted_links_flags_when_it_ends(
    board: Any, tmp_path: Path
) -> None:
    """A central that connects after a trusted one must not read "encrypted, trusted" from
    the status characteristic before its own pairing (the CI run of 196fc14: the Just Works
    laptop of test_upy_pairing read the phone's flags). The periodic STATUS is pushed out of
    reach so that only the link's end can rewrite the value."""
    from kyphos.protocol.frames import Status, decode_frame

    board._STATUS_MS = 600_000

    def stored_flags(dev: Any) -> int:
        frame, _ = decode_frame(bytes(dev.ble.ble.gatts_read(dev.ble.h_status)))
        assert isinstance(frame.payload, Status)
        return int(frame.payload.flags)

    async def run() -> None:
        async with _linked(board, tmp_path, pairing="numeric") as link:
            dev = link.dev
            host = await link.connect()
            await _press_button()
            await wait_for(lambda: dev.ble.pairing_open(time.ticks_ms()), 3)
            await host.client.pair()
            await wait_for(lambda: stored_flags(dev) & STATUS_TRUSTED != 0)
            await host.client.disconnect()
            await wait_for(lambda: not dev.ble.connected)
            await wait_for(lambda: stored_flags(dev) & (STATUS_ENCRYPTED | STATUS_TRUSTED) == 0, 1)

    asyncio.run(run())
