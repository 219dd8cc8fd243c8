"""`kyphos deploy` end to end: the real CLI and the real mpremote against a virtual board's
REPL on a pseudo-terminal (kyphos.sim.rawrepl). Every subprocess has a timeout."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import serial
from kyphos.board import mpy
from kyphos.board.deploy import firmware_dir, firmware_version
from kyphos.sim.rawrepl import Spawned

KYPHOS = [sys.executable, "-c", "import sys; from kyphos.cli import main; sys.exit(main())"]
MPREMOTE = [sys.executable, "-m", "mpremote"]
FMT = mpy.MpyFormat(6, 3, "xtensawin")
VERSION = firmware_version(firmware_dir())  # FW_TEXT of firmware/app.py


def run(cmd: list[str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)


def deploy(port: str, fw: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run([*KYPHOS, "deploy", "--port", port, "--firmware", str(fw), *extra])


def sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def snapshot(flash: Path) -> dict[str, str]:
    return {p.name: sha(p) for p in flash.iterdir() if p.is_file()}


@pytest.fixture
def fw(tmp_path: Path) -> Path:
    d = tmp_path / "firmware"
    shutil.copytree(firmware_dir(), d, ignore=shutil.ignore_patterns("__pycache__"))
    return d


@pytest.fixture
def flash(tmp_path: Path) -> Path:
    d = tmp_path / "flash"
    d.mkdir()
    return d


def board(flash: Path, fw: Path, *args: str) -> Spawned:
    return Spawned(flash, "--source", str(fw), "--source", str(fw.with_name("old")), *args)


def test_deploy_installs_verifies_configures_and_confirms_version(flash: Path, fw: Path) -> None:
    (flash / "app.py").write_text("FW_TEXT = 'stale source that would shadow app.mpy'\n")
    with board(flash, fw) as b:
        r = deploy(b.port, fw, "--name", "kyphos-test")
        assert r.returncode == 0, r.stderr
        assert f"kyphos firmware {VERSION} running" in r.stdout
        assert "profile xiao_esp32s3" in r.stdout
        # Every module as .mpy compiled for the board's format, main.py as source, no staging.
        names = {p.name for p in flash.iterdir()}
        for src in fw.glob("*.py"):
            want = src.name if src.name == "main.py" else src.stem + ".mpy"
            assert want in names, want
        assert "app.py" not in names and ".kyphos_new" not in names
        manifest = json.loads((flash / "kyphos.json").read_text())
        assert manifest["firmware"] == VERSION and "app.mpy" in manifest["files"]
        assert (flash / "main.py").read_bytes() == (fw / "main.py").read_bytes()
        assert (flash / "fusion.mpy").read_bytes() == mpy.compile_source(fw / "fusion.py", FMT)
        # A reset into the maintenance boot first, a reset after the swap, then left running
        # its application (soft reset from the friendly REPL runs main.py).
        assert b.events(3) == ["hard-reset runs-main", "hard-reset runs-main",
                               "soft-reset runs-main"]
        assert not (flash / ".kyphos_maint").exists()  # the next boot is a normal one
        cfg = json.loads((flash / "config.json").read_text())
        assert cfg == {"board": "xiao_esp32s3", "name": "kyphos-test"}
        # The real mpremote CLI sees the same files and runs the deployed firmware.
        r = run([*MPREMOTE, "connect", b.port, "fs", "sha256sum", ":boards.mpy"], timeout=20)
        assert sha(flash / "boards.mpy") in r.stdout
        r = run([*MPREMOTE, "connect", b.port, "exec",
                 "import app, boards; print(app.FW_TEXT, boards.detect())"], timeout=30)
        assert r.stdout.split() == [VERSION, "xiao_esp32s3"], r.stderr


def test_redeploy_copies_only_changed_files(flash: Path, fw: Path) -> None:
    (fw / "extra_mod.py").write_text("X = 1\n")  # a module a later firmware drops
    with board(flash, fw) as b:
        assert deploy(b.port, fw).returncode == 0
        r = deploy(b.port, fw)
        assert r.returncode == 0 and "copied 0 file(s)" in r.stdout, r.stdout
        before = snapshot(flash)
        # A byte flipped on the board's flash is found by the on-board SHA-256 and replaced.
        data = bytearray((flash / "coach.mpy").read_bytes())
        data[-1] ^= 0xFF
        (flash / "coach.mpy").write_bytes(bytes(data))
        # A source change recompiles and copies that module alone.
        (fw / "haptic.py").write_text((fw / "haptic.py").read_text() + "\n_DEPLOY_TEST = 1\n")
        r = deploy(b.port, fw)
        assert r.returncode == 0, r.stderr
        assert "copied 2 file(s)" in r.stdout, r.stdout
        after = snapshot(flash)
        assert {n for n in after if after[n] != before.get(n)} == {"haptic.mpy"}
        assert after["coach.mpy"] == before["coach.mpy"]
        # A module the firmware no longer has is removed; the wearer's own files are not.
        (flash / "notes.txt").write_text("mine")
        (fw / "extra_mod.py").unlink()
        r = deploy(b.port, fw)
        assert r.returncode == 0 and "removed extra_mod.mpy" in r.stdout, r.stdout + r.stderr
        assert not (flash / "extra_mod.mpy").exists() and (flash / "notes.txt").exists()
        assert "extra_mod.mpy" not in json.loads((flash / "kyphos.json").read_text())["files"]


def test_failed_copy_leaves_previous_firmware_bootable(flash: Path, fw: Path) -> None:
    with board(flash, fw) as b:
        assert deploy(b.port, fw).returncode == 0
    before = snapshot(flash)
    used = sum(p.stat().st_size for p in flash.rglob("*") if p.is_file())
    shutil.copytree(fw, fw.with_name("old"))  # so the virtual board can still run the old .mpy
    app = fw / "app.py"
    app.write_text(app.read_text().replace(f'FW_TEXT = "{VERSION}"', 'FW_TEXT = "9.9.9"')
                   + "\n_PAD = " + repr("x" * 4000) + "\n")
    assert 'FW_TEXT = "9.9.9"' in app.read_text()
    # The flash fills up part-way through copying the new app.mpy.
    with board(flash, fw, "--flash-limit", str(used + 2000)) as b:
        r = deploy(b.port, fw)
        assert r.returncode == 1
        err = r.stderr.strip().splitlines()
        assert len(err) == 1 and "ENOSPC" in err[0] and "previous firmware" in err[0], err
        assert {n: h for n, h in snapshot(flash).items()} == before
        r = run([*MPREMOTE, "connect", b.port, "exec", "import app; print(app.FW_TEXT)"],
                timeout=30)
        assert r.stdout.strip() == VERSION, r.stderr
    # With room again, the same deploy completes and the new version runs.
    with board(flash, fw) as b:
        r = deploy(b.port, fw)
        assert r.returncode == 0 and "kyphos firmware 9.9.9 running" in r.stdout, r.stderr


def test_board_with_unknown_mpy_version_gets_a_one_line_fix(flash: Path, fw: Path) -> None:
    with board(flash, fw, "--mpy", "7.0") as b:
        r = deploy(b.port, fw)
    assert r.returncode == 1
    assert r.stderr.count("\n") == 1 and "kyphos flash" in r.stderr, r.stderr
    assert list(flash.iterdir()) == []


def test_older_board_gets_older_bytecode(flash: Path, fw: Path) -> None:
    with board(flash, fw, "--mpy", "6.1", "--version", "1.20.0", "--machine",
               "ESP32C3 module with ESP32C3", "--arch", "rv32imc") as b:
        r = deploy(b.port, fw)
        assert r.returncode == 0, r.stderr
    assert "profile xiao_esp32c3" in r.stdout
    assert (flash / "app.mpy").read_bytes()[:2] == b"M\x06"
    assert json.loads((flash / "config.json").read_text())["board"] == "xiao_esp32c3"


def test_deploy_errors_are_one_line() -> None:
    r = run([*KYPHOS, "deploy", "--port", "/dev/kyphos-no-such-port"], timeout=30)
    assert r.returncode == 1
    assert r.stderr.startswith("kyphos: no MicroPython REPL on /dev/kyphos-no-such-port")
    assert r.stderr.count("\n") == 1
    r = run([*KYPHOS, "deploy", "--port", "/dev/null", "--board", "pyboard"], timeout=30)
    assert r.returncode == 1 and "unknown board 'pyboard'" in r.stderr


def test_port_held_by_another_program(flash: Path, fw: Path) -> None:
    with board(flash, fw) as b, serial.Serial(b.port, exclusive=True):
        r = deploy(b.port, fw)
    assert r.returncode == 1 and r.stderr.count("\n") == 1
    assert "close other programs using it" in r.stderr
    assert list(flash.iterdir()) == []


def test_deploy_help_has_examples() -> None:
    r = run([*KYPHOS, "deploy", "--help"])
    assert r.returncode == 0
    assert "kyphos deploy --port /dev/ttyACM0" in r.stdout and "--name" in r.stdout


def _arm_watchdog(port: str, timeout_ms: int) -> None:
    """What the application does at boot: machine.WDT(timeout=...), then it stops feeding (the
    next mpremote or deploy stops the application with Ctrl-C)."""
    r = run([*MPREMOTE, "connect", port, "exec",
             f"import machine; w = machine.WDT(timeout={timeout_ms}); print(hasattr(w, 'deinit'))"],
            timeout=20)
    assert r.returncode == 0 and r.stdout.split() == ["False"], r.stdout + r.stderr


def test_an_app_that_stops_feeding_the_watchdog_resets_the_board(flash: Path, fw: Path) -> None:
    """ports/esp32/machine_wdt.c: no deinit, a soft reset (Ctrl-D) leaves it armed, and when it
    is not fed the chip resets (reset_cause WDT_RESET); the hard reset stops it."""
    with board(flash, fw) as b:
        _arm_watchdog(b.port, 1500)
        b.events(0)  # mpremote's own resets
        with serial.Serial(b.port, timeout=0.2) as s:
            s.write(b"\r\x03\x04")  # Ctrl-C, then Ctrl-D at the friendly REPL: a soft reset
        events = b.events(2, timeout_s=5)
        assert events == ["soft-reset runs-main", "hard-reset wdt"], events
        r = run([*MPREMOTE, "connect", b.port, "exec", "import machine; print(machine.reset_cause())"],
                timeout=20)
        assert r.stdout.split() == ["3"], r.stdout + r.stderr  # machine.WDT_RESET
        # Stopped by the hard reset: no second watchdog reset.
        assert "hard-reset wdt" not in b.events(1, timeout_s=2.5)


def test_full_deploy_to_a_board_whose_app_armed_the_watchdog(flash: Path, fw: Path) -> None:
    """The application armed the watchdog and deploy stopped it with Ctrl-C: copying every file
    takes longer than the timeout, so deploy must first reboot into the maintenance boot.
    Scaled: a 3 s watchdog against this fast pseudo-terminal (the board's is 8 s against a USB
    link and flash writes); the deploy without the maintenance boot is reset part-way."""
    with board(flash, fw) as b:
        assert deploy(b.port, fw).returncode == 0
        b.events(3)
        # The application: arms the watchdog and feeds it from its loop until Ctrl-C.
        with serial.Serial(b.port, timeout=0.2) as s:
            s.write(b"\x03import machine, time\r")
            s.write(b"w = machine.WDT(timeout=3000)\r")
            s.write(b"while True: w.feed(); time.sleep_ms(50)\r")
            time.sleep(3.5)  # longer than the timeout: the loop feeds it
        assert b.events(0) == []
        r = deploy(b.port, fw, "--force")
        assert r.returncode == 0, r.stdout + r.stderr
        assert f"kyphos firmware {VERSION} running" in r.stdout
        events = b.events(0)
        assert "hard-reset wdt" not in events, events
        assert not (flash / ".kyphos_maint").exists()
