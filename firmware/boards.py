# Board profiles: every pin kyphos uses, in one table (hardware/ documents the wiring).
#
# Pin numbers are ESP32 GPIO numbers. Sources for the board pinouts (checked Nov 2026):
#   XIAO ESP32-S3: espressif/arduino-esp32 variants/XIAO_ESP32S3/pins_arduino.h
#     (D0..D5 = GPIO1..6, SDA D4 = GPIO5, SCL D5 = GPIO6, D6 = GPIO43, D7 = GPIO44,
#     D8..D10 = GPIO7..9, LED_BUILTIN = GPIO21) and the Seeed Studio wiki "Getting Started
#     with Seeed Studio XIAO ESP32S3" (BOOT button on GPIO0, user LED on GPIO21, lit when low).
#   XIAO ESP32-C3: espressif/arduino-esp32 variants/XIAO_ESP32C3/pins_arduino.h
#     (D0..D3 = GPIO2..5, SDA D4 = GPIO6, SCL D5 = GPIO7, D6 = GPIO21, D7 = GPIO20,
#     D8..D10 = GPIO8..10) and the Seeed wiki (BOOT button on GPIO9; no user LED). The C3's
#     battery pad reaches no GPIO: a 2 x 200 kOhm divider to A0 (GPIO2) is Seeed's forum recipe.
#   ESP32 DevKitC (WROOM-32): espressif/arduino-esp32 variants/esp32/pins_arduino.h
#     (SDA GPIO21, SCL GPIO22) and Espressif's "ESP32-DevKitC V4 Getting Started Guide"
#     (BOOT button on GPIO0, only a power LED). GPIO34/35 are input-only ADC1 pins.
#
# Choices made here (not imposed by the boards): the battery divider is two equal resistors
# (ratio 2: a 4.2 V cell reads 2.1 V, inside the 11 dB ADC range); ADC1 pins only, because ADC2
# is unusable while the radio is on; the IMU interrupt and the button are RTC-capable GPIOs on
# the ESP32 so they can wake it from light sleep; the motor pin drives a transistor (an ERM
# motor draws ~60-100 mA, more than a GPIO may source).
#
# A profile is a tuple indexed by the _I_* constants below (tuples cost no RAM per lookup).
# Use get(name) to have it as a dict once, at start-up.

from micropython import const

# Board ids as in the INFO frame (docs/protocol.md, INFO byte 4).
BOARD_VIRTUAL = const(0)
BOARD_XIAO_S3 = const(1)
BOARD_XIAO_C3 = const(2)
BOARD_DEVKITC = const(3)

# name: (board_id, i2c_bus, sda, scl, i2c_hz, imu_int, button, button_active_low,
#        motor_pwm, led, led_active_low, batt_adc, batt_divider_x1000, description, imu_remap,
#        ble_ring, usb_ring)
# None = not fitted. batt_divider_x1000 = 2000 means V_batt = 2 x V_pin.
# imu_remap: kyphos sensor axis i = sign * chip axis |remap[i]| (1 = x, 2 = y, 3 = z; imu.py).
# The real boards use the chip's axes as they are: hardware/wiring.md mounts the breakout with
# its printed x arrow towards the head and components away from the body, which is the kyphos
# sensor frame (x to the head, y left, z out of the back). A breakout mounted turned by 90 deg
# needs e.g. (2, -1, 3) (sensor x = chip y, sensor y = -chip x). The virtual board uses that
# one so the remap runs end to end: it feeds its chip model through the inverse remap.
# ble_ring / usb_ring: bytes of the unsent-frame rings of the BLE and USB links (ble.Ring). At
# 104 Hz IMU + QUAT need ~2.4 KB/s: 12 KB hold ~5 s of a stalled link, 4 KB ~1.7 s (a longer
# drop is back-filled from the flash log). A plain ESP32 (DevKitC, WROOM-32) has ~134 KB of
# Python heap free at boot on 1.27 (micropython issue 18859), so its rings are smaller; the
# S3/C3 keep the large ones. Heap per profile, measured on the 32-bit MicroPython unix port:
# docs/firmware.md ("Heap").
PROFILES = {
    "virtual": (BOARD_VIRTUAL, 0, 5, 6, 400000, 4, 0, True,
                2, 21, True, 1, 2000, "host simulation (XIAO ESP32-S3 pin map)", (2, -1, 3),
                12288, 8192),
    "xiao_esp32s3": (BOARD_XIAO_S3, 0, 5, 6, 400000, 4, 0, True,
                     2, 21, True, 1, 2000, "Seeed Studio XIAO ESP32-S3", (1, 2, 3),
                     12288, 8192),
    "xiao_esp32c3": (BOARD_XIAO_C3, 0, 6, 7, 400000, 4, 9, True,
                     3, None, False, 2, 2000, "Seeed Studio XIAO ESP32-C3", (1, 2, 3),
                     12288, 8192),
    "esp32_devkitc": (BOARD_DEVKITC, 0, 21, 22, 400000, 34, 0, True,
                      25, None, False, 35, 2000, "Espressif ESP32-DevKitC (WROOM-32)",
                      (1, 2, 3), 4096, 2048),
}

FIELDS = ("board_id", "i2c_bus", "sda", "scl", "i2c_hz", "imu_int", "button",
          "button_active_low", "motor_pwm", "led", "led_active_low", "batt_adc",
          "batt_divider_x1000", "description", "imu_remap", "ble_ring", "usb_ring")

# Board-pin labels as printed on the XIAO boards, for docs and error messages.
XIAO_S3_LABELS = {1: "D0/A0", 2: "D1/A1", 3: "D2/A2", 4: "D3/A3", 5: "D4/SDA", 6: "D5/SCL",
                  43: "D6/TX", 44: "D7/RX", 7: "D8/SCK", 8: "D9/MISO", 9: "D10/MOSI",
                  0: "BOOT", 21: "USER LED"}
XIAO_C3_LABELS = {2: "D0/A0", 3: "D1/A1", 4: "D2/A2", 5: "D3/A3", 6: "D4/SDA", 7: "D5/SCL",
                  21: "D6/TX", 20: "D7/RX", 8: "D8/SCK", 9: "D9/MISO/BOOT", 10: "D10/MOSI"}


def names():
    """Profile names, sorted."""
    return sorted(PROFILES)


def get(name):
    """The profile `name` as a dict of FIELDS; raises ValueError for an unknown board."""
    p = PROFILES.get(name)
    if p is None:
        raise ValueError("unknown board " + repr(name) + "; known: " + ", ".join(names()))
    d = {}
    for i in range(len(FIELDS)):
        d[FIELDS[i]] = p[i]
    d["name"] = name
    return d


def detect(machine_str=None):
    """Profile name for this chip, from sys.implementation._machine (e.g.
    'Seeed XIAO ESP32S3 with ESP32-S3', 'ESP32C3 module with ESP32C3',
    'Generic ESP32 module with ESP32'). Anything unrecognised is 'virtual'."""
    if machine_str is None:
        import sys
        machine_str = getattr(sys.implementation, "_machine", "")
    m = machine_str.upper().replace("-", "")
    if "ESP32S3" in m:
        return "xiao_esp32s3"
    if "ESP32C3" in m:
        return "xiao_esp32c3"
    if "ESP32" in m:
        return "esp32_devkitc"
    return "virtual"


def resolve(config_board, machine_str=None):
    """The profile name to use: the config's `board` unless it is 'auto'."""
    if config_board == "auto":
        return detect(machine_str)
    return config_board
