"""`kyphos demo` runs the whole chain on the virtual board: the real firmware streams over the
virtual BLE link into a recording — through the user's client (`kyphos.connect`) and the recorder
of `kyphos record` — which is analysed; analysis, report and ground truth lie beside it. The demo
calibrates with the calibrate command during the wearer's quiet stance, never from the truth."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import kyphos
import numpy as np
from kyphos.cli import main
from kyphos.cli.cmd_demo import calibration_time_s
from kyphos.sim.scenario import load_scenario, read_truth


def test_demo_records_analyses_and_writes_the_truth(tmp_path: Path, capsys) -> None:
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--seed", "1"]) == 0
    text = capsys.readouterr().out
    for name in ("demo.kyr", "analysis.json", "truth.npz", "report.html"):
        assert str(out / name) in text and (out / name).stat().st_size > 0
    assert "missing frames 0 (back-filled 0), corrupt notifications 0, gaps in the recording 0" in text
    assert "the client and recorder of `kyphos record --device sim`" in text
    s = kyphos.load(out / "demo.kyr")
    assert s.n_samples > 130 * 104 and len(s.gaps) == 0 and s.header["source"] == "sim"
    assert s.header["simulated"]["scenario"] == "demo" and s.header["simulated"]["seed"] == 1
    # The recorder of `kyphos record` wrote it: its link notes, clock fit and end note.
    kinds = [(n.get("kind"), n.get("event")) for _, n in s.notes]
    assert ("clock", None) in kinds and ("link", "end") in kinds
    # Calibrated as a user does: one CALIBRATED event from the board during the opening stance
    # (scenario: 8 s of standing), no calibration windows written from the truth.
    assert not any(k == "calibration" for k, _ in kinds)
    cal = s.events["time"][s.events["kind"] == 7]
    assert len(cal) == 1
    doc = json.loads((out / "analysis.json").read_text())
    assert doc["calibration"]["method"] == "upright+auto-bend"
    assert np.isclose(doc["calibration"]["upright_s"][1], cal[0], atol=0.01)  # 1 s before it
    assert 0 <= doc["posture"]["score"] <= 100
    truth = read_truth(out / "truth.npz")
    assert len(truth.lifts) == 6 and len(truth.slouches) == 2
    # The analysis finds the scripted lifts in what the firmware streamed.
    m = re.search(r"lifts found (\d+) \(scripted 6, (\d+) matched", text)
    assert m and int(m[1]) == len(doc["lifts"]) and int(m[2]) >= 5
    # The PT report of the same recording, with the analysis' own numbers in it.
    html = (out / "report.html").read_text()
    assert "demo.kyr" in html and f"{doc['posture']['score']:.0f}" in html
    # A second demo into the same folder keeps the first one's files unless --force.
    before = (out / "demo.kyr").read_bytes()
    assert main(["demo", "-o", str(out), "--seed", "1"]) == 1
    err = capsys.readouterr().err
    assert "--force" in err and "demo.kyr" in err and err.count("\n") == 1
    assert (out / "demo.kyr").read_bytes() == before


def test_demo_names_a_bad_scenario(tmp_path: Path, capsys) -> None:
    assert main(["demo", "--out", str(tmp_path), "--scenario", "no-such-scenario"]) == 1
    assert "no-such-scenario" in capsys.readouterr().err


def test_the_demo_calibrates_from_the_script_not_the_truth() -> None:
    # One second before the end of the stance the script opens with; none without one.
    assert calibration_time_s(load_scenario("demo")) == 7.0
    no_stance = load_scenario("demo")
    no_stance["segments"] = no_stance["segments"][1:]
    assert calibration_time_s(no_stance) is None


def test_there_is_one_host_client() -> None:
    assert importlib.util.find_spec("kyphos.sim.client") is None
