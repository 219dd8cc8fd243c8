"""A lift's start is read from the sensor's speed integrated forward from the window's still
first end alone (``kyphos.metrics.lifts._forward_speed``): the accelerometer's constant error
before the motion is what that end measures. Before, the error was the average of both ends, and
where they differ (the window ending in the clip's end-of-lift ringing, or a steady offset
other than the one before the lift: validation 25020, 25024, 25027, docs/accuracy.md section 7
TRACE5A) half the difference integrated into a velocity ramp over the pre-motion pad that
passed 5 % of a slow lift's peak ~0.3 s before it moved."""

from __future__ import annotations

import numpy as np
import pytest
from _lift_motion import sin2_move
from kyphos.metrics.lifts import _speed_bounds, _speed_bounds_rows


def _slow_lift(tail: str) -> tuple[np.ndarray, np.ndarray, float]:
    fs = 104.0
    t = np.arange(0.0, 3.2, 1 / fs)
    acc = sin2_move(t, 0.6, 2.0, 0.5)  # rest, a 2 s slow forward move peaking at 0.5 m/s, rest
    acc += [0.03, -0.02, 0.01]  # the chip's constant error, the same at both ends
    if tail == "offset":  # a steady horizontal offset after the lift other than before
        acc[t > 1.6, 1] += 0.2
    else:  # the clip still ringing over the last 0.15 s (mean ≠ 0 there)
        late = t > 2.9
        acc[late, 1] += 0.4 * np.sin(2 * np.pi * 3.0 * (t[late] - 2.9))
    return acc, t, fs


@pytest.mark.parametrize("tail", ["offset", "ringing"])
def test_slow_lift_start_not_early_when_the_window_ends_differently(tail: str) -> None:
    acc, t, fs = _slow_lift(tail)
    a, b = int(1.1 * fs), int(2.2 * fs)  # the rule's bounds, late (0.5 s pad before)
    sb = _speed_bounds(acc, np.zeros(len(t)), fs, a, b)
    assert sb is not None
    # the true speed passes 5 % of its peak where sin²(πu) = 0.05: u = 0.072
    assert t[sb[0]] == pytest.approx(0.6 + 2.0 * 0.072, abs=0.03)
    # the third index is the rest-to-rest speed's start (the closed style window's, where its
    # edges were fitted): here the early one the two-end average gives
    assert t[sb[2]] < t[sb[0]] - 0.2
    # the batch reads the same bounds (its rows carry a padding column, as _gather's)
    n = len(t)
    pad = np.concatenate([acc, acc[:1]])[None]
    inside = (np.arange(n + 1) < n)[None]
    rows = _speed_bounds_rows(pad, np.zeros((1, n + 1)), inside, np.array([n]), np.array([a]),
                              np.array([b]), fs)
    assert tuple(rows[0]) == sb


def test_a_first_end_that_is_not_still_keeps_the_rest_to_rest_start() -> None:
    # the activity's still rule fails over the window's first 0.15 s (a turn ending there:
    # development 22000 @52 started 1.09 s early from it): that end measures motion, so the
    # start is the rest-to-rest speed's, in the batch too
    acc, t, fs = _slow_lift("offset")
    a, b = int(1.1 * fs), int(2.2 * fs)
    sb = _speed_bounds(acc, np.zeros(len(t)), fs, a, b, first_still=False)
    assert sb is not None and sb[0] == sb[2]
    assert sb[0] != _speed_bounds(acc, np.zeros(len(t)), fs, a, b)[0]  # type: ignore[index]
    n = len(t)
    pad = np.concatenate([acc, acc[:1]])[None]
    inside = (np.arange(n + 1) < n)[None]
    rows = _speed_bounds_rows(pad, np.zeros((1, n + 1)), inside, np.array([n]), np.array([a]),
                              np.array([b]), fs, np.array([False]))
    assert tuple(rows[0]) == sb
