"""``bench/fit_thresholds.py`` draws the sim fit family's statures stratified (STYLE6): the n
fit seeds take the exact normal quantiles Φ⁻¹((i + 0.5) / n) in a fixed permutation, so the
sample's stature distribution is the same in every realization and the fitted edges move less
with the draw than with each session's own draw (STYLE5's natural draw: the no-hip squat edge
0.21726 or 0.22205 m by the realization). ``random_lift_session(stature_z=)`` sets the score."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from statistics import NormalDist

import numpy as np
import pytest
from kyphos.sim import scenario

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import fit_thresholds as F  # noqa: E402

SEEDS = list(range(100, 140))


def test_the_fit_seeds_take_the_exact_normal_quantiles() -> None:
    z = F.stature_z(SEEDS)
    assert sorted(z) == SEEDS
    want = [NormalDist().inv_cdf((i + 0.5) / 40) for i in range(40)]
    assert np.allclose(sorted(z.values()), want, atol=1e-12)


def test_the_permutation_is_fixed_by_the_salt() -> None:
    assert F.stature_z(SEEDS) == F.stature_z(SEEDS, F.STATURE_SALT)
    assert F.stature_z(SEEDS, 1) != F.stature_z(SEEDS, 0)
    assert sorted(F.stature_z(SEEDS, 1).values()) == sorted(F.stature_z(SEEDS, 0).values())


def test_a_given_score_sets_the_stature_and_nothing_else() -> None:
    a = scenario.random_lift_session(117, stature_sd=0.041)
    b = scenario.random_lift_session(117, stature_sd=0.041, stature_z=1.0)
    assert b["subject"]["height_m"] == round(1.75 * 1.041, 3)
    strip = {k: v for k, v in a.items() if k != "subject"}
    assert json.dumps(strip, sort_keys=True) == json.dumps(
        {k: v for k, v in b.items() if k != "subject"}, sort_keys=True)


def test_the_fit_draws_the_stratified_statures(monkeypatch: pytest.MonkeyPatch) -> None:
    # main's default: the fit seeds (and the floor seeds apart) stratified, as the fit does
    monkeypatch.setattr(scenario, "random_lift_session", scenario.random_lift_session)
    assert F.STATURE_DRAWS[0] == "stratified"
    F.draw_statures(F.STATURE_SD, F.stature_z(SEEDS))
    h = sorted(scenario.random_lift_session(s)["subject"]["height_m"] for s in SEEDS)
    want = sorted(round(1.75 * (1 + F.STATURE_SD * NormalDist().inv_cdf((i + 0.5) / 40)), 3)
                  for i in range(40))
    assert h == want
    # a seed outside the groups keeps its own draw
    assert (scenario.random_lift_session(5)["subject"]["height_m"]
            == scenario.random_lift_session.__wrapped__(5, stature_sd=F.STATURE_SD)["subject"][
                "height_m"])


def test_the_fit_pools_each_seed_at_several_statures(monkeypatch: pytest.MonkeyPatch) -> None:
    # --stature-pool K: every fit seed is collected K times, under the permutations salt … salt
    # + K − 1 (the shipped fit: 4); recorded here without simulating
    monkeypatch.setattr(scenario, "random_lift_session", scenario.random_lift_session)
    seen: list[tuple[int, float]] = []

    def fake_collect(family: str, seed: int, fs: float, note: bool = True) -> list:
        seen.append((seed, scenario.random_lift_session(seed, fs=fs)["subject"]["height_m"]))
        return []

    monkeypatch.setattr(F, "collect", fake_collect)
    assert F.STATURE_POOL == 4
    F.main(["fit_thresholds.py", "--family", "sim", "--seeds", "100-107"])
    seeds = list(range(100, 108))
    assert sorted(s for s, _ in seen) == sorted(seeds * 4)
    for k in range(4):
        z = F.stature_z(seeds, k)
        assert [h for _, h in seen[8 * k:8 * (k + 1)]] == [
            round(1.75 * (1 + F.STATURE_SD * z[s]), 3) for s in seeds]
