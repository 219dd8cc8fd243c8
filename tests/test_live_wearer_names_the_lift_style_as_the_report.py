"""``kyphos live --hip-height-m / --height-m`` (as ``analyze``, ``report`` and ``compare``
since the tenth session): the live view names each lift's style by its knee drop over the
wearer's hip height, as the report of the same recording with the same option does; an
implausible value stops with one line before any link is opened; the window says the style is
per leg length. Without a hip height (thirteenth session) the live view names the style by the
closed-bend knee drop in metres, as the report does, and with ``wearer_from(drop="knee")`` by
the knee rule, as ``analyze(style_drop="knee")``."""

from __future__ import annotations

import pytest
from kyphos.analysis import analyze
from kyphos.cli import main
from kyphos.metrics.style import wearer_from
from kyphos.sim.scenario import simulate
from kyphos.views.live_figure import LiveFigure
from kyphos.views.live_state import LiveState
from test_analysis_activity_lifts_slouch import _day
from test_live_state_agrees_with_the_report import _stream

FS = 104.0
HIP_M = 1.25  # long legs: a 0.185-m knee drop is a squat by the shipped rule, semi per hip


@pytest.fixture(scope="module")
def two_semi_squats() -> dict:
    """The day with its stoop lift made two semi-squats (knee drops 0.09 and 0.19 m), analysed
    offline and streamed live with the knee rule, no hip height, and the hip height."""
    day = _day(FS)
    day["segments"][7:8] = [
        {"kind": "lift", "style": "semi-squat", "flexion_deg": 40, "knee_deg": 60},
        {"kind": "lift", "style": "semi-squat", "flexion_deg": 40, "knee_deg": 75}]
    res = simulate(day, seed=3)
    off = {"none": analyze(res.to_session()),
           "hip": analyze(res.to_session(), hip_height_m=HIP_M),
           "knee": analyze(res.to_session(), style_drop="knee")}
    wearers = {"none": None, "hip": wearer_from(hip_height_m=HIP_M),
               "knee": wearer_from(drop="knee")}
    live = {}
    for key, w in wearers.items():
        st = LiveState(30.0, calibration=off["none"].calibration.sensor_from_body,
                       link_m=off["none"].link_m, wearer=w)
        _stream(res, st)
        live[key] = st
    return {"off": off, "live": live}


def _styles(lifts: list) -> list[str]:
    return [lf.style for lf in lifts]


def test_live_knee_rule_is_one_argument_away_as_in_the_report(two_semi_squats: dict) -> None:
    off, live = two_semi_squats["off"], two_semi_squats["live"]
    # the knee rule, live as in the report: the 0.19-m drop a squat
    assert _styles(live["knee"].lifts) == _styles(off["knee"].lifts) == \
        ["squat", "semi-squat", "squat"]


@pytest.mark.parametrize("key", ["none", "hip"])
def test_live_fits_the_reports_closed_bend_lever_and_says_so(two_semi_squats: dict,
                                                             key: str) -> None:
    off, st = two_semi_squats["off"], two_semi_squats["live"][key]
    view = st.snapshot()
    # the live view fitted the closed-bend lever on the opening calibration bends, as the
    # report did: the same style rule, and it says so
    assert view.wearer == (None if key == "none" else off["hip"].wearer.to_dict())
    assert ("style per hip 1.25 m, closed bend" in LiveFigure._lift_text(view)) == (key == "hip")
    ref = off[key].wearer
    assert st.wearer is not None and ref is not None and ref.lever is not None
    assert st.wearer.lever == pytest.approx(ref.lever, abs=0.02)


def test_live_lift_style_without_hip_height_is_the_reports(two_semi_squats: dict) -> None:
    off, live = two_semi_squats["off"], two_semi_squats["live"]
    assert _styles(live["none"].lifts) == _styles(off["none"].lifts)


def test_live_lift_style_per_hip_height_is_the_reports(two_semi_squats: dict) -> None:
    off, live = two_semi_squats["off"], two_semi_squats["live"]
    # with the hip height, as the report with the same option (before: no such input live);
    # per hip the 0.19-m drop is its truth, a semi-squat
    assert _styles(live["hip"].lifts) == _styles(off["hip"].lifts) == \
        ["squat", "semi-squat", "semi-squat"]


# Since the style edges were refitted on the simulator after NOCAL (fourteenth session:
# SQUAT_CLOSED_M 0.22231 -> 0.21592) the 0.19-m semi-squat's closed drop reads squat without a
# hip height, live and in the report alike (they still agree: the test above). The fifteenth
# session's refit through the guided-calibration note (FITPATH: 0.21425, hip-shift weight
# 0.050) kept it squat (a strict xfail until then). The seventeenth session's refit on wearers
# of drawn stature (STYLE5: SQUAT_CLOSED_M 0.21726) names it its truth again.
def test_closed_bend_drop_in_metres_names_the_semi_squat_its_truth(two_semi_squats: dict) -> None:
    assert _styles(two_semi_squats["off"]["none"].lifts) == ["squat", "semi-squat", "semi-squat"]


def test_live_refuses_an_implausible_or_double_wearer_in_one_line(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["live", "--device", "sim", "--hip-height-m", "93"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "hip height" in err[0] and "metres" in err[0]
    assert main(["live", "--device", "sim", "--height-m", "175"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "height" in err[0]
    with pytest.raises(SystemExit):  # one of the two, not both (argparse, as analyze)
        main(["live", "--device", "sim", "--hip-height-m", "0.9", "--height-m", "1.7"])
