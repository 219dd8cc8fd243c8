"""hardware/ documents: the power budget page is the script's output, every linked file exists,
and the BOM lists every IMU the firmware can drive."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HW = ROOT / "hardware"


def test_power_budget_page_is_reproducible() -> None:
    out = subprocess.run([sys.executable, str(HW / "power_budget.py")], capture_output=True,
                         text=True, timeout=60, check=True).stdout.strip()
    page = (HW / "power-budget.md").read_text()
    assert out in page, "run python hardware/power_budget.py and paste its output"
    assert re.search(r"days per charge: \d+\.\d\d", out)


def test_power_budget_arithmetic() -> None:
    sys.path.insert(0, str(HW))
    try:
        import power_budget as pb
    finally:
        sys.path.remove(str(HW))
    assert pb.state_ma("light sleep") < pb.state_ma("logging (no link)") < pb.state_ma(
        "streaming (BLE)")
    assert sum(pb.DAY.values()) == 24
    # 80 mA x 0.8 x 0.3 s = 19.2 mAs = 5.33 uAh per alert
    assert abs(pb.alert_mah(1) - 80 * 0.8 * 0.3 / 3600) < 1e-12


def test_links_in_hardware_and_guide_exist() -> None:
    for md in [*HW.glob("*.md"), ROOT / "docs" / "build-your-sensor.md"]:
        for target in re.findall(r"\]\(([^)#]+)\)", md.read_text()):
            if "://" in target:
                continue
            assert (md.parent / target).exists(), f"{md.name} links to missing {target}"


def test_bom_lists_every_supported_imu() -> None:
    bom = (HW / "bom.md").read_text()
    for chip in ("LSM6DSOX", "LSM6DS3TR-C", "MPU-6050", "MPU-6500"):
        assert chip in bom
    imu = (ROOT / "firmware" / "imu.py").read_text()
    for chip in ("LSM6DSOX", "LSM6DS3TR-C", "MPU-6050", "MPU-6500"):
        assert chip in imu  # the firmware's list is the BOM's list
