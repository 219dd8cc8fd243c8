"""``preprocess.in_intervals`` marks a time axis in order (NaN separator rows aside) from each
interval's first and last row (issue 15's speed target); it must give the mask of bisecting
every sample among the intervals — closed intervals, pads, overlapping and empty intervals,
NaN rows anywhere (False), repeated times — and fall back for an axis out of order."""

from __future__ import annotations

import numpy as np
import pytest
from kyphos.processing import preprocess as pp


@pytest.mark.parametrize("seed", range(6))
def test_sorted_axis_gives_the_bisected_mask(seed: int) -> None:
    rng = np.random.default_rng(seed)
    t = np.round(np.cumsum(rng.choice([0.0, 0.01, 0.02, 0.5], 5000)), 2)  # repeats, gaps
    t[rng.integers(0, 5000, 4 + seed * 1000)] = np.nan  # separators (many for seed 5)
    t[0] = np.nan if seed % 2 else t[0]
    a = rng.uniform(-1, t[np.isfinite(t)].max() + 1, 60)
    iv = np.column_stack([a, a + rng.choice([-0.1, 0.0, 0.02, 0.3, 5.0], 60)])  # some empty
    iv[:5, 1] = iv[:5, 0] = np.round(iv[:5, 0], 2)  # zero-length, on a sample's time
    for pad in (0.0, 0.05):
        assert pp._in_intervals_sorted(t, iv, pad) is not None  # the fast path was taken
        assert np.array_equal(pp.in_intervals(t, iv, pad), pp._in_intervals_bisect(t, iv, pad))


def test_axis_out_of_order_falls_back() -> None:
    t = np.array([0.0, 2.0, 1.0, 3.0, np.nan, 4.0])
    iv = np.array([[0.5, 1.5], [3.5, 5.0]])
    assert pp._in_intervals_sorted(t, iv, 0.0) is None
    assert pp.in_intervals(t, iv).tolist() == [False, False, True, False, False, True]


def test_bisect_path_on_an_ordered_axis() -> None:
    """The reference the fast path is compared with, pinned by hand: closed intervals,
    overlapping ones, a pad, NaN rows False."""
    t = np.array([0.0, 0.5, 1.0, 1.5, np.nan, 2.0, 2.5, 3.0])
    iv = np.array([[1.0, 1.5], [0.4, 1.2], [3.0, 3.0]])
    assert pp._in_intervals_bisect(t, iv, 0.0).tolist() == [False, True, True, True, False,
                                                             False, False, True]
    assert pp._in_intervals_bisect(t, iv, 0.5).tolist() == [True, True, True, True, False,
                                                             True, True, True]
