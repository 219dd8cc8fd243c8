# ruff: noqa: UP031
# Checks for firmware/imu.py, lsm6.py and mpu6.py against the register-level chip models
# (host/kyphos/sim/chips.py, reached here as `simchips`, a symlink, so that the very same models
# also run on MicroPython) behind the `machine` shim's I2C.
#
# The chip's clock is moved by the check (chip.advance_to), kept ahead of the board clock so
# that the shim's own advance before each transfer never produces extra samples.
from array import array

import checkenv
import imu
import machine
import simchips

G = 9.80665
T0 = 500000000.0  # chip time at the start of a check, us (ahead of any board clock)


def _bus(chip):
    machine.reset_state()
    machine.attach(0, chip)
    chip.advance_to(T0)
    return machine.I2C(0)


def _src(t):
    # chip axes: acc (1, -2, 9.5) m/s^2, gyro (0.1, -0.2, 0.3) rad/s
    return (1.0, -2.0, 9.5, 0.1, -0.2, 0.3)


def _models():
    return (
        (simchips.LSM6DSOX, 0x6A, 1),
        (simchips.LSM6DSOX, 0x6B, 1),
        (simchips.LSM6DS3TRC, 0x6A, 2),
        (simchips.MPU6050, 0x68, 3),
        (simchips.MPU6500, 0x69, 4),
    )


def _stream(cls, addr, odr=104, remap=(1, 2, 3), **kw):
    chip = cls(addr, source=_src, **kw)
    i2c = _bus(chip)
    dev = imu.IMU(i2c, remap=remap)
    assert dev.ok, dev.error
    assert dev.configure(odr, 8, 1000)
    return chip, dev


def check_probe_finds_each_model_by_who_am_i():
    for cls, addr, model in _models():
        dev = imu.IMU(_bus(cls(addr)))
        assert dev.ok and dev.model == model, (cls.NAME, addr, dev.model)
        assert dev.name == cls.NAME


def check_missing_or_unknown_imu_is_an_error_state_not_an_exception():
    machine.reset_state()
    dev = imu.IMU(machine.I2C(0))
    assert not dev.ok and dev.model == 0 and "no IMU" in dev.error
    assert dev.read(array("h", bytes(12))) == 0
    assert not dev.configure(104, 8, 1000)
    chip = simchips.LSM6DSOX(0x6A)
    chip.WHO_AM_I = 0x69  # a part we do not support
    dev = imu.IMU(_bus(chip))
    assert not dev.ok and "unknown" in dev.error and "0x69" in dev.error, dev.error


def check_configure_sets_rate_and_ranges_on_the_chip():
    for cls, addr, _ in _models():
        for odr in (26, 52, 104, 208):
            chip, dev = _stream(cls, addr, odr)
            assert abs(chip.odr_hz() - dev.odr_hz) < 1e-6
            assert abs(dev.odr_hz - odr) / odr < 0.1, (cls.NAME, odr, dev.odr_hz)
    chip = simchips.LSM6DSOX(0x6A)
    dev = imu.IMU(_bus(chip))
    for fs in (2, 4, 8, 16):
        dev.configure(104, fs, 2000)
        assert chip.acc_fs_g() == fs
    for fs in (250, 500, 1000, 2000):
        dev.configure(104, 4, fs)
        assert chip.gyr_fs_dps() == fs
    assert abs(dev.gyr_scale - 70e-3 * 0.0174532925) < 1e-9
    chip = simchips.MPU6500(0x68)
    dev = imu.IMU(_bus(chip))
    dev.configure(104, 16, 500)
    assert chip.regs[0x1C] >> 3 == 3 and chip.regs[0x1B] >> 3 == 1
    assert dev.odr_hz == 100.0


def check_samples_arrive_scaled_and_remapped_in_order():
    for cls, addr, _ in _models():
        # sensor x = chip z, sensor y = -chip x, sensor z = -chip y
        chip, dev = _stream(cls, addr, 104, remap=(3, -1, -2))
        buf = array("h", bytes(12 * imu.MAX_BATCH))
        chip.advance_to(chip.t_us + 100000)  # ~10 samples
        n = dev.read(buf)
        assert 9 <= n <= 11, (cls.NAME, n)
        for i in range(n):
            a = [buf[6 * i + k] * dev.acc_scale for k in range(3)]
            g = [buf[6 * i + 3 + k] * dev.gyr_scale for k in range(3)]
            assert abs(a[0] - 9.5) < 0.01 and abs(a[1] + 1.0) < 0.01 and abs(a[2] - 2.0) < 0.01, (cls.NAME, a)
            assert abs(g[0] - 0.3) < 0.002 and abs(g[1] + 0.1) < 0.002 and abs(g[2] - 0.2) < 0.002, (cls.NAME, g)
        assert dev.read(buf) == 0
        assert dev.overruns == 0 and dev.dropped == 0 and dev.i2c_errors == 0


def check_reads_are_bounded_by_the_buffer_and_lose_nothing():
    for cls, addr, _ in _models():
        chip, dev = _stream(cls, addr, 208)
        buf = array("h", bytes(12 * 16))
        chip.advance_to(chip.t_us + 200000)
        produced = chip.samples
        total = 0
        while True:
            n = dev.read(buf, 16)
            assert n <= 16
            if n == 0:
                break
            total += n
        assert abs(total - produced) <= 1, (cls.NAME, total, produced)
        assert dev.dropped == 0


def check_fifo_overrun_is_counted_and_streaming_recovers():
    for cls, addr, _ in _models():
        chip, dev = _stream(cls, addr, 416)
        buf = array("h", bytes(12 * imu.MAX_BATCH))
        chip.advance_to(chip.t_us + 12000000)  # 12 s unread: every FIFO overflows
        while dev.read(buf):
            pass
        assert dev.overruns >= 1 and dev.dropped >= 1, (cls.NAME, dev.overruns, dev.dropped)
        chip.advance_to(chip.t_us + 50000)
        n = dev.read(buf)
        assert n >= 15, (cls.NAME, n)
        # The MPU-6050's overflow is counted by a read that returns nothing (it resets the
        # FIFO): the first samples after it carry the loss (imu.py), the next ones do not.
        assert dev.lost == (cls is simchips.MPU6050), (cls.NAME, dev.lost)
        chip.advance_to(chip.t_us + 50000)
        n = dev.read(buf)
        assert n >= 15 and not dev.lost, (cls.NAME, n)
        for i in range(n):  # alignment kept: every sample is still the right values
            assert abs(buf[6 * i + 2] * dev.acc_scale - 9.5) < 0.01, (cls.NAME, i)
            assert abs(buf[6 * i + 5] * dev.gyr_scale - 0.3) < 0.002, (cls.NAME, i)


def check_i2c_errors_are_counted_never_raised():
    for cls, addr, _ in _models():
        chip, dev = _stream(cls, addr, 104)
        buf = array("h", bytes(12 * imu.MAX_BATCH))
        chip.advance_to(chip.t_us + 100000)
        chip.fail_next = 1
        assert dev.read(buf) == 0
        assert dev.i2c_errors == 1
        chip.advance_to(chip.t_us + 50000)
        assert dev.read(buf) > 0


def check_wake_on_motion_raises_int1_on_the_lsm6():
    chip = simchips.LSM6DSOX(0x6A)
    dev = imu.IMU(_bus(chip))
    dev.configure(52, 4, 500)
    levels = []
    chip.on_int1 = levels.append
    dev.wake_on_motion(200)
    chip.advance_to(chip.t_us + 100000)
    assert not dev.motion_seen()
    chip.source = lambda t: (3.0, 0.0, G, 0.0, 0.0, 0.0)  # a jolt of 0.3 g on x
    chip.advance_to(chip.t_us + 40000)
    assert 1 in levels
    assert dev.motion_seen()


def check_timestamps_follow_the_chip_clock():
    if checkenv.MICROPYTHON:
        return  # needs a board clock the check can move (the shims' VirtualClock)
    from kyphos.sim import shims

    old = shims.set_clock(shims.VirtualClock(int(T0) + 1000000))
    try:
        for cls, addr, _ in _models():
            chip = cls(addr, source=_src, odr_error=0.015)
            machine.reset_state()
            machine.attach(0, chip)
            dev = imu.IMU(machine.I2C(0))
            dev.configure(104, 8, 1000)
            clock = shims.get_clock()
            buf = array("h", bytes(12 * imu.MAX_BATCH))
            first = None
            got = 0
            for _ in range(300):  # 30 s in 100 ms steps
                clock.advance_us(100000)
                n = dev.read(buf)
                if n and first is None:
                    first = dev.t_first_us
                got += n
            true_ns = 1e9 / (chip.odr_hz() * 1.015)
            assert abs(dev.period_ns - true_ns) / true_ns < 0.005, (cls.NAME, dev.period_ns, true_ns)
            # first samples of the first and last batches: as far apart as the chip made them
            assert got > 2900
            span = shims.ticks_diff(dev.t_first_us, first)
            assert abs(span - (got - n) * true_ns / 1000) < 2 * true_ns / 1000, (cls.NAME, span)
    finally:
        shims.set_clock(old)


class _ReplayBus:
    """An allocation-free I2C stand-in replaying one MPU FIFO image (for the heap check)."""

    def __init__(self, records):
        self.fifo = bytearray(12 * records)
        for i in range(records):
            self.fifo[12 * i + 4] = 0x08  # acc z = 2048
        self.count = bytearray([(12 * records) >> 8, (12 * records) & 0xFF])

    def readfrom_mem(self, addr, reg, n):
        return bytes([0x68])

    def readfrom_mem_into(self, addr, reg, buf):
        if reg == 0x72:
            buf[0] = self.count[0]
            buf[1] = self.count[1]
        elif reg == 0x74:
            for i in range(len(buf)):
                buf[i] = self.fifo[i]
        else:
            for i in range(len(buf)):
                buf[i] = 0

    def writeto_mem(self, addr, reg, buf):
        pass


def check_read_path_allocates_nothing():
    bus = _ReplayBus(20)
    dev = imu.IMU(bus, remap=(2, -3, 1), addresses=(0x68,))
    assert dev.ok
    dev.configure(104, 8, 1000)
    buf = array("h", bytes(12 * imu.MAX_BATCH))
    per_read = checkenv.alloc_per_call(lambda: dev.read(buf))
    assert dev.read(buf) == 20
    print("imu.read (MPU path, 20 samples): %s bytes per read" % per_read)
    assert per_read is None or per_read == 0, per_read


def check_ds3trc_read_realigns_to_a_whole_data_set():
    chip, dev = _stream(simchips.LSM6DS3TRC, 0x6A, 104)
    chip.advance_to(chip.t_us + 50000)
    chip.read(0x3E, 4)  # two words read behind the driver's back: pattern index 2
    buf = array("h", bytes(12 * imu.MAX_BATCH))
    n = dev.read(buf)
    assert n >= 3, n
    for i in range(n):
        assert abs(buf[6 * i + 2] * dev.acc_scale - 9.5) < 0.01, i
        assert abs(buf[6 * i + 3] * dev.gyr_scale - 0.1) < 0.002, i


def check_mpu6500_overflow_keeps_its_records_and_counts_the_lost():
    # FIFO_MODE 1: a full 512-byte FIFO keeps its 42 records and drops newer samples; the
    # driver reads the 42 (still aligned) and counts the samples that found no room.
    import time

    chip, dev = _stream(simchips.MPU6500, 0x68, 104)
    buf = array("h", bytes(12 * imu.MAX_BATCH))
    s0 = chip.samples
    # A 0.6 s stall of the sample loop: the board's clock (which the driver times the lost
    # samples by) and the chip's move on together.
    time.sleep_ms(600)
    chip.advance_to(chip.t_us + 600000)
    total = 0
    while True:
        n = dev.read(buf)
        if n == 0:
            break
        total += n
        for i in range(n):
            assert abs(buf[6 * i + 2] * dev.acc_scale - 9.5) < 0.01, i
    produced = chip.samples - s0
    assert total == 512 // 12, total
    assert dev.overruns == 1, dev.overruns
    assert abs(total + dev.dropped - produced) <= 3, (total, dev.dropped, produced)


def check_mpu6050_overflow_resets_with_fifo_en_off():
    # The reset (FIFO_EN = 0, then on) realigns: every later record reads right.
    chip, dev = _stream(simchips.MPU6050, 0x68, 104)
    buf = array("h", bytes(12 * imu.MAX_BATCH))
    chip.advance_to(chip.t_us + 1500000)  # 156 records > the 1024-byte FIFO
    while dev.read(buf):
        pass
    assert dev.overruns == 1
    chip.advance_to(chip.t_us + 200000)
    n = dev.read(buf)
    assert n >= 18, n
    for i in range(n):
        assert abs(buf[6 * i + 2] * dev.acc_scale - 9.5) < 0.01, i
        assert abs(buf[6 * i + 5] * dev.gyr_scale - 0.3) < 0.002, i


def check_clone_mpus_are_accepted_and_flagged():
    for cls, model in ((simchips.MPU6050Clone, 3), (simchips.MPU9250, 4)):
        chip, dev = _stream(cls, 0x68, 104)
        assert dev.model == model and dev.clone, (cls.NAME, dev.model, dev.clone)
        assert ("0x%02x" % cls.WHO_AM_I) in dev.name, dev.name
        buf = array("h", bytes(12 * imu.MAX_BATCH))
        chip.advance_to(chip.t_us + 100000)
        assert dev.read(buf) >= 9
    for cls, addr, _ in _models():
        assert not imu.IMU(_bus(cls(addr))).clone, cls.NAME


def check_lsm6dsox_latches_the_wake_up_event_and_disables_i3c():
    chip = simchips.LSM6DSOX(0x6A)
    dev = imu.IMU(_bus(chip))
    assert chip.i3c_enabled  # the reset value
    dev.configure(52, 4, 500)
    assert not chip.i3c_enabled
    levels = []
    chip.on_int1 = levels.append
    dev.wake_on_motion(200)
    chip.advance_to(chip.t_us + 100000)
    assert not dev.motion_seen()
    t_jolt = chip.t_us + 25000
    chip.source = lambda t: (3.0, 0.0, G, 0.0, 0.0, 0.0) if t * 1e6 < t_jolt else (0.0, 0.0, G, 0.0, 0.0, 0.0)
    chip.advance_to(chip.t_us + 500000)  # one short jolt, then rest; the board looks later
    assert levels and levels[-1] == 1, levels  # INT1 held high until read
    assert dev.motion_seen()
    assert not dev.motion_seen()  # cleared by the read
