"""``kyphos flash``: write MicroPython to an ESP32 with esptool's Python API, then deploy kyphos.

    flash_micropython("/dev/ttyACM0", Path("ESP32_GENERIC_S3-20250415-v1.25.0.bin"))

The ``.bin`` files from MicroPython's download page for ESP32 boards are whole-flash images that
begin with the second-stage bootloader, so they go at the chip's bootloader offset: 0x1000 on
the original ESP32, 0x0 on the ESP32-S3 and ESP32-C3 (esptool's
``BOOTLOADER_FLASH_OFFSET`` of each target, which this module reads rather than hard-codes).
The image header names the chip it was built for (byte 12-13, the image chip id), so a build for
the wrong chip is refused before anything is erased.

Steps, as ``esptool --chip auto write-flash --erase-all`` does them: detect the chip
(``esptool.cmds.detect_chip``), load the flasher stub (``run_stub``), raise the baud rate,
``attach_flash``, ``erase_flash``, ``write_flash`` (which checks each written region's MD5),
``verify_flash`` (reads the flash back), ``reset_chip``.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kyphos.errors import KyphosError

ESP_IMAGE_MAGIC = 0xE9

# kyphos's chip families: esptool target name, chip name esptool reports, and the MicroPython
# download to use (board name on MicroPython's download page).
FAMILIES = {
    "esp32": ("ESP32", "ESP32_GENERIC"),
    "esp32s3": ("ESP32-S3", "ESP32_GENERIC_S3 (or the XIAO ESP32-S3's own build)"),
    "esp32c3": ("ESP32-C3", "ESP32_GENERIC_C3"),
}


@dataclass(frozen=True)
class FlashPlan:
    family: str  # "esp32", "esp32s3", "esp32c3"
    offset: int
    size: int


def _esptool_target(family: str) -> Any:
    from esptool.targets import CHIP_DEFS

    return CHIP_DEFS[family]


def family_of_chip_name(chip_name: str) -> str:
    """'ESP32-S3' -> 'esp32s3'; KyphosError for a chip kyphos has no profile for."""
    for fam, (name, _) in FAMILIES.items():
        if name == chip_name:
            return fam
    raise KyphosError(f"the board is an {chip_name}; kyphos supports "
                      f"{', '.join(n for n, _ in FAMILIES.values())}")


def image_family(data: bytes) -> str | None:
    """The chip family an ESP image was built for (from its extended header), or None."""
    if len(data) < 24 or data[0] != ESP_IMAGE_MAGIC:
        return None
    chip_id = struct.unpack_from("<H", data, 12)[0]
    for fam in FAMILIES:
        if _esptool_target(fam).IMAGE_CHIP_ID == chip_id:
            return fam
    return None


def read_image(path: Path) -> bytes:
    """The MicroPython firmware image, checked to be an ESP flash image."""
    if not path.exists():
        raise KyphosError(f"{path}: no such file; download the .bin for your board from "
                          "MicroPython's ESP32 downloads (see docs/build-your-sensor.md)")
    if path.is_dir():
        raise KyphosError(f"{path} is a folder; pass the MicroPython .bin file")
    data = path.read_bytes()
    if path.suffix.lower() in (".uf2", ".hex", ".elf", ".zip"):
        raise KyphosError(f"{path} is a {path.suffix} file; kyphos flash needs the .bin "
                          "download for your board")
    if len(data) < 4096 or data[0] != ESP_IMAGE_MAGIC:
        raise KyphosError(f"{path} is not an ESP32 firmware image (no 0xE9 image header"
                          f"{'; only ' + str(len(data)) + ' bytes' if len(data) < 4096 else ''})"
                          ": download the .bin for your board")
    return data


def plan(data: bytes, chip_name: str, path: Path, chip: str = "auto") -> FlashPlan:
    """Where ``data`` goes on a board that reported ``chip_name``; refuses a mismatch."""
    family = family_of_chip_name(chip_name)
    if chip != "auto" and chip != family:
        raise KyphosError(f"--chip {chip} given but the board is an {chip_name}: "
                          f"use --chip {family} or auto")
    built_for = image_family(data)
    if built_for is not None and built_for != family:
        raise KyphosError(f"{path.name} is MicroPython for the {FAMILIES[built_for][0]}, but "
                          f"the board is an {chip_name}: download {FAMILIES[family][1]}")
    return FlashPlan(family, int(_esptool_target(family).BOOTLOADER_FLASH_OFFSET), len(data))


def check_offline(path: Path, chip: str = "auto") -> bytes:
    """Every check that needs no board: the file, and --chip against the image's chip."""
    if chip != "auto" and chip not in FAMILIES:
        raise KyphosError(f"--chip {chip}: choose auto, {', '.join(FAMILIES)}")
    data = read_image(path)
    built_for = image_family(data)
    if chip != "auto" and built_for is not None and built_for != chip:
        raise KyphosError(f"{path.name} is MicroPython for the {FAMILIES[built_for][0]}, not "
                          f"the {FAMILIES[chip][0]} given by --chip")
    return data


def flash_micropython(port: str, path: Path, chip: str = "auto", baud: int = 460800,
                      erase: bool = True, connect: Callable[..., Any] | None = None,
                      log: Callable[[str], None] = print) -> FlashPlan:
    """Erase the board and write the MicroPython image ``path``, then verify and reset."""
    from esptool.cmds import (
        attach_flash,
        detect_chip,
        erase_flash,
        reset_chip,
        run_stub,
        verify_flash,
        write_flash,
    )
    from esptool.util import FatalError
    from serial import SerialException

    data = check_offline(path, chip)
    if not port:
        raise KyphosError("no port: pass --port (e.g. /dev/ttyUSB0); `kyphos doctor` lists ports")
    try:
        esp = (connect or detect_chip)(port, connect_attempts=3)
    except (FatalError, SerialException, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise KyphosError(f"no ESP32 bootloader answered on {port} ({first}): hold BOOT, tap "
                          "RESET, release BOOT, and retry; check the cable carries data") from None
    try:
        p = plan(data, esp.CHIP_NAME, path, chip)
        log(f"{esp.CHIP_NAME}: writing {path.name} ({p.size} bytes) at {p.offset:#x}")
        esp = run_stub(esp)
        if baud > 115200:
            try:
                esp.change_baud(baud)
            except Exception:  # noqa: BLE001 - the ROM may refuse; stay at 115200
                log("baud rate change refused; staying at 115200")
        attach_flash(esp)
        if erase:
            erase_flash(esp)
        write_flash(esp, [(p.offset, data)])
        verify_flash(esp, [(p.offset, data)])
        reset_chip(esp, "hard-reset")
    except FatalError as exc:
        raise KyphosError(f"esptool: {str(exc).strip().splitlines()[0]}") from None
    finally:
        try:
            esp._port.close()
        except Exception:  # noqa: BLE001
            pass
    return p
