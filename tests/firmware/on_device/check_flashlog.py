# Checks for firmware/flashlog.py: session logs on the filesystem (CPython and MicroPython).
import json
import os

import checkenv
import flashlog
import frames
import frametools
import kyrfile
import logread

_BLOCK = 4096


class _Disk:
    """statvfs() of a small flash: `capacity` bytes minus the files in `root`, each rounded up
    to whole 4 KiB blocks as LittleFS stores them."""

    def __init__(self, root, capacity):
        self.root = root
        self.capacity = capacity
        self.calls = 0

    def used(self):
        u = 0
        for name in os.listdir(self.root):
            size = os.stat(self.root + "/" + name)[6]
            u += (size + _BLOCK - 1) // _BLOCK * _BLOCK
        return u

    def __call__(self, path):
        self.calls += 1
        free = (self.capacity - self.used()) // _BLOCK
        if free < 0:
            free = 0
        return (_BLOCK, _BLOCK, self.capacity // _BLOCK, free, free, 0, 0, 0, 0, 255)


_FRAME = bytearray(frametools.MAX_FRAME)


def _imu_frame(seq, count=10):
    """An IMU frame of `count` samples with recognisable values; returns its bytes."""
    samples = [0] * (6 * count)
    for i in range(6 * count):
        samples[i] = (seq * 7 + i * 13) % 30000 - 15000
    end = frametools.put_imu(_FRAME, 0, seq, seq * 96150, 9615385, 0, samples, count)
    return bytes(_FRAME[:end])


def _event_frame(seq):
    end = frames.put_event(_FRAME, 0, seq, seq * 1000, 6, 0, seq)
    return bytes(_FRAME[:end])


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def _records(data):
    """(header dict, [frame bytes], torn_at or -1) of a .kyr file's bytes."""
    a, b = kyrfile.parse_header(data)
    header = json.loads(bytes(data[a:b]))
    off = b + 4
    out = []
    torn = -1
    while off < len(data):
        try:
            host_us, n, nxt = kyrfile.parse_record(data, off)
        except kyrfile.KyrError as e:
            assert "torn" in str(e), str(e)
            torn = off
            break
        assert host_us == -1
        out.append(bytes(data[off + 8:off + 8 + n]))
        off = nxt
    return header, out, torn


def _seq(frame):
    return frame[4] | (frame[5] << 8)


def check_policy():
    assert flashlog.should_log("always", True)
    assert flashlog.should_log("always", False)
    assert flashlog.should_log("disconnected", False)
    assert not flashlog.should_log("disconnected", True)
    assert not flashlog.should_log("never", False)


def check_session_file_holds_the_exact_frames():
    root = checkenv.tmpdir("check_flashlog") + "/logs"
    log = flashlog.FlashLog(root, 512 * 1024, 64 * 1024)
    assert not log.append(_imu_frame(0))  # no session yet
    info = {"board": 1, "name": "kyphos-test"}
    log.start(info)
    assert os.listdir(root) == []  # the file appears with the first frame
    sent = [_imu_frame(s) for s in range(5, 25)] + [_event_frame(25)]
    for fr in sent:
        assert log.append(memoryview(fr))
    log.stop()
    assert log.ids() == [1]
    header, got, torn = _records(_read(root + "/00001.kyr"))
    assert got == sent
    assert torn == -1
    assert header["source"] == "flash" and header["format"] == "kyr" and header["version"] == 1
    assert header["device"] == info
    assert header["session"] == 1 and header["part"] == 1 and header["seq_first"] == 5


def check_rotation_by_size_keeps_seq_continuous():
    root = checkenv.tmpdir("check_flashlog") + "/logs"
    log = flashlog.FlashLog(root, 16 * 1024, 16 * 1024)
    log.start(None)
    for s in range(300):
        assert log.append(_imu_frame(s))
    log.stop()
    ids = log.ids()
    assert len(ids) >= 3, ids
    seqs = []
    for part, i in enumerate(ids):
        data = _read(f"{root}/{i:05d}.kyr")
        assert len(data) <= 16 * 1024
        header, got, torn = _records(data)
        assert torn == -1
        assert header["session"] == ids[0] and header["part"] == part + 1
        assert header["seq_first"] == _seq(got[0])
        seqs.extend([_seq(f) for f in got])
    assert seqs == list(range(300))


def check_new_boot_starts_a_new_file_and_old_ones_are_closed():
    root = checkenv.tmpdir("check_flashlog") + "/logs"
    a = flashlog.FlashLog(root)
    a.start()
    a.append(_event_frame(1))
    # power cut: `a` is never closed. The next boot:
    b = flashlog.FlashLog(root)
    b.start()
    b.append(_event_frame(1))
    assert b.log_id == 2
    entries = logread.entries(b)
    assert [(e["id"], e["closed"], e["session"]) for e in entries] == [(1, True, 1), (2, False, 2)]
    assert entries[1]["size"] == len(_read(root + "/00002.kyr"))


def check_flash_full_stops_cleanly_with_flag():
    root = checkenv.tmpdir("check_flashlog") + "/logs"
    disk = _Disk(root, 256 * 1024)
    reserve = 64 * 1024
    log = flashlog.FlashLog(root, 48 * 1024, reserve, 0, disk)
    log.start()
    written = 0
    for s in range(5000):
        if not log.append(_imu_frame(s, 40)):
            break
        written += 1
    assert log.full
    assert 0 < written < 5000
    assert not log.append(_imu_frame(9999))  # stays stopped
    assert log.free_bytes() < 1100
    # The reserve is kept (to the block), and every file is whole: no torn record.
    assert disk.capacity - disk.used() >= reserve - _BLOCK
    seqs = []
    for i in log.ids():
        header, got, torn = _records(_read(f"{root}/{i:05d}.kyr"))
        assert torn == -1
        seqs.extend([_seq(f) for f in got])
    assert seqs == list(range(written))
    # Erasing makes room; the session goes on in a new file.
    assert logread.erase_all(log) >= 1
    assert not log.full
    assert log.append(_imu_frame(written))
    assert log.ids() == [log.log_id]


def check_free_space_is_asked_rarely():
    root = checkenv.tmpdir("check_flashlog") + "/logs"
    disk = _Disk(root, 4 * 1024 * 1024)
    log = flashlog.FlashLog(root, 1024 * 1024, 64 * 1024, 0, disk)
    log.start()
    calls = disk.calls
    for s in range(400):
        log.append(_imu_frame(s))  # 400 x 142 bytes = 57 KB
    assert disk.calls - calls <= 5, disk.calls - calls


def check_power_cut_mid_write_loses_at_most_the_last_frame():
    root = checkenv.tmpdir("check_flashlog") + "/logs"
    log = flashlog.FlashLog(root)
    log.start()
    sent = []
    for s in range(60):
        fr = _imu_frame(s, 1 + s % 20) if s % 3 else _event_frame(s)
        sent.append(fr)
        log.append(fr)
    log.stop()
    data = _read(root + "/00001.kyr")
    header, _, _ = _records(data)
    ends = []  # where each record ends
    off = len(kyrfile.header_bytes(json.dumps(header)))
    for fr in sent:
        off += len(fr) + 12
        ends.append(off)
    assert ends[-1] == len(data)
    x = 12345
    for _ in range(40):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        cut = ends[0] - 20 + x % (len(data) - ends[0] + 20)  # inside the records
        cut_path = root + "/cut.bin"
        with open(cut_path, "wb") as f:
            f.write(data[:cut])
        _, got, torn = _records(_read(cut_path))
        whole = 0
        while whole < len(ends) and ends[whole] <= cut:
            whole += 1
        assert got == sent[:whole], (cut, len(got), whole)  # every whole record survives
        assert (torn == -1) == (cut in ends or cut == ends[-1])
        os.remove(cut_path)


def check_read_chunks_reassemble_the_file():
    root = checkenv.tmpdir("check_flashlog") + "/logs"
    log = flashlog.FlashLog(root)
    log.start()
    for s in range(30):
        log.append(_imu_frame(s))
    size = log.size(1)
    buf = bytearray(200)
    got = bytearray()
    off = 0
    while True:
        n = logread.read_chunk(log, 1, off, buf, 10, 150)  # open file: still being written
        if n == 0:
            break
        assert n <= 150
        got.extend(buf[10:10 + n])
        off += n
    assert len(got) == size
    log.stop()
    assert bytes(got) == _read(root + "/00001.kyr")
    assert logread.read_chunk(log, 1, size + 5, buf) == 0
    try:
        logread.read_chunk(log, 7, 0, buf)
        raise AssertionError("read of a missing log")
    except OSError:
        pass


def check_incremental_download_of_the_open_log():
    root = checkenv.tmpdir("check_flashlog") + "/logs"
    log = flashlog.FlashLog(root)
    log.start()
    buf = bytearray(4096)
    have = bytearray()
    for batch in range(4):
        for s in range(batch * 10, batch * 10 + 10):
            log.append(_imu_frame(s))
        n = logread.read_chunk(log, 1, len(have), buf)  # only the new bytes
        have.extend(buf[:n])
        _, got, torn = _records(have)
        assert torn == -1 and len(got) == batch * 10 + 10


def check_erase_one_and_all():
    root = checkenv.tmpdir("check_flashlog") + "/logs"
    log = flashlog.FlashLog(root, 8 * 1024)
    log.start()
    for s in range(150):
        log.append(_imu_frame(s))
    ids = log.ids()
    assert len(ids) >= 2
    logread.erase(log, ids[0])
    assert log.ids() == ids[1:]
    try:
        logread.erase(log, 999)
        raise AssertionError("erased a missing log")
    except OSError:
        pass
    assert logread.erase_all(log) == len(ids) - 1
    assert log.ids() == []
    assert log.append(_imu_frame(150))  # the session goes on


def check_write_error_sets_full_and_keeps_the_file():
    root = checkenv.tmpdir("check_flashlog") + "/logs"
    log = flashlog.FlashLog(root)
    log.start()
    assert log.append(_imu_frame(0))

    class _Broken:
        def __init__(self, f):
            self.f = f

        def write(self, b):
            raise OSError(28)  # ENOSPC

        def flush(self):
            pass

        def close(self):
            self.f.close()

    log._file = _Broken(log._file)
    assert not log.append(_imu_frame(1))
    assert log.full and log.errors == 1
    _, got, torn = _records(_read(root + "/00001.kyr"))
    assert len(got) == 1 and torn == -1


def check_sync_interval_mode_still_reads_back():
    root = checkenv.tmpdir("check_flashlog") + "/logs"
    log = flashlog.FlashLog(root, 512 * 1024, 64 * 1024, 1000)
    log.start()
    for s in range(20):
        log.append(_imu_frame(s))
    buf = bytearray(8192)
    n = logread.read_chunk(log, 1, 0, buf)  # flushes first
    _, got, torn = _records(buf[:n])
    assert len(got) == 20 and torn == -1


def _append_allocation(sync_ms, what):
    """Heap bytes per append after warm-up (file open, view cache), on MicroPython."""
    root = checkenv.tmpdir("check_flashlog") + "/logs"
    log = flashlog.FlashLog(root, 4 * 1024 * 1024, 16 * 1024, sync_ms)
    log.start()
    fr = [memoryview(_imu_frame(s)) for s in range(64)]
    for s in range(64):
        log.append(fr[s])
    state = [0]

    def step():
        log.append(fr[state[0] & 63])
        state[0] += 1

    per = checkenv.alloc_per_call(step, 256)
    if per is not None:
        print("flashlog.append allocation (%s):" % what, per, "bytes per frame")
        # Only the CRC-32 result allocates: an int >= 2**30 is a heap object on 32-bit ports
        # (and, in block mode, one small view per 4 KiB block).
        assert per <= 40, per


def check_append_allocation_per_frame():
    _append_allocation(0, "sync every frame")


def check_block_mode_allocation_per_frame():
    _append_allocation(60000, "block mode")


def check_list_gives_seq_ranges_of_open_closed_and_torn_logs():
    root = checkenv.tmpdir("check_flashlog") + "/logs"
    log = flashlog.FlashLog(root, 6 * 1024)
    log.start()
    for s in range(100, 200):
        log.append(_imu_frame(s))
    entries = logread.entries(log)
    assert len(entries) >= 3
    assert entries[0]["seq_first"] == 100 and entries[-1]["seq_last"] == 199
    for a, b in zip(entries, entries[1:]):
        assert b["seq_first"] == a["seq_last"] + 1
    assert not entries[-1]["closed"] and entries[0]["closed"]
    # A fresh boot scans the files it did not write; a torn tail ends at the last whole record.
    last = entries[-1]
    path = f"{root}/{last['id']:05d}.kyr"
    data = _read(path)
    with open(path, "wb") as f:
        f.write(data[:-7])
    again = logread.entries(flashlog.FlashLog(root, 6 * 1024))
    assert [(e["seq_first"], e["seq_last"]) for e in again[:-1]] == \
        [(e["seq_first"], e["seq_last"]) for e in entries[:-1]]
    assert again[-1]["seq_last"] == 198
    assert all(e["closed"] for e in again)
    assert again[-1]["session"] == entries[0]["id"] and again[-1]["part"] == len(entries)
    # a log with only a header (power cut before its first record was flushed)
    with open(f"{root}/{last['id'] + 1:05d}.kyr", "wb") as f:
        f.write(data[:len(kyrfile.header_bytes(json.dumps({"a": 1})))])  # garbage-ish head
    more = logread.entries(flashlog.FlashLog(root, 6 * 1024))
    assert more[-1]["seq_last"] is None


def check_built_from_config_values():
    import config

    v = config.defaults()
    v["log_max_file_kb"] = 16
    v["log_reserve_kb"] = 32
    v["log_sync_ms"] = 500
    root = checkenv.tmpdir("check_flashlog") + "/logs"
    log = flashlog.FlashLog.from_config(v, root)
    assert (log.max_file_bytes, log.reserve_bytes, log.sync_ms) == (16384, 32768, 500)
    v["log_max_file_kb"] = 64
    v["log_sync_ms"] = 0
    log.configure_from(v)
    assert (log.max_file_bytes, log.sync_ms) == (65536, 0)


class _SyncLog:
    """An opener for FlashLog that records the file's size at every flush (a LittleFS sync)."""

    def __init__(self):
        self.syncs = []
        self.writes = 0

    def __call__(self, path, mode):
        rec = self

        class _F:
            def __init__(self):
                self.f = open(path, mode)
                self.size = 0

            def write(self, b):
                rec.writes += 1
                n = self.f.write(b)
                self.size += n
                return n

            def flush(self):
                self.f.flush()
                rec.syncs.append(self.size)

            def close(self):
                self.f.close()

        return _F()


def check_block_mode_syncs_only_at_block_boundaries():
    # LittleFS copies a synced partial block on the next append: syncs must land on 4 KB.
    root = checkenv.tmpdir("check_flashlog") + "/logs"
    rec = _SyncLog()
    log = flashlog.FlashLog(root, 4 * 1024 * 1024, 16 * 1024, 60000, opener=rec)
    log.start()
    for s in range(300):
        assert log.append(_imu_frame(s))
    assert len(rec.syncs) >= 9, rec.syncs  # ~45 KB of frames
    assert all(n % _BLOCK == 0 for n in rec.syncs), rec.syncs
    assert rec.writes == len(rec.syncs)  # one write per block, not one per frame
    # A power cut now keeps the synced blocks: whole records up to there, then a torn tail.
    _, got, torn = _records(_read(root + "/00001.kyr"))
    assert 0 < len(got) < 300 and [_seq(f) for f in got] == list(range(len(got)))
    log.stop()  # writes the last, partial block
    assert rec.syncs[-1] % _BLOCK != 0
    _, got, torn = _records(_read(root + "/00001.kyr"))
    assert len(got) == 300 and torn == -1


def check_block_mode_partial_sync_after_sync_ms_then_back_on_the_grid():
    import time

    root = checkenv.tmpdir("check_flashlog") + "/logs"
    rec = _SyncLog()
    log = flashlog.FlashLog(root, 4 * 1024 * 1024, 16 * 1024, 1, opener=rec)
    log.start()
    assert log.append(_imu_frame(0))
    time.sleep_ms(5) if hasattr(time, "sleep_ms") else time.sleep(0.005)
    assert log.append(_imu_frame(1))  # older than sync_ms: written and synced, off the grid
    assert rec.syncs and rec.syncs[-1] % _BLOCK != 0
    log.sync_ms = 60000
    s = 2
    while len(rec.syncs) < 3:
        assert log.append(_imu_frame(s))
        s += 1
    assert rec.syncs[-2] == _BLOCK and rec.syncs[-1] == 2 * _BLOCK, rec.syncs
    log.flush()
    _, got, torn = _records(_read(root + "/00001.kyr"))
    assert [_seq(f) for f in got] == list(range(s)) and torn == -1

