"""Battery life of a kyphos sensor from the current of each part in each state.

    python hardware/power_budget.py            # prints the tables in hardware/power-budget.md

Every current below is a figure from a datasheet or a published measurement (SOURCES) or a
stated assumption (marked "assumed"); nothing here was measured on a kyphos board. Change a
number, re-run, and paste the output into power-budget.md (tests/test_hardware_docs.py checks
that the file matches this script).
"""

from __future__ import annotations

# The battery the BOM names: 3.7 V LiPo, 400 mAh (502535 size), with protection circuit.
BATTERY_MAH = 400.0
# Usable share: the firmware calls the battery low at 3.4 V (config low_battery_mv); a LiPo
# still holds a few percent there, and capacity fades with age and cold.
USABLE = 0.85

SOURCES = {
    "S3-light": "ESP32-S3 datasheet, light-sleep 240 uA typ., quoted in esp32.com forum "
                "t=41048; ~1.9-2 mA measured on real boards with flash powered "
                "(same thread; forum.dronebotworkshop.com 'ESP-32S3 light sleep')",
    "S3-active": "ESP32-S3-DevKitM-1 awake at 3.3 V: 31.7 mA measured (lucidar.me, 'Power "
                 "consumption of ESP32-S3-DevKitM-1'); XIAO ESP32S3 awake: ~34 mA measured "
                 "(forum.seeedstudio.com t/276916)",
    "XIAO-quiescent": "XIAO regulator + charger + pull-down with the chip asleep: 40-300 uA "
                      "measured (forum.seeedstudio.com t/274859, t/284207)",
    "LSM6DSOX": "ST LSM6DSO/LSM6DSOX datasheet: 0.55 mA, accelerometer + gyroscope in "
                "high-performance mode",
    "ERM": "10 mm coin ERM motor, 3 V: 60-100 mA running (firmware/boards.py; typical "
           "coin-motor data sheets)",
}

# mA per part in each state. ESP32 figures include the XIAO's own regulator losses only where
# the source measured a whole board.
STATES = {
    # state: (description, {part: mA})
    "streaming (BLE)": ("awake, IMU 104 Hz, fusion, BLE notifications at <= 20/s", {
        "ESP32-S3 awake (CPU)": 34.0,          # S3-active
        "BLE radio, average (assumed)": 8.0,   # connection events every 15-50 ms
        "LSM6DSOX 104 Hz HP": 0.55,            # LSM6DSOX
        "XIAO regulator, charger": 0.1,        # XIAO-quiescent
        "status LED (assumed, 10% duty)": 0.2,
    }),
    "logging (no link)": ("awake, IMU 104 Hz, frames to flash, BLE advertising", {
        "ESP32-S3 awake (CPU)": 34.0,
        "BLE advertising, average (assumed)": 2.0,
        "flash writes, average (assumed)": 1.0,
        "LSM6DSOX 104 Hz HP": 0.55,
        "XIAO regulator, charger": 0.1,
    }),
    "light sleep": ("no motion for sleep_after_min: CPU paused, IMU wake-on-motion", {
        "ESP32-S3 light sleep (real boards)": 2.0,  # S3-light
        # BLE is off in light sleep; awake 2 s in 62 to advertise (firmware/powerpolicy.py
        # _ADV_WINDOW_MS / _ADV_EVERY_MS): (CPU awake + advertising) * 2 / 62.
        "advertising windows, 2 s in 62 (CPU awake + BLE)": round((34.0 + 2.0) * 2 / 62, 2),
        "LSM6DSOX wake-up detector (assumed)": 0.05,
        "XIAO regulator, charger": 0.1,
    }),
}

# A slouch alert: pattern "double" = 150 + 150 ms on (firmware/haptic.py PATTERNS[2]) at 80 %
# duty (config haptic_strength_pct) on an 80 mA motor (ERM).
MOTOR_MA = 80.0
ALERT_ON_S = 0.300
ALERT_DUTY = 0.80


def alert_mah(alerts: float) -> float:
    """Charge used by ``alerts`` slouch alerts, mAh."""
    return alerts * MOTOR_MA * ALERT_DUTY * ALERT_ON_S / 3600.0


def state_ma(state: str) -> float:
    return sum(STATES[state][1].values())


# A stated wearing day: hours in each state and alerts per hour while worn.
DAY = {"streaming (BLE)": 4.0, "logging (no link)": 4.0, "light sleep": 16.0}
ALERTS_PER_WORN_HOUR = 6.0  # slouch_dwell_s = 60 s allows up to 60/h; 6/h is a coached day


def report() -> str:
    lines = [f"Battery: {BATTERY_MAH:.0f} mAh LiPo, {USABLE:.0%} usable = "
             f"{BATTERY_MAH * USABLE:.0f} mAh.", ""]
    lines += ["| state | part | current (mA) |", "|---|---|---:|"]
    for state, (_desc, parts) in STATES.items():
        for part, ma in parts.items():
            lines.append(f"| {state} | {part} | {ma:.2f} |")
        lines.append(f"| **{state}** | **total** | **{state_ma(state):.2f}** |")
    lines += ["", "| state | current (mA) | battery life in this state alone (h) |",
              "|---|---:|---:|"]
    usable = BATTERY_MAH * USABLE
    for state in STATES:
        lines.append(f"| {state} | {state_ma(state):.2f} | {usable / state_ma(state):.1f} |")
    worn_h = DAY["streaming (BLE)"] + DAY["logging (no link)"]
    day_mah = sum(state_ma(s) * h for s, h in DAY.items()) + alert_mah(
        ALERTS_PER_WORN_HOUR * worn_h)
    lines += ["", f"Slouch alert: {MOTOR_MA:.0f} mA x {ALERT_DUTY:.0%} duty x "
              f"{ALERT_ON_S * 1000:.0f} ms = {alert_mah(1) * 1000:.2f} uAh each.",
              "", "| day profile | hours |", "|---|---:|"]
    lines += [f"| {s} | {h:.0f} |" for s, h in DAY.items()]
    lines += [f"| alerts while worn | {ALERTS_PER_WORN_HOUR * worn_h:.0f} |", "",
              f"Charge per day: {day_mah:.0f} mAh; days per charge: {usable / day_mah:.2f} "
              f"({usable / day_mah * 24:.0f} h)."]
    return "\n".join(lines)


if __name__ == "__main__":
    print(report())
