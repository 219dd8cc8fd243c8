# Where the device's frames go (a mixin of app.Device; docs/firmware.md): data frames to
# every link that streams them and to the flash log while it logs, with one data seq counter
# (a frame type nobody wants is not built and takes no seq); EVENT, STATUS and INFO frames; the
# logging policy (flashlog.should_log) that decides whether the log takes frames.
#
#   dev.event(kind, arg, value)   # EVENT to every streaming link and the log
#   dev.send_status()             # STATUS (also the BLE status characteristic)
#   dev.send_info(link)           # INFO to one link
#   dev._update_logging()         # start / stop the log after a link or config change
#
# Uses of the device: dev.links, dev.ble, dev.usb, dev.log, dev.clock, dev.hw, dev.power,
# dev.coach, dev.haptic, dev.state, dev.crash_path, and the buffers of sampling.Sampling.
import crashlog
import flashlog
import frames

from time import ticks_ms
from micropython import const

# The protocol's numbers this module uses (frames.py keeps its own private: frametools.py
# has the public names; tests/test_firmware_private_consts_agree.py checks the copies).
_STREAM_STATUS = const(4)


class Routing:
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
        if self.ble_error:
            f |= 2048  # the BLE stack did not start: USB and the flash log only
        if b is not None and b.trusted():
            f |= 4096  # this BLE link may change the board (ble.Peripheral.trusted)
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
        b = self.status_frame(bool(self._want() & _STREAM_STATUS))
        for ln in self.links:
            if ln.streams & _STREAM_STATUS:
                ln.put(b)
        if self._logging:
            self.log.append(b)
        if self.ble is not None:
            self.ble.set_status(b)

    def _next_data_seq(self):
        s = self._data_seq
        self._data_seq = (s + 1) & 0xFFFF
        return s


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

