"""The Python API follows the validity rule of ``kyphos analyze --json`` (issue 15 item 6):
``kyphos.load(p).posture.score``, the lifts' scores and ``.risk`` gave numbers on data that
``analyze --json`` refused to score. Now, below the bar, a notebook gets None for every score,
no praise, no lifts where lifts cannot be trusted, NaN angles where angles cannot be trusted,
and the reasons in ``.validity.warnings`` (= ``.analysis.validity.warnings``). Each case below
scored before."""

from __future__ import annotations

from pathlib import Path

import kyphos
import numpy as np
import pytest
from _csv_session import lift_arrays, write_csv
from kyphos.analysis import analyze
from kyphos.errors import KyphosError
from kyphos.session import Session


@pytest.fixture(scope="module")
def base() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return lift_arrays()


_csv = write_csv


def _no_angles(s: Session) -> None:
    """What "angles cannot be trusted" means in the API."""
    assert s.validity.angles_trusted is False
    assert len(s.angles.time) == len(s.analysis.prepared.time)  # the time axis stays
    assert np.isnan(s.angles.flexion).all() and np.isnan(s.angles.lateral).all()
    assert not s.angles.valid.any()
    assert s.posture.zones_pct == {} and s.posture.slouch_episodes == []
    assert s.slouch_episodes == [] and s.sustained_bends == [] and s.seated_reaches == []
    assert s.posture.measured_s > 60.0  # what was measured is still said


def _no_scores(s: Session) -> None:
    assert s.validity.valid is False and s.validity.warnings
    assert s.analysis.validity is s.validity
    assert s.posture.score is None and s.analysis.posture.score is None
    assert s.risk.index is None and s.analysis.risk.index is None
    assert all(lf.score is None for lf in s.lifts)
    assert not any("good form" in r for lf in s.lifts for r in lf.reasons)
    assert s.analysis.lift_stats["good_form_pct"] is None
    # the JSON of the gated analysis is the JSON `kyphos analyze --json` prints
    d = s.analysis.to_dict()
    assert d["valid"] is False and d["posture"]["score"] is None
    assert _same_json(d, analyze(s).to_dict())


def _same_json(a: dict, b: dict) -> bool:
    """Equal, NaN == NaN (``masked_s`` and the like are plain floats)."""
    import json

    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_a_valid_session_keeps_its_scores(base) -> None:
    s = Session(time=base[0], acc=base[1], gyr=base[2], fs=104.0)
    assert s.validity.valid and s.validity.warnings == []
    assert 0 < s.posture.score <= 100
    assert len(s.lifts) >= 6 and all(0 <= lf.score <= 100 for lf in s.lifts)
    assert s.risk.index is not None and 0 <= s.risk.index <= 1
    assert np.isfinite(s.angles.flexion[s.angles.valid]).all()


def test_too_low_a_rate_gives_no_lifts_no_risk_no_score(base, tmp_path: Path) -> None:
    t, acc, gyr = base
    p = _csv(tmp_path / "5hz.csv", t[::21], acc[::21], gyr[::21])
    s = kyphos.load(p, time_unit="s")
    _no_scores(s)
    a = kyphos.analyze_file(p, load_options={"time_unit": "s"})  # the other entry, same rule
    assert a.posture.score is None and a.lifts == [] and a.risk.index is None
    assert a.validity.warnings == s.validity.warnings
    assert any("below the 20 Hz lifts need" in w for w in s.validity.warnings)
    assert s.lifts == [] and np.isnan(s.analysis.lift_rate_per_h)
    assert s.risk.note.startswith("not given: ") and np.isnan(s.risk.max_sagittal_flexion_deg)


def test_implausible_units_give_no_angles_and_no_score(base) -> None:
    """Accelerometer samples in g handed over as m/s² (a Python session: no loader to tell)."""
    t, acc, gyr = base
    s = Session(time=t, acc=acc / 9.80665, gyr=gyr, fs=104.0)
    _no_scores(s)
    _no_angles(s)
    assert "gravity at rest reads 1 m/s²" in s.validity.warnings[0]
    assert s.lifts == []


def test_foreign_axes_in_python_give_no_angles_and_name_the_axes(base) -> None:
    """Another IMU's samples (x towards the feet, y to the right) given to Session as they are:
    before, valid, posture score 90 and the bends read as leaning back (15 % "extension", no
    time over 20°)."""
    t, acc, gyr = base
    flip = np.array([-1.0, -1.0, 1.0])
    s = Session(time=t, acc=acc * flip, gyr=gyr * flip, fs=104.0)
    _no_scores(s)
    _no_angles(s)
    assert "--axes=-x,-y,z" in s.validity.warnings[0]
    # converted as the warning says, the same samples are valid again
    from kyphos.recording.units import parse_axes

    p = parse_axes("-x,-y,z")
    ok = Session(time=t, acc=(acc * flip) @ p.T, gyr=(gyr * flip) @ p.T, fs=104.0)
    assert ok.validity.valid and ok.posture.score is not None


def test_foreign_axes_in_a_csv_the_data_cannot_tell_stop_with_one_line(tmp_path: Path) -> None:
    n = 104 * 30
    rng = np.random.default_rng(2)
    acc = np.tile([-9.81, 0.0, 0.3], (n, 1)) + 0.02 * rng.normal(size=(n, 3))
    s = kyphos.load(_csv(tmp_path / "down.csv", np.arange(n) / 104, acc,
                         0.003 * rng.normal(size=(n, 3))))
    with pytest.raises(KyphosError, match="--axes") as e:
        _ = s.posture.score
    assert "\n" not in str(e.value)


def test_no_upright_reference_gives_no_angles(base) -> None:
    """Always moving, never still: no upright to measure from (the calibration falls back to
    the nominal mounting, confidence 0)."""
    from scipy.spatial.transform import Rotation

    t = base[0]
    rng = np.random.default_rng(0)
    w = np.cumsum(rng.normal(size=(len(t), 3)), axis=0)
    w = (w - w.mean(0)) * 1.5 / np.abs(w - w.mean(0)).max()
    acc = Rotation.from_rotvec(w).inv().apply([9.81, 0.0, 0.0]) + 2.0 * rng.normal(size=(len(t), 3))
    s = Session(time=t, acc=acc, gyr=np.gradient(w, t, axis=0), fs=104.0)
    _no_scores(s)
    _no_angles(s)
    assert s.validity.warnings[0].startswith("no trustworthy upright reference")
    assert s.analysis.calibration.confidence < 0.5


def test_short_wear_keeps_lifts_and_angles_but_no_score_no_praise(base) -> None:
    t, acc, gyr = base
    k = 59 * 104  # under the 60 s a score needs, with the good squat at 46.6 s inside
    s = Session(time=t[:k], acc=acc[:k], gyr=gyr[:k], fs=104.0)
    _no_scores(s)
    assert "60 s a score needs" in s.validity.warnings[0]
    assert s.validity.angles_trusted and s.lifts  # the lifts are there, unscored
    assert s.posture.zones_pct and np.isfinite(s.angles.flexion[s.angles.valid]).all()
    raw = analyze(s)  # the analysis before the rule: scores, and praise for the good lifts
    assert raw.posture.score is not None and all(lf.score is not None for lf in raw.lifts)
    assert any("good form" in r for lf in raw.lifts for r in lf.reasons)


def test_the_review_window_scores_no_lift_below_the_bar(base, tmp_path: Path) -> None:
    """``kyphos review`` showed "score 88/100" for the lifts of a 45 s recording (the report
    showed none); it now reads the gated analysis."""
    from kyphos.views.review import Review

    t, acc, gyr = base
    k = 45 * 104
    r = Review(_csv(tmp_path / "short.csv", t[:k], acc[:k], gyr[:k]))
    assert r.lifts and all(lf.score is None for lf in r.lifts)
    r.select_lift(0)
    text = r.detail_text()
    assert "score     – (not valid)" in text and "/100" not in text and "good form" not in text
