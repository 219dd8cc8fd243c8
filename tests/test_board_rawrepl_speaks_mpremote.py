"""The virtual board's REPL (kyphos.sim.rawrepl) behaves like a MicroPython board for the real
mpremote: file commands, MicroPython-style errors, globals wiped by soft reset, Ctrl-C, and
.mpy files checked like the board's import does."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time
from pathlib import Path

from kyphos.board import mpy
from kyphos.sim.rawrepl import Spawned

MPREMOTE = [sys.executable, "-m", "mpremote"]


def mpr(port: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MPREMOTE, "connect", port, *args], capture_output=True, text=True,
                          timeout=30, check=False)


def test_file_commands_land_in_the_flash_folder(tmp_path: Path) -> None:
    flash = tmp_path / "flash"
    src = tmp_path / "data.bin"
    src.write_bytes(bytes(range(256)) * 9)  # more than one 256-byte write chunk
    with Spawned(flash) as b:
        r = mpr(b.port, "fs", "mkdir", ":lib", "+", "fs", "cp", str(src), ":lib/data.bin",
                "+", "fs", "ls", ":lib", "+", "fs", "sha256sum", ":lib/data.bin")
        assert r.returncode == 0, r.stderr
        assert "2304 data.bin" in r.stdout
        assert hashlib.sha256(src.read_bytes()).hexdigest() in r.stdout
        assert (flash / "lib" / "data.bin").read_bytes() == src.read_bytes()
        r = mpr(b.port, "fs", "rm", ":lib/data.bin", "+", "fs", "rmdir", ":lib")
        assert r.returncode == 0 and not (flash / "lib").exists()
        r = mpr(b.port, "fs", "cat", ":missing.txt")
        assert r.returncode == 1 and "No such file" in r.stderr
        r = mpr(b.port, "exec", "open('/missing.txt')")
        assert "OSError: [Errno 2] ENOENT" in r.stdout + r.stderr


def test_globals_persist_until_soft_reset(tmp_path: Path) -> None:
    with Spawned(tmp_path / "flash") as b:
        r = mpr(b.port, "exec", "x = 41", "+", "exec", "print(x + 1)")
        assert r.stdout.strip() == "42"
        r = mpr(b.port, "soft-reset", "+", "exec", "print('x' in globals())")
        assert r.stdout.strip().endswith("False"), r.stdout


def test_ctrl_c_interrupts_running_code(tmp_path: Path) -> None:
    with Spawned(tmp_path / "flash") as b:
        t0 = time.monotonic()
        # mpremote's resume/enter sends Ctrl-C first: a board stuck in a loop must answer.
        p = subprocess.Popen([*MPREMOTE, "connect", b.port, "exec", "while True: pass"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.0)
        p.kill()
        p.wait()
        r = mpr(b.port, "exec", "print('alive')")
        assert r.stdout.strip() == "alive", r.stderr
        assert time.monotonic() - t0 < 30


def test_mpy_is_checked_like_a_board_does(tmp_path: Path) -> None:
    flash, source = tmp_path / "flash", tmp_path / "src"
    flash.mkdir()
    source.mkdir()
    (source / "m.py").write_text("VALUE = 7\n")
    fmt = mpy.MpyFormat(6, 3, "xtensawin")
    good = mpy.compile_source(source / "m.py", fmt)
    with Spawned(flash, "--source", str(source)) as b:
        (flash / "m.mpy").write_bytes(good)
        assert mpr(b.port, "exec", "import m; print(m.VALUE)").stdout.strip() == "7"
        (flash / "m.mpy").write_bytes(b"M\x05" + good[2:])  # an older .mpy version
        r = mpr(b.port, "soft-reset", "+", "exec", "import m")
        assert "ValueError: incompatible .mpy file" in r.stdout + r.stderr
        (flash / "m.mpy").write_bytes(good[:-1] + bytes([good[-1] ^ 1]))  # corrupted body
        r = mpr(b.port, "soft-reset", "+", "exec", "import m")
        assert "ImportError" in r.stdout + r.stderr
        (flash / "m.py").write_text("VALUE = 8\n")  # a .py shadows the .mpy, as on a board
        assert mpr(b.port, "soft-reset", "+", "exec", "import m; print(m.VALUE)").stdout \
            .strip().endswith("8")


def test_sys_implementation_reports_the_configured_board(tmp_path: Path) -> None:
    with Spawned(tmp_path / "flash", "--mpy", "6.1", "--arch", "rv32imc", "--version",
                 "1.21.0", "--machine", "ESP32C3 module with ESP32C3") as b:
        r = mpr(b.port, "exec", "import sys; print(sys.implementation._mpy, "
                "sys.implementation.version, sys.implementation._machine)")
    fmt = mpy.MpyFormat.from_sys_mpy(int(r.stdout.split()[0]))
    assert fmt == mpy.MpyFormat(6, 1, "rv32imc")
    assert "(1, 21, 0) ESP32C3 module with ESP32C3" in r.stdout
