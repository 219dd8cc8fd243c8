"""The receiving side of a link and the state every part of :class:`kyphos.link.Device` shares.

A receive task reads the transport and dispatches each frame: ACK/ERR answers and LOG_CHUNKs to
the command waiting for them, INFO and data frames to the current batch. Data frames are checked
against the current epoch (one per boot of the board: duplicates dropped by seq, gaps
remembered, the clock fit fed). Batches go out of :meth:`Receiver.stream` whenever the transport
has nothing more queued, with the link notes (drop, reconnect, back-fill) for the recorder.
When the link goes down, waiting commands fail with :class:`~kyphos.transport.base.Disconnected`
and the stream ends (:mod:`kyphos.link.reconnect` reconnects instead while streaming).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from kyphos.link.health import Health, RateMeter
from kyphos.link.tracker import Epoch
from kyphos.protocol.constants import DATA_TYPES, EventKind
from kyphos.protocol.frames import Ack, Err, Event, Frame, Imu, Info, LogChunk, Status
from kyphos.transport.base import Disconnected, Received, Transport

STREAM_IMU, STREAM_QUAT, STREAM_STATUS = 1, 2, 4
ACK_MORE = 0x80  # opcode bit 7 on every ACK part but the last (docs/protocol.md)


@dataclass
class Batch:
    """Frames received together (or back-filled together), plus link notes for a recording."""

    frames: list[Received]
    epoch: int = 0
    backfilled: bool = False
    notes: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Pending:
    opcode: int
    future: asyncio.Future[Received]
    activity: float
    log_id: int | None = None
    span: tuple[int, int] = (0, 0)  # LOG_READ byte range: chunks outside it are stale
    chunks: list[LogChunk] = field(default_factory=list)
    parts: list[bytes] = field(default_factory=list)  # ACK continuation (opcode | 0x80)


class Receiver:
    """One board over one transport: the shared state, receiving and the stream of batches."""

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

    # -- receiving --------------------------------------------------------------------------
    def _start_rx(self) -> None:
        self._rx_task = asyncio.get_running_loop().create_task(self._receive_loop())

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

    def _new_epoch(self, start_at: int | None) -> None:
        ep = Epoch(len(self.epochs), start_at=start_at)
        self.epochs.append(ep)
        self.note("reboot", epoch=ep.index)

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
        self._after_drop()

    def _after_drop(self) -> None:
        """What follows a drop here: the stream ends (:class:`~kyphos.link.reconnect.Reconnect`
        reconnects instead while streaming)."""
        self._end_stream()

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

    def missing_frames(self) -> int:
        return sum(ep.missing() for ep in self.epochs)

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
