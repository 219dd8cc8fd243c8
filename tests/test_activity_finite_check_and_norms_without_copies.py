"""The activity's inputs are checked for NaN by one sum (``preprocess.all_finite``: a finite
sum has no NaN or infinite entry; only a sum that is not finite is checked entry by entry),
and its row norms and trunk tilt are computed in their own arrays — the same values to the
bit as the whole-array expressions they replace."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from kyphos.processing import activity as act
from kyphos.processing.preprocess import all_finite


@pytest.mark.parametrize("case", ["finite", "nan", "inf", "inf-inf", "overflow", "empty",
                                  "strided", "int", "float32-overflow"])
def test_all_finite_equals_isfinite_all(case: str) -> None:
    rng = np.random.default_rng(0)
    x: np.ndarray = rng.normal(size=(1000, 3))
    if case == "nan":
        x[500, 1] = np.nan
    elif case == "inf":
        x[3, 2] = np.inf
    elif case == "inf-inf":
        x[3, 2], x[7, 0] = np.inf, -np.inf  # the sum is NaN
    elif case == "overflow":
        x[:] = 1e308  # every entry finite, the sum is not
    elif case == "empty":
        x = np.zeros((0, 3))
    elif case == "strided":
        x[1, 0] = np.nan
        x = x[::2]  # the NaN row is not in the view
    elif case == "int":
        x = np.arange(12).reshape(4, 3)
    elif case == "float32-overflow":
        x = np.full((10, 3), 3e38, np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the sum's overflow or inf − inf is no warning
        assert all_finite(x) == bool(np.isfinite(x).all())
    assert act._finite(x) is x or not bool(np.isfinite(x).all())


@pytest.mark.parametrize("with_valid", [False, True])
def test_norm_rows_equal_the_whole_array_expression(with_valid: bool) -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(20_000, 3))[::2] * 9.81
    valid = rng.random(len(x)) > 0.2 if with_valid else None
    n = np.sqrt(x[:, 0] * x[:, 0] + x[:, 1] * x[:, 1] + x[:, 2] * x[:, 2])
    want = n if valid is None else np.where(valid, n, 0.0)
    got = act._norm_rows(x, valid)
    assert np.array_equal(got, want) and np.array_equal(np.signbit(got), np.signbit(want))


def test_tilt_from_angles_equals_the_whole_array_expression() -> None:
    rng = np.random.default_rng(2)
    f, la = rng.uniform(-3.2, 3.2, 50_000), rng.uniform(-3.2, 3.2, 50_000)
    f[[5, 9]] = np.nan
    want = np.arccos(np.clip(np.cos(f) * np.cos(la), -1.0, 1.0))
    assert np.array_equal(act.tilt_from_angles(f, la), want, equal_nan=True)
    assert act.tilt_from_angles(0.3, 0.2) == np.arccos(np.cos(0.3) * np.cos(0.2))
