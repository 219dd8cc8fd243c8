"""bench/flexion_worst.py: the slip window runs from the truth slip to the nearest
re-reference (either side), a re-reference far from every slip opens a false window, and the
error of the whole recording is split so that the groups add up to it."""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import flexion_worst as fw  # noqa: E402


def test_slip_window_reaches_the_nearest_re_reference_either_side() -> None:
    slip_w, false_w = fw._reref_windows([100.0], [70.0, 300.0], 400.0)
    assert slip_w == [(100.0, 70.0)]  # placed 30 s early: the window is 70-100 s
    assert false_w == [(300.0, 400.0)]  # 200 s from the slip: a false re-reference


def test_missed_slip_window_runs_to_the_end() -> None:
    slip_w, false_w = fw._reref_windows([100.0], [], 400.0)
    assert slip_w == [(100.0, 400.0)] and false_w == []


def test_mark_takes_reversed_intervals() -> None:
    t = np.arange(0.0, 10.0, 1.0)
    assert np.flatnonzero(fw._mark(t, [(6.0, 3.0)])).tolist() == [3, 4, 5]


def test_zeroing_every_group_leaves_nothing(capsys: object) -> None:
    rng = np.random.default_rng(0)
    comp = rng.normal(size=(4, 200)).astype(np.float32)
    row = {"seed": 0, "fs": 100.0, "comp": comp, "group": np.arange(200) % len(fw.GROUPS),
           "dt": 0.01, "slips": [], "rerefs": []}
    fw.report([row], worst=1)
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    e = comp.sum(0).astype(np.float64)
    assert f"pooled flexion RMSE (whole recording) {np.sqrt(np.mean(e ** 2)):.3f}" in out
    shares = [float(line.split("%")[0].split()[-1]) for line in out.splitlines()
              if "% of the error" in line]
    assert len(shares) == len(fw.GROUPS) and abs(sum(shares) - 100.0) < len(fw.GROUPS)
