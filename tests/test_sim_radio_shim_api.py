"""The ``bluetooth`` shim keeps MicroPython's contracts: UUIDs, handle nesting, buffers,
config errors, advertising limits, and stopping the radio."""

from __future__ import annotations

import asyncio
import errno

import pytest
from bleak import BleakClient, BleakScanner
from kyphos.sim.radio import VirtualRadio
from kyphos.sim.shims import bluetooth
from kyphos.transport.bumble_backend import BumbleClient, BumbleScanner

SVC = "6b790001-0000-4000-8000-6b7970686f73"
CHR = "6b790003-0000-4000-8000-6b7970686f73"


def test_uuid_forms_bytes_and_equality():
    u16 = bluetooth.UUID(0x180F)
    assert bytes(u16) == b"\x0f\x18" and repr(u16) == "UUID(0x180f)"
    u128 = bluetooth.UUID(SVC.upper())
    assert bytes(u128)[::-1].hex() == SVC.replace("-", "")
    assert bluetooth.UUID(bytes(u128)) == u128 and hash(bluetooth.UUID(bytes(u128))) == hash(u128)
    assert repr(u128) == f"UUID('{SVC}')"
    assert u16 != u128
    for bad in (0x10000, "1234", b"\x01\x02\x03"):
        with pytest.raises(ValueError):
            bluetooth.UUID(bad)


def test_register_config_buffers_and_advertising_rules():
    async def run():
        radio = VirtualRadio()
        ble = await radio.peripheral("C4:00:00:00:00:01")
        adapter = await radio.central()
        try:
            with pytest.raises(ValueError):
                ble.config("nonsense")
            with pytest.raises(ValueError):
                ble.config(nonsense=1)
            ble.active(False)
            with pytest.raises(OSError):
                ble.config("mac")
            ble.active(True)
            assert ble.config("mac") == (1, bytes.fromhex("C40000000001"))
            ble.config(gap_name="kyp-api")
            assert ble.config("gap_name") == "kyp-api"

            writes = []
            ble.irq(lambda e, d: writes.append(d[1]) if e == 3 else None)
            desc = (bluetooth.UUID(0x2901), bluetooth.FLAG_READ)
            handles = ble.gatts_register_services(
                (
                    (bluetooth.UUID(SVC), (
                        (bluetooth.UUID(CHR), bluetooth.FLAG_WRITE | bluetooth.FLAG_READ, (desc,)),
                        (bluetooth.UUID(0x2A19), bluetooth.FLAG_READ),
                    )),
                    (bluetooth.UUID(0x180A), ((bluetooth.UUID(0x2A29), bluetooth.FLAG_READ),)),
                )
            )
            (h_chr, h_desc, h_batt), (h_man,) = handles
            assert h_chr < h_desc < h_batt < h_man
            ble.gatts_write(h_desc, b"control")
            with pytest.raises(OSError) as info:
                ble.gatts_read(9999)
            assert info.value.errno == errno.EINVAL

            with pytest.raises(OSError) as info:
                ble.gap_advertise(100_000, bytes(32))
            assert info.value.errno == errno.EINVAL
            ble.gap_advertise(100_000, b"\x02\x01\x06", resp_data=b"\x08\x09kyp-api")

            device = await BleakScanner.find_device_by_name(
                "kyp-api", timeout=5, backend=BumbleScanner, bumble_adapter=adapter
            )
            assert device is not None
            async with BleakClient(device, backend=BumbleClient, bumble_adapter=adapter) as client:
                # Default buffer: 20 bytes; a remote write is cut to it.
                await client.write_gatt_char(CHR, bytes(range(30)), response=True)
                assert ble.gatts_read(h_chr) == bytes(range(20))
                # Append mode: writes accumulate up to the buffer; reading clears.
                ble.gatts_set_buffer(h_chr, 8, True)
                await client.write_gatt_char(CHR, b"abc", response=True)
                await client.write_gatt_char(CHR, b"defghij", response=True)
                assert ble.gatts_read(h_chr) == b"abcdefgh"
                assert ble.gatts_read(h_chr) == b""
                assert writes == [h_chr] * 3
                d = client.services.get_characteristic(CHR).get_descriptor(
                    "00002901-0000-1000-8000-00805f9b34fb"
                )
                assert await client.read_gatt_descriptor(d.handle) == b"control"
                # The GAP device name follows config(gap_name=...).
                ble.config(gap_name="renamed")
                assert await client.read_gatt_char("00002a00-0000-1000-8000-00805f9b34fb") == b"renamed"

                # Radio off: the link drops.
                ble.active(False)
                async with asyncio.timeout(5):
                    while client.is_connected:
                        await asyncio.sleep(0.01)
            with pytest.raises(OSError):
                ble.gap_advertise(100_000)
            # Nothing advertises any more.
            found = await BleakScanner.discover(timeout=0.2, backend=BumbleScanner, bumble_adapter=adapter)
            assert all(d.name != "kyp-api" for d in found)
        finally:
            await radio.close()

    asyncio.run(run())


def test_notification_is_cut_to_20_bytes_before_any_mtu_exchange():
    from bumble.device import Peer
    from bumble.hci import Address

    async def run():
        radio = VirtualRadio()
        ble = await radio.peripheral("C4:00:00:00:00:02")
        adapter = await radio.central()
        try:
            ble.active(True)
            ((h,),) = ble.gatts_register_services(
                ((bluetooth.UUID(SVC), ((bluetooth.UUID(CHR), bluetooth.FLAG_NOTIFY),)),)
            )
            conns = []
            ble.irq(lambda e, d: conns.append(d[0]) if e == 1 else None)
            ble.gap_advertise(20_000, b"\x02\x01\x06")
            # A bare bumble central that never exchanges the MTU (unlike the bleak backend).
            connection = await adapter.device.connect(
                Address("C4:00:00:00:00:02", Address.RANDOM_DEVICE_ADDRESS)
            )
            peer = Peer(connection)
            await peer.discover_services()
            service = next(s for s in peer.services if str(s.uuid).lower() == SVC)
            (char,) = await service.discover_characteristics()
            got = []
            await char.subscribe(lambda v: got.append(bytes(v)))
            ble.gatts_notify(conns[0], h, bytes(range(100)))
            async with asyncio.timeout(5):
                while not got:
                    await asyncio.sleep(0.005)
            assert got == [bytes(range(20))]  # ATT_MTU 23 - 3
            await connection.disconnect()
        finally:
            await radio.close()

    asyncio.run(run())


def test_two_host_processes_with_one_identity_each_keep_their_own_link():
    """Host processes share one identity address (like one OS adapter); the air must
    still deliver each link's packets to the right one."""
    from bumble import gatt
    from bumble.device import Device
    from bumble.hci import Address
    from bumble.host import Host
    from bumble.transport.common import AsyncPipeSink

    async def run():
        radio = VirtualRadio()
        ble = await radio.peripheral("C4:00:00:00:00:03")
        ble.active(True)
        ((h,),) = ble.gatts_register_services(
            ((bluetooth.UUID(SVC), ((bluetooth.UUID(CHR), bluetooth.FLAG_NOTIFY),)),)
        )
        conns = []
        ble.irq(lambda e, d: conns.append(d[0]) if e == 1 else None)
        ble.gap_advertise(20_000, b"\x02\x01\x06", resp_data=b"\x05\x09shim")
        # A second board, plain bumble, with the same service.
        controller = radio.controller("other-board")
        other = Device(
            name="other",
            address=Address("C4:00:00:00:00:04", Address.RANDOM_DEVICE_ADDRESS),
            host=Host(controller, AsyncPipeSink(controller)),
        )
        other_char = gatt.Characteristic(
            CHR, gatt.Characteristic.Properties.NOTIFY, gatt.Characteristic.READABLE, b""
        )
        other.add_service(gatt.Service(SVC, [other_char]))
        await other.power_on()
        await other.start_advertising(
            advertising_data=b"\x02\x01\x06",
            scan_response_data=b"\x06\x09other",
            advertising_interval_min=20.0,
            advertising_interval_max=20.0,
        )
        host1 = await radio.central("C0:00:00:00:AA:01")
        host2 = await radio.central("C0:00:00:00:AA:01")  # same identity, other process
        try:
            got1, got2 = [], []
            d1 = await BleakScanner.find_device_by_name("shim", 5, backend=BumbleScanner, bumble_adapter=host1)
            d2 = await BleakScanner.find_device_by_name("other", 5, backend=BumbleScanner, bumble_adapter=host2)
            c1 = BleakClient(d1, backend=BumbleClient, bumble_adapter=host1)
            c2 = BleakClient(d2, backend=BumbleClient, bumble_adapter=host2)
            await c1.connect()
            await c2.connect()
            await c1.start_notify(CHR, lambda _c, d: got1.append(bytes(d)))
            await c2.start_notify(CHR, lambda _c, d: got2.append(bytes(d)))
            for i in range(5):
                ble.gatts_notify(conns[0], h, b"shim%d" % i)
                await other.notify_subscribers(other_char, b"other%d" % i)
            async with asyncio.timeout(5):
                while len(got1) < 5 or len(got2) < 5:
                    await asyncio.sleep(0.01)
            assert got1 == [b"shim%d" % i for i in range(5)]
            assert got2 == [b"other%d" % i for i in range(5)]
            await c1.disconnect()
            await c2.disconnect()
        finally:
            await host2.close()
            await radio.close()

    asyncio.run(run())


def test_handles_must_be_ints_as_in_micropython():
    """extmod/modbluetooth.c takes handles with mp_obj_get_int: None raises TypeError (what a
    firmware that notifies after a disconnect IRQ cleared its handle meets on a board)."""

    async def run():
        radio = VirtualRadio()
        ble = await radio.peripheral("C4:00:00:00:00:03")
        try:
            for call in (lambda: ble.gatts_notify(None, 1, b"x"),
                         lambda: ble.gap_disconnect(None),
                         lambda: ble.gap_pair(None),
                         lambda: ble.gattc_exchange_mtu(None)):
                with pytest.raises(TypeError):
                    call()
            with pytest.raises(OSError):
                ble.gap_pair(99)  # an int that is no connection: ENOTCONN
        finally:
            await radio.close()

    asyncio.run(run())
