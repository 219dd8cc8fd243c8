"""Pin tables and wiring diagrams for each board profile, from firmware/boards.py.

    python hardware/wiring.py          # rewrites hardware/wiring-<profile>.svg, prints tables

The tables printed here are the ones in hardware/wiring.md; tests/test_hardware_pins_match_
firmware.py checks the tables in wiring.md against firmware/boards.py and that each SVG is
what this script makes, so the documents cannot drift from the firmware.
"""

from __future__ import annotations

import sys
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "host"))

from kyphos.board.deploy import firmware_boards  # noqa: E402

BOARDS = firmware_boards()  # loaded once: every table row and SVG reads it

PROFILES = ("xiao_esp32s3", "xiao_esp32c3", "esp32_devkitc")

# (signal, profile field, what it connects to)
SIGNALS = (
    ("I2C SDA", "sda", "IMU breakout SDA"),
    ("I2C SCL", "scl", "IMU breakout SCL"),
    ("IMU interrupt", "imu_int", "IMU breakout INT1"),
    ("motor PWM", "motor_pwm", "1 kOhm to NPN transistor base; motor on the collector"),
    ("battery sense", "batt_adc", "midpoint of a 200k + 200k divider, BAT+ to GND"),
    ("button", "button", "on-board BOOT button (pressed = low)"),
    ("LED", "led", "on-board user LED (lit when low)"),
)


def pin_label(profile: str, gpio: int | None) -> str:
    if gpio is None:
        return "-"
    if profile == "xiao_esp32s3":
        return str(BOARDS.XIAO_S3_LABELS.get(gpio, f"GPIO{gpio}"))
    if profile == "xiao_esp32c3":
        return str(BOARDS.XIAO_C3_LABELS.get(gpio, f"GPIO{gpio}"))
    return "BOOT" if gpio == 0 else f"IO{gpio}"


def rows(profile: str) -> list[tuple[str, str, str, str]]:
    p = BOARDS.get(profile)
    out = []
    for signal, key, to in SIGNALS:
        gpio = p[key]
        if gpio is None:
            out.append((signal, "-", "-", "not fitted on this board"))
        else:
            out.append((signal, str(gpio), pin_label(profile, gpio), to))
    return out


def table(profile: str) -> str:
    lines = ["| signal | GPIO | board pin | connects to |", "|---|---:|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows(profile)]
    return "\n".join(lines)


def svg(profile: str) -> str:
    p = BOARDS.get(profile)
    r = rows(profile)
    h = 150 + 34 * len(r)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="900" height="{h}" '
           f'viewBox="0 0 900 {h}" font-family="sans-serif" font-size="13">',
           '<rect width="100%" height="100%" fill="white"/>',
           f'<text x="20" y="28" font-size="17" font-weight="bold">kyphos wiring: '
           f'{escape(p["description"])} (profile {profile})</text>',
           f'<rect x="20" y="50" width="280" height="{34 * len(r) + 40}" rx="8" '
           'fill="#e8f0fe" stroke="#1a73e8" stroke-width="2"/>',
           '<text x="32" y="72" font-weight="bold">board pins</text>']
    for i, (signal, gpio, label, to) in enumerate(r):
        y = 100 + 34 * i
        pin = f"{label} (GPIO {gpio})" if gpio != "-" else "(none)"
        out.append(f'<text x="32" y="{y + 4}">{escape(pin)}</text>')
        out.append(f'<circle cx="300" cy="{y}" r="4" fill="#1a73e8"/>')
        fitted = gpio != "-"
        colour = "#d93025" if signal.startswith("motor") else "#188038"
        if fitted and not to.startswith("on-board"):
            out.append(f'<line x1="304" y1="{y}" x2="440" y2="{y}" stroke="{colour}" '
                       'stroke-width="2"/>')
        out.append(f'<text x="312" y="{y - 6}" font-size="11" fill="#555">'
                   f'{escape(signal)}</text>')
        out.append(f'<text x="445" y="{y + 4}">{escape(to)}</text>')
    y = 100 + 34 * len(r) + 30
    battery = ("LiPo on the BAT+/BAT- pads under the board (the XIAO charges it from USB)"
               if profile.startswith("xiao") else
               "LiPo through a protected charger module and a 3.3 V regulator (no charger on board)")
    out.append(f'<text x="20" y="{y}" font-size="12" fill="#555">Power: board 3V3 to IMU VIN '
               f'and motor +; GND common to all parts; {escape(battery)}.</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main() -> None:
    for profile in PROFILES:
        (HERE / f"wiring-{profile}.svg").write_text(svg(profile))
        print(f"## {profile}\n\n{table(profile)}\n")


if __name__ == "__main__":
    main()
