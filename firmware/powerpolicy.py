# The device's power policy (a mixin of app.Device; docs/firmware.md): battery readings and
# the low-battery EVENT, the device state (idle / streaming / logging / sleep / error), going to
# sleep after sleep_after_min without motion or a connection, and while asleep with no host
# machine.lightsleep() in slices, woken by the button or the IMU's motion interrupt.
#
#   dev._battery(t)        # read the battery, EVENT on entering the low state
#   dev._sleep_policy(t)   # the state machine; every housekeeping pass
#   dev._doze(fed)         # one light-sleep slice while asleep
#
# Uses of the device: dev.hw, dev.links, dev.ble, dev.power, dev.log, dev.wdt, dev._wdt_ms,
# dev.slept_ms, and sampling.Sampling (_setup_imu, imu_missing) / routing.Routing (event).
import frames
import power
from micropython import const

try:
    import esp32  # wake sources for machine.lightsleep(); absent on other ports
except ImportError:
    esp32 = None  # type: ignore[assignment]

from time import ticks_diff, ticks_ms

_SLEEP_SLICE_MS = const(2000)  # longest machine.lightsleep() at a time (BLE advertising and
#                                 the watchdog run between slices; a slice is <= wdt_ms / 4)

ST_BOOT = const(0)
ST_IDLE = const(1)
ST_STREAMING = const(2)
ST_LOGGING = const(3)
ST_SLEEP = const(4)
ST_ERROR = const(5)


class PowerPolicy:
    def _battery(self, t):
        p = self.power
        if p.update(t):
            self.event(frames.EV_LOW_BATTERY, 0, p.mv // 10)
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
        if self.state == ST_SLEEP:
            button = self._button_woke or self.hw.button_down()
            if streaming or button or m.motion_seen():
                self.state = ST_IDLE
                self._armed = 0
                self._button_woke = False
                self._setup_imu()
                self.power.note_motion(t)
                self.event(frames.EV_WAKE, 2 if button else 1, 0)
            return
        if self.imu_missing:
            self.state = ST_ERROR
            return
        if streaming:
            self.power.note_motion(t)
        elif self.power.should_sleep(t):
            self.event(frames.EV_SLEEP, 0, 0)
            if self.log is not None:
                self.log.flush()
            m.wake_on_motion()
            self.state = ST_SLEEP
            return
        self.state = ST_STREAMING if has_streams else (ST_LOGGING if self._logging else ST_IDLE)

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
            return  # no light sleep here: the loop idles as before
        self._arm_wake(mach)
        ms = _SLEEP_SLICE_MS
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

