"""A bleak backend on a bumble central: bleak calls, virtual radio underneath.

Host code makes the same bleak calls it makes with real hardware and only passes the
backend classes::

    from bleak import BleakClient, BleakScanner
    from kyphos.transport.bumble_backend import BumbleClient, BumbleScanner

    device = await BleakScanner.find_device_by_name("kyphos-1A2B", backend=BumbleScanner)
    async with BleakClient(device, backend=BumbleClient) as client:
        await client.start_notify(DATA_UUID, on_data)

Which radio the backend uses (its "adapter"), first match wins:

1. ``bumble_adapter=`` keyword given to ``BleakScanner``/``BleakClient`` (a
   :class:`BumbleAdapter`);
2. the adapter set for the running event loop with :func:`use_adapter` (in-process
   tests and ``kyphos demo``);
3. an HCI transport spec in ``$KYPHOS_BUMBLE_TRANSPORT``, else :data:`DEFAULT_TRANSPORT`
   (``tcp-client:127.0.0.1:9741``, where ``kyphos sim`` listens): the adapter is
   opened on first use and kept for the loop.

How it behaves, compared with the OS backends:

* ``connect()`` requests ATT MTU 247 (as Android, Windows and macOS do by themselves;
  ``mtu_size`` then reports it), re-encrypts at once with a bonded peer (as BlueZ does),
  and discovers every service, characteristic and descriptor.
* ``pair()`` runs LE Secure Connections with bonding as the adapter's ``pairing`` mode says
  (:data:`PAIRING_MODES`): ``numeric`` (default) answers a numeric comparison "yes" (the
  user clicking "Pair"); ``just-works`` pairs as Windows or BlueZ without an agent
  (NoInputNoOutput: encrypted, not authenticated); ``on-demand`` plays macOS: ``pair()``
  and ``unpair()`` raise ``NotImplementedError`` and the "OS" pairs when a read or write
  is refused with ATT 0x05/0x0F, then repeats it. Passkey entry is refused (no user to
  type it). A peripheral's security request (``gap_pair`` on the board) starts the same
  pairing in every mode. ``on_controller(..., private=True)`` connects from a resolvable
  private address, as phones and Macs do.
  Bonds are kept in a ``JsonKeyStore`` (``$KYPHOS_BUMBLE_KEYS`` or
  ``~/.local/share/kyphos/ble_keys.json``) for adapters opened over a transport, in
  memory for in-process ones; ``unpair()`` forgets the peer.
* The disconnected callback runs on every disconnection, ours included (as BlueZ's).
* ATT errors raise ``BleakGATTProtocolError`` (``.code``: 0x0F insufficient encryption,
  0x03 write not permitted, ...); an unknown address ``BleakDeviceNotFoundError``; other
  failures ``BleakError``. bleak itself refuses CCCD writes (use start/stop_notify).
* Scanning merges advertising data and scan response per device (active mode, the
  default); a passive scan gets no scan response. ``BLEDevice.details`` is the bumble
  ``Address`` (its type, public or random, matters for connecting), ``address`` its text.
* Not provided: ``read_gatt_char(use_cached=True)`` reads the device anyway; no service
  filter at discovery; ``BleakClient.is_encrypted`` is not bleak API (the backend object
  has it: ``client._backend.is_encrypted``).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import socket
import uuid as uuidlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, BaseBleakScanner
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakDeviceNotFoundError, BleakError, BleakGATTProtocolError
from bumble import att, hci
from bumble.controller import Controller
from bumble.device import Advertisement, Connection, Device, Peer
from bumble.gatt_client import CharacteristicProxy
from bumble.host import Host
from bumble.keys import JsonKeyStore, KeyStore, MemoryKeyStore
from bumble.pairing import PairingConfig, PairingDelegate
from bumble.transport import Transport, open_transport
from bumble.transport.common import AsyncPipeSink

logger = logging.getLogger(__name__)

DEFAULT_TRANSPORT = "tcp-client:127.0.0.1:9741"
REQUESTED_MTU = 247  # what Android/Windows/macOS ask for (251-byte LE data length - 4)

_PROPERTY_NAMES = {
    0x01: "broadcast",
    0x02: "read",
    0x04: "write-without-response",
    0x08: "write",
    0x10: "notify",
    0x20: "indicate",
    0x40: "authenticated-signed-writes",
    0x80: "extended-properties",
}


def default_keystore_path() -> Path:
    """Where the cross-process adapter keeps bonds (``$KYPHOS_BUMBLE_KEYS`` wins)."""
    env = os.environ.get("KYPHOS_BUMBLE_KEYS")
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "kyphos" / "ble_keys.json"


def _stable_address(seed: str) -> hci.Address:
    """A random static address derived from ``seed`` (same seed, same identity)."""
    raw = bytearray(hashlib.sha256(seed.encode()).digest()[:6])
    raw[0] |= 0xC0  # static random: two top bits set (display order, MSB first)
    text = ":".join(f"{b:02X}" for b in raw)
    return hci.Address(text, hci.Address.RANDOM_DEVICE_ADDRESS)


PAIRING_NUMERIC = "numeric"
"""Pairing as BlueZ with an agent, Android or iOS: LE Secure Connections with MITM; against
the board (DisplayYesNo) that is numeric comparison, the user clicking "Pair"."""
PAIRING_JUST_WORKS = "just-works"
"""Pairing as bleak's WinRT backend ("confirm only", ``DevicePairingKinds.ConfirmOnly``) or
BlueZ without an agent: NoInputNoOutput, so LE Secure Connections Just Works (encrypted, not
authenticated), whatever MITM the peripheral asked for."""
PAIRING_ON_DEMAND = "on-demand"
"""Pairing as macOS: bleak's CoreBluetooth backend cannot pair (``pair()`` and ``unpair()``
raise ``NotImplementedError``, bleak tests/integration/test_client_pairing.py); the OS pairs
by itself (numeric comparison dialog) when a read or write is refused with ATT 0x05/0x0F
(insufficient authentication/encryption), then repeats the request."""
PAIRING_MODES = (PAIRING_NUMERIC, PAIRING_JUST_WORKS, PAIRING_ON_DEMAND)


class _CentralDelegate(PairingDelegate):
    """The host side of pairing: a user who accepts what the OS dialog shows."""

    def __init__(self, just_works: bool = False) -> None:
        super().__init__(
            io_capability=PairingDelegate.IoCapability.NO_OUTPUT_NO_INPUT
            if just_works
            else PairingDelegate.IoCapability.DISPLAY_OUTPUT_AND_KEYBOARD_INPUT
        )

    async def compare_numbers(self, number: int, digits: int) -> bool:
        return True

    async def get_number(self) -> int | None:
        return None  # no passkey entry on the virtual host: pairing fails cleanly


class BumbleAdapter:
    """One bumble central Device: the virtual machine's Bluetooth adapter."""

    def __init__(
        self, device: Device, transport: Transport | None = None, pairing: str = PAIRING_NUMERIC
    ) -> None:
        if pairing not in PAIRING_MODES:
            raise ValueError(f"pairing must be one of {', '.join(PAIRING_MODES)}, not {pairing!r}")
        self.device = device
        self.pairing = pairing
        self._transport = transport
        self._scan_users = 0

    @classmethod
    async def on_controller(
        cls,
        controller: Controller,
        address: str | hci.Address = "C0:00:00:00:C0:01",
        keystore: KeyStore | None = None,
        *,
        pairing: str = PAIRING_NUMERIC,
        private: bool = False,
    ) -> BumbleAdapter:
        """An adapter on an in-process controller (a ``LocalLink`` in this process).

        ``pairing`` is one of :data:`PAIRING_MODES` (which OS the host plays); ``private``
        makes it connect from a resolvable private address derived from its IRK (as phones
        and Macs do), its static ``address`` being the identity it gives when bonding.
        """
        host = Host(controller, AsyncPipeSink(controller))
        return await cls._start(
            host, address, keystore or MemoryKeyStore(), None, pairing=pairing, private=private
        )

    @classmethod
    async def open(
        cls, spec: str = DEFAULT_TRANSPORT, keystore_path: Path | None = None
    ) -> BumbleAdapter:
        """An adapter on a controller reached through an HCI transport spec."""
        try:
            transport = await open_transport(spec)
        except (OSError, ConnectionError) as exc:
            raise BleakError(
                f"virtual radio not reachable at {spec} ({exc}); start `kyphos sim` first"
            ) from exc
        path = keystore_path or default_keystore_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        host = Host(transport.source, transport.sink)
        keystore = JsonKeyStore(namespace=None, filename=str(path))
        return await cls._start(host, _stable_address(str(path.resolve())), keystore, transport)

    @classmethod
    async def _start(
        cls,
        host: Host,
        address: str | hci.Address,
        keystore: KeyStore,
        transport: Transport | None,
        pairing: str = PAIRING_NUMERIC,
        private: bool = False,
    ) -> BumbleAdapter:
        if isinstance(address, str):
            address = hci.Address(address, hci.Address.RANDOM_DEVICE_ADDRESS)
        device = Device(name="kyphos-host", address=address, host=host)
        device.keystore = keystore
        just_works = pairing == PAIRING_JUST_WORKS
        device.pairing_config_factory = lambda _conn: PairingConfig(
            sc=True,
            mitm=not just_works,
            bonding=True,
            delegate=_CentralDelegate(just_works),
            identity_address_type=PairingConfig.AddressType.RANDOM,
        )
        if private:
            # A stable IRK per identity, so a bond survives a restart of this host.
            device.irk = hashlib.sha256(b"kyphos-irk" + bytes(address)).digest()[:16]
            device.le_privacy_enabled = True
            device.le_rpa_timeout = 0  # one RPA per power-on (no rotation task)
        await device.power_on()
        return cls(device, transport, pairing)

    async def start_scan(self, active: bool) -> None:
        self._scan_users += 1
        if self._scan_users == 1:
            await self.device.start_scanning(active=active, filter_duplicates=False)

    async def stop_scan(self) -> None:
        self._scan_users = max(0, self._scan_users - 1)
        if self._scan_users == 0 and self.device.scanning:
            await self.device.stop_scanning()

    async def close(self) -> None:
        """Disconnect everything and release the transport."""
        for connection in list(self.device.connections.values()):
            try:
                await connection.disconnect()
            except Exception as exc:
                logger.debug("disconnect on close: %s", exc)
        if self._transport is not None:
            await self._transport.close()
            self._transport = None


_adapters: dict[asyncio.AbstractEventLoop, BumbleAdapter] = {}
_opening: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}


def use_adapter(adapter: BumbleAdapter | None) -> None:
    """Make ``adapter`` the default for bleak calls on the running event loop."""
    loop = asyncio.get_running_loop()
    if adapter is None:
        _adapters.pop(loop, None)
    else:
        _adapters[loop] = adapter


async def get_adapter(explicit: BumbleAdapter | None = None) -> BumbleAdapter:
    """The adapter a scanner or client uses (see the module docstring for the order)."""
    if explicit is not None:
        return explicit
    loop = asyncio.get_running_loop()
    if loop in _adapters:
        return _adapters[loop]
    lock = _opening.setdefault(loop, asyncio.Lock())
    async with lock:
        if loop not in _adapters:
            spec = os.environ.get("KYPHOS_BUMBLE_TRANSPORT") or DEFAULT_TRANSPORT
            _adapters[loop] = await BumbleAdapter.open(spec)
    return _adapters[loop]


async def close_default_adapter() -> None:
    """Close the adapter opened for the running loop (call before the loop ends)."""
    adapter = _adapters.pop(asyncio.get_running_loop(), None)
    if adapter is not None:
        await adapter.close()


def radio_reachable(spec: str | None = None, timeout_s: float = 0.5) -> bool:
    """True when a virtual radio answers at ``spec`` (a ``tcp-client:host:port`` spec;
    default ``$KYPHOS_BUMBLE_TRANSPORT`` or :data:`DEFAULT_TRANSPORT`), e.g. to tell
    whether ``kyphos sim`` is running before choosing this backend."""
    spec = spec or os.environ.get("KYPHOS_BUMBLE_TRANSPORT") or DEFAULT_TRANSPORT
    kind, _, where = spec.partition(":")
    if kind != "tcp-client":
        return False
    host, _, port = where.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout_s):
            return True
    except (OSError, ValueError):
        return False


def _address_text(address: hci.Address) -> str:
    return address.to_string(with_type_qualifier=False)


def _uuid_text(raw_le: bytes) -> str:
    if len(raw_le) == 2:
        return f"0000{int.from_bytes(raw_le, 'little'):04x}-0000-1000-8000-00805f9b34fb"
    if len(raw_le) == 4:
        return f"{int.from_bytes(raw_le, 'little'):08x}-0000-1000-8000-00805f9b34fb"
    return str(uuidlib.UUID(bytes=raw_le[::-1]))


def parse_advertising(data: bytes) -> dict[str, Any]:
    """Decode raw AD structures into bleak's AdvertisementData fields."""
    out: dict[str, Any] = {
        "local_name": None,
        "manufacturer_data": {},
        "service_data": {},
        "service_uuids": [],
        "tx_power": None,
    }
    i = 0
    while i + 1 < len(data):
        length = data[i]
        if length == 0 or i + 1 + length > len(data):
            break
        kind, body = data[i + 1], bytes(data[i + 2 : i + 1 + length])
        i += 1 + length
        if kind in (0x08, 0x09):
            if kind == 0x09 or out["local_name"] is None:
                out["local_name"] = body.decode("utf-8", "replace")
        elif kind in (0x02, 0x03):
            out["service_uuids"] += [_uuid_text(body[j : j + 2]) for j in range(0, len(body) - 1, 2)]
        elif kind in (0x04, 0x05):
            out["service_uuids"] += [_uuid_text(body[j : j + 4]) for j in range(0, len(body) - 3, 4)]
        elif kind in (0x06, 0x07):
            out["service_uuids"] += [
                _uuid_text(body[j : j + 16]) for j in range(0, len(body) - 15, 16)
            ]
        elif kind == 0x0A and body:
            out["tx_power"] = int.from_bytes(body[:1], "little", signed=True)
        elif kind == 0xFF and len(body) >= 2:
            out["manufacturer_data"][int.from_bytes(body[:2], "little")] = body[2:]
        elif kind == 0x16 and len(body) >= 2:
            out["service_data"][_uuid_text(body[:2])] = body[2:]
        elif kind == 0x21 and len(body) >= 16:
            out["service_data"][_uuid_text(body[:16])] = body[16:]
    return out


class BumbleScanner(BaseBleakScanner):
    """bleak scanner backend on a bumble central (``BleakScanner(backend=BumbleScanner)``)."""

    def __init__(
        self,
        detection_callback: Any,
        service_uuids: list[str] | None,
        scanning_mode: str = "active",
        *,
        bumble_adapter: BumbleAdapter | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(detection_callback, service_uuids)
        self._active = scanning_mode != "passive"
        self._explicit = bumble_adapter
        self._adapter: BumbleAdapter | None = None
        self._merged: dict[str, dict[str, Any]] = {}

    async def start(self) -> None:
        self._adapter = await get_adapter(self._explicit)
        self.seen_devices = {}
        self._merged = {}
        self._adapter.device.on("advertisement", self._on_advertisement)
        await self._adapter.start_scan(self._active)

    async def stop(self) -> None:
        if self._adapter is None:
            return
        self._adapter.device.remove_listener("advertisement", self._on_advertisement)
        await self._adapter.stop_scan()

    def _on_advertisement(self, adv: Advertisement) -> None:
        if adv.is_scan_response and not self._active:
            return  # a passive scanner never asks for scan responses
        key = str(adv.address)
        fields = parse_advertising(adv.data_bytes)
        merged = self._merged.setdefault(key, parse_advertising(b""))
        # Advertising and scan response carry different fields: keep the union.
        for name, value in fields.items():
            if isinstance(value, dict):
                merged[name].update(value)
            elif isinstance(value, list):
                merged[name] = list(dict.fromkeys(merged[name] + value))
            elif value is not None:
                merged[name] = value
        if not self.is_allowed_uuid(merged["service_uuids"]):
            return
        data = AdvertisementData(
            local_name=merged["local_name"],
            manufacturer_data=dict(merged["manufacturer_data"]),
            service_data=dict(merged["service_data"]),
            service_uuids=list(merged["service_uuids"]),
            tx_power=merged["tx_power"],
            rssi=int(adv.rssi),
            platform_data=(adv,),
        )
        device = self.create_or_update_device(
            key, _address_text(adv.address), merged["local_name"], adv.address, data
        )
        self.call_detection_callbacks(device, data)


class BumbleClient(BaseBleakClient):
    """bleak client backend on a bumble central (``BleakClient(d, backend=BumbleClient)``)."""

    def __init__(
        self,
        address_or_ble_device: BLEDevice | str,
        *,
        disconnected_callback: Callable[[], None] | None = None,
        timeout: float = 10.0,
        bumble_adapter: BumbleAdapter | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            address_or_ble_device, disconnected_callback=disconnected_callback, timeout=timeout
        )
        self._peer_address: hci.Address | None = None
        if isinstance(address_or_ble_device, BLEDevice) and isinstance(
            address_or_ble_device.details, hci.Address
        ):
            self._peer_address = address_or_ble_device.details
        self._explicit = bumble_adapter
        self._adapter: BumbleAdapter | None = None
        self._connection: Connection | None = None
        self._peer: Peer | None = None
        self._proxies: dict[int, Any] = {}
        self._subscribers: dict[int, Callable[[bytes], None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    # -- connection --------------------------------------------------------------

    @property
    def name(self) -> str:
        return self.address.replace(":", "-")

    @property
    def mtu_size(self) -> int:
        return self._connection.att_mtu if self._connection is not None else 23

    @property
    def is_connected(self) -> bool:
        return self._connection is not None

    async def _find_address(self, adapter: BumbleAdapter) -> hci.Address:
        if self._peer_address is not None:
            return self._peer_address
        found: asyncio.Future[hci.Address] = asyncio.get_running_loop().create_future()
        wanted = self.address.upper()

        def on_adv(adv: Advertisement) -> None:
            if _address_text(adv.address).upper() == wanted and not found.done():
                found.set_result(adv.address)

        adapter.device.on("advertisement", on_adv)
        await adapter.start_scan(active=True)
        try:
            return await asyncio.wait_for(found, self._timeout)
        except asyncio.TimeoutError:
            raise BleakDeviceNotFoundError(
                self.address, f"Device with address {self.address} was not found."
            ) from None
        finally:
            adapter.device.remove_listener("advertisement", on_adv)
            await adapter.stop_scan()

    async def connect(self, pair: bool, **kwargs: Any) -> None:
        adapter = self._adapter = await get_adapter(self._explicit)
        address = self._peer_address = await self._find_address(adapter)
        try:
            connection = await asyncio.wait_for(
                adapter.device.connect(address, own_address_type=hci.OwnAddressType.RANDOM),
                self._timeout,
            )
        except asyncio.TimeoutError:
            await adapter.device.cancel_connection()
            raise BleakDeviceNotFoundError(
                self.address, f"Device with address {self.address} was not found."
            ) from None
        except hci.HCI_Error as exc:
            raise BleakError(f"connect to {self.address} failed: {exc}") from exc
        self._connection = connection
        self._peer = Peer(connection)
        connection.on("disconnection", self._on_disconnection)
        connection.on("security_request", lambda _auth: self._on_security_request())
        try:
            await self._peer.request_mtu(REQUESTED_MTU)
            await self._resume_encryption(connection)
            self.services = await self._discover()
            if pair:
                await self.pair()
        except BaseException:
            await self.disconnect()
            raise

    async def _discover(self) -> BleakGATTServiceCollection:
        assert self._peer is not None
        collection = BleakGATTServiceCollection()
        self._proxies = {}
        for service in await self._peer.discover_services():
            bs = BleakGATTService(service, service.handle, _uuid_text(bytes(service.uuid)))
            collection.add_service(bs)
            for char in await service.discover_characteristics():
                props = [n for bit, n in _PROPERTY_NAMES.items() if int(char.properties) & bit]
                bc = BleakGATTCharacteristic(
                    char,
                    char.handle,
                    _uuid_text(bytes(char.uuid)),
                    props,  # type: ignore[arg-type]
                    lambda: self.mtu_size - 3,
                    bs,
                )
                collection.add_characteristic(bc)
                self._proxies[char.handle] = char
                for desc in await char.discover_descriptors():
                    bd = BleakGATTDescriptor(desc, desc.handle, _uuid_text(bytes(desc.type)), bc)
                    collection.add_descriptor(bd)
                    self._proxies[desc.handle] = desc
        return collection

    async def _resume_encryption(self, connection: Connection) -> None:
        """Re-encrypt with a bonded peer at once, as OS stacks do on reconnection."""
        assert self._adapter is not None
        keystore = self._adapter.device.keystore
        if keystore is None or not await keystore.get(str(connection.peer_address)):
            return
        try:
            await connection.encrypt()
        except Exception as exc:  # the peer lost its bond: stay unencrypted
            logger.info("bonded %s refused encryption: %s", self.address, exc)

    def _on_security_request(self) -> None:
        """The peripheral asks for security (``gap_pair``): pair, as an OS would."""

        async def secure() -> None:
            try:
                await self._secure()  # the OS pairs, also where bleak cannot (macOS)
            except BleakError as exc:
                logger.info("security request from %s: %s", self.address, exc)

        task = asyncio.get_running_loop().create_task(secure())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _on_disconnection(self, reason: int) -> None:
        self._connection = None
        self._peer = None
        self._subscribers.clear()
        # Called for every disconnection, ours included, as bleak's BlueZ backend does.
        if self._disconnected_callback is not None:
            self._disconnected_callback()

    async def disconnect(self) -> None:
        connection = self._connection
        if connection is None:
            return
        try:
            done = asyncio.get_running_loop().create_future()

            def on_gone(_reason: int) -> None:
                if not done.done():
                    done.set_result(None)

            connection.once("disconnection", on_gone)
            await connection.disconnect()
            await asyncio.wait_for(done, self._timeout)
        except Exception as exc:
            logger.debug("disconnect: %s", exc)
        finally:
            self._connection = None
            self._peer = None

    # -- security ------------------------------------------------------------------

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        if self._adapter is not None and self._adapter.pairing == PAIRING_ON_DEMAND:
            raise NotImplementedError("Pairing is not available in Core Bluetooth.")
        await self._secure()

    async def _secure(self) -> None:
        connection = self._require()
        if connection.is_encrypted:
            return
        assert self._adapter is not None
        keystore = self._adapter.device.keystore
        try:
            if keystore is not None and await keystore.get(str(connection.peer_address)):
                await connection.encrypt()
            else:
                await connection.pair()
        except Exception as exc:
            raise BleakError(f"pairing with {self.address} failed: {exc}") from exc

    async def unpair(self) -> None:
        adapter = self._adapter or await get_adapter(self._explicit)
        if adapter.pairing == PAIRING_ON_DEMAND:
            raise NotImplementedError("Unpairing is not available in Core Bluetooth.")
        if self._connection is not None:
            name = str(self._connection.peer_address)
            await self.disconnect()
        elif self._peer_address is not None:
            name = str(self._peer_address)
        else:
            raise BleakDeviceNotFoundError(self.address, "unknown device")
        if adapter.device.keystore is not None:
            try:
                await adapter.device.keystore.delete(name)
            except KeyError:
                pass

    @property
    def is_encrypted(self) -> bool:
        """True when the link is encrypted (not part of bleak's API; for tests)."""
        return bool(self._connection is not None and self._connection.is_encrypted)

    # -- I/O -----------------------------------------------------------------------

    def _require(self) -> Connection:
        if self._connection is None:
            raise BleakError("Not connected")
        return self._connection

    def _proxy(self, handle: int) -> Any:
        self._require()
        try:
            return self._proxies[handle]
        except KeyError:
            raise BleakError(f"unknown handle {handle}") from None

    async def _att(self, what: str, request: Callable[[], Any]) -> Any:
        try:
            try:
                return await request()
            except att.ATT_Error as exc:
                if not self._pairs_on_demand(exc.error_code):
                    raise
            # As CoreBluetooth: pair (the OS dialog, accepted), then repeat the request once.
            await self._secure()
            return await request()
        except BleakError:
            raise
        except att.ATT_Error as exc:
            raise BleakGATTProtocolError(exc.error_code) from exc
        except Exception as exc:
            raise BleakError(f"{what} failed: {exc}") from exc

    def _pairs_on_demand(self, code: int) -> bool:
        return (
            self._adapter is not None
            and self._adapter.pairing == PAIRING_ON_DEMAND
            and code in (att.ATT_INSUFFICIENT_ENCRYPTION_ERROR,
                         att.ATT_INSUFFICIENT_AUTHENTICATION_ERROR)
            and self._connection is not None
            and not self._connection.is_encrypted
        )

    async def read_gatt_char(
        self, characteristic: BleakGATTCharacteristic, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        proxy = self._proxy(characteristic.handle)
        return bytearray(await self._att("read", proxy.read_value))

    async def read_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        proxy = self._proxy(descriptor.handle)
        return bytearray(await self._att("read descriptor", proxy.read_value))

    async def write_gatt_char(
        self, characteristic: BleakGATTCharacteristic, data: Any, response: bool
    ) -> None:
        proxy = self._proxy(characteristic.handle)
        await self._att(
            "write", lambda: proxy.write_value(bytes(data), with_response=response)
        )

    async def write_gatt_descriptor(self, descriptor: BleakGATTDescriptor, data: Any) -> None:
        proxy = self._proxy(descriptor.handle)
        await self._att(
            "write descriptor", lambda: proxy.write_value(bytes(data), with_response=True)
        )

    async def start_notify(
        self, characteristic: BleakGATTCharacteristic, callback: NotifyCallback, **kwargs: Any
    ) -> None:
        proxy: CharacteristicProxy[bytes] = self._proxy(characteristic.handle)

        def on_value(value: bytes) -> None:
            callback(bytearray(value))

        self._subscribers[characteristic.handle] = on_value
        await self._att("start_notify", lambda: proxy.subscribe(on_value, prefer_notify=True))

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        proxy = self._proxy(characteristic.handle)
        subscriber = self._subscribers.pop(characteristic.handle, None)
        await self._att("stop_notify", lambda: proxy.unsubscribe(subscriber))
