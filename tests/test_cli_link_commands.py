"""The device commands of the `kyphos` CLI: help with an example for each, one-line errors
that name the device and say what to do, and a real run against the virtual board."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest
from kyphos.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = ["scan", "info", "calibrate", "record", "download", "erase", "pair"]


def _cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    code = "import sys; from kyphos.cli import main; sys.exit(main())"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


@pytest.mark.parametrize("command", [*COMMANDS, "config get", "config set"])
def test_every_device_command_documents_an_example(command, capsys):
    with pytest.raises(SystemExit) as e:
        main([*command.split(), "--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert "example" in out and f"kyphos {command.split()[0]}" in out
    parser = _subparser(build_parser(), command.split())
    for action in parser._actions:  # every option and argument has help text
        assert action.help, f"`kyphos {command}` {action.option_strings or action.dest}: no help"


def _subparser(parser: argparse.ArgumentParser, names: list[str]) -> argparse.ArgumentParser:
    for name in names:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = sub.choices[name]
    return parser


def test_errors_are_one_line_naming_the_device_and_what_to_do(tmp_path, capsys):
    assert main(["record", "--device", "serial:/dev/ttyKYPHOS0", "-o", str(tmp_path / "x.kyr")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert err.startswith("kyphos: /dev/ttyKYPHOS0: no such serial port") and "plugged in" in err
    assert not (tmp_path / "x.kyr").exists()

    assert main(["record", "--device", "sim", "-o", str(tmp_path / "y.kyr"), "--subject",
                 "Jane Doe"]) == 1
    err = capsys.readouterr().err
    assert "pseudonymous" in err and "never a name" in err

    assert main(["erase", "serial:/dev/ttyKYPHOS0"]) == 1  # stdin is not a TTY under pytest
    err = capsys.readouterr().err
    assert "--yes" in err and "not confirmed" in err


def test_record_info_config_and_download_against_the_virtual_board(tmp_path):
    out = tmp_path / "s.kyr"
    r = _cli("record", "--device", "sim:serial", "-o", str(out), "--duration", "3",
             "--subject", "S01", "--no-progress")
    assert r.returncode == 0, r.stderr
    assert "IMU samples" in r.stdout and "loss 0.00%" in r.stdout
    r = _cli("info", str(out), "--json")
    d = json.loads(r.stdout)
    assert d["header"]["subject"] == "S01" and d["samples"] > 200 and not d["damage"]

    r = _cli("info", "sim:serial", "--json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["name"].startswith("kyphos-") and info["encrypted"] is True

    r = _cli("config", "set", "sim", "coach_mode=tracking")  # BLE, not paired: refused
    assert r.returncode == 1 and "pair first" in r.stderr and r.stderr.count("\n") == 1
    r = _cli("config", "set", "sim:serial", "coach_mode=tracking")
    assert r.returncode == 0 and 'coach_mode = "tracking"' in r.stdout

    r = _cli("download", "sim:serial", "-o", str(tmp_path / "logs"), "--no-progress")
    assert r.returncode == 0, r.stderr
    assert "verified" in r.stdout and list((tmp_path / "logs").glob("log-*.kyr"))


def test_config_pairs_are_json_or_strings_and_need_key_and_equals():
    from kyphos.cli.cmd_config import parse_pairs
    from kyphos.errors import ConfigError

    assert parse_pairs(["a=10", "b=true", "c=tracking", 'd="x=y"', "e="]) == {
        "a": 10, "b": True, "c": "tracking", "d": "x=y", "e": ""}
    for bad in ("slouch_threshold_deg", "=10"):
        with pytest.raises(ConfigError, match="expected KEY=VALUE"):
            parse_pairs([bad])
