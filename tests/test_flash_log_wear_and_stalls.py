"""The board's flash log on the LittleFS cost model (kyphos.sim.flashfs): logging wears the
flash by about one block erase per 4 KB logged, not one per frame, and the flash stalls (the
whole firmware waits while the SPI flash erases) lose no sample."""

from __future__ import annotations

import asyncio
from pathlib import Path

import kyphos
import numpy as np
import pytest
from kyphos.sim.board import FlashFolder, VirtualBoard
from kyphos.sim.clock import run
from kyphos.sim.flashfs import BLOCK, FlashTiming, LittleFsModel
from kyphos.sim.radio import VirtualRadio


def _log_on_board(seconds: float, chip: str | None = None,
                  timing: FlashTiming | None = None) -> tuple[VirtualBoard, list[Path]]:
    board = VirtualBoard("demo", seed=3, chip=chip, config={"log_policy": "always"})
    if timing is not None:
        board.flash.model.timing = timing

    async def scenario() -> None:
        await board.start(VirtualRadio())
        await asyncio.sleep(seconds)
        await board.stop()

    run(scenario())
    return board, sorted((board.fs_root / "logs").glob("*.kyr"))


def test_logging_erases_about_one_block_per_4kb_not_one_per_frame() -> None:
    board, logs = _log_on_board(60.0)
    try:
        st = board.flash.model.stats
        logged = sum(p.stat().st_size for p in logs)
        assert logged > 100_000  # ~60 s of IMU + orientation frames
        blocks = logged / BLOCK
        # One erase per new block, plus metadata compactions; syncing every frame (the old
        # default) costs one erase per frame: ~1,300 here.
        assert st.erases <= 1.15 * blocks + 4, (st.erases, blocks)
        assert st.syncs <= blocks + 4, (st.syncs, blocks)
        # Each sync's stall is one block's erase and programs (45 ms + 16 pages), never more.
        t = board.flash.model.timing
        assert st.longest_stall_us <= 2 * t.erase_us + 17 * t.page_us
    finally:
        board.cleanup()


def test_flash_stalls_lose_no_sample_with_the_dsox_fifo() -> None:
    board, logs = _log_on_board(40.0, timing=FlashTiming.worst())
    try:
        assert board.flash.model.stats.longest_stall_us >= 400_000  # the stalls happened
        s = kyphos.load(logs[0])
        assert s.n_samples >= int(35 * 104)
        assert len(s.gaps) == 0, s.gaps
        assert np.diff(s.time).max() < 1.5 / s.fs
    finally:
        board.cleanup()


def test_model_copies_a_synced_partial_block_on_the_next_append(tmp_path: Path) -> None:
    folder = FlashFolder(tmp_path)
    path = str(tmp_path / "a.kyr")
    f = folder.open(path, "wb")
    f.write(b"x" * 100)
    assert folder.model.stats.erases == 1  # the file's first block
    f.flush()
    f.write(b"y" * 100)
    assert folder.model.stats.erases == 2  # copy-on-write of the frozen 100 bytes
    f.write(b"z" * 100)
    assert folder.model.stats.erases == 2  # not synced since: programmed in place
    f.write(b"w" * (BLOCK - 300 + 1))
    assert folder.model.stats.erases == 3  # spilled into a new block
    f.close()
    assert (tmp_path / "a.kyr").read_bytes()[:100] == b"x" * 100


@pytest.mark.parametrize("sync_every", [1, 30])
def test_model_counts_metadata_compactions(sync_every: int) -> None:
    m = LittleFsModel()
    for i in range(1000):
        m.wrote("f", i * 100, 100)
        if i % sync_every == 0:
            m.synced("f", "d", (i + 1) * 100)
    # 100 KB of data is 25 blocks; a sync per 100 B adds a copy per sync and a compaction
    # every ~60 commits.
    if sync_every == 1:
        assert m.stats.erases > 1000
    else:
        assert m.stats.erases < 25 + 40
