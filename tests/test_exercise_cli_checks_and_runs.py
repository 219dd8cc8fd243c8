"""`kyphos exercise` and `kyphos assess` from the command line: list, check, one-line errors,
and a whole session on the virtual board with its summary file."""

from __future__ import annotations

import json

import pytest
from kyphos.cli import main


def test_list_and_check(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["exercise", "--list"]) == 0
    assert "side_bends" in capsys.readouterr().out
    assert main(["exercise", "--program", "cat_camel", "--check"]) == 0
    assert "ok" in capsys.readouterr().out


def test_bad_programme_is_one_line(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "bad.json"
    p.write_text(json.dumps({"format": "kyphos-program/1", "name": "x", "exercises": [
        {"name": "e", "movement": "extension", "reps": 5, "tempo_out_s": "slow"}]}))
    rc = main(["exercise", "--program", str(p), "--check"])
    err = capsys.readouterr().err.strip()
    assert rc != 0 and err.count("\n") == 0 and "exercises[0].tempo_out_s" in err


def test_exercise_session_writes_summary(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sb.kyr"
    assert main(["exercise", "--program", "side_bends", "--device", "sim", "-o", str(out)]) == 0
    doc = json.loads((tmp_path / "sb.kyr.json").read_text())
    e = doc["exercises"][0]
    assert e["reps_done"] == 6 and abs(e["range_mean_deg"] - 26.5) < 2
    assert abs(e["hold_mean_s"] - 2.0) < 0.5
    assert "6/6 reps" in capsys.readouterr().out
