# mypy: ignore-errors
# ruff: noqa: UP031, I001
# (MicroPython code: %-formatting and imports in boot order, as in firmware/)
# Stand-in for the ESP32 port's `esp32` module (only the light-sleep wake sources the firmware
# uses). Which functions exist follows the chip the host models (kyphos.sim.shims.esp32:
# wake_on_ext0/ext1 on the ESP32 and ESP32-S3, wake_on_gpio on the ESP32-C3; ports/esp32/
# modesp32.c), so `hasattr(esp32, ...)` takes the branch the real chip would.
import kyb as _k
from machine import _pins_mask

WAKEUP_ALL_LOW = False
WAKEUP_ANY_HIGH = True


def wake_on_ext0(pin, level):
    g = _k.NONE if pin is None else (pin.id if hasattr(pin, "id") else int(pin))
    _k.call(_k.ESP, 0, 0, 2, g, 1 if level else 0)


def _many(method, pins, level):
    if not pins:
        _k.call(_k.ESP, 0, method, 3, None, None, 1 if level else 0)
    else:
        lo, hi = _pins_mask(pins)
        _k.call(_k.ESP, 0, method, 3, lo, hi, 1 if level else 0)


def wake_on_ext1(pins, level):
    _many(1, pins, level)


def wake_on_gpio(pins, level):
    _many(2, pins, level)


_have = _k.get_bytes(1).decode().split(",")
for _n in ("wake_on_ext0", "wake_on_ext1", "wake_on_gpio"):
    if _n not in _have:
        del globals()[_n]
