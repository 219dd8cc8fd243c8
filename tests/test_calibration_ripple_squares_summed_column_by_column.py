"""The still test of the accelerometer-offset estimate sums the squared ripple of the three
axes column by column (``preprocess.row_sq_sums``, which ``row_norms`` roots: numpy reduces a short last axis row by
row, ~4x slower) with the same bits as ``np.sum(d ** 2, axis=1)``."""

from __future__ import annotations

import numpy as np
from kyphos.processing import preprocess


def test_row_square_sums_equal_numpys() -> None:
    rng = np.random.default_rng(7)
    d = rng.normal(scale=[0.01, 3.0, 700.0], size=(50_000, 3))
    d[::97] = 0.0
    d[5::89, 1] = -0.0
    d[7::61] *= 1e150  # overflow to inf, as numpy's
    want = np.sum(d ** 2, axis=1)
    got = preprocess.row_sq_sums(d)
    assert got.dtype == want.dtype and np.array_equal(got, want)

