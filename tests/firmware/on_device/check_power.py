# Checks for firmware/power.py: battery mV and %, low-battery state, sleep decision.
import checkenv
import power


class _ADC:
    """An ADC pin at a set voltage (µV at the pin), like machine.ADC.read_uv()."""

    def __init__(self, uv):
        self.uv = uv

    def read_uv(self):
        return self.uv


class _ADC16:
    """An ADC without read_uv(): read_u16() over a nominal 0..3.3 V range."""

    def __init__(self, u16):
        self.u16 = u16

    def read_u16(self):
        return self.u16


def check_curve_endpoints_and_points():
    assert power.percent(4300) == 100
    assert power.percent(4190) == 100
    assert power.percent(3100) == 0
    assert power.percent(2500) == 0
    for i in range(11):
        assert power.percent(power.OCV_MV[i]) == 100 - 10 * i, i
    # halfway between 3800 mV (60 %) and 3720 mV (50 %)
    assert power.percent(3760) == 55


def check_curve_is_monotonic():
    last = -1
    for mv in range(3000, 4300, 5):
        p = power.percent(mv)
        assert 0 <= p <= 100
        assert p >= last, (mv, p, last)
        last = p


def check_divider_scales_the_pin_voltage():
    pw = power.Power(_ADC(1850000), 2000)
    assert pw.read_mv() == 3700
    pw = power.Power(_ADC(1000000), 4300)  # a 3.3 : 1 divider
    assert pw.read_mv() == 4300
    assert power.Power(_ADC16(65535), 2000).read_mv() == 6600
    assert power.Power(_ADC16(0), 2000).read_mv() == 0


def check_no_adc_means_unknown():
    pw = power.Power(None)
    assert pw.update(0) == 0
    assert pw.pct == power.PCT_UNKNOWN
    assert not pw.low


def check_low_battery_needs_readings_in_a_row_and_has_hysteresis():
    adc = _ADC(1850000)
    pw = power.Power(adc, 2000, low_mv=3400)
    assert pw.update(0) == 0 and pw.pct == 48 and not pw.low  # 3700 mV
    adc.uv = 1650000  # 3300 mV
    assert pw.update(0) == 0
    adc.uv = 1850000  # a spike back up resets the count
    assert pw.update(0) == 0
    adc.uv = 1650000
    assert pw.update(0) == 0
    assert pw.update(0) == 0
    assert pw.update(0) == power.LOW_BATTERY  # third in a row
    assert pw.low and pw.mv == 3300
    assert pw.update(0) == 0  # the event comes once
    adc.uv = 1725000  # 3450 mV: above the threshold but inside the hysteresis
    pw.update(0)
    assert pw.low
    adc.uv = 1760000  # 3520 mV: charged back up
    pw.update(0)
    assert not pw.low


def check_sleep_after_idle_time():
    pw = power.Power(None, sleep_after_min=10)
    pw.note_motion(1000)
    assert not pw.should_sleep(1000 + 9 * 60000)
    assert pw.should_sleep(1000 + 10 * 60000)
    pw.note_motion(1000 + 10 * 60000)
    assert not pw.should_sleep(1000 + 11 * 60000)
    never = power.Power(None, sleep_after_min=0)
    never.note_motion(0)
    assert not never.should_sleep(10 ** 8)


def check_idle_clock_starts_at_first_look():
    pw = power.Power(None, sleep_after_min=1)
    assert not pw.should_sleep(500000)  # nothing noted yet: idle time starts now
    assert pw.should_sleep(560000)


def check_configure_from_config_values():
    import config

    v = config.defaults()
    v["low_battery_mv"] = 3600
    v["sleep_after_min"] = 0
    pw = power.Power(None)
    pw.configure_from(v)
    assert pw.low_mv == 3600 and pw.sleep_after_ms == 0


def check_update_allocates_nothing():
    adc = _ADC(1800000)
    pw = power.Power(adc, 2000)
    state = [0, 0]  # reading index, LOW_BATTERY events

    def step():
        i = state[0]
        adc.uv = 1600000 + (i & 15) * 20000  # 3.2 .. 3.8 V, so the low state comes and goes
        if pw.update(i):
            state[1] += 1
        pw.note_motion(i)
        pw.should_sleep(i)
        state[0] = i + 1

    for _ in range(200):
        step()
    per = checkenv.alloc_per_call(step, 200)
    if per is not None:
        print("allocation, power.update + note_motion + should_sleep:", per, "bytes per call")
    assert state[1] >= 10  # the readings went through the low state again and again
    assert per is None or per == 0, per
