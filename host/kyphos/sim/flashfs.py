"""What writing a file costs on the board's flash: a LittleFS v2 cost model for the virtual board.

The virtual board keeps its files in a host folder (:class:`kyphos.sim.board.FlashFolder`); this
module adds what a host folder does not have — block erases, page programs and the time they
stall the firmware — so that a logging policy that would wear out or stall a real board fails
its test here too. The rules, each from the source named:

- MicroPython's ESP32 port mounts LittleFS v2 on the ``vfs`` partition with 4096-byte blocks
  and the ``VfsLfs2`` defaults ``readsize=32, progsize=32``, so ``cache_size`` is
  ``min(block, 4 * max(read, prog))`` = 128 bytes and ``block_cycles`` is 100
  (``extmod/vfs_lfsx.c``, ``init_config``, MicroPython 1.28 — the vendored source).
- ``file.flush()`` and ``close()`` call ``lfs2_file_sync`` (``extmod/vfs_lfsx_file.c``), which
  commits the file's metadata to its directory's metadata pair.
- After a sync, the file's partly written last block is frozen: the next append copies it to a
  freshly erased block ("each append requires a full rewrite of the block when you sync the
  file", littlefs maintainer in littlefs-project/littlefs#581; also #344, #564, #905). Appending
  without a sync programs the open block in place; a new block is erased when data first
  spills into it.
- A metadata pair takes commits until its block is full, then compacts into its other block
  (one erase); after ``block_cycles`` erases the pair is relocated (one more erase).
- While the built-in SPI flash is written or erased, "task execution is always completely
  suspended" (Espressif, ESP-IDF *Speed optimization* guide): the whole firmware, sample loop
  included, stalls for the operation's time.
- Timing: a 4 KB sector erase is 45 ms typical, 400 ms maximum, and a 256-byte page program
  0.4 ms typical, 3 ms maximum, in the Winbond W25Q32JV datasheet's AC characteristics (a
  common 3 V SPI NOR part; modules differ, so benchmarks report both).

Left out: inline files (data under ``cache_size`` kept in the metadata log — a ``.kyr`` header
alone is larger), the CTZ skip-list's pointer words, wear levelling across blocks (the count of
erases is what wears the flash; where they land is LittleFS's business), reads, and the
program-cache flushes within a block (they program pages, which are counted, not erases).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

BLOCK = 4096  # LittleFS block on the ESP32 port (one SPI NOR sector)
PAGE = 256  # SPI NOR page program unit
PROG = 32  # VfsLfs2 default progsize: commits are padded to this
COMMIT = 2 * PROG  # one file-sync commit: struct + CRC tags, padded (an estimate, see above)
BLOCK_CYCLES = 100  # vfs_lfsx.c: config->block_cycles


@dataclass(frozen=True)
class FlashTiming:
    """Erase and program times of the board's SPI NOR flash, in µs."""

    erase_us: int = 45_000
    page_us: int = 400

    @classmethod
    def worst(cls) -> FlashTiming:
        """The datasheet maxima (W25Q32JV: 400 ms sector erase, 3 ms page program)."""
        return cls(erase_us=400_000, page_us=3_000)


@dataclass
class FlashStats:
    """What the flash did since the board was made (counts survive reboots, as wear does)."""

    erases: int = 0
    pages: int = 0
    syncs: int = 0
    stall_us_total: int = 0
    longest_stall_us: int = 0


class LittleFsModel:
    """Per-file and per-directory state that decides what a write or a sync costs."""

    def __init__(self, timing: FlashTiming | None = None,
                 stall: Callable[[int], None] | None = None) -> None:
        self.timing = timing or FlashTiming()
        self.stall = stall  # called with µs: the board's clock moves as the firmware waits
        self.stats = FlashStats()
        self._frozen: dict[str, bool] = {}  # path -> last block partly written and synced
        self._meta_used: dict[str, int] = {}  # directory -> bytes in its metadata block
        self._meta_erases: dict[str, int] = {}

    def _spend(self, erases: int, nbytes: int) -> None:
        pages = -(-nbytes // PAGE) if nbytes > 0 else 0
        us = erases * self.timing.erase_us + pages * self.timing.page_us
        st = self.stats
        st.erases += erases
        st.pages += pages
        if us:
            st.stall_us_total += us
            st.longest_stall_us = max(st.longest_stall_us, us)
            if self.stall is not None:
                self.stall(us)

    def _commit(self, directory: str) -> int:
        """One metadata commit; returns the erases it caused (compaction, relocation)."""
        used = self._meta_used.get(directory, 0) + COMMIT
        erases = 0
        if used > BLOCK:
            erases = 1
            used = 4 * COMMIT  # the compacted state: a few live entries
            n = self._meta_erases.get(directory, 0) + 1
            self._meta_erases[directory] = n
            if n % BLOCK_CYCLES == 0:
                erases += 1
        self._meta_used[directory] = used
        return erases

    def created(self, path: str, directory: str) -> None:
        self._frozen[path] = False
        self._spend(self._commit(directory), COMMIT)

    def wrote(self, path: str, size_before: int, n: int) -> None:
        if n <= 0:
            return
        tail = size_before % BLOCK
        copied = tail if tail and self._frozen.get(path, False) else 0  # copy-on-write
        self._frozen[path] = False
        blocks_before = -(-size_before // BLOCK)
        blocks_after = -(-(size_before + n) // BLOCK)
        self._spend((1 if copied else 0) + blocks_after - blocks_before, n + copied)

    def synced(self, path: str, directory: str, size: int) -> None:
        self.stats.syncs += 1
        self._frozen[path] = size % BLOCK != 0
        self._spend(self._commit(directory), COMMIT)


class LfsFile(io.RawIOBase):
    """A file on the modelled flash: the host file does the storing, the model the costing.

    Writes are not buffered here (MicroPython's LittleFS file writes go to the filesystem at
    once); ``flush`` is a LittleFS sync, and so is ``close``.
    """

    def __init__(self, raw: Any, path: str, directory: str, model: LittleFsModel,
                 writable: bool) -> None:
        super().__init__()
        self._raw = raw
        self._path = path
        self._dir = directory
        self._model = model
        self._writable = writable
        self._dirty = False

    def readable(self) -> bool:
        return not self._writable

    def writable(self) -> bool:
        return self._writable

    def seekable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        size = self._raw.seek(0, 2)
        n: int = self._raw.write(b)
        self._model.wrote(self._path, size, n)
        self._dirty = True
        return n

    def flush(self) -> None:
        if self.closed or self._raw.closed:
            return
        self._raw.flush()
        if self._writable and self._dirty:
            self._model.synced(self._path, self._dir, self._raw.seek(0, 2))
            self._dirty = False

    def close(self) -> None:
        if not self.closed:
            self.flush()
            self._raw.close()
        super().close()

    def read(self, size: int = -1) -> bytes:
        data: bytes = self._raw.read(size)
        return data

    def readinto(self, b: Any) -> int:
        n: int = self._raw.readinto(b)
        return n

    def seek(self, offset: int, whence: int = 0) -> int:
        pos: int = self._raw.seek(offset, whence)
        return pos

    def tell(self) -> int:
        pos: int = self._raw.tell()
        return pos
