"""bench/bench_analysis.py reports the end-to-end / VQF ratio from interleaved runs: the
median and range of each kind per measure, the ratio of the medians and the ratio within each
(VQF, end to end) pair, with CPU = user + system (no timing here: the runs are given)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import bench_analysis as ba  # noqa: E402


def _run(kind: str, wall: float, user: float, sys_: float) -> dict[str, float | str]:
    return {"kind": kind, "wall": wall, "user": user, "sys": sys_}


def test_summary_takes_medians_ranges_and_pair_ratios() -> None:
    runs = [_run("vqf", 2.0, 1.8, 0.2), _run("e2e", 6.0, 5.0, 1.0),
            _run("vqf", 4.0, 2.0, 1.0), _run("e2e", 8.0, 6.0, 1.0),
            _run("vqf", 3.0, 1.9, 0.6), _run("e2e", 12.0, 5.5, 2.0)]
    sm = ba.summarise(runs)  # type: ignore[arg-type]
    assert sm["vqf"]["wall"] == (3.0, 2.0, 4.0)
    assert sm["e2e"]["wall"] == (8.0, 6.0, 12.0)
    assert sm["vqf"]["cpu"][0] == pytest.approx(2.5)  # user + sys: 2.0, 3.0, 2.5
    assert sm["ratio_of_medians"]["wall"][0] == pytest.approx(8.0 / 3.0)
    # pairs: 6/2, 8/4, 12/3 -> median 3, range 2-4 (not the ratio of the medians)
    assert sm["pair_ratio"]["wall"] == pytest.approx((3.0, 2.0, 4.0))
    assert sm["pair_ratio"]["user"][0] == pytest.approx(sorted([5 / 1.8, 3.0, 5.5 / 1.9])[1])


def test_summary_refuses_unpaired_runs() -> None:
    with pytest.raises(ValueError):
        ba.summarise([_run("vqf", 2.0, 1.8, 0.2), _run("e2e", 6.0, 5.0, 1.0),
                      _run("vqf", 2.0, 1.8, 0.2)])  # type: ignore[arg-type]
