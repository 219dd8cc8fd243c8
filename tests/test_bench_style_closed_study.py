"""bench/style_closed_study.py: the closed-lift drop (a standing lift ends at the height it
started, integrated with that constraint) reads a lift's drop through a vertical drift that
grows over the window, where the closed-bend knee drop's rest-to-rest integral reads it off;
held-out validation seeds are refused."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import style_closed_study as C  # noqa: E402
from test_bench_style_study import FS, _back  # noqa: E402


def _row(hip: float, ramp: float) -> dict:
    """One cached lift (trunk 45°, the hip dropping ``hip`` m, a vertical acceleration error
    growing by ``ramp`` m/s² per s) with an ideal calibration bend (r 0.45, d 0.07 m)."""
    lift = _back(0.45, 0.07, 45.0, hip)
    acc = lift["acc_e"].copy()
    t = lift["t"]
    acc[:, 2] += -0.02 + ramp * (t - t.mean())
    return {"family": "sim", "seed": 0, "fs": FS, "acc_e": acc, "flex": lift["flex"],
            "lat": lift["lat"], "cal": [_back(0.45, 0.07, 60.0, 0.0)]}


def test_the_closed_lift_reads_the_hip_drop_under_a_growing_drift() -> None:
    rows = [_row(0.12, 0.01), _row(0.12, 0.0)]
    C.add_features(rows)
    drifting, clean = rows
    assert drifting["lever"] == pytest.approx((0.45, 0.07), abs=0.01)
    assert abs(drifting["closed_cl"] - 0.12) < 0.005
    assert abs(drifting["closed"] - 0.12) > 0.01  # the rest-to-rest lift window alone
    assert abs(clean["closed_cl"] - clean["closed"]) < 0.003  # without a drift they agree
    assert np.degrees(drifting["tau"]) == pytest.approx(45.0)


def test_held_out_seeds_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        C.load(tmp_path, "validation", "19001-19002", "104")
