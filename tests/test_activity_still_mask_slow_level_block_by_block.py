"""The still mask's slow |acc| level is interpolated back to every row block by block, into one
array: no full-length row numbers (int64) and no float64 copy of them made by ``np.interp``
(8 h at 104 Hz: 48 MB of fresh pages fewer) — with the whole-array interpolation's mask, to the
bit, also at the blocks' edges."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from kyphos.processing import activity as act
from kyphos.processing.preprocess import lowpass

BLOCK = getattr(act, "_INTERP_BLOCK", 1 << 16)


def _session(n: int, fs: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(11)
    t = np.arange(n) / fs
    acc = np.tile([0.2, 0.1, 9.8], (n, 1)) + 0.02 * rng.normal(size=(n, 3))
    acc += np.sin(2 * np.pi * 0.01 * t)[:, None] * [0.0, 0.0, 0.3]  # a slow level to follow
    m = min(int(20 * fs), n // 4)
    acc[n // 3 : n // 3 + m] += 2.0 * rng.normal(size=(m, 3))  # moving
    gyr = 0.01 * rng.normal(size=(n, 3))
    valid = np.ones(n, bool)
    valid[n // 2] = False
    return acc, gyr, valid


@pytest.mark.parametrize("n", [1000, BLOCK, BLOCK + 1, 3 * BLOCK + 7])
def test_still_mask_equals_the_whole_array_level(n: int, monkeypatch: pytest.MonkeyPatch) -> None:
    fs = 104.0
    acc, gyr, valid = _session(n, fs)
    lengths: list[int] = []
    real = np.interp

    def spy(x: Any, *a: Any, **k: Any) -> Any:
        lengths.append(int(np.size(x)))
        return real(x, *a, **k)

    monkeypatch.setattr(np, "interp", spy)
    got = act.still_mask(acc, gyr, fs, valid)
    monkeypatch.setattr(np, "interp", real)
    assert max(lengths) <= BLOCK  # never the whole recording's rows at once
    # the whole-array way (the mask before: np.interp of every row number at once)
    monkeypatch.setattr(act, "_INTERP_BLOCK", 10 * n)
    want = act.still_mask(acc, gyr, fs, valid)
    assert np.array_equal(got, want)
    assert 0 < np.count_nonzero(got) < n or n < 10 * fs


def test_still_mask_level_is_np_interp_of_every_row() -> None:
    # the slow level itself, against np.interp of np.arange(n) as it was made before
    n, fs, q = 3 * BLOCK + 5, 104.0, 26
    x = np.random.default_rng(2).normal(size=n) + 9.8
    lp = lowpass(x[::q], fs / q, 0.1)
    want = np.interp(np.arange(n), np.arange(0, n, q), lp)
    got = np.empty(n)
    for s0 in range(0, n, BLOCK):
        s1 = min(n, s0 + BLOCK)
        got[s0:s1] = np.interp(np.arange(s0, s1, dtype=float), np.arange(0, n, q), lp)
    assert got.tobytes() == want.tobytes()
