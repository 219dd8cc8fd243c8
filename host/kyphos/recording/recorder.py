"""The recording loop: frames from a live :class:`kyphos.link.Device` into a ``.kyr`` file.

    dev = await kyphos.connect("sim")
    result = await record(dev, "s.kyr", duration_s=600, subject="S01")

Every received frame is appended as it arrives with its host receive time; back-filled frames
from the board's flash log are appended with ``host_us = -1`` (the loader drops duplicates by
seq and sorts by device time). Link events (drop, reconnect, back-fill, reboot) and, at the
end, each epoch's clock fit and the link health are appended as ``NOTE`` records.

**Durability** (:class:`kyphos.recording.kyr.KyrWriter`, docs/recording.md): the file is
unbuffered, so each record reaches the operating system with one ``write`` as soon as its
frame arrives — a killed recorder (SIGKILL) loses only what was still on the radio, well under
1 s; ``fsync`` runs at most once per ``fsync_interval_s`` (1 s default) and at the end, so a
power cut of the *computer* loses at most about the last second.

**Disk full**: the first failed write stops the recording with a one-line
:class:`~kyphos.errors.RecordingError`; every record before it is intact, and a partly written
last record is a torn tail that readers skip, so the file stays valid.

**Privacy**: the header's ``subject`` is a pseudonymous code (``S01``, ``P-0042``): letters,
digits, ``-``, ``_``, ``.``, with at least one digit and no spaces — never a name.
"""

from __future__ import annotations

import asyncio
import errno
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kyphos.errors import KyphosError, RecordingError
from kyphos.protocol.constants import FrameType
from kyphos.protocol.fields import payload_to_fields
from kyphos.protocol.frames import Note, make_frame
from kyphos.recording.kyr import KyrWriter, new_header

_SUBJECT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
_FULL = {os.strerror(errno.ENOSPC), os.strerror(errno.EFBIG), os.strerror(errno.EDQUOT)}


def check_subject(subject: str | None) -> str | None:
    """The subject id if it is a pseudonymous code; KyphosError if it looks like a name."""
    if subject is None or subject == "":
        return None
    if not _SUBJECT.match(subject) or not any(c.isdigit() for c in subject):
        raise KyphosError(
            f"subject {subject!r} is not a pseudonymous id: use a code like S01 or P-0042 "
            "(letters, digits, - _ .; at least one digit; no spaces), never a name"
        )
    return subject


@dataclass
class RecordResult:
    path: Path
    records: int = 0
    frames: int = 0
    backfilled: int = 0
    imu_samples: int = 0
    duration_s: float = 0.0
    stopped_by: str = "end"  # "duration", "stop", "end" (stream ended), "disk full"
    health: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _info_dict(dev: Any) -> dict[str, Any] | None:
    i = dev.info_frame
    return None if i is None else payload_to_fields(i)


async def record(
    dev: Any,
    path: str | os.PathLike[str],
    *,
    duration_s: float | None = None,
    subject: str | None = None,
    fsync_interval_s: float = 1.0,
    overwrite: bool = False,
    stop: asyncio.Event | None = None,
    on_health: Callable[[Any], None] | None = None,
    health_every_s: float = 1.0,
    streams: tuple[bool, bool, bool] = (True, True, True),
    header_extra: dict[str, Any] | None = None,
) -> RecordResult:
    """Start streaming on ``dev`` and write everything to ``path`` until ``duration_s`` has
    passed, ``stop`` is set, or the stream ends (see the module docstring). ``header_extra``
    adds keys to the file header (``kyphos demo`` adds ``simulated``: scenario and seed)."""
    subject = check_subject(subject)
    source = dev.transport.kind.value  # "ble", "serial", "sim" or "replay"
    header = new_header(
        source, subject=subject, device=_info_dict(dev),
        link={"target": dev.transport.name, "fsync_interval_s": fsync_interval_s},
        **(header_extra or {}),
    )
    result = RecordResult(Path(path))
    loop = asyncio.get_running_loop()
    writer = KyrWriter(path, header, fsync_interval_s=fsync_interval_s, overwrite=overwrite)
    clock = dev.transport.clock
    t0 = loop.time()

    def note(obj: dict[str, Any]) -> None:
        writer.write(make_frame(Note(obj)), clock.now_us() if clock else -1)
        result.records += 1

    async def stopper() -> None:
        waits: list[asyncio.Future[Any]] = []
        if stop is not None:
            waits.append(asyncio.ensure_future(stop.wait()))
        if duration_s is not None:
            waits.append(asyncio.ensure_future(asyncio.sleep(duration_s)))
        if not waits:
            return
        done, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for p in pending:
            p.cancel()
        result.stopped_by = "stop" if stop is not None and stop.is_set() else "duration"
        try:
            await dev.stop()
        except Exception as exc:  # the stream must end even if the last back-fill fails
            result.warnings.append(f"stopping {dev.name}: {type(exc).__name__}: {exc}")
            dev.note("warning", message=result.warnings[-1])
        finally:
            dev.end_stream()

    async def reporter(show: Callable[[Any], None]) -> None:
        while True:
            await asyncio.sleep(health_every_s)
            show(dev.health())

    try:
        await dev.start(*streams)
        clock = dev.transport.clock
        result.warnings.extend(dev.warnings)
        stop_task = loop.create_task(stopper())
        rep_task = loop.create_task(reporter(on_health)) if on_health is not None else None
        try:
            async for batch in dev.stream():
                for n in batch.notes:
                    note(n)
                for rec in batch.frames:
                    writer.write(rec.raw, rec.host_us)
                    result.records += 1
                    result.frames += 1
                    if rec.raw[1] == FrameType.IMU:
                        result.imu_samples += rec.raw[14]
                if batch.backfilled:
                    result.backfilled += len(batch.frames)
        finally:
            for t in (stop_task, rep_task):
                if t is not None:
                    t.cancel()
            await asyncio.gather(*(t for t in (stop_task, rep_task) if t is not None),
                                 return_exceptions=True)
        for n in dev.clock_notes():
            note(n)
        result.health = dev.health().as_dict()
        note({"kind": "link", "event": "end", "stopped_by": result.stopped_by, **result.health})
    except RecordingError as exc:
        if not any(s in str(exc) for s in _FULL):
            raise
        result.stopped_by = "disk full"
        try:
            await dev.stop()
        except KyphosError:
            pass
        raise RecordingError(
            f"disk full: recording stopped after {result.records} records; {path} is valid up "
            "to there — free space and record again (data since then is still on the board: "
            "kyphos download)"
        ) from None
    finally:
        result.duration_s = loop.time() - t0
        try:
            writer.close()
        except RecordingError:
            pass
    return result

