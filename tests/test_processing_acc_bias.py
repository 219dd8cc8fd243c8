"""Accelerometer offset from the recording's own still postures (calibration.estimate_acc_bias):
recovered where the postures span the directions, left at zero where they do not, and removed
before orientation by the analysis (reported in the calibration as acc_bias_mg)."""

from __future__ import annotations

import numpy as np
import pytest
from kyphos.analysis import analyze
from kyphos.processing import calibration as cal
from kyphos.sim.validation import generate
from scipy.spatial.transform import Rotation

G0 = 9.80665


def _postures(tilts_deg: list[tuple[float, float]], bias: np.ndarray, fs: float = 52.0,
              hold_s: float = 8.0, seed: int = 0) -> tuple[np.ndarray, ...]:
    """Still holds at the given (pitch, roll) with 2 s moves between them, as a chip with
    ``bias`` (m/s²) and white noise reports them."""
    rng = np.random.default_rng(seed)
    ups = [Rotation.from_euler("yx", [p, r], degrees=True).inv().apply([0, 0, 9.79])
           for p, r in tilts_deg]
    acc, gyr = [], []
    for k, u in enumerate(ups):
        n = int(hold_s * fs)
        acc.append(np.tile(u, (n, 1)))
        gyr.append(np.zeros((n, 3)))
        if k + 1 < len(ups):  # a 2 s move to the next posture, turning at 0.5 rad/s
            m = int(2 * fs)
            w = np.linspace(0, 1, m)[:, None]
            acc.append((1 - w) * u + w * ups[k + 1])
            gyr.append(np.tile([0.0, 0.5, 0.0], (m, 1)))
    a = np.concatenate(acc) + bias + rng.normal(0, 0.007, (sum(len(x) for x in acc), 3))
    g = np.concatenate(gyr) + rng.normal(0, 0.002, a.shape)
    t = np.arange(len(a)) / fs
    return t, a, g


def test_offset_recovered_from_postures_that_span_it() -> None:
    bias = np.array([0.35, -0.2, 0.3])  # ≈ 36, −20, 31 mg
    tilts = [(0, 0), (30, 0), (60, 0), (90, 0), (-20, 0), (0, 60), (0, -70), (45, 30)]
    t, a, g = _postures(tilts, bias)
    est = cal.estimate_acc_bias(t, a, g, 52.0)
    assert est.postures == len(tilts)
    assert np.max(np.abs(est.bias - bias)) < 0.05, est  # < 5 mg per axis
    assert est.spread_deg > 80
    # the same postures without an offset: nothing found (and nothing applied)
    t, a, g = _postures(tilts, np.zeros(3))
    est0 = cal.estimate_acc_bias(t, a, g, 52.0)
    assert np.linalg.norm(est0.bias) < 0.03, est0


def test_one_posture_says_nothing_across_gravity() -> None:
    """Standing still only: the offset across gravity is not observable and stays at the
    prior (zero); along gravity it is confounded with |g| and held by the g prior."""
    bias = np.array([0.0, 0.3, 0.3])  # across gravity (z up in this frame: x and y across)
    t, a, g = _postures([(0, 0), (1, 0), (0, 1)], bias)
    est = cal.estimate_acc_bias(t, a, g, 52.0)
    assert abs(est.bias[0]) < 0.05 and est.sd[0] > 0.1


def test_analysis_removes_the_chip_offset_and_reports_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """A validation-family session (its chip has datasheet-typical offsets): the offset the
    analysis reports is near the chip's along the axes that the session's postures span (sensor
    x and z: the sagittal plane), and flexion before the clip slip is more accurate than with
    the estimate turned off."""
    v = generate(1001, 52.0)  # chip offsets −42.5, −21.8, −1.4 mg
    a = analyze(v.to_session())
    got = np.array(a.to_dict()["calibration"]["acc_bias_mg"])
    true = v.unit.acc_bias / G0 * 1e3
    assert abs(got[0] - true[0]) < 8 and abs(got[2] - true[2]) < 8, (got, true)
    ok = a.angles.valid & (v.truth.activity_names != "lying") & (v.time < v.script.slips[0].t)

    def rmse(x: object) -> float:
        e = np.degrees(x.angles.flexion[ok] - v.truth.flexion[ok])  # type: ignore[attr-defined]
        return float(np.sqrt(np.mean(e**2)))

    monkeypatch.setattr(cal, "estimate_acc_bias", lambda *_a, **_k: cal.AccBias(
        np.zeros(3), np.zeros(3), G0, 0, 0.0))
    b = analyze(v.to_session())
    assert b.to_dict()["calibration"]["acc_bias_mg"] == [0.0, 0.0, 0.0]
    assert rmse(a) < 0.5 < rmse(b), (rmse(a), rmse(b))
