"""processing.preprocess.runs: the same runs as a plain loop, with int8 temporaries (the old
int64 concatenation took 48 MB for an 8-hour mask at 104 Hz; issue 17 bounded memory)."""

from __future__ import annotations

import tracemalloc

import numpy as np
from kyphos.processing.preprocess import runs


def _loop(m: np.ndarray) -> list[tuple[int, int]]:
    out, start = [], None
    for i, v in enumerate(m.tolist() + [False]):
        if v and start is None:
            start = i
        elif not v and start is not None:
            out.append((start, i))
            start = None
    return out


def test_runs_equal_a_loop_on_random_masks_and_edges() -> None:
    rng = np.random.default_rng(3)
    for n in (0, 1, 2, 7, 300):
        for p in (0.1, 0.5, 0.9):
            m = rng.random(n) < p
            r = runs(m)
            assert r.shape == (len(_loop(m)), 2) and r.dtype == np.int64
            assert [tuple(x) for x in r.tolist()] == _loop(m)
    m = rng.random(301) < 0.5
    assert [tuple(x) for x in runs(m[::3]).tolist()] == _loop(m[::3])  # a strided view


def test_runs_temporaries_are_a_few_bytes_per_sample() -> None:
    m = np.sin(np.arange(1_000_000) / 1000.0) > 0.3  # 8 h at 104 Hz would be 3 million
    tracemalloc.start()
    try:
        r = runs(m)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(r) == 160
    assert peak < 3 * len(m)  # was 16 B per sample
