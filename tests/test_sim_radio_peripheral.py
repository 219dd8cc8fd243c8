"""A peripheral written only against MicroPython's ``bluetooth`` API runs on the shim,
and a host that only makes bleak calls (with the bumble backend) talks to it.

Run as a script, this file is the peripheral process of the cross-process test:
``python tests/test_sim_radio_peripheral.py tcp-client:127.0.0.1:PORT``.
"""

from __future__ import annotations

import asyncio
import errno
import struct
import sys

import pytest

sys.path.insert(0, __file__.rsplit("/", 2)[0] + "/host")  # for the subprocess run

from kyphos.sim.shims import bluetooth as _shim  # noqa: E402

_shim.install()
import bluetooth  # noqa: E402  (the shim, exactly what the firmware imports)

# ---------------------------------------------------------------------------------
# The peripheral: MicroPython code (no CPython-only features, no simulator branch).
# ---------------------------------------------------------------------------------
_IRQ_CENTRAL_CONNECT = 1
_IRQ_CENTRAL_DISCONNECT = 2
_IRQ_GATTS_WRITE = 3
_IRQ_MTU_EXCHANGED = 21
_IRQ_ENCRYPTION_UPDATE = 28
_IRQ_GET_SECRET = 29
_IRQ_SET_SECRET = 30
_IRQ_PASSKEY_ACTION = 31
_PASSKEY_ACTION_NUMERIC_COMPARISON = 4
_FLAG_READ = 0x0002
_FLAG_WRITE = 0x0008
_FLAG_NOTIFY = 0x0010
_FLAG_READ_ENCRYPTED = 0x0200

SERVICE = "6b790001-0000-4000-8000-6b7970686f73"
DATA = "6b790002-0000-4000-8000-6b7970686f73"
CONTROL = "6b790003-0000-4000-8000-6b7970686f73"
STATUS = "6b790004-0000-4000-8000-6b7970686f73"
SECRET = "6b790005-0000-4000-8000-6b7970686f73"


def _adv_payloads(name, service_uuid):
    # Flags + a 128-bit UUID take 21 of the 31 bytes: the name goes in the scan response.
    uuid_b = bytes(service_uuid)
    name_b = name.encode()
    adv = bytes((2, 0x01, 0x06)) + bytes((len(uuid_b) + 1, 0x07)) + uuid_b
    return adv, bytes((len(name_b) + 1, 0x09)) + name_b


class Peripheral:
    def __init__(self, ble, pairing_open=True):
        self.ble = ble
        self.events = []
        self.writes = []
        self.secrets = {}
        self.conn = None
        self.mtu = 23
        self.enomem = 0
        self.pairing_open = pairing_open
        ble.active(True)
        ble.config(mtu=256, bond=True, mitm=True, le_secure=True, io=1)
        ble.irq(self._irq)
        service = (
            bluetooth.UUID(SERVICE),
            (
                (bluetooth.UUID(DATA), _FLAG_NOTIFY),
                (bluetooth.UUID(CONTROL), _FLAG_WRITE),
                (bluetooth.UUID(STATUS), _FLAG_READ | _FLAG_NOTIFY),
                (bluetooth.UUID(SECRET), _FLAG_READ | _FLAG_READ_ENCRYPTED),
            ),
        )
        battery = (bluetooth.UUID(0x180F), ((bluetooth.UUID(0x2A19), _FLAG_READ | _FLAG_NOTIFY),))
        ((self.h_data, self.h_control, self.h_status, self.h_secret), (self.h_batt,)) = (
            ble.gatts_register_services((service, battery))
        )
        ble.gatts_set_buffer(self.h_control, 128)
        ble.gatts_write(self.h_status, b"idle")
        ble.gatts_write(self.h_secret, b"s3cret")
        ble.gatts_write(self.h_batt, bytes((87,)))
        mac = ble.config("mac")[1]
        self.name = "kyphos-" + ("%02X%02X" % (mac[4], mac[5]))  # noqa: UP031
        self.advertise()

    def advertise(self):
        adv, resp = _adv_payloads(self.name, bluetooth.UUID(SERVICE))
        self.ble.gap_advertise(20000, adv, resp_data=resp)

    def _irq(self, event, data):
        self.events.append((event, data if event != _IRQ_CENTRAL_CONNECT else data[:2]))
        if event == _IRQ_CENTRAL_CONNECT:
            self.conn = data[0]
            self.peer = bytes(data[2])
            self.kept_view = data[2]  # a bug on a board: only valid inside the IRQ
        elif event == _IRQ_CENTRAL_DISCONNECT:
            self.conn = None
            self.advertise()
        elif event == _IRQ_GATTS_WRITE:
            self.writes.append(self.ble.gatts_read(data[1]))
        elif event == _IRQ_MTU_EXCHANGED:
            self.mtu = data[1]
        elif event == _IRQ_PASSKEY_ACTION:
            conn, action, passkey = data
            if action == _PASSKEY_ACTION_NUMERIC_COMPARISON:
                self.ble.gap_passkey(conn, action, 1 if self.pairing_open else 0)
        elif event == _IRQ_SET_SECRET:
            sec_type, key, value = data
            if value is None:
                self.secrets.pop((sec_type, bytes(key)), None)
            else:
                self.secrets[(sec_type, bytes(key))] = bytes(value)
            return True
        elif event == _IRQ_GET_SECRET:
            sec_type, index, key = data
            if key is None:
                found = [v for (t, _k), v in self.secrets.items() if t == sec_type]
                return found[index] if index < len(found) else None
            return self.secrets.get((sec_type, bytes(key)))

    async def stream(self, count, size):
        """Notify ``count`` frames (sequence number first); keep and retry on ENOMEM."""
        frame = bytearray(size)
        for seq in range(count):
            struct.pack_into("<I", frame, 0, seq)
            while True:
                try:
                    self.ble.gatts_notify(self.conn, self.h_data, frame)
                    break
                except OSError as exc:
                    if exc.errno != errno.ENOMEM:
                        raise
                    self.enomem += 1
                    await asyncio.sleep(0.001)


# ---------------------------------------------------------------------------------
# Host side: bleak only.
# ---------------------------------------------------------------------------------
from bleak import BleakClient, BleakScanner  # noqa: E402
from bleak.exc import (  # noqa: E402
    BleakError,
    BleakGATTProtocolError,
    BleakGATTProtocolErrorCode,
)
from kyphos.sim.radio import VirtualRadio  # noqa: E402
from kyphos.transport.bumble_backend import BumbleClient, BumbleScanner  # noqa: E402

ADDRESS = "C4:11:22:33:AB:CD"


async def _setup(model=None, pairing_open=True):
    radio = VirtualRadio(model)
    ble = await radio.peripheral(ADDRESS)
    adapter = await radio.central()
    return radio, Peripheral(ble, pairing_open), adapter


async def _wait_for(predicate, timeout=5.0):
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.005)


async def _connect(adapter, peripheral, **kwargs):
    device = await BleakScanner.find_device_by_name(
        peripheral.name, timeout=5.0, backend=BumbleScanner, bumble_adapter=adapter
    )
    assert device is not None
    client = BleakClient(device, backend=BumbleClient, bumble_adapter=adapter, timeout=5.0, **kwargs)
    await client.connect()
    return device, client


def test_scan_connect_mtu_read_write_and_disconnect_events():
    async def run():
        radio, per, adapter = await _setup()
        try:
            seen = {}

            def on_adv(dev, adv):
                seen[dev.address] = (dev, adv)

            async with BleakScanner(on_adv, [SERVICE], backend=BumbleScanner, bumble_adapter=adapter):
                # The name arrives in the scan response, a report after the first one.
                await _wait_for(lambda: ADDRESS in seen and seen[ADDRESS][1].local_name)
            dev, adv = seen[ADDRESS]
            assert adv.local_name == per.name == "kyphos-ABCD"
            assert SERVICE in adv.service_uuids
            assert str(dev.details) .startswith(ADDRESS)

            lost = asyncio.Event()
            client = BleakClient(
                dev, lambda _c: lost.set(), backend=BumbleClient, bumble_adapter=adapter
            )
            await client.connect()
            assert client.is_connected
            assert client.mtu_size == 247
            await _wait_for(lambda: per.mtu == 247)
            assert (_IRQ_CENTRAL_CONNECT, (per.conn, 1)) in per.events
            assert per.peer == bytes.fromhex("C0000000C001")
            with pytest.raises(ValueError):
                bytes(per.kept_view)  # released when the IRQ returned

            assert await client.read_gatt_char(STATUS) == b"idle"
            assert await client.read_gatt_char("00002a19-0000-1000-8000-00805f9b34fb") == b"\x57"
            command = bytes(range(100))
            await client.write_gatt_char(CONTROL, command, response=True)
            assert per.writes == [command]  # delivered before the write response

            with pytest.raises(BleakGATTProtocolError) as info:
                await client.write_gatt_char(STATUS, b"x", response=True)  # not writable
            assert info.value.code == BleakGATTProtocolErrorCode.WRITE_NOT_PERMITTED
            with pytest.raises(BleakGATTProtocolError) as info:
                await client.read_gatt_char(SECRET)  # needs encryption
            assert info.value.code == BleakGATTProtocolErrorCode.INSUFFICIENT_ENCRYPTION

            # The peripheral hangs up: both sides see it, the board advertises again.
            assert per.ble.gap_disconnect(per.conn) is True
            await asyncio.wait_for(lost.wait(), 5)
            await _wait_for(lambda: per.conn is None)
            assert not client.is_connected
            assert per.events[-1][0] == _IRQ_CENTRAL_DISCONNECT
            assert per.ble.gap_disconnect(7) is False

            # The host hangs up: CENTRAL_DISCONNECT again; the callback runs too (as BlueZ's).
            lost.clear()
            _, client2 = await _connect(adapter, per, disconnected_callback=lambda _c: lost.set())
            await client2.disconnect()
            await _wait_for(lambda: per.conn is None)
            assert lost.is_set()
        finally:
            await radio.close()

    asyncio.run(run())


def test_2000_notifications_arrive_whole_in_order_with_enomem_backpressure():
    model = _shim.LinkModel(conn_interval_ms=1.0, packets_per_event=8, queue_len=12)

    async def run():
        radio, per, adapter = await _setup(model)
        try:
            _, client = await _connect(adapter, per)
            got = []
            done = asyncio.Event()

            def on_data(_char, data):
                got.append(bytes(data))
                if len(got) == 2000:
                    done.set()

            await client.start_notify(DATA, on_data)
            await _wait_for(lambda: per.mtu == 247)
            await per.stream(2000, 200)
            await asyncio.wait_for(done.wait(), 20)
            assert per.enomem > 0  # the peripheral outran the link and had to retry
            assert all(len(g) == 200 for g in got)
            assert [struct.unpack_from("<I", g)[0] for g in got] == list(range(2000))

            # Longer than ATT_MTU-3: cut to 244 bytes like a real stack.
            got.clear()
            per.ble.gatts_notify(per.conn, per.h_data, bytes(300))
            await _wait_for(lambda: len(got) == 1)
            assert len(got[0]) == 244
            await client.stop_notify(DATA)
            await client.disconnect()
        finally:
            await radio.close()

    asyncio.run(run())


def test_notify_raises_enotconn_and_queue_full_is_enomem():
    model = _shim.LinkModel(conn_interval_ms=1000.0, packets_per_event=1, queue_len=3)

    async def run():
        radio, per, adapter = await _setup(model)
        try:
            with pytest.raises(OSError) as info:
                per.ble.gatts_notify(0, per.h_data, b"x")
            assert info.value.errno == errno.ENOTCONN
            _, client = await _connect(adapter, per)
            for _ in range(3):
                per.ble.gatts_notify(per.conn, per.h_data, b"x")
            with pytest.raises(OSError) as info:
                per.ble.gatts_notify(per.conn, per.h_data, b"x")
            assert info.value.errno == errno.ENOMEM
            await client.disconnect()
        finally:
            await radio.close()

    asyncio.run(run())


def test_pairing_le_secure_connections_encrypts_and_bonds():
    async def run():
        radio, per, adapter = await _setup(pairing_open=True)
        try:
            _, client = await _connect(adapter, per)
            await client.pair()
            backend = client._backend
            assert isinstance(backend, BumbleClient) and backend.is_encrypted
            assert backend._connection is not None and backend._connection.sc  # LE Secure Conn.
            await _wait_for(lambda: any(e == _IRQ_ENCRYPTION_UPDATE for e, _ in per.events))
            update = [d for e, d in per.events if e == _IRQ_ENCRYPTION_UPDATE][-1]
            assert update == (per.conn, True, True, True, 16)
            assert any(e == _IRQ_PASSKEY_ACTION for e, _ in per.events)
            # The bond went to the firmware's store, shaped like NimBLE's: our and the
            # peer's keys (sec_type 1 and 2) under the central's 7-byte ble_addr_t.
            central = bytes((1,)) + bytes.fromhex("C0000000C001")[::-1]
            assert {t for t, k in per.secrets if k == central} == {1, 2}
            assert await client.read_gatt_char(SECRET) == b"s3cret"
            await client.disconnect()
            await _wait_for(lambda: per.conn is None)

            # Reconnect: the host re-encrypts at once with the bond the firmware stored.
            per.events.clear()
            _, client = await _connect(adapter, per)
            assert client._backend.is_encrypted
            await _wait_for(lambda: any(e == _IRQ_ENCRYPTION_UPDATE for e, _ in per.events))
            assert not any(e == _IRQ_PASSKEY_ACTION for e, _ in per.events)
            assert await client.read_gatt_char(SECRET) == b"s3cret"
            await client.pair()  # already encrypted: nothing to do
            await client.disconnect()
            await _wait_for(lambda: per.conn is None)

            # The firmware forgets its bonds (erase): the link stays unencrypted.
            per.secrets.clear()
            _, client = await _connect(adapter, per)
            assert not client._backend.is_encrypted
            with pytest.raises(BleakGATTProtocolError):
                await client.read_gatt_char(SECRET)
            await client.unpair()  # host forgets too; pairing again is possible
            _, client = await _connect(adapter, per)
            await client.pair()
            assert await client.read_gatt_char(SECRET) == b"s3cret"
            await client.disconnect()
        finally:
            await radio.close()

    asyncio.run(run())


def test_pairing_refused_when_window_closed():
    async def run():
        radio, per, adapter = await _setup(pairing_open=False)
        try:
            _, client = await _connect(adapter, per)
            with pytest.raises(BleakError, match="pairing"):
                await client.pair()
            assert not client._backend.is_encrypted
            assert not per.secrets
            assert not any(e == _IRQ_ENCRYPTION_UPDATE and d[1] for e, d in per.events)
            await client.disconnect()
        finally:
            await radio.close()

    asyncio.run(run())


def test_peripheral_asks_for_pairing_and_write_kinds_are_enforced():
    async def run():
        radio, per, adapter = await _setup(pairing_open=True)
        try:
            _, client = await _connect(adapter, per)
            # CONTROL allows write requests only: a write command is dropped, as NimBLE does.
            await client.write_gatt_char(CONTROL, b"dropped", response=False)
            await client.write_gatt_char(CONTROL, b"kept", response=True)
            assert per.writes == [b"kept"]

            per.ble.gap_pair(per.conn)  # e.g. the firmware wants an encrypted link
            await _wait_for(lambda: any(e == _IRQ_ENCRYPTION_UPDATE for e, _ in per.events))
            assert client._backend.is_encrypted
            await client.disconnect()
        finally:
            await radio.close()

    asyncio.run(run())


def test_faults_drop_link_and_corrupt_notification():
    async def run():
        radio, per, adapter = await _setup(_shim.LinkModel(conn_interval_ms=2.0))
        try:
            lost = asyncio.Event()
            device, client = await _connect(adapter, per, disconnected_callback=lambda _c: lost.set())
            got = []
            await client.start_notify(DATA, lambda _c, d: got.append(bytes(d)))
            radio.corrupt_notifications(1)
            per.ble.gatts_notify(per.conn, per.h_data, b"\x01\x02")
            per.ble.gatts_notify(per.conn, per.h_data, b"\x01\x02")
            await _wait_for(lambda: len(got) == 2)
            assert got == [b"\xfe\x02", b"\x01\x02"]

            radio.corrupt_notifications(1, offset=1)
            per.ble.gatts_notify(per.conn, per.h_data, b"\x01\x02")
            await _wait_for(lambda: len(got) == 3)
            assert got[2] == b"\x01\xfd"

            # A slower connection interval reaches the firmware as CONNECTION_UPDATE.
            radio.set_connection_interval(30.0)
            assert per.events[-1][0] == 27 and per.events[-1][1][:2] == (per.conn, 24)

            # Out of range: silence, a supervision timeout later both sides notice; what
            # the board sent meanwhile is gone.
            await radio.drop_link(0.3, detect_s=0.1)
            per.ble.gatts_notify(per.conn, per.h_data, b"lost")
            await asyncio.wait_for(lost.wait(), 5)
            await _wait_for(lambda: per.conn is None)
            assert per.events[-1][0] == _IRQ_CENTRAL_DISCONNECT
            assert b"lost" not in got
            # Nothing is on the air while the link is down, then the board is back.
            assert radio.link.is_down()
            again = await BleakScanner.find_device_by_name(
                per.name, timeout=5.0, backend=BumbleScanner, bumble_adapter=adapter
            )
            assert again is not None and not radio.link.is_down()
            client = BleakClient(again, backend=BumbleClient, bumble_adapter=adapter)
            await client.connect()
            assert client.is_connected
            await client.disconnect()
        finally:
            await radio.close()

    asyncio.run(run())


def test_indicate_is_acknowledged_and_plain_import_shares_the_singleton():
    import importlib
    import pathlib

    shims = pathlib.Path(_shim.__file__).parent
    sys.path.insert(0, str(shims))
    try:
        sys.modules.pop("bluetooth", None)
        plain = importlib.import_module("bluetooth")  # as the firmware imports it
    finally:
        sys.path.remove(str(shims))
        _shim.install()
    assert plain is _shim

    early = plain.BLE()  # firmware may take the singleton at import time

    async def run():
        radio = VirtualRadio()
        ble = await radio.peripheral(ADDRESS)
        assert plain.BLE() is ble is early
        events = []
        ble.active(True)
        ble.irq(lambda e, d: events.append((e, d)))
        ((h,),) = ble.gatts_register_services(
            ((bluetooth.UUID(SERVICE), ((bluetooth.UUID(STATUS), 0x0020 | _FLAG_READ),)),)
        )
        ble.gatts_write(h, b"ready")
        ble.gap_advertise(20000, b"\x02\x01\x06", resp_data=b"\x05\x09kyp1")
        adapter = await radio.central()
        try:
            device = await BleakScanner.find_device_by_name(
                "kyp1", timeout=5.0, backend=BumbleScanner, bumble_adapter=adapter
            )
            async with BleakClient(device, backend=BumbleClient, bumble_adapter=adapter) as client:
                got = []
                await client.start_notify(STATUS, lambda _c, d: got.append(bytes(d)))
                conn = next(d[0] for e, d in events if e == _IRQ_CENTRAL_CONNECT)
                ble.gatts_indicate(conn, h)
                await _wait_for(lambda: any(e == 20 for e, _ in events))
                assert (20, (conn, h, 0)) in events  # _IRQ_GATTS_INDICATE_DONE, status 0
                assert got == [b"ready"]
        finally:
            await radio.close()

    asyncio.run(run())


async def _subprocess_main(spec):
    ble = await __import__("kyphos.sim.radio", fromlist=["x"]).peripheral_over_transport(
        spec, ADDRESS, model=_shim.LinkModel(conn_interval_ms=2.0)
    )
    per = Peripheral(ble)
    print("ready", flush=True)
    while True:
        await asyncio.sleep(0.01)
        if per.writes and per.conn is not None:
            count = struct.unpack("<H", per.writes.pop(0)[:2])[0]
            await per.stream(count, 180)


if __name__ == "__main__":
    asyncio.run(_subprocess_main(sys.argv[1]))
