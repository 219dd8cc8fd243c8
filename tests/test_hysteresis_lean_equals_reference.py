"""metrics.episodes.hysteresis: the same states as the reference formulation it replaced
(np.where + int64 indices), with under half of its temporaries (issue 17, bounded memory)."""

from __future__ import annotations

import tracemalloc

import numpy as np
from kyphos.metrics.episodes import hysteresis


def _reference(x: np.ndarray, enter: float, exit: float) -> np.ndarray:
    x = np.asarray(x, float)
    event = np.zeros(len(x), np.int8)
    event[x > enter] = 1
    event[~(x >= exit)] = -1
    idx = np.where(event != 0, np.arange(len(x)), -1)
    last = np.maximum.accumulate(idx) if len(x) else idx
    state = np.zeros(len(x), bool)
    ok = last >= 0
    state[ok] = event[last[ok]] == 1
    return state


def test_equal_to_the_reference_with_nan_edges_and_empty() -> None:
    rng = np.random.default_rng(11)
    for n in (0, 1, 2, 50, 5000):
        x = np.cumsum(rng.normal(0, 3, n)) + 20
        x[rng.random(n) < 0.02] = np.nan
        for enter, exit in ((25.0, 15.0), (20.0, 19.9), (-1e9, -2e9)):
            got = hysteresis(x, enter, exit)
            assert got.dtype == bool and got.shape == (n,)
            np.testing.assert_array_equal(got, _reference(x, enter, exit))
    # a walk from the middle band: nothing on until the first entry
    np.testing.assert_array_equal(hysteresis(np.array([18.0, 26, 18, 14, 18]), 25, 15),
                                  [False, True, True, False, False])


def test_temporaries_about_ten_bytes_per_sample() -> None:
    x = 30 * np.sin(np.arange(1_000_000) / 500.0)
    tracemalloc.start()
    try:
        hysteresis(x, 20.0, 10.0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 12 * len(x)  # the reference: 28 B per sample (tracemalloc)
