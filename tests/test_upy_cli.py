"""``kyphos sim --runtime micropython`` (issue 13 item 4): it boots the firmware on the MicroPython
unix port with NimBLE and says so; what that runtime cannot do is one clear line."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _upy import binaries  # noqa: E402
from kyphos.cli import main  # noqa: E402


def test_sim_runs_the_firmware_on_micropython(capsys) -> None:
    binaries()
    assert main(["sim", "--runtime", "micropython", "--duration", "2", "--tcp-port", "0"]) == 0
    out = capsys.readouterr().out
    assert "runtime     MicroPython 1.28 unix port + NimBLE, 64-bit, float32 floats" in out
    assert "boot 1 (cause 1, MicroPython float32)" in out
    assert "crash" not in out


def test_sim_refuses_a_speed_on_micropython(capsys) -> None:
    assert main(["sim", "--runtime", "micropython", "--speed", "5", "--tcp-port", "0"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["kyphos: --speed: the MicroPython runtime runs in real time only"]
