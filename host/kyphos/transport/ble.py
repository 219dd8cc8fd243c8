"""BLE transport on bleak: the same code on BlueZ, CoreBluetooth, WinRT and the virtual radio.

- ``backend=`` (and ``scanner_backend=``) go straight to bleak, so the virtual radio's
  :mod:`kyphos.transport.bumble_backend` plugs in where a platform backend would be;
- the notification callback only enqueues (bleak on BlueZ needs it to return fast);
- the negotiated ATT MTU is read after connecting (``counters.mtu``);
- every (re)connect scans for the device first: after an unexpected disconnect BlueZ may have
  forgotten it, and connecting by a stale ``BLEDevice`` then fails.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from kyphos.transport.base import LinkError, Transport, TransportKind

SERVICE_UUID = "6b790001-0000-4000-8000-6b7970686f73"
DATA_UUID = "6b790002-0000-4000-8000-6b7970686f73"
CONTROL_UUID = "6b790003-0000-4000-8000-6b7970686f73"
STATUS_UUID = "6b790004-0000-4000-8000-6b7970686f73"
PAIRING_UUID = "6b790005-0000-4000-8000-6b7970686f73"  # read needs encryption: pair on demand
_ADDRESS = re.compile(r"^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$|^[0-9A-Fa-f-]{36}$")


def _ble_error(device: str, exc: BaseException) -> LinkError:
    """Bleak's and the OS's errors as one line that says what to do."""
    text = f"{type(exc).__name__}: {exc}"
    low = text.lower()
    reason = getattr(getattr(exc, "reason", None), "name", "")
    if reason == "POWERED_OFF":
        return LinkError(device, "Bluetooth is off", "turn Bluetooth on and try again")
    if reason.startswith("DENIED"):
        return LinkError(device, "not allowed to use Bluetooth",
                         "grant this program Bluetooth permission in the system settings")
    if reason in ("NO_BLUETOOTH", "NO_BLE_CENTRAL_ROLE"):
        return LinkError(device, "no Bluetooth adapter found", "plug in an adapter or use serial:PORT")
    if isinstance(exc, FileNotFoundError) or "dbus" in low or "d-bus" in low:
        # BlueZ is reached over the system D-Bus: no socket means no Bluetooth service.
        return LinkError(device, "the Bluetooth service (BlueZ) is not running or not reachable",
                         "start it (sudo systemctl start bluetooth), or use serial:PORT or sim")
    if "no bluetooth adapters" in low or "no adapter" in low or "adapter" in low and "not found" in low:
        return LinkError(device, "no Bluetooth adapter found", "plug in an adapter or use serial:PORT")
    if "powered off" in low or "not powered" in low or "bluetooth is off" in low or "poweredoff" in low:
        return LinkError(device, "Bluetooth is off", "turn Bluetooth on and try again")
    if "permission" in low or "not authorized" in low or "unauthorized" in low:
        return LinkError(
            device, "not allowed to use Bluetooth", "grant this terminal Bluetooth permission"
        )
    if "not found" in low or "was not found" in low:
        return LinkError(
            device, "device not found", "is it switched on and in range? `kyphos scan` lists boards"
        )
    return LinkError(device, f"Bluetooth error ({text})", "move closer, or restart the board")


def virtual_radio_backends() -> tuple[Any, Any] | None:
    """bleak backends (client, scanner) for the virtual radio when one answers — `kyphos sim`
    serves it on ``$KYPHOS_BUMBLE_TRANSPORT`` or 127.0.0.1:9741 — so another process's
    `kyphos scan`, `record` or `live` finds the virtual board as it would a real one."""
    from kyphos.transport.bumble_backend import BumbleClient, BumbleScanner, radio_reachable

    return (BumbleClient, BumbleScanner) if radio_reachable(timeout_s=0.2) else None


class BleTransport(Transport):
    kind = TransportKind.BLE

    def __init__(
        self,
        target: str,
        *,
        backend: Any = None,
        scanner_backend: Any = None,
        scan_timeout_s: float = 5.0,
        connect_timeout_s: float = 10.0,
        **bleak_kwargs: Any,
    ) -> None:
        super().__init__(target)
        self.target = target
        if backend is None and scanner_backend is None:
            backend, scanner_backend = virtual_radio_backends() or (None, None)
        self.backend = backend
        self.scanner_backend = scanner_backend
        self.scan_timeout_s = scan_timeout_s
        self.connect_timeout_s = connect_timeout_s
        self.bleak_kwargs = bleak_kwargs
        self.client: Any = None
        self.address: str | None = target if _ADDRESS.match(target) else None

    # -- scanning ---------------------------------------------------------------------------
    async def _find(self) -> Any:
        from bleak import BleakScanner

        kw: dict[str, Any] = dict(self.bleak_kwargs)
        if self.scanner_backend is not None:
            kw["backend"] = self.scanner_backend
        want = self.target.lower()
        try:
            found = await BleakScanner.discover(timeout=self.scan_timeout_s, return_adv=True, **kw)
        except Exception as exc:
            raise _ble_error(self.target, exc) from None
        for dev, adv in found.values():
            names = {(dev.name or "").lower(), (adv.local_name or "").lower()}
            if dev.address.lower() == want or want in names:
                self.counters.rssi = adv.rssi
                self.address = dev.address
                if dev.name and self.name == self.target:
                    self.name = f"{dev.name} ({dev.address})"
                return dev
        raise LinkError(
            self.target, "device not found", "is it switched on and in range? `kyphos scan` lists boards"
        )

    async def _open(self) -> None:
        from bleak import BleakClient

        device = await self._find()  # rediscover on every connect (BlueZ may forget it)
        kw: dict[str, Any] = dict(self.bleak_kwargs)
        if self.backend is not None:
            kw["backend"] = self.backend
        client = BleakClient(
            device, disconnected_callback=self._on_disconnect, timeout=self.connect_timeout_s, **kw
        )
        try:
            await client.connect()
            self.counters.mtu = int(client.mtu_size)
            await client.start_notify(DATA_UUID, self._on_notify)
        except LinkError:
            raise
        except Exception as exc:
            try:
                await client.disconnect()
            except Exception:
                pass
            raise _ble_error(self.name, exc) from None
        self.client = client

    def _on_notify(self, _char: Any, data: bytearray) -> None:
        self._enqueue(bytes(data))  # only enqueue: decoding happens in recv()

    def _on_disconnect(self, _client: Any) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        loop.call_soon_threadsafe(self._lost)

    async def _close(self) -> None:
        client, self.client = self.client, None
        if client is not None:
            try:
                await asyncio.wait_for(client.disconnect(), 5.0)
            except Exception:
                pass

    async def _write(self, frame: bytes) -> None:
        try:
            await self.client.write_gatt_char(CONTROL_UUID, frame, response=True)
        except Exception as exc:
            raise _ble_error(self.name, exc) from None

    @property
    def encrypted(self) -> bool:
        """True when the backend says the link is encrypted (the virtual radio's backend does;
        OS backends do not, and the device's STATUS flag is asked instead)."""
        client = self.client
        if client is None:
            return False
        inner = getattr(client, "_backend", client)
        value = getattr(inner, "is_encrypted", None)
        return bool(value)

    async def read_status(self) -> bytes:
        """The status characteristic: the latest STATUS frame."""
        return bytes(await self.client.read_gatt_char(STATUS_UUID))

    async def pair(self) -> None:
        """Bond with LE Secure Connections (the OS or backend runs the pairing). Where bleak
        cannot pair (macOS: ``pair()`` raises NotImplementedError), read the board's pairing
        characteristic, whose read needs encryption: the OS pairs on demand, then reads."""
        try:
            try:
                await self.client.pair()
            except NotImplementedError:
                await self.client.read_gatt_char(PAIRING_UUID)
        except Exception as exc:
            fix = ("press the board's button to open its pairing window, then run "
                   "`kyphos pair --device TARGET` again")
            # HCI 0x06 PIN or Key Missing: our stored bond, not the board's. `bluetoothctl
            # remove <dev>` is BlueZ's way to forget a device (bluetoothctl(1), "remove").
            if "KEY_MISSING" in str(exc).upper():
                fix = ("this computer still holds a bond the board no longer has (it was reset, "
                       "reflashed or its kept state deleted): remove the board from this "
                       "computer's Bluetooth devices (Linux: bluetoothctl remove ADDRESS; the "
                       "virtual radio: delete $KYPHOS_BUMBLE_KEYS), then " + fix)
            raise LinkError(self.name, f"pairing failed ({exc})", fix) from None


async def scan(
    timeout_s: float = 5.0, *, backend: Any = None, all_devices: bool = False
) -> list[dict[str, Any]]:
    """kyphos boards in range: name, address, RSSI (dBm). ``all_devices`` lists every
    advertiser, not only those with the kyphos service."""
    from bleak import BleakScanner

    kw: dict[str, Any] = {}
    if backend is None:
        backend = (virtual_radio_backends() or (None, None))[1]
    if backend is not None:
        kw["backend"] = backend
    try:
        found = await BleakScanner.discover(timeout=timeout_s, return_adv=True, **kw)
    except Exception as exc:
        raise _ble_error("Bluetooth", exc) from None
    out: list[dict[str, Any]] = []
    for dev, adv in found.values():
        is_kyphos = SERVICE_UUID in [u.lower() for u in adv.service_uuids] or (
            (adv.local_name or dev.name or "").startswith("kyphos")
        )
        if is_kyphos or all_devices:
            out.append({"name": adv.local_name or dev.name or "", "address": dev.address,
                        "rssi": adv.rssi, "kyphos": is_kyphos})
    out.sort(key=lambda d: -int(d["rssi"] if d["rssi"] is not None else -999))
    return out
