"""The founders' decision (thirteenth session): without the wearer's hip height a lift's style
is named by its closed-bend knee drop in metres (the wearer's own lever from the calibration
bends, so no per-wearer lever bias: docs/accuracy.md section 7, SEMISQ / STYLENOH), with
edges fitted on the simulator (``SEMI_CLOSED_M`` / ``SQUAT_CLOSED_M``); a lift without a
closed drop keeps the knee rule, which stays one argument away (``style_drop="knee"``); the
JSON says which rule named the style and that it is still less certain."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from kyphos.analysis import analyze  # noqa: E402
from kyphos.metrics.style import (  # noqa: E402
    SEMI_CLOSED_M,
    SQUAT_CLOSED_M,
    STYLE_NO_HIP_NOTE,
    Wearer,
    classify_style,
    classify_style_closed_m,
    restyle,
    style_rule,
)
from kyphos.processing.synthetic import lift_session, mounting  # noqa: E402
from kyphos.session import Session  # noqa: E402
from test_metrics_style_hip_height import LEVER, _one_lift  # noqa: E402


def test_a_deep_sensors_semi_squat_is_not_read_as_a_stoop_without_a_hip_height() -> None:
    # a semi-squat (hip drops 0.12 m) whose knee drop by the one-lever rule reads low (a
    # sensor deep behind the spine: SEMISQ's 14 semi-squats named stoop) is named by the
    # closed-bend drop in metres, read with the wearer's own lever
    angles, quat, acc, lf = _one_lift(0.12)
    lf.knee_drop_m = -0.03  # what the one lever read: a stoop by the knee rule
    assert classify_style(45.0, lf.knee_drop_m) == "stoop"
    restyle([lf], Wearer(None, "none", lever=LEVER), angles, quat, acc)
    assert lf.knee_drop_closed_m == pytest.approx(0.12, abs=0.01)
    assert lf.knee_drop_per_hip is None and lf.knee_drop_closed_per_hip is None
    assert lf.style == "semi-squat" == classify_style_closed_m(lf.knee_drop_closed_m)
    # the edges in metres
    assert classify_style_closed_m(SEMI_CLOSED_M - 1e-4) == "stoop"
    assert classify_style_closed_m(SQUAT_CLOSED_M) == "squat"
    # the knee rule without a hip height leaves the shipped style
    angles, quat, acc, lf = _one_lift(0.12)
    restyle([lf], Wearer(None, "none", lever=LEVER, drop="knee"), angles, quat, acc)
    assert lf.style == "stoop" and lf.knee_drop_closed_m is None
    # no calibration bend (no lever): the shipped style stays, and the rule says so
    angles, quat, acc, lf = _one_lift(0.12)
    restyle([lf], Wearer(None, "none", lever=None), angles, quat, acc)
    assert lf.style == "stoop" and lf.knee_drop_closed_m is None
    assert style_rule(Wearer(None, "none"))["by"] == \
        "knee drop (no hip height; no calibration bend found)"


@pytest.fixture(scope="module")
def session() -> Session:
    s = lift_session(90, 104, n_lifts=6, mount=mounting(5, 15, 0), seed=8)
    return Session(time=s.time, acc=s.acc, gyr=s.gyr, fs=s.fs)


def test_analyze_without_a_hip_height_names_styles_by_the_closed_drop_in_metres(
        session: Session) -> None:
    a = analyze(session)
    d = a.to_dict()
    assert a.wearer is not None and not a.wearer.hip_given and a.wearer.lever is not None
    assert "wearer" not in d  # no hip height: no wearer block
    assert d["style_rule"] == {"by": "closed-bend knee drop (no hip height)",
                               "hip_height_given": False, "note": STYLE_NO_HIP_NOTE}
    assert a.lifts and all(lf.knee_drop_closed_m is not None for lf in a.lifts)
    for lf, j in zip(a.lifts, d["lifts"], strict=True):
        assert lf.style == classify_style_closed_m(lf.knee_drop_closed_m)  # type: ignore[arg-type]
        assert j["knee_drop_closed_m"] == round(lf.knee_drop_closed_m, 4)  # type: ignore[arg-type]
        assert "knee_drop_per_hip" not in j
    # the knee rule one argument away: the same lifts, named by the knee drop
    k = analyze(session, style_drop="knee")
    assert [(lf.start_s, lf.end_s) for lf in k.lifts] == [(lf.start_s, lf.end_s) for lf in a.lifts]
    assert all(lf.style == classify_style(lf.peak_flexion_deg, lf.knee_drop_m) for lf in k.lifts)
    assert k.to_dict()["style_rule"]["by"] == "knee drop (no hip height)"
