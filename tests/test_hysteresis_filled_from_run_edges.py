"""metrics.episodes.hysteresis fills the rows between the thresholds from the edges of their
runs (int8) instead of a running int32 index and a gather per row: the same states, about
half the temporaries (and ~1.6x faster on 8 h at 104 Hz)."""

from __future__ import annotations

import numpy as np
from _peak_memory import peak_bytes
from kyphos.metrics.episodes import hysteresis


def _running_index(x: np.ndarray, enter: float, exit: float) -> np.ndarray:
    event = np.zeros(len(x), np.int8)
    event[x > enter] = 1
    event[~(x >= exit)] = -1
    last = np.where(event != 0, np.arange(len(x)), -1)
    if len(x):
        last = np.maximum.accumulate(last)
    return (last >= 0) & (event[np.maximum(last, 0)] == 1)


def test_same_states_and_under_six_bytes_per_sample() -> None:
    rng = np.random.default_rng(4)
    n = 1_000_000
    x = 30 * np.sin(np.arange(n) / 500.0) + rng.normal(0.0, 3.0, n)  # many short runs
    x[[0, 7, n // 2, n - 1]] = np.nan
    for enter, exit in ((20.0, 10.0), (0.0, -0.5), (-1e9, -2e9), (1e9, 1e8)):
        np.testing.assert_array_equal(hysteresis(x, enter, exit), _running_index(x, enter, exit))
    _, peak = peak_bytes(lambda: hysteresis(x, 20.0, 10.0))
    assert peak < 6 * n  # the running int32 index: 8 B per sample
