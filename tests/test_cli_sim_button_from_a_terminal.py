"""A `kyphos sim` in its own terminal has a button (issue 16 item 7): a key in that terminal,
or `kyphos sim --press` from another one, presses it, as a finger would on a board."""

from __future__ import annotations

import os
import pty
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from kyphos.cli import main

CLI = [sys.executable, "-c", "import sys; from kyphos.cli import main; sys.exit(main())"]


def _wait_for(path: Path, pattern: str, timeout_s: float = 60.0) -> re.Match[str]:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout_s:
        m = re.search(pattern, path.read_text(errors="replace"))
        if m:
            return m
        time.sleep(0.1)
    raise AssertionError(f"no {pattern!r} in: {path.read_text(errors='replace')}")


def test_key_in_its_terminal_and_press_from_another(tmp_path: Path) -> None:
    out = tmp_path / "sim.out"
    master, slave = pty.openpty()  # the sim's own terminal: stdin is a TTY
    with out.open("w") as f:
        proc = subprocess.Popen([*CLI, "sim", "--tcp-port", "0", "--duration", "8"], stdin=slave,
                                stdout=f, stderr=subprocess.STDOUT, env=os.environ.copy())
    os.close(slave)
    try:
        port = int(_wait_for(out, r"tcp-client:127\.0\.0\.1:(\d+)").group(1))
        _wait_for(out, r"keys: b press the button")
        os.write(master, b"b")  # a key in its own terminal
        _wait_for(out, r"button: short press")
        assert main(["sim", "--press", "double", "--tcp-port", str(port)]) == 0  # another terminal
        _wait_for(out, r"button: double press")
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    text = out.read_text()
    assert re.search(r"s  button short", text) and re.search(r"s  button double", text), text
    assert proc.returncode == 0


def test_press_without_a_running_sim_is_one_line(capsys) -> None:
    assert main(["sim", "--press", "short", "--tcp-port", "1"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no `kyphos sim` running on port 1" in err


def _start_sim(out: Path) -> tuple[subprocess.Popen[bytes], int]:
    with out.open("w") as f:
        proc = subprocess.Popen([*CLI, "sim", "--tcp-port", "0", "--duration", "60"],
                                stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT)
    port = int(_wait_for(out, r"tcp-client:127\.0\.0\.1:(\d+)").group(1))
    _wait_for(out, r"presses its button")
    return proc, port


def test_a_sim_in_another_process_can_be_paired_and_stays_paired(tmp_path: Path, monkeypatch,
                                                                 capsys) -> None:
    """The dead ends of issue 16: `kyphos pair` against a `kyphos sim` had no button to press;
    and a restarted `kyphos sim` had forgotten the bond this computer still held."""
    monkeypatch.setenv("KYPHOS_BUMBLE_KEYS", str(tmp_path / "host_keys.json"))
    target = ["--device", "kyphos-4F01", "--timeout", "10"]
    proc, port = _start_sim(tmp_path / "sim1.out")
    try:
        monkeypatch.setenv("KYPHOS_BUMBLE_TRANSPORT", f"tcp-client:127.0.0.1:{port}")
        assert main(["config", "set", *target, "slouch_threshold_deg=9"]) == 1
        assert "pair" in capsys.readouterr().err
        assert main(["sim", "--press", "short", "--tcp-port", str(port)]) == 0
        assert main(["pair", *target]) == 0
        assert main(["config", "set", *target, "slouch_threshold_deg=9"]) == 0
        assert "slouch_threshold_deg = 9" in capsys.readouterr().out
    finally:
        proc.terminate()  # SIGTERM: the sim stops cleanly and keeps its bonds and config
        proc.wait(timeout=30)
    proc, port = _start_sim(tmp_path / "sim2.out")  # switched off and on again
    try:
        monkeypatch.setenv("KYPHOS_BUMBLE_TRANSPORT", f"tcp-client:127.0.0.1:{port}")
        assert main(["config", "get", *target, "slouch_threshold_deg"]) == 0
        assert "slouch_threshold_deg = 9" in capsys.readouterr().out  # its config kept
        assert main(["config", "set", *target, "slouch_threshold_deg=10"]) == 0  # still paired
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    from kyphos.cli.cmd_sim import kept_dir

    shutil.rmtree(kept_dir())  # the board forgets (a reset); this computer still has the bond
    proc, port = _start_sim(tmp_path / "sim3.out")
    try:
        monkeypatch.setenv("KYPHOS_BUMBLE_TRANSPORT", f"tcp-client:127.0.0.1:{port}")
        capsys.readouterr()
        assert main(["sim", "--press", "short", "--tcp-port", str(port)]) == 0
        assert main(["pair", *target]) == 1
        err = capsys.readouterr().err
        assert "still holds a bond" in err and "KYPHOS_BUMBLE_KEYS" in err and err.count("\n") == 1
        (tmp_path / "host_keys.json").unlink()  # what the line says to do
        assert main(["sim", "--press", "short", "--tcp-port", str(port)]) == 0
        assert main(["pair", *target]) == 0
    finally:
        proc.terminate()
        proc.wait(timeout=30)
