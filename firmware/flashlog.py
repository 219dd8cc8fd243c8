# On-flash session logs: the protocol's exact frame bytes in .kyr files (source "flash",
# host_us = -1 on every record; docs/protocol.md section 5), in kyrfile's format. kyrfile
# itself (the reader, and the header writer) is imported only when a file opens (lazy.py):
# the record path needs just binascii.crc32.
#
# API for the runtime:
#   log = FlashLog("/logs", max_file_bytes, reserve_bytes)   # or FlashLog.from_config(...)
#   should_log(cfg["log_policy"], connected)   # whether frames go to the log now
#   log.start(info)         # begin a new session (one per boot or per START); `info` is the
#                           # INFO fields dict for the header, or None. The file itself is
#                           # created at the first append, so an idle boot leaves no empty log.
#   ok = log.append(frame_mv)  # one whole frame (memoryview/bytes). False when it was not
#                           # written: no session, or the log is full (log.full -> STATUS
#                           # flags bit1 "log full"); logging then stops cleanly until erase().
#   log.stop()              # close the session's file
#   log.size(log_id)        # bytes in a log; OSError if there is none
#   logread.entries(log) / read_chunk(log, ...) / erase(log, log_id) / erase_all(log): the
#                           # command side (LOG_LIST, LOG_READ, LOG_ERASE), a module of its own
#                           # that the board imports for those commands only (lazy.py)
#   log.free_bytes()        # for STATUS log_free_bytes (room before the reserve)
#
# Files: ROOT/NNNNN.kyr, NNNNN = log_id (1..65534, 0xFFFF means "all" in LOG_ERASE). A session
# is one or more files ("parts"): a file is closed and the next part opened when it would pass
# max_file_bytes. The header names the session (the log_id of its first part), the part number
# and the seq and t_us of its first frame, so the host picks the files a seq range needs and
# downloads them incrementally by offset.
#
# Flash wear: on LittleFS a sync freezes a file's partly written last block, and the next
# append copies it to a freshly erased block (littlefs-project/littlefs#581, #344). Syncing
# every record (~21/s at 104 Hz) would erase a 4 KB block ~75,000 times an hour and stall the
# firmware ~45 ms each time (flash writes suspend every task on the ESP32). So records are
# gathered in RAM and the file grows in whole blocks: when the gathered bytes reach the next
# 4096-byte boundary of the file, that much is written and synced at once — one block, one
# erase, no copy. A partly filled block is written and synced at the latest sync_ms after its
# first record (config log_sync_ms, default 10 s), and always on stop, flush (before sleep or
# reboot), erase and download. sync_ms = 0 writes and syncs every record (the old behaviour).
#
# Crash safety: files are only appended to and never reopened for writing after a reboot (a
# new session gets a new file). A power cut loses what was not yet synced — at most one
# block or sync_ms of records — and the reader reports a record cut at the end as a torn tail.
# host/kyphos/sim/flashfs.py models the erases and stalls; bench/bench_flash_wear.py counts them.
#
# Free space: the guard keeps reserve_bytes of the filesystem free. statvfs() allocates, so it
# is asked only at start, every _RECHECK_BYTES of logging, and when the running estimate says
# the next record would not fit. A write that fails with OSError (ENOSPC) also sets `full`.
#
# append() allocates nothing after warm-up except what kyrfile's CRC-32 result needs when it
# does not fit a small int (16 bytes for ~3 in 4 records on a 32-bit port); the allocation-free
# kyrfile.crc32_into measured ~100x slower (bench/bench_flashlog_crc.py: ~4-12 ms per record
# estimated on an ESP32, 8-25 % of a core at 21 records/s), so binascii.crc32 stays.
# tests/firmware/on_device/check_flashlog.py measures the allocation.

import json
import os
from struct import pack_into

from micropython import const

import lazy

try:
    from binascii import crc32 as _crc32
except ImportError:  # a build without binascii.crc32: kyrfile's table-driven one, same result
    from kyrfile import crc32 as _crc32

from time import ticks_diff, ticks_ms

_MAX_ID = const(65534)
_ALL = const(0xFFFF)
_MAX_RECORD = const(1046)  # 8 + 10 + 1024 + 4
_RECHECK_BYTES = const(16384)
_VIEW_CACHE = const(48)
_ROOM_CAP = const(0x10000000)  # distinct record lengths kept as ready memoryviews
_DEVICE_HOST_US = const(-1)  # kyrfile.DEVICE_HOST_US: host_us of the device's own records
_BLOCK = const(4096)  # LittleFS block on the ESP32 port: the file grows by this much per sync


def should_log(policy, connected):
    """The config's log_policy: "always", "disconnected" (only while no host receives the
    stream) or "never"."""
    if policy == "always":
        return True
    if policy == "disconnected":
        return not connected
    return False


def _is_log_name(name):
    return len(name) == 9 and name.endswith(".kyr") and name[:5].isdigit()


class FlashLog:
    def __init__(self, root="/logs", max_file_bytes=512 * 1024, reserve_bytes=64 * 1024,
                 sync_ms=0, statvfs=None, opener=None):
        self.root = root
        self.max_file_bytes = max_file_bytes
        self.reserve_bytes = reserve_bytes
        self.sync_ms = sync_ms
        self._statvfs = statvfs if statvfs is not None else os.statvfs
        self._open = opener if opener is not None else open
        self._buf = bytearray(_MAX_RECORD)
        # Records gathered for the next whole block (a record that crosses it is split).
        self._blk = bytearray(_BLOCK)
        self._bmv = memoryview(self._blk)
        self._pend = 0           # bytes gathered in _blk, not yet written
        self._pend_t = 0         # ticks_ms of the oldest gathered byte
        self._on_flash = 0       # bytes of the open file written to the filesystem
        self._mv = memoryview(self._buf)
        self._views = {}
        self._file = None
        self.log_id = 0          # id of the open file, 0 if none
        self._file_bytes = 0
        self._session = 0        # log_id of the session's first part, 0 = no session
        self._part = 0
        self._info = None
        self._pending = False    # a session was started; its next file opens on append
        self._room = 0           # bytes we may still write before the reserve (estimate)
        self._since_check = 0
        self.full = False
        self.errors = 0          # write errors (OSError) since boot
        self.records = 0         # records written since boot
        self._seq_first = None   # seq of the open file's first and last records
        self._seq_last = None
        self._closed_info = {}   # log_id -> (session, part, seq_first, seq_last), for LOG_LIST
        try:
            os.mkdir(root)
        except OSError:
            pass  # exists
        self._check_space()

    @classmethod
    def from_config(cls, values, root="/logs", statvfs=None, opener=None):
        return cls(root, values["log_max_file_kb"] * 1024, values["log_reserve_kb"] * 1024,
                   values["log_sync_ms"], statvfs, opener)

    def configure_from(self, values):
        self.flush()  # gathered records go out under the old sync rule
        self.max_file_bytes = values["log_max_file_kb"] * 1024
        self.reserve_bytes = values["log_reserve_kb"] * 1024
        self.sync_ms = values["log_sync_ms"]
        self._check_space()

    # --- space -----------------------------------------------------------------------------
    def _fs_free(self):
        st = self._statvfs(self.root)
        return st[0] * st[4]  # f_bsize * f_bavail (LittleFS reports f_frsize = f_bsize)

    def _check_space(self):
        try:
            room = self._fs_free() - self.reserve_bytes
        except OSError:
            room = 0
        # Capped so the running count stays a small int (no heap object per append) even on
        # a host filesystem with gigabytes free.
        self._room = room if room < _ROOM_CAP else _ROOM_CAP
        self._since_check = 0
        return self._room

    def free_bytes(self):
        """Room left for logging before the reserve, in bytes (0 when full)."""
        return self._room if self._room > 0 else 0

    def _set_full(self):
        self.full = True
        self._close()

    # --- names -----------------------------------------------------------------------------
    def _path(self, log_id):
        return "%s/%05d.kyr" % (self.root, log_id)

    def ids(self):
        """Existing log ids, ascending."""
        out = []
        for name in os.listdir(self.root):
            if _is_log_name(name):
                out.append(int(name[:5]))
        out.sort()
        return out

    # --- sessions --------------------------------------------------------------------------
    def start(self, info=None):
        """Begin a new session (closing the current one)."""
        self._close()
        self._session = 0
        self._part = 0
        self._info = info
        self._pending = True

    def stop(self):
        """End the session and close its file."""
        self._close()
        self._pending = False
        self._session = 0

    @property
    def active(self):
        return self._pending or self._file is not None

    def _open_next(self, frame_mv):
        ids = self.ids()
        new_id = ids[-1] + 1 if ids else 1
        if new_id > _MAX_ID:
            self.errors += 1
            self._set_full()
            return False
        if self._session == 0:
            self._session = new_id
        self._part += 1
        seq = frame_mv[4] | (frame_mv[5] << 8)
        t_us = frame_mv[6] | (frame_mv[7] << 8) | (frame_mv[8] << 16) | (frame_mv[9] << 24)
        header = {
            "format": "kyr", "version": 1, "created_utc": None, "source": "flash",
            "subject": None, "device": self._info, "host": None, "calibration": None,
            "session": self._session, "part": self._part, "seq_first": seq,
            "t_us_first": t_us,
        }
        head = lazy.use("kyrfile").header_bytes(json.dumps(header))
        if self._room < len(head) + _MAX_RECORD:
            self._check_space()
            if self._room < len(head) + _MAX_RECORD:
                self._set_full()
                return False
        try:
            f = self._open(self._path(new_id), "wb")
        except OSError:
            self.errors += 1
            self._set_full()
            return False
        self._file = f
        self.log_id = new_id
        self._seq_first = seq
        self._on_flash = 0
        self._pend = 0
        if not self._put(head, len(head)):
            return False
        self._file_bytes = len(head)
        self._room -= len(head)
        return True

    def _put(self, data, n):
        """Append n bytes to the open file through the block gatherer; False on a write error
        (the log is then full and closed)."""
        f = self._file
        try:
            if self.sync_ms == 0:
                f.write(data)
                f.flush()
                self._on_flash += n
                return True
            p = self._pend
            if p == 0:
                self._pend_t = ticks_ms()
            # Only after a timed partial sync is the file off the block grid (room < _BLOCK).
            room = _BLOCK - self._on_flash % _BLOCK
            if p + n < room:
                self._blk[p:p + n] = data
                p += n
            else:
                # The record completes the block: its head fills the block, which is written;
                # its tail starts the next one (_blk holds one block, no room for overflow).
                k = room - p
                self._blk[p:room] = data if k == n else data[:k]
                f.write(self._bmv if room == _BLOCK else self._bmv[:room])
                f.flush()
                self._on_flash += room
                p = n - k
                if p:
                    self._blk[0:p] = data[k:n]
                    self._pend_t = ticks_ms()
            self._pend = p
            if p and ticks_diff(ticks_ms(), self._pend_t) >= self.sync_ms:
                self._write_pending()
            return True
        except OSError:
            # ENOSPC or a flash error: keep what is on flash, stop cleanly, raise the flag.
            self.errors += 1
            self._pend = 0
            self._set_full()
            return False

    def _write_pending(self):
        """Write and sync the gathered bytes now (a partial block: the next one is copied)."""
        p = self._pend
        if p:
            self._pend = 0
            self._file.write(self._bmv[:p])
            self._file.flush()
            self._on_flash += p

    def _close(self):
        f = self._file
        if f is not None:
            try:
                self._write_pending()
            except OSError:
                self.errors += 1
                self._pend = 0
            self._closed_info[self.log_id] = (self._session, self._part, self._seq_first,
                                              self._seq_last)
            self._file = None
            self.log_id = 0
            try:
                f.close()
            except OSError:
                self.errors += 1

    # --- the sample path -------------------------------------------------------------------
    def append(self, frame_mv):
        """Log one whole frame; False if not written (no session, log full, write error)."""
        if self.full or not (self._pending or self._file is not None):
            return False
        n = len(frame_mv)
        rec = n + 12
        if self._file is not None and self._file_bytes + rec > self.max_file_bytes:
            self._close()  # rotate: the next part starts below
        if self._room < rec or self._since_check >= _RECHECK_BYTES:
            if self._check_space() < rec:
                self._set_full()
                return False
        if self._file is None and not self._open_next(frame_mv):
            return False
        buf = self._buf
        buf[8:8 + n] = frame_mv
        # kyrfile.put_record would slice a new memoryview for the CRC on every call; the
        # cached views (one per record length) make the record without allocating.
        body = n + 8
        views = self._views.get(body)
        if views is None:
            views = (self._mv[:body], self._mv[:body + 4])
            if len(self._views) < _VIEW_CACHE:
                self._views[body] = views
        pack_into("<q", buf, 0, _DEVICE_HOST_US)
        pack_into("<I", buf, body, _crc32(views[0]))
        end = body + 4
        if not self._put(views[1], end):
            return False
        self._seq_last = buf[12] | (buf[13] << 8)
        self._file_bytes += end
        self._room -= end
        self._since_check += end
        self.records += 1
        return True

    def flush(self):
        """Write and sync gathered records (the runtime calls it before sleep or reboot)."""
        if self._file is not None and self._pend:
            try:
                self._write_pending()
            except OSError:
                self.errors += 1
                self._pend = 0

    # --- the command path: LOG_LIST, LOG_READ and LOG_ERASE are in logread.py ---------------
    def size(self, log_id):
        """Bytes in log `log_id`; raises OSError if there is no such log."""
        if log_id == self.log_id and self._file is not None:
            return self._file_bytes
        return os.stat(self._path(log_id))[6]
