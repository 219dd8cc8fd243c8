"""The board boots whatever its BLE side does (issue 14 item 5): a device name over 29 bytes is
refused by config (it used to pass, then raise in blesetup.adv_payloads at every boot: a boot loop),
a config file that still holds one falls back to the default name with the key named in
cfg.problem, and a BLE stack whose active(True) fails (micropython issue 14293) leaves the board
running over USB."""

from __future__ import annotations

import asyncio
import errno
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _firmware_app_board import SerialHost, install_app, start_device, stop_device  # noqa: E402
from kyphos.protocol import Opcode  # noqa: E402
from kyphos.protocol.constants import STATUS_BLE_OFF, EventKind  # noqa: E402
from kyphos.protocol.frames import Ack, Err  # noqa: E402
from kyphos.sim.shims import bluetooth as bt_shim  # noqa: E402

ADDRESS = "C4:11:22:33:4F:0E"


@pytest.fixture
def board() -> Any:
    return install_app()


def test_config_refuses_a_name_that_does_not_fit_the_scan_response(board: Any) -> None:
    import blesetup
    import config

    assert config.check("name", "n" * 29) is None
    code, msg = config.check("name", "n" * 30)
    assert code == config.ERR_RANGE and "name" in msg and "29" in config.describe("name")
    blesetup.adv_payloads(b"n" * 29, bytes(16))  # the longest accepted name fits
    with pytest.raises(ValueError):
        blesetup.adv_payloads(b"n" * 30, bytes(16))


def test_a_stored_long_name_boots_with_the_default_name(board: Any, tmp_path: Path) -> None:
    from kyphos.sim.radio import VirtualRadio

    (tmp_path / "config.json").write_text('{"name": "%s"}' % ("é" * 15))  # 30 UTF-8 bytes

    async def run() -> Any:
        radio = VirtualRadio()
        ble = await radio.peripheral(ADDRESS)
        try:
            dev, task = await start_device(board, tmp_path, ble=ble)  # old code: ValueError
            await stop_device(dev, task)
            return dev
        finally:
            await radio.close()

    dev = asyncio.run(run())
    assert dev.name.startswith("kyphos-") and len(dev.name) == 11 and dev.ble is not None
    assert dev.cfg_bad >= 0 and "name" in dev.cfg_problem
    # The boot's log says which key fell back to its default (EVENT CONFIG_DEFAULTED).
    import config

    events = _events(tmp_path / "logs")
    assert (EventKind.CONFIG_DEFAULTED, config.KEYS.index("name") + 1) in events, events


def _events(logs: Path) -> list[tuple[int, int]]:
    """(kind, arg) of every EVENT frame in the board's flash logs."""
    from kyphos.recording.kyr import read_header, scan_records

    out = []
    for path in sorted(logs.iterdir()):
        buf = path.read_bytes()
        _, start = read_header(buf)
        for off in scan_records(buf, start).offsets:
            if buf[off + 9] == 0x05:  # the frame starts 8 bytes into the record
                out.append((buf[off + 18], buf[off + 19]))
    return out


def test_ble_that_does_not_start_leaves_usb_running(board: Any, tmp_path: Path) -> None:
    async def run() -> tuple[Any, Any]:
        await bt_shim.detach()
        ble = bt_shim.BLE()  # no radio: active(True) raises OSError(ENODEV)
        host = SerialHost()
        dev, task = await start_device(board, tmp_path, ble=ble, serial=host.board_side)
        try:
            info = await host.command(Opcode.GET_INFO)
            ping = await host.command(Opcode.PING)
            assert dev.status_flags() & STATUS_BLE_OFF  # STATUS says why there is no BLE
        finally:
            await stop_device(dev, task)
        return dev, (info, ping)

    dev, (info, ping) = asyncio.run(run())
    assert dev.ble is None and dev.ble_error == errno.ENODEV
    assert isinstance(info.payload, Ack) and isinstance(ping.payload, Ack)
    assert not isinstance(info.payload, Err)


def test_ble_starts_before_the_big_buffers_are_allocated(board: Any, tmp_path: Path) -> None:
    """NimBLE needs RAM of its own at active(True) (and the ESP32 port's MicroPython heap may
    grow into the same RAM): the board starts BLE before its rings, flash log and frame
    buffers. Checked by looking, at active(True), at what the Device being built already has."""
    from kyphos.sim.radio import VirtualRadio

    class Spy:
        """The shim's BLE(); at active(True) it notes which buffers exist already."""

        def __init__(self, ble: Any) -> None:
            self._ble = ble
            self.seen: dict[str, bool] | None = None

        def active(self, *a: Any) -> Any:
            if a and a[0] and self.seen is None:
                f = sys._getframe(1)
                dev = periph = None
                while f is not None:
                    obj = f.f_locals.get("self")
                    if type(obj).__name__ == "Device" and dev is None:
                        dev = obj
                    if type(obj).__name__ == "Peripheral" and periph is None:
                        periph = obj
                    f = f.f_back
                assert dev is not None and periph is not None
                self.seen = {
                    "sample buffers": hasattr(dev, "_imu_buf"),
                    "flash log": hasattr(dev, "log"),
                    "usb ring": getattr(dev, "usb", None) is not None,
                    "ble ring": not isinstance(periph.ring, int),
                }
            return self._ble.active(*a)

        def __getattr__(self, name: str) -> Any:
            return getattr(self._ble, name)

    async def run() -> Any:
        radio = VirtualRadio()
        ble = await radio.peripheral(ADDRESS)
        ble.active(False)
        spy = Spy(ble)
        try:
            dev = board.Device(str(tmp_path), SerialHost().board_side, spy)
        finally:
            await radio.close()
        assert dev.ble is not None and dev.usb is not None and dev.log is not None
        assert hasattr(dev, "_imu_buf") and len(dev.ble.ring.buf) > 0
        return spy.seen

    seen = asyncio.run(run())
    assert seen == {"sample buffers": False, "flash log": False, "usb ring": False,
                    "ble ring": False}, seen
