# The device's power policy (a mixin of app.Device; docs/firmware.md): battery readings and
# the low-battery EVENT, the device state (idle / streaming / logging / sleep / error), going to
# sleep after sleep_after_min without motion or a connection, and while asleep with no host
# machine.lightsleep() in slices, woken by the button or the IMU's motion interrupt.
#
# BLE is off while the chip light-sleeps: machine.lightsleep() with the stack active breaks it
# (micropython issue 6396, open: no connection after lightsleep; esp-idf issue 11315:
# lightsleep without deinitialising Bluetooth corrupts its hardware state). So asleep, the
# stack is stopped (ble.radio_off) and every _ADV_EVERY_MS started again for an advertising
# window of _ADV_WINDOW_MS without light sleep, in which a central that scans finds the board
# and connects (which wakes it); after any wake it is on and advertising again.
#
#   dev._battery(t)        # read the battery, EVENT on entering the low state
#   dev._sleep_policy(t)   # the state machine; every housekeeping pass
#   dev._doze(fed)         # one light-sleep slice while asleep
#
# Uses of the device: dev.hw, dev.links, dev.ble, dev.power, dev.log, dev.wdt, dev._wdt_ms,
# dev.slept_ms, and sampling.Sampling (_setup_imu, imu_missing) / routing.Routing (event).
import power
from micropython import const

try:
    import esp32  # wake sources for machine.lightsleep(); absent on other ports
except ImportError:
    esp32 = None  # type: ignore[assignment]

from time import ticks_add, ticks_diff, ticks_ms

# The protocol's numbers this module uses (frames.py keeps its own private: frametools.py
# has the public names; tests/test_firmware_private_consts_agree.py checks the copies).
_EV_LOW_BATTERY = const(11)
_EV_SLEEP = const(9)
_EV_WAKE = const(10)

_SLEEP_SLICE_MS = const(2000)  # longest machine.lightsleep() at a time (the watchdog is fed
#                                 between slices; a slice is <= wdt_ms / 4)
_ADV_EVERY_MS = const(60000)  # asleep: BLE on again and advertising this often ...
_ADV_WINDOW_MS = const(2000)  # ... for this long: a central scanning in 1 s rounds (kyphos's
#                                sim scan) finds it and connects before the window closes (a
#                                connection still being made when advertising stops fails).
#                                Awake 2 s in 62: about +1.2 mA on the sleep current
#                                (hardware/power-budget.md); motion wakes it at once.

_ST_BOOT = const(0)
_ST_IDLE = const(1)
_ST_STREAMING = const(2)
_ST_LOGGING = const(3)
_ST_SLEEP = const(4)
_ST_ERROR = const(5)


class PowerPolicy:
    def _battery(self, t):
        p = self.power
        if p.update(t):
            self.event(_EV_LOW_BATTERY, 0, p.mv // 10)
        if self.ble is not None and p.pct != power.PCT_UNKNOWN:
            self.ble.set_battery(p.pct)

    def _sleep_policy(self, t):
        streaming = False  # some link streams or is connected: the device stays awake
        has_streams = False
        for ln in self.links:
            if ln.streams:
                has_streams = True
            if ln.streams or ln.connected:
                streaming = True
        m = self.hw.imu
        if self.state == _ST_SLEEP:
            button = self._button_woke or self.hw.button_down()
            if streaming or button or m.motion_seen():
                self.state = _ST_IDLE
                self._armed = 0
                self._button_woke = False
                self._setup_imu()
                self.power.note_motion(t)
                b = self.ble
                if b is not None and not b.radio_on:
                    b.radio_on_again()  # advertising again (a failure: USB only, as at boot)
                self.event(_EV_WAKE, 2 if button else 1, 0)
            return
        if self.imu_missing:
            self.state = _ST_ERROR
            return
        if streaming:
            self.power.note_motion(t)
        elif self.power.should_sleep(t):
            self.event(_EV_SLEEP, 0, 0)
            if self.log is not None:
                self.log.flush()
            m.wake_on_motion()
            self.state = _ST_SLEEP
            self._adv_end = t  # BLE goes off at the first doze
            self._adv_due = ticks_add(t, _ADV_EVERY_MS)
            return
        self.state = _ST_STREAMING if has_streams else (_ST_LOGGING if self._logging else _ST_IDLE)

    def _doze(self, fed):
        """While asleep and no link is connected or streaming: one machine.lightsleep() slice,
        woken early by the button or the IMU's motion interrupt, then the wake check at once
        (a short press may be over by the next housekeeping pass)."""
        for ln in self.links:
            if ln.streams or ln.connected:
                return
        mach = getattr(self.hw, "machine", None)
        lightsleep = getattr(mach, "lightsleep", None)
        if lightsleep is None or esp32 is None:
            return  # no light sleep here: the loop idles as before (BLE stays on)
        ms = _SLEEP_SLICE_MS
        b = self.ble
        if b is not None:
            t = ticks_ms()
            if b.radio_on:
                if ticks_diff(t, self._adv_end) < 0:
                    return  # the advertising window: awake, a central may connect
                b.radio_off()
            elif ticks_diff(t, self._adv_due) >= 0:
                self._adv_due = ticks_add(t, _ADV_EVERY_MS)
                if b.radio_on_again():
                    self._adv_end = ticks_add(t, _ADV_WINDOW_MS)
                    return
            left = ticks_diff(self._adv_due, t)
            if 0 < left < ms:
                ms = left
        self._arm_wake(mach)
        if self._wdt_ms and ms > self._wdt_ms // 4:
            ms = self._wdt_ms // 4  # the watchdog keeps counting in light sleep
        if self.wdt is not None and fed:
            self.wdt.feed()
        t0 = ticks_ms()
        lightsleep(ms)
        t = ticks_ms()
        self.slept_ms += ticks_diff(t, t0)
        self._sleep_policy(t)

    def _arm_wake(self, mach):
        """Arm the button and, if its line is idle, the IMU interrupt. A line already high
        (the LSM6's INT1 also carries the FIFO watermark, and the FIFO fills while asleep)
        would end every slice at once, so then only the button wakes the chip and motion is
        seen at the end of each slice."""
        hw = self.hw
        imu_gpio = getattr(hw, "imu_int_gpio", None)
        want = 1
        if imu_gpio is not None and not mach.Pin(imu_gpio).value():
            want = 2
        if want != self._armed:
            self._armed = want
            power.arm_wake(mach, esp32, imu_gpio if want == 2 else None,
                           getattr(hw, "button_gpio", None), hw.button_active_low)

