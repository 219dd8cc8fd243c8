# Building the Device at boot (app.Device.__init__, app.Hardware.__init__, the boot counter):
# code that runs once, in a module of its own so that its bytecode leaves the heap after boot
# (app.py imports it through lazy.py and drops it; issue 14 item 9, docs/firmware.md "Heap").
from array import array

import ble as ble_mod
import coach
import commands
import flashlog
import haptic
import imu
import lazy
import power
from micropython import const

from time import ticks_ms

_ST_BOOT = const(0)  # powerpolicy.ST_BOOT
_RING_BYTES = const(12288)  # BLE unsent-frame ring (~5 s of IMU + QUAT at 104 Hz), if the
_USB_RING_BYTES = const(8192)  # profile gives none (boards.py ble_ring, usb_ring)
_INFO_MAX_NAME = const(32)  # sampling.py's
_KMAX = const(20)  # most samples per IMU/QUAT batch
_K_SERIAL = const(10)  # batch when only USB/log (about 10 frames/s each at 104 Hz)


_LED_BOOT = const(1)  # haptic.py's
_MOTOR_PWM_HZ = const(20000)  # haptic.py's


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


def hardware(hw, prof, machine=None):
    """app.Hardware.__init__: the board's parts from a profile with the machine module."""
    if machine is None:
        import machine
    hw.machine = machine
    Pin = machine.Pin
    hw.board_id = prof["board_id"]
    i2c = machine.I2C(prof["i2c_bus"], scl=Pin(prof["scl"]), sda=Pin(prof["sda"]),
                      freq=prof["i2c_hz"])
    hw.i2c = i2c
    hw.remap = prof.get("imu_remap", (1, 2, 3))
    hw.imu = imu.IMU(i2c, remap=hw.remap)
    hw.old_i2c_errors = 0  # bus errors of IMU objects replaced by reprobe()
    hw.pwm = None
    if prof["motor_pwm"] is not None:
        hw.pwm = machine.PWM(Pin(prof["motor_pwm"]), freq=_MOTOR_PWM_HZ, duty_u16=0)
    hw.led = None
    if prof["led"] is not None:
        hw.led = Pin(prof["led"], Pin.OUT)
    hw.led_active_low = prof["led_active_low"]
    hw.adc = None
    if prof["batt_adc"] is not None:
        hw.adc = machine.ADC(Pin(prof["batt_adc"]), atten=machine.ADC.ATTN_11DB)
    hw.divider_x1000 = prof["batt_divider_x1000"]
    hw.button = None
    hw.button_active_low = prof["button_active_low"]
    hw.button_gpio = prof["button"]  # GPIO numbers for the light-sleep wake sources
    hw.imu_int_gpio = prof["imu_int"]
    if prof["button"] is not None:
        hw.button = Pin(prof["button"], Pin.IN,
                          Pin.PULL_UP if prof["button_active_low"] else None)
    try:
        hw.reset_cause = machine.reset_cause()
    except Exception:
        hw.reset_cause = 0
    hw.unique_id = machine.unique_id()


def build(dev, fs_root, serial, ble, hw, wdt_ms, machine, statvfs, flash_open):
    """app.Device.__init__ (its parameters are app.main()'s)."""
    import app

    dev.fs_root = fs_root
    # Boot-only modules (config's schema and file code, the board profiles) are dropped
    # once read (lazy.py): the Device keeps the values dict; CONFIG_GET/SET import config
    # again (commands.py).
    import boards
    import config

    c = config.Config(fs_root + "/config.json")
    c.load()
    dev.cfg = c.values  # the settings the runtime reads (a dict)
    dev.cfg_path = c.path
    dev.cfg_problem = c.problem  # "" or why the file fell back to defaults
    dev.cfg_bad = c.bad_key_code() if c.corrupt else -1  # EVENT CONFIG_DEFAULTED arg
    prof = boards.get(boards.resolve(c.values["board"]))
    lazy.drop("config")
    lazy.drop("boards")
    dev.hw = hw if hw is not None else app.Hardware(prof, machine)
    dev.crash_path = fs_root + "/crash.txt"
    dev.boot_count = next_boot_count(fs_root + "/boots.txt")
    dev.clock = app.Clock32()
    dev.state = _ST_BOOT
    dev._data_seq = 0
    dev._ctrl_seq = 0
    dev._quit = False
    dev._reboot_at = -1
    dev.error = None  # an exception that stopped a task
    dev.lost_samples = 0
    dev.samples = 0
    dev.beats = 0  # sampler passes (watchdog heartbeat)
    dev.salvaged = 0  # frames moved from a dropped BLE link's queue to the log
    dev.wdt = None
    dev._wdt_ms = wdt_ms
    dev.slept_ms = 0  # time spent in machine.lightsleep() (ticks_ms)
    dev._button_woke = False
    dev._armed = 0  # wake sources armed for this sleep: 0 none, 1 button, 2 button + IMU
    if wdt_ms:
        m = dev.hw.machine if machine is None else machine
        dev.wdt = m.WDT(timeout=wdt_ms)

    # Links first: the BLE stack starts before the big buffers are allocated (NimBLE
    # needs RAM of its own at active(True); the ring is allocated after it, in ble.py).
    dev.links = []
    dev.ble = None
    dev.ble_error = 0  # errno of a BLE stack that did not start (then USB only)
    dev.usb = None
    mac = dev.hw.unique_id
    if ble is not None:
        try:
            mac = ble.config("mac")[1]
        except (OSError, ValueError):
            pass
        dev.name = dev.cfg.get("name") or lazy.use("blesetup").default_name(mac)
        try:
            dev.ble = ble_mod.Peripheral(ble, dev.name, fs_root + "/bonds.json",
                                          prof.get("ble_ring", _RING_BYTES), app.FW_TEXT)
            dev.links.append(dev.ble)
        except OSError as e:
            # The stack did not start (active(True) fails on some boards, micropython
            # issue 14293): keep running over USB and the flash log, without BLE.
            dev.ble = None
            dev.ble_error = e.args[0] if e.args else -1
    else:
        dev.name = dev.cfg.get("name") or lazy.use("blesetup").default_name(mac)
    dev.device_id = bytes(mac[:6]) if len(mac) >= 6 else bytes(6)
    if serial is not None:
        import usb

        dev.usb = usb.Serial(serial[0], serial[1],
                              ble_mod.Ring(prof.get("usb_ring", _USB_RING_BYTES)))
        dev.links.append(dev.usb)
    # Coach, haptic, LED, battery.
    dev.haptic = haptic.Haptic(dev.hw.pwm, dev._haptic_event,
                                dev.cfg.get("haptic_strength_pct"))
    dev.coach = coach.Coach(dev.haptic)
    dev.coach.configure_from(dev.cfg)
    dev.presses = coach.Presses()
    dev.led = haptic.Blinker(dev.hw.led if dev.cfg.get("led") else None,
                              dev.hw.led_active_low)
    dev.led.show(_LED_BOOT, ticks_ms())
    dev.power = power.Power(dev.hw.adc, dev.hw.divider_x1000,
                             dev.cfg.get("low_battery_mv"), dev.cfg.get("sleep_after_min"))
    dev.power.configure_from(dev.cfg)
    try:
        dev.log = flashlog.FlashLog.from_config(dev.cfg, fs_root + "/logs", statvfs,
                                                 flash_open)
    except OSError:
        dev.log = None

    sample_path(dev)  # frame buffers, IMU, fusion

    dev.links = tuple(dev.links)
    lazy.drop("blesetup")  # used again after a light sleep or a pairing
    lazy.drop("lsm6cfg")  # again for a config change or a sleep
    lazy.drop("imuprobe")  # again if the IMU goes missing
    dev.cmds = commands.Commands(dev)
    dev._logging = False
    dev._status_due = ticks_ms()


def sample_path(dev):
    """sampling.Sampling's frame buffers: each view is exactly one frame long (copying a whole buffer into a
    ring allocates nothing on MicroPython; slicing one would). Then the IMU and fusion."""
    dev._raw = array("h", bytearray(12 * imu.MAX_BATCH))
    dev._imu_buf = bytearray(16 + 12 * _KMAX)
    dev._quat_buf = bytearray(16 + 8 * _KMAX)
    mi = memoryview(dev._imu_buf)
    mq = memoryview(dev._quat_buf)
    dev._imu_views = [mi[:16 + 12 * k] for k in range(_KMAX + 1)]
    dev._quat_views = [mq[:16 + 8 * k] for k in range(_KMAX + 1)]
    dev._ev_buf = bytearray(14)
    dev._st_buf = bytearray(38)
    dev._info_buf = bytearray(10 + 27 + _INFO_MAX_NAME)
    dev._k = _K_SERIAL
    dev._i = 0
    dev._t_batch = 0
    dev._moving = False
    dev._lost_flag = False
    dev._clip_flag = False
    dev._fusion_on = False
    dev.fusion = None
    dev._gyr_limit = 0
    dev._fusion_period_ns = 0
    dev._imu_fail = 0  # sampler passes in a row that read nothing but bus errors
    dev._imu_retry = 0
    dev._setup_imu()
