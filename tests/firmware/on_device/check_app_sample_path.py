# ruff: noqa: UP031
# Checks for firmware/app.py's sample path: IMU FIFO read -> bias -> fusion -> coach -> IMU and
# QUAT frames -> the USB link's ring (and the flash log), with a stand-in IMU that hands over two
# samples per pass like a 104 Hz FIFO read every 20 ms. On MicroPython the heap allocation per
# sample after warm-up is measured (gc.mem_alloc deltas) and printed; the target is 0 bytes.
import os
from array import array
from struct import unpack_from

import app
import ble
import checkenv
import devbuild
import frametools
import serialframe

from time import ticks_add, ticks_us

_PER_PASS = 2  # samples per FIFO read


class _IMU:
    """A LSM6DSOX-like IMU, upright and swaying slowly; read() allocates nothing."""

    def __init__(self):
        self.ok = True
        self.model = 1
        self.name = "fake"
        self.odr_hz = 104.0
        self.acc_fs_g = 8
        self.gyr_fs_dps = 1000
        self.acc_scale = 0.000244 * 9.80665
        self.gyr_scale = 0.035 * 0.017453292519943295
        self.period_ns = 9615385
        self.t_first_us = 0
        self.lost = False
        self.clipped = False
        self.overruns = 0
        self.dropped = 0
        self.i2c_errors = 0
        self.reads = 0
        self._src = array("h", [0] * (6 * 64))
        for i in range(64):
            sway = (i - 32) * 3
            self._src[6 * i] = 4098  # +1 g along the spine (x up)
            self._src[6 * i + 1] = sway
            self._src[6 * i + 2] = 200 - sway
            self._src[6 * i + 3] = sway
            self._src[6 * i + 4] = -sway // 2
            self._src[6 * i + 5] = 5
        self._k = 0

    def configure(self, odr_hz=104, acc_fs_g=8, gyr_fs_dps=1000):
        return True

    def read(self, buf, max_n=84):
        src = self._src
        k = self._k
        j = 0
        for _ in range(_PER_PASS):
            o = 6 * k
            for m in range(6):
                buf[j + m] = src[o + m]
            j += 6
            k = (k + 1) & 63
        self._k = k
        self.reads += 1
        self.t_first_us = ticks_add(ticks_us(), -9615)
        return _PER_PASS

    def temp_cc(self):
        return 2500

    def wake_on_motion(self, threshold_mg=150):
        return True

    def motion_seen(self):
        return False


class _HW:
    def __init__(self):
        self.board_id = 0
        self.imu = _IMU()
        self.pwm = None
        self.led = None
        self.led_active_low = False
        self.adc = None
        self.divider_x1000 = 2000
        self.button = None
        self.button_active_low = True
        self.reset_cause = 1
        self.unique_id = b"\x24\x0a\xc4\x3a\x4f\x01"

    def button_down(self):
        return False

    def reset(self):
        pass


class _Sink:
    def __init__(self):
        self.data = bytearray()

    def readinto(self, buf):
        return 0

    def write(self, b):
        self.data.extend(b)
        return len(b)


def _device(log_policy):
    root = checkenv.tmpdir("check_app")
    with open(root + "/config.json", "w") as f:
        f.write('{"log_policy": "%s"}' % log_policy)
    sink = _Sink()
    dev = app.Device(root, (sink, sink), None, _HW())
    return dev, sink


def _frames(data):
    """Decode the serial packets written to the sink into (type, seq, payload bytes)."""
    out = []
    d = serialframe.Deframer(lambda buf, n: out.append((buf[1], buf[4] | buf[5] << 8,
                                                        bytes(buf[10:n]))))
    d.feed(data)
    return out


def check_streaming_frames_are_whole_and_in_order():
    dev, sink = _device("never")
    dev.usb.streams = frametools.STREAM_IMU | frametools.STREAM_QUAT
    dev._k = dev._batch_size()
    assert dev._k == 10
    for _ in range(50):
        dev.sample_pass()
        dev.usb.pump()
    got = _frames(sink.data)
    imu = [f for f in got if f[0] == frametools.IMU]
    quat = [f for f in got if f[0] == frametools.QUAT]
    assert len(imu) == 10 and len(quat) == 10, (len(imu), len(quat))
    assert [f[1] for f in got] == list(range(len(got)))  # one data seq, no gaps
    period, count, flags = unpack_from("<IBB", imu[0][2], 0)
    assert period == 9615385 and count == 10
    ax = unpack_from("<h", imu[0][2], 6)[0]
    assert ax == 4098
    w = unpack_from("<h", quat[-1][2], 6)[0]
    assert 0 < w <= 16384


def check_sample_path_allocates_nothing_per_sample_streaming():
    dev, sink = _device("never")
    dev.usb.streams = frametools.STREAM_IMU | frametools.STREAM_QUAT
    dev._k = dev._batch_size()
    ring = dev.usb.ring
    for _ in range(200):  # warm-up: fusion start, bias convergence, view caches
        dev.sample_pass()
        ring.clear()

    def one_pass():
        dev.sample_pass()
        ring.clear()  # stands in for the link task sending it

    per_pass = checkenv.alloc_per_call(one_pass, 50)  # 100 samples, 10 IMU + 10 QUAT frames
    if per_pass is not None:
        print("sample path (USB streaming IMU+QUAT): %.2f bytes per sample" % (per_pass / _PER_PASS))
    assert per_pass is None or per_pass == 0, per_pass
    assert dev.usb.lost == 0


def check_a_refused_partial_batch_counts_its_own_samples_lost():
    dev, sink = _device("never")
    dev.usb.streams = frametools.STREAM_IMU
    dev._k = dev._batch_size()
    assert dev._k > _PER_PASS
    dev.usb.ring = ble.Ring(16)  # room for no IMU frame
    dev.sample_pass()  # a partly filled batch
    dev._flush_batch()
    assert dev.usb.lost == 1
    assert dev.lost_samples == _PER_PASS, dev.lost_samples


def check_sample_path_allocation_with_flash_logging():
    dev, sink = _device("always")
    dev._update_logging()
    assert dev._logging
    for _ in range(200):
        dev.sample_pass()
    recs = dev.log.records

    def one_pass():
        dev.sample_pass()

    per_pass = checkenv.alloc_per_call(one_pass, 50)
    for _ in range(10):
        one_pass()
    assert dev.log.records > recs
    if per_pass is not None:
        per_sample = per_pass / _PER_PASS
        print("sample path (flash logging IMU+QUAT): %.2f bytes per sample" % per_sample)
        # flashlog's CRC-32 result is a heap int when >= 2**30 (see flashlog.py): a few bytes
        # per record, records every 10 samples.
        assert per_sample <= 8, per_sample


def check_clock32_halves_follow_ticks_across_the_wrap():
    c = app.Clock32()
    c.hi = 0xFFFF
    c.lo = 0xFFF0
    c._last = ticks_us()
    c.at(ticks_add(c._last, -0x20))
    assert (c.at_hi, c.at_lo) == (0xFFFF, 0xFFD0)
    c.lo = 0x0005
    c.hi = 0x0000
    c.at(ticks_add(c._last, -0x10))  # borrows across the 32-bit wrap
    assert (c.at_hi, c.at_lo) == (0xFFFF, 0xFFF5), (c.at_hi, c.at_lo)


def check_flash_full_stops_logging_cleanly_and_streaming_goes_on():
    dev, sink = _device("always")
    dev.usb.streams = frametools.STREAM_IMU
    dev._update_logging()
    for _ in range(20):
        dev.sample_pass()
    dev.usb.pump()
    before = len(sink.data)
    # The filesystem fills up: statvfs reports no free blocks.
    dev.log._statvfs = lambda path: (4096, 4096, 256, 0, 0, 0, 0, 0, 0, 255)
    dev.log._since_check = 1 << 20  # the next append asks the filesystem
    for _ in range(40):
        dev.sample_pass()
        dev.usb.pump()
    assert dev.log.full
    assert dev.status_flags() & 2  # STATUS flags bit1: log full
    assert len(sink.data) > before  # the link still streams
    got = _frames(sink.data)
    seqs = [f[1] for f in got if f[0] == frametools.IMU]
    assert len(seqs) >= 5


def check_torn_crash_file_is_not_reported():
    import crashlog

    root = checkenv.tmpdir("check_app")
    path = root + "/crash.txt"
    with open(path + ".tmp", "w") as f:  # power cut while saving: only the temp file exists
        f.write("Traceback (most rec")
    assert not crashlog.present(path) and crashlog.read(path) == b""
    try:
        raise OSError(5)
    except OSError as e:
        assert crashlog.save(e, path)
    assert crashlog.present(path) and b"OSError" in crashlog.read(path)


def check_boot_counter_counts_wraps_and_survives_a_torn_write():
    root = checkenv.tmpdir("check_app")
    path = root + "/boots.txt"
    assert [devbuild.next_boot_count(path) for _ in range(3)] == [0, 1, 2]
    with open(path, "w") as f:
        f.write("32767\n")
    assert devbuild.next_boot_count(path) == 0  # wraps at 2**15
    # Power cut after the temp file was written, before the rename: the temp file's count wins.
    with open(path + ".tmp", "w") as f:
        f.write("7\n")
    assert devbuild.next_boot_count(path) == 8
    with open(path, "w") as f:
        f.write("garbage")
    try:
        os.remove(path + ".tmp")
    except OSError:
        pass
    assert devbuild.next_boot_count(path) == 0
    # The BOOT event carries it.
    dev, sink = _device("never")
    assert dev.boot_count == 0
    dev2 = app.Device(dev.fs_root, None, None, _HW())
    assert dev2.boot_count == 1
