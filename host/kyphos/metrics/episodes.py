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
    event = (x > enter).view(np.int8)  # 1: an entry (a fresh array: int8 view of the mask)
    event[~(x >= exit)] = -1  # an exit, NaN too
    # a row without an event (between the thresholds) keeps the state of the last event
    # before it: each run of such rows takes the event just before the run. Filled from run
    # edges (int8 throughout; issue 17 bounded memory), not per row by a running index
    # (an int32 index, a gather per row: ~1.6x the time at 8 h)
    z = runs(event == 0)
    state = event == 1
    if len(z):
        r0, r1 = z[:, 0], z[:, 1]
        on = r0 > 0  # a run at the start has no event before it: off
        on[on] = event[r0[on] - 1] == 1
        edge = np.zeros(len(x) + 1, np.int8)
        edge[r0[on]] = 1
        edge[r1[on]] -= 1
        state |= np.cumsum(edge[:-1], dtype=np.int8).view(bool)
    return state


def drop_short(r: np.ndarray, min_len: int) -> np.ndarray:
    """Keep runs of at least ``min_len`` samples."""
    return r[(r[:, 1] - r[:, 0]) >= min_len] if len(r) else r
