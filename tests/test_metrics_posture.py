"""Posture metrics on constructed angle traces: zones, lateral bands, ISO 11226 holding time,
REBA trunk score, slouch episodes with hysteresis and dwell, and the session score."""

from __future__ import annotations

import numpy as np
import pytest
from kyphos.metrics.episodes import hysteresis, runs
from kyphos.metrics.posture import (
    STATIC_S,
    hold_limit_s,
    holding_violations,
    posture_metrics,
    posture_score,
    reba_trunk_score,
    slouch_episodes,
    sustained_bends,
)
from kyphos.processing.angles import Angles

FS = 10.0


def _angles(flex_deg: np.ndarray, lat_deg: np.ndarray | None = None) -> Angles:
    n = len(flex_deg)
    z = np.zeros(n)
    lat = np.zeros(n) if lat_deg is None else np.radians(lat_deg)
    return Angles(np.arange(n) / FS, np.radians(flex_deg), lat, z, z, z, z,
                  np.ones(n, bool), fs=FS)


def test_zones_are_shares_of_time() -> None:
    f = np.concatenate([np.full(100, -10.0), np.full(500, 10.0), np.full(300, 40.0),
                        np.full(100, 70.0)])
    m = posture_metrics(_angles(f))
    assert m.zones_pct == {"extension": 10.0, "0_20": 50.0, "20_60": 30.0, "over_60": 10.0}
    assert m.measured_s == pytest.approx(100.0)


def test_lateral_bands() -> None:
    lat = np.concatenate([np.full(60, 5.0), np.full(30, -15.0), np.full(10, 25.0)])
    m = posture_metrics(_angles(np.zeros(100), lat))
    assert m.lateral_pct == {"within_10": 60.0, "10_20": 30.0, "over_20": 10.0}


def test_hold_limit_linear_approximation() -> None:
    assert hold_limit_s(10) == np.inf
    assert hold_limit_s(20) == pytest.approx(240)
    assert hold_limit_s(40) == pytest.approx(150)
    assert hold_limit_s(60) == pytest.approx(60)
    assert hold_limit_s(70) == 0


def test_holding_violation_when_held_too_long() -> None:
    # 40° held 200 s (limit 150 s) → violation; 40° held 100 s → none
    f = np.concatenate([np.zeros(50), np.full(2000, 40.0), np.zeros(50), np.full(1000, 40.0),
                        np.zeros(50)])
    t = np.arange(len(f)) / FS
    v = holding_violations(t, f, FS)
    assert len(v) == 1
    assert v[0].limit_s == pytest.approx(150)
    assert v[0].end_s - v[0].start_s == pytest.approx(199.9)


def test_static_posture_above_60_violates_after_4_s() -> None:
    f = np.concatenate([np.zeros(10), np.full(30, 70.0), np.zeros(10), np.full(60, 70.0)])
    v = holding_violations(np.arange(len(f)) / FS, f, FS)
    assert len(v) == 1 and v[0].angle_deg == 70.0


def test_reba_trunk_scores() -> None:
    f = np.array([0.0, 10.0, -10.0, 40.0, -30.0, 70.0, 10.0])
    lat = np.array([0.0, 0, 0, 0, 0, 0, 15.0])
    s = reba_trunk_score(f, lat, np.zeros(7))
    assert s.tolist() == [1, 2, 2, 3, 3, 4, 3]


def test_reba_trunk_score_edges_and_nan() -> None:
    # the REBA trunk table at its edges (±5 upright, ±20, 60 inclusive as written), NaN
    # flexion scores 2, a NaN twist is no twist; an int8 score per sample
    f = np.array([-5.0, 5.0, -5.01, 5.01, 20.0, 20.01, -20.0, -20.01, 60.0, 60.01, np.nan, 0.0])
    lat = np.zeros(len(f))
    ax = np.zeros(len(f))
    ax[-1] = np.nan
    s = reba_trunk_score(f, lat, ax)
    assert s.dtype == np.int8
    assert s.tolist() == [1, 1, 2, 2, 2, 3, 2, 3, 3, 4, 2, 1]
    twisted = reba_trunk_score(f, lat, np.full(len(f), 30.0))
    assert (twisted - s).tolist() == [1] * len(f)


def test_hysteresis_and_runs() -> None:
    x = np.array([0, 9, 7, 6, 4, 9, np.nan, 9, 3], float)
    on = hysteresis(x, 8, 5)
    assert on.tolist() == [False, True, True, True, False, True, False, True, False]
    assert runs(on).tolist() == [[1, 4], [5, 6], [7, 8]]


def test_slouch_episode_needs_threshold_and_dwell_and_ends_below_hysteresis() -> None:
    f = np.concatenate([np.zeros(100), np.full(150, 12.0), np.full(50, 6.0),  # 6° < 8 − 3? no
                        np.full(20, 4.0), np.full(50, 12.0), np.zeros(100)])
    t = np.arange(len(f)) / FS
    eps = slouch_episodes(t, f, FS, threshold_deg=8, hysteresis_deg=3, min_s=10)
    # first: 12° for 15 s, continues through 6° (above 5°) until 4°; second only 5 s → dropped
    assert len(eps) == 1
    assert eps[0].start_s == pytest.approx(10.0)
    assert eps[0].end_s == pytest.approx(29.9)
    assert eps[0].peak_deg == pytest.approx(12.0)


def test_slouch_is_cut_by_lifts() -> None:
    f = np.concatenate([np.zeros(10), np.full(300, 12.0), np.zeros(10)])
    t = np.arange(len(f)) / FS
    lift = (t > 15) & (t < 17)
    eps = slouch_episodes(t, f, FS, exclude=lift, min_s=10)
    assert len(eps) == 2  # split by the lift, no slouch time inside it
    assert eps[0].end_s <= 15.0 and eps[1].start_s >= 17.0


def test_score_formula() -> None:
    zones = {"extension": 0.0, "0_20": 70.0, "20_60": 20.0, "over_60": 10.0}
    lat = {"within_10": 90.0, "10_20": 10.0, "over_20": 0.0}
    score, terms = posture_score(zones, lat, n_holds=2, slouch_pct=5.0)
    # 100 − 60·0.2 − 150·0.1 − 20·0.1 − 40·0.05 − 3·2
    assert score == pytest.approx(100 - 12 - 15 - 2 - 2 - 6)
    assert terms["holding"] == 6
    perfect, _ = posture_score({"extension": 0, "0_20": 100, "20_60": 0, "over_60": 0},
                               {"within_10": 100, "10_20": 0, "over_20": 0}, 0, 0.0)
    assert perfect == 100.0


def test_holding_and_static_edges_after_skipping_short_runs() -> None:
    # runs no longer than the shortest limit are skipped before their median is taken: a run
    # above 60° of exactly STATIC_S is no violation, one sample more is; a held bend of exactly
    # STATIC_S is a sustained bend, one sample less is not
    n4 = int(round(STATIC_S * FS))
    f = np.concatenate([np.zeros(10), np.full(n4, 70.0), np.zeros(10), np.full(n4 + 1, 70.0),
                        np.zeros(10), np.full(n4 - 1, 70.0), np.zeros(10)])
    t = np.arange(len(f)) / FS
    v = holding_violations(t, f, FS)
    assert [round(x.start_s * FS) for x in v] == [10 + n4 + 10]
    b = sustained_bends(t, f, FS)
    assert [round(x.start_s * FS) for x in b] == [10, 10 + n4 + 10]
