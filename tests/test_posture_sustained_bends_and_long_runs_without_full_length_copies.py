"""Two full-length temporaries fewer (8 h at 104 Hz: 24 MB of fresh pages each):
``posture.sustained_bends`` finds its runs with the lift rows left out instead of NaN-ing them
in a copy of the flexion, and ``activity._long_runs`` sums its run edges in their own int32
array instead of ``np.cumsum``'s int64 one. The same results as the copies gave (checked
against the old formulas here), with a peak of traced memory below one such array."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
from kyphos.metrics import posture
from kyphos.metrics.posture import ZONE_EDGES_DEG, sustained_bends
from kyphos.processing import activity as act
from kyphos.processing.preprocess import runs

FS = 52.0
N = 1_000_000


def _peak(fn: Callable[[], Any]) -> tuple[Any, int]:
    tracemalloc.start()
    try:
        out = fn()
        return out, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _flexion() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    t = np.arange(N) / FS
    # held bends of 10-200 s between 0 and 80 deg, noise, a few NaN rows; lifts excluded
    f = np.repeat(rng.uniform(0.0, 80.0, N // 2000 + 1), 2000)[:N] + rng.normal(0, 2.0, N)
    f[rng.integers(0, N, 50)] = np.nan
    ex = np.zeros(N, bool)
    for a in rng.integers(0, N - 600, 300):
        ex[a:a + rng.integers(50, 600)] = True
    return t, f, ex


def test_sustained_bends_without_a_copy_of_the_flexion() -> None:
    t, f, ex = _flexion()
    got, peak = _peak(lambda: sustained_bends(t, f, FS, ex))
    assert peak < f.nbytes // 2
    # the old way: the lift rows NaN in a copy
    x = f.copy()
    x[ex] = np.nan
    r = runs(x > ZONE_EDGES_DEG[0])
    r = r[~((r[:, 1] - r[:, 0]) / FS < posture.STATIC_S)]
    want = []
    for a, b in r:
        seg = x[a:b]
        if np.nanmax(seg) >= posture.SLOUCH_MAX_DEG:
            want.append((float(t[a]), float(t[b - 1]), float(np.median(seg)),
                         float(np.nanmax(seg))))
    assert len(want) > 20
    assert [(s.start_s, s.end_s, s.angle_deg, s.peak_deg) for s in got] == want
    assert sustained_bends(t, f, FS) == sustained_bends(t, f, FS, np.zeros(N, bool))


def test_long_runs_sums_in_its_own_array() -> None:
    rng = np.random.default_rng(3)
    mask = np.repeat(rng.random(N // 20) < 0.5, 20) & (rng.random(N) < 0.97)
    got, peak = _peak(lambda: act._long_runs(mask, 15))
    assert peak < 8 * N  # an int64 cumsum alone is 8 bytes a row
    r = runs(mask)
    r = r[(r[:, 1] - r[:, 0]) >= 15]
    want = np.zeros(N, bool)
    for a, b in r:
        want[a:b] = True
    assert got.dtype == bool and np.array_equal(got, want)
