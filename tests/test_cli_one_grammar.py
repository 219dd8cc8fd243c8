"""One CLI grammar (issue 16 item 5): --device in every device command, -o, --force, --duration,
with the old spellings kept as hidden aliases for one release (docs/cli.md)."""

from __future__ import annotations

import pytest
from kyphos.cli import build_parser, main

DEVICE_COMMANDS = [["info"], ["calibrate"], ["config", "get"], ["config", "set"], ["pair"],
                   ["download"], ["erase"], ["record"], ["live"], ["assess"], ["exercise"]]


def _help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit):
        build_parser().parse_args([*argv, "--help"])
    return capsys.readouterr().out


@pytest.mark.parametrize("cmd", DEVICE_COMMANDS, ids=" ".join)
def test_every_device_command_takes_device(cmd: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    text = _help(cmd, capsys)
    assert "--device TARGET" in text and "replay:FILE.kyr" in text
    extra = {"config set": ["k=1"], "record": ["-o", "x.kyr"], "assess": ["-o", "x.kyr"]}
    args = build_parser().parse_args([*cmd, "--device", "sim", *extra.get(" ".join(cmd), [])])
    assert args.target == "sim"


@pytest.mark.parametrize("cmd", [["calibrate"], ["pair"], ["download"], ["erase"]], ids=" ".join)
def test_old_positional_target_still_parses_but_is_not_shown(
        cmd: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    args = build_parser().parse_args([*cmd, "kyphos-3A4F"])
    assert args.target_pos == "kyphos-3A4F"
    usage = _help(cmd, capsys).split("\n\n")[0]
    assert "[TARGET]" not in usage and "TARGET" in usage  # only as --device TARGET


def test_config_keys_are_not_taken_for_the_device() -> None:
    from kyphos.cli.cmd_config import _fix_target

    args = build_parser().parse_args(["config", "set", "--device", "sim", "a=1", "b=2"])
    assert _fix_target(args, list(args.pairs)) == ["a=1", "b=2"] and args.target == "sim"
    args = build_parser().parse_args(["config", "get", "--device", "sim", "slouch_threshold_deg"])
    assert _fix_target(args, list(args.keys)) == ["slouch_threshold_deg"]
    args = build_parser().parse_args(["config", "set", "serial:/dev/x", "a=1"])  # old spelling
    assert _fix_target(args, list(args.pairs)) == ["a=1"] and args.target == "serial:/dev/x"


@pytest.mark.parametrize("argv", [["record", "--device", "sim", "-o", "x.kyr"],
                                  ["assess", "--device", "sim", "-o", "x.kyr"],
                                  ["exercise", "--device", "sim", "-o", "x.kyr"]])
def test_overwrite_is_the_hidden_old_spelling_of_force(argv: list[str],
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert build_parser().parse_args([*argv, "--overwrite"]).force is True
    assert build_parser().parse_args([*argv, "--force"]).force is True
    text = _help(argv[:1], capsys)
    assert "--force" in text and "--overwrite" not in text


def test_live_sources_are_one_option(capsys: pytest.CaptureFixture[str]) -> None:
    from kyphos.cli.cmd_live import target_of

    text = _help(["live"], capsys)
    assert "--sim" not in text and "--replay" not in text
    a = build_parser().parse_args(["live", "--sim"])
    assert target_of(a)[0] == "sim"
    a = build_parser().parse_args(["live", "--device", "sim", "--scenario", "office"])
    assert target_of(a)[1]["scenario"] == "office"


@pytest.mark.parametrize("cmd", [["record", "--device", "sim", "-o", "x.kyr"], ["sim"],
                                 ["live", "--device", "sim"]])
def test_duration_zero_is_refused_everywhere(cmd: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        build_parser().parse_args([*cmd, "--duration", "0"])
    assert e.value.code == 2 and "leave --duration out" in capsys.readouterr().err
    assert build_parser().parse_args(cmd).duration is None  # left out: until stopped


def test_demo_takes_o_and_export_needs_no_csv(capsys: pytest.CaptureFixture[str]) -> None:
    assert build_parser().parse_args(["demo", "-o", "d"]).out == "d"
    assert build_parser().parse_args(["demo", "--out", "d"]).out == "d"
    assert "--out " not in _help(["demo"], capsys).replace("--output", "")
    assert "--csv" not in _help(["export"], capsys)


@pytest.mark.parametrize("cmd", [["assess"], ["exercise"]])
def test_help_says_where_the_summary_goes(cmd: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert "FILE.kyr.json" in _help(cmd, capsys)


def test_library_logs_are_quiet_by_default() -> None:
    import logging

    logging.getLogger("bumble").setLevel(logging.NOTSET)
    main(["exercise", "--list"])
    assert logging.getLogger("bumble").getEffectiveLevel() >= logging.ERROR
