"""Per-row reductions over a short last axis are done column by column (numpy reduces such an
axis row by row, 2-10x slower on 8 h of samples): the masked rows of the vertical acceleration
and the still test (``preprocess.zero_rows``), the activity's decimated validity, and the
Euler angles' rotation of the mounting made once, not once per block."""

from __future__ import annotations

import numpy as np
import pytest
from kyphos.processing import activity as act
from kyphos.processing import angles
from kyphos.processing.preprocess import zero_rows


@pytest.mark.parametrize("strided", [False, True])
def test_zero_rows_equal_all_equal_zero(strided: bool) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(10_000, 3))
    x[::7] = 0.0
    x[3, 1] = -0.0
    x[::11, 2] = 0.0
    x[5, 0] = np.nan
    if strided:
        x = x[::2]
    assert np.array_equal(zero_rows(x), np.all(x == 0, axis=1))
    assert np.array_equal(zero_rows(x[:, :1]), np.all(x[:, :1] == 0, axis=1))


@pytest.mark.parametrize("n", [1, 2, 3, 1001])
def test_activity_decimated_validity_equals_blocks_all(n: int) -> None:
    rng = np.random.default_rng(n)
    t = np.arange(n) / 104.0
    valid = rng.random(n) > 0.05
    az = rng.normal(0.0, 0.3, n)
    acc = np.column_stack([np.zeros(n), np.zeros(n), np.full(n, 9.81)]) + rng.normal(0, 0.05, (n, 3))
    gyr = rng.normal(0.0, 0.01, (n, 3))
    a = act.classify(t, az, acc, gyr, np.full(n, 0.1), 104.0, valid)
    assert len(a.kind) == n and np.all(a.kind[~valid] == -1)


def test_euler_rotation_of_the_mounting_made_once(monkeypatch: pytest.MonkeyPatch) -> None:
    n = 5 * angles._BLOCK + 3
    rng = np.random.default_rng(4)
    q = rng.normal(size=(n, 4))
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    m = np.linalg.qr(rng.normal(size=(3, 3)))[0]
    m *= np.sign(np.linalg.det(m))
    want = [np.concatenate(x) for x in zip(*(angles.euler_from_quat(q[sl], m)
                                            for sl in angles._blocks(n)), strict=True)]
    calls = []
    real = angles._right_product
    monkeypatch.setattr(angles, "_right_product", lambda mm: calls.append(1) or real(mm))
    got = angles.euler_from_quat(q, m)
    assert len(calls) == 1
    for g, w in zip(got, want, strict=True):
        assert np.array_equal(g, w)
