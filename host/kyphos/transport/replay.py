"""File replay: a ``.kyr`` recording played back as if a board were sending it.

Frames come out with their recorded host receive times shifted to now, paced at real time ×
``speed`` (``speed=0``: as fast as they can be read). Commands get sensible answers from what
the file holds (``GET_INFO`` from its INFO frame or header, ``START``/``STOP``/``PING`` ACKs);
anything else is refused with ERR 1, as a board without that feature would.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from kyphos.protocol.constants import FrameType, Opcode
from kyphos.protocol.fields import payload_from_fields
from kyphos.protocol.frames import Ack, Err, Frame, decode_frame, encode_frame, encode_payload
from kyphos.recording.kyr import read_kyr
from kyphos.transport.base import LinkError, Transport, TransportKind


class ReplayTransport(Transport):
    kind = TransportKind.REPLAY

    def __init__(self, path: str, *, speed: float = 1.0, **_: Any) -> None:
        super().__init__(str(path))
        self.path = Path(path)
        self.speed = speed
        self._task: asyncio.Task[None] | None = None
        self._records: list[tuple[int, bytes]] = []
        self._info: bytes | None = None
        self._started: asyncio.Event | None = None
        self.finished = False

    @property
    def can_reconnect(self) -> bool:
        return False

    async def _open(self) -> None:
        if not self.path.exists():
            raise LinkError(str(self.path), "no such recording", "check the file name")
        kyr = read_kyr(self.path)
        self._records = kyr.frames()
        for _h, raw in self._records:
            if raw[1] == FrameType.INFO:
                self._info = raw[10:]
                break
        else:
            self._info = _info_from_header(kyr.header)
        self._started = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._play())

    async def _play(self) -> None:
        assert self._started is not None and self.clock is not None
        await self._started.wait()
        loop = asyncio.get_running_loop()
        t0_loop = loop.time()
        rec_t0: int | None = None
        for host_us, raw in self._records:
            if raw[1] in (FrameType.CMD, FrameType.NOTE):
                continue
            if host_us >= 0 and self.speed > 0:
                if rec_t0 is None:
                    rec_t0 = host_us
                due = t0_loop + (host_us - rec_t0) / 1e6 / self.speed
                delay = due - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
            elif self.speed <= 0:
                await asyncio.sleep(0)
            self._enqueue(raw)
        self.finished = True
        self._lost()  # end of file: the link is over

    async def _close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _write(self, frame: bytes) -> None:
        cmd, _ = decode_frame(frame)
        p = cmd.payload
        rid, op = getattr(p, "request_id", 0), getattr(p, "opcode", 0)
        answer: Ack | Err
        if op == Opcode.GET_INFO and self._info is not None:
            answer = Ack(rid, op, self._info)
        elif op in (Opcode.START, Opcode.PING):
            answer = Ack(rid, op)
            if op == Opcode.START and self._started is not None:
                self._started.set()
        elif op == Opcode.STOP:
            answer = Ack(rid, op)
        elif op == Opcode.LOG_LIST:
            answer = Ack(rid, op, b"[]")
        else:
            answer = Err(rid, op, 1, "a replayed recording cannot do this")
        self._enqueue(encode_frame(Frame(0, 0, answer)))


def _info_from_header(header: dict[str, Any]) -> bytes | None:
    """INFO payload bytes from a recording header's ``device`` object, if it holds a valid one."""
    d = header.get("device")
    if not isinstance(d, dict):
        return None
    try:
        return encode_payload(payload_from_fields(FrameType.INFO, d))
    except (KeyError, TypeError, ValueError):  # FrameError is a ValueError
        return None

