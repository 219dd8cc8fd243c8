# The sample path of the running device (a mixin of app.Device; docs/firmware.md):
#
#   IMU FIFO -> bias -> fusion -> coach; IMU and QUAT batches into preallocated frames, which
#   routing.Routing hands to the streaming links and the flash log.
#
#   dev.init_sample_path()   # in Device.__init__: frame buffers and one frame-long view per
#                            # batch size, then the IMU configured from the config
#   dev.sample_pass()        # read the FIFO and process every sample (allocation-free)
#   dev.imu_missing          # no IMU, or only bus errors for _IMU_FAIL_PASSES passes
#
# Uses of the device: dev.hw (app.Hardware), dev.cfg, dev.ble, dev.coach, dev.haptic,
# dev.power, dev.clock, and routing.Routing (_want, _route, event, _next_data_seq,
# _update_logging).
from struct import pack_into

import coach
import frames
import fusion
from micropython import const

from time import ticks_add, ticks_diff, ticks_ms

# The protocol's numbers this module uses (frames.py keeps its own private: frametools.py
# has the public names; tests/test_firmware_private_consts_agree.py checks the copies).
_IMU_CLIPPED = const(4)
_IMU_HAPTIC = const(1)
_IMU_OVERRUN = const(2)
_QUAT_AT_REST = const(2)
_QUAT_CONVERGED = const(1)
_STREAM_IMU = const(1)
_STREAM_QUAT = const(2)

_IMU_FAIL_PASSES = const(25)  # sampler passes with only bus errors (0.5 s) before "IMU missing"
_IMU_RETRY_MS = const(1000)  # while missing: probe / reconfigure the IMU this often
_KMAX = const(20)  # most samples per IMU/QUAT batch
_K_SERIAL = const(10)  # batch when only USB/log (about 10 frames/s each at 104 Hz)


class Sampling:
    # --- IMU and fusion ------------------------------------------------------------------
    def _setup_imu(self):
        """Configure the IMU from the config and make a fresh filter; True if every register
        write went through."""
        v = self.cfg
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
        slowest BLE link that streams (10 at MTU 247, 7 at MTU 185); sets the BLE link's
        notification pace from it and the sample rate."""
        k = _K_SERIAL
        b = self.ble
        if b is not None and b.streams:
            per = 12
            fixed = 16
            if self._fusion_on and b.streams & _STREAM_QUAT:
                per += 8
                fixed += 16
            k = (b.limit() - fixed) // per
        if k > _KMAX:
            k = _KMAX
        if k < 1:
            k = 1
        if b is not None:
            # One notification per batch, plus the STATUS frame each second: the BLE link
            # paces its notifications to that (208 Hz at MTU 185 needs ~31/s, ble.pace).
            odr = int(self.hw.imu.odr_hz or 0)
            b.pace((odr + k - 1) // k + 1 if b.streams else 0)
        return k

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
            # Samples were lost before these: the batch in progress goes out first, so the
            # flagged frame starts at the loss (the loader marks the step before a flagged
            # frame's first sample as the gap; a frame begun before the loss put it there too,
            # a period-long false gap beside the real one).
            self._flush_batch()
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
                flags = _IMU_HAPTIC
            if self._lost_flag:
                flags |= _IMU_OVERRUN
                self._lost_flag = False
            if self._clip_flag:
                flags |= _IMU_CLIPPED
                self._clip_flag = False
            if want & _STREAM_IMU:
                ib = self._imu_buf
                frames.put_imu_head(ib, 0, self._next_data_seq(), 0, m.period_ns, flags, k)
                frames.put_t_us_halves(ib, 0, c.at_hi, c.at_lo)
                self._route(self._imu_views[k], _STREAM_IMU, k)
            if fu is not None and want & _STREAM_QUAT:
                qb = self._quat_buf
                qf = 0
                b = fu.bias
                if b.converged:
                    qf = _QUAT_CONVERGED
                if b.rest:
                    qf |= _QUAT_AT_REST
                frames.put_quat_head(qb, 0, self._next_data_seq(), 0, m.period_ns, qf, k)
                frames.put_t_us_halves(qb, 0, c.at_hi, c.at_lo)
                self._route(self._quat_views[k], _STREAM_QUAT, k)
        else:
            self.haptic.take_ran()
        if kind:
            self.event(kind, 0, co.value)
