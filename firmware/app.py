# The kyphos application: builds everything from the config and the board profile, then runs
# the asyncio tasks (docs/firmware.md). The Device is put together from one mixin per concern:
#
#   sampling.Sampling        the sample path: IMU FIFO -> bias -> fusion -> coach; IMU and QUAT
#                            batches into preallocated frames
#   routing.Routing          where frames go: streaming links and the flash log (logging
#                            policy), EVENT / STATUS / INFO frames, the seq counters
#   control.Control          what commands (commands.Commands) and button presses do
#   powerpolicy.PowerPolicy  battery, device state, sleep after idle, light sleep in slices
#
# and this file wires them up and runs the tasks:
#
#   sampler       sample_pass() every _SAMPLE_MS (not while asleep); haptic tick
#   links         BLE notifications (<= 20/s, whole frames, ENOMEM = retry) and USB serial
#   commands      CMD frames from either link -> commands.Commands
#   button        short press: marker + pairing window; long: calibrate; double: snooze
#   housekeeping  battery, STATUS every STATUS_MS, LED, bonds to flash, sleep policy,
#                 watchdog feed (only while the sampler makes progress), reboot requests;
#                 while asleep with no host: machine.lightsleep() in slices (_doze)
#
# Board:         main.py calls app.run()
# Virtual board: await app.main(fs_root=..., serial=(reader, writer), ...) on CPython with the
#                machine/bluetooth shims; see main() for the parameters.
import gc

import asyncio
import ble as ble_mod
import imu
import lazy
from control import Control
from micropython import const
from powerpolicy import PowerPolicy
from routing import Routing
from sampling import Sampling

from time import ticks_add, ticks_diff, ticks_ms, ticks_us

# The protocol's numbers this module uses (frames.py keeps its own private: frametools.py
# has the public names; tests/test_firmware_private_consts_agree.py checks the copies).
_EV_BOOT = const(8)
_EV_CONFIG_DEFAULTED = const(12)
_ST_STREAMING = const(2)  # powerpolicy's device states (STATUS state; DeviceState on the host)
_ST_SLEEP = const(4)
_ST_ERROR = const(5)

FW_VERSION = (0, 1, 0)
FW_TEXT = "0.1.0"

_STATUS_MS = const(2000)  # STATUS frame period
_SAMPLE_MS = const(20)  # sampler period (FIFO read)
_LINK_MS = const(10)  # link pump period
_BUTTON_MS = const(10)
_HOUSE_MS = const(250)


_LED_ADVERTISING = const(2)  # haptic.py's
_LED_CONNECTED = const(3)  # haptic.py's
_LED_ERROR = const(8)  # haptic.py's
_LED_LOGGING = const(4)  # haptic.py's
_LED_LOG_FULL = const(7)  # haptic.py's
_LED_LOW_BATTERY = const(6)  # haptic.py's
_LED_OFF = const(0)  # haptic.py's
_LED_PAIRING = const(5)  # haptic.py's


class Clock32:
    """The 32-bit microsecond clock of frame t_us, as two 16-bit halves (hi, lo) so that no big
    int is ever made; ticks_us wraps at 2**30 on the board. update() at least every 8 min."""

    def __init__(self):
        self._last = ticks_us()
        self.hi = 0
        self.lo = 0
        self.at_hi = 0
        self.at_lo = 0

    def update(self):
        now = ticks_us()
        lo = self.lo + ticks_diff(now, self._last)
        self._last = now
        self.hi = (self.hi + (lo >> 16)) & 0xFFFF
        self.lo = lo & 0xFFFF

    def at(self, t_ticks):
        """Set at_hi/at_lo to the 32-bit time of an earlier ticks_us() value (after update())."""
        lo = self.lo - ticks_diff(self._last, t_ticks)
        self.at_hi = (self.hi + (lo >> 16)) & 0xFFFF  # >> floors: borrows for negative lo
        self.at_lo = lo & 0xFFFF


class Hardware:
    """What the board has, built from a board profile with the machine module. Any field may be
    None (not fitted); tests pass their own."""

    def __init__(self, prof, machine=None):
        lazy.use("devbuild").hardware(self, prof, machine)

    def button_down(self):
        if self.button is None:
            return False
        v = self.button.value()
        return (not v) if self.button_active_low else bool(v)

    def reset(self):
        self.machine.reset()

    def reprobe(self):
        """Probe the bus for an IMU again (none answered before); True if one does now."""
        self.old_i2c_errors += self.imu.i2c_errors
        self.imu = imu.IMU(self.i2c, remap=self.remap)
        return self.imu.ok


class Device(Sampling, Routing, Control, PowerPolicy):
    """The running device. Build with Device(...) and run with `await dev.run()`; parameters
    as for main()."""

    def __init__(self, fs_root="", serial=None, ble=None, hw=None, wdt_ms=0, machine=None,
                 statvfs=None, flash_open=None):
        self.fw_version = FW_VERSION
        # Boot-only code, in devbuild.py: imported for this and dropped (lazy.py).
        lazy.use("devbuild").build(self, fs_root, serial, ble, hw, wdt_ms, machine, statvfs,
                                   flash_open)
        lazy.drop("devbuild")

    # --- tasks -----------------------------------------------------------------------------
    async def _sampler(self):
        while not self._quit:
            self.haptic.tick(ticks_ms())  # patterns want a tick every <= 20 ms
            if self.state != _ST_SLEEP and self.hw.imu.ok:
                self.sample_pass()
            else:
                self.beats += 1
            await ble_mod.sleep_ms(_SAMPLE_MS)

    async def _links(self):
        ble = self.ble
        usb = self.usb
        sec = -1
        while not self._quit:
            t = ticks_ms()
            if ble is not None:
                ble.pump(t)
                s = ble.security_state()
                if s != sec:
                    # A new link, its encryption or trust changed, or the link ended: the
                    # status characteristic says so at once. Left to the 2-s STATUS, a central
                    # connecting after a trusted one read "encrypted, trusted" before its own
                    # pairing (CI: test_upy_pairing's Just Works laptop read the phone's flags).
                    sec = s
                    ble.set_status(self.status_frame(False))
            if usb is not None:
                usb.poll()
                usb.pump()
            await ble_mod.sleep_ms(_LINK_MS)

    async def _commands(self):
        while not self._quit:
            for ln in self.links:
                while ln.commands:
                    link, data = ln.commands.pop(0)
                    await self.cmds.handle(link, data, len(data))
            await ble_mod.sleep_ms(_LINK_MS)

    async def _button(self):
        hw = self.hw
        if hw.button is None:
            return
        while not self._quit:
            t = ticks_ms()
            down = hw.button_down()
            if down and self.state == _ST_SLEEP:
                self._button_woke = True  # seen even if released before the wake check
            press = self.presses.update(down, t)
            if press:
                self.on_press(press, t)
            await ble_mod.sleep_ms(_BUTTON_MS)

    async def _housekeeping(self):
        last_beats = -1
        was_connected = False
        self._battery(ticks_ms())
        while not self._quit:
            t = ticks_ms()
            self.haptic.tick(t)
            self.clock.update()
            # Watchdog: fed only while the sampler runs.
            fed = self.beats != last_beats
            if self.wdt is not None and fed:
                self.wdt.feed()
            last_beats = self.beats
            if ticks_diff(t, self._status_due) >= 0:
                self._status_due = ticks_add(t, _STATUS_MS)
                self._battery(t)
                self.send_status()
            b = self.ble
            if b is not None:
                if b.connected != was_connected:
                    was_connected = b.connected
                    if was_connected:
                        self.send_status()  # crash flag etc. at once on a new connection
                    self._rebatch()
                    self._update_logging()
                    if not was_connected:
                        # Frames still queued for the lost link go to the log (if it logs).
                        self.salvaged += b.take_unsent(self.log.append if self._logging
                                                       else None)
                b.save_bonds()
            self._imu_watch(t)
            lazy.drop_idle(t)  # rare commands' modules (config, logread) unused for a while
            self._sleep_policy(t)
            self._show_led(t)
            if self.state == _ST_SLEEP and not self._quit:
                self._doze(fed)
            if self._reboot_at >= 0 and ticks_diff(t, self._reboot_at) >= 0:
                self._reboot_at = -1
                self.shutdown()
                if self.log is not None:
                    self.log.stop()
                self.hw.reset()
            await ble_mod.sleep_ms(_HOUSE_MS)

    def _show_led(self, t):
        led = self.led
        if self.state == _ST_SLEEP:
            code = _LED_OFF
        elif self.state == _ST_ERROR:
            code = _LED_ERROR
        elif self.ble is not None and self.ble.pairing_open(t):
            code = _LED_PAIRING
        elif self.power.low:
            code = _LED_LOW_BATTERY
        elif self.log is not None and self.log.full and self._logging:
            code = _LED_LOG_FULL
        elif (self.ble is not None and self.ble.connected) or self.state == _ST_STREAMING:
            code = _LED_CONNECTED
        elif self._logging:
            code = _LED_LOGGING
        else:
            code = _LED_ADVERTISING
        led.show(code, t)
        led.tick(t)

    def shutdown(self):
        """Ask every task to end (run() returns)."""
        self._quit = True

    async def _guard(self, coro):
        try:
            await coro
        except Exception as e:  # one failing task stops the device: main.py records it
            self.error = e
            self._quit = True

    async def run(self, duration_ms=0):
        """Run every task until shutdown() (or for duration_ms of the shim clock, if > 0).
        An exception in a task ends the run and is raised from here."""
        self._update_logging()
        # First frame of the log: the reset cause and the boot counter (docs/protocol.md).
        self.event(_EV_BOOT, self.hw.reset_cause & 0xFF, self.boot_count)
        if self.cfg_bad >= 0:
            # The board runs on defaults for a bad config (never a boot loop): say which key.
            self.event(_EV_CONFIG_DEFAULTED, self.cfg_bad, 0)
        tasks = [self._sampler(), self._links(), self._commands(), self._button(),
                 self._housekeeping()]
        if duration_ms > 0:
            tasks.append(self._timer(duration_ms))
        gc.collect()
        await asyncio.gather(*[self._guard(c) for c in tasks])
        if self.log is not None:
            self.log.flush()
        if self.error is not None:
            raise self.error

    async def _timer(self, duration_ms):
        end = ticks_add(ticks_ms(), duration_ms)
        while not self._quit and ticks_diff(end, ticks_ms()) > 0:
            await ble_mod.sleep_ms(_HOUSE_MS)
        self._quit = True


async def main(fs_root="", serial=None, ble=None, wdt_ms=0, duration_ms=0, machine=None,
               on_device=None, statvfs=None, flash_open=None):
    """Run the firmware until it stops (an exception from a task is raised from here).

    fs_root: folder prefix of every file (config.json, logs/, bonds.json, crash.txt); "" on a
        board (its filesystem root), a host folder on the virtual board.
    serial: (reader, writer) for USB serial, or None for no serial link. reader.readinto(buf)
        returns the number of bytes put in buf (0 or None when nothing is waiting, never
        blocking); writer.write(buf) returns the bytes written (None = all).
    ble: a MicroPython bluetooth.BLE object (the shim's BLE() on the virtual board, attached to
        a radio first), or None for no BLE.
    wdt_ms: hardware watchdog timeout in ms (machine.WDT), 0 for none.
    duration_ms: stop after this long by time.ticks_ms() (0: run until shutdown()).
    machine: the machine module to build hardware with (default: import machine).
    on_device: called with the Device once it is built (tests and the virtual board use it to
        inspect counters or call dev.shutdown()).
    statvfs: os.statvfs stand-in for the flash log's free-space guard (the virtual board's
        flash capacity); None = os.statvfs.
    flash_open: open() for the flash log's files (the virtual board's LittleFS cost model,
        kyphos.sim.flashfs); None = the built-in open.
    """
    dev = Device(fs_root, serial, ble, None, wdt_ms, machine, statvfs, flash_open)
    if on_device is not None:
        on_device(dev)
    await dev.run(duration_ms)
    return dev


def run():
    """The board's entry (main.py): BLE, USB serial on stdin/stdout, an 8 s watchdog."""
    import bluetooth
    import usb

    stdio = usb.BoardStdio()
    try:
        asyncio.run(main("", (stdio, stdio), bluetooth.BLE(), 8000))
    finally:
        stdio.close()
