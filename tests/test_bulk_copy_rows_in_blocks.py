"""``bulk.copy_rows`` (the loader's sample gather) reads its 8-byte words in blocks of rows
(``COPY_BLOCK_BYTES``), not as one index and one gathered copy the size of the whole gather
(8 h of IMU at 104 Hz: ~2 x 38 MB of fresh pages): the same bytes as a byte gather, at every
alignment, for rows that reach into the buffer's last partial word, and across block edges;
the traced peak stays near the output's own size."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from kyphos.protocol import bulk


@pytest.mark.parametrize("nbytes", [1, 7, 8, 12, 156, 160])
def test_the_same_bytes_as_a_byte_gather(nbytes: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(nbytes)
    arr = rng.integers(0, 256, 20_003, dtype=np.uint8)
    starts = np.sort(rng.integers(0, len(arr) - nbytes + 1, 900)).astype(np.int64)
    starts[-3:] = len(arr) - nbytes  # into the last partial word
    want = arr[starts[:, None] + np.arange(nbytes)]
    assert np.array_equal(bulk.copy_rows(arr, starts, nbytes), want)
    monkeypatch.setattr(bulk, "COPY_BLOCK_BYTES", 8 * 3)  # blocks of a row or two
    assert np.array_equal(bulk.copy_rows(arr, starts, nbytes), want)


def test_no_temporary_the_size_of_the_whole_gather() -> None:
    nbytes, n = 156, 60_000  # 13 IMU samples a frame
    arr = np.random.default_rng(0).integers(0, 256, n * (nbytes + 10) + 8, dtype=np.uint8)
    starts = np.arange(n, dtype=np.int64) * (nbytes + 10) + 3
    tracemalloc.start()
    try:
        out = bulk.copy_rows(arr, starts, nbytes)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert np.array_equal(out[-1], arr[starts[-1]:starts[-1] + nbytes])
    # the output (9.4 MB) plus a few MB of blocks; the whole gather's index alone was 10.6 MB
    assert peak < out.nbytes + 4 * bulk.COPY_BLOCK_BYTES
