"""The wearer's hip height as an input (``analyze(hip_height_m=|height_m=)``, ``kyphos analyze
--hip-height-m|--height-m``): a lift's style is then named by its knee drop over the hip height
(the closed-bend one by default; with ``style_drop="knee"`` the shipped knee drop), so the same drop is
a squat on short legs and a semi-squat on long ones; implausible values stop with one line;
the JSON says which input was used; without the option and with ``style_drop="knee"`` the
shipped knee rule is unchanged (docs/scoring.md section 7)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from kyphos.analysis import analyze  # noqa: E402
from kyphos.cli import main  # noqa: E402
from kyphos.errors import KyphosError  # noqa: E402
from kyphos.metrics.lifts import Lift  # noqa: E402
from kyphos.metrics.style import (  # noqa: E402
    HIP_PER_HEIGHT,
    Wearer,
    classify_style,
    restyle,
    wearer_from,
)
from kyphos.processing.synthetic import lift_session, mounting  # noqa: E402
from kyphos.recording.csv import write_csv  # noqa: E402
from kyphos.session import Session  # noqa: E402
from test_bench_style_study import FS, _back  # noqa: E402

LEVER = (0.45, 0.05)


def _one_lift(hip_drop: float) -> tuple[SimpleNamespace, np.ndarray, np.ndarray, Lift]:
    """A lift (trunk 45°, the hip dropping ``hip_drop`` m) as the analysis sees it: angles,
    sensor-to-earth quaternions (upright sensor), specific force, and its Lift (speed bounds
    0–3 s, at rest 1 s either side)."""
    c = _back(LEVER[0], LEVER[1], 45.0, hip_drop)
    n = len(c["t"])
    angles = SimpleNamespace(time=c["t"], valid=np.ones(n, bool), flexion=c["flex"],
                             lateral=c["lat"], fs=FS)
    quat = np.tile([1.0, 0.0, 0.0, 0.0], (n, 1))
    acc = c["acc_e"] + np.array([0.0, 0.0, 9.81])
    lf = Lift(0.0, 3.0, "stoop", 45.0, 60.0, 0.0, 0.0, 3.0, 90.0)
    return angles, quat, acc, lf


def test_the_same_knee_drop_is_a_squat_on_short_legs_and_a_semi_squat_on_long_ones() -> None:
    got = {}
    for hip_h in (0.75, 1.05):  # per wearer: the shipped knee drop over the hip height
        angles, quat, acc, lf = _one_lift(0.16)
        lf.knee_drop_m = 0.16
        assert classify_style(45.0, 0.16) == "semi-squat"  # the shipped rule, any leg length
        restyle([lf], Wearer(hip_h, "hip_height_m", drop="knee"), angles, quat, acc)
        assert lf.knee_drop_per_hip == pytest.approx(0.16 / hip_h)
        assert lf.knee_drop_closed_m is None  # not computed for the knee-drop rule
        got[hip_h] = lf.style
    assert got == {0.75: "squat", 1.05: "semi-squat"}


def test_the_closed_bend_drop_over_the_hip_height_names_the_style_when_asked() -> None:
    got = {}
    for hip_h in (0.75, 1.05):  # per wearer
        angles, quat, acc, lf = _one_lift(0.20)
        restyle([lf], Wearer(hip_h, "hip_height_m", lever=LEVER, drop="closed"), angles,
                quat, acc)
        assert lf.knee_drop_closed_m == pytest.approx(0.20, abs=0.01)
        assert lf.knee_drop_closed_per_hip == pytest.approx(lf.knee_drop_closed_m / hip_h)
        got[hip_h] = lf.style
    assert got == {0.75: "squat", 1.05: "semi-squat"}
    # a straight-legged bend stays a stoop at any leg length
    angles, quat, acc, lf = _one_lift(0.0)
    restyle([lf], Wearer(0.75, "hip_height_m", lever=LEVER, drop="closed"), angles, quat, acc)
    assert lf.style == "stoop"


def test_without_a_calibration_bend_lever_the_closed_rule_keeps_the_shipped_style() -> None:
    angles, quat, acc, lf = _one_lift(0.20)
    restyle([lf], Wearer(0.75, "hip_height_m", lever=None, drop="closed"), angles, quat, acc)
    assert lf.style == "stoop" and lf.knee_drop_closed_m is None and lf.score == 90.0


def test_implausible_or_double_wearer_inputs_stop_with_one_line() -> None:
    assert wearer_from() == Wearer(None, "none")  # no hip height: the closed drop in metres
    assert wearer_from(drop="knee") == Wearer(None, "none", drop="knee")
    assert wearer_from(hip_height_m=0.92) == Wearer(0.92, "hip_height_m")
    w = wearer_from(height_m=1.80)
    assert w is not None and w.source == "height_m" and w.height_m == 1.80
    assert w.hip_height_m == pytest.approx(HIP_PER_HEIGHT * 1.80)
    for kw in ({"hip_height_m": 92.0}, {"hip_height_m": 0.1}, {"hip_height_m": float("nan")},
               {"height_m": 175.0}, {"height_m": 0.0}, {"hip_height_m": 0.9, "height_m": 1.7},
               {"hip_height_m": 0.9, "drop": "hip"}):
        with pytest.raises(KyphosError) as e:
            wearer_from(**kw)
        assert "\n" not in str(e.value)


@pytest.fixture(scope="module")
def session() -> Session:
    s = lift_session(90, 104, n_lifts=6, mount=mounting(5, 15, 0), seed=8)
    return Session(time=s.time, acc=s.acc, gyr=s.gyr, fs=s.fs)


def test_without_the_option_the_knee_rule_is_one_argument_away(session: Session) -> None:
    a = analyze(session, style_drop="knee")
    d = a.to_dict()
    assert a.wearer is not None and not a.wearer.hip_given and "wearer" not in d
    assert all(set(lf) == {"start_s", "end_s", "style", "peak_flexion_deg",
                           "peak_flexion_velocity_dps", "twist_deg", "lateral_deg",
                           "duration_s", "score", "reasons", "knee_drop_m"} for lf in d["lifts"])
    # the style is the shipped knee-drop rule's
    assert all(lf.style == classify_style(lf.peak_flexion_deg, lf.knee_drop_m) for lf in a.lifts)
    assert json.dumps(analyze(session, hip_height_m=None, height_m=None,
                              style_drop="knee").to_dict()) == json.dumps(d)
    with pytest.raises(KyphosError):
        analyze(session, hip_height_m=9.2)


def test_analyze_json_says_which_wearer_input_named_the_style(
        session: Session, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "s.csv"
    write_csv(p, session)
    assert main(["analyze", str(p), "--json", "--height-m", "1.75"]) == 0
    d = json.loads(capsys.readouterr().out)
    w = d["wearer"]
    assert w["source"] == "height_m" and w["height_m"] == 1.75
    assert w["hip_height_m"] == pytest.approx(round(0.530 * 1.75, 4))
    # the default with a hip height: the closed-bend drop
    assert w["style_by"].startswith(("closed-bend", "knee drop (no calibration"))
    assert all(lf["knee_drop_per_hip"] == pytest.approx(lf["knee_drop_m"] / w["hip_height_m"],
                                                        abs=2e-3)
               and "knee_drop_closed_m" in lf and "knee_drop_closed_per_hip" in lf
               for lf in d["lifts"])
    d = analyze(session, hip_height_m=0.93, style_drop="knee").to_dict()
    assert d["wearer"]["style_by"] == "knee drop / hip height"
    assert all("knee_drop_closed_m" not in lf for lf in d["lifts"])
    assert main(["analyze", str(p), "--json", "--hip-height-m", "0.93"]) == 0
    assert json.loads(capsys.readouterr().out)["wearer"]["source"] == "hip_height_m"
    assert main(["analyze", str(p), "--hip-height-m", "93"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "hip height" in err[0] and "metres" in err[0]
    with pytest.raises(SystemExit):  # one of the two, not both (argparse)
        main(["analyze", str(p), "--hip-height-m", "0.9", "--height-m", "1.7"])


def test_report_and_compare_take_the_wearer_and_refuse_an_implausible_one(
        session: Session, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from kyphos.cli.cmd_report import options

    p = tmp_path / "s.csv"
    write_csv(p, session)
    assert main(["report", str(p), "--hip-height-m", "93", "-o", str(tmp_path / "r.html")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "hip height" in err[0]
    assert not (tmp_path / "r.html").exists()
    ns = SimpleNamespace(calibration="session", load_kg=None, distance_m=None,
                         hip_height_m=None, height_m=1.8, acc_unit=None, gyr_unit=None,
                         time_unit=None, axes=None)
    an, _ = options(ns, p)  # type: ignore[arg-type]
    assert an == {"hip_height_m": None, "height_m": 1.8}
    ns.height_m = None
    assert options(ns, p)[0] == {}  # type: ignore[arg-type]
