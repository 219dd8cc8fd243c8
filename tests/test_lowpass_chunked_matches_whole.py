"""The zero-phase low-pass filters long inputs in chunks with margins (bounded memory, issue 17
item 3): the same result as one sosfiltfilt over the whole input, with temporary memory bounded
by the chunk instead of several times the input."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from kyphos.processing import preprocess
from kyphos.processing.preprocess import lowpass, lowpass_sos
from scipy import signal


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(preprocess, "LOWPASS_CHUNK", 1 << 14)
    return 1 << 14


@pytest.mark.parametrize("cutoff_hz", [25.0, 5.0, 0.02])  # the IMU, angle and yaw-trend filters
def test_chunked_lowpass_equals_one_pass(small_chunks: int, cutoff_hz: float) -> None:
    rng = np.random.default_rng(7)
    fs = 104.0
    n = 8 * small_chunks + 12_345 + 2 * preprocess._settle_samples(fs, cutoff_hz)
    x = np.cumsum(rng.normal(size=(n, 3)), axis=0) + 50 * rng.normal(size=(n, 3))
    whole = signal.sosfiltfilt(lowpass_sos(fs, cutoff_hz), x, axis=0)
    for axis, data in ((0, x), (1, x.T.copy())):
        got = lowpass(data, fs, cutoff_hz, axis=axis)
        got = got if axis == 0 else got.T
        assert got.shape == x.shape
        assert np.max(np.abs(got - whole)) <= 1e-9 * np.max(np.abs(x))


def test_chunked_lowpass_keeps_its_temporaries_small(small_chunks: int) -> None:
    fs = 104.0
    x = np.random.default_rng(1).normal(size=(40 * small_chunks, 3))  # 15.7 MB
    tracemalloc.start()
    try:
        lowpass(x, fs, 25.0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # the output (one input's size) plus one chunk's work; one sosfiltfilt over the whole
    # input allocates several times the input
    assert peak < 1.5 * x.nbytes, peak / x.nbytes
