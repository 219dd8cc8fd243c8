"""``lowpass(..., overwrite_x=True)`` and ``prepare(..., overwrite=True)`` filter the caller's
rows in place (no second copy of 8 h of acc and gyr) with the very same numbers as the copying
path: each chunk's result is written only after the next chunk has read its margin."""

from __future__ import annotations

import numpy as np
import pytest
from kyphos.processing import preprocess
from kyphos.processing.preprocess import lowpass, prepare


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(preprocess, "LOWPASS_CHUNK", 1 << 15)
    return 1 << 15


@pytest.mark.parametrize("cutoff_hz", [25.0, 5.0, 0.3, 0.02])  # 0.02: margin > chunk, a copy
@pytest.mark.parametrize("shape", [(1,), (3,)])
def test_overwrite_gives_the_same_bits_in_the_input(small_chunks: int, cutoff_hz: float,
                                                    shape: tuple[int]) -> None:
    rng = np.random.default_rng(11)
    fs = 104.0
    n = 5 * small_chunks + 777
    x = np.cumsum(rng.normal(size=(n, *shape)), axis=0)[..., 0] if shape == (1,) else \
        np.cumsum(rng.normal(size=(n, *shape)), axis=0)
    want = lowpass(x, fs, cutoff_hz)
    y = x.copy()
    got = lowpass(y, fs, cutoff_hz, overwrite_x=True)
    assert np.array_equal(got, want)
    margin = preprocess.settle_samples(fs, cutoff_hz)
    assert np.shares_memory(got, y) == (margin <= small_chunks)


def test_short_input_in_place_too() -> None:
    x = np.cumsum(np.random.default_rng(2).normal(size=(5000, 3)), axis=0)
    y = x.copy()
    got = lowpass(y, 104.0, 25.0, overwrite_x=True)
    assert got is y and np.array_equal(got, lowpass(x, 104.0, 25.0))


def test_prepare_overwrite_filters_the_rows_it_was_given(small_chunks: int) -> None:
    rng = np.random.default_rng(5)
    n = 3 * small_chunks + 11
    t = np.arange(n) / 104.0
    acc = rng.normal(size=(n, 3)) + [0.0, 0.0, 9.81]
    gyr = rng.normal(size=(n, 3)) * 0.1
    hap = np.zeros(n, bool)
    hap[1000:1200] = True
    ref = prepare(t, acc, gyr, 104.0, haptic=hap)
    a2, g2 = acc.copy(), gyr.copy()
    got = prepare(t, a2, g2, 104.0, haptic=hap, overwrite=True)
    for k in ("time", "acc", "gyr", "valid", "masked", "segments"):
        assert np.array_equal(getattr(got, k), getattr(ref, k)), k
    assert np.shares_memory(got.acc, a2) and np.shares_memory(got.gyr, g2)
    assert not np.shares_memory(ref.acc, acc)  # without overwrite the input is left alone
    assert not np.array_equal(acc, a2)  # with it, the given rows now hold the filtered ones
