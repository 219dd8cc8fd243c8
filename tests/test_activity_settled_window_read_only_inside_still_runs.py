"""The height track's zero-velocity window after a movement (TRACE12 / ZUPT: the first window of
the still run whose rows have settled) is looked for from the movement's end, inside its still
run only (``activity._settle_from``): the rows it finds are those of reading every window of
the day (90ac4c9's ``_settled_end``), to the row, and no row outside the still runs, nor more
than a stretch past each one's settled window, is read (that whole-day reading was ~0.3 s of
the 8-h walking day's analysis)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from kyphos.processing import activity as act
from kyphos.processing.preprocess import runs

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _activity import settled_end_every_window  # noqa: E402


class _Spy(np.ndarray):
    """``az`` that records the rows read through it."""

    read: list[np.ndarray]

    def __getitem__(self, key):  # type: ignore[no-untyped-def]
        self.read.append(np.arange(len(self))[key])
        return np.asarray(self).__getitem__(key)


def _signal(seed: int, n: int = 30000) -> tuple[np.ndarray, np.ndarray]:
    """az: noise whose level changes every 0.5-20 s (some windows settle, some never do, some
    runs only late); still: runs of 1-4000 rows, moving between."""
    rng = np.random.default_rng(seed)
    sd = np.repeat(rng.choice([0.02, 0.04, 0.06, 0.2], 200), rng.integers(50, 2000, 200))[:n]
    az = rng.normal(0.0, 1.0, n) * sd + rng.normal(0.0, 0.5)
    edges = np.cumsum(rng.integers(1, 4000, n // 2))
    still = (np.searchsorted(edges, np.arange(n), side="right") % 2).astype(bool)
    return az, still


@pytest.mark.parametrize("k", [2, 7, 15, 31])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_settled_window_found_from_each_row_equals_every_window_read(seed: int, k: int) -> None:
    az, still = _signal(seed)
    ref = settled_end_every_window(az, still, k)
    r = runs(still)
    rng = np.random.default_rng(seed + 100)
    rows = np.concatenate([r[:, 0], rng.integers(0, len(az), 3000), [0, len(az) - 1]])
    got = act._settle_from(az, rows, r, k)
    np.testing.assert_array_equal(got, ref[rows])
    assert np.sum(got > rows) > 20 and np.sum((got == rows) & still[rows]) > 20  # both kinds


def test_only_the_still_runs_rows_from_each_row_on_are_read() -> None:
    az, still = _signal(3)
    k = 15
    r = runs(still)
    spy = az.view(_Spy)
    spy.read = []
    got = act._settle_from(spy, r[:, 0], r, k)
    read = np.concatenate(spy.read)
    assert np.all(still[read])
    ref = settled_end_every_window(az, still, k)
    np.testing.assert_array_equal(got, ref[r[:, 0]])
    # the settled runs: at most a doubling past the window found (64 starts, then 128, ...)
    settled = got > r[:, 0]
    assert len(read) < 0.5 * int(still.sum())
    assert np.all(np.isin(got[settled], read))
