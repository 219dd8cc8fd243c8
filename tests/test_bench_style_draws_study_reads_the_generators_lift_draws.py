"""bench/style_draws_study.py reads each validation lift's draws as the generator made them:
the scripted hip drop, the coordination term of bent-knee lifts (the hips' share + 0.1, zero
for stoops, equal to style_est_study's), the hips' drawn backward shift; and it refuses the
held-out seeds."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import style_draws_study as D  # noqa: E402
import style_est_study as E  # noqa: E402
from style_study import _val_script  # noqa: E402
from validate_analysis import HELD_OUT_FROM  # noqa: E402

SEED = 19003


def test_each_lift_carries_its_scripted_draws() -> None:
    rows = D.lift_draws(SEED)
    sc = _val_script(SEED)
    assert [r["style"] for r in rows] == [lf.style for lf in sc.lifts]
    for r, lf in zip(rows, sc.lifts, strict=True):
        assert r["hip_drop"] == lf.hip_drop_m
        assert r["lean"] == abs(lf.lateral_deg) and r["twist"] == abs(lf.twist_deg)
        # the hips go back in every lift (script.Builder.lift: -u(0.12, 0.3) sin(share tilt))
        share = r["hip_share"] if lf.style == "stoop" else min(0.95, r["hip_share"] + 0.1)
        bound = np.sin(share * np.radians(lf.trunk_deg))
        assert -0.3 * bound - 1e-9 <= r["hx_m"] <= -0.12 * bound + 1e-3


def test_the_coordination_term_is_style_est_studys_and_zero_for_stoops() -> None:
    rows = D.lift_draws(SEED)
    assert {r["style"] for r in rows} >= {"stoop", "semi-squat"}
    for r in rows:
        want = E.share_term({"style": r["style"], "trunk_deg": r["trunk_deg"],
                             "hip_share": r["hip_share"], "lumbar": r["lumbar"]})
        assert r["share_term"] == pytest.approx(want, abs=1e-12)
        if r["style"] == "stoop":
            assert r["share_term"] == 0.0
        else:
            assert r["share_term"] > 0.0


def test_held_out_sets_are_refused() -> None:
    with pytest.raises(SystemExit):
        D.main(["x", "--part", "draws", "--sets", str(HELD_OUT_FROM)])
    with pytest.raises(SystemExit):
        D.main(["x", "--part", "draws", "--sets", str(HELD_OUT_FROM - 10)])
