"""bleak on the virtual radio: scan, MTU, health, and the host's security rules — no config or
erase command leaves the host over an unencrypted link; after pairing (LE Secure Connections)
they work."""

from __future__ import annotations

import asyncio

import pytest
from kyphos.link.device import connect, scan
from kyphos.sim.clock import run
from kyphos.transport.base import LinkError
from kyphos.transport.bumble_backend import BumbleScanner, use_adapter


def test_ble_link_refuses_unencrypted_config_then_pairs():
    async def scenario():
        dev = await connect("sim", ping_interval_s=0)
        t = dev.transport
        try:
            assert t.counters.mtu == 247 and t.counters.rssi is not None
            assert not await dev.link_secure()
            sent = t.counters.frames_out
            with pytest.raises(LinkError) as e:
                await dev.config_set(log_policy="always")
            assert "unencrypted" in str(e.value) and "kyphos pair" in str(e.value)
            with pytest.raises(LinkError):
                await dev.erase_logs()
            assert t.counters.frames_out == sent, "nothing was sent"

            await dev.pair()
            assert await dev.link_secure()
            assert await dev.config_set(log_policy="always") == {"log_policy": "always"}
            before = await dev.log_list()
            await dev.erase_logs()
            after = await dev.log_list()  # logging "always" opens a fresh log at once
            assert sum(e["size"] for e in after) < sum(e["size"] for e in before)
            assert all(e["size"] < 2048 for e in after)

            await dev.start()
            await asyncio.sleep(6.0)  # the rate is over the last 5 s
            h = dev.health()
            assert 90 < h.sample_rate_hz < 120 and h.loss_pct == 0.0 and h.connected
            assert h.latency_ms is not None
            await dev.stop()
        finally:
            await dev.close()

    run(scenario())


def test_scan_lists_the_advertising_board_with_rssi():
    from kyphos.sim.board import VirtualBoard
    from kyphos.sim.radio import VirtualRadio

    async def scenario():
        radio = VirtualRadio()
        board = VirtualBoard("demo", seed=2)
        await board.start(radio)
        try:
            use_adapter(await radio.central())  # kyphos.scan's bleak calls use this radio
            return await scan(1.0, serial=False, backend=BumbleScanner)
        finally:
            use_adapter(None)
            await board.stop()
            board.cleanup()
            await radio.close()

    found = run(scenario())
    assert len(found) == 1
    f = found[0]
    assert f["kind"] == "ble" and f["kyphos"] and f["name"].startswith("kyphos-")
    assert f["target"] == f["name"] and isinstance(f["rssi"], int)


def test_bluetooth_errors_name_the_device_and_what_to_do():
    from bleak.exc import BleakBluetoothNotAvailableError
    from bleak.exc import BleakBluetoothNotAvailableReason as R
    from kyphos.transport.ble import _ble_error

    cases = {
        R.POWERED_OFF: "Bluetooth is off — turn Bluetooth on",
        R.NO_BLUETOOTH: "no Bluetooth adapter found — plug in an adapter or use serial:PORT",
        R.DENIED_BY_USER: "not allowed to use Bluetooth — grant",
    }
    for reason, text in cases.items():
        msg = str(_ble_error("kyphos-3A4F", BleakBluetoothNotAvailableError("x", reason)))
        assert msg.startswith(f"kyphos-3A4F: {text}"), msg
    msg = str(_ble_error("kyphos-3A4F", FileNotFoundError(2, "No such file or directory")))
    assert "BlueZ" in msg and "systemctl start bluetooth" in msg
