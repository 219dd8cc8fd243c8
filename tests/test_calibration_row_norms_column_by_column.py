"""The calibration's per-row norms and finite / masked-row tests are made column by column
(numpy reduces a 3-wide last axis row by row, ~2x slower): the automatic calibration's and the
still test's rows, gravity's direction and turn rate, and ``remove_acc_bias``' masked rows of
the whole recording — with the same values to the bit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from kyphos.processing import calibration as cal
from kyphos.processing.preprocess import finite_rows, row_norms
from kyphos.sim.validation import generate


@pytest.mark.parametrize("order", ["C", "F", "strided"])
def test_row_norms_and_finite_rows_equal_numpys(order: str) -> None:
    rng = np.random.default_rng(2)
    x = rng.normal(scale=9.81, size=(20_000, 3)) * rng.choice([1e-8, 1.0, 1e8], (20_000, 1))
    x[::13] = 0.0
    x[5, 0], x[6, 1], x[7, 2] = np.nan, np.inf, -np.inf
    x = np.asfortranarray(x) if order == "F" else x[::2] if order == "strided" else x
    assert np.array_equal(row_norms(x), np.linalg.norm(x, axis=1), equal_nan=True)
    assert np.array_equal(finite_rows(x), np.all(np.isfinite(x), axis=1))


def test_calibration_makes_no_row_by_row_norm_of_long_arrays(
        monkeypatch: pytest.MonkeyPatch) -> None:
    v = generate(0, 104.0)
    s = v.to_session()
    t, acc, gyr = s.time, np.asarray(s.acc, float), np.asarray(s.gyr, float)
    q = np.tile([1.0, 0.0, 0.0, 0.0], (len(t), 1))
    long: list[str] = []

    def counted(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(x: Any, *a: Any, **k: Any) -> Any:
            if k.get("axis") in (1, -1) and np.ndim(x) == 2 and len(x) > 1000:
                long.append(name)
            return fn(x, *a, **k)
        return wrapped

    monkeypatch.setattr(np.linalg, "norm", counted("norm", np.linalg.norm))
    monkeypatch.setattr(np, "all", counted("all", np.all))
    monkeypatch.setattr(np, "any", counted("any", np.any))
    bias = cal.estimate_acc_bias(t, acc, gyr, s.fs)
    cal.auto_calibrate(t, acc, gyr, q, s.fs)
    cal.remove_acc_bias(acc, np.array([0.05, -0.02, 0.03]))
    monkeypatch.undo()
    assert bias.postures > 3  # the still test found postures
    assert long == []
