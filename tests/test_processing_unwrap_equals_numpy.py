"""``angles._unwrap`` (the axial angle's unwrap) computes the wrap correction only where a step
is π or more (issue 15's speed target); it must equal ``np.unwrap`` to the bit — steps of
exactly ±π, NaN, empty and one-sample inputs, slow and fast turns."""

from __future__ import annotations

import numpy as np
import pytest
from kyphos.processing.angles import _unwrap


@pytest.mark.parametrize("n", [0, 1, 2, 50, 20_000])
@pytest.mark.parametrize("spread", [0.05, 1.0, 4.0])
def test_unwrap_equals_numpy(n: int, spread: float) -> None:
    rng = np.random.default_rng(n + int(spread * 10))
    y = np.angle(np.exp(1j * np.cumsum(rng.normal(0.0, spread, n))))
    if n >= 50:
        y[3], y[7:11] = np.nan, [np.pi, -np.pi, np.pi, 0.0]  # NaN and exact ±π steps
    got, want = _unwrap(y), np.unwrap(y)
    assert got.dtype == want.dtype and np.array_equal(got, want, equal_nan=True)
    if n >= 20_000 and spread >= 1.0:
        assert np.nanmax(np.abs(np.diff(got))) <= np.pi  # it did unwrap
