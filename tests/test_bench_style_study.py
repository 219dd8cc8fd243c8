"""bench/style_study.py's geometry on a synthetic back whose path is known: the displacement
from the rest-to-rest integral, the two-parameter lever of a calibration bend, and the
lever-free knee drop of a lift whose hips only drop; the held-out validation seeds are refused."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import style_study as S  # noqa: E402
from validate_analysis import HELD_OUT_FROM  # noqa: E402

FS = 100.0


def _bump(t: np.ndarray, t0: float, t1: float, t2: float, t3: float) -> np.ndarray:
    """0 → 1 (minimum jerk, t0..t1), held, 1 → 0 (t2..t3)."""
    def mj(s: np.ndarray) -> np.ndarray:
        s = np.clip(s, 0.0, 1.0)
        return np.asarray(10 * s**3 - 15 * s**4 + 6 * s**5)
    return mj((t - t0) / (t1 - t0)) - mj((t - t2) / (t3 - t2))


def _back(r: float, d: float, tilt_deg: float, hip_drop: float) -> dict[str, Any]:
    """A sensor r up the trunk from the hip and d behind the spine; the trunk tilts forward by
    ``tilt_deg`` while the hip drops straight down by ``hip_drop`` (m), from rest to rest."""
    t = np.arange(0.0, 5.0, 1.0 / FS)
    b = _bump(t, 1.0, 2.0, 2.5, 4.0)
    th = np.radians(tilt_deg) * b
    x = r * np.sin(th) + d * (1 - np.cos(th))  # forward
    z = r * np.cos(th) + d * np.sin(th) - hip_drop * b  # up
    acc = np.zeros((len(t), 3))
    acc[:, 0] = np.gradient(np.gradient(x, 1 / FS), 1 / FS)
    acc[:, 2] = np.gradient(np.gradient(z, 1 / FS), 1 / FS)
    return {"acc_e": acc, "flex": th, "lat": np.zeros_like(th), "t": t - 1.0, "len_s": 3.0,
            "drop": float(z[0] - z.min()), "tilt": float(np.degrees(th.max()))}


def test_displacement_from_rest_to_rest() -> None:
    c = _back(0.5, 0.08, 70.0, 0.2)
    p = S._disp(c["acc_e"], S._tilt(c["flex"], c["lat"]), FS)
    assert abs(float(-p[:, 2].min()) - c["drop"]) < 0.003
    assert abs(float(p[-1, 0])) < 0.003 and abs(float(p[-1, 2])) < 0.003


def test_two_parameter_lever_of_a_hip_hinge() -> None:
    cal = _back(0.5, 0.08, 60.0, 0.0)
    lv = S._lever2({"cal": [cal], "fs": FS}, 1.0)
    assert lv is not None
    assert abs(lv[0] - 0.5) < 0.01 and abs(lv[1] - 0.08) < 0.01


def test_lever_free_and_two_parameter_knee_drop_of_a_lift() -> None:
    for d in (0.0, 0.08):  # per person: the sensor on the spine line, or 8 cm behind it
        cal = _back(0.5, d, 60.0, 0.0)
        for drop in (0.0, 0.15, 0.35):
            lift = _back(0.5, d, 45.0 if drop else 80.0, drop)
            row = dict(lift, fwd=np.array([1.0, 0.0, 0.0]), fs=FS, cal=[cal],
                       knee_drop_m=0.0, sensor_drop_m=lift["drop"], peak_tilt_deg=lift["tilt"])
            f = S.features(row)
            assert abs(f["lever2_own_1"] - drop) < 0.01, (drop, d, f)
            if d == 0.0:  # the arc about a hip that only drops: lever-free is exact
                assert abs(f["free_fwd"] - drop) < 0.01, (drop, f)
            else:  # a sensor behind the spine moves forward more and drops less: reads low
                assert f["free_fwd"] < drop - 0.02, (drop, f)


def test_held_out_validation_seeds_are_refused() -> None:
    with pytest.raises(SystemExit):  # the lead's held-out set
        S._jobs("validation", f"{HELD_OUT_FROM - 10}-{HELD_OUT_FROM + 1}", "104")
    assert S._jobs("validation", "0-1", "104") == [(0, 104.0), (1, 104.0)]
    assert S._jobs("validation", "12030", "52") == [(12030, 52.0)]
    with pytest.raises(SystemExit):  # the noise-free study too, before generating anything
        S.exact(str(HELD_OUT_FROM))
    import kyphos.sim.validation.script as script

    with pytest.raises(SystemExit):  # and with the same hip share, whose patch is undone
        S.exact_same_hip_share(str(HELD_OUT_FROM))
    assert not hasattr(script, "min")


def test_library_lever_from_bends_recovers_lever_and_depth() -> None:
    """kyphos.metrics.style.lever_from_bends (the best candidate's lever) on the synthetic
    back: r and d within 1 cm from one hip-hinge bend; trunk_drop then leaves the hip drop."""
    from kyphos.metrics.style import lever_from_bends, trunk_drop

    cal = _back(0.48, 0.09, 60.0, 0.0)
    t = cal["t"] + 1.0
    lv = lever_from_bends(t, np.ones(len(t), bool), S._tilt(cal["flex"], cal["lat"]),
                          cal["acc_e"], [(1.0, 4.0)], FS)
    assert lv is not None and abs(lv[0] - 0.48) < 0.01 and abs(lv[1] - 0.09) < 0.01
    lift = _back(0.48, 0.09, 50.0, 0.2)
    knee = lift["drop"] - trunk_drop(np.radians(lift["tilt"]), lv)
    assert abs(knee - 0.2) < 0.01
    # a bend shallower than LINK_BEND_MIN_DEG, or a gap in its window, gives no lever
    low = _back(0.48, 0.09, 20.0, 0.0)
    assert lever_from_bends(t, np.ones(len(t), bool), S._tilt(low["flex"], low["lat"]),
                            low["acc_e"], [(1.0, 4.0)], FS) is None
    gap = np.ones(len(t), bool)
    gap[250] = False
    assert lever_from_bends(t, gap, S._tilt(cal["flex"], cal["lat"]), cal["acc_e"],
                            [(1.0, 4.0)], FS) is None


def test_closed_lever_variants_of_a_hip_hinge() -> None:
    """``--why``'s lever variants: the bend closed (it ends where it started), fitted on the
    drop and the excursion, on the drop alone, or without bounds, all find the back's r and d."""
    cal = _back(0.5, 0.08, 60.0, 0.0)
    row = {"cal": [cal], "fs": FS}
    for kw in ({}, {"excursion": False}, {"bounded": False}):
        lv = S._closed_lever(row, **kw)
        assert lv is not None
        assert abs(lv[0] - 0.5) < 0.01 and abs(lv[1] - 0.08) < 0.01, (kw, lv)
    shallow = dict(_back(0.5, 0.08, 20.0, 0.0))  # under LINK_BEND_MIN_DEG: no lever
    assert S._closed_lever({"cal": [shallow], "fs": FS}) is None
