"""``activity._median`` (find_steps' step intervals, amplitudes and bounce depths: ~2,800 calls
on an 8-h day) is ``float(np.median(x))`` to the bit without np.median's wrappers, NaN and long
arrays included; ``clipslip._rotation_between`` (~1,800 calls) makes the same matrix as with
``np.cross`` and ``np.linalg.norm``; ``activity.still_mask``, its low-passes in their own
arrays, the same mask as the expression it replaced (issue 15's speed target)."""

from __future__ import annotations

import numpy as np
from kyphos.processing import activity as act
from kyphos.processing import clipslip
from kyphos.processing import params as P
from kyphos.processing.preprocess import lowpass, zero_rows


def test_small_median_is_np_medians_value() -> None:
    rng = np.random.default_rng(7)
    for n in [*range(1, 70), 200]:
        for _ in range(30):
            x = rng.normal(size=n) * 10.0 ** rng.uniform(-4, 4)
            assert act._median(x) == float(np.median(x))
            k = np.sort(rng.integers(0, 5_000, size=n + 1))
            d = np.diff(k)  # int step intervals, as find_steps has them
            assert act._median(d) == float(np.median(d))
    x = np.array([1.0, np.nan, 3.0, 2.0])
    assert np.isnan(act._median(x)) and np.isnan(np.median(x))
    assert type(act._median(np.array([3, 1, 2]))) is float


def _rotation_with_numpy(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    v = np.cross(a, b)
    c = float(a @ b)
    s = float(np.linalg.norm(v))
    if s < 1e-12:
        return np.eye(3)
    k = v / s
    kx = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    ang = np.arctan2(s, c)
    return np.asarray(np.eye(3) + np.sin(ang) * kx + (1 - np.cos(ang)) * (kx @ kx))


def test_rotation_between_is_the_numpy_formulas_matrix() -> None:
    rng = np.random.default_rng(3)
    for _ in range(2_000):
        a, b = rng.normal(size=(2, 3))
        a, b = a / np.linalg.norm(a), b / np.linalg.norm(b)
        if rng.random() < 0.1:
            b = a + rng.normal(scale=1e-7, size=3)  # nearly the same direction
            b = b / np.linalg.norm(b)
        assert np.array_equal(clipslip._rotation_between(a, b), _rotation_with_numpy(a, b))
    a = np.array([0.0, 0.0, 1.0])
    assert np.array_equal(clipslip._rotation_between(a, a), np.eye(3))


def test_still_mask_is_the_expressions_mask() -> None:
    rng = np.random.default_rng(5)
    fs, n = 52.0, 60_000
    acc = np.tile([0.0, 0.0, 9.81], (n, 1)) + rng.normal(scale=0.05, size=(n, 3))
    gyr = rng.normal(scale=0.01, size=(n, 3))
    for a0, a1 in ((5_000, 9_000), (30_000, 33_000)):  # movement
        acc[a0:a1] += rng.normal(scale=2.0, size=(a1 - a0, 3))
        gyr[a0:a1] += rng.normal(scale=1.0, size=(a1 - a0, 3))
    acc[40_000:40_050] = 0.0  # masked rows
    valid = np.ones(n, bool)
    valid[50_000:50_300] = False
    for v in (None, valid):
        vrow = None if v is None else v
        an = np.linalg.norm(acc, axis=1)
        gn0 = np.linalg.norm(gyr, axis=1)
        if vrow is not None:
            an[~vrow] = 0.0
            gn0[~vrow] = 0.0
        gn = lowpass(gn0, fs, 2.0)
        an_lp = lowpass(an, fs, 2.0)
        q = max(1, int(fs // 4))
        level = np.interp(np.arange(n), np.arange(0, n, q),
                          lowpass(an_lp[::q], fs / q, P.STILL_BASELINE_HZ))
        ad = np.abs(an_lp - level)
        vv = np.ones(n, bool) if v is None else v
        st = vv & (gn < np.radians(P.STILL_GYR_DPS)) & (ad < P.STILL_ACC) & ~zero_rows(acc)
        want = act._long_runs(st, max(2, int(P.STILL_MIN_S * fs)))
        got = act.still_mask(acc, gyr, fs, v)
        assert np.array_equal(got, want)
        assert 0 < got.sum() < n
