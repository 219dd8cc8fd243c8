"""The accelerometer offset's still test (``calibration.still_spans``) makes its ripple and
gravity's turn rate in arrays it already holds and the turn rate's steps block by block: a lower
peak of memory (8 h at 104 Hz: 91 -> 49 MB; ~70 MB of fresh pages fewer in all) — with
``turn_rate``'s values of ``lowpass(np.r_[s[:1], s])``, ``s = |diff(directions)| · fs``, to the bit."""

from __future__ import annotations

import tracemalloc

import numpy as np
from kyphos.processing import calibration as cal
from kyphos.processing.preprocess import lowpass, row_norms


def _turn_rate_whole(acc_lp: np.ndarray, fs: float) -> np.ndarray:
    u = cal.directions(acc_lp)
    step = row_norms(np.diff(u, axis=0)) * fs
    return lowpass(np.r_[step[:1], step], fs, 2.0) if len(step) else np.zeros(len(u))


def test_turn_rate_equals_the_whole_array_formula_to_the_bit() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(3 * cal._TURN_BLOCK + 5, 3)) + [0.0, 0.0, 9.8]
    x[7:12] = 0.0  # masked rows: no direction
    for n in (0, 1, 2, 3, 40, cal._TURN_BLOCK, cal._TURN_BLOCK + 1, cal._TURN_BLOCK + 2, len(x)):
        want = _turn_rate_whole(x[:n], 26.0)
        got = cal.turn_rate(x[:n], 26.0)
        assert got.tobytes() == want.tobytes(), n
        own = x[:n].copy()
        assert cal.turn_rate(own, 26.0, overwrite_x=True).tobytes() == want.tobytes(), n


def test_still_spans_peak_memory_is_lower() -> None:
    # 3.5 h: 327,600 rows on the still test's 26-Hz grid, more than one low-pass chunk (as a
    # day's: the filter's scratch is bounded by the chunk, not by the input)
    fs, n = 104.0, 1_310_400
    rng = np.random.default_rng(5)
    t = np.arange(n) / fs
    acc = np.tile([0.3, -0.2, 9.79], (n, 1)) + 0.01 * rng.normal(size=(n, 3))
    acc[n // 3 : n // 2] += [4.0, 0.0, -2.0]  # another posture
    acc[600_000:600_500] += rng.normal(size=(500, 3))  # movement
    gyr = 0.001 * rng.normal(size=(n, 3))
    tracemalloc.start()
    try:
        means, dur, spans = cal.still_spans(t, acc, gyr, fs)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(means) >= 2 and float(dur.sum()) > 6000.0
    grid_bytes = (n // 4) * 3 * 8  # one (n/4, 3) float64 array on the 26-Hz grid
    assert peak < 4.3 * grid_bytes, peak / grid_bytes  # was 5.0 of them at once, now 3.6
