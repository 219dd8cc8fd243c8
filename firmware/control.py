# What the device does for a command or a button press (a mixin of app.Device): the side of
# commands.Commands that touches the running device. commands.py decodes a CMD frame, checks
# trust and answers; these methods are what it calls (the list is in commands.py's header).
#
# Uses of the device: dev.hw, dev.cfg, dev.coach, dev.haptic, dev.power, dev.log, dev.ble,
# dev.clock, dev.fw_version, and sampling.Sampling / routing.Routing.
import crashlog
import frames
from micropython import const

from time import ticks_add, ticks_ms

# The protocol's numbers this module uses (frames.py keeps its own private: frametools.py
# has the public names; tests/test_firmware_private_consts_agree.py checks the copies).
_EV_BUTTON = const(3)
_EV_CALIBRATED = const(7)
_EV_MARKER = const(6)
_E_BUSY = const(6)
_E_IMU = const(9)

_REBOOT_DELAY_MS = const(300)
MAINT_FLAG = "/.kyphos_maint"  # main.py's: the next boot is a maintenance boot

_ERR_TEXT = {
    _E_IMU: "IMU error: no working IMU",
    _E_BUSY: "busy",
}


_PATTERN_TICK = const(5)  # haptic.py's
_PRESS_DOUBLE = const(3)  # coach.py's
_PRESS_LONG = const(2)  # coach.py's


class Control:
    def next_ctrl_seq(self):
        s = self._ctrl_seq
        self._ctrl_seq = (s + 1) & 0xFFFF
        return s

    def info_fields(self):
        m = self.hw.imu
        flags = (1 if self._fusion_on else 0) | (2 if self.hw.pwm is not None else 0) \
            | (4 if self.hw.adc is not None else 0) \
            | (8 if getattr(m, "clone", False) else 0)  # a clone IMU (imu.py): a warning
        fw = self.fw_version
        return (fw[0], fw[1], fw[2], m.model, self.hw.board_id, flags,
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
            return _E_IMU
        link.streams = streams
        self._rebatch()
        self.send_info(link)
        self._update_logging()
        return 0

    def stop(self, link):
        link.streams = 0
        self._rebatch()
        self._update_logging()
        return 0

    def calibrate(self):
        if not self.coach.calibrate():
            return False
        self.event(_EV_CALIBRATED, 0, 0)
        self.haptic.play(_PATTERN_TICK, ticks_ms())
        return True

    def config_changed(self, changes):
        v = self.cfg
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
        self.event(_EV_MARKER, 0, mid)

    def snooze(self, seconds):
        self.coach.snooze(seconds, ticks_ms())

    def reboot_soon(self, maintenance=False):
        """Reset in _REBOOT_DELAY_MS (the ACK goes out first); with maintenance, into the
        maintenance boot (main.py): the flag file is written now, OSError if it cannot be."""
        if maintenance:
            with open(self.fs_root + MAINT_FLAG, "w") as f:
                f.write("reboot command\n")
        self._reboot_at = ticks_add(ticks_ms(), _REBOOT_DELAY_MS)

    def open_pairing(self):
        if self.ble is not None:
            self.ble.open_pairing(ticks_ms())

    def crash_text(self):
        return crashlog.read(self.crash_path)

    def crash_reported(self):
        crashlog.mark_reported(self.crash_path)

    def on_press(self, press, t):
        self.power.note_motion(t)
        self.event(_EV_BUTTON, press, 0)
        if press == _PRESS_LONG:
            self.calibrate()
        elif press == _PRESS_DOUBLE:
            self.coach.snooze(0 if self.coach.snoozed else self.cfg.get("snooze_s"), t)
        else:
            self.open_pairing()
            self.haptic.play(_PATTERN_TICK, t)

