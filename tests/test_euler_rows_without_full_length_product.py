"""The Euler angles' rotation-matrix entries (``angles._rows_times``) are computed in blocks:
no (4, N) quaternion product and no (5, N) result (216 MB at 8 h, 104 Hz, each page-faulted on
first touch), with the same bits as the one product over all rows — also when the last block
would be a single row (numpy's matrix-vector product rounds differently)."""

from __future__ import annotations

import numpy as np
import pytest
from _peak_memory import peak_bytes
from kyphos.processing import angles
from kyphos.processing.angles import _BLOCK, _right_product, _rows_times


def _reference(q: np.ndarray, m: np.ndarray) -> tuple[np.ndarray, ...]:
    w, x, y, z = _right_product(m) @ q.T  # one product over all rows
    return (1 - 2 * (y * y + z * z), 2 * (x * y + w * z), 2 * (x * z - w * y),
            2 * (y * z + w * x), 1 - 2 * (x * x + y * y))


def _rotation(seed: int) -> np.ndarray:
    m = np.linalg.qr(np.random.default_rng(seed).normal(size=(3, 3)))[0]
    return m if np.linalg.det(m) > 0 else -m


@pytest.mark.parametrize("n", [1, 2, 7, _BLOCK, _BLOCK + 1, 2 * _BLOCK + 1, 3 * _BLOCK + 5])
def test_block_entries_equal_one_product(n: int) -> None:
    rng = np.random.default_rng(n)
    q = rng.normal(size=(n, 4))
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    m = _rotation(n)
    for got, want in zip(_rows_times(q, m), _reference(q, m), strict=True):
        assert np.array_equal(got, want)


def test_no_full_length_product_is_allocated() -> None:
    n = 20 * _BLOCK + 3
    q = np.random.default_rng(1).normal(size=(n, 4))
    out, peak = peak_bytes(lambda: angles._rows_times(q, _rotation(3)))
    assert len(out) == 5
    # the five (N,) results plus block scratch; a (4, N) product on top would be 9 * 8 * N
    assert peak < 5 * 8 * n + 64 * _BLOCK * 8


def _euler_reference(q: np.ndarray, m: np.ndarray) -> tuple[np.ndarray, ...]:
    """The Euler angles over all rows at once (full-length entries and temporaries)."""
    b00, b10, b20, b21, b22 = _reference(q, m)
    flex, lat, yaw = np.arctan2(-b20, np.hypot(b21, b22)), np.arctan2(b21, b22), \
        np.arctan2(b10, b00)
    alt = np.abs(flex) + np.abs(lat) > np.pi
    flex[alt] = np.sign(-b20[alt]) * np.pi - flex[alt]
    lat[alt] = np.arctan2(-b21[alt], -b22[alt])
    yaw[alt] = np.arctan2(-b10[alt], -b00[alt])
    return flex, lat, yaw


@pytest.mark.parametrize("n", [0, 1, 5, _BLOCK + 1, 3 * _BLOCK + 7])
def test_euler_in_blocks_equals_all_rows_at_once(n: int) -> None:
    q = np.random.default_rng(n + 1).normal(size=(n, 4))  # every orientation: both solutions
    q /= np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-12)
    m = _rotation(n + 1)
    for got, want in zip(angles.euler_from_quat(q, m), _euler_reference(q, m), strict=True):
        assert np.array_equal(got, want)


def test_euler_allocates_only_its_three_results() -> None:
    n = 20 * _BLOCK + 3
    q = np.random.default_rng(4).normal(size=(n, 4))
    out, peak = peak_bytes(lambda: angles.euler_from_quat(q, _rotation(5)))
    assert len(out) == 3
    assert peak < 3 * 8 * n + 64 * _BLOCK * 8  # the five entries at full length: 8 * 8 * n
