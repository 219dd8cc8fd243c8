"""The board's flash logs: list them (probing ids when the list does not fit one answer), read
byte ranges (LOG_READ answered by LOG_CHUNKs, checked contiguous), erase, and download them as
verified, resumable ``log-NNNNN.kyr`` files (``kyphos download``)."""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kyphos.link.commands import Commands
from kyphos.link.errors import DeviceError
from kyphos.protocol.constants import ErrCode, Opcode
from kyphos.protocol.frames import Ack
from kyphos.transport.base import LinkError


class Logs(Commands):
    """Log listing, reading and download of :class:`kyphos.link.Device`."""

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
                                "`kyphos download --list --device TARGET` shows the logs")
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
