# The kyphos application: builds everything from the config and the board profile, then runs
# the asyncio tasks (docs/firmware.md):
#
#   sampler       IMU FIFO -> bias -> fusion -> coach; IMU and QUAT batches into preallocated
#                 frames; haptic flag; frames to the streaming links and the flash log
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
from array import array
from struct import pack_into

import asyncio
import ble as ble_mod
import boards
import coach
import commands
import config
import crashlog
import flashlog
import frames
import fusion
import haptic
import imu
import power
from micropython import const

try:
    import esp32  # wake sources for machine.lightsleep(); absent on other ports
except ImportError:
    esp32 = None  # type: ignore[assignment]

from time import ticks_add, ticks_diff, ticks_ms, ticks_us

FW_VERSION = (0, 1, 0)
FW_TEXT = "0.1.0"

STATUS_MS = const(2000)  # STATUS frame period
_SAMPLE_MS = const(20)  # sampler period (FIFO read)
_LINK_MS = const(10)  # link pump period
_BUTTON_MS = const(10)
_HOUSE_MS = const(250)
_IMU_FAIL_PASSES = const(25)  # sampler passes with only bus errors (0.5 s) before "IMU missing"
_IMU_RETRY_MS = const(1000)  # while missing: probe / reconfigure the IMU this often
_KMAX = const(20)  # most samples per IMU/QUAT batch
_K_SERIAL = const(10)  # batch when only USB/log (about 10 frames/s each at 104 Hz)
_RING_BYTES = const(12288)  # BLE unsent-frame ring (~5 s of IMU + QUAT at 104 Hz)
_USB_RING_BYTES = const(8192)
_REBOOT_DELAY_MS = const(300)
_SLEEP_SLICE_MS = const(2000)  # longest machine.lightsleep() at a time (BLE advertising and
#                                 the watchdog run between slices; a slice is <= wdt_ms / 4)

ST_BOOT = const(0)
ST_IDLE = const(1)
ST_STREAMING = const(2)
ST_LOGGING = const(3)
ST_SLEEP = const(4)
ST_ERROR = const(5)

_ERR_TEXT = {
    frames.E_IMU: "IMU error: no working IMU",
    frames.E_BUSY: "busy",
}


def next_boot_count(path):
    """This boot's number (0 ... 32767, wrapping), counted in a small file on flash and written
    as temp + rename (atomic on LittleFS), so a power cut keeps the previous count or the new
    one. A missing or damaged file starts again at 0."""
    import os

    n = -1
    for p in (path, path + ".tmp"):  # the temp file counts if the rename never happened
        try:
            with open(p) as f:
                v = int(f.read().strip())
            if v > n or (n - v) > 16384:  # the newer of the two, across the wrap
                n = v
        except (OSError, ValueError):
            pass
    n = (n + 1) & 0x7FFF
    try:
        with open(path + ".tmp", "w") as f:
            f.write("%d\n" % n)
        try:
            os.rename(path + ".tmp", path)
        except OSError:  # FAT will not rename over a file
            os.remove(path)
            os.rename(path + ".tmp", path)
    except OSError:
        pass  # read-only or full flash: the count repeats
    return n


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
        if machine is None:
            import machine
        self.machine = machine
        Pin = machine.Pin
        self.board_id = prof["board_id"]
        i2c = machine.I2C(prof["i2c_bus"], scl=Pin(prof["scl"]), sda=Pin(prof["sda"]),
                          freq=prof["i2c_hz"])
        self.i2c = i2c
        self.remap = prof.get("imu_remap", (1, 2, 3))
        self.imu = imu.IMU(i2c, remap=self.remap)
        self.old_i2c_errors = 0  # bus errors of IMU objects replaced by reprobe()
        self.pwm = None
        if prof["motor_pwm"] is not None:
            self.pwm = machine.PWM(Pin(prof["motor_pwm"]), freq=haptic.MOTOR_PWM_HZ, duty_u16=0)
        self.led = None
        if prof["led"] is not None:
            self.led = Pin(prof["led"], Pin.OUT)
        self.led_active_low = prof["led_active_low"]
        self.adc = None
        if prof["batt_adc"] is not None:
            self.adc = machine.ADC(Pin(prof["batt_adc"]), atten=machine.ADC.ATTN_11DB)
        self.divider_x1000 = prof["batt_divider_x1000"]
        self.button = None
        self.button_active_low = prof["button_active_low"]
        self.button_gpio = prof["button"]  # GPIO numbers for the light-sleep wake sources
        self.imu_int_gpio = prof["imu_int"]
        if prof["button"] is not None:
            self.button = Pin(prof["button"], Pin.IN,
                              Pin.PULL_UP if prof["button_active_low"] else None)
        try:
            self.reset_cause = machine.reset_cause()
        except Exception:
            self.reset_cause = 0
        self.unique_id = machine.unique_id()

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


class Device:
    """The running device. Build with Device(...) and run with `await dev.run()`; parameters
    as for main()."""

    def __init__(self, fs_root="", serial=None, ble=None, hw=None, wdt_ms=0, machine=None,
                 statvfs=None):
        self.fs_root = fs_root
        self.cfg = config.Config(fs_root + "/config.json")
        self.cfg.load()
        prof = boards.get(boards.resolve(self.cfg.get("board")))
        self.hw = hw if hw is not None else Hardware(prof, machine)
        self.crash_path = fs_root + "/crash.txt"
        self.boot_count = next_boot_count(fs_root + "/boots.txt")
        self.clock = Clock32()
        self.state = ST_BOOT
        self._data_seq = 0
        self._ctrl_seq = 0
        self._quit = False
        self._reboot_at = -1
        self.error = None  # an exception that stopped a task
        self.lost_samples = 0
        self.samples = 0
        self.beats = 0  # sampler passes (watchdog heartbeat)
        self.salvaged = 0  # frames moved from a dropped BLE link's queue to the log
        self.wdt = None
        self._wdt_ms = wdt_ms
        self.slept_ms = 0  # time spent in machine.lightsleep() (ticks_ms)
        self._button_woke = False
        self._armed = 0  # wake sources armed for this sleep: 0 none, 1 button, 2 button + IMU
        if wdt_ms:
            m = self.hw.machine if machine is None else machine
            self.wdt = m.WDT(timeout=wdt_ms)

        # Coach, haptic, LED, battery.
        self.haptic = haptic.Haptic(self.hw.pwm, self._haptic_event,
                                    self.cfg.get("haptic_strength_pct"))
        self.coach = coach.Coach(self.haptic)
        self.coach.configure_from(self.cfg.values)
        self.presses = coach.Presses()
        self.led = haptic.Blinker(self.hw.led if self.cfg.get("led") else None,
                                  self.hw.led_active_low)
        self.led.show(haptic.LED_BOOT, ticks_ms())
        self.power = power.Power(self.hw.adc, self.hw.divider_x1000,
                                 self.cfg.get("low_battery_mv"), self.cfg.get("sleep_after_min"))
        self.power.configure_from(self.cfg.values)
        try:
            self.log = flashlog.FlashLog.from_config(self.cfg.values, fs_root + "/logs", statvfs)
        except OSError:
            self.log = None

        # Frame buffers: each view is exactly one frame long (copying a whole buffer into a ring
        # allocates nothing on MicroPython; slicing one would).
        self._raw = array("h", bytearray(12 * imu.MAX_BATCH))
        self._imu_buf = bytearray(16 + 12 * _KMAX)
        self._quat_buf = bytearray(16 + 8 * _KMAX)
        mi = memoryview(self._imu_buf)
        mq = memoryview(self._quat_buf)
        self._imu_views = [mi[:16 + 12 * k] for k in range(_KMAX + 1)]
        self._quat_views = [mq[:16 + 8 * k] for k in range(_KMAX + 1)]
        self._ev_buf = bytearray(14)
        self._st_buf = bytearray(38)
        self._info_buf = bytearray(10 + 27 + frames.INFO_MAX_NAME)
        self._k = _K_SERIAL
        self._i = 0
        self._t_batch = 0
        self._moving = False
        self._lost_flag = False
        self._clip_flag = False
        self._fusion_on = False
        self.fusion = None
        self._gyr_limit = 0
        self._fusion_period_ns = 0
        self._imu_fail = 0  # sampler passes in a row that read nothing but bus errors
        self._imu_retry = 0
        self._setup_imu()

        # Links.
        self.links = []
        self.ble = None
        self.usb = None
        mac = self.hw.unique_id
        if ble is not None:
            try:
                mac = ble.config("mac")[1]
            except (OSError, ValueError):
                pass
            self.name = self.cfg.get("name") or ble_mod.default_name(mac)
            self.ble = ble_mod.Peripheral(ble, self.name, fs_root + "/bonds.json",
                                          ble_mod.Ring(_RING_BYTES), FW_TEXT)
            self.links.append(self.ble)
        else:
            self.name = self.cfg.get("name") or ble_mod.default_name(mac)
        self.device_id = bytes(mac[:6]) if len(mac) >= 6 else bytes(6)
        if serial is not None:
            import usb

            self.usb = usb.Serial(serial[0], serial[1], ble_mod.Ring(_USB_RING_BYTES))
            self.links.append(self.usb)
        self.links = tuple(self.links)
        self.cmds = commands.Commands(self)
        self._logging = False
        self._status_due = ticks_ms()

    # --- IMU and fusion ------------------------------------------------------------------
    def _setup_imu(self):
        """Configure the IMU from the config and make a fresh filter; True if every register
        write went through."""
        v = self.cfg.values
        m = self.hw.imu
        io = False
        if m.ok:
            io = m.configure(v["odr_hz"], v["acc_fs_g"], v["gyr_fs_dps"])
        self._fusion_on = bool(v["fusion"]) and m.ok
        self.fusion = fusion.Fusion(m.odr_hz, m.gyr_scale, m.acc_scale) if self._fusion_on \
            else None
        self._gyr_limit = coach.gyr_limit_raw(v["moving_gyr_dps"], m.gyr_fs_dps or 1000)
        self._fusion_period_ns = m.period_ns  # the period the filter's gains were made for
        self._i = 0
        return io

    @property
    def imu_missing(self):
        """No IMU answered the probe, or the last _IMU_FAIL_PASSES reads all failed on the bus
        (STATUS flag bit0, state 5 "error")."""
        return not self.hw.imu.ok or self._imu_fail >= _IMU_FAIL_PASSES

    def _imu_watch(self, t):
        # While the IMU is missing: probe again (none at boot) or reconfigure it (it left the
        # bus and may come back powered up afresh, its registers at reset values).
        if not self.imu_missing or ticks_diff(t, self._imu_retry) < 0:
            return
        self._imu_retry = ticks_add(t, _IMU_RETRY_MS)
        hw = self.hw
        if not hw.imu.ok and not hw.reprobe():
            return
        if self._setup_imu():
            self._imu_fail = 0
            self._k = self._batch_size()
            self._update_logging()

    def _batch_size(self):
        """Samples per IMU/QUAT frame: one IMU + one QUAT frame fit one notification of the
        slowest BLE link that streams (10 at MTU 247, 7 at MTU 185)."""
        k = _K_SERIAL
        b = self.ble
        if b is not None and b.streams:
            per = 12
            fixed = 16
            if self._fusion_on and b.streams & frames.STREAM_QUAT:
                per += 8
                fixed += 16
            k = (b.limit() - fixed) // per
        if k > _KMAX:
            k = _KMAX
        return k if k > 0 else 1

    # --- the sample path (allocation-free after warm-up) ---------------------------------
    def sample_pass(self):
        """Read the IMU FIFO and process every sample; returns the number read."""
        m = self.hw.imu
        raw = self._raw
        fail = self._imu_fail
        if fail >= _IMU_FAIL_PASSES:
            self.beats += 1
            return 0  # missing: housekeeping reconfigures it first (_imu_watch)
        e0 = m.i2c_errors
        try:
            n = m.read(raw)
        except OSError:
            # The drivers count bus errors and do not raise: an OSError here is something
            # else stuck, so no heartbeat and the watchdog resets the board.
            return 0
        self.beats += 1
        if n == 0:
            if m.i2c_errors != e0:
                self._imu_fail = fail + 1
            return 0
        self._imu_fail = 0
        self.samples += n
        if m.lost:
            self._lost_flag = True
        if m.clipped:
            self._clip_flag = True
        fu = self.fusion
        ib = self._imu_buf
        qb = self._quat_buf
        k = self._k
        lim = self._gyr_limit
        is_moving = coach.is_moving
        period_us = m.period_ns // 1000
        t0 = m.t_first_us
        i = self._i
        j = 0
        for s in range(n):
            ax = raw[j]
            ay = raw[j + 1]
            az = raw[j + 2]
            gx = raw[j + 3]
            gy = raw[j + 4]
            gz = raw[j + 5]
            j += 6
            if i == 0:
                self._t_batch = ticks_add(t0, s * period_us)
            pack_into("<6h", ib, 16 + 12 * i, ax, ay, az, gx, gy, gz)
            if fu is not None:
                fu.update(gx, gy, gz, ax, ay, az)
                pack_into("<4h", qb, 16 + 8 * i, fu.qw, fu.qx, fu.qy, fu.qz)
            if is_moving(gx, gy, gz, lim):
                self._moving = True
            i += 1
            if i >= k:
                self._i = i
                self._batch_done(k)
                i = 0
        self._i = i
        return n

    def _flush_batch(self):
        # A partly filled batch goes out now, to whoever wants data, so its samples get a seq.
        i = self._i
        if i > 0:
            self._i = 0
            self._batch_done(i)

    def _rebatch(self):
        # A new batch size keeps the partly filled batch (it goes out with the destinations of
        # the moment it completes); only if it is already as large as the new size does it go
        # out now. A reconnect's START used to drop up to one batch that nothing could back-fill.
        k = self._batch_size()
        if self._i >= k:
            self._flush_batch()
        self._k = k

    def _batch_done(self, k):
        m = self.hw.imu
        t = ticks_ms()
        fu = self.fusion
        co = self.coach
        moving = self._moving
        self._moving = False
        if moving:
            self.power.note_motion(t)
        if fu is not None:
            flex = coach.flexion_cdeg_q14(fu.qw, fu.qx, fu.qy, fu.qz)
            # The chip's clock is off by up to a few %: once the measured period (imu.py tracks
            # it from FIFO timestamps) is 0.2 % away from the one the gains were made for,
            # remake them (a few float operations, rare: not per sample).
            p = m.period_ns
            d = p - self._fusion_period_ns
            if p and (d > 0 and d * 500 > p or d < 0 and -d * 500 > p):
                fu.set_odr(1e9 / p)
                self._fusion_period_ns = p
        else:
            r = self._raw
            flex = coach.flexion_cdeg_acc(r[0], r[2])
        kind = co.update(flex, moving, t)
        self.haptic.tick(t)
        want = self._want()
        if want:
            c = self.clock
            c.update()
            c.at(self._t_batch)
            flags = 0
            if self.haptic.take_ran():
                flags = frames.IMU_HAPTIC
            if self._lost_flag:
                flags |= frames.IMU_OVERRUN
                self._lost_flag = False
            if self._clip_flag:
                flags |= frames.IMU_CLIPPED
                self._clip_flag = False
            if want & frames.STREAM_IMU:
                ib = self._imu_buf
                frames.put_imu_head(ib, 0, self._next_data_seq(), 0, m.period_ns, flags, k)
                frames.put_t_us_halves(ib, 0, c.at_hi, c.at_lo)
                self._route(self._imu_views[k], frames.STREAM_IMU, k)
            if fu is not None and want & frames.STREAM_QUAT:
                qb = self._quat_buf
                qf = 0
                b = fu.bias
                if b.converged:
                    qf = frames.QUAT_CONVERGED
                if b.rest:
                    qf |= frames.QUAT_AT_REST
                frames.put_quat_head(qb, 0, self._next_data_seq(), 0, m.period_ns, qf, k)
                frames.put_t_us_halves(qb, 0, c.at_hi, c.at_lo)
                self._route(self._quat_views[k], frames.STREAM_QUAT, k)
        else:
            self.haptic.take_ran()
        if kind:
            self.event(kind, 0, co.value)

    def _want(self):
        """Stream bits some destination wants now (the log wants everything). A frame type
        nobody wants is not built and takes no data seq, so a receiver's seq gaps are loss."""
        if self._logging:
            return 7
        w = 0
        for ln in self.links:
            w |= ln.streams
        return w

    def _route(self, view, bit, k):
        # k: samples in the frame, counted as lost for a link that cannot take it (a flushed
        # partial batch holds fewer than self._k).
        for ln in self.links:
            if ln.streams & bit:
                if not ln.put(view):
                    self.lost_samples += k
        if self._logging:
            self.log.append(view)

    # --- other data frames -----------------------------------------------------------------
    def event(self, kind, arg, value):
        """Emit an EVENT frame to every streaming link and the log."""
        c = self.clock
        c.update()
        b = self._ev_buf
        frames.put_event(b, 0, self._next_data_seq(), 0, kind, arg, value)
        frames.put_t_us_halves(b, 0, c.hi, c.lo)
        for ln in self.links:
            if ln.streams:
                ln.put(b)
        if self._logging:
            self.log.append(b)

    def _haptic_event(self, kind, arg):
        self.event(kind, arg, 0)

    def status_flags(self):
        f = 0
        if self.imu_missing:
            f |= 1
        if self.log is not None and self.log.full:
            f |= 2
        if self.power.low:
            f |= 4
        b = self.ble
        if b is not None and b.encrypted:
            f |= 8
        if b is not None and b.pairing_open(ticks_ms()):
            f |= 16
        if self.coach.calibrated:
            f |= 32
        if self.haptic.active:
            f |= 64
        if self.coach.training:
            f |= 128
        if self.coach.snoozed:
            f |= 256
        if self.usb is not None and self.usb.connected:
            f |= 512
        if crashlog.present(self.crash_path):
            f |= 1024
        return f

    def status_frame(self, consume=True):
        """Build the STATUS frame in its buffer; returns the buffer. With consume False (the
        status characteristic only) it carries the current data seq without taking it."""
        m = self.hw.imu
        c = self.clock
        c.update()
        retried = self.ble.retried if self.ble is not None else 0
        free = self.log.free_bytes() if self.log is not None else 0
        p = self.power
        b = self._st_buf
        frames.put_status(b, 0, self._data_seq, 0, p.mv, p.pct, self.state, self.status_flags(),
                          m.overruns, m.dropped + self.lost_samples, retried,
                          m.i2c_errors + self.hw.old_i2c_errors, free,
                          m.temp_cc())
        frames.put_t_us_halves(b, 0, c.hi, c.lo)
        if consume:
            self._next_data_seq()
        return b

    def send_status(self):
        b = self.status_frame(bool(self._want() & frames.STREAM_STATUS))
        for ln in self.links:
            if ln.streams & frames.STREAM_STATUS:
                ln.put(b)
        if self._logging:
            self.log.append(b)
        if self.ble is not None and self.ble.connected:
            self.ble.set_status(b)

    def _next_data_seq(self):
        s = self._data_seq
        self._data_seq = (s + 1) & 0xFFFF
        return s

    # --- what commands.py calls ----------------------------------------------------------
    def next_ctrl_seq(self):
        s = self._ctrl_seq
        self._ctrl_seq = (s + 1) & 0xFFFF
        return s

    def info_fields(self):
        m = self.hw.imu
        flags = (1 if self._fusion_on else 0) | (2 if self.hw.pwm is not None else 0) \
            | (4 if self.hw.adc is not None else 0)
        return (FW_VERSION[0], FW_VERSION[1], FW_VERSION[2], m.model, self.hw.board_id, flags,
                int(m.odr_hz * 100 + 0.5), m.acc_fs_g, m.gyr_fs_dps, m.acc_scale, m.gyr_scale,
                self.device_id, self.name.encode())

    def info_payload(self, buf, off):
        return frames.put_info_payload(buf, off, *self.info_fields())

    def info_dict(self):
        f = self.info_fields()
        return {"fw_version": [f[0], f[1], f[2]], "imu_model": f[3], "board": f[4],
                "flags": f[5], "odr_chz": f[6], "acc_fs_g": f[7], "gyr_fs_dps": f[8],
                "acc_scale": f[9], "gyr_scale": f[10],
                "device_id": "".join(["%02x" % x for x in f[11]]), "name": self.name}

    def error_text(self, code):
        return _ERR_TEXT.get(code, "error %d" % code)

    def start(self, link, streams):
        if self.imu_missing:
            return frames.E_IMU
        link.streams = streams
        self._rebatch()
        self.send_info(link)
        self._update_logging()
        return 0

    def _info_frame(self):
        """Build an INFO frame (next control seq, current time) in its buffer; returns its
        length."""
        c = self.clock
        c.update()
        b = self._info_buf
        end = frames.put_info(b, 0, self.next_ctrl_seq(), 0, *self.info_fields())
        frames.put_t_us_halves(b, 0, c.hi, c.lo)
        return end

    def send_info(self, link):
        end = self._info_frame()
        link.put(self._info_buf, end)
        return end

    def stop(self, link):
        link.streams = 0
        self._rebatch()
        self._update_logging()
        return 0

    def calibrate(self):
        if not self.coach.calibrate():
            return False
        self.event(frames.EV_CALIBRATED, 0, 0)
        self.haptic.play(haptic.PATTERN_TICK, ticks_ms())
        return True

    def config_changed(self, changes):
        v = self.cfg.values
        self.coach.configure_from(v)
        self.power.configure_from(v)
        self.haptic.set_strength(v["haptic_strength_pct"])
        if self.log is not None:
            self.log.configure_from(v)
        for k in ("odr_hz", "acc_fs_g", "gyr_fs_dps", "fusion", "moving_gyr_dps"):
            if k in changes:
                self._flush_batch()
                self._setup_imu()
                self._k = self._batch_size()
                break
        self._update_logging()

    def marker(self, mid):
        self.event(frames.EV_MARKER, 0, mid)

    def snooze(self, seconds):
        self.coach.snooze(seconds, ticks_ms())

    def reboot_soon(self):
        self._reboot_at = ticks_add(ticks_ms(), _REBOOT_DELAY_MS)

    def open_pairing(self):
        if self.ble is not None:
            self.ble.open_pairing(ticks_ms())

    def crash_text(self):
        return crashlog.read(self.crash_path)

    def crash_reported(self):
        crashlog.mark_reported(self.crash_path)

    # --- logging policy --------------------------------------------------------------------
    def _update_logging(self):
        log = self.log
        if log is None:
            return
        streaming = False
        for ln in self.links:
            if ln.streams:
                streaming = True
        want = flashlog.should_log(self.cfg.get("log_policy"), streaming) and self.hw.imu.ok
        if want and not self._logging:
            log.start(self.info_dict())
            self._logging = True
            log.append(memoryview(self._info_buf)[:self._info_frame()])
            self._rebatch()
        elif self._logging and not want:
            self._logging = False
            log.stop()

    # --- tasks -----------------------------------------------------------------------------
    async def _sampler(self):
        while not self._quit:
            self.haptic.tick(ticks_ms())  # patterns want a tick every <= 20 ms
            if self.state != ST_SLEEP and self.hw.imu.ok:
                self.sample_pass()
            else:
                self.beats += 1
            await ble_mod.sleep_ms(_SAMPLE_MS)

    async def _links(self):
        ble = self.ble
        usb = self.usb
        while not self._quit:
            t = ticks_ms()
            if ble is not None:
                ble.pump(t)
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
            if down and self.state == ST_SLEEP:
                self._button_woke = True  # seen even if released before the wake check
            press = self.presses.update(down, t)
            if press:
                self.on_press(press, t)
            await ble_mod.sleep_ms(_BUTTON_MS)

    def on_press(self, press, t):
        self.power.note_motion(t)
        self.event(frames.EV_BUTTON, press, 0)
        if press == coach.PRESS_LONG:
            self.calibrate()
        elif press == coach.PRESS_DOUBLE:
            self.coach.snooze(0 if self.coach.snoozed else self.cfg.get("snooze_s"), t)
        else:
            self.open_pairing()
            self.haptic.play(haptic.PATTERN_TICK, t)

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
                self._status_due = ticks_add(t, STATUS_MS)
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
            self._sleep_policy(t)
            self._show_led(t)
            if self.state == ST_SLEEP and not self._quit:
                self._doze(fed)
            if self._reboot_at >= 0 and ticks_diff(t, self._reboot_at) >= 0:
                self._reboot_at = -1
                self.shutdown()
                if self.log is not None:
                    self.log.stop()
                self.hw.reset()
            await ble_mod.sleep_ms(_HOUSE_MS)

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

    def _show_led(self, t):
        led = self.led
        if self.state == ST_SLEEP:
            code = haptic.LED_OFF
        elif self.state == ST_ERROR:
            code = haptic.LED_ERROR
        elif self.ble is not None and self.ble.pairing_open(t):
            code = haptic.LED_PAIRING
        elif self.power.low:
            code = haptic.LED_LOW_BATTERY
        elif self.log is not None and self.log.full and self._logging:
            code = haptic.LED_LOG_FULL
        elif (self.ble is not None and self.ble.connected) or self.state == ST_STREAMING:
            code = haptic.LED_CONNECTED
        elif self._logging:
            code = haptic.LED_LOGGING
        else:
            code = haptic.LED_ADVERTISING
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
        self.event(frames.EV_BOOT, self.hw.reset_cause & 0xFF, self.boot_count)
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
               on_device=None, statvfs=None):
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
    """
    dev = Device(fs_root, serial, ble, None, wdt_ms, machine, statvfs)
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
