"""kyphos.metrics.style: a standing lift ends at the height it started, so its drop can be
integrated with that constraint too (``window_drop(closed=True)``,
``lift_knee_drop_lever(closed_lift=True)``, ``analyze(style_drop="closed_lift")``): an
acceleration error that grows over the lift's window is taken out, where the rest-to-rest
integral alone reads the drop off by centimetres (docs/accuracy.md section 7, CLOSED)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from kyphos.errors import KyphosError  # noqa: E402
from kyphos.metrics.style import (  # noqa: E402
    STYLE_DROPS,
    Wearer,
    classify_style_per_hip,
    lift_knee_drop_lever,
    trunk_drop,
    wearer_from,
    window_drop,
)
from test_bench_style_study import FS, _back  # noqa: E402


def _drifting_lift(r: float, d: float, tilt_deg: float, hip_drop: float, ramp: float
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict]:
    """The synthetic lift (rest to rest, 5 s) with a vertical acceleration error that grows by
    ``ramp`` m/s² per s from the window's middle, plus a constant bias."""
    lift = _back(r, d, tilt_deg, hip_drop)
    t = lift["t"] + 1.0
    acc = lift["acc_e"].copy()
    acc[:, 2] += -0.02 + ramp * (t - t.mean())
    return t, np.arccos(np.cos(lift["flex"])), acc, lift


def test_a_lift_that_ends_where_it_started_reads_its_drop_under_a_growing_drift() -> None:
    for r, d, tilt, hip in ((0.45, 0.07, 60.0, 0.03), (0.45, 0.07, 35.0, 0.25)):  # per lift
        _t, tilt_r, acc, lift = _drifting_lift(r, d, tilt, hip, 0.01)
        got = window_drop(acc, tilt_r, FS, closed=True)
        assert got is not None
        assert abs(got[0] - lift["drop"]) < 0.003, (tilt, hip, got, lift["drop"])
        assert abs(got[1] - np.radians(tilt)) < 1e-9
        # the rest-to-rest integral alone reads it a centimetre or more off
        old = window_drop(acc, tilt_r, FS)
        assert old is not None and abs(old[0] - lift["drop"]) > 0.01, (tilt, hip, old)
    # without a drift the two agree
    _t, tilt_r, acc, lift = _drifting_lift(0.45, 0.07, 60.0, 0.1, 0.0)
    a, b = window_drop(acc, tilt_r, FS, closed=True), window_drop(acc, tilt_r, FS)
    assert a is not None and b is not None and abs(a[0] - b[0]) < 0.003


def test_the_closed_lift_knee_drop_is_the_hip_drop_with_the_wearers_lever() -> None:
    r, d, hip = 0.45, 0.07, 0.12
    t, tilt_r, acc, lift = _drifting_lift(r, d, 50.0, hip, 0.01)
    ok = np.ones(len(t), bool)
    kd = lift_knee_drop_lever(t, ok, tilt_r, acc, 1.0, 4.0, FS, (r, d), closed_lift=True)
    assert kd is not None and abs(kd - hip) < 0.005, kd
    drop, tau = window_drop(acc, tilt_r, FS, closed=True)  # type: ignore[misc]
    assert kd == pytest.approx(drop - trunk_drop(tau, (r, d)))
    off = lift_knee_drop_lever(t, ok, tilt_r, acc, 1.0, 4.0, FS, (r, d))
    assert off is not None and abs(off - hip) > 0.01, off


def test_closed_lift_is_a_style_drop_of_its_own() -> None:
    assert "closed_lift" in STYLE_DROPS
    w = wearer_from(hip_height_m=0.94, drop="closed_lift")
    assert w is not None and w.drop == "closed_lift"
    assert Wearer(0.94, "hip_height_m", lever=(0.45, 0.07), drop="closed_lift").to_dict()[
        "style_by"] == "closed-bend, closed-lift knee drop / hip height"
    assert "not used" in Wearer(0.94, "hip_height_m", drop="closed_lift").to_dict()["style_by"]
    assert classify_style_per_hip(0.5, "closed_lift") == "squat"
    assert classify_style_per_hip(-0.1, "closed_lift") == "stoop"
    with pytest.raises(KyphosError):
        wearer_from(hip_height_m=0.94, drop="closed-lift")


def test_restyle_names_the_style_by_the_closed_lift_drop_under_a_drift() -> None:
    """A 0.12 m hip drop read through a growing vertical drift: the closed-bend drop over the
    rest-to-rest lift window reads it short; closed, the lift window reads it right."""
    from types import SimpleNamespace

    from kyphos.metrics.lifts import Lift
    from kyphos.metrics.style import restyle

    r, d, hip = 0.45, 0.07, 0.12
    t, tilt_r, acc_e, _lift = _drifting_lift(r, d, 45.0, hip, 0.01)
    t = t - 1.0  # the lift's speed bounds 0-3 s, at rest 1 s either side
    n = len(t)
    angles = SimpleNamespace(time=t, valid=np.ones(n, bool), flexion=tilt_r,
                             lateral=np.zeros(n), fs=FS)
    quat = np.tile([1.0, 0.0, 0.0, 0.0], (n, 1))
    acc = acc_e + np.array([0.0, 0.0, 9.81])
    got = {}
    for drop in ("closed", "closed_lift"):  # per rule
        lf = Lift(0.0, 3.0, "stoop", 45.0, 60.0, 0.0, 0.0, 3.0, 90.0)
        restyle([lf], Wearer(0.94, "hip_height_m", lever=(r, d), drop=drop), angles, quat, acc)
        got[drop] = lf.knee_drop_closed_m
        assert lf.knee_drop_closed_per_hip == pytest.approx(lf.knee_drop_closed_m / 0.94)
        assert lf.style == classify_style_per_hip(lf.knee_drop_closed_per_hip, drop)
    assert abs(got["closed_lift"] - hip) < 0.005 < abs(got["closed"] - hip), got


def test_analyze_with_the_closed_lift_drop_says_so_in_the_json() -> None:
    from kyphos.analysis import analyze
    from kyphos.processing.synthetic import lift_session, mounting
    from kyphos.session import Session

    s = lift_session(90, 104, n_lifts=6, mount=mounting(5, 15, 0), seed=8)
    ses = Session(time=s.time, acc=s.acc, gyr=s.gyr, fs=s.fs)
    d = analyze(ses, hip_height_m=0.93, style_drop="closed_lift").to_dict()
    assert d["wearer"]["style_by"].startswith(("closed-bend, closed-lift",
                                               "knee drop (no calibration"))
    lifts = d["lifts"]
    assert lifts and all("knee_drop_closed_m" in lf and "knee_drop_closed_per_hip" in lf
                         for lf in lifts)
    for lf in lifts:  # per lift: named by the closed-lift drop over the hip height
        if lf["knee_drop_closed_per_hip"] is not None:
            assert lf["style"] == classify_style_per_hip(lf["knee_drop_closed_per_hip"],
                                                         "closed_lift")
