"""Shared by the activity tests: two classifications equal to the bit, field by field."""

from __future__ import annotations

import dataclasses

import numpy as np
from kyphos.processing import activity as act


def assert_same_activity(a: act.Activity, b: act.Activity) -> None:
    for f in dataclasses.fields(act.Activity):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype and np.array_equal(x, y, equal_nan=True), f.name
        else:
            assert x == y, f.name


def settled_end_every_window(az: np.ndarray, still: np.ndarray, k: int) -> np.ndarray:
    """(N,) int: for each row i, the first row j >= i whose ``k``-row window [j, j + k) lies in
    i's run of ``still`` with every ``az`` row within ``STILL_END_SETTLE_ACC`` of the window's
    mean, i where there is none: every window of ``az`` read (the height track's reading
    before ``activity._settle_from``, 90ac4c9), the reference it must equal."""
    from kyphos.processing import params as P
    from kyphos.processing.preprocess import runs

    n = len(az)
    out = np.arange(n)
    if n < k:
        return out
    win = np.lib.stride_tricks.sliding_window_view(az, k)
    tot = win[:, 0].copy()
    for j in range(1, k):  # the sum in the rows' order
        tot += win[:, j]
    tot /= k
    dev = np.maximum(win.max(axis=1) - tot, tot - win.min(axis=1))
    starts = np.append(np.flatnonzero(dev < P.STILL_END_SETTLE_ACC), n)  # n: none after
    nxt = starts[np.searchsorted(starts, out)]  # each row's first settled window at or after it
    run_end = np.full(n, -1)
    for r0, r1 in runs(still):
        run_end[r0:r1] = r1
    fit = nxt + k <= run_end
    out[fit] = nxt[fit]
    return out
