"""`kyphos demo` runs the whole chain on the virtual board: the real firmware streams over the
virtual BLE link into a recording, which is analysed; analysis, report and ground truth lie
beside it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import kyphos
from kyphos.cli import main
from kyphos.sim.scenario import read_truth


def test_demo_records_analyses_and_writes_the_truth(tmp_path: Path, capsys) -> None:
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--seed", "1"]) == 0
    text = capsys.readouterr().out
    for name in ("demo.kyr", "analysis.json", "truth.npz", "report.html"):
        assert str(out / name) in text and (out / name).stat().st_size > 0
    assert "lost frames 0, corrupt notifications 0, gaps in the recording 0" in text
    s = kyphos.load(out / "demo.kyr")
    assert s.n_samples > 130 * 104 and len(s.gaps) == 0 and s.header["source"] == "ble"
    assert s.header["simulated"]["scenario"] == "demo" and s.header["simulated"]["seed"] == 1
    assert any(n.get("kind") == "calibration" for _, n in s.notes)
    doc = json.loads((out / "analysis.json").read_text())
    assert 0 <= doc["posture"]["score"] <= 100
    truth = read_truth(out / "truth.npz")
    assert len(truth.lifts) == 6 and len(truth.slouches) == 2
    # The analysis finds the scripted lifts in what the firmware streamed.
    m = re.search(r"lifts found (\d+) \(scripted 6, (\d+) matched", text)
    assert m and int(m[1]) == len(doc["lifts"]) and int(m[2]) >= 5
    # The PT report of the same recording, with the analysis' own numbers in it.
    html = (out / "report.html").read_text()
    assert "demo.kyr" in html and f"{doc['posture']['score']:.0f}" in html


def test_demo_names_a_bad_scenario(tmp_path: Path, capsys) -> None:
    assert main(["demo", "--out", str(tmp_path), "--scenario", "no-such-scenario"]) == 1
    assert "no-such-scenario" in capsys.readouterr().err
