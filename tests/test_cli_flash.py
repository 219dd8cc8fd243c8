"""`kyphos flash`: image checks, chip/offset plan and esptool connection errors. No ESP32 ROM
emulator exists, so writing is not exercised; every path up to the first ROM answer is."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from kyphos.board.flash import image_family, plan
from kyphos.errors import KyphosError
from kyphos.sim.rawrepl import Spawned

KYPHOS = [sys.executable, "-c", "import sys; from kyphos.cli import main; sys.exit(main())"]


def esp_image(chip_id: int, size: int = 8192) -> bytes:
    """An ESP image header (esptool's format): magic, segments, mode, size/freq, entry, then
    the extended header with the chip id at byte 12."""
    head = struct.pack("<BBBBI", 0xE9, 3, 2, 0x20, 0x40080000)
    ext = struct.pack("<BBBBHBHH", 0xEE, 0, 0, 0, chip_id, 0, 0, 0xFFFF) + bytes(4)
    return (head + ext).ljust(size, b"\xff")


def kyphos(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    e = {k: v for k, v in os.environ.items() if k != "KYPHOS_PORT"}
    e.update(env or {})
    return subprocess.run([*KYPHOS, *args], capture_output=True, text=True, timeout=60,
                          check=False, env=e)


def one_line_error(r: subprocess.CompletedProcess[str]) -> str:
    assert r.returncode == 1, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kyphos: "), r.stderr
    return lines[0]


@pytest.fixture
def s3_bin(tmp_path: Path) -> Path:
    p = tmp_path / "ESP32_GENERIC_S3-v1.25.0.bin"
    p.write_bytes(esp_image(9))
    return p


def test_image_chip_and_offsets_come_from_esptool() -> None:
    from esptool.targets import CHIP_DEFS

    assert image_family(esp_image(0)) == "esp32"
    assert image_family(esp_image(9)) == "esp32s3"
    assert image_family(esp_image(5)) == "esp32c3"
    assert image_family(b"not an image" * 400) is None
    p = Path("fw.bin")
    assert plan(esp_image(0), "ESP32", p).offset == 0x1000 == CHIP_DEFS["esp32"].BOOTLOADER_FLASH_OFFSET
    assert plan(esp_image(9), "ESP32-S3", p).offset == 0x0
    assert plan(esp_image(5), "ESP32-C3", p).offset == 0x0


def test_wrong_chip_is_refused_with_the_right_download() -> None:
    with pytest.raises(KyphosError, match="MicroPython for the ESP32-S3, but the board is an "
                       "ESP32: download ESP32_GENERIC"):
        plan(esp_image(9), "ESP32", Path("s3.bin"))
    with pytest.raises(KyphosError, match="--chip esp32c3 given but the board is an ESP32-S3"):
        plan(esp_image(9), "ESP32-S3", Path("s3.bin"), chip="esp32c3")
    with pytest.raises(KyphosError, match="ESP32-S2; kyphos supports"):
        plan(esp_image(9), "ESP32-S2", Path("s3.bin"))


def test_missing_or_wrong_bin(tmp_path: Path) -> None:
    assert "no such file" in one_line_error(
        kyphos("flash", "--port", "/dev/null", "--micropython", str(tmp_path / "nope.bin")))
    txt = tmp_path / "notes.bin"
    txt.write_text("hello\n" * 1000)
    assert "not an ESP32 firmware image" in one_line_error(
        kyphos("flash", "--port", "/dev/null", "--micropython", str(txt)))
    uf2 = tmp_path / "fw.uf2"
    uf2.write_bytes(esp_image(9))
    assert "needs the .bin" in one_line_error(
        kyphos("flash", "--port", "/dev/null", "--micropython", str(uf2)))
    short = tmp_path / "short.bin"
    short.write_bytes(esp_image(9)[:100])
    assert "only 100 bytes" in one_line_error(
        kyphos("flash", "--port", "/dev/null", "--micropython", str(short)))


def test_chip_option_checked_against_image_before_any_port(s3_bin: Path) -> None:
    err = one_line_error(kyphos("flash", "--port", "/dev/kyphos-none", "--micropython",
                                str(s3_bin), "--chip", "esp32c3"))
    assert "for the ESP32-S3, not the ESP32-C3" in err


def test_no_port(s3_bin: Path) -> None:
    assert "no port: pass --port" in one_line_error(
        kyphos("flash", "--micropython", str(s3_bin)))
    err = one_line_error(
        kyphos("flash", "--micropython", str(s3_bin), env={"KYPHOS_PORT": "/dev/kyphos-none"}))
    assert "no ESP32 bootloader answered on /dev/kyphos-none" in err
    assert "hold BOOT, tap RESET" in err


def test_port_running_micropython_is_not_a_bootloader(s3_bin: Path, tmp_path: Path) -> None:
    # A board that runs MicroPython (not in download mode) answers with its REPL, not the ROM.
    # esptool's own progress and warnings come first; kyphos's error is the last line.
    with Spawned(tmp_path / "flash") as b:
        r = kyphos("flash", "--port", b.port, "--micropython", str(s3_bin))
    assert r.returncode == 1
    err = r.stderr.strip().splitlines()[-1]
    assert err.startswith(f"kyphos: no ESP32 bootloader answered on {b.port}"), r.stderr


def test_flash_help_has_examples() -> None:
    r = kyphos("flash", "--help")
    assert r.returncode == 0
    assert "kyphos flash --port /dev/ttyACM0 --micropython" in r.stdout
    assert "0x1000" in r.stdout


def test_deploy_options_checked_before_the_flash_is_touched(s3_bin: Path) -> None:
    # A bad --name or --board would otherwise surface only after the flash was erased.
    err = one_line_error(kyphos("flash", "--port", "/dev/kyphos-none", "--micropython",
                                str(s3_bin), "--name", "x" * 30))
    assert "--name" in err and "29 UTF-8 bytes" in err
    err = one_line_error(kyphos("flash", "--port", "/dev/kyphos-none", "--micropython",
                                str(s3_bin), "--board", "no_such_board"))
    assert "unknown board 'no_such_board'" in err
