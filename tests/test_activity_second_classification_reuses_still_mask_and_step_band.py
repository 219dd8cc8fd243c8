"""The analysis classifies the activity twice when there is a clip slip (before the
re-references and after, on the same orientation: only the tilt changes from the slip on).
The still mask and the step band-pass read the tilt only through the rows used (valid and
finite tilt), so the second call takes them from the first (``activity.ClassifyReuse``): the
same activity, to the bit, as a fresh call, without making either again; made afresh when the
rows used or the inputs differ (validation development seed 0 at 104 Hz: a clip slip, walking)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from kyphos import analysis
from kyphos.processing import activity as act

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _activity import assert_same_activity as _equal  # noqa: E402


@pytest.fixture(scope="module")
def day() -> dict[str, Any]:
    from kyphos.sim.validation import generate

    a = analysis.analyze(generate(0, 104.0).to_session())
    p, c, rr = a.prepared, a.calibration, a.re_references
    assert rr and a.activity is not None
    t1 = analysis._tilt_of(p, a.quat, c, None)
    t2 = analysis._tilt_of(p, a.quat, c, rr)
    assert not np.array_equal(t1[0], t2[0], equal_nan=True)  # the slip changes the tilt
    az = analysis.vertical_acceleration(a.quat, p.acc)
    return {"p": p, "az": az, "t1": t1, "t2": t2, "final": a.activity}


def _counting(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    n = {"still": 0, "band": 0}
    still, band = act.still_mask, act.step_band

    def c_still(*a: Any, **k: Any) -> np.ndarray:
        n["still"] += 1
        return still(*a, **k)

    def c_band(*a: Any, **k: Any) -> act.StepBand | None:
        n["band"] += 1
        return band(*a, **k)

    monkeypatch.setattr(act, "still_mask", c_still)
    monkeypatch.setattr(act, "step_band", c_band)
    return n


def _classify(d: dict[str, Any], tilt: Any, az: np.ndarray | None = None,
              reuse: act.ClassifyReuse | None = None,
              valid: np.ndarray | None = None) -> act.Activity:
    p = d["p"]
    return act.classify(p.time, d["az"] if az is None else az, p.acc, p.gyr, tilt, p.fs,
                        p.valid if valid is None else valid, reuse=reuse)


def test_second_classification_reuses_the_still_mask_and_step_band(
        day: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    fresh = _classify(day, day["t2"])
    _equal(fresh, day["final"])  # what analyze reported (it reuses)
    n = _counting(monkeypatch)
    reuse = act.ClassifyReuse()
    _equal(_classify(day, day["t1"], reuse=reuse), _classify(day, day["t1"]))
    assert n == {"still": 2, "band": 2}
    _equal(_classify(day, day["t2"], reuse=reuse), fresh)
    assert n == {"still": 2, "band": 2}  # neither made again


def test_made_afresh_when_the_rows_used_differ(day: dict[str, Any],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    reuse = act.ClassifyReuse()
    _classify(day, day["t1"], reuse=reuse)
    valid = day["p"].valid.copy()
    valid[21000:30000] = False  # 96 s no longer used
    n = _counting(monkeypatch)
    _equal(_classify(day, day["t2"], reuse=reuse, valid=valid),
           _classify(day, day["t2"], valid=valid))
    assert n == {"still": 2, "band": 2}


def test_made_afresh_for_other_inputs(day: dict[str, Any],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    reuse = act.ClassifyReuse()
    _classify(day, day["t1"], reuse=reuse)
    az = day["az"] * 1.5  # another vertical acceleration: other steps
    n = _counting(monkeypatch)
    _equal(_classify(day, day["t2"], az, reuse), _classify(day, day["t2"], az))
    assert n == {"still": 2, "band": 2}
