"""``preprocess.lowpass`` runs scipy's compiled second-order-sections loop in place
(``_filtfilt_rows``: the odd extension written straight from the input, both passes in reused
buffers; issue 15's speed target). It must give ``signal.sosfiltfilt``'s numbers to the bit —
1-D and (N, C) inputs, short (one piece) and long (chunks with margins) — and the fallback
(another scipy without the compiled loop's module) the same."""

from __future__ import annotations

import numpy as np
import pytest
from kyphos.processing import preprocess as pp
from scipy import signal


def _reference(x: np.ndarray, fs: float, fc: float) -> np.ndarray:
    """The chunked sosfiltfilt of lowpass before (LOWPASS_CHUNK pieces with margins)."""
    sos = pp.lowpass_sos(fs, fc)
    n, m = len(x), pp.settle_samples(fs, fc)
    pieces = [(0, n, 0, n)] if n <= pp.LOWPASS_CHUNK + 2 * m else [
        (c0, min(n, c0 + pp.LOWPASS_CHUNK), max(0, c0 - m), min(n, c0 + pp.LOWPASS_CHUNK + m))
        for c0 in range(0, n, pp.LOWPASS_CHUNK)]
    out = np.empty(x.shape)
    for c0, c1, e0, e1 in pieces:
        out[c0:c1] = signal.sosfiltfilt(sos, x[e0:e1], axis=0)[c0 - e0 : c1 - e0]
    return out


@pytest.mark.parametrize("shape", [(40,), (5000, 3), (pp.LOWPASS_CHUNK + 700, 1),
                                   (2 * pp.LOWPASS_CHUNK + 99,)])
@pytest.mark.parametrize("band", [(104.0, 25.0), (52.0, 0.1)])
def test_lowpass_equals_sosfiltfilt_to_the_bit(shape: tuple[int, ...],
                                               band: tuple[float, float]) -> None:
    x = np.random.default_rng(len(shape) + shape[0]).normal(size=shape).cumsum(axis=0)
    y = pp.lowpass(x, *band)
    assert y.shape == x.shape and np.array_equal(y, _reference(x, *band))


def test_fallback_without_the_compiled_loop_gives_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    x = np.random.default_rng(9).normal(size=(pp.LOWPASS_CHUNK + 500, 3))
    fast = pp.lowpass(x, 104.0, 25.0)
    monkeypatch.setattr(pp, "_sosfilt_inplace", None)
    assert np.array_equal(pp.lowpass(x, 104.0, 25.0), fast)
