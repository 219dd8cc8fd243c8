"""kyphos.metrics.style.lift_knee_drop_lever: the best candidate's knee drop
(docs/accuracy.md section 7) reproduces bench/style_study.py's ``lever2_dh_1_speed_window``
to the bit on a synthetic back, leaves the hip drop of a lift with the wearer's lever, falls
back to LINK_M without one, and gives None on a window with an invalid row."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import style_study as S  # noqa: E402
from kyphos.metrics.style import (  # noqa: E402
    LIFT_PAD_S,
    LINK_M,
    lever_from_bends,
    lift_knee_drop_lever,
    window_drop,
)
from test_bench_style_study import FS, _back  # noqa: E402


def _lever(r: float, d: float) -> tuple[float, float]:
    cal = _back(r, d, 60.0, 0.0)
    t = cal["t"] + 1.0
    lv = lever_from_bends(t, np.ones(len(t), bool), S._tilt(cal["flex"], cal["lat"]),
                          cal["acc_e"], [(1.0, 4.0)], FS)
    assert lv is not None
    return lv


def test_equals_the_study_feature_and_leaves_the_hip_drop() -> None:
    for r, d in ((0.5, 0.0), (0.48, 0.09)):  # per person
        lv = _lever(r, d)
        cal = _back(r, d, 60.0, 0.0)
        for hip in (0.0, 0.15, 0.35):
            lift = _back(r, d, 45.0 if hip else 80.0, hip)
            tilt = S._tilt(lift["flex"], lift["lat"])
            t = lift["t"] + 1.0
            # the lift's bounds: the window is the whole synthetic trace (at rest both ends)
            got = lift_knee_drop_lever(t, np.ones(len(t), bool), tilt, lift["acc_e"],
                                       t[0] + LIFT_PAD_S, t[-1] - LIFT_PAD_S + 1e-9, FS, lv)
            row = dict(lift, fwd=np.array([1.0, 0.0, 0.0]), fs=FS, cal=[cal],
                       knee_drop_m=0.0, sensor_drop_m=lift["drop"], peak_tilt_deg=lift["tilt"])
            assert got == S.features(row)["lever2_dh_1_speed_window"], (r, d, hip)
            assert got is not None and abs(got - hip) < 0.01, (r, d, hip, got)


def test_no_lever_falls_back_to_link_m_and_invalid_rows_give_none() -> None:
    lift = _back(0.48, 0.09, 50.0, 0.2)
    tilt = S._tilt(lift["flex"], lift["lat"])
    t = lift["t"] + 1.0
    ok = np.ones(len(t), bool)
    a, b = t[0] + LIFT_PAD_S, t[-1] - LIFT_PAD_S + 1e-9
    got = lift_knee_drop_lever(t, ok, tilt, lift["acc_e"], a, b, FS, None)
    w = window_drop(lift["acc_e"], tilt, FS)
    assert w is not None and abs(w[0] - lift["drop"]) < 0.003
    assert got == w[0] - LINK_M * (1.0 - np.cos(w[1]))
    bad = ok.copy()
    bad[200] = False
    assert lift_knee_drop_lever(t, bad, tilt, lift["acc_e"], a, b, FS, None) is None
    nan = lift["acc_e"].copy()
    nan[100, 2] = np.nan
    assert lift_knee_drop_lever(t, ok, tilt, nan, a, b, FS, None) is None


def test_lever_from_recording_equals_the_whole_arrays_on_a_session_of_each_family() -> None:
    """lever_from_recording (the earth-frame acceleration on the bends' windows only) gives
    lever_from_bends over the whole recording's arrays, on a simulator lift session and on a
    validation development session (guided bend, no calibration note); r and d in range. The
    whole arrays' acceleration is rotated as the windows' is (``aligned_earth_acc``: the
    orientation half a sample back, STYLE7)."""
    from kyphos.analysis import analyze
    from kyphos.metrics.style import (
        LEVER_DEPTH_RANGE_M,
        LINK_RANGE_M,
        aligned_earth_acc,
        lever_from_recording,
    )
    from kyphos.sim.scenario import random_lift_session, simulate
    from kyphos.sim.validation import generate

    for ses in (simulate(random_lift_session(0, fs=52.0), seed=0).to_session(),
                generate(3, 52.0, blocks=("lifts",)).to_session(calibration_note=False)):
        a = analyze(ses)
        ang, bends = a.angles, a.calibration.calibration_bends_s
        assert bends and np.all(np.isfinite(ang.time))
        tilt = np.arccos(np.clip(np.cos(ang.flexion) * np.cos(ang.lateral), -1, 1))
        for closure in (False, True):  # the same-place integral too (lever_from_bends)
            whole = lever_from_bends(ang.time, ang.valid, tilt,
                                     aligned_earth_acc(a.quat, a.prepared.acc,
                                                       np.arange(len(a.quat))), bends,
                                     ang.fs, closure)
            got = lever_from_recording(ang, a.quat, a.prepared.acc, bends, closure)
            assert whole is not None and got is not None
            assert np.allclose(got, whole, rtol=0.0, atol=1e-9)
            assert LINK_RANGE_M[0] <= got[0] <= LINK_RANGE_M[1]
            assert LEVER_DEPTH_RANGE_M[0] <= got[1] <= LEVER_DEPTH_RANGE_M[1]
        assert lever_from_recording(ang, a.quat, a.prepared.acc, []) is None
