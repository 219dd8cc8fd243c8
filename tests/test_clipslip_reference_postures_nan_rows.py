"""``clipslip.reference_postures`` copies the accelerometer rows (NaN as 0) only when some are
not finite (8 h at 104 Hz: a 72 MB copy saved; issue 15's speed target): a recording with a
gap's NaN separator row gives the postures of its NaN-as-0 copy, and a finite one is read as
is, unchanged."""

from __future__ import annotations

import numpy as np
from kyphos.processing.activity import KINDS
from kyphos.processing.clipslip import reference_postures


def test_nan_rows_read_as_zero_and_finite_input_untouched() -> None:
    fs, n = 26.0, 26 * 120
    t = np.arange(n) / fs
    acc = np.tile([9.7, 0.3, 1.1], (n, 1)) + 0.01 * np.random.default_rng(0).normal(size=(n, 3))
    kind = np.full(n, KINDS.index("standing"), np.int8)
    kind[n // 2 :] = KINDS.index("sitting")
    still = np.ones(n, bool)
    before = acc.copy()
    clean = reference_postures(t, acc, kind, still, fs, KINDS, 10.0)
    assert np.array_equal(acc, before) and [r.kind for r in clean] == ["standing", "sitting"]
    gap = acc.copy()
    gap[100] = np.nan  # a separator row inside the standing period
    got = reference_postures(t, gap, kind, still, fs, KINDS, 10.0)
    want = reference_postures(t, np.nan_to_num(gap), kind, still, fs, KINDS, 10.0)
    assert [(r.start_s, r.kind) for r in got] == [(r.start_s, r.kind) for r in want]
    assert all(np.array_equal(a.up, b.up) for a, b in zip(got, want, strict=True))
    assert np.isnan(gap[100]).all()  # the caller's array is not changed
