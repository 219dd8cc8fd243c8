"""``prepare`` takes the time axis's steps once (``np.diff(time)``) for the order check, the
rate and the splits at gaps (8 h at 104 Hz: three 24 MB differences before, and a copy of the
positive ones for the median): the rate and the splits are those of the steps made anew."""

from __future__ import annotations

import numpy as np
import pytest
from kyphos.processing.preprocess import _split_points, estimate_fs, prepare


@pytest.mark.parametrize("nominal", [None, 104.0, 100.0])
def test_rate_from_given_steps_equals_made_anew(nominal: float | None) -> None:
    rng = np.random.default_rng(0)
    t = np.cumsum(rng.uniform(0.0095, 0.0098, 5000))
    assert estimate_fs(t, nominal, steps=np.diff(t)) == estimate_fs(t, nominal)
    gaps = np.array([[t[100], t[101] + 2.0]])
    t[2000:] += 3.0  # a gap longer than any bridge
    assert np.array_equal(_split_points(t, 1.0, gaps, np.diff(t)), _split_points(t, 1.0, gaps))


def test_prepare_same_with_unordered_and_ordered_time() -> None:
    rng = np.random.default_rng(1)
    n = 3000
    t = np.arange(n) / 104.0
    t[1500:] += 5.0
    acc, gyr = rng.normal(size=(n, 3)), rng.normal(size=(n, 3))
    p = prepare(t, acc, gyr, 104.0)
    assert p.fs == 104.0 and len(p.segments) == 2
    order = rng.permutation(n)
    q = prepare(t[order], acc[order], gyr[order], 104.0)  # sorted first: the steps made again
    assert q.fs == p.fs and np.array_equal(q.segments, p.segments)
    assert np.array_equal(q.acc, p.acc, equal_nan=True)
