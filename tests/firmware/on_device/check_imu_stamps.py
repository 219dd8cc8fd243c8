# ruff: noqa: UP031
# Batch times of firmware/imu.py when a read is late inside itself: the board is held up (a
# scheduler tick, the MicroPython unix port's bridge under load) between the chip's FIFO level
# and the board time the driver stamps the batch with. Nothing is lost, so what the host loads
# must show no gap: no step between batches longer than the loader's GAP_STEPS = 1.5 periods
# (host/kyphos/recording/quality.py). A real loss (an overrun) must still show.
#
# Deterministic on both interpreters: the drivers' `time` is replaced by a clock the check
# moves (MicroPython's own ticks cannot be moved), and the bus is a stand-in around the
# register-level chip models that holds the clock up around one register's transfer.
from array import array

import imu
import lsm6
import lsm6cfg
import mpu6
import simchips

GAP_STEPS = 1.5  # host/kyphos/recording/quality.py
_WRAP = 1 << 30


class _Clock:
    """A stand-in for the `time` module the drivers use, moved by the check."""

    def __init__(self):
        self.t = 5000000

    def ticks_us(self):
        return self.t % _WRAP

    def ticks_ms(self):
        return (self.t // 1000) % _WRAP

    def ticks_add(self, a, b):
        return (a + b) % _WRAP

    def ticks_diff(self, a, b):
        return (a - b + _WRAP // 2) % _WRAP - _WRAP // 2

    def sleep_ms(self, ms):
        self.t += 1000 * ms

    def sleep_us(self, us):
        self.t += us


class _Bus:
    """I2C stand-in around a chip model: the chip runs on the check's clock; `hold` holds the
    clock up by (before, after) us around the next transfer of register `hold_reg`."""

    def __init__(self, chip, clock):
        self.chip = chip
        self.clock = clock
        self.hold_reg = -1
        self.hold = (0, 0)

    def _go(self, reg):
        before = after = 0
        if reg == self.hold_reg:
            before, after = self.hold
            self.hold_reg = -1
        self.clock.t += before
        self.chip.advance_to(self.clock.t + 1.0e6)  # chip time = board time + 1 s
        return after

    def readfrom_mem(self, addr, reg, n):
        after = self._go(reg)
        b = self.chip.read(reg, n)
        self.clock.t += after
        return b

    def readfrom_mem_into(self, addr, reg, buf):
        after = self._go(reg)
        b = self.chip.read(reg, len(buf))
        for i in range(len(buf)):
            buf[i] = b[i]
        self.clock.t += after

    def writeto_mem(self, addr, reg, buf):
        self._go(reg)
        self.chip.write(reg, bytes(buf))


# Where a hold-up moves the stamp (the driver's code between the level and its board time):
# DSOX: board time, then the chip's TIMESTAMP (0x40) answers late -> stamped early;
# DS3TR-C: FIFO_STATUS (0x3A), then board time -> stamped late; MPU: FIFO_COUNT (0x72), then
# board time -> stamped late.
_MODELS = (
    ("LSM6DSOX", 0x6A, 0x40, True),
    ("LSM6DS3TRC", 0x6A, 0x3A, False),
    ("MPU6050", 0x68, 0x72, False),
    ("MPU6500", 0x68, 0x72, False),
)


def _patch(clock):
    old = (imu.time, lsm6.time, lsm6cfg.time, mpu6.time)
    imu.time = lsm6.time = lsm6cfg.time = mpu6.time = clock
    return old


def _unpatch(old):
    imu.time, lsm6.time, lsm6cfg.time, mpu6.time = old


def stream(name, addr, reg, before, hold_us, every=7, reads=300, odr=104, work_us=700,
           overrun_at=-1, odr_error=0.0, stall_us=4000000, periods=None):
    """Read as app.py's sampler does (every 20 ms + work_us) for `reads` reads; every
    `every`-th read is held up by hold_us. Returns (steps, lost): each step between the last
    sample of one read and the first of the next, in periods of the frame's period_ns, and
    whether any read flagged a loss. overrun_at: before that read, a stall of
    stall_us. periods: a list that gets the period estimate after each read, ns."""
    clock = _Clock()
    old = _patch(clock)
    try:
        chip = getattr(simchips, name)(addr, odr_error=odr_error)
        bus = _Bus(chip, clock)
        dev = imu.IMU(bus, addresses=(addr,))
        assert dev.ok, dev.error
        assert dev.configure(odr, 8, 1000)
        buf = array("h", bytes(12 * imu.MAX_BATCH))
        clock.t += 100000
        dev.read(buf)  # the timing reference
        steps = []
        lost = []
        last = None  # (board time of the previous read's last sample, its period in us)
        for i in range(reads):
            clock.t += 20000 + work_us
            if i == overrun_at:
                clock.t += stall_us
            if i % every == every - 1:
                bus.hold_reg = reg
                bus.hold = (hold_us, 0) if before else (0, hold_us)
            n = dev.read(buf)
            if n == 0:
                continue
            p_us = dev.period_ns / 1000.0
            if periods is not None:
                periods.append(dev.period_ns)
            if last is not None:
                steps.append(clock.ticks_diff(dev.t_first_us, last[0]) / p_us)
            lost.append(dev.lost)
            last = (clock.ticks_add(dev.t_first_us, int((n - 1) * p_us + 0.5)), p_us)
        return steps, lost
    finally:
        _unpatch(old)


def _worst(name, addr, reg, before, hold_us, **kw):
    steps, lost = stream(name, addr, reg, before, hold_us, **kw)
    return max(steps), min(steps), sum(1 for s in steps if s > GAP_STEPS), any(lost)


def check_a_late_read_makes_no_false_gap():
    # 6 ms at 104 Hz (9.6 ms period) is more than half a period: before the fix every held
    # read made a step of 1.6 periods (the DSOX) or more, a gap the loader reports.
    for name, addr, reg, before in _MODELS:
        for hold_us in (3000, 6000, 15000, 40000):
            hi, lo, gaps, lost = _worst(name, addr, reg, before, hold_us)
            assert not lost, (name, hold_us)
            assert gaps == 0 and hi < 1.3 and lo > 0.7, (name, hold_us, hi, lo, gaps)


def check_batch_times_and_period_follow_a_chip_clock_off_by_three_percent():
    # The chip's own sample clock against the board's (the MPU's gyro clock: +-1 % over
    # temperature, PS-MPU-6000A-00 section 7.15): continuous batch times must not drift away
    # from the read clock (no restart, no gap), and the period estimate must follow, whether the
    # FIFO is read every 20 ms (n ~ 2) or every 0.2 s (n ~ 21).
    for name, addr, reg, before in _MODELS:
        for err in (-0.03, 0.03):
            for work_us, reads in ((700, 400), (180000, 80)):
                per = []
                steps, lost = stream(name, addr, reg, before, 6000, odr_error=err, reads=reads,
                                     work_us=work_us, periods=per)
                assert max(steps) < 1.3 and min(steps) > 0.7 and not any(lost), (name, err)
                true_ns = 1e9 / ((100.0 if name[0] == "M" else 104.0) * (1 + err))
                off = [abs(p - true_ns) / true_ns for p in per[reads // 2:]]
                assert max(off) < 0.005, (name, err, work_us, max(off))


def check_an_overrun_still_shows_as_a_gap():
    # A 4 s stall overflows every FIFO (the largest, the LSM6DS3TR-C's, holds 3.3 s at
    # 104 Hz): a read after it flags the loss and a step of many periods shows it.
    for name, addr, reg, before in _MODELS:
        steps, lost = stream(name, addr, reg, before, 0, reads=60, overrun_at=30)
        assert any(lost), name
        assert max(steps) > 10, (name, max(steps))


def check_a_backlog_read_in_parts_keeps_its_times():
    # A 1.2 s stall leaves ~125 samples (no overrun on the LSM6 parts): more than one read's
    # MAX_BATCH, so the first read after it stops short of the newest. Its stamp must be that of
    # the newest sample *read* (the LSM6DS3TR-C's was the FIFO's newest: with the continuous
    # times a step of ~+148 periods then ~-147 after a 3 s stall).
    for name, addr, reg, before in _MODELS[:2]:
        steps, lost = stream(name, addr, reg, before, 0, reads=60, overrun_at=30,
                             stall_us=1200000)
        assert not any(lost), name
        assert 0.7 < min(steps) and max(steps) < 1.3, (name, min(steps), max(steps))
