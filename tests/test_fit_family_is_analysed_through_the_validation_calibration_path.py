"""The style edges' fit family (``bench/validate_analysis.sim_case``, the sessions
``bench/fit_thresholds.py`` fits the style edges on) is analysed through the same calibration
path as the validation family: with the guided-calibration note a user's ``c`` writes (method
"upright+bend"), not the analysis' own calibration ("auto"). Until the fifteenth session the
sim family had no note, so the edges were tuned to a path neither the validation family nor a
calibrated user takes (FITPATH, docs/accuracy.md section 7)."""

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import fit_thresholds as F  # noqa: E402
from validate_analysis import family_case  # noqa: E402


def test_fit_family_sessions_are_calibrated_as_the_validation_family() -> None:
    from kyphos.analysis import analyze

    sim, val = family_case("sim", 100, 52.0), family_case("validation", 0, 52.0)
    assert [n["method"] for _t, n in sim.session.notes] == ["guided"]
    methods = [analyze(c.session).calibration.to_dict()["method"] for c in (sim, val)]
    assert methods == ["upright+bend", "upright+bend"]
    # the no-note path stays reachable (validate_analysis --no-note, fit_thresholds --path auto)
    assert family_case("sim", 100, 52.0, note=False).session.notes == []


@pytest.mark.parametrize(("path", "notes"), [([], [True]), (["--path", "both"], [True, False]),
                                             (["--path", "auto"], [False])])
def test_style_fit_collects_its_lifts_on_the_note_path_by_default(
        monkeypatch: pytest.MonkeyPatch, path: list[str], notes: list[bool]) -> None:
    seen: list[bool] = []

    def fake(family: str, seed: int, fs: float, note: bool = True) -> list[tuple[Any, ...]]:
        seen.append(note)
        return []

    monkeypatch.setattr(F, "collect", fake)
    from kyphos.sim import scenario  # main draws the fit family's statures: undone after

    monkeypatch.setattr(scenario, "random_lift_session", scenario.random_lift_session)
    assert F.main(["fit_thresholds.py", "--family", "sim", "--seeds", "100", *path]) == 0
    assert seen == notes * F.STATURE_POOL  # each seed at STATURE_POOL statures (STYLE6)
