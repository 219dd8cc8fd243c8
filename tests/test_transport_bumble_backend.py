"""The bleak backend on a bumble central behaves like a bleak backend."""

from __future__ import annotations

import asyncio

import pytest
from bleak import BleakClient, BleakScanner
from bleak.exc import BleakDeviceNotFoundError, BleakError
from bumble.hci import Address
from kyphos.sim.radio import VirtualRadio
from kyphos.transport.bumble_backend import (
    BumbleClient,
    BumbleScanner,
    parse_advertising,
    use_adapter,
)
from test_sim_radio_peripheral import (  # noqa: I001  (tests/ is on sys.path under pytest)
    ADDRESS,
    CONTROL,
    DATA,
    SERVICE,
    STATUS,
    Peripheral,
)

CCCD = "00002902-0000-1000-8000-00805f9b34fb"


async def _radio():
    radio = VirtualRadio()
    per = Peripheral(await radio.peripheral(ADDRESS))
    use_adapter(await radio.central())  # the default for plain bleak calls on this loop
    return radio, per


def test_parse_advertising_decodes_bleak_fields():
    data = (
        bytes([2, 0x01, 0x06, 3, 0x03, 0x0F, 0x18, 5, 0xFF, 0x4C, 0x00, 1, 2, 2, 0x0A, 0xF6])
        + bytes([4, 0x16, 0x0F, 0x18, 0x57])
        + bytes([4, 0x08]) + b"kyp"
    )
    out = parse_advertising(data)
    assert out["service_uuids"] == ["0000180f-0000-1000-8000-00805f9b34fb"]
    assert out["manufacturer_data"] == {0x004C: b"\x01\x02"}
    assert out["tx_power"] == -10
    assert out["service_data"] == {"0000180f-0000-1000-8000-00805f9b34fb": b"\x57"}
    assert out["local_name"] == "kyp"
    assert parse_advertising(bytes([9, 0x09]) + b"ab")["local_name"] is None  # truncated


def test_discover_services_descriptors_and_address_only_connect():
    async def run():
        radio, per = await _radio()
        try:
            found = await BleakScanner.discover(timeout=0.3, return_adv=True, backend=BumbleScanner)
            dev, adv = found[ADDRESS]
            assert isinstance(dev.details, Address) and dev.details.is_random
            assert adv.rssi < 0 and adv.local_name == per.name
            passive = await BleakScanner.discover(
                timeout=0.3, return_adv=True, scanning_mode="passive", backend=BumbleScanner
            )
            assert passive[ADDRESS][1].local_name is None  # the name is in the scan response

            # A bare address string works too (the backend scans for its type).
            async with BleakClient(ADDRESS, backend=BumbleClient, timeout=5.0) as client:
                services = client.services
                uuids = {s.uuid for s in services}
                assert SERVICE in uuids
                assert "0000180f-0000-1000-8000-00805f9b34fb" in uuids
                data = services.get_characteristic(DATA)
                assert data is not None and data.properties == ["notify"]
                assert data.max_write_without_response_size == 244
                control = services.get_characteristic(CONTROL)
                assert control is not None and control.properties == ["write"]
                cccd = data.get_descriptor(CCCD)
                assert cccd is not None
                assert await client.read_gatt_descriptor(cccd.handle) == b"\x00\x00"
                assert client.name == ADDRESS.replace(":", "-")

                # notify / stop_notify: nothing arrives after stop.
                got = []
                await client.start_notify(STATUS, lambda _c, d: got.append(bytes(d)))
                status_cccd = services.get_characteristic(STATUS).get_descriptor(CCCD)
                assert await client.read_gatt_descriptor(status_cccd.handle) == b"\x01\x00"
                per.ble.gatts_write(per.h_status, b"busy", True)  # send_update to subscribers
                async with asyncio.timeout(5):
                    while not got:
                        await asyncio.sleep(0.005)
                assert got == [b"busy"]
                await client.stop_notify(STATUS)
                per.ble.gatts_write(per.h_status, b"idle", True)
                await asyncio.sleep(0.1)
                assert got == [b"busy"]
            assert not client.is_connected
        finally:
            await radio.close()
            use_adapter(None)

    asyncio.run(run())


def test_unknown_device_and_calls_when_disconnected_raise_bleak_errors():
    async def run():
        radio, per = await _radio()
        try:
            with pytest.raises(BleakDeviceNotFoundError):
                await BleakClient("C0:DE:AD:BE:EF:00", backend=BumbleClient, timeout=0.3).connect()
            client = BleakClient(ADDRESS, backend=BumbleClient, timeout=5.0)
            with pytest.raises(BleakError):
                await client.read_gatt_char(STATUS)
            await client.connect()
            await client.disconnect()
            with pytest.raises(BleakError):
                await client.read_gatt_char(STATUS)
            await client.unpair()  # nothing stored: still fine
        finally:
            await radio.close()
            use_adapter(None)

    asyncio.run(run())
