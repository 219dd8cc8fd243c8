# Checks for light sleep: power.arm_wake per chip (esp32 shim as ESP32-S3 / ESP32-C3) and the
# machine shim's lightsleep() ending on a wake pin (already at its level, or raised by a chip
# on the bus while asleep) or at its time.
import checkenv  # noqa: F401  (puts the firmware and shims on the path)
import esp32
import machine
import power

_IMU_INT = 4
_BUTTON = 0


class _IntLine:
    """A chip on the bus whose interrupt line rises once it has run `after_us` (its clock
    is whatever lightsleep() advances it to)."""

    address = 0x77

    def __init__(self, pin, after_us):
        self.pin = pin
        self.after_us = after_us
        self.t0 = None

    def advance_to(self, t_us):
        if self.t0 is None:
            self.t0 = t_us
        if t_us - self.t0 >= self.after_us:
            machine.drive(self.pin, 1)


def _fresh(chip="esp32s3"):
    machine.reset_state()
    esp32.set_chip(chip)
    machine.drive(_BUTTON, 1)  # button up (active low)
    machine.drive(_IMU_INT, 0)


def check_s3_arms_button_on_ext0_and_imu_on_ext1():
    _fresh("esp32s3")
    assert power.arm_wake(machine, esp32, _IMU_INT, _BUTTON) == ("ext0", "ext1")
    src = esp32.wake_sources()
    assert src["ext0"] == ((_BUTTON,), False), src
    assert src["ext1"] == ((_IMU_INT,), True), src
    # Arming again without the IMU disarms it
    assert power.arm_wake(machine, esp32, None, _BUTTON) == ("ext0",)
    assert "ext1" not in esp32.wake_sources()


def check_c3_has_one_wake_level_so_only_the_button_wakes():
    _fresh("esp32c3")
    assert not hasattr(esp32, "wake_on_ext0") and not hasattr(esp32, "wake_on_ext1")
    assert power.arm_wake(machine, esp32, _IMU_INT, _BUTTON) == ("gpio",)
    assert esp32.wake_sources() == {"gpio": ((_BUTTON,), False)}
    # No button: the IMU line takes the one level
    _fresh("esp32c3")
    assert power.arm_wake(machine, esp32, _IMU_INT, None) == ("gpio",)
    assert esp32.wake_sources() == {"gpio": ((_IMU_INT,), True)}
    esp32.set_chip("esp32s3")


def check_lightsleep_without_wake_runs_its_time():
    _fresh()
    power.arm_wake(machine, esp32, _IMU_INT, _BUTTON)
    machine.lightsleep(30)
    st = machine.lightsleep_stats()
    assert st["calls"] == 1 and st["slept_ms"] == 30 and st["pin_wakes"] == 0, st


def check_button_held_wakes_at_once():
    _fresh()
    power.arm_wake(machine, esp32, _IMU_INT, _BUTTON)
    machine.drive(_BUTTON, 0)
    machine.lightsleep(5000)
    st = machine.lightsleep_stats()
    assert st["slept_ms"] == 0 and st["pin_wakes"] == 1, st


def check_imu_interrupt_rising_during_sleep_wakes():
    _fresh()
    power.arm_wake(machine, esp32, _IMU_INT, _BUTTON)
    machine.attach(0, _IntLine(_IMU_INT, 40000))
    machine.lightsleep(5000)
    st = machine.lightsleep_stats()
    assert st["pin_wakes"] == 1 and 0 < st["slept_ms"] < 5000, st  # asleep, woken early
    machine.reset_state()


def check_unarmed_pin_does_not_wake():
    _fresh()
    power.arm_wake(machine, esp32, None, _BUTTON)  # IMU not armed
    machine.attach(0, _IntLine(_IMU_INT, 0))
    machine.lightsleep(25)
    st = machine.lightsleep_stats()
    assert st["pin_wakes"] == 0 and st["slept_ms"] == 25, st
    machine.reset_state()
