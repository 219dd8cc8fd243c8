"""bench/style_hiperr_study.py re-classifies a cached lift with no hip height, the true one and
validate_analysis' err3 exactly as the analysis' rules name it (the squat edge in metres is
SQUAT_CLOSED_M without a hip height and SQUAT_CLOSED_PER_HIP x H with one), reads the seed's
err3 draw back from the cached hip heights, relabels by the knee-angle definition from the
generator's knee draws, and refuses the held-out seeds."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import style_draws_study as D  # noqa: E402
import style_hiperr_study as S  # noqa: E402
from kyphos.metrics import style as L  # noqa: E402
from validate_analysis import HELD_OUT_FROM  # noqa: E402


def _row(closed: float, shift: float, hip: float, z: float) -> dict[str, Any]:
    return {"i": 0, "truth": "semi-squat", "style_true_h": "stoop", "closed_m": closed,
            "shift_m": shift, "hip": hip, "hip_err3": hip * (1 + 0.03 * z)}


def test_a_short_wearers_deep_semi_squat_is_a_squat_only_with_the_hip_height() -> None:
    hip = 0.86  # the per-hip squat edge, 0.2247 x 0.86 = 19.3 cm, is under the no-hip 21.9 cm
    r = _row(0.205, 0.0, hip, -1.0)
    assert S.squat_edge_m(r, "none") == L.SQUAT_CLOSED_M
    assert S.squat_edge_m(r, "true") == pytest.approx(L.SQUAT_CLOSED_PER_HIP * hip)
    assert S.squat_edge_m(r, "err3") == pytest.approx(L.SQUAT_CLOSED_PER_HIP * hip * 0.97)
    assert S.name(r, "none") == "semi-squat"
    assert S.name(r, "true") == S.name(r, "err3") == "squat"
    assert S.z_of(r) == pytest.approx(-1.0)


@pytest.mark.parametrize("mode", S.MODES)
def test_each_mode_is_the_analysis_rule(mode: str) -> None:
    rng = np.random.default_rng(3)
    for _ in range(200):
        r = _row(float(rng.uniform(0.0, 0.4)), float(rng.uniform(-0.1, 0.1)),
                 float(rng.uniform(0.8, 1.15)), float(rng.standard_normal()))
        h = S.hip_of(r, mode)
        want = (L.classify_style_closed_m(r["closed_m"], r["shift_m"]) if h is None else
                L.classify_style_per_hip(r["closed_m"] / h, "closed", r["shift_m"] / h))
        assert S.name(r, mode) == want
    # no closed window: the analysis keeps the style it named
    assert S.name({**_row(0.1, 0.0, 0.9, 0.0), "closed_m": None}, mode) == "stoop"


def test_the_knee_label_is_styledefs_definition_of_the_drawn_knee(tmp_path: Path) -> None:
    seed = 19003
    draws = D.lift_draws(seed)
    cache = {(seed, 104.0): [dict(_row(0.1, 0.0, 0.9, 0.0), i=k)
                             for k in range(len(draws))]}
    got = S.relabel_knee(cache)[(seed, 104.0)]
    for r, d in zip(got, draws, strict=True):
        want = ("squat" if d["knee_deg"] >= 77.5 else
                "semi-squat" if d["knee_deg"] >= 32.5 else "stoop")
        assert r["truth"] == want


def test_held_out_sets_are_refused(tmp_path: Path) -> None:
    f = tmp_path / "c.json"
    f.write_text(json.dumps({f"validation:{HELD_OUT_FROM}:104:lead0.5": []}))
    with pytest.raises(SystemExit):
        S.main(["x", "--part", "sets", "--caches", str(f)])
    with pytest.raises(SystemExit):
        S.main(["x", "--part", "sets", "--sets", str(HELD_OUT_FROM)])
