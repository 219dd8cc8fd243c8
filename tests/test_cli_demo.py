"""`kyphos demo` writes a recording that loads cleanly and that `kyphos info` describes."""

from __future__ import annotations

from pathlib import Path

import kyphos
from kyphos.cli import build_parser, main


def test_demo_keeps_its_options() -> None:
    text = build_parser().parse_args(["demo", "--out", "x"])
    assert text.out == "x" and callable(text.func)


def test_demo_writes_a_loadable_recording(tmp_path: Path, capsys) -> None:
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out)]) == 0
    capsys.readouterr()
    path = out / "demo.kyr"
    s = kyphos.load(path)
    assert s.n_samples > 1000 and s.damage == [] and s.fs > 0
    assert s.info is not None and s.header["format"] == "kyr"
    assert main(["info", str(path)]) == 0
    assert "damage     none" in capsys.readouterr().out
