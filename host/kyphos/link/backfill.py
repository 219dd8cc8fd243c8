"""Back-fill: the frames a dropped link missed, read from the board's flash log and merged
into the stream (``Batch.backfilled``).

For each closed gap (seq range with the device times on either side) the newest logs are
searched: the gap's byte offset is estimated by interpolating seq over the file (its first and
last frames are read first), then the file is read forward in windows from a little before it.
A frame fills a gap only when its seq *and* device time fit, so a log of another boot is never
mixed in. After a reboot, the new boot's first frames are read from the start of its log.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

from kyphos.errors import KyphosError
from kyphos.link.logs import Logs
from kyphos.link.receiver import Batch
from kyphos.link.tracker import Epoch, Gap
from kyphos.protocol.constants import DATA_TYPES, HEADER_SIZE, MAX_PAYLOAD
from kyphos.recording.kyr import RECORD_OVERHEAD
from kyphos.transport.base import Received

_MAX_RECORD = RECORD_OVERHEAD + HEADER_SIZE + MAX_PAYLOAD  # one .kyr record at most
_T_SLACK_US = 2_000_000


@dataclass
class _Window:
    data_start: int
    end: int  # file offset just past the last whole record
    first_seq: int | None = None
    first_t: int | None = None
    last_seq: int | None = None
    last_t: int | None = None
    last_off: int = 0


class Backfill(Logs):
    """Back-fill from the flash log for :class:`kyphos.link.Device`."""

    async def backfill(self) -> int:
        """Fetch the frames of every closed gap from the board's flash log; returns how many
        were recovered. They come out of :meth:`stream` as batches with ``backfilled``, one
        per window read, so nothing fetched is lost if the link drops again."""
        async with self._backfill_lock:
            if not self._open_gaps():
                return 0
            logs = await self.log_list()
            logs.sort(key=lambda e: -int(e.get("id", 0)))
            before = self._backfilled
            for entry in logs[:8]:
                if not self._open_gaps():
                    break
                await self._backfill_from(entry)
            n = self._backfilled - before
            self.note("backfill", frames=n, missing=self.missing_frames())
            self._flush()
            return n

    def _emit_backfilled(self, frames: list[Received]) -> None:
        if frames:
            self._backfilled += len(frames)
            self._flush()
            self._out.put_nowait(Batch(list(frames), self.epoch.index, True, []))
            frames.clear()

    def _open_gaps(self) -> list[tuple[Epoch, Gap]]:
        return [(ep, g) for ep in self.epochs for g in ep.gaps if g.t_after is not None]

    async def _backfill_from(self, entry: dict[str, Any]) -> list[Received]:
        """Fill gaps from one log file. The byte offset of a gap is estimated by interpolating
        seq over the file (its first and last frames are read first), then the file is read
        forward in windows from a little before it. While streaming, windows are small: the
        board queues a LOG_READ's chunks ahead of live frames in one send buffer, and a large
        read would overflow it and lose live frames."""
        log_id, size = int(entry["id"]), int(entry["size"])
        w = self.backfill_window_live if self._streams else self.backfill_window_idle
        out: list[Received] = []
        head = await self.read_log(log_id, 0, min(size, w))
        first = self._scan_window(head, True)
        if first.first_seq is None:
            return out
        tail = first if size <= w else self._scan_window(
            await self.read_log(log_id, size - w, w), False, base=size - w)
        if tail.last_seq is None:
            return out
        cursor = 0  # file offset up to which every record has been checked against the gaps
        for ep, g in sorted(self._open_gaps(), key=lambda x: (x[0].index, x[1].first)):
            if g.t_after is None or not ep.gaps or g not in ep.gaps:
                continue
            s0 = ep.unwrap_seq(first.first_seq)
            s1 = ep.unwrap_seq(tail.last_seq)
            t0, t1 = ep.unwrap_t(first.first_t or 0), ep.unwrap_t(tail.last_t or 0)
            if (g.end <= s0 or g.first > s1 or t1 < g.t_before - _T_SLACK_US
                    or t0 > g.t_after + _T_SLACK_US):
                continue  # not in this file (or another boot's)
            frac = (g.first - s0) / max(1, s1 - s0)
            pos = first.data_start + int(frac * (tail.last_off - first.data_start)) - w
            pos = max(first.data_start, min(pos, size - 1), cursor)
            data = b""
            for _ in range(6):  # step back until the window starts before the gap
                if pos <= max(first.data_start, cursor):
                    break
                data = await self.read_log(log_id, pos, min(w, size - pos))
                win = self._scan_window(data, False, pos)
                if win.first_seq is None or ep.unwrap_seq(win.first_seq) <= g.first:
                    break
                pos, data = max(first.data_start, cursor, pos - 4 * w), b""
            carry = b""
            while pos < size and g in ep.gaps:
                if not data:
                    data = await self.read_log(log_id, pos, min(w, size - pos))
                data = carry + data
                base = pos - len(carry)
                win = self._scan_window(data, False, base, take=out)
                self._emit_backfilled(out)
                pos = base + len(data)
                cursor = max(cursor, win.end)  # everything before was looked at: no gap left
                carry = data[win.end - base:] if win.end - base < len(data) else b""
                if len(carry) > _MAX_RECORD:
                    carry = b""
                data = b""
                if win.last_seq is not None and ep.unwrap_seq(win.last_seq) >= g.end - 1:
                    break
        return out

    def _scan_window(
        self, data: bytes, at_head: bool, base: int = 0, take: list[Received] | None = None
    ) -> _Window:
        """The whole records in ``data`` (bytes of a log from offset ``base``): first and last
        data frame, and (with ``take``) the frames that fill a gap, appended to it."""
        from kyphos.protocol.frames import decode_frame
        from kyphos.recording.kyr import read_header, scan_records

        start = 0
        if at_head:
            try:
                _h, start = read_header(data)
            except KyphosError:
                start = 0
        index = scan_records(data, start)
        win = _Window(data_start=base + start, end=base + start)
        for off in index.offsets.tolist():
            ln = data[off + 10] | (data[off + 11] << 8)
            raw = data[off + 8 : off + 18 + ln]
            win.end = base + off + 22 + ln
            if raw[1] not in DATA_TYPES:
                continue
            seq, t_us = struct.unpack_from("<HI", raw, 4)
            if win.first_seq is None:
                win.first_seq, win.first_t = seq, t_us
            win.last_seq, win.last_t, win.last_off = seq, t_us, base + off
            if take is None:
                continue
            for ep in self.epochs:
                if ep.high is None:
                    continue
                s, t = ep.unwrap_seq(seq), ep.unwrap_t(t_us)
                # Time only tells boots apart: a batch's t_us is its first sample's, while a
                # STATUS or EVENT made in between is stamped when made, so allow some slack.
                hit = any(g.t_after is not None and g.first <= s < g.end
                          and g.t_before - _T_SLACK_US <= t <= g.t_after + _T_SLACK_US
                          for g in ep.gaps)
                if hit and ep.fill(s):
                    frame, _ = decode_frame(raw)
                    take.append(Received(-1, bytes(raw), frame))
                    break
        return win

    async def _backfill_boot(self, now_t_us: int) -> None:
        logs = await self.log_list()
        if not logs:
            return
        entry = max(logs, key=lambda e: int(e["id"]))
        log_id, size = int(entry["id"]), int(entry["size"])
        data = await self.read_log(log_id, 0, size)
        ep = self.epoch
        out: list[Received] = []
        from kyphos.protocol.frames import decode_frame
        from kyphos.recording.kyr import read_header, scan_records

        try:
            _h, start = read_header(data)
        except KyphosError:
            return
        for off in scan_records(data, start).offsets.tolist():
            ln = data[off + 10] | (data[off + 11] << 8)
            raw = data[off + 8 : off + 18 + ln]
            if raw[1] not in DATA_TYPES:
                continue
            seq, t_us = struct.unpack_from("<HI", raw, 4)
            if t_us > now_t_us:
                break  # not this boot's log (or past the moment we asked)
            if ep.accept(seq, t_us)[0]:
                frame, _ = decode_frame(raw)
                out.append(Received(-1, bytes(raw), frame))
        self._emit_backfilled(out)
