# BLE peripheral: the kyphos GATT service, advertising, notification packing with back-pressure,
# and link security (pairing window, bonds on flash). docs/firmware.md has the GATT table.
#
# API for the runtime (app.py):
#   ring = Ring(16384)                    # unsent frames (preallocated); Ring is also the USB
#                                         # link's packet buffer (usb.py)
#   p = Peripheral(bluetooth.BLE(), name, bonds_path, ring)   # registers services, advertises;
#                                         # ring: a Ring, or its size (allocated after active)
#   p.put(frame_mv) -> bool               # queue one whole frame (no allocation; False: no room)
#   await p.send(buf, n)                  # queue a command answer, waiting for room
#   p.pump(t_ms)                          # notify queued frames: whole frames per notification,
#                                         # <= 20 notifications/s, ENOMEM = keep and retry later
#   p.commands                            # deque of (link, bytes) written to the control char
#   p.open_pairing(t_ms) / p.pairing_open(t_ms); p.encrypted; p.connected; p.mtu
#   p.set_status(payload) / p.set_battery(pct); p.save_bonds()   # (housekeeping)
# The stack's start with the GATT services, the advertising payloads and the bonds' file are in
# blesetup.py, imported for them only (at boot, after a light sleep, after a pairing: lazy.py).
#   p.radio_off() / p.radio_on_again(); p.radio_on   # the stack off around light sleep
#                                         # (powerpolicy.py), and on again with its services
#
# The BLE object is passed in, and `bluetooth` is imported only for its UUID class when none is
# given, so this file imports where there is no radio (the packing, ring and security logic are
# checked on MicroPython with a stand-in BLE object).
#
# Security. Pairing uses LE Secure Connections with bonding and MITM protection; the device
# declares DisplayYesNo and confirms numeric comparison itself only while the pairing window
# is open (60 s after a button press, or a PAIR command from a trusted link). A refused
# comparison fails the pairing. A central without I/O (Windows' "confirm only", BlueZ without
# an agent) pairs Just Works, which NimBLE accepts although MITM was asked for: that bond
# encrypts the link (stream, read) but unlocks writes that change the board only if it was
# made inside the window. trusted(): encrypted and (an authenticated bond, or a bond made in
# the window); commands.py refuses the rest with ERR 5. The link's bond is the central's
# address from CENTRAL_CONNECT (NimBLE's peer_id_addr, the key of its secrets), or the key
# SET_SECRET stores while this link pairs; "made in the window" is kept on flash beside the bond
# (sec_type _SEC_WINDOW). The PAIRING
# characteristic needs encryption to read: a central that cannot pair on request (macOS:
# bleak has no pair() there) reads it and the OS pairs on demand.
#
# Bond keys reach flash through _IRQ_SET_SECRET (saved from the housekeeping task, not in the
# IRQ). The IRQ handler is registered before active(True): NimBLE asks for the board's IRK and
# every bonded peer's IRK inside active(True) (load_irk / ble_hs_misc_restore_irks in
# extmod/nimble/modbluetooth_nimble.c), and a central on a private address (phones, Macs) is
# recognised after a reboot only through those (as examples/bluetooth/ble_bonding_peripheral.py
# does). Past MAX_BONDS the least recently bonded peer's whole bond goes; the IRK never.
import errno
from array import array

import lazy
from micropython import const

from time import ticks_add, ticks_diff, ticks_ms

_IRQ_CENTRAL_CONNECT = const(1)
_IRQ_CENTRAL_DISCONNECT = const(2)
_IRQ_GATTS_WRITE = const(3)
_IRQ_MTU_EXCHANGED = const(21)
_IRQ_ENCRYPTION_UPDATE = const(28)
_IRQ_GET_SECRET = const(29)
_IRQ_SET_SECRET = const(30)
_IRQ_PASSKEY_ACTION = const(31)
_PASSKEY_NUMERIC_COMPARISON = const(4)
_SEC_OUR = const(1)  # NimBLE's BLE_STORE_OBJ_TYPE_OUR_SEC (keyed by the peer's address)
_SEC_PEER = const(2)  # BLE_STORE_OBJ_TYPE_PEER_SEC
_SEC_IRK = const(10)  # MicroPython's own IRK (key b"irk")
_SEC_WINDOW = const(100)  # kyphos: this peer's bond was made inside the pairing window

_MTU = const(256)  # what the board offers (ble.config(mtu=...))
_MIN_STREAM_MTU = const(185)  # START is refused below this (ERR 10, docs/protocol.md)
_MIN_GAP_MS = const(45)  # <= 22 notifications per second, the pace when the data allows it
_FAST_GAP_MS = const(20)  # the shortest pace (50/s) when the rate needs more (pace())
_MTU_ASK_MS = const(1000)  # the board asks for an MTU exchange if the central has not by then
_PAIRING_WINDOW_MS = const(60000)
_SEND_WAIT_MS = const(5000)  # longest wait for room for a command answer
_MAX_BONDS = const(8)
_RECENT = const(8)  # notifications kept after sending, for the log if the link drops
_ADV_INTERVAL_US = const(100000)
_MAX_COMMANDS = const(4)


def sleep_ms(ms):
    """asyncio.sleep_ms (MicroPython), or asyncio.sleep on CPython."""
    import asyncio

    f = getattr(asyncio, "sleep_ms", None)
    return f(ms) if f is not None else asyncio.sleep(ms / 1000)


class Ring:
    """Byte ring of whole records (frames or serial packets), preallocated.

    A record never wraps: when it does not fit before the end, the end is marked and the
    record starts at 0, so every record is contiguous in `buf`. put/drop allocate nothing.
    """

    def __init__(self, size):
        self.buf = bytearray(size)
        self.mv = memoryview(self.buf)
        self.size = size
        self.head = 0  # next write
        self.tail = 0  # oldest unsent byte
        self.wrap = size  # end of valid data when head has wrapped behind tail
        self.used = 0
        self.full_count = 0  # records refused for lack of room

    def clear(self):
        self.head = 0
        self.tail = 0
        self.wrap = self.size
        self.used = 0

    def reserve(self, n):
        """Offset of n contiguous free bytes (the caller writes there, then commit(n)); -1 if
        there is no room."""
        h = self.head
        t = self.tail
        if self.used == 0:
            self.head = h = 0
            self.tail = t = 0
            self.wrap = self.size
        if h >= t:
            if h + n <= self.size and not (self.used and h == t):
                return h
            if n < t:  # wrap: the next record starts at 0
                return 0
            return -1
        if h + n < t:
            return h
        return -1

    def commit(self, off, n):
        if off == 0 and self.head != 0 and self.used:
            self.wrap = self.head
        self.head = off + n
        self.used += n

    def put(self, src, n=-1):
        """Copy record src[0:n] (all of src if n < 0); False if it does not fit. Pass a buffer
        of exactly n bytes to copy without allocating."""
        if n < 0:
            n = len(src)
        off = self.reserve(n)
        if off < 0:
            self.full_count += 1
            return False
        if n == len(src):
            self.buf[off:off + n] = src
        else:
            self.buf[off:off + n] = memoryview(src)[:n]
        self.commit(off, n)
        return True

    def run(self):
        """(offset, length) of the contiguous unsent bytes at the tail."""
        if self.used == 0:
            return self.tail, 0
        t = self.tail
        if self.head > t:
            return t, self.head - t
        return t, self.wrap - t

    def drop(self, n):
        """Forget the n oldest bytes (sent)."""
        self.used -= n
        t = self.tail + n
        if self.used == 0:
            self.head = 0
            self.tail = 0
            self.wrap = self.size
            return
        if t >= self.wrap:
            t = 0
            self.wrap = self.size
        self.tail = t


def pack_length(buf, off, avail, limit):
    """Bytes of the whole frames at buf[off:off+avail] that fit in one notification of at most
    `limit` bytes (0 when the first frame is larger than limit)."""
    n = 0
    while n + 10 <= avail:
        size = 10 + (buf[off + n + 2] | (buf[off + n + 3] << 8))
        if n + size > limit:
            break
        n += size
    return n


class Peripheral:
    """The kyphos GATT server on a MicroPython bluetooth.BLE object (one central at a time)."""

    def __init__(self, ble, name, bonds_path, ring, fw_revision="0.0.0", model="kyphos",
                 manufacturer="kyphos project", uuid=None):
        self.ble = ble
        self.name = name
        self.bonds_path = bonds_path
        self.ring = ring
        self.link = "ble"
        self.conn = None
        self.mtu = 23
        self.encrypted = False
        self.authenticated = False
        self.bonded = False
        self._peer = None  # the link's bond key: NimBLE's ble_addr_t of the central (type + LSB first)
        self._connected_at = 0
        self._mtu_asked = False
        self.gap_ms = _MIN_GAP_MS  # notification pace (pace())
        self.streams = 0  # START bits; 0 = not streaming
        self.commands = []  # (link, bytes) from the control characteristic, oldest first
        self.notified = 0
        self.retried = 0  # ENOMEM back-pressure retries since boot
        self.lost = 0  # frames refused because the ring was full
        self.refused_pairings = 0
        self.notify_errors = 0
        self._pair_until = 0
        self._pair_open = False
        self._last_notify = 0
        self._secrets = {}
        self._order = []  # bonded peers' keys, least recently bonded first
        self._bonds_dirty = False
        self._battery = -1
        self._status = None  # the last STATUS frame (the app's buffer), kept over a radio_off()
        # Copies of the last RECENT notifications: the stack may still hold them when the
        # link drops (MicroPython reports no "sent"), so they go to the log too (the host
        # drops the duplicates by seq).
        self._recent = bytearray(_RECENT * _MTU)
        self._recent_mv = memoryview(self._recent)
        self._recent_len = array("H", bytes(2 * _RECENT))
        self._recent_i = 0
        lazy.use("blesetup").load_bonds(self)
        if uuid is None:
            uuid = __import__("bluetooth").UUID
        self._uuid = uuid
        self._fw = (fw_revision, model, manufacturer)
        self.radio_on = False
        self._start()

    def _start(self):
        """Start the stack (the IRQ handler first), register the services, advertise. Raises
        OSError when the stack does not start. At boot and after radio_off(): blesetup.py."""
        lazy.use("blesetup").start(self)

    def radio_off(self):
        """Stop the stack (no link may be up): machine.lightsleep() with BLE active breaks it
        (micropython issue 6396; esp-idf issue 11315: "the Bluetooth hardware state will be
        corrupted" unless Bluetooth is deinitialised first). Pending bond keys go to flash."""
        self.save_bonds()
        self.radio_on = False
        self.ble.active(False)

    def radio_on_again(self):
        """Start the stack after radio_off() and advertise; False if it would not start."""
        try:
            self._start()
        except OSError:
            self.radio_on = False
            return False
        return True

    # --- state ---------------------------------------------------------------------------
    @property
    def connected(self):
        return self.conn is not None

    def trusted(self):
        """Commands that change or erase state are allowed: an encrypted link whose bond is
        authenticated (numeric comparison) or was made inside the pairing window. A Just
        Works bond made outside the window streams and reads, nothing more."""
        if self.conn is None or not self.encrypted:
            return False
        if self.authenticated:
            return True
        p = self._peer
        return p is not None and (_SEC_WINDOW, p) in self._secrets

    def security_state(self):
        """0 no link; else 1 + 2 if encrypted + 4 if trusted + 8 while the pairing window is
        open (to notice a change: the status characteristic then says so at once, so a
        central can wait for STATUS_PAIRING before it pairs instead of guessing how long the
        button press takes to be recognised)."""
        if self.conn is None:
            return 0
        return (1 | (2 if self.encrypted else 0) | (4 if self.trusted() else 0)
                | (8 if self.pairing_open(ticks_ms()) else 0))

    def refusal(self):
        """Why trusted() is False, for the ERR message (what the user should do)."""
        if not self.encrypted:
            return "not permitted on an unencrypted link: press the board's button, then pair"
        return ("this pairing was made without the button: press the board's button, then "
                "remove the pairing and pair again")

    def mtu_ok(self):
        return self.mtu >= _MIN_STREAM_MTU

    def pace(self, notes_per_s):
        """Set the notification pace for a stream that needs `notes_per_s` notifications per
        second (from the batch size the negotiated _MTU allows and the sample rate): about 20/s
        (_MIN_GAP_MS) when that is enough, faster (down to _FAST_GAP_MS) with a quarter spare
        when it is not, e.g. 208 Hz with orientation at MTU 185 needs ~30/s."""
        gap = _MIN_GAP_MS
        if notes_per_s > 0:
            need = 1000 * 4 // (notes_per_s * 5 + 4)  # 1.25 x the need, rounded down
            if need < gap:
                gap = need if need > _FAST_GAP_MS else _FAST_GAP_MS
        self.gap_ms = gap
        return gap

    def limit(self):
        """Largest notification payload now: ATT_MTU - 3 of the negotiated MTU (20 bytes
        before an exchange; streaming needs >= 182, see mtu_ok)."""
        return self.mtu - 3

    def advertise(self):
        self.ble.gap_advertise(_ADV_INTERVAL_US, self._adv[0], resp_data=self._adv[1])

    def open_pairing(self, t_ms):
        self._pair_until = ticks_add(t_ms, _PAIRING_WINDOW_MS)
        self._pair_open = True

    def pairing_open(self, t_ms):
        if self._pair_open and ticks_diff(self._pair_until, t_ms) <= 0:
            self._pair_open = False
        return self._pair_open

    # --- IRQ: store and signal only ----------------------------------------------------
    def _irq(self, event, data):
        if event == _IRQ_CENTRAL_CONNECT:
            self.conn = data[0]
            self.mtu = 23
            self.encrypted = False
            self.authenticated = False
            self.bonded = False
            # The central's identity address as NimBLE keys its secrets: the type byte, then
            # the address LSB first (the IRQ gives it MSB first). Copied: `data` is not ours.
            a = data[2]
            k = bytearray(7)
            k[0] = data[1]
            for i in range(6):
                k[1 + i] = a[5 - i]
            self._peer = bytes(k)
            self._connected_at = ticks_ms()
            self._mtu_asked = False
            self.streams = 0
            self.ring.clear()
            for i in range(_RECENT):
                self._recent_len[i] = 0
        elif event == _IRQ_CENTRAL_DISCONNECT:
            if data[0] == self.conn:
                # The ring keeps the unsent frames: the runtime moves them to the flash log
                # (take_unsent) so that a link drop loses nothing the log policy would keep.
                self.conn = None
                self.encrypted = False
                self.authenticated = False
                self._peer = None
                self.streams = 0
                self.advertise()
        elif event == _IRQ_GATTS_WRITE:
            if data[1] == self.h_control and len(self.commands) < _MAX_COMMANDS:
                self.commands.append((self, self.ble.gatts_read(self.h_control)))
        elif event == _IRQ_MTU_EXCHANGED:
            if data[0] == self.conn:
                self.mtu = data[1]
        elif event == _IRQ_ENCRYPTION_UPDATE:
            if data[0] == self.conn:
                self.encrypted = bool(data[1])
                self.authenticated = bool(data[2])
                self.bonded = bool(data[3])
        elif event == _IRQ_PASSKEY_ACTION:
            conn, action, passkey = data
            if action == _PASSKEY_NUMERIC_COMPARISON:
                ok = self.pairing_open(ticks_ms())
                if not ok:
                    self.refused_pairings += 1
                self.ble.gap_passkey(conn, action, 1 if ok else 0)
            else:
                self.refused_pairings += 1
                self.ble.gap_passkey(conn, action, 0)
        elif event == _IRQ_SET_SECRET:
            return self._set_secret(data[0], data[1], data[2])
        elif event == _IRQ_GET_SECRET:
            return self._get_secret(data[0], data[1], data[2])
        return None

    # --- bonds ---------------------------------------------------------------------------
    def _set_secret(self, sec_type, key, value):
        key = bytes(key)
        if sec_type == _SEC_OUR or sec_type == _SEC_PEER:
            if value is None:
                self._forget(key)
            else:
                if key in self._order:
                    self._order.remove(key)
                elif len(self._order) >= _MAX_BONDS:
                    self._forget(self._order[0])  # the least recently bonded peer, whole
                self._order.append(key)
                self._secrets[(sec_type, key)] = bytes(value)
                if self.conn is not None:
                    # A bond (re)made on this link: it unlocks writes only if made in the window.
                    self._peer = key
                    if self.pairing_open(ticks_ms()):
                        self._secrets[(_SEC_WINDOW, key)] = b"\x01"
                    else:
                        self._secrets.pop((_SEC_WINDOW, key), None)
        elif value is None:
            self._secrets.pop((sec_type, key), None)
        else:
            self._secrets[(sec_type, key)] = bytes(value)
        self._bonds_dirty = True
        return True

    def _forget(self, key):
        # Every entry of one peer's bond (ours, theirs, the window mark), never the IRK.
        for t in (_SEC_OUR, _SEC_PEER, _SEC_WINDOW):
            self._secrets.pop((t, key), None)
        if key in self._order:
            self._order.remove(key)

    def _get_secret(self, sec_type, index, key):
        if key is None:
            # NimBLE iterates with index 0, 1, ... until None (ble_store_iterate).
            i = 0
            for k in self._order:
                v = self._secrets.get((sec_type, k))
                if v is not None:
                    if i == index:
                        return v
                    i += 1
            if sec_type != _SEC_OUR and sec_type != _SEC_PEER:
                for (t, _k), v in self._secrets.items():
                    if t == sec_type:
                        if i == index:
                            return v
                        i += 1
            return None
        # (A lookup says nothing about which peer is connected: NimBLE also reads other
        # peers' bonds, so the link's key comes from CENTRAL_CONNECT and its own pairing.)
        return self._secrets.get((sec_type, bytes(key)), None)

    def save_bonds(self):
        """Write the bond keys if they changed (temp file + rename; blesetup.py). From a task,
        not an IRQ."""
        if not self._bonds_dirty:
            return False
        return lazy.use("blesetup").save_bonds(self)

    @property
    def bond_count(self):
        """Bonded peers (each is two secrets on NimBLE)."""
        return len(self._order)

    # --- values --------------------------------------------------------------------------
    def set_status(self, frame_mv):
        """The status characteristic holds the latest STATUS frame; subscribers are notified.
        Written while no central is connected too: a central that reads it at once after
        connecting, before the app has seen the link, gets a frame and not an empty value
        (MicroPython's gatts_set_buffer empties it)."""
        self._status = frame_mv
        if self.radio_on:  # else written when the radio is on again (_start)
            self.ble.gatts_write(self.h_status, frame_mv, True)

    def set_battery(self, pct):
        """Battery Level (0..100 %); subscribers are notified when it changes."""
        if pct != self._battery:
            self._battery = pct
            if self.radio_on:  # else written when the radio is on again (_start)
                self.ble.gatts_write(self.h_battery, bytes((pct if pct <= 100 else 0,)), True)

    def take_unsent(self, sink):
        """After a disconnect: hand the data frames (IMU, QUAT, STATUS, EVENT) of the last
        _RECENT notifications and then every queued one to sink(view), oldest first, and empty
        the queue; returns how many. Answers (ACK, ERR, INFO, LOG_CHUNK) are not kept."""
        n_frames = 0
        for k in range(_RECENT):
            i = (self._recent_i + k) % _RECENT
            n = self._recent_len[i]
            if n:
                n_frames += _frames_to(sink, self._recent, self._recent_mv, i * _MTU, n)
                self._recent_len[i] = 0
        ring = self.ring
        while ring.used:
            off, n = ring.run()
            n_frames += _frames_to(sink, ring.buf, ring.mv, off, n)
            ring.drop(n)
        ring.clear()
        return n_frames

    def _ask_mtu(self, conn):
        # A central that never exchanges the MTU (some Android and BlueZ setups) leaves 20-byte
        # notifications: the board asks itself (BLE.gattc_exchange_mtu, MicroPython docs; it
        # uses the MTU set with config(mtu=...)); _IRQ_MTU_EXCHANGED follows.
        self._mtu_asked = True
        try:
            self.ble.gattc_exchange_mtu(conn)
        except (OSError, AttributeError):
            pass  # EALREADY, a build without the GATT client, or the link is going away

    # --- streaming -----------------------------------------------------------------------
    def put(self, frame, n=-1):
        """Queue one whole frame, frame[0:n] (all of it if n < 0; exactly-sized buffers are
        copied without allocating)."""
        if self.conn is None:
            return False
        if self.ring.put(frame, n):
            return True
        self.lost += 1
        return False

    async def send(self, buf, n):
        """Queue buf[0:n] (a command answer), waiting while the ring is full; False if the
        link went away or stayed full for SEND_WAIT_MS."""
        waited = 0
        while self.conn is not None and waited < _SEND_WAIT_MS:
            if self.ring.put(buf, n):
                return True
            await sleep_ms(_MIN_GAP_MS)
            waited += _MIN_GAP_MS
        return False

    def pump(self, t_ms):
        """Send at most one notification of whole frames if the rate allows; returns the bytes
        sent (0: nothing to send, too soon, or back-pressure: the data stays queued)."""
        ring = self.ring
        conn = self.conn  # once: an IRQ may clear self.conn before gatts_notify below
        if conn is None:
            return 0
        if not self._mtu_asked and self.mtu == 23 and \
                ticks_diff(t_ms, self._connected_at) >= _MTU_ASK_MS:
            self._ask_mtu(conn)
        if ring.used == 0:
            return 0
        gap = self.gap_ms
        if ticks_diff(t_ms, self._last_notify) < gap:
            return 0
        off, avail = ring.run()
        n = pack_length(ring.buf, off, avail, self.limit())
        if n == 0:
            # A frame larger than one notification cannot be sent whole: drop it, counted.
            n = 10 + (ring.buf[off + 2] | (ring.buf[off + 3] << 8))
            ring.drop(n)
            self.lost += 1
            return 0
        view = ring.mv[off:off + n]
        try:
            self.ble.gatts_notify(conn, self.h_data, view)
        except OSError as e:
            # ENOMEM: the stack's buffers are full. Anything else (the link is going away):
            # the disconnect IRQ follows. Either way the frames stay queued.
            if e.args and e.args[0] == errno.ENOMEM:
                self.retried += 1
            else:
                self.notify_errors += 1
            self._last_notify = t_ms
            return 0
        # Keep the average spacing at gap_ms although the link task pumps on a 10 ms grid:
        # while busy, the next slot is counted from the previous slot, not from now.
        if ticks_diff(t_ms, self._last_notify) < 2 * gap:
            self._last_notify = ticks_add(self._last_notify, gap)
        else:
            self._last_notify = t_ms
        i = self._recent_i
        self._recent[i * _MTU:i * _MTU + n] = view
        self._recent_len[i] = n
        self._recent_i = (i + 1) % _RECENT
        ring.drop(n)
        self.notified += 1
        return n


def _frames_to(sink, buf, mv, off, n):
    # The data frames (types 2..5) among the whole frames at buf[off:off+n], to sink(view).
    count = 0
    p = off
    end = off + n
    while p + 10 <= end:
        size = 10 + (buf[p + 2] | (buf[p + 3] << 8))
        if 2 <= buf[p + 1] <= 5 and sink is not None:
            sink(mv[p:p + size])
            count += 1
        p += size
    return count
