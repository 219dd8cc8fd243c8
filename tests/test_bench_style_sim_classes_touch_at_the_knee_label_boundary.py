"""bench/style_sim_classes.py: the fit family's semi-squats and squats touch in true hip drop
(semi-squat knee up to 75°, squat from 80°, on one 1.75 m body); a sourced stature spread makes
them overlap more, not less, and the per-style ankle constants make the touch but not where the
best squat edge on the truth sits (STYLE5, seventeenth session)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import style_sim_classes as C  # noqa: E402
from style_study import _sim_hip_drops  # noqa: E402


@pytest.fixture(scope="module")
def out() -> dict[str, dict[str, float]]:
    return C.variants(list(range(100, 140)))


def test_hip_drops_are_style_studys_truth() -> None:
    rows = C.lifts([100, 101, 102])
    ref = np.concatenate([_sim_hip_drops(s, 104.0) for s in (100, 101, 102)])
    assert np.allclose(C.hip_drops(rows), ref, atol=1e-12)


def test_shipped_classes_touch_within_a_centimetre(out: dict) -> None:
    s = out["shipped"]
    assert 0.0 < s["overlap_m"] < 0.01
    assert 0.22 < s["edge_m"] < 0.23


def test_a_stature_spread_widens_the_overlap(out: dict) -> None:
    st = next(v for k, v in out.items() if k.startswith("stature"))
    assert st["overlap_m"] > out["shipped"]["overlap_m"] + 0.01
    assert st["right"] < out["shipped"]["right"]


def test_one_ankle_opens_a_gap_but_keeps_the_truth_edge(out: dict) -> None:
    one = next(v for k, v in out.items() if k.startswith("one ankle"))
    assert one["overlap_m"] < -0.02
    assert abs(one["edge_m"] - out["shipped"]["edge_m"]) < 0.002
