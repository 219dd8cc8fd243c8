"""The time searched for windows (the later calibrations' re-references, the closed-bend lever,
each lift's closed window) is ``np.maximum.accumulate(np.nan_to_num(time, nan=-np.inf))`` to
the bit, and a finite, non-decreasing time is read as it is: no two full-length passes and no
fresh copy (8 h at 104 Hz: 48 MB)."""

from __future__ import annotations

import numpy as np
import pytest
from kyphos.metrics import style
from kyphos.processing import preprocess
from kyphos.processing.preprocess import searchable_time


def _reference(t: np.ndarray) -> np.ndarray:
    return np.maximum.accumulate(np.nan_to_num(t, nan=-np.inf))


@pytest.mark.parametrize("case", ["sorted", "ties", "nan_rows", "unsorted", "inf", "neg_inf",
                                  "empty", "one"])
def test_searchable_time_equals_the_two_passes(case: str) -> None:
    t = np.arange(1000) / 104.0
    if case == "ties":
        t[10:20] = t[10]
    elif case == "nan_rows":
        t[500] = np.nan  # a separator row
        t[0] = np.nan
    elif case == "unsorted":
        t[300] = t[299] - 1.0
    elif case == "inf":
        t[-1] = np.inf
    elif case == "neg_inf":
        t[0] = -np.inf
    elif case == "empty":
        t = t[:0]
    elif case == "one":
        t = t[:1]
    got = searchable_time(t)
    ref = _reference(t)
    assert got.dtype == ref.dtype and got.shape == ref.shape
    assert got.tobytes() == ref.tobytes()


def test_searchable_time_reads_a_sorted_finite_time_as_it_is() -> None:
    t = np.arange(10_000) / 52.0
    assert searchable_time(t) is t
    with_nan = t.copy()
    with_nan[5] = np.nan
    assert searchable_time(with_nan) is not with_nan  # a separator: the passes


def test_closed_windows_make_no_copy_of_a_finite_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """closed_knee_features reads the time through searchable_time (no nan_to_num of it)."""
    rng = np.random.default_rng(1)
    n, fs = 2000, 52.0
    time = np.arange(n) / fs
    flex = 0.2 * np.sin(np.arange(n) / 50.0)
    q = np.tile([1.0, 0.0, 0.0, 0.0], (n, 1))
    acc = np.tile([9.81, 0.0, 0.0], (n, 1)) + 0.01 * rng.normal(size=(n, 3))
    spans = [(5.0, 8.0), (20.0, 24.0)]
    want = style.closed_knee_features(time, np.ones(n, bool), flex, np.zeros(n), q, acc, spans,
                                      fs, (0.4, 0.05))
    calls: list[int] = []
    real = np.nan_to_num

    def counting(x, *a, **k):  # type: ignore[no-untyped-def]
        calls.append(np.size(x))
        return real(x, *a, **k)

    monkeypatch.setattr(np, "nan_to_num", counting)
    got = style.closed_knee_features(time, np.ones(n, bool), flex, np.zeros(n), q, acc, spans,
                                     fs, (0.4, 0.05))
    assert got == want
    assert n not in calls  # no full-length nan_to_num of the time
    assert preprocess.searchable_time(time) is time
