"""Plausibility before scoring (issue 16 item 3, issue 15 item 6): units, rate, axes and the
upright reference are checked from the data; foreign units and axes are converted only when the
evidence is unambiguous (and said so), otherwise one line names the flag; below the bar there
is no score, no advice and no praise — in the JSON, the text, the report and compare.

Each bad case here gave a believable score (or a traceback) before these checks existed.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from _csv_session import lift_arrays, write_csv
from kyphos.cli import main

G0 = 9.80665  # standard gravity: the "g" of accelerometer datasheets
@pytest.fixture(scope="module")
def base() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return lift_arrays()


_csv = write_csv


def _analyze(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict, str]:
    code = main(["analyze", *args, "--json"])
    cap = capsys.readouterr()
    return code, (json.loads(cap.out) if code == 0 else {}), cap.err


@pytest.fixture(scope="module")
def reference(base, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The analysis of the SI file, which the converted files must reproduce."""
    p = _csv(tmp_path_factory.mktemp("ref") / "si.csv", *base)
    import kyphos
    from kyphos.cli.cmd_analyze import _clean

    return _clean(kyphos.load(p).analysis.to_dict())


def _same_result(d: dict, ref: dict) -> None:
    assert d["valid"] is True and ref["valid"] is True
    assert d["posture"]["score"] == pytest.approx(ref["posture"]["score"], abs=0.5)
    assert [lf["style"] for lf in d["lifts"]] == [lf["style"] for lf in ref["lifts"]]
    assert len(d["lifts"]) >= 6
    for a, b in zip(d["lifts"], ref["lifts"], strict=True):
        assert a["start_s"] == pytest.approx(b["start_s"], abs=0.02)
        assert a["peak_flexion_deg"] == pytest.approx(b["peak_flexion_deg"], abs=0.5)


def test_the_si_file_is_valid_with_no_warnings(reference: dict) -> None:
    assert reference["valid"] is True and reference["warnings"] == []
    assert list(reference)[:2] == ["valid", "warnings"]


@pytest.mark.parametrize(("name", "tmul", "amul", "gmul", "flag", "words"), [
    ("ms", 1e3, 1.0, 1.0, "--time-unit ms", "time read as ms"),
    ("g", 1.0, 1 / G0, 1.0, "--acc-unit g", "acceleration read as g"),
    ("mg", 1.0, 1e3 / G0, 1.0, "--acc-unit mg", "acceleration read as mg"),
    ("dps", 1.0, 1.0, 180 / np.pi, "--gyr-unit deg/s", "rotation rate read as deg/s"),
    ("us_dps", 1e6, 1.0, 180 / np.pi, "--time-unit us", "time read as us"),
])
def test_foreign_units_are_read_from_the_data_and_said(
    base, reference: dict, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    name: str, tmul: float, amul: float, gmul: float, flag: str, words: str,
) -> None:
    t, acc, gyr = base
    p = _csv(tmp_path / f"{name}.csv", t * tmul, acc * amul, gyr * gmul)
    code, d, _ = _analyze(capsys, str(p))
    assert code == 0
    _same_result(d, reference)
    assert any(words in w and flag in w for w in d["warnings"]), d["warnings"]
    # said with the flags, there is nothing to warn about
    flags = []
    for n, unit in (("--time-unit", {1e3: "ms", 1e6: "us"}.get(tmul)),
                    ("--acc-unit", {1 / G0: "g", 1e3 / G0: "mg"}.get(amul)),
                    ("--gyr-unit", "deg/s" if gmul != 1.0 else None)):
        if unit:
            flags += [n, unit]
    code, d2, _ = _analyze(capsys, str(p), *flags)
    assert code == 0 and d2["warnings"] == []
    _same_result(d2, reference)


def test_a_flag_the_data_contradict_is_one_line_naming_it(
    base, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p = _csv(tmp_path / "si.csv", *base)
    for flags, named in ((["--acc-unit", "g"], "--acc-unit"),
                         (["--gyr-unit", "deg/s"], "--gyr-unit"),
                         (["--time-unit", "ms"], "--time-unit"),
                         (["--axes=-x,-y,z"], "--axes")):
        code, _, err = _analyze(capsys, str(p), *flags)
        assert code == 1 and err.startswith("kyphos: ") and err.count("\n") == 1, err
        assert named in err and "Traceback" not in err


def test_ambiguous_units_stop_with_the_flag_to_give(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """A still sensor sampled every 0.5 units: 2 Hz in s or 2 kHz in ms, and nothing moves to
    tell — stop and ask; gravity of 3.7 is no unit at all."""
    n = 400
    t = np.arange(n) * 0.5
    acc = np.tile([9.81, 0.0, 0.0], (n, 1)) + 0.01 * np.random.default_rng(1).normal(size=(n, 3))
    gyr = np.zeros((n, 3))
    p = _csv(tmp_path / "still.csv", t, acc, gyr)
    code, _, err = _analyze(capsys, str(p))
    assert code == 1 and "--time-unit" in err and err.count("\n") == 1
    p = _csv(tmp_path / "counts.csv", t * 0.02, acc * 0.377, gyr)
    code, _, err = _analyze(capsys, str(p))
    assert code == 1 and "--acc-unit" in err and err.count("\n") == 1


def test_another_imus_axes_are_detected_or_given(
    base, reference: dict, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """x towards the feet (and y to the right): before, the bends read as leaning back."""
    t, acc, gyr = base
    flip = np.array([-1.0, -1.0, 1.0])
    p = _csv(tmp_path / "feet.csv", t, acc * flip, gyr * flip)
    code, d, _ = _analyze(capsys, str(p))
    assert code == 0
    _same_result(d, reference)
    assert any("--axes=-x,-y,z" in w for w in d["warnings"])
    code, d, _ = _analyze(capsys, str(p), "--axes=-x,-y,z")
    assert code == 0 and d["warnings"] == []
    _same_result(d, reference)
    # a permuted frame too: the file's z is up, its x to the left and its y out of the back
    # kyphos x = file z, kyphos y = file x, kyphos z = file y (rows: kyphos = perm @ file)
    perm = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    p2 = _csv(tmp_path / "perm.csv", t, acc @ perm, gyr @ perm)  # file = Pᵀ·kyphos
    code, d, _ = _analyze(capsys, str(p2))
    assert code == 0 and any("--axes=z,x,y" in w for w in d["warnings"]), d["warnings"]
    _same_result(d, reference)


def test_x_down_without_bends_asks_for_axes(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    n = 104 * 30
    t = np.arange(n) / 104
    rng = np.random.default_rng(2)
    acc = np.tile([-9.81, 0.0, 0.3], (n, 1)) + 0.02 * rng.normal(size=(n, 3))
    gyr = 0.003 * rng.normal(size=(n, 3))
    p = _csv(tmp_path / "down.csv", t, acc, gyr)
    code, _, err = _analyze(capsys, str(p))
    assert code == 1 and "--axes" in err and "-x axis points up" in err


def test_five_hz_is_not_valid_no_lifts_no_score(base, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    t, acc, gyr = base
    p = _csv(tmp_path / "5hz.csv", t[::21], acc[::21], gyr[::21])
    code, d, _ = _analyze(capsys, str(p), "--time-unit", "s")
    assert code == 0 and d["valid"] is False
    assert any("below the 20 Hz" in w for w in d["warnings"])
    assert d["posture"]["score"] is None and d["lifts"] == [] and d["risk"] is None
    assert main(["analyze", str(p), "--time-unit", "s"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("valid: NO") and "score 100" not in out and "/100" not in out


def test_two_samples_stop_with_one_line(base, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    t, acc, gyr = base
    p = _csv(tmp_path / "two.csv", t[:2], acc[:2], gyr[:2])
    code, _, err = _analyze(capsys, str(p))
    assert code == 1 and "too short to analyse" in err and err.count("\n") == 1


def test_short_wear_shows_lifts_but_no_score_and_no_praise(
    base, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    t, acc, gyr = base
    k = int(45 * 104)
    p = _csv(tmp_path / "short.csv", t[:k], acc[:k], gyr[:k])
    code, d, _ = _analyze(capsys, str(p))
    assert code == 0 and d["valid"] is False
    assert any("60 s a score needs" in w for w in d["warnings"])
    assert d["posture"]["score"] is None and d["good_form_pct"] is None
    assert d["lifts"] and all(lf["score"] is None for lf in d["lifts"])
    assert not any("good form" in r for lf in d["lifts"] for r in lf["reasons"])
    assert d["posture"]["zones_pct"] is not None  # the angles themselves are trustworthy


def test_no_upright_reference_shows_no_angles(base, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    p = _csv(tmp_path / "si.csv", *base)
    code, d, _ = _analyze(capsys, str(p), "--calibration", "nominal")
    assert code == 0 and d["valid"] is False
    assert any("no trustworthy upright reference" in w for w in d["warnings"])
    assert d["posture"]["zones_pct"] is None and d["posture"]["score"] is None
    assert d["lifts"] == []


def test_report_of_an_invalid_recording_has_a_banner_and_no_advice(
    base, tmp_path: Path
) -> None:
    t, acc, gyr = base
    p = _csv(tmp_path / "5hz.csv", t[::21], acc[::21], gyr[::21])
    out = tmp_path / "r.html"
    assert main(["report", str(p), "--time-unit", "s", "-o", str(out)]) in (0, 1)
    html = out.read_text()
    assert 'id="validity"' in html and "Not a valid assessment" in html
    assert "below the 20 Hz" in html
    assert "Keep it up" not in html and "within the targets" not in html
    rec = html.split("<h2>Recommendations</h2>", 1)[1].split("</ul>", 1)[0]
    assert "<li>" not in rec
    # and a valid one has no such banner
    good = _csv(tmp_path / "good.csv", *base)
    out2 = tmp_path / "g.html"
    assert main(["report", str(good), "-o", str(out2)]) == 0
    assert "Not a valid assessment" not in out2.read_text()


def test_info_says_how_a_csv_was_read_and_takes_the_same_flags(
    base, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    t, acc, gyr = base
    flip = np.array([-1.0, -1.0, 1.0])
    p = _csv(tmp_path / "feet_ms.csv", t * 1e3, acc * flip, gyr * flip)
    assert main(["info", str(p)]) == 0
    out = capsys.readouterr().out
    assert "units      time ms, acceleration m/s2, rotation rad/s, axes -x,-y,z" in out
    assert "--time-unit ms" in out and "--axes=-x,-y,z" in out
    # a file whose time unit the data cannot tell: info stops naming the flag, and takes it
    n = 400
    still = _csv(tmp_path / "still.csv", np.arange(n) * 0.5, np.tile([9.81, 0.0, 0.0], (n, 1)),
                 np.zeros((n, 3)))
    assert main(["info", str(still)]) == 1
    assert "--time-unit" in capsys.readouterr().err
    assert main(["info", str(still), "--time-unit", "s"]) == 0
    assert "units      time s," in capsys.readouterr().out


@pytest.mark.parametrize(("gain", "why"), [(180 / np.pi, "0.0"), (-1.0, "-1")])
def test_a_gyroscope_that_contradicts_the_accelerometer_stops_the_analysis(
    base, gain: float, why: str
) -> None:
    """A session built in Python (or a board whose driver got the gyro scale or sign wrong):
    deg/s numbers as rad/s, or the gyro axes opposite, used to give wrong angles or a traceback;
    now one line, before any analysis."""
    from kyphos.analysis import analyze
    from kyphos.errors import KyphosError
    from kyphos.session import Session

    t, acc, gyr = base
    with pytest.raises(KyphosError, match=f"gyroscope disagrees .* turns {why}"):
        analyze(Session(time=t, acc=acc, gyr=gyr * gain, fs=104.0))
    assert analyze(Session(time=t, acc=acc, gyr=gyr * 1.2, fs=104.0)).validity.valid  # 20 % off: tolerated
