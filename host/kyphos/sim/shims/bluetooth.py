"""MicroPython's ``bluetooth`` module for CPython, on a bumble virtual radio.

The firmware imports ``bluetooth`` and gets this module (the virtual board puts it in
``sys.modules["bluetooth"]``, see :func:`install`). It runs on a bumble ``Device``
whose controller sits on a virtual link (``kyphos.sim.radio``), so a bleak central on
the same link sees a real GATT server: advertising, MTU exchange, notifications cut to
the real ATT payload, pairing with LE Secure Connections.

Design
------
* One event loop. The virtual board runs the firmware's asyncio tasks and bumble on the
  same loop. Before the firmware starts, the board calls ``await attach(device)`` with a
  powered-on bumble ``Device``; after that every method of :class:`BLE` is synchronous,
  exactly as on a board.
* Calls that need the radio (advertise, disconnect, pair, indicate) are put on an
  ordered queue that one worker task runs, as the NimBLE host queues HCI commands: the
  call returns at once and takes effect a few loop iterations later, in call order.
* IRQs are delivered from the loop, synchronously inside the bumble event that caused
  them (so ``_IRQ_GET_SECRET`` can return a value), never from another thread. An
  exception in the handler is printed, kept in ``BLE().irq_errors`` and swallowed, as
  MicroPython does. ``addr`` in connect/disconnect events is a memoryview that is
  released when the handler returns: code that keeps it without ``bytes(addr)`` fails
  here with ``ValueError`` (on a board it would silently read garbage).
* Notifications model the controller's buffers: ``gatts_notify`` truncates the payload
  to ATT_MTU-3, puts it on a per-connection queue of ``LinkModel.queue_len`` packets
  and raises ``OSError(errno.ENOMEM)`` when that queue is full. A drain task sends up to
  ``LinkModel.packets_per_event`` packets every ``LinkModel.conn_interval_ms``; the
  radio's fault hooks change these numbers at run time.
* Bonds live where the firmware puts them: bumble's key store is a bridge to
  ``_IRQ_SET_SECRET`` / ``_IRQ_GET_SECRET``, so keys survive a "reboot" only if the
  firmware stores them on flash, as it must on a board.

API the firmware may rely on
----------------------------
``BLE()`` (singleton; may be taken at import time), ``active([bool])``,
``config('mac'|'addr_mode'|'gap_name'|'mtu'|'rxbuf'|'bond'|'mitm'|'io'|'le_secure')`` and
``config(key=value, ...)`` for the same names except ``mac`` (unknown names raise
``ValueError``); ``irq(handler)``; ``gap_advertise(interval_us, adv_data=None, *,
resp_data=None, connectable=True)`` (``None`` interval stops; ``None`` data reuses the
previous payload; more than 31 bytes of either raises ``OSError(EINVAL)``; the scan
response reaches active scanners, so the name goes there when flags + a 128-bit UUID
fill the advertising data); ``gatts_register_services(services)`` (a tuple per service
of value handles, characteristics and their descriptors flattened in definition order;
CCCDs are added automatically and not returned; registering again replaces everything);
``gatts_read`` (clears an append-mode buffer), ``gatts_write(h, data,
send_update=False)`` (grows the buffer to ``len(data)``; ``send_update`` notifies or
indicates subscribed centrals), ``gatts_set_buffer(h, len, append=False)`` (empties the
value; remote writes are cut to the buffer, 20 bytes by default), ``gatts_notify(conn, h,
data=None)`` (sent whether or not the central subscribed; cut to ATT_MTU-3;
``OSError(ENOMEM)`` when the queue is full, ``OSError(ENOTCONN)`` for an unknown
connection), ``gatts_indicate(conn, h)`` (then ``_IRQ_GATTS_INDICATE_DONE``),
``gap_disconnect(conn)`` (True/False), ``gap_pair(conn)`` (a security request: the
bleak backend pairs, or re-encrypts if bonded), ``gap_passkey(conn, action, passkey)``;
``UUID`` (16-bit int, 128-bit string, or 2/4/16 little-endian bytes; ``bytes(uuid)`` is
little-endian; equal UUIDs hash equal); ``FLAG_READ, FLAG_WRITE, FLAG_WRITE_NO_RESPONSE,
FLAG_NOTIFY, FLAG_INDICATE``.

IRQs raised, with MicroPython's data tuples: CENTRAL_CONNECT (1) and CENTRAL_DISCONNECT (2)
``(conn, addr_type, addr)``; GATTS_WRITE (3) ``(conn, value_handle)``, raised before the
write response is sent; GATTS_INDICATE_DONE (20) ``(conn, value_handle, status)``;
MTU_EXCHANGED (21) ``(conn, mtu)``; CONNECTION_UPDATE (27) ``(conn, interval_1.25ms,
latency, timeout_10ms, status)``; ENCRYPTION_UPDATE (28) ``(conn, encrypted,
authenticated, bonded, key_size)``, once pairing (with key storage) is over, or at
re-encryption with a stored bond; GET_SECRET (29) ``(sec_type, index, key)`` and
SET_SECRET (30) ``(sec_type, key, value)`` (value ``None`` = delete); PASSKEY_ACTION (31)
``(conn, action, passkey)`` for numeric comparison (4), display (3) and input (2),
answered with ``gap_passkey`` within 30 s or pairing fails. Security flags
``_FLAG_READ_ENCRYPTED`` (0x0200), ``_FLAG_READ_AUTHENTICATED`` (0x0400),
``_FLAG_WRITE_ENCRYPTED`` (0x1000), ``_FLAG_WRITE_AUTHENTICATED`` (0x2000) are enforced
(ATT errors 0x0F / 0x05); reading a characteristic without ``FLAG_READ`` gives 0x02.

Differences from NimBLE on an ESP32
-----------------------------------
* No central role (``gap_scan``, ``gap_connect``, ``gattc_*`` but ``gattc_exchange_mtu``,
  which a peripheral may call) and no L2CAP channels.
* ``_IRQ_GATTS_READ_REQUEST`` is not raised (it is STM32-only on real MicroPython too).
* The address is a random static one: ``config('mac')`` returns ``(1, addr)``, where an
  ESP32 returns ``(0, public_addr)``; ``addr_mode`` is stored but not applied.
* ``key_size`` in ENCRYPTION_UPDATE is 16 (bumble's controller reports 0).
* The notification queue is a model (default 12 packets, 6 per 15 ms connection event,
  about 400 notifications/s), not NimBLE's mbuf pool: on a board ENOMEM comes sooner or
  later depending on free RAM and the host's connection interval. An update from
  ``gatts_write(..., send_update=True)`` that finds the queue full is dropped silently.
* A write whose kind the characteristic does not allow is refused as NimBLE does: a
  write request gets ATT error 0x03, a write command is dropped silently.
* Secrets are shaped like NimBLE's: inside ``active(True)`` GET_SECRET ``(2, i, None)`` for
  i = 0, 1, ... until None (NimBLE restoring the peers' IRKs), GET_SECRET
  ``(10, 0, b"irk")`` (and SET_SECRET of a new 16-byte IRK if there is none: if that
  SET_SECRET is not answered True, NimBLE's fixed default IRK is used and nothing more is
  read), then the ``(2, i, None)`` iteration again; the IRKs found form the resolving list
  (``BLE._load_irk``; the order is checked against the unix port + NimBLE). A handler registered after
  ``active(True)`` misses all of that, and a central on a resolvable private address is
  then not recognised: its bond looks lost. A bond stored while running adds its IRK to
  the list (``ble_store_write_peer_sec``). Each bond is two entries, sec_type 1 and 2,
  keyed by the central's 7-byte ``ble_addr_t``. The values are opaque bytes (JSON here, a
  C struct on NimBLE): keep them as bytes, do not parse them.
* ENCRYPTION_UPDATE's ``authenticated`` comes from the new keys after pairing, and from
  the stored bond at re-encryption (``ble_sm_ltk_restore_exec`` in ble_sm.c); Just Works is
  accepted as responder even with ``mitm=True`` and reports ``authenticated`` 0 (as the
  unix port + NimBLE does: ``(1, 1, 0, 1, 16)``).
* Pairing refusal: NimBLE has no "accept pairing?" hook, neither has this shim. A
  peripheral refuses by answering ``gap_passkey(conn, 4, 0)`` to a numeric comparison
  (io=DISPLAY_YESNO, mitm=True), or by ``gap_disconnect`` after ENCRYPTION_UPDATE.
  Persistent bonding on the ESP32 needs MicroPython 1.23 or later (micropython PR
  #13258, January 2024; older docs say STM32/Unix only, and issue #19405 shows v1.22
  losing SET_SECRET on an ESP32-S3).
* IRQ handlers run only when the firmware yields to the event loop (at an ``await``);
  on a board they are scheduled and may run between any two bytecodes, so a race
  between an IRQ and the code it interrupts cannot show up here. An exception in the
  handler is printed and kept in ``BLE().irq_errors``.
* Default config: mtu 256, bond False, mitm False, le_secure False, io 3 (no I/O).
"""

from __future__ import annotations

import asyncio
import collections
import errno
import json
import logging
import secrets
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bumble import att, gatt, hci, smp
from bumble.device import Connection, Device
from bumble.gatt_server import Server
from bumble.keys import KeyStore, PairingKeys
from bumble.pairing import PairingConfig, PairingDelegate
from bumble.profiles.gap import GenericAccessService

logger = logging.getLogger(__name__)

FLAG_READ = 0x0002
FLAG_WRITE_NO_RESPONSE = 0x0004
FLAG_WRITE = 0x0008
FLAG_NOTIFY = 0x0010
FLAG_INDICATE = 0x0020

_FLAG_READ_ENCRYPTED = 0x0200
_FLAG_READ_AUTHENTICATED = 0x0400
_FLAG_WRITE_ENCRYPTED = 0x1000
_FLAG_WRITE_AUTHENTICATED = 0x2000

_IRQ_CENTRAL_CONNECT = 1
_IRQ_CENTRAL_DISCONNECT = 2
_IRQ_GATTS_WRITE = 3
_IRQ_GATTS_INDICATE_DONE = 20
_IRQ_MTU_EXCHANGED = 21
_IRQ_CONNECTION_UPDATE = 27
_IRQ_ENCRYPTION_UPDATE = 28
_IRQ_GET_SECRET = 29
_IRQ_SET_SECRET = 30
_IRQ_PASSKEY_ACTION = 31

_PASSKEY_ACTION_INPUT = 2
_PASSKEY_ACTION_DISPLAY = 3
_PASSKEY_ACTION_NUMERIC_COMPARISON = 4

_SEC_TYPE_OUR = 1  # NimBLE's BLE_STORE_OBJ_TYPE_OUR_SEC
_SEC_TYPE_PEER = 2  # NimBLE's BLE_STORE_OBJ_TYPE_PEER_SEC
_SEC_TYPE_OUR_IRK = 10  # MicroPython's own IRK entry (key b"irk")
_DEFAULT_BUFFER = 20  # MicroPython's default characteristic buffer, bytes
_PASSKEY_TIMEOUT_S = 30.0  # SMP procedure timeout
# NimBLE's fixed IRK, used when nobody stores a generated one (ble_hs_pvcy.c,
# ble_hs_pvcy_default_irk; modbluetooth_nimble.c load_irk: "they'll just get the default
# fixed IRK").
_NIMBLE_DEFAULT_IRK = bytes(
    (0xEF, 0x8D, 0xE2, 0x16, 0x4F, 0xEC, 0x43, 0x0D, 0xBF, 0x5B, 0xDD, 0x34, 0xC0, 0x53, 0x1E, 0xB8)
)


@dataclass
class LinkModel:
    """How fast the virtual link drains notifications (per connection).

    conn_interval_ms: connection interval chosen by the central, ms (hosts pick 15-50).
    packets_per_event: notifications the controller sends per connection event.
    queue_len: notifications buffered before ``gatts_notify`` raises ENOMEM.
    corrupt_next: the next N notifications get one byte flipped (fault injection).
    corrupt_offset: which byte is flipped (0: the frame's version byte).
    """

    conn_interval_ms: float = 15.0
    packets_per_event: int = 6
    queue_len: int = 12
    corrupt_next: int = 0
    corrupt_offset: int = 0


class UUID:
    """Bluetooth UUID: ``UUID(0x180F)``, ``UUID('6E400001-...')`` or little-endian bytes."""

    _le: bytes

    def __init__(self, value: Any) -> None:
        if isinstance(value, UUID):
            self._le = value._le
        elif isinstance(value, int):
            if not 0 <= value <= 0xFFFF:
                raise ValueError("invalid UUID")
            self._le = value.to_bytes(2, "little")
        elif isinstance(value, str):
            digits = value.replace("-", "")
            if len(digits) != 32:
                raise ValueError("invalid UUID")
            self._le = bytes.fromhex(digits)[::-1]
        elif isinstance(value, (bytes, bytearray, memoryview)):
            if len(value) not in (2, 4, 16):
                raise ValueError("invalid UUID")
            self._le = bytes(value)
        else:
            raise TypeError("invalid UUID")

    def __bytes__(self) -> bytes:
        return self._le

    def __len__(self) -> int:
        return len(self._le)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UUID) and self._le == other._le

    def __hash__(self) -> int:
        return hash(self._le)

    def __repr__(self) -> str:
        if len(self._le) == 2:
            return f"UUID(0x{int.from_bytes(self._le, 'little'):04x})"
        h = self._le[::-1].hex()
        return f"UUID('{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}')"

    def _bumble(self) -> Any:
        from bumble.core import UUID as BumbleUUID

        return BumbleUUID.from_bytes(self._le)


class _Value:
    """A local characteristic or descriptor value, as MicroPython keeps it."""

    def __init__(self, flags: int) -> None:
        self.flags = flags
        self.data = b""
        self.max_len = _DEFAULT_BUFFER
        self.append = False
        self.attribute: Any = None  # the bumble Characteristic or Descriptor


class _ConnState:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.queue: collections.deque[tuple[int, bytes]] = collections.deque()
        self.wake = asyncio.Event()
        self.drain_task: asyncio.Task[None] | None = None
        self.pairing = False
        self.paired_keys: PairingKeys | None = None
        self.passkey: asyncio.Future[int] | None = None
        self.mtu_asked = False


def _int(value: Any) -> int:
    """A handle argument as MicroPython takes it (``mp_obj_get_int``): an int (or bool), else
    ``TypeError`` — e.g. ``gatts_notify(None, ...)`` after a disconnect IRQ cleared the
    firmware's handle raises here as on a board (extmod/modbluetooth.c)."""
    if isinstance(value, int):
        return int(value)
    raise TypeError(f"can't convert {type(value).__name__} to int")


def _parse_bond(value: Any) -> tuple[str, PairingKeys] | None:
    """(peer identity address, keys) from a bond value as the shim stores it (JSON of the
    address and bumble's PairingKeys; NimBLE's value is a ``ble_store_value_sec`` that holds
    ``peer_addr`` too). None for anything else, as NimBLE's ``ble_secret_store_read``
    answers ENOENT for a value of the wrong size."""
    if not value:
        return None
    try:
        obj = json.loads(bytes(value))
        return str(obj["peer"]), PairingKeys.from_dict(obj["keys"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


class _IrqKeyStore(KeyStore):
    """bumble key store whose storage is the firmware's SET/GET_SECRET IRQs.

    Shaped like NimBLE's store: each bond is two entries, sec_type 1 (ours) and 2 (the
    peer's), keyed by the peer's ``ble_addr_t`` (type byte + 6 address bytes, LSB first).
    """

    def __init__(self, ble: BLE) -> None:
        self._ble = ble

    @staticmethod
    def _key(name: str) -> bytes:
        address = hci.Address(name)
        return bytes((address.address_type,)) + bytes(address)

    async def delete(self, name: str) -> None:
        for sec_type in (_SEC_TYPE_OUR, _SEC_TYPE_PEER):
            self._ble._fire(_IRQ_SET_SECRET, (sec_type, self._key(name), None))

    async def update(self, name: str, keys: PairingKeys) -> None:
        if not self._ble._config["bond"]:
            return
        value = json.dumps({"peer": name, "keys": keys.to_dict()}).encode()
        for sec_type in (_SEC_TYPE_OUR, _SEC_TYPE_PEER):
            self._ble._fire(_IRQ_SET_SECRET, (sec_type, self._key(name), value))
        # NimBLE's ble_store_write_peer_sec puts the peer's IRK on the resolving list as it
        # stores the bond (lib/mynewt-nimble/nimble/host/src/ble_store.c).
        self._ble._add_resolving(name, keys)

    async def get(self, name: str) -> PairingKeys | None:
        keys = self._lookup(name)
        if keys is not None:
            self._ble._bond_keys[name] = keys  # for ENCRYPTION_UPDATE's authenticated flag
        return keys

    def _lookup(self, name: str) -> PairingKeys | None:
        bond = _parse_bond(self._ble._fire(_IRQ_GET_SECRET, (_SEC_TYPE_PEER, 0, self._key(name))))
        return None if bond is None else bond[1]

    async def get_all(self) -> list[tuple[str, PairingKeys]]:
        return []

    async def get_resolving_keys(self) -> list[tuple[bytes, hci.Address]]:
        # bumble rebuilds its resolver from this after every pairing: hand it the shim's
        # resolving list (what NimBLE's controller holds), not a scan of the store.
        return list(self._ble._resolving)

    async def delete_all(self) -> None:
        return None


class _IrqDelegate(PairingDelegate):
    """Pairing questions become ``_IRQ_PASSKEY_ACTION``; answers come from gap_passkey."""

    def __init__(self, ble: BLE, connection: Connection, io: int) -> None:
        super().__init__(io_capability=PairingDelegate.IoCapability(io))
        self._ble = ble
        self._connection = connection

    async def _ask(self, action: int, passkey: int) -> int | None:
        state = self._ble._conns.get(self._connection.handle)
        if state is None:
            return None
        state.passkey = asyncio.get_running_loop().create_future()
        self._ble._fire(_IRQ_PASSKEY_ACTION, (self._connection.handle, action, passkey))
        try:
            return await asyncio.wait_for(state.passkey, _PASSKEY_TIMEOUT_S)
        except asyncio.TimeoutError:
            return None
        finally:
            state.passkey = None

    async def compare_numbers(self, number: int, digits: int) -> bool:
        return bool(await self._ask(_PASSKEY_ACTION_NUMERIC_COMPARISON, number))

    async def get_number(self) -> int | None:
        return await self._ask(_PASSKEY_ACTION_INPUT, 0)

    async def generate_passkey(self) -> int:
        answer = await self._ask(_PASSKEY_ACTION_DISPLAY, 0)
        return int(answer or 0) % 1000000


class _Server(Server):
    """bumble's GATT server with NimBLE's check of which write a characteristic allows."""

    def __init__(self, device: Device, values: dict[int, _Value]) -> None:
        super().__init__(device)
        self._shim_values = values

    def _flags(self, handle: int) -> int | None:
        value = self._shim_values.get(handle)
        if value is None or not isinstance(value.attribute, gatt.Characteristic):
            return None
        return value.flags

    def on_att_write_command(self, bearer: Any, request: Any) -> Any:
        flags = self._flags(request.attribute_handle)
        if flags is not None and not flags & FLAG_WRITE_NO_RESPONSE:
            return None  # dropped silently: there is no response to carry an error
        return super().on_att_write_command(bearer, request)

    def on_att_write_request(self, bearer: Any, request: Any) -> Any:
        flags = self._flags(request.attribute_handle)
        if flags is not None and not flags & FLAG_WRITE:
            raise att.ATT_Error(att.ATT_WRITE_NOT_PERMITTED_ERROR, request.attribute_handle)
        return super().on_att_write_request(bearer, request)


class BLE:
    """The singleton BLE object (``bluetooth.BLE()``)."""

    _instance: BLE | None = None

    def __new__(cls) -> BLE:
        if cls._instance is None:
            inst = super().__new__(cls)
            inst._setup()
            cls._instance = inst
        return cls._instance

    def _setup(self) -> None:
        self._device: Device | None = None
        self._model = LinkModel()
        self._active = False
        self._handler: Callable[[int, tuple[Any, ...]], Any] | None = None
        self._config: dict[str, Any] = {
            "gap_name": "MPY NIMBLE",  # MicroPython's default with NimBLE
            "mtu": 256,
            "rxbuf": 1024,
            "bond": False,
            "mitm": False,
            "io": 3,
            "le_secure": False,
            "addr_mode": 1,
        }
        self._values: dict[int, _Value] = {}
        self._conns: dict[int, _ConnState] = {}
        self._ops: asyncio.Queue[Any] | None = None
        self._worker: asyncio.Task[None] | None = None
        self._op_running = False  # the worker is inside an operation (HCI commands in flight)
        self._adv: tuple[bytes, bytes] = (b"", b"")
        self._broken = False  # machine.lightsleep() ran with the stack active (_lightsleep)
        self.irq_errors: list[BaseException] = []
        # The controller's resolving list (peer IRK, identity address), and the stored keys
        # of the bonds looked up since active(True) (by peer address text).
        self._resolving: list[tuple[bytes, hci.Address]] = []
        self._bond_keys: dict[str, PairingKeys] = {}

    # -- configuration -------------------------------------------------------------

    def active(self, *args: bool) -> bool:
        if args:
            want = bool(args[0])
            if want and self._device is None:
                raise OSError(errno.ENODEV, "no virtual radio attached")
            if not want and self._active:
                for handle in list(self._conns):
                    self.gap_disconnect(handle)
                self._submit(self._stop_advertising)
                self._values.clear()
                self._broken = False  # a restarted stack works again
            if want and not self._active:
                self._load_irk()
            self._active = want
        return self._active

    def _load_irk(self) -> None:
        """What NimBLE and MicroPython's binding do inside ``active(True)``, in order
        (checked against the unix port + NimBLE by tests/test_ble_shim_secrets_match_nimble.py):

        1. NimBLE's ``ble_hs_sync`` restores the peers' IRKs to the resolving list
           (``ble_hs_misc_restore_irks``: ``ble_store_iterate`` over PEER_SEC, i.e. GET_SECRET
           ``(2, 0, None)``, ``(2, 1, None)``, ... until one answers None or a value that is
           not a bond; lib/mynewt-nimble/nimble/host/src/ble_hs.c, ble_hs_misc.c);
        2. the binding's ``load_irk`` (extmod/nimble/modbluetooth_nimble.c, from ``sync_cb``):
           GET_SECRET our IRK ``(10, 0, b"irk")``; if there is none, make one and SET_SECRET
           it, and if that is not answered True, keep NimBLE's fixed default IRK and stop;
           otherwise set the IRK (``ble_hs_pvcy_set_our_irk`` clears the resolving list when
           the IRK changes, ble_hs_pvcy.c) and restore the peers' IRKs again as in 1.

        A central on a resolvable private address (phones, Macs) is found again after a
        reboot only if its IRK got onto the list here: so the IRQ handler must be registered
        *before* ``active(True)`` (examples/bluetooth/ble_bonding_peripheral.py does)."""
        assert self._device is not None
        self._bond_keys = {}
        self._resolving = self._restore_irks()
        irk = self._fire(_IRQ_GET_SECRET, (_SEC_TYPE_OUR_IRK, 0, b"irk"))
        if irk is None or len(irk) != 16:
            irk = secrets.token_bytes(16)
            if not self._fire(_IRQ_SET_SECRET, (_SEC_TYPE_OUR_IRK, b"irk", irk)):
                self._device.irk = _NIMBLE_DEFAULT_IRK
                self._device.address_resolver = smp.AddressResolver(self._resolving)
                return
        self._device.irk = bytes(irk)
        # A new IRK clears the list (ble_hs_pvcy_set_our_irk), then it is restored again.
        self._resolving = self._restore_irks()
        self._device.address_resolver = smp.AddressResolver(self._resolving)

    def _restore_irks(self) -> list[tuple[bytes, hci.Address]]:
        """``ble_hs_misc_restore_irks``: the IRKs of the bonds the handler hands out."""
        found: list[tuple[bytes, hci.Address]] = []
        index = 0
        while index < 256:  # ble_store_key_sec.idx is a uint8_t
            bond = _parse_bond(self._fire(_IRQ_GET_SECRET, (_SEC_TYPE_PEER, index, None)))
            if bond is None:
                break  # ENOENT ends the iteration (ble_store_iterate)
            name, keys = bond
            if keys.irk is not None:
                found.append((keys.irk.value, hci.Address(name, hci.Address.RANDOM_DEVICE_ADDRESS)))
            index += 1
        return found

    def _add_resolving(self, name: str, keys: PairingKeys) -> None:
        if keys.irk is None or self._device is None:
            return
        address = hci.Address(name, hci.Address.RANDOM_DEVICE_ADDRESS)
        self._resolving = [e for e in self._resolving if e[1] != address]
        self._resolving.append((keys.irk.value, address))
        self._device.address_resolver = smp.AddressResolver(self._resolving)

    def config(self, *args: str, **kwargs: Any) -> Any:
        if args:
            if len(args) != 1 or kwargs:
                raise TypeError("config() takes one name or keywords")
            name = args[0]
            if name == "mac":
                self._check_active()
                assert self._device is not None
                addr = self._device.random_address
                return (1, bytes(addr)[::-1])
            if name not in self._config:
                raise ValueError("unknown config param")
            return self._config[name]
        for name, value in kwargs.items():
            if name not in self._config:
                raise ValueError("unknown config param")
            self._config[name] = value
            if name == "gap_name" and self._device is not None:
                self._device.name = str(value)
            if name == "mtu" and self._device is not None:
                self._device.gatt_server.max_mtu = int(value)
        return None

    def irq(self, handler: Callable[[int, tuple[Any, ...]], Any] | None) -> None:
        self._handler = handler

    # -- advertising ---------------------------------------------------------------

    def gap_advertise(
        self,
        interval_us: int | None,
        adv_data: Any = None,
        *,
        resp_data: Any = None,
        connectable: bool = True,
    ) -> None:
        self._check_active()
        if self._broken:
            return  # accepted, and nothing goes on air (see _lightsleep)
        if interval_us is None:
            self._submit(self._stop_advertising)
            return
        adv = self._adv[0] if adv_data is None else bytes(adv_data)
        resp = self._adv[1] if resp_data is None else bytes(resp_data)
        if len(adv) > 31 or len(resp) > 31:
            raise OSError(errno.EINVAL, "advertising data longer than 31 bytes")
        self._adv = (adv, resp)
        interval_ms = max(20.0, (int(interval_us) // 625) * 0.625)
        self._submit(self._start_advertising, adv, resp, interval_ms, connectable)

    async def _start_advertising(
        self, adv: bytes, resp: bytes, interval_ms: float, connectable: bool
    ) -> None:
        from bumble.device import AdvertisingType

        assert self._device is not None
        kind = (
            AdvertisingType.UNDIRECTED_CONNECTABLE_SCANNABLE
            if connectable
            else AdvertisingType.UNDIRECTED_SCANNABLE
        )
        await self._device.start_advertising(
            advertising_type=kind,
            advertising_data=adv,
            scan_response_data=resp,
            advertising_interval_min=interval_ms,
            advertising_interval_max=interval_ms,
            auto_restart=False,
        )

    async def _stop_advertising(self) -> None:
        assert self._device is not None
        if self._device.is_advertising:
            await self._device.stop_advertising()

    # -- GATT server ---------------------------------------------------------------

    def gatts_register_services(self, services: Any) -> tuple[tuple[int, ...], ...]:
        self._check_active()
        device = self._device
        assert device is not None
        self._values = {}
        server = _Server(device, self._values)
        server.max_mtu = int(self._config["mtu"])
        device.gatt_server = server
        server.add_service(
            GenericAccessService(str(self._config["gap_name"]))
        )  # name read dynamically below
        gap = server.services[-1]
        gap.characteristics[0].value = att.AttributeValue(
            read=lambda _c: str(self._config["gap_name"]).encode()[:248]
        )
        pending: list[tuple[gatt.Service, list[_Value]]] = []
        for service_def in services:
            uuid, char_defs = service_def[0], service_def[1]
            chars = []
            values: list[_Value] = []
            for char_def in char_defs:
                c_uuid, c_flags = char_def[0], int(char_def[1])
                value = _Value(c_flags)
                descriptors = []
                desc_values = []
                for d_uuid, d_flags in char_def[2] if len(char_def) > 2 else ():
                    d_value = _Value(int(d_flags))
                    descriptor = gatt.Descriptor(
                        UUID(d_uuid)._bumble(),
                        att.Attribute.READABLE | att.Attribute.WRITEABLE,
                        self._attribute_value(d_value),
                    )
                    d_value.attribute = descriptor
                    descriptors.append(descriptor)
                    desc_values.append(d_value)
                characteristic: gatt.Characteristic[bytes] = gatt.Characteristic(
                    UUID(c_uuid)._bumble(),
                    gatt.Characteristic.Properties(c_flags & 0xFF),
                    att.Attribute.READABLE | att.Attribute.WRITEABLE,
                    self._attribute_value(value),
                    descriptors,
                )
                value.attribute = characteristic
                chars.append(characteristic)
                values.append(value)
                values.extend(desc_values)
            service = gatt.Service(UUID(uuid)._bumble(), chars)
            pending.append((service, values))
        result = []
        for service, values in pending:
            server.add_service(service)
            for v in values:
                self._values[v.attribute.handle] = v
            result.append(tuple(v.attribute.handle for v in values))
        return tuple(result)

    def _attribute_value(self, value: _Value) -> att.AttributeValue[bytes]:
        return att.AttributeValue(
            read=lambda conn: self._remote_read(value, conn),
            write=lambda conn, data: self._remote_write(value, conn, data),
        )

    @staticmethod
    def _check_security(conn: Connection, flags: int, enc_flag: int, auth_flag: int) -> None:
        if flags & (enc_flag | auth_flag) and not conn.is_encrypted:
            raise att.ATT_Error(att.ATT_INSUFFICIENT_ENCRYPTION_ERROR)
        if flags & auth_flag and not conn.authenticated:
            raise att.ATT_Error(att.ATT_INSUFFICIENT_AUTHENTICATION_ERROR)

    def _remote_read(self, value: _Value, conn: Connection) -> bytes:
        if not value.flags & FLAG_READ:
            raise att.ATT_Error(att.ATT_READ_NOT_PERMITTED_ERROR)
        if isinstance(value.attribute, gatt.Characteristic):  # NimBLE: not on descriptors
            self._check_security(
                conn, value.flags, _FLAG_READ_ENCRYPTED, _FLAG_READ_AUTHENTICATED
            )
        return value.data

    def _remote_write(self, value: _Value, conn: Connection, data: bytes) -> None:
        if not value.flags & (FLAG_WRITE | FLAG_WRITE_NO_RESPONSE):
            raise att.ATT_Error(att.ATT_WRITE_NOT_PERMITTED_ERROR)
        if isinstance(value.attribute, gatt.Characteristic):
            self._check_security(
                conn, value.flags, _FLAG_WRITE_ENCRYPTED, _FLAG_WRITE_AUTHENTICATED
            )
        data = bytes(data)
        if value.append:
            value.data = (value.data + data)[: value.max_len]
        else:
            value.data = data[: value.max_len]
        self._fire(_IRQ_GATTS_WRITE, (conn.handle, value.attribute.handle))

    def _value(self, handle: int) -> _Value:
        try:
            return self._values[handle]
        except KeyError:
            raise OSError(errno.EINVAL, "invalid value handle") from None

    def gatts_read(self, value_handle: int) -> bytes:
        value = self._value(value_handle)
        data = value.data
        if value.append:
            value.data = b""
        return data

    def gatts_write(self, value_handle: int, data: Any, send_update: bool = False) -> None:
        value = self._value(value_handle)
        value.data = bytes(data)
        value.max_len = max(value.max_len, len(value.data))
        if send_update:
            for state in self._conns.values():
                subs = self._device.gatt_server.subscribers if self._device else {}
                cccd = subs.get(state.connection, {}).get(value_handle, b"\0\0")
                if cccd[0] & 0x01:
                    self._enqueue(state, value_handle, value.data, raise_on_full=False)
                elif cccd[0] & 0x02:
                    self.gatts_indicate(state.connection.handle, value_handle)

    def gatts_set_buffer(self, value_handle: int, length: int, append: bool = False) -> None:
        value = self._value(value_handle)
        value.max_len = int(length)
        value.append = bool(append)
        value.data = b""  # MicroPython resizes the buffer to empty

    def gatts_notify(self, conn_handle: int, value_handle: int, data: Any = None) -> None:
        conn_handle = _int(conn_handle)
        value = self._value(value_handle)
        state = self._conns.get(conn_handle)
        if state is None:
            raise OSError(errno.ENOTCONN, "not connected")
        payload = value.data if data is None else bytes(data)
        self._enqueue(state, value_handle, payload, raise_on_full=True)

    def gatts_indicate(self, conn_handle: int, value_handle: int) -> None:
        conn_handle = _int(conn_handle)
        value = self._value(value_handle)
        state = self._conns.get(conn_handle)
        if state is None:
            raise OSError(errno.ENOTCONN, "not connected")
        self._submit(self._indicate, state, value_handle, value)

    async def _indicate(self, state: _ConnState, handle: int, value: _Value) -> None:
        assert self._device is not None
        status = 0
        try:
            await asyncio.wait_for(
                self._device.indicate_subscriber(
                    state.connection, value.attribute, value.data, force=True
                ),
                _PASSKEY_TIMEOUT_S,
            )
        except Exception:
            status = errno.ETIMEDOUT
        self._fire(_IRQ_GATTS_INDICATE_DONE, (state.connection.handle, handle, status))

    # -- the notification queue ----------------------------------------------------

    def _enqueue(self, state: _ConnState, handle: int, payload: bytes, raise_on_full: bool) -> None:
        if len(state.queue) >= self._model.queue_len:
            if raise_on_full:
                raise OSError(errno.ENOMEM, "notification queue full")
            return
        state.queue.append((handle, payload[: state.connection.att_mtu - 3]))
        state.wake.set()

    async def _drain(self, state: _ConnState) -> None:
        assert self._device is not None
        while True:
            await state.wake.wait()
            state.wake.clear()
            while state.queue:
                # Packets leave at the next connection event, a few per event.
                await asyncio.sleep(self._model.conn_interval_ms / 1000.0)
                for _ in range(min(self._model.packets_per_event, len(state.queue))):
                    handle, payload = state.queue.popleft()
                    if self._model.corrupt_next > 0 and payload:
                        self._model.corrupt_next -= 1
                        bad = bytearray(payload)
                        bad[min(self._model.corrupt_offset, len(bad) - 1)] ^= 0xFF
                        payload = bytes(bad)
                    attribute = self._values[handle].attribute
                    await self._device.notify_subscriber(
                        state.connection, attribute, payload, force=True
                    )

    # -- connections and security --------------------------------------------------

    def gap_disconnect(self, conn_handle: int) -> bool:
        conn_handle = _int(conn_handle)
        state = self._conns.get(conn_handle)
        if state is None:
            return False
        self._submit(self._disconnect, state.connection)
        return True

    @staticmethod
    async def _disconnect(connection: Connection) -> None:
        try:
            await connection.disconnect()
        except Exception as exc:  # already gone
            logger.debug("disconnect: %s", exc)

    def gap_pair(self, conn_handle: int) -> None:
        conn_handle = _int(conn_handle)
        state = self._conns.get(conn_handle)
        if state is None:
            raise OSError(errno.ENOTCONN, "not connected")
        self._submit(self._pair, state.connection)

    @staticmethod
    async def _pair(connection: Connection) -> None:
        try:
            await connection.pair()
        except Exception as exc:
            logger.debug("pairing failed: %s", exc)

    def gattc_exchange_mtu(self, conn_handle: int) -> None:
        """Ask the central for an MTU exchange with ``config(mtu=...)`` (NimBLE's
        ``ble_gattc_exchange_mtu``, mp_bluetooth_gattc_exchange_mtu in
        extmod/nimble/modbluetooth_nimble.c); ``_IRQ_MTU_EXCHANGED`` follows. A second
        request, or one after the central's own exchange, raises ``OSError(EALREADY)`` as
        NimBLE's BLE_HS_EALREADY does once the MTU was sent (ble_att_clt.c, ble_att_svr.c)."""
        conn_handle = _int(conn_handle)
        state = self._conns.get(conn_handle)
        if state is None:
            raise OSError(errno.ENOTCONN, "not connected")
        if state.mtu_asked or state.connection.att_mtu > 23:
            raise OSError(errno.EALREADY, "MTU already exchanged")
        state.mtu_asked = True
        self._submit(self._exchange_mtu, state.connection)

    def _on_mtu_exchanged(self, state: _ConnState) -> None:
        # NimBLE marks the MTU as sent when it answers the central's request too
        # (ble_att_svr.c), so a later gattc_exchange_mtu gets EALREADY, whatever the value.
        state.mtu_asked = True
        self._fire(_IRQ_MTU_EXCHANGED, (state.connection.handle, state.connection.att_mtu))

    async def _exchange_mtu(self, connection: Connection) -> None:
        from bumble.device import Peer

        try:
            await Peer(connection).request_mtu(int(self._config["mtu"]))
        except Exception as exc:
            logger.debug("MTU exchange failed: %s", exc)

    def gap_passkey(self, conn_handle: int, action: int, passkey: int) -> None:
        conn_handle = _int(conn_handle)
        state = self._conns.get(conn_handle)
        if state is None or state.passkey is None or state.passkey.done():
            raise OSError(errno.EINVAL, "no passkey request pending")
        state.passkey.set_result(int(passkey))

    def _pairing_config(self, connection: Connection) -> PairingConfig:
        return PairingConfig(
            sc=bool(self._config["le_secure"]),
            mitm=bool(self._config["mitm"]),
            bonding=bool(self._config["bond"]),
            delegate=_IrqDelegate(self, connection, int(self._config["io"])),
            identity_address_type=PairingConfig.AddressType.RANDOM,
        )

    def _on_connection(self, connection: Connection) -> None:
        if connection.role != hci.Role.PERIPHERAL or not self._active:
            return
        state = _ConnState(connection)
        handle = connection.handle
        self._conns[handle] = state
        state.drain_task = asyncio.get_running_loop().create_task(self._drain(state))
        connection.on("disconnection", lambda reason: self._on_disconnection(handle, reason))
        connection.on(
            "connection_att_mtu_update",
            lambda: self._on_mtu_exchanged(state),
        )
        connection.on("connection_encryption_change", lambda: self._on_encryption(state))
        connection.on("pairing_start", lambda: setattr(state, "pairing", True))
        connection.on("pairing", lambda keys: self._on_paired(state, keys))
        connection.on("pairing_failure", lambda reason: self._on_pair_failed(state))
        connection.on(
            "connection_parameters_update",
            lambda: self._fire_connection_update(state),
        )
        self._fire_addr(_IRQ_CENTRAL_CONNECT, handle, connection.peer_address)

    def _on_disconnection(self, handle: int, reason: int) -> None:
        state = self._conns.pop(handle, None)
        if state is None:
            return
        if state.drain_task is not None:
            state.drain_task.cancel()
        if state.passkey is not None and not state.passkey.done():
            state.passkey.cancel()
        self._fire_addr(_IRQ_CENTRAL_DISCONNECT, handle, state.connection.peer_address)

    def _on_encryption(self, state: _ConnState) -> None:
        if state.pairing:
            return  # NimBLE reports once key distribution is over (see _on_paired)
        self._fire_encryption(state, bonded=state.connection.is_encrypted)

    def _on_paired(self, state: _ConnState, keys: PairingKeys) -> None:
        state.pairing = False
        state.paired_keys = keys
        self._fire_encryption(state, bonded=bool(self._config["bond"]))

    def _on_pair_failed(self, state: _ConnState) -> None:
        state.pairing = False

    def _fire_encryption(self, state: _ConnState, bonded: bool) -> None:
        conn = state.connection
        # Fresh pairing: the new keys; re-encryption: the stored bond's LTK, whose
        # authenticated flag NimBLE copies into the link's sec_state (ble_sm.c,
        # ble_sm_ltk_restore / value_sec.authenticated). bumble's connection.authenticated
        # is True after any encryption, so it is not used.
        keys = state.paired_keys or self._bond_keys.get(str(conn.peer_address))
        ltk = None if keys is None else (keys.ltk or keys.ltk_peripheral)
        authenticated = bool(ltk and ltk.authenticated)
        encrypted = bool(conn.is_encrypted)
        self._fire(
            _IRQ_ENCRYPTION_UPDATE,
            (conn.handle, encrypted, authenticated and encrypted, bonded and encrypted,
             16 if encrypted else 0),
        )

    def _fire_connection_update(self, state: _ConnState, status: int = 0) -> None:
        p = state.connection.parameters
        self._fire(
            _IRQ_CONNECTION_UPDATE,
            (state.connection.handle, int(p.connection_interval / 1.25),
             int(p.peripheral_latency), int(p.supervision_timeout / 10), status),
        )

    def set_link_model(self, **changes: Any) -> None:
        """Change the notification drain model (radio fault hooks). Not MicroPython API."""
        for name, value in changes.items():
            setattr(self._model, name, value)
        if "conn_interval_ms" in changes:
            for state in self._conns.values():
                c = state.connection
                interval = int(float(changes["conn_interval_ms"]) / 1.25)
                self._fire(
                    _IRQ_CONNECTION_UPDATE,
                    (c.handle, interval, 0, int(c.parameters.supervision_timeout / 10), 0),
                )

    def _lightsleep(self) -> bool:
        """``machine.lightsleep()`` is starting (the machine shim calls this; shim only).
        Returns whether the stack was active. On the ESP32 the radio stops in light sleep and
        an active stack does not recover: micropython issue 6396 (open) "I'm unable to connect
        to the BT after changing to lightsleep"; esp-idf issue 11315, Espressif: once light
        sleep is entered "the Bluetooth hardware state will be corrupted", Bluetooth must be
        deinitialised first. Modelled: links drop, advertising stops, and nothing goes on air
        again (``gap_advertise`` is accepted and does nothing) until ``active(False)`` and
        ``active(True)``."""
        if not self._active:
            return False
        self._broken = True
        for handle in list(self._conns):
            self.gap_disconnect(handle)
        self._submit(self._stop_advertising)
        return True

    # -- plumbing ------------------------------------------------------------------

    def _check_active(self) -> None:
        if not self._active:
            raise OSError(errno.ENODEV, "BLE not active")

    def _fire(self, event: int, data: tuple[Any, ...]) -> Any:
        handler = self._handler
        if handler is None:
            return None
        try:
            return handler(event, data)
        except Exception as exc:  # MicroPython prints and carries on
            self.irq_errors.append(exc)
            print("Uncaught exception in IRQ callback handler", file=sys.stderr)
            traceback.print_exc()
            return None

    def _fire_addr(self, event: int, handle: int, address: hci.Address) -> None:
        view = memoryview(bytes(address)[::-1])
        try:
            self._fire(event, (handle, address.address_type & 1, view))
        finally:
            view.release()

    def _submit(self, fn: Callable[..., Any], *args: Any) -> None:
        if self._ops is None:
            raise OSError(errno.ENODEV, "no virtual radio attached")
        self._ops.put_nowait((fn, args))

    async def _run_ops(self) -> None:
        assert self._ops is not None
        while True:
            fn, args = await self._ops.get()
            self._op_running = True
            try:
                await fn(*args)
            except Exception:
                logger.exception("virtual BLE operation %s failed", fn.__name__)
            finally:
                self._op_running = False


async def attach(device: Device, model: LinkModel | None = None) -> BLE:
    """Bind the ``BLE()`` singleton to a powered-on bumble Device (a fresh start).

    Called by the virtual board before the firmware starts. The singleton keeps its
    identity (firmware may have called ``bluetooth.BLE()`` at import time) but loses all
    state, like a board after reset: bumble objects belong to the loop that made them.
    """
    ble = BLE()
    await _stop_tasks(ble)
    ble._setup()
    ble._device = device
    if model is not None:
        ble._model = model
    device.keystore = _IrqKeyStore(ble)
    device.pairing_config_factory = ble._pairing_config
    device.gatt_server.max_mtu = int(ble._config["mtu"])
    device.on("connection", ble._on_connection)
    ble._ops = asyncio.Queue()
    ble._worker = asyncio.get_running_loop().create_task(ble._run_ops())
    return ble


async def _stop_tasks(ble: BLE) -> None:
    tasks = [t for t in [ble._worker, *(s.drain_task for s in ble._conns.values())] if t]
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    tasks = [t for t in tasks if t.get_loop() is asyncio.get_running_loop()]
    # Let an operation in flight finish first (queued ones are not run): cancelled between an
    # HCI command and its answer, bumble's Host got the late "command complete" for a future
    # that was cancelled, and logged InvalidStateError at every power-off after a disconnect
    # (the firmware advertises again at once). A few ms; 0.5 s at most.
    for _ in range(50):
        if not ble._op_running or ble._worker is None or ble._worker.done():
            break
        await asyncio.sleep(0.01)
    for _ in range(100):
        # bumble coroutines may swallow one cancellation: insist until they are done.
        pending = [t for t in tasks if not t.done()]
        if not pending:
            break
        for task in pending:
            task.cancel()
        await asyncio.wait(pending, timeout=0.05)


async def detach() -> None:
    """Stop the radio's tasks (end of a board run); ``BLE()`` is then inactive."""
    ble = BLE._instance
    if ble is None:
        return
    await _stop_tasks(ble)
    ble._setup()


def install() -> None:
    """Make ``import bluetooth`` return this module (one singleton for all importers)."""
    sys.modules["bluetooth"] = sys.modules[__name__]


if __name__ == "bluetooth":
    # Imported by plain name (the shims folder is on sys.path): hand out the one
    # canonical module, so the firmware and the radio share the BLE() singleton.
    import importlib

    sys.modules["bluetooth"] = importlib.import_module("kyphos.sim.shims.bluetooth")
