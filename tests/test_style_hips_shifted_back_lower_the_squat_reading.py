"""The closed-bend style rules read the squat edge on ``knee drop + HIP_SHIFT_WEIGHT · hip
shift``: a lift whose hips moved back under the tilting trunk (a hip-led lift, whose trunk
lowers the sensor further than the calibration bend's lever says) reads less deep, so a
semi-squat just over the squat edge by its knee drop alone stays a semi-squat, while the stoop
edge reads the knee drop alone (docs/accuracy.md section 7, STYLE2)."""

from __future__ import annotations

import numpy as np
import pytest
from kyphos.metrics import style as S


def _window(shift_m: float, knee_m: float, lever: tuple[float, float], fs: float = 104.0
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(time, tilt, earth acc) of a lift: the sensor r up and d behind a trunk tilting 50° and
    back, the hips lowered by ``knee_m`` and moved back by ``shift_m``, at rest at both ends."""
    r, d = lever
    t = np.arange(0.0, 5.0, 1.0 / fs)
    s = np.clip((t - 1.0) / 3.0, 0.0, 1.0)
    bump = np.sin(np.pi * s) ** 2
    tau = np.radians(50.0) * bump
    x = r * np.sin(tau) + d * (1 - np.cos(tau)) - shift_m * bump
    z = -(r * (1 - np.cos(tau)) - d * np.sin(tau)) - knee_m * bump
    acc = np.zeros((len(t), 3))
    acc[:, 0] = np.gradient(np.gradient(x, t), t)
    acc[:, 2] = np.gradient(np.gradient(z, t), t)
    return t, tau, acc


def test_hip_shift_reads_the_hips_moving_back_and_leaves_the_knee_drop() -> None:
    lever = (0.45, 0.08)
    for shift in (0.0, 0.15):
        t, tau, acc = _window(shift, 0.20, lever)
        got = S.lift_closed_features(t, np.ones(len(t), bool), tau, acc, 0.6, 4.4, 104.0, lever)
        assert got is not None
        kd, hs = got
        assert kd == pytest.approx(0.20, abs=0.01)
        assert hs == pytest.approx(-shift, abs=0.01)
        assert S.lift_knee_drop_lever(t, np.ones(len(t), bool), tau, acc, 0.6, 4.4, 104.0,
                                      lever) == kd


def test_a_semi_squat_whose_hips_went_back_is_not_named_squat() -> None:
    assert S.HIP_SHIFT_WEIGHT > 0.0
    hip = 0.90
    just_over = S.SQUAT_CLOSED_PER_HIP + 0.005  # its knee drop alone reads squat
    assert S.classify_style_per_hip(just_over, "closed") == "squat"
    assert S.classify_style_per_hip(just_over, "closed", -0.25 / hip) == "semi-squat"
    m = S.SQUAT_CLOSED_M + 0.005
    assert S.classify_style_closed_m(m) == "squat"
    assert S.classify_style_closed_m(m, -0.25) == "semi-squat"


def test_the_hip_shift_does_not_move_the_stoop_edge() -> None:
    for shift in (-0.4, 0.0, 0.4):
        assert S.classify_style_closed_m(S.SEMI_CLOSED_M - 1e-4, shift) == "stoop"
        assert S.classify_style_closed_m(S.SEMI_CLOSED_M, -0.4) == "semi-squat"
        assert S.classify_style_per_hip(S.SEMI_CLOSED_PER_HIP - 1e-4, "closed", shift) == "stoop"
    # the knee-drop rule over the hip height has no shift term
    assert S.classify_style_per_hip(S.SQUAT_DROP_PER_HIP, "knee", -1.0) == "squat"
