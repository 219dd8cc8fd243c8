"""Runs of True in boolean arrays, with hysteresis and minimum length — the episode helpers."""

from __future__ import annotations

import numpy as np

from kyphos.processing.preprocess import runs

__all__ = ["drop_short", "hysteresis", "runs"]


def hysteresis(x: np.ndarray, enter: float, exit: float) -> np.ndarray:
    """True from where ``x`` rises above ``enter`` until it falls below ``exit`` (< enter).

    Vectorised: a sample is "on" if the last threshold event at or before it was an entry.
    NaN counts as below ``exit`` (it ends an episode).
    """
    x = np.asarray(x, float)
    above = x > enter
    below = ~(x >= exit)  # True for NaN too
    event = np.zeros(len(x), np.int8)
    event[above] = 1
    event[below] = -1
    del above, below
    # index of the last event at or before each sample (−1: none yet), in place; int32 when
    # it fits (issue 17 bounded memory: ~10 B per sample of temporaries instead of 28)
    last: np.ndarray = np.arange(len(x), dtype=np.int32 if len(x) < 2**31 else np.int64)
    last[event == 0] = -1
    if len(x):
        np.maximum.accumulate(last, out=last)
    ok = last >= 0
    np.maximum(last, 0, out=last)
    state = event[last] == 1
    state &= ok
    return state


def drop_short(r: np.ndarray, min_len: int) -> np.ndarray:
    """Keep runs of at least ``min_len`` samples."""
    return r[(r[:, 1] - r[:, 0]) >= min_len] if len(r) else r
