"""The pin tables in hardware/wiring.md and the SVG diagrams match firmware/boards.py."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from kyphos.board.deploy import firmware_boards

ROOT = Path(__file__).resolve().parents[1]
HW = ROOT / "hardware"
FIELD = {"I2C SDA": "sda", "I2C SCL": "scl", "IMU interrupt": "imu_int",
         "motor PWM": "motor_pwm", "battery sense": "batt_adc", "button": "button",
         "LED": "led"}


def wiring_tables() -> dict[str, dict[str, int | None]]:
    """profile -> signal field -> GPIO, parsed from the markdown (not from wiring.py)."""
    out: dict[str, dict[str, int | None]] = {}
    current = None
    for line in (HW / "wiring.md").read_text().splitlines():
        m = re.match(r"^## Pin map: `(\w+)`", line)
        if m:
            current = m.group(1)
            out[current] = {}
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if current and len(cells) == 4 and cells[0] in FIELD:
            out[current][FIELD[cells[0]]] = None if cells[1] == "-" else int(cells[1])
    return out


def test_every_hardware_profile_is_documented_with_the_firmware_pins() -> None:
    boards = firmware_boards()
    tables = wiring_tables()
    assert set(tables) == set(boards.names()) - {"virtual"}
    for name, pins in tables.items():
        profile = boards.get(name)
        assert set(pins) == set(FIELD.values()), name
        for field, gpio in pins.items():
            assert gpio == profile[field], f"{name} {field}: wiring.md {gpio}, firmware {profile[field]}"


def test_i2c_and_adc_pins_are_the_usable_kind() -> None:
    boards = firmware_boards()
    # ESP32 ADC1 is GPIO32-39; ESP32-S3 ADC1 is GPIO1-10; ESP32-C3 ADC1 is GPIO0-4.
    adc1 = {"esp32_devkitc": range(32, 40), "xiao_esp32s3": range(1, 11),
            "xiao_esp32c3": range(0, 5)}
    for name, pins in adc1.items():
        assert boards.get(name)["batt_adc"] in pins, name


@pytest.mark.parametrize("profile", ["xiao_esp32s3", "xiao_esp32c3", "esp32_devkitc"])
def test_svg_diagram_is_current(profile: str) -> None:
    spec = importlib.util.spec_from_file_location("kyphos_hw_wiring", HW / "wiring.py")
    assert spec is not None and spec.loader is not None
    wiring = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(wiring)
    svg = (HW / f"wiring-{profile}.svg").read_text()
    assert svg == wiring.svg(profile), "run python hardware/wiring.py"
    for field in ("sda", "scl", "imu_int", "motor_pwm", "batt_adc"):
        assert f"(GPIO {firmware_boards().get(profile)[field]})" in svg
