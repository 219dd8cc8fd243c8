"""bench/style_semisq_study.py: it names styles exactly as the shipped closed / H rule does, it
pairs each cached lift with its own script lift (so the hip share and truth angles it prints
are that lift's), and it refuses held-out seeds."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import style_semisq_study as Q  # noqa: E402
from validate_analysis import HELD_OUT_FROM  # noqa: E402


def test_study_names_styles_as_the_shipped_closed_rule() -> None:
    from kyphos.metrics.style import (
        SEMI_CLOSED_PER_HIP,
        SQUAT_CLOSED_PER_HIP,
        classify_style_per_hip,
    )

    grid = np.r_[np.linspace(-0.05, 0.4, 91), SEMI_CLOSED_PER_HIP, SQUAT_CLOSED_PER_HIP]
    assert [Q.classify_rel(float(x)) for x in grid] == [
        classify_style_per_hip(float(x), "closed") for x in grid]


def test_study_pairs_each_lift_with_its_own_script_lift() -> None:
    from style_study import _val_script

    sc = _val_script(3)
    rows = [{"seed": 3, "hip_drop_m": float(lf.hip_drop_m), "flex": np.zeros(104),
             "fs": 104.0} for lf in sc.lifts]
    Q._script_truth(rows)
    assert [r["trunk_deg"] for r in rows] == [float(lf.trunk_deg) for lf in sc.lifts]
    assert [r["knee_deg"] for r in rows] == [float(lf.knee_deg) for lf in sc.lifts]
    assert all(r["hip_share"] == float(sc.person.hip_share_stoop) for r in rows)


def test_study_refuses_held_out_seeds(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        Q.main(["x", "--cache", str(tmp_path), "--sets", f"{HELD_OUT_FROM}-{HELD_OUT_FROM + 1}:104"])
