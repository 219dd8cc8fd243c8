"""The trunk angles' velocities are differentiated in the smoothed angle's own array, and the
heading is unwrapped in the yaw's own array: no fresh full-length array for either (8 h at
104 Hz: 24 MB each, faulted in by the kernel), with the same values to the bit as
the new-array difference (``np.gradient``'s central and one-sided differences, scaled by
``fs``) and ``np.unwrap``, across the blocks the in-place difference works in."""

from __future__ import annotations

import numpy as np
import pytest
from kyphos.processing.angles import _BLOCK, _gradient, _unwrap, trunk_angles


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, _BLOCK, _BLOCK + 1, _BLOCK + 2, 3 * _BLOCK + 7])
def test_gradient_in_place_equals_numpy(n: int) -> None:
    rng = np.random.default_rng(n)
    x = np.cumsum(rng.normal(0.0, 0.1, n))
    if n > 10:
        x[[4, n // 2, n - 3]] = np.nan
    want = _gradient(x, 104.0)
    if n >= 2:  # np.gradient's values, to rounding (it divides by 2 / fs)
        assert np.allclose(want, np.gradient(x, 1 / 104.0), rtol=1e-12, atol=0.0, equal_nan=True)
    y = x.copy()
    got = _gradient(y, 104.0, overwrite_x=True)
    assert got is y
    assert np.array_equal(got, want, equal_nan=True)


def test_unwrap_in_place_equals_numpy() -> None:
    rng = np.random.default_rng(5)
    y = np.angle(np.exp(1j * np.cumsum(rng.normal(0.0, 0.8, 100_000))))
    y[100:104] = [np.pi, -np.pi, np.nan, 0.0]
    want = np.unwrap(y)
    got = _unwrap(y, overwrite_p=True)
    assert got is y
    assert np.array_equal(got, want, equal_nan=True)


@pytest.mark.parametrize("gap", [False, True])
def test_trunk_angles_velocities_equal_gradient_of_smoothed(gap: bool) -> None:
    from kyphos.processing.preprocess import lowpass

    n = 3 * _BLOCK + 5
    rng = np.random.default_rng(9)
    q = np.column_stack([np.ones(n), np.cumsum(rng.normal(0.0, 0.002, (n, 3)), axis=0)])
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    t = np.arange(n) / 104.0
    valid = np.ones(n, bool)
    if gap:
        valid[20_000] = False
    a = trunk_angles(t, q, np.eye(3), 104.0, valid)
    for ang, vel in ((a.flexion, a.flexion_velocity), (a.lateral, a.lateral_velocity)):
        want = np.full(n, np.nan)
        for s0, s1 in ((0, 20_000), (20_001, n)) if gap else ((0, n),):
            want[s0:s1] = _gradient(lowpass(ang[s0:s1], 104.0, 5.0), 104.0)
        assert np.array_equal(vel, want, equal_nan=True)


def test_unwrap_holds_only_its_result_block_by_block() -> None:
    from _peak_memory import peak_bytes

    rng = np.random.default_rng(6)
    n = 20 * _BLOCK + 3
    y = np.angle(np.exp(1j * np.cumsum(rng.normal(0.0, 1.5, n))))  # a wrap every few rows
    y[[0, 5, _BLOCK]] = -0.0  # -0.0 + 0.0 is +0.0: the corrections are added everywhere
    y[_BLOCK - 1 : _BLOCK + 3] = [np.pi, -np.pi, 0.5, -3.0]  # wraps across a block's edge
    y[3 * _BLOCK + 1] = np.nan
    want = np.unwrap(y)
    got, peak = peak_bytes(lambda: _unwrap(y))
    assert np.array_equal(got, want, equal_nan=True)
    assert np.array_equal(np.signbit(got), np.signbit(want))
    assert peak < 1.2 * 8 * n  # the result and one block; the steps' array too: 2 x 8 N
    z = y.copy()
    got, peak = peak_bytes(lambda: _unwrap(z, overwrite_p=True))
    assert got is z and np.array_equal(z, want, equal_nan=True)
    assert peak < 0.2 * 8 * n
