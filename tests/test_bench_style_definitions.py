"""bench/style_study.py --definitions: its truth table reproduces both generators' own lift
truth (the validation script redrawn without signals, the simulator's hip from its body), the
candidate edges sit in the gaps of the family they come from, and held-out seeds are refused."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import style_study as S  # noqa: E402
from validate_analysis import HELD_OUT_FROM  # noqa: E402


def test_validation_truth_table_matches_the_generator() -> None:
    from kyphos.sim.validation import generate

    rows = [r for r in S.truth_table("", "3") if r["family"] == "validation"]
    truth = generate(3, 52.0).truth.lifts
    assert [r["style"] for r in rows] == [lf.style for lf in truth]
    assert np.allclose([r["knee_deg"] for r in rows], [lf.knee_deg for lf in truth])
    assert np.allclose([r["hip_drop_m"] for r in rows], [lf.hip_drop_m for lf in truth])


def test_sim_truth_table_matches_the_study_hip_drops() -> None:
    rows = [r for r in S.truth_table("5", "") if r["family"] == "sim"]
    assert np.allclose([r["hip_drop_m"] for r in rows], S._sim_hip_drops(5, 104.0))
    # the simulator's styles are its knee ranges: the "knee" definition keeps every label
    q, lo, hi = S.DEFINITIONS["knee"]
    assert all(S._cls(r[q], lo, hi) == r["style"] for r in rows)


def test_hip_drop_definition_keeps_every_validation_label() -> None:
    q, lo, hi = S.DEFINITIONS["drop"]
    rows = [r for r in S.truth_table("", "0-4") if r["family"] == "validation"]
    assert rows and all(S._cls(r[q], lo, hi) == r["style"] for r in rows)


def test_definitions_refuse_held_out_seeds() -> None:
    with pytest.raises(SystemExit):
        S.truth_table("", str(HELD_OUT_FROM))
