# The BLE peripheral's setup and bond storage (ble.Peripheral): starting the stack and
# registering the GATT services (at boot and after a light sleep's radio_off), the advertising
# payloads, and the bond keys' file (read at boot, written after a pairing). ble.py keeps what
# runs while a link is up; this module is imported for the rare parts only and dropped when
# unused (lazy.py; issue 14 item 9, docs/firmware.md "Heap"). Stateless: `p` is the Peripheral.
# The security notes (IRQ handler before active(True), bonds, the window) are at the top of
# ble.py.
import json
import os
from binascii import hexlify, unhexlify

import ble as ble_mod
from micropython import const

# The kyphos 128-bit base UUID 6b79xxxx-0000-4000-8000-6b7970686f73 ("ky" ... "kyphos").
SERVICE_UUID = "6b790001-0000-4000-8000-6b7970686f73"
DATA_UUID = "6b790002-0000-4000-8000-6b7970686f73"
CONTROL_UUID = "6b790003-0000-4000-8000-6b7970686f73"
STATUS_UUID = "6b790004-0000-4000-8000-6b7970686f73"
PAIRING_UUID = "6b790005-0000-4000-8000-6b7970686f73"  # read needs encryption: pair on demand
_BATTERY_SERVICE = const(0x180F)
_BATTERY_LEVEL = const(0x2A19)
_DEVICE_INFO_SERVICE = const(0x180A)
_MANUFACTURER_NAME = const(0x2A29)
_MODEL_NUMBER = const(0x2A24)
_FIRMWARE_REVISION = const(0x2A26)

_IO_DISPLAY_YESNO = const(1)
_SEC_OUR = const(1)  # ble.py's (NimBLE's BLE_STORE_OBJ_TYPE_OUR_SEC)
_SEC_PEER = const(2)
_SEC_WINDOW = const(100)
_FLAG_READ = const(0x0002)
_FLAG_WRITE = const(0x0008)
_FLAG_NOTIFY = const(0x0010)
_FLAG_READ_ENCRYPTED = const(0x0200)
_MTU = const(256)  # ble.py's: what the board offers (ble.config(mtu=...))
_CONTROL_BUF = const(1034 + 6)  # one CMD frame of the largest payload


def adv_payloads(name, service_uuid_le):
    """(advertising data, scan response) for a name (bytes) and a 128-bit service UUID
    (16 little-endian bytes). Flags (3 bytes) + the UUID (18) leave 10 of the 31 bytes, too few
    for "kyphos-XXXX" (13): the complete name goes in the scan response."""
    adv = bytearray((2, 0x01, 0x06, 17, 0x07))
    adv.extend(service_uuid_le)
    resp = bytearray((len(name) + 1, 0x09))
    resp.extend(name)
    if len(adv) > 31 or len(resp) > 31:
        raise ValueError("advertising payload over 31 bytes")
    return bytes(adv), bytes(resp)


def uuid_le(text):
    """The 16 little-endian bytes of a 128-bit UUID string (as it goes on the air)."""
    h = text.replace("-", "")
    out = bytearray(16)
    for i in range(16):
        out[15 - i] = int(h[2 * i:2 * i + 2], 16)
    return bytes(out)


def default_name(mac):
    """kyphos-XXXX from the last two bytes of the MAC address."""
    return "kyphos-%02X%02X" % (mac[4], mac[5])


def start(p):
    """Start the stack (the IRQ handler first), register the services, advertise. Raises
    OSError when the stack does not start."""
    ble = p.ble
    name = p.name
    uuid = p._uuid
    fw_revision, model, manufacturer = p._fw
    # The handler first: active(True) asks it for the IRKs (see the top of ble.py).
    ble.irq(p._irq)
    ble.active(True)  # OSError when the stack does not start: the runtime goes USB-only
    if isinstance(p.ring, int):
        # Given as a size: allocated once the stack has started, so NimBLE gets its RAM
        # before the big buffers (app.py builds the links first for the same reason).
        p.ring = ble_mod.Ring(p.ring)
    ble.config(gap_name=name, mtu=_MTU)
    try:
        ble.config(bond=True, mitm=True, le_secure=True, io=_IO_DISPLAY_YESNO)
        p.secure = True
    except (ValueError, OSError):
        # A build without pairing support: links stay unencrypted, so config and erase
        # commands work over USB only.
        p.secure = False
    kyphos = (uuid(SERVICE_UUID), (
        (uuid(DATA_UUID), _FLAG_NOTIFY),
        (uuid(CONTROL_UUID), _FLAG_WRITE),
        (uuid(STATUS_UUID), _FLAG_READ | _FLAG_NOTIFY),
        (uuid(PAIRING_UUID), _FLAG_READ | _FLAG_READ_ENCRYPTED),
    ))
    battery = (uuid(_BATTERY_SERVICE), ((uuid(_BATTERY_LEVEL), _FLAG_READ | _FLAG_NOTIFY),))
    dis = (uuid(_DEVICE_INFO_SERVICE), (
        (uuid(_MANUFACTURER_NAME), _FLAG_READ),
        (uuid(_MODEL_NUMBER), _FLAG_READ),
        (uuid(_FIRMWARE_REVISION), _FLAG_READ),
    ))
    ((p.h_data, p.h_control, p.h_status, h_pairing), (p.h_battery,),
     (h_man, h_model, h_fw)) = ble.gatts_register_services((kyphos, battery, dis))
    ble.gatts_write(h_pairing, b"\x01")
    # Values default to 20 bytes: room for a whole CMD frame and a STATUS frame.
    ble.gatts_set_buffer(p.h_control, _CONTROL_BUF)
    ble.gatts_set_buffer(p.h_data, _MTU)
    ble.gatts_set_buffer(p.h_status, 64)
    ble.gatts_write(h_man, manufacturer.encode())
    ble.gatts_write(h_model, model.encode())
    ble.gatts_write(h_fw, fw_revision.encode())
    ble.gatts_write(p.h_battery, b"\x00")
    if p._status is not None:  # the last STATUS frame before a radio_off()
        ble.gatts_write(p.h_status, p._status)
    if p._battery >= 0:  # the level known before a radio_off()
        b = p._battery
        ble.gatts_write(p.h_battery, bytes((b if b <= 100 else 0,)))
    p._adv = adv_payloads(name.encode(), uuid_le(SERVICE_UUID))
    p.radio_on = True
    p.advertise()


def load_bonds(p):
    """The bond keys from the file into p._secrets and p._order (at boot)."""
    try:
        with open(p.bonds_path) as f:
            rows = json.loads(f.read())
        for t, k, v in rows:
            k = unhexlify(k)
            p._secrets[(t, k)] = unhexlify(v)
            if (t == _SEC_OUR or t == _SEC_PEER) and k not in p._order:
                p._order.append(k)
    except (OSError, ValueError, TypeError, KeyError):
        p._secrets = {}  # none yet, or a damaged file: pair again
        p._order = []


def save_bonds(p):
    """Write the bond keys (temp file + rename); True. From a task, not an IRQ.
    Rows: the IRK first, then each peer's entries, least recently bonded first."""
    p._bonds_dirty = False
    rows = []
    for (t, k), v in p._secrets.items():
        if t != _SEC_OUR and t != _SEC_PEER and t != _SEC_WINDOW:
            rows.append((t, hexlify(k).decode(), hexlify(v).decode()))
    for k in p._order:
        for t in (_SEC_OUR, _SEC_PEER, _SEC_WINDOW):
            v = p._secrets.get((t, k))
            if v is not None:
                rows.append((t, hexlify(k).decode(), hexlify(v).decode()))
    tmp = p.bonds_path + ".tmp"
    with open(tmp, "w") as f:
        f.write(json.dumps(rows))
    try:
        os.rename(tmp, p.bonds_path)
    except OSError:
        try:
            os.remove(p.bonds_path)
        except OSError:
            pass
        os.rename(tmp, p.bonds_path)
    return True
