"""A connected kyphos board: commands, streaming, reconnect with back-fill, clock fit, health.

    import kyphos
    dev = await kyphos.connect("sim")          # or "kyphos-3A4F", "serial:/dev/ttyACM0"
    print(await dev.info())
    await dev.start()                          # IMU + QUAT + STATUS
    async for batch in dev.stream():           # decoded frames with host receive times
        for rec in batch.frames: ...
    await dev.close()

Commands carry a request id; each waits for its ACK or ERR (an ERR becomes a
:class:`DeviceError` naming the device, the command and what to do). Commands that change or
erase state (``config_set``, ``erase_logs``, ``reboot``) are refused by the host before
sending when the link is BLE without encryption (``kyphos pair`` first).

**Never lose data.** While streaming, a dropped link is reconnected with exponential backoff
(rescanning first: BlueZ may forget a device). The board keeps logging to flash while nobody
listens (``start()`` asks for ``log_policy = "always"`` when the link allows config), so after
the reconnect the host lists the logs, reads the part of the newest ones that covers the
missing ``seq`` range (backwards from the end, in windows), and merges those frames into the
stream (``Batch.backfilled``), checked by seq *and* device time so a log of another boot is
never mixed in. Duplicates are dropped by seq.

**One timeline.** Each boot of the board is an *epoch*; a reboot is detected when the board's
clock (a PING after reconnecting) is far from what the clock fit predicts. Each epoch has its
own :class:`~kyphos.link.timesync.ClockFit` (offset + drift) from host receive times; the
recorder writes them as ``NOTE`` records, and the loader places every epoch on the host clock.
"""

from __future__ import annotations

import asyncio
import json
import random
import struct
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kyphos.errors import ConfigError, KyphosError
from kyphos.link.health import Health, RateMeter
from kyphos.link.tracker import Epoch, Gap
from kyphos.protocol.constants import (
    DATA_TYPES,
    HEADER_SIZE,
    MAX_PAYLOAD,
    STATUS_ENCRYPTED,
    ErrCode,
    EventKind,
    Opcode,
)
from kyphos.protocol.frames import (
    Ack,
    Cmd,
    Err,
    Event,
    Frame,
    Imu,
    Info,
    LogChunk,
    Status,
    make_frame,
)
from kyphos.recording.kyr import RECORD_OVERHEAD
from kyphos.transport.base import (
    Disconnected,
    LinkError,
    Received,
    Transport,
    TransportKind,
    open_transport,
)

SUPPORTED_FW_MAJOR = 0  # firmware 0.x speaks protocol version 1 as this host does
STREAM_IMU, STREAM_QUAT, STREAM_STATUS = 1, 2, 4
_T_MOD = 1 << 32
_MAX_RECORD = RECORD_OVERHEAD + HEADER_SIZE + MAX_PAYLOAD  # one .kyr record at most
_REBOOT_TOLERANCE_US = 2_000_000
_T_SLACK_US = 2_000_000

_ERR_HINTS: dict[int, str] = {
    ErrCode.UNKNOWN_OPCODE: "update the board's firmware (kyphos flash)",
    ErrCode.BAD_ARGUMENTS: "check the arguments",
    ErrCode.UNKNOWN_CONFIG_KEY: "`kyphos config get` lists the keys",
    ErrCode.CONFIG_OUT_OF_RANGE: "see docs/firmware.md for the range",
    ErrCode.NOT_PERMITTED_UNENCRYPTED: "pair first: kyphos pair TARGET (or use USB serial)",
    ErrCode.BUSY: "try again in a moment",
    ErrCode.NO_SUCH_LOG: "`kyphos download --list` shows the logs",
    ErrCode.STORAGE_FULL: "free space on the board: kyphos erase",
    ErrCode.IMU_ERROR: "check the IMU wiring and restart the board",
    ErrCode.MTU_TOO_SMALL: "the Bluetooth link's MTU is too small; use a host that negotiates MTU ≥ 185",
}


class DeviceError(LinkError):
    """The board answered ERR: ``code`` (docs/protocol.md ERR codes) and its message."""

    def __init__(self, device: str, opcode: int, code: int, message: str) -> None:
        self.opcode = opcode
        self.code = code
        self.message = message
        name = Opcode(opcode).name if opcode in Opcode._value2member_map_ else f"0x{opcode:02x}"
        super().__init__(device, f"{name} refused: {message} (ERR {code})", _ERR_HINTS.get(code, ""))


class DeviceTimeout(LinkError):
    """No answer in time."""


@dataclass
class Batch:
    """Frames received together (or back-filled together), plus link notes for a recording."""

    frames: list[Received]
    epoch: int = 0
    backfilled: bool = False
    notes: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Window:
    data_start: int
    end: int  # file offset just past the last whole record
    first_seq: int | None = None
    first_t: int | None = None
    last_seq: int | None = None
    last_t: int | None = None
    last_off: int = 0


ACK_MORE = 0x80  # opcode bit 7 on every ACK part but the last (docs/protocol.md)


@dataclass
class _Pending:
    opcode: int
    future: asyncio.Future[Received]
    activity: float
    log_id: int | None = None
    span: tuple[int, int] = (0, 0)  # LOG_READ byte range: chunks outside it are stale
    chunks: list[LogChunk] = field(default_factory=list)
    parts: list[bytes] = field(default_factory=list)  # ACK continuation (opcode | 0x80)


class Device:
    """One board over one transport (see the module docstring)."""

    def __init__(
        self,
        transport: Transport,
        *,
        command_timeout_s: float = 5.0,
        auto_reconnect: bool = True,
        backoff_s: tuple[float, float] = (0.5, 10.0),
        reconnect_timeout_s: float | None = None,
        backfill: bool = True,
        ping_interval_s: float = 5.0,
        backfill_window_live: int = 2048,
        backfill_window_idle: int = 32768,
    ) -> None:
        self.transport = transport
        self.command_timeout_s = command_timeout_s
        self.auto_reconnect = auto_reconnect
        self.backoff_s = backoff_s
        self.reconnect_timeout_s = reconnect_timeout_s
        self.backfill_enabled = backfill
        self.ping_interval_s = ping_interval_s
        self.backfill_window_live = backfill_window_live
        self.backfill_window_idle = backfill_window_idle
        self.info_frame: Info | None = None
        self.info_raw: Received | None = None
        self.status: Status | None = None
        self.epochs: list[Epoch] = [Epoch(0)]
        self.warnings: list[str] = []
        self.errors: list[str] = []  # host-side exceptions caught in the receiver
        self.last_bad_answer: bytes | None = None
        self._rid = 0
        self._cmd_seq = 0
        self._pending: dict[int, _Pending] = {}
        self._out: asyncio.Queue[Batch | None] = asyncio.Queue()
        self._batch: list[Received] = []
        self._notes: list[dict[str, Any]] = []
        self._rx_task: asyncio.Task[None] | None = None
        self._sup_task: asyncio.Task[None] | None = None
        self._ping_task: asyncio.Task[None] | None = None
        self._streams = 0
        self._closing = False
        self._up = asyncio.Event()
        self._rate = RateMeter()
        self._retries = 0
        self._drops = 0
        self._backfilled = 0
        self._latency_ms: float | None = None
        self._last_host_us: int | None = None
        self._ended = False
        self._live = asyncio.Event()  # set by every new live data frame
        self._backfill_lock = asyncio.Lock()
        self._chunks: list[LogChunk] = []  # LOG_CHUNKs of the latest LOG_READ

    # -- naming ---------------------------------------------------------------------------
    @property
    def name(self) -> str:
        if self.info_frame is not None and self.info_frame.name:
            t = self.transport.name
            return self.info_frame.name if self.info_frame.name in t else f"{self.info_frame.name} ({t})"
        return self.transport.name

    @property
    def epoch(self) -> Epoch:
        return self.epochs[-1]

    # -- life cycle -------------------------------------------------------------------------
    async def open(self, check_firmware: bool = True) -> Device:
        await self.transport.connect()
        self._start_rx()
        self._up.set()
        info = await self.info()
        if check_firmware and info.fw_version[0] != SUPPORTED_FW_MAJOR:
            v = ".".join(map(str, info.fw_version))
            await self.close()
            newer = info.fw_version[0] > SUPPORTED_FW_MAJOR
            raise LinkError(
                self.name,
                f"firmware {v} is {'newer' if newer else 'older'} than this host supports "
                f"({SUPPORTED_FW_MAJOR}.x)",
                "update kyphos on this computer (pip install -U kyphos)" if newer
                else "update the board: kyphos flash",
            )
        return self

    async def close(self) -> None:
        """Stop the supervisor and the receiver, disconnect, and end the stream."""
        self._closing = True
        for t in (self._sup_task, self._ping_task):
            if t is not None and t is not asyncio.current_task():
                t.cancel()
                await asyncio.gather(t, return_exceptions=True)
        await self.transport.disconnect()
        if self._rx_task is not None:
            self._rx_task.cancel()
            await asyncio.gather(self._rx_task, return_exceptions=True)
        shutdown = getattr(self.transport, "shutdown", None)
        if shutdown is not None:
            await shutdown()
        self._end_stream()

    async def __aenter__(self) -> Device:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _start_rx(self) -> None:
        self._rx_task = asyncio.get_running_loop().create_task(self._receive_loop())

    # -- receiving --------------------------------------------------------------------------
    async def _receive_loop(self) -> None:
        t = self.transport
        while True:
            rec = await t.recv()
            if rec is None:
                break
            try:
                self._dispatch(rec)
            except Exception as exc:  # a bug must not stop the receiver: keep it for the user
                self.errors.append(f"{type(exc).__name__}: {exc}")
                self.note("host_error", error=self.errors[-1])
            if not t.has_pending():
                self._flush()
        self._flush()
        self._link_down()

    def _dispatch(self, rec: Received) -> None:
        p = rec.frame.payload
        if isinstance(p, (Ack, Err)):
            pend = self._pending.get(p.request_id)
            if pend is None or pend.future.done():
                return
            if isinstance(p, Ack) and p.opcode == pend.opcode | ACK_MORE:
                # A long answer in parts (docs/protocol.md, "Continuation"): keep appending.
                pend.parts.append(p.data)
                pend.activity = asyncio.get_running_loop().time()
            elif p.opcode == pend.opcode:
                if isinstance(p, Ack) and pend.parts:
                    whole = Ack(p.request_id, p.opcode, b"".join([*pend.parts, p.data]))
                    rec = rec._replace(frame=Frame(rec.frame.seq, rec.frame.t_us, whole))
                pend.future.set_result(rec)
            return
        if isinstance(p, LogChunk):
            for pend in self._pending.values():
                if pend.log_id == p.log_id and pend.span[0] <= p.offset < pend.span[1]:
                    pend.chunks.append(p)
                    pend.activity = asyncio.get_running_loop().time()
            return
        if isinstance(p, Info):
            self.info_frame = p
            self.info_raw = rec
            self._batch.append(rec)  # a recording keeps INFO frames (scales, name)
            return
        if rec.frame.type in DATA_TYPES:
            self._data(rec)

    def _data(self, rec: Received) -> None:
        f = rec.frame
        p = f.payload
        if isinstance(p, Event) and p.kind == EventKind.BOOT and self.epoch.high is not None:
            self._new_epoch(start_at=f.seq)
        ep = self.epoch
        new, _s, t = ep.accept(f.seq, f.t_us)
        if not new:
            return
        ep.clock.add(t, rec.host_us)
        self._last_host_us = rec.host_us
        self._live.set()
        if isinstance(p, Imu):
            self._rate.add(rec.host_us, len(p.samples))
        elif isinstance(p, Status):
            self.status = p
        self._batch.append(rec)

    def _flush(self) -> None:
        if self._batch or self._notes:
            self._out.put_nowait(Batch(self._batch, self.epoch.index, False, self._notes))
            self._batch = []
            self._notes = []

    def note(self, event: str, **data: Any) -> None:
        """A link event for the recording (written as a NOTE of kind "link")."""
        now = self.transport.clock.now_us() if self.transport.clock else None
        self._notes.append({"kind": "link", "event": event, "host_us": now, **data})

    def _end_stream(self) -> None:
        if not self._ended:
            self._flush()
            self._ended = True
            self._out.put_nowait(None)

    def _link_down(self) -> None:
        for pend in self._pending.values():
            if not pend.future.done():
                pend.future.set_exception(
                    Disconnected(self.name, "link lost while waiting for an answer",
                                 "it reconnects by itself while recording; otherwise try again")
                )
        self._up.clear()
        if self._closing:
            return
        self._drops += 1
        self.note("drop")
        self._flush()
        if self._streams and self.auto_reconnect and self.transport.can_reconnect:
            self._sup_task = asyncio.get_running_loop().create_task(self._recover())
        else:
            self._end_stream()

    # -- reconnect and back-fill --------------------------------------------------------------
    async def _recover(self) -> None:
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        delay, most = self.backoff_s
        attempts = 0
        while not self._closing:
            attempts += 1
            try:
                await self.transport.connect()
                break
            except KyphosError as exc:
                self._retries += 1
                if self.reconnect_timeout_s is not None and loop.time() - t0 > self.reconnect_timeout_s:
                    self.note("gave_up", attempts=attempts, error=str(exc))
                    self._end_stream()
                    return
            await asyncio.sleep(delay * (0.8 + 0.4 * random.random()))
            delay = min(delay * 2, most)
        if self._closing:
            return
        self._start_rx()
        self._up.set()
        self.note("reconnect", attempts=attempts, down_s=round(loop.time() - t0, 3))
        try:
            await self._check_reboot()
            self._live.clear()
            await self._send_start(self._streams)
            if self.backfill_enabled:
                # The gap closes with the first live frame after START: wait for it.
                await asyncio.wait_for(self._live.wait(), self.command_timeout_s)
                await self.backfill()
        except (LinkError, asyncio.TimeoutError) as exc:
            self.note("recover_failed", error=str(exc) or type(exc).__name__)  # dropped again: the next _link_down starts over (the gaps are remembered)
        self._flush()

    async def _check_reboot(self) -> None:
        """A new epoch if the board's clock is far from where the fit says it should be.
        After a reboot the new boot's first frames (from its BOOT event on) are read from the
        flash log *before* streaming starts again, so a recording holds them in order."""
        ep = self.epoch
        if ep.high is None or ep.clock.n < 2:
            return
        ack, host_us = await self.ping()
        expected = ep.clock.to_device(host_us)
        d = (ack.t_us - int(expected) + (1 << 31)) % _T_MOD - (1 << 31)
        if abs(d) > _REBOOT_TOLERANCE_US + abs(ep.clock.mad_us) * 10:
            self._new_epoch(start_at=0)
            if self.backfill_enabled:
                await self._backfill_boot(ack.t_us)

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

    def _new_epoch(self, start_at: int | None) -> None:
        ep = Epoch(len(self.epochs), start_at=start_at)
        self.epochs.append(ep)
        self.note("reboot", epoch=ep.index)

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

    def missing_frames(self) -> int:
        return sum(ep.missing() for ep in self.epochs)

    # -- commands -------------------------------------------------------------------------------
    async def command(
        self, opcode: int, args: bytes = b"", *, timeout_s: float | None = None,
        log_id: int | None = None, retries: int = 0,
    ) -> Received:
        """Send a CMD and wait for its ACK (returned); ERR raises :class:`DeviceError`."""
        for attempt in range(retries + 1):
            try:
                return await self._command_once(opcode, args, timeout_s, log_id)
            except DeviceTimeout:
                if attempt == retries:
                    raise
                self._retries += 1
        raise AssertionError("unreachable")

    async def _command_once(
        self, opcode: int, args: bytes, timeout_s: float | None, log_id: int | None
    ) -> Received:
        if not self.transport.connected:
            raise Disconnected(self.name, "not connected", "wait for the reconnect or connect again")
        loop = asyncio.get_running_loop()
        self._rid = (self._rid + 1) & 0xFFFF
        rid = self._rid
        pend = _Pending(opcode, loop.create_future(), loop.time(), log_id)
        if log_id is not None:
            _i, off, length = struct.unpack_from("<HII", args)
            pend.span = (off, off + length)
        self._pending[rid] = pend
        timeout = self.command_timeout_s if timeout_s is None else timeout_s
        t0 = loop.time()
        try:
            self._cmd_seq = (self._cmd_seq + 1) & 0xFFFF
            await self.transport.send(make_frame(Cmd(rid, opcode, args), self._cmd_seq))
            while not pend.future.done():
                left = pend.activity + timeout - loop.time()
                if left <= 0:
                    name = Opcode(opcode).name if opcode in Opcode._value2member_map_ else hex(opcode)
                    raise DeviceTimeout(
                        self.name, f"no answer to {name} within {timeout:g} s",
                        "is the board on and in range? (kyphos info TARGET checks the link)",
                    )
                await asyncio.wait({pend.future}, timeout=left)
            rec = pend.future.result()
        finally:
            self._pending.pop(rid, None)
        if log_id is None:  # a download's time is not latency
            self._latency_ms = (loop.time() - t0) * 1000.0
        p = rec.frame.payload
        if isinstance(p, Err):
            raise DeviceError(self.name, opcode, p.code, p.message)
        if log_id is not None:
            self._chunks = pend.chunks
        return rec

    async def ping(self) -> tuple[Frame, int]:
        """PING: (the ACK frame, whose t_us is the device clock; the host µs of the answer)."""
        rec = await self.command(Opcode.PING, retries=1)
        return rec.frame, rec.host_us

    async def info(self) -> Info:
        rec = await self.command(Opcode.GET_INFO, retries=1)
        from kyphos.protocol.frames import _dec_info  # the ACK data is an INFO payload

        p = rec.frame.payload
        assert isinstance(p, Ack)
        self.info_frame = _dec_info(p.data, 0)
        return self.info_frame

    async def config_get(self, key: str = "") -> dict[str, Any]:
        rec = await self.command(Opcode.CONFIG_GET, key.encode(), retries=1)
        p = rec.frame.payload
        assert isinstance(p, Ack)
        value = json.loads(p.data.decode() or "null")
        return value if isinstance(value, dict) else {key: value}

    async def config_set(self, values: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
        changes = {**(values or {}), **kw}
        if not changes:
            raise ConfigError("config set needs at least one KEY=VALUE")
        await self.require_secure("change its configuration")
        rec = await self.command(Opcode.CONFIG_SET, json.dumps(changes).encode())
        p = rec.frame.payload
        assert isinstance(p, Ack)
        out = json.loads(p.data.decode() or "{}")
        return out if isinstance(out, dict) else {}

    async def calibrate(self) -> None:
        """Set the upright reference now (the wearer stands or sits upright and still)."""
        await self.command(Opcode.CALIBRATE)

    async def marker(self, marker_id: int = 0) -> None:
        await self.command(Opcode.MARKER, struct.pack("<h", marker_id))

    async def start(
        self, imu: bool = True, quat: bool = True, status: bool = True, *, log_always: bool = True
    ) -> None:
        """Start streaming. With ``log_always`` (and back-fill on) the board is asked to log
        every frame to flash too, so a link drop can be back-filled; over an unencrypted BLE
        link that config change is not allowed and a warning is kept in ``warnings``."""
        streams = (STREAM_IMU if imu else 0) | (STREAM_QUAT if quat else 0) | (
            STREAM_STATUS if status else 0)
        if self.backfill_enabled and log_always:
            await self._ensure_logging()
        await self._send_start(streams)
        self._streams = streams
        if self.ping_interval_s > 0 and self._ping_task is None:
            self._ping_task = asyncio.get_running_loop().create_task(self._pinger())

    async def _ensure_logging(self) -> None:
        try:
            policy = (await self.config_get("log_policy")).get("log_policy")
        except DeviceError:
            return
        if policy == "always":
            return
        if not await self.link_secure():
            msg = (f"{self.name}: the board logs to flash only while disconnected (log_policy="
                   f"{policy}) and this BLE link is not encrypted, so it cannot be changed; "
                   "data in flight at a drop may be lost — run `kyphos pair` once to fix")
            self.warnings.append(msg)
            self.note("warning", message=msg)
            return
        await self.config_set(log_policy="always")

    async def _send_start(self, streams: int) -> None:
        await self.command(Opcode.START, bytes([streams]), retries=1)

    async def stop(self) -> None:
        """Stop streaming; the stream ends after any last back-fill."""
        self._streams = 0
        if self._ping_task is not None:
            self._ping_task.cancel()
            await asyncio.gather(self._ping_task, return_exceptions=True)
            self._ping_task = None
        sup = self._sup_task
        if sup is not None and not sup.done():
            await asyncio.gather(sup, return_exceptions=True)  # its back-fill finishes first
        if self.transport.connected:
            try:
                await self.command(Opcode.STOP, retries=1)
                if self.backfill_enabled and self.missing_frames():
                    await self.backfill()
            except LinkError:
                pass
        self._flush()

    async def _pinger(self) -> None:
        while True:
            await asyncio.sleep(self.ping_interval_s)
            if self.transport.connected:
                try:
                    await self.ping()
                except LinkError:
                    pass

    async def stream(self) -> AsyncIterator[Batch]:
        """Batches of received frames until the stream ends (stop and close, or a drop
        without reconnect)."""
        while True:
            b = await self._out.get()
            if b is None:
                self._out.put_nowait(None)  # later iterators end at once too
                return
            yield b

    def end_stream(self) -> None:
        """End :meth:`stream` now (e.g. a recording's duration is over)."""
        self._end_stream()

    # -- logs -----------------------------------------------------------------------------------
    async def log_list(self) -> list[dict[str, Any]]:
        """The board's logs: ``id``, ``size``, ``closed`` (and ``session``, ``part``,
        ``seq_first``, ``seq_last`` where the firmware gives them). When the list is too long
        for one answer on this link (ERR 10), the newest logs are found by probing ids."""
        try:
            rec = await self.command(Opcode.LOG_LIST, retries=1)
        except DeviceError as exc:
            if exc.code != ErrCode.MTU_TOO_SMALL:
                raise
            return await self._probe_logs()
        p = rec.frame.payload
        assert isinstance(p, Ack)
        try:
            items = json.loads(p.data.decode() or "[]")
        except (UnicodeDecodeError, ValueError):
            self.last_bad_answer = bytes(p.data)
            self.note("warning", message=f"LOG_LIST answer is not JSON ({len(p.data)} bytes)")
            return await self._probe_logs()
        return [e for e in items if isinstance(e, dict) and "id" in e]

    async def _log_size(self, log_id: int) -> int | None:
        try:
            await self.command(Opcode.LOG_READ, struct.pack("<HII", log_id, 0, 1), log_id=log_id)
        except DeviceError as exc:
            if exc.code == ErrCode.NO_SUCH_LOG:
                return None
            raise
        return self._chunks[0].total if self._chunks else 0

    async def _probe_logs(self, newest: int = 8) -> list[dict[str, Any]]:
        """Log ids are given out in increasing order: find the highest by doubling then
        bisecting, and list the ``newest`` ids below it that exist."""
        hi, last = 1, None
        while hi <= 0xFFFE:
            if await self._log_size(hi) is None:
                if last is not None:
                    break
            else:
                last = hi
            hi *= 2
        if last is None:
            return []
        lo, hi = last, min(hi, 0xFFFF)  # lo exists, hi does not (or is past the last id)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if await self._log_size(mid) is None:
                hi = mid
            else:
                lo = mid
        out = []
        for i in range(lo, max(0, lo - newest), -1):
            size = await self._log_size(i)
            if size is not None:
                out.append({"id": i, "size": size, "closed": i != lo})
        return out

    async def read_log(
        self, log_id: int, offset: int, length: int, *, idle_timeout_s: float | None = None
    ) -> bytes:
        """Bytes ``offset … offset+length`` of log ``log_id`` (fewer at the file's end),
        checked to be contiguous."""
        args = struct.pack("<HII", log_id, offset, length)
        timeout = idle_timeout_s or max(self.command_timeout_s, 10.0)
        await self.command(Opcode.LOG_READ, args, timeout_s=timeout, log_id=log_id)
        chunks = sorted(self._chunks, key=lambda c: c.offset)
        buf = bytearray()
        pos = offset
        for c in chunks:
            if c.offset > pos:
                raise LinkError(self.name, f"log {log_id}: bytes {pos}…{c.offset} missing in the download",
                                "try again")
            if c.offset + len(c.data) > pos:
                buf += c.data[pos - c.offset:]
                pos = c.offset + len(c.data)
        return bytes(buf)

    async def erase_logs(self, log_id: int | None = None) -> None:
        """Erase one log, or all of them (``None``)."""
        await self.require_secure("erase its logs")
        await self.command(Opcode.LOG_ERASE, struct.pack("<H", 0xFFFF if log_id is None else log_id))

    async def download_logs(
        self,
        dest: str | Path,
        ids: list[int] | None = None,
        *,
        progress: Callable[[int, int], None] | None = None,
        chunk_bytes: int = 8192,
    ) -> list[Path]:
        """Download logs into ``dest`` as ``log-NNNNN.kyr``: resumable (a ``.part`` file is
        continued from its size) and verified (contiguous offsets, the size LOG_LIST gave,
        and a .kyr header and record CRCs that check)."""
        from kyphos.recording.kyr import read_kyr

        out_dir = Path(dest)
        out_dir.mkdir(parents=True, exist_ok=True)
        logs = [e for e in await self.log_list() if ids is None or int(e["id"]) in ids]
        if ids is not None:
            absent = set(ids) - {int(e["id"]) for e in logs}
            if absent:
                raise LinkError(self.name, f"no log {sorted(absent)[0]} on the board",
                                "`kyphos download --list TARGET` shows the logs")
        total = sum(int(e["size"]) for e in logs)
        done = 0
        paths = []
        for e in logs:
            log_id, size = int(e["id"]), int(e["size"])
            final = out_dir / f"log-{log_id:05d}.kyr"
            part = final.with_suffix(".kyr.part")
            if final.exists() and final.stat().st_size == size:
                done += size
                paths.append(final)
                continue
            have = part.stat().st_size if part.exists() else 0
            if have > size:
                part.unlink()
                have = 0
            done += have
            with open(part, "ab") as f:
                while have < size:
                    data = await self.read_log(log_id, have, min(chunk_bytes, size - have))
                    if not data:
                        break
                    f.write(data)
                    f.flush()
                    have += len(data)
                    done += len(data)
                    if progress is not None:
                        progress(done, total)
            if have != size:
                raise LinkError(self.name, f"log {log_id}: got {have} of {size} bytes",
                                "run the same download again to resume")
            kyr = read_kyr(part)
            bad = [d for d in kyr.index.damage if not (d.kind == "torn tail" and not e.get("closed", True))]
            if bad:
                raise LinkError(self.name, f"log {log_id} failed verification at byte {bad[0].offset} "
                                f"({bad[0].reason})", "delete the .part file and download again")
            part.replace(final)
            paths.append(final)
        return paths

    # -- security -----------------------------------------------------------------------------------
    async def link_secure(self) -> bool:
        """USB and replay links are trusted; BLE only when encrypted (the backend says so, or
        the board's STATUS flags do)."""
        t = self.transport
        kind = t.kind
        if kind is TransportKind.SIM:
            kind = TransportKind.SERIAL if getattr(t, "via", "") == "serial" else TransportKind.BLE
        if kind is not TransportKind.BLE:
            return True
        if t.encrypted:
            return True
        read_status = getattr(t, "read_status", None)
        if read_status is None:
            return False
        try:
            raw = await read_status()
            from kyphos.protocol.frames import decode_frame

            frame, _ = decode_frame(raw)
            return isinstance(frame.payload, Status) and bool(frame.payload.flags & STATUS_ENCRYPTED)
        except Exception:
            return False

    async def require_secure(self, what: str) -> None:
        if not await self.link_secure():
            raise LinkError(
                self.name, f"will not {what} over an unencrypted Bluetooth link",
                "pair first: kyphos pair TARGET (or connect by USB serial)",
            )

    async def pair(self) -> None:
        """Bond with LE Secure Connections (BLE). The board accepts pairing only while its
        pairing window is open: press its button once (or send PAIR from a trusted link)."""
        t = self.transport
        pair = getattr(t, "pair", None)
        if pair is None or (t.kind is TransportKind.SIM and getattr(t, "via", "") == "serial"):
            raise LinkError(self.name, "pairing is for Bluetooth links", "USB serial needs no pairing")
        await pair()
        if not await self.link_secure():
            raise LinkError(self.name, "paired, but the link is not encrypted",
                            "remove the board in the system's Bluetooth settings and pair again")

    # -- health ------------------------------------------------------------------------------------
    def health(self) -> Health:
        now = self.transport.clock.now_us() if self.transport.clock else 0
        expected = sum(ep.expected() for ep in self.epochs)
        missing = self.missing_frames()
        c = self.transport.counters
        return Health(
            connected=self.transport.connected,
            sample_rate_hz=self._rate.rate(now),
            loss_pct=100.0 * missing / expected if expected else 0.0,
            missing_frames=missing,
            expected_frames=expected,
            backfilled=self._backfilled,
            duplicates=sum(ep.duplicates for ep in self.epochs),
            corrupt=c.corrupt,
            retries=self._retries,
            drops=self._drops,
            latency_ms=self._latency_ms,
            rssi_dbm=c.rssi,
            mtu=c.mtu,
            epochs=len(self.epochs),
        )

    def clock_notes(self) -> list[dict[str, Any]]:
        """One NOTE per epoch with its clock fit (offset and drift)."""
        out = []
        for ep in self.epochs:
            if ep.clock.n:  # the fit is brought up to date when read
                out.append({"kind": "clock", "epoch": ep.index, **ep.clock.summary()})
        return out


async def connect(target: str, **kwargs: Any) -> Device:
    """Connect to a board: a BLE name or address, ``"sim"``, ``"serial:PORT"`` or a ``.kyr``
    file to replay. Keyword arguments go to the transport (e.g. ``backend=`` for bleak,
    ``scenario=`` for sim) or to :class:`Device` (``command_timeout_s``, ``auto_reconnect``,
    ``backoff_s``, ``backfill``)."""
    dev_keys = {"command_timeout_s", "auto_reconnect", "backoff_s", "reconnect_timeout_s",
                "backfill", "ping_interval_s", "backfill_window_live", "backfill_window_idle"}
    dkw = {k: kwargs.pop(k) for k in list(kwargs) if k in dev_keys}
    check = kwargs.pop("check_firmware", True)
    transport = open_transport(target, **kwargs)
    dev = Device(transport, **dkw)
    try:
        return await dev.open(check_firmware=check)
    except BaseException:
        shutdown = getattr(transport, "shutdown", None)
        if shutdown is not None:
            await shutdown()
        raise


async def scan(timeout_s: float = 5.0, *, serial: bool = True, **kwargs: Any) -> list[dict[str, Any]]:
    """Boards in reach: BLE advertisers with the kyphos service (name, address, RSSI) and,
    with ``serial``, serial ports (``target`` is what :func:`connect` takes)."""
    out: list[dict[str, Any]] = []
    from kyphos.transport.ble import scan as ble_scan

    for d in await ble_scan(timeout_s, **kwargs):
        out.append({"kind": "ble", "target": d["name"] or d["address"], **d})
    if serial:
        try:
            from kyphos.transport.serial import list_ports

            for p in list_ports():
                out.append({"kind": "serial", "target": f"serial:{p['device']}", **p})
        except ImportError:
            pass
    return out

