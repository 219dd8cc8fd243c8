"""``trunk_angles`` with re-referenced mountings (``angles._mounted``) takes its six output
arrays unfilled (``np.empty``: no NaN pass over 6 full-length arrays first), because the
pieces write every row: out of order, a one-row piece, from the start, past the end and rows
that are not valid included. Checked by handing it arrays full of a sentinel instead of
numpy's uninitialised memory: no sentinel survives, and the angles equal those made on
NaN-filled arrays (the old way) to the bit."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from kyphos.processing import angles
from scipy.spatial.transform import Rotation

FS = 52.0
SENTINEL = 12345.678


def _quats(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    rv = np.cumsum(rng.normal(scale=0.02, size=(n, 3)), axis=0)
    q = Rotation.from_rotvec(rv).as_quat()
    return np.asarray(q[:, [3, 0, 1, 2]])


def _with_empty(monkeypatch: pytest.MonkeyPatch, fill: float, n: int) -> list[Any]:
    """numpy in ``angles``, but np.empty hands out arrays full of ``fill``; returns the list
    of the shapes np.full was asked to fill at full length (``n``)."""
    fills: list[Any] = []

    class _Np:
        def __getattr__(self, name: str) -> Any:
            return getattr(np, name)

        @staticmethod
        def empty(shape: Any, *a: Any, **k: Any) -> np.ndarray:
            return np.full(shape, fill, *a, **k)

        @staticmethod
        def full(shape: Any, *a: Any, **k: Any) -> np.ndarray:
            if shape == n:
                fills.append(shape)
            return np.full(shape, *a, **k)

    monkeypatch.setattr(angles, "np", _Np())
    return fills


def test_every_row_is_written(monkeypatch: pytest.MonkeyPatch) -> None:
    n = 30_000
    q = _quats(n, 2)
    t = np.arange(n) / FS
    m0 = Rotation.from_rotvec([0.1, -0.05, 0.3]).as_matrix()
    mats = [Rotation.from_rotvec(r).as_matrix() @ m0
            for r in ([0.1, 0.0, 0.0], [0.0, -0.12, 0.05], [0.05, 0.05, 0.0])]
    gap = np.zeros(n, bool)
    gap[[11_000, 22_222]] = True
    q_gap = q.copy()
    q_gap[gap] = np.nan
    cases: list[tuple[list[tuple[int, np.ndarray]], list[int | None]]] = [
        ([(20_000, mats[1]), (8_000, mats[2])], [20_010, None]),  # out of order
        ([(9_000, mats[0])], [9_100]),
        ([(5_000, mats[0]), (15_000, mats[1]), (15_001, mats[2])], [None, 15_050, None]),
        ([(0, mats[1]), (n + 5, mats[2])], [10, None]),  # from the start; past the end
        ([(-3, mats[1]), (n - 1, mats[2])], [None, None]),  # before the start; the last row
    ]
    names = ("flexion", "lateral", "axial", "flexion_velocity", "lateral_velocity",
             "axial_velocity")
    for quat, v in ((q, np.ones(n, bool)), (q_gap, ~gap)):
        for mounts, blends in cases:
            _with_empty(monkeypatch, np.nan, n)  # the old NaN-filled arrays
            want = angles.trunk_angles(t, quat, m0, FS, v, mounts=mounts, blends=blends)
            fills = _with_empty(monkeypatch, SENTINEL, n)
            got = angles.trunk_angles(t, quat, m0, FS, v, mounts=mounts, blends=blends)
            monkeypatch.undo()
            assert fills == []  # no full-length NaN fill first
            for name in names:
                x = getattr(got, name)
                assert not np.any(x == SENTINEL), (name, mounts)
                assert np.array_equal(x, getattr(want, name), equal_nan=True), (name, mounts)
