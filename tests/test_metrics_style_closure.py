"""kyphos.metrics.style.closed_displacement and lever_from_bends(closure=True): a calibration
bend ends where it started, so an acceleration error that grows over the bend's window (the
orientation's drift while bent, leaking gravity into the horizontal) is taken out, and the
lever r and depth d come back within 1 cm, where the rest-to-rest integral alone leaves the
horizontal excursion far from its start and pushes the fit to the bound of d (docs/accuracy.md
section 7, "Why the lever fit sits at its bounds")."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from kyphos.metrics.style import (  # noqa: E402
    LEVER_DEPTH_RANGE_M,
    closed_displacement,
    lever_from_bends,
)
from test_bench_style_study import FS, _back  # noqa: E402


def _drifting_bend(r: float, d: float, ramp: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The synthetic hip-hinge bend (60°, 5 s, rest to rest) with a forward acceleration error
    growing linearly by ``ramp`` m/s² per s from the bend's middle, plus a constant bias."""
    cal = _back(r, d, 60.0, 0.0)
    t = cal["t"] + 1.0
    acc = cal["acc_e"].copy()
    acc[:, 0] += 0.02 + ramp * (t - t.mean())
    acc[:, 2] += -0.01 + 0.3 * ramp * (t - t.mean())
    return t, np.arccos(np.cos(cal["flex"])), acc


def test_a_bend_that_ends_where_it_started_is_integrated_back_to_its_start() -> None:
    t, tilt, acc = _drifting_bend(0.48, 0.09, 0.02)
    p = closed_displacement(acc, tilt, FS)
    assert p is not None and p.shape == acc.shape
    assert np.abs(p[-1]).max() < 1e-9  # the same place at both ends
    ideal = _back(0.48, 0.09, 60.0, 0.0)
    assert abs(float(-p[:, 2].min()) - ideal["drop"]) < 0.01
    assert closed_displacement(acc[:2], tilt[:2], FS) is None
    bad = acc.copy()
    bad[10, 0] = np.nan
    assert closed_displacement(bad, tilt, FS) is None


def test_closure_recovers_lever_and_depth_under_a_growing_drift() -> None:
    for r, d in ((0.48, 0.09), (0.36, 0.06)):  # per person
        t, tilt, acc = _drifting_bend(r, d, 0.02)
        ok = np.ones(len(t), bool)
        got = lever_from_bends(t, ok, tilt, acc, [(1.0, 4.0)], FS, closure=True)
        assert got is not None and abs(got[0] - r) < 0.01 and abs(got[1] - d) < 0.01, (r, d, got)
        # the rest-to-rest integral alone: the excursion ends ~0.1 m off and d goes to a bound
        old = lever_from_bends(t, ok, tilt, acc, [(1.0, 4.0)], FS)
        assert old is not None and abs(old[1] - d) > 0.03, (r, d, old)
        assert old[1] in LEVER_DEPTH_RANGE_M or abs(old[0] - r) > 0.05, (r, d, old)
    # without a drift the two agree
    t, tilt, acc = _drifting_bend(0.48, 0.09, 0.0)
    ok = np.ones(len(t), bool)
    a = lever_from_bends(t, ok, tilt, acc, [(1.0, 4.0)], FS, closure=True)
    b = lever_from_bends(t, ok, tilt, acc, [(1.0, 4.0)], FS)
    assert a is not None and b is not None and np.allclose(a, b, atol=0.01)
