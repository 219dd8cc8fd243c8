"""The firmware's haptic motor, status LED, battery reading and sleep wake-up driven through the
virtual board's `machine` module (host/kyphos/sim/shims/machine.py), built with the pins of a
board profile as the runtime builds them."""

from __future__ import annotations

import types
from typing import Any

import pytest


@pytest.fixture
def fw(firmware_shims: Any) -> Any:
    import boards
    import frametools
    import haptic
    import machine
    import power

    machine.reset_state()
    yield types.SimpleNamespace(boards=boards, frametools=frametools, haptic=haptic, machine=machine,
                                power=power)
    machine.reset_state()


def test_motor_pwm_follows_the_pattern(fw: Any) -> None:
    m, prof = fw.machine, fw.boards.get("xiao_esp32s3")
    pwm = m.PWM(m.Pin(prof["motor_pwm"]), freq=fw.frametools.MOTOR_PWM_HZ, duty_u16=0)
    events: list[tuple[int, int]] = []
    h = fw.haptic.Haptic(pwm, lambda k, a: events.append((k, a)), 60)
    h.play(fw.frametools.PATTERN_DOUBLE, 0)
    assert pwm.duty_u16() == 60 * 65535 // 100
    assert pwm.freq() == 20000
    duties = []
    for t in range(0, 600, 10):
        h.tick(t)
        duties.append(pwm.duty_u16() > 0)
    assert duties[:15] == [True] * 15 and duties[15:25] == [False] * 10
    assert duties[25:40] == [True] * 15 and not any(duties[40:])
    assert events == [(fw.frametools.HAPTIC_ON, 2), (fw.frametools.HAPTIC_OFF, 0)]


def test_led_on_the_active_low_user_led(fw: Any) -> None:
    m, prof = fw.machine, fw.boards.get("xiao_esp32s3")
    pin = m.Pin(prof["led"], m.Pin.OUT, value=1)
    b = fw.haptic.Blinker(pin, prof["led_active_low"])
    assert pin.value() == 1  # dark
    b.show(fw.frametools.LED_BOOT, 0)
    assert pin.value() == 0  # lit: the XIAO ESP32-S3's LED is lit when low
    b.show(fw.frametools.LED_OFF, 10)
    assert pin.value() == 1


@pytest.mark.parametrize("board", ["xiao_esp32s3", "xiao_esp32c3", "esp32_devkitc"])
def test_battery_through_the_profile_divider(fw: Any, board: str) -> None:
    m, prof = fw.machine, fw.boards.get(board)
    adc = m.ADC(m.Pin(prof["batt_adc"]), atten=m.ADC.ATTN_11DB)
    pw = fw.power.Power(adc, prof["batt_divider_x1000"], low_mv=3400)
    m.set_adc_uv(prof["batt_adc"], 4_100_000 * 1000 // prof["batt_divider_x1000"])
    pw.update(0)
    assert pw.mv == pytest.approx(4100, abs=2)
    assert pw.pct == 94
    m.set_adc_uv(prof["batt_adc"], 3_300_000 * 1000 // prof["batt_divider_x1000"])
    kinds = [pw.update(i) for i in range(4)]
    assert kinds == [0, 0, fw.power.LOW_BATTERY, 0]
    assert pw.low


class _Esp32:
    """The esp32 module's wake functions, positional as in micropython-esp32-stubs: ext0/ext1
    on the ESP32 and ESP32-S3, wake_on_gpio on the ESP32-C3 (records calls)."""

    WAKEUP_ALL_LOW = False
    WAKEUP_ANY_HIGH = True

    def __init__(self, has_ext: bool) -> None:
        self.calls: list[tuple[str, tuple[int, ...], int]] = []
        if has_ext:
            self.wake_on_ext0 = lambda pin, level, /: self.calls.append(
                ("ext0", (pin.id,), level))
            self.wake_on_ext1 = lambda pins, level, /: self.calls.append(
                ("ext1", tuple(p.id for p in pins), level))
        else:
            self.wake_on_gpio = lambda pins, level, /: self.calls.append(
                ("gpio", tuple(p.id for p in pins), level))


def test_wake_sources_per_chip(fw: Any) -> None:
    m = fw.machine
    s3 = fw.boards.get("xiao_esp32s3")
    esp = _Esp32(has_ext=True)
    armed = fw.power.arm_wake(m, esp, s3["imu_int"], s3["button"], s3["button_active_low"])
    assert armed == ("ext0", "ext1")
    assert esp.calls == [("ext0", (0,), esp.WAKEUP_ALL_LOW), ("ext1", (4,), esp.WAKEUP_ANY_HIGH)]
    c3 = fw.boards.get("xiao_esp32c3")
    esp = _Esp32(has_ext=False)
    armed = fw.power.arm_wake(m, esp, c3["imu_int"], c3["button"], c3["button_active_low"])
    assert armed == ("gpio",)  # one wake level on the C3: the button
    assert esp.calls == [("gpio", (9,), esp.WAKEUP_ALL_LOW)]
    assert m.Pin(9).value() == 1  # the button's pull-up is on
