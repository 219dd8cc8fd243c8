# ruff: noqa: UP031
# Checks for firmware/ble.py without a radio: the frame ring, packing whole frames into
# notifications, ENOMEM back-pressure (kept and retried, never dropped), the 20/s ceiling,
# advertising payloads, the pairing window, bond keys on flash (and a power cut while saving).
import errno
import json

import ble
import blesetup
import checkenv
import frames
import frametools


class _UUID:
    def __init__(self, v):
        self.v = v


class _BLE:
    """Stands in for bluetooth.BLE(): records what the peripheral does."""

    def __init__(self):
        self.notified = []
        self.enomem = 0  # the next n gatts_notify calls raise ENOMEM
        self.values = {}
        self.adv = None
        self.passkeys = []
        self.handler = None
        self.cfg = {}

    def active(self, *a):
        return True

    def config(self, *a, **kw):
        if a:
            return (0, b"\x24\x0a\xc4\x3a\x4f\x01")
        self.cfg.update(kw)

    def irq(self, h):
        self.handler = h

    def gatts_register_services(self, services):
        h = 1
        out = []
        for _uuid, chars in services:
            hs = []
            for _c in chars:
                hs.append(h)
                h += 2
            out.append(tuple(hs))
        return tuple(out)

    def gatts_set_buffer(self, h, n, append=False):
        pass

    def gatts_write(self, h, data, send_update=False):
        self.values[h] = bytes(data)

    def gatts_read(self, h):
        return self.values.get(h, b"")

    def gap_advertise(self, interval_us, adv_data=None, resp_data=None, connectable=True):
        self.adv = (bytes(adv_data), bytes(resp_data))

    def gatts_notify(self, conn, h, data):
        if self.enomem > 0:
            self.enomem -= 1
            raise OSError(errno.ENOMEM)
        self.notified.append(bytes(data) if isinstance(self.notified, list) else data)

    def gap_passkey(self, conn, action, passkey):
        self.passkeys.append((action, passkey))


def _peripheral(root=None):
    root = root or checkenv.tmpdir("check_ble")
    radio = _BLE()
    p = ble.Peripheral(radio, "kyphos-4F01", root + "/bonds.json", ble.Ring(4096), "0.1.0",
                       uuid=_UUID)
    return p, radio, root


def _connect(p, mtu=247):
    p._irq(1, (0, 0, b"\x00" * 6))
    p._irq(21, (0, mtu))


def _frame(seq, count):
    buf = bytearray(16 + 12 * count)
    frametools.put_imu(buf, 0, seq, 0, 9615385, 0, [seq & 0x7FFF] * (6 * count), count)
    return buf


def _split(data):
    out = []
    off = 0
    while off < len(data):
        typ, length, seq, _ = frames.parse_header(data, off)
        out.append(seq)
        off += 10 + length
    return out


def check_advertising_fits_31_bytes_name_in_scan_response():
    p, radio, _ = _peripheral()
    adv, resp = radio.adv
    assert len(adv) <= 31 and len(resp) <= 31
    assert adv[:3] == b"\x02\x01\x06" and adv[4] == 0x07 and adv[5:21] == blesetup.uuid_le(blesetup.SERVICE_UUID)
    assert adv[5] == 0x73 and adv[20] == 0x6B  # 6b790001-...-6b7970686f73, little-endian
    assert resp == b"\x0c\x09kyphos-4F01"
    assert blesetup.default_name(b"\x24\x0a\xc4\x3a\x4f\x01") == "kyphos-4F01"
    assert radio.cfg["mtu"] == 256 and radio.cfg["le_secure"] and radio.cfg["bond"]


def check_ring_keeps_records_whole_across_the_wrap():
    r = ble.Ring(100)
    seen = []
    nxt = 0
    for rnd in range(60):
        size = 10 + (rnd * 7) % 31
        rec = bytes([rnd]) * size
        if r.put(rec):
            seen.append(rec)
        off, n = r.run()
        # The run at the tail starts with the oldest record, whole.
        if n:
            first = seen[nxt]
            assert bytes(r.buf[off:off + len(first)]) == first
            if rnd % 3 == 0:
                r.drop(len(first))
                nxt += 1
    assert r.full_count > 0  # it filled up and refused, never overwrote
    while r.used:
        off, n = r.run()
        first = seen[nxt]
        assert bytes(r.buf[off:off + len(first)]) == first
        r.drop(len(first))
        nxt += 1
    assert nxt == len(seen)


def check_notifications_carry_whole_frames_up_to_the_mtu():
    p, radio, _ = _peripheral()
    _connect(p, 185)
    t = 0
    for seq in range(12):
        assert p.put(_frame(seq, 7))  # 100-byte frames: one per 182-byte notification
    while p.ring.used:
        t += 50
        p.pump(t)
    assert [len(x) for x in radio.notified] == [100] * 12
    radio.notified = []
    p._irq(21, (0, 247))
    for seq in range(12):
        p.put(_frame(seq, 7))
    while p.ring.used:
        t += 50
        p.pump(t)
    assert [len(x) for x in radio.notified] == [200] * 6  # two whole frames per 244 bytes
    got = []
    for x in radio.notified:
        got.extend(_split(x))
    assert got == list(range(12))


def check_enomem_keeps_the_data_and_retries():
    p, radio, _ = _peripheral()
    _connect(p)
    for seq in range(30):
        assert p.put(_frame(seq, 3))
    radio.enomem = 25
    t = 0
    while p.ring.used:
        t += 50
        p.pump(t)
    assert p.retried == 25 and p.lost == 0
    got = []
    for x in radio.notified:
        got.extend(_split(x))
    assert got == list(range(30))


def check_at_most_22_notifications_per_second():
    p, radio, _ = _peripheral()
    _connect(p)
    for seq in range(40):
        p.put(_frame(seq, 15))  # 196 bytes: one frame per notification
    sent_at = []
    for t in range(0, 1000, 5):  # pumped every 5 ms for one second
        if p.pump(t):
            sent_at.append(t)
    assert 20 <= len(sent_at) <= 23, sent_at
    for a, b in zip(sent_at, sent_at[1:]):
        assert b - a >= 45


def check_full_ring_counts_lost_frames():
    p, radio, _ = _peripheral()
    _connect(p)
    n = 0
    while p.put(_frame(n, 15)):
        n += 1
    assert p.lost == 1 and n == 4096 // 196
    assert p.put(_frame(0, 1)) and p.lost == 1  # a small frame still fits the room left


def check_a_dropped_link_hands_its_frames_to_the_log():
    p, radio, _ = _peripheral()
    assert not p.put(_frame(0, 1)) and p.ring.used == 0  # nothing queued while disconnected
    _connect(p)
    for seq in range(1, 12):
        p.put(_frame(seq, 15))  # one frame per notification
    ack = bytearray(20)
    n = frames.put_ack(ack, 0, 0, 0, 1, 1)
    p.put(ack, n)  # answers are not kept for the log
    t = 0
    for _ in range(9):  # frames 1..9 notified (maybe not delivered), 10, 11 still queued
        t += 50
        p.pump(t)
    radio.adv = None
    p._irq(2, (0, 0, b"\x00" * 6))
    assert not p.connected and radio.adv is not None  # advertising again
    got = []
    assert p.take_unsent(lambda v: got.append(frames.parse_header(v)[2])) == 10
    # The last RECENT (8) notifications, then the queue; the host drops duplicates by seq.
    assert got == list(range(2, 12)), got
    assert p.ring.used == 0 and p.take_unsent(None) == 0


def check_put_and_pump_bookkeeping_allocate_nothing():
    r = ble.Ring(4096)
    f = _frame(1, 10)

    n = len(f)

    def cycle():
        r.put(f)
        r.drop(n)

    per = checkenv.alloc_per_call(cycle)
    print("ring put+drop: %s bytes per frame" % per)
    assert per is None or per == 0, per


def check_pairing_window_and_secure_links():
    p, radio, _ = _peripheral()
    _connect(p)
    assert not p.trusted()
    p._irq(31, (0, 4, 123456))  # numeric comparison with the window closed: refused
    assert radio.passkeys[-1] == (4, 0) and p.refused_pairings == 1
    p.open_pairing(1000)
    assert p.pairing_open(1000 + 59999)
    import time

    p.open_pairing(time.ticks_ms())
    p._irq(31, (0, 4, 123456))
    assert radio.passkeys[-1] == (4, 1)
    p._irq(28, (0, True, True, True, 16))
    assert p.trusted() and p.encrypted
    assert not p.pairing_open(time.ticks_add(time.ticks_ms(), 60001))
    p._irq(31, (0, 3, 0))  # passkey display: no display, refused
    assert radio.passkeys[-1] == (3, 0)


def check_bond_keys_survive_a_reboot_and_a_torn_save():
    p, radio, root = _peripheral()
    assert p._irq(30, (2, b"peerA", b"keys-of-A")) is True
    p._irq(30, (2, b"peerB", b"keys-of-B"))
    assert p.save_bonds() and not p.save_bonds()  # written once, then nothing changed
    q, _, _ = _peripheral(root)  # a reboot: the keys come back from flash
    assert q._irq(29, (2, 0, b"peerA")) == b"keys-of-A"
    assert q._irq(29, (2, 1, None)) in (b"keys-of-A", b"keys-of-B")
    assert q._irq(29, (2, 5, None)) is None
    q._irq(30, (2, b"peerA", None))  # deleted by the stack
    q.save_bonds()
    with open(root + "/bonds.json") as f:
        assert len(json.loads(f.read())) == 1
    # A power cut while saving leaves a torn temp file: the last complete file is used.
    with open(root + "/bonds.json.tmp", "w") as f:
        f.write('[[2, "70')
    r, _, _ = _peripheral(root)
    assert r._irq(29, (2, 0, b"peerB")) == b"keys-of-B"
    # A damaged bonds file is not fatal: no bonds, pair again.
    with open(root + "/bonds.json", "w") as f:
        f.write('[[2, "zz", 1')
    s, _, _ = _peripheral(root)
    assert s.bond_count == 0


def check_control_writes_are_queued_as_commands():
    p, radio, _ = _peripheral()
    _connect(p)
    for i in range(6):
        radio.values[p.h_control] = bytes((i,))
        p._irq(3, (0, p.h_control))
    assert [c[1] for c in p.commands] == [b"\x00", b"\x01", b"\x02", b"\x03"]  # bounded queue
    assert p.commands[0][0] is p


def check_notify_cost_per_notification():
    # The link task (not the sample path) allocates a little per notification: the (offset,
    # length) tuple and the memoryview handed to gatts_notify. Measured and bounded here.
    p, radio, _ = _peripheral()
    _connect(p)
    f = _frame(1, 15)
    radio.notified = None  # drop what is "sent"

    class _Drop:
        def append(self, x):
            pass

    radio.notified = _Drop()
    t = [0]

    def one():
        p.put(f)
        t[0] += 50
        p.pump(t[0])

    per = checkenv.alloc_per_call(one)
    if per is not None:
        print("BLE put + notify: %.1f bytes per notification" % per)
    assert per is None or per <= 64, per
