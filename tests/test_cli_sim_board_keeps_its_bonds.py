"""`kyphos pair --device sim` is remembered like a board's bond (issue 16 item 7): the CLI's
in-process virtual board keeps its flash (bonds, configuration) and this computer's bond keys in
a folder under the user's state dir between commands."""

from __future__ import annotations

from pathlib import Path

import pytest
from kyphos.cli import main
from kyphos.cli.options import connect_options, sim_state_dir


def test_pair_then_config_set_in_separate_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("KYPHOS_SIM_STATE", str(tmp_path / "board"))
    assert main(["config", "set", "--device", "sim", "slouch_threshold_deg=10"]) == 1
    assert "pair first" in capsys.readouterr().err  # not paired yet: refused, as a board does
    assert main(["pair", "--device", "sim"]) == 0
    capsys.readouterr()
    assert main(["config", "set", "--device", "sim", "slouch_threshold_deg=10"]) == 0
    capsys.readouterr()
    assert main(["config", "get", "--device", "sim", "slouch_threshold_deg"]) == 0
    assert capsys.readouterr().out.strip() == "slouch_threshold_deg = 10"  # kept, like a board
    assert (tmp_path / "board" / "bonds.json").is_file()
    assert (tmp_path / "board" / "host_keys.json").is_file()


def test_state_folder_follows_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KYPHOS_SIM_STATE", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert sim_state_dir() == tmp_path / "kyphos" / "sim-board"
    assert connect_options("sim") == {"state_dir": tmp_path / "kyphos" / "sim-board"}
    assert connect_options("serial:/dev/ttyACM0") == {}
