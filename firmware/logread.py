# The command side of the flash log (flashlog.FlashLog): LOG_LIST, LOG_READ and LOG_ERASE
# (docs/protocol.md). A module of its own so that the board holds its bytecode only while a
# host lists, downloads or erases logs: commands.py imports it through lazy.py, and the
# housekeeping task drops it again when unused (issue 14 item 9, docs/firmware.md "Heap").
# Stateless: everything it knows is kept in the FlashLog.
#
#   entries(log) / list_json(log)       # LOG_LIST: id, size, closed, session, part, seq_first,
#                                       # seq_last of every log
#   n = read_chunk(log, log_id, offset, buf, buf_off, max_len)   # bytes for LOG_CHUNK frames
#   erase(log, log_id) / erase_all(log)  # LOG_ERASE
import json
import os

import kyrfile
from micropython import const

_MAX_RECORD = const(1046)  # flashlog's: 8 + 10 + 1024 + 4


def exists(log, log_id):
    try:
        log.size(log_id)
        return True
    except OSError:
        return False


def _scan(log, log_id):
    """(session, part, seq_first, seq_last) of a log from its header and its last whole
    record; None for what cannot be read (a damaged header: the host still reads the rest)."""
    session = part = first = last = None
    try:
        f = open(log._path(log_id), "rb")
    except OSError:
        return session, part, first, last
    try:
        head = f.read(4096)
        a, b = kyrfile.parse_header(head)
        h = json.loads(bytes(head[a:b]))
        session, part, first = h.get("session"), h.get("part"), h.get("seq_first")
        # The last record lies in the last 2 records' worth of bytes: find a record
        # boundary there (a record validates by its CRC), then walk to the end.
        size = f.seek(0, 2)
        start = b + 4
        tail_at = size - 2 * _MAX_RECORD
        if tail_at < start:
            tail_at = start
        f.seek(tail_at)
        tail = f.read(size - tail_at)
        pos = 0
        n = len(tail)
        while pos < n:
            try:
                nxt = kyrfile.parse_record(tail, pos)[2]
            except Exception:
                if tail_at == start:
                    break  # the first record itself is bad: no boundary to find
                pos += 1
                continue
            last = tail[pos + 12] | (tail[pos + 13] << 8)
            pos = nxt
            tail_at = start  # from here on, walk from record to record only
    except Exception:
        pass
    finally:
        f.close()
    return session, part, first, last


def entries(log):
    """LOG_LIST's entries: id, size, closed (false only for the file being written), session,
    part, seq_first, seq_last (the seq of the first and last whole records, so the host can
    pick the files a seq range needs). Closed files are scanned once."""
    out = []
    for i in log.ids():
        if i == log.log_id and log._file is not None:
            info = (log._session, log._part, log._seq_first, log._seq_last)
        else:
            info = log._closed_info.get(i)
            if info is None:
                info = _scan(log, i)
                log._closed_info[i] = info
        out.append({"id": i, "size": log.size(i), "closed": i != log.log_id,
                    "session": info[0], "part": info[1], "seq_first": info[2],
                    "seq_last": info[3]})
    return out


def list_json(log):
    return json.dumps(entries(log))


def read_chunk(log, log_id, offset, buf, buf_off=0, max_len=-1):
    """Copy log `log_id` bytes from `offset` into buf[buf_off:] (at most max_len, and no more
    than fits); returns the count (0 at or past the end). Raises OSError if there is no such
    log. The open file is flushed first so the host sees every record written."""
    if log_id == log.log_id and log._file is not None:
        log.flush()
    total = log.size(log_id)
    room = len(buf) - buf_off
    if max_len < 0 or max_len > room:
        max_len = room
    if offset >= total or max_len <= 0:
        return 0
    if offset + max_len > total:
        max_len = total - offset
    with open(log._path(log_id), "rb") as f:
        f.seek(offset)
        return f.readinto(memoryview(buf)[buf_off:buf_off + max_len])


def erase(log, log_id):
    """Delete one log (the open one too: its session goes on in a new file). Raises OSError if
    there is no such log. Frees space, so `full` is cleared."""
    if log_id == log.log_id:
        log._close()
    os.remove(log._path(log_id))
    log._closed_info.pop(log_id, None)
    _after_erase(log)


def erase_all(log):
    """Delete every log; returns how many."""
    log._close()
    n = 0
    for i in log.ids():
        try:
            os.remove(log._path(i))
            n += 1
        except OSError:
            log.errors += 1
    _after_erase(log)
    return n


def _after_erase(log):
    for i in list(log._closed_info):
        if not exists(log, i):
            del log._closed_info[i]
    log.full = False
    log._check_space()
