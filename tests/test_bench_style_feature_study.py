"""bench/style_feature_study.py: with no second feature it names styles exactly as the shipped
closed-bend rules do (over the hip height and in metres), the second feature moves only the
squat edge, its hip-shift feature reads a backward shift of the hips as a negative excursion
residual, and it refuses held-out seeds."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import style_feature_study as F  # noqa: E402
from validate_analysis import HELD_OUT_FROM  # noqa: E402


def test_study_names_styles_as_the_shipped_closed_rules_without_a_second_feature() -> None:
    from kyphos.metrics.style import classify_style_closed_m, classify_style_per_hip

    grid = np.r_[np.linspace(-0.05, 0.4, 91), F._semi_edge("err3"), F._shipped_squat_edge("err3")]
    got = F.name(grid, grid, F._semi_edge("err3"), F._shipped_squat_edge("err3"))
    assert list(got) == [classify_style_per_hip(float(x), "closed") for x in grid]
    grid = np.r_[grid, F._semi_edge("none"), F._shipped_squat_edge("none")]
    got = F.name(grid, grid, F._semi_edge("none"), F._shipped_squat_edge("none"))
    assert list(got) == [classify_style_closed_m(float(x)) for x in grid]


def test_second_feature_moves_only_the_squat_edge() -> None:
    x0 = np.array([0.0, 0.1, 0.1, 0.3])  # stoop, semi-squat, semi-squat, squat by the drop
    x = np.array([0.5, 0.5, 0.1, 0.1])  # the rule's squat value
    assert list(F.name(x0, x, 0.04, 0.24)) == ["squat", "squat", "semi-squat", "semi-squat"]
    x0 = np.array([0.0, 0.1])
    assert list(F.name(x0, np.array([-1.0, -1.0]), 0.04, 0.24)) == ["stoop", "semi-squat"]


def _lift(shift_m: float, fs: float = 104.0) -> dict:
    """A cached-lift row: the sensor 0.44 m up a trunk that tilts 60° and back (no calibration
    bend, so the study's lever is LINK_M), the hips moving back by ``shift_m`` and returning,
    at rest at both ends."""
    from kyphos.metrics.style import LINK_M

    t = np.arange(0.0, 4.0, 1.0 / fs)
    s = np.clip((t - 0.5) / 3.0, 0.0, 1.0)
    bump = np.sin(np.pi * s) ** 2  # 0 -> 1 -> 0, flat at both ends
    tau = np.radians(60.0) * bump
    x = LINK_M * np.sin(tau) - shift_m * bump
    z = -LINK_M * (1.0 - np.cos(tau))
    acc = np.zeros((len(t), 3))
    acc[:, 0] = np.gradient(np.gradient(x, t), t)
    acc[:, 2] = np.gradient(np.gradient(z, t), t)
    return {"flex": tau, "lat": np.zeros(len(t)), "acc_e": acc, "fs": fs, "cal": [],
            "fwd": np.array([1.0, 0.0, 0.0])}


def test_hip_shift_feature_is_negative_when_the_hips_move_back() -> None:
    still, back = F.lift_features(_lift(0.0)), F.lift_features(_lift(0.10))
    assert still["closed"] == pytest.approx(0.0, abs=0.01)
    assert still["rx"] == pytest.approx(0.0, abs=0.01)
    assert back["rx"] == pytest.approx(-0.10, abs=0.015)
    assert back["rh"] == pytest.approx(-0.10, abs=0.015)
    assert back["closed"] == pytest.approx(still["closed"], abs=0.01)  # the drop is unchanged


def test_study_refuses_held_out_seeds(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="held out"):
        F.load(tmp_path, "validation", f"{HELD_OUT_FROM}-{HELD_OUT_FROM + 1}", "104")
