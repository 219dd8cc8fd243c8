# Battery and idle power: ADC -> mV, LiPo curve -> %, low-battery state, sleep decision.
#
# API for the runtime:
#   pw = Power(adc, divider_x1000, low_mv, sleep_after_min)   # adc: machine.ADC on the
#        # profile's batt_adc pin with atten=ADC.ATTN_11DB, or None (no battery sense)
#   kind = pw.update(t_ms)     # read the battery (call every few s); returns 0 or
#                              # EVENT LOW_BATTERY (11) once per entry, value = pw.mv // 10
#   pw.mv, pw.pct (255 = unknown), pw.low
#   pw.note_motion(t_ms)       # the wearer moved (IMU not at rest, or the button)
#   pw.should_sleep(t_ms)      # idle for sleep_after_min: time for machine.lightsleep()
#   arm_wake(...)              # before lightsleep: wake on the IMU interrupt or the button
#                              # (app.Device._doze calls it; imu_int_pin None disarms the IMU)
# update/note_motion/should_sleep allocate nothing.
#
# Percent comes from an open-circuit-voltage curve for one LiPo / Li-ion cell: 11 points,
# 100 % to 0 % in 10 % steps, the default OCV_ARRAY of the Meshtastic firmware (src/power.h).
# Under load (radio, motor) the cell reads lower, so the percentage is an estimate; readings
# are averaged over _SAMPLES conversions, and the low state needs _LOW_COUNT readings in a row.

from micropython import const

from time import ticks_diff

LOW_BATTERY = const(11)

OCV_MV = (4190, 4050, 3990, 3890, 3800, 3720, 3630, 3530, 3420, 3300, 3100)  # 100 % .. 0 %

_SAMPLES = const(8)
_LOW_COUNT = const(3)       # readings below the threshold in a row before the low state
_LOW_HYST_MV = const(100)   # leave the low state only 100 mV above the threshold (charging)
PCT_UNKNOWN = const(255)


def percent(mv):
    """State of charge in % (0..100) for a cell voltage in mV, by the OCV_MV curve."""
    if mv >= OCV_MV[0]:
        return 100
    if mv <= OCV_MV[10]:
        return 0
    i = 1
    while mv < OCV_MV[i]:
        i += 1
    hi = OCV_MV[i - 1]
    lo = OCV_MV[i]
    # between (10 - i) * 10 % at lo and (11 - i) * 10 % at hi, rounded to nearest
    return (10 - i) * 10 + ((mv - lo) * 10 + (hi - lo) // 2) // (hi - lo)


class Power:
    def __init__(self, adc=None, divider_x1000=2000, low_mv=3400, sleep_after_min=10):
        self.adc = adc
        self.divider_x1000 = divider_x1000
        self.low_mv = low_mv
        self.sleep_after_ms = sleep_after_min * 60000
        self._uv = adc is not None and hasattr(adc, "read_uv")
        self.mv = 0
        self.pct = PCT_UNKNOWN
        self.low = False
        self._below = 0
        self._last_motion = 0
        self._motion_seen = False

    def configure_from(self, values):
        self.low_mv = values["low_battery_mv"]
        self.sleep_after_ms = values["sleep_after_min"] * 60000

    def read_mv(self):
        """Battery voltage in mV (0 without an ADC). read_uv() uses the chip's eFuse ADC
        calibration; without it read_u16() is scaled to the nominal 0..3.3 V range."""
        adc = self.adc
        if adc is None:
            return 0
        total = 0
        if self._uv:
            for _ in range(_SAMPLES):
                total += adc.read_uv() // 1000
        else:
            for _ in range(_SAMPLES):
                total += adc.read_u16() * 3300 // 65535
        return total // _SAMPLES * self.divider_x1000 // 1000

    def update(self, t_ms=0):
        """Read the battery; returns LOW_BATTERY once when the low state begins, else 0."""
        if self.adc is None:
            return 0
        mv = self.read_mv()
        self.mv = mv
        self.pct = percent(mv)
        if self.low:
            if mv > self.low_mv + _LOW_HYST_MV:
                self.low = False
                self._below = 0
            return 0
        if mv < self.low_mv:
            self._below += 1
            if self._below >= _LOW_COUNT:
                self.low = True
                return LOW_BATTERY
        else:
            self._below = 0
        return 0

    def note_motion(self, t_ms):
        self._last_motion = t_ms
        self._motion_seen = True

    def idle_ms(self, t_ms):
        """ms since the last motion (0 if none noted yet: the idle clock starts at the first)."""
        if not self._motion_seen:
            self.note_motion(t_ms)
        return ticks_diff(t_ms, self._last_motion)

    def should_sleep(self, t_ms):
        """True when sleep is enabled and nothing moved for sleep_after_min."""
        return self.sleep_after_ms > 0 and self.idle_ms(t_ms) >= self.sleep_after_ms


def arm_wake(machine, esp32, imu_int_pin, button_pin, button_active_low=True):
    """Make the IMU's motion interrupt (active high) and the button wake the chip from
    machine.lightsleep(). Uses esp32.wake_on_ext0/ext1 where the chip has them (ESP32,
    ESP32-S3) and esp32.wake_on_gpio otherwise (ESP32-C3). Pins are GPIO numbers or None.
    Returns the wake sources armed, e.g. ("ext0", "ext1"). imu_int_pin None also disarms an
    IMU source armed before (ext1); on the C3 one wake_on_gpio call replaces the last."""
    armed = []
    Pin = machine.Pin
    if button_pin is not None:
        btn = Pin(button_pin, Pin.IN, Pin.PULL_UP if button_active_low else None)
        level = esp32.WAKEUP_ALL_LOW if button_active_low else esp32.WAKEUP_ANY_HIGH
        if hasattr(esp32, "wake_on_ext0"):
            esp32.wake_on_ext0(btn, level)
            armed.append("ext0")
        elif hasattr(esp32, "wake_on_gpio"):
            esp32.wake_on_gpio((btn,), level)
            armed.append("gpio")
    if imu_int_pin is not None:
        imu = Pin(imu_int_pin, Pin.IN)
        if hasattr(esp32, "wake_on_ext1"):
            esp32.wake_on_ext1((imu,), esp32.WAKEUP_ANY_HIGH)
            armed.append("ext1")
        elif hasattr(esp32, "wake_on_gpio") and "gpio" not in armed:
            esp32.wake_on_gpio((imu,), esp32.WAKEUP_ANY_HIGH)
            armed.append("gpio")
    elif hasattr(esp32, "wake_on_ext1"):
        esp32.wake_on_ext1(None, esp32.WAKEUP_ANY_HIGH)  # no IMU source (armed before?)
    return tuple(armed)
