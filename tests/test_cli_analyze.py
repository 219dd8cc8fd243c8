"""`kyphos analyze` and `kyphos export` from the command line, as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from kyphos.cli import main
from kyphos.processing.synthetic import lift_session, mounting
from kyphos.recording.csv import write_csv
from kyphos.session import Session


@pytest.fixture(scope="module")
def csv_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    s = lift_session(90, 104, n_lifts=6, mount=mounting(5, 15, 0), seed=8)
    p = tmp_path_factory.mktemp("cli") / "session.csv"
    write_csv(p, Session(time=s.time, acc=s.acc, gyr=s.gyr, fs=s.fs))
    return p


def test_analyze_json_has_the_documented_shape(csv_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(csv_file), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["duration_s"] == pytest.approx(90, abs=0.1)
    assert set(d["posture"]["zones_pct"]) == {"extension", "0_20", "20_60", "over_60"}
    assert 0 <= d["posture"]["score"] <= 100
    assert isinstance(d["posture"]["slouch_episodes"], list)
    assert len(d["lifts"]) >= 6
    lf = d["lifts"][-1]
    assert lf["style"] in ("stoop", "squat", "semi-squat")
    assert lf["end_s"] > lf["start_s"] and isinstance(lf["reasons"], list)
    assert d["lift_rate_per_h"] > 0 and "index" in d["risk"]


def test_analyze_text_summary_and_load_moment(csv_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(csv_file), "--load-kg", "10", "--distance-m", "0.4"]) == 0
    out = capsys.readouterr().out
    assert "posture score" in out and "lifts" in out
    assert main(["analyze", str(csv_file), "--json", "--load-kg", "10", "--distance-m", "0.4"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["risk"]["max_moment_nm"] == pytest.approx(39.24)


def test_analyze_with_calibration_windows(csv_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(csv_file), "--json", "--calibrate-upright", "0.5", "4.5",
                 "--calibrate-bend", "5", "9.5"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["calibration"]["method"] == "upright+bend"


def test_export_csv_per_sample_angles(csv_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "angles.csv"
    assert main(["export", str(csv_file), "--csv", "-o", str(out)]) == 0
    head = out.read_text().splitlines()[0].split(",")
    assert head[:4] == ["t_s", "flexion_deg", "lateral_deg", "axial_deg"]
    data = np.loadtxt(out, delimiter=",", skiprows=1)
    assert data.shape[0] == 90 * 104
    assert data[:, 1].max() > 45  # the deep bends are there


def test_user_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(tmp_path / "missing.csv")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("kyphos: ") and "\n" not in err
    bad = tmp_path / "bad.csv"
    bad.write_text("t_s,ax,ay,az,gx,gy,gz\n0,1,2,3,4,5,6\n0.01,1,2,3,4,5,oops\n")
    assert main(["analyze", str(bad)]) == 1
    assert "line 3: bad number 'oops'" in capsys.readouterr().err
    assert main(["export", str(bad)]) == 1  # CSV is export's default format: no --csv needed
    assert "line 3: bad number 'oops'" in capsys.readouterr().err
