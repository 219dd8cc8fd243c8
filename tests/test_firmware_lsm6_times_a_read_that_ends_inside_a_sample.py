"""lsm6.py (LSM6DSOX, tagged FIFO): a read can end between the words of one sample — after an
overrun the FIFO drops its oldest *words* (continuous mode), so its head need not be a
timestamp word — and the timestamp word of that unfinished sample must not time the read's
newest sample. It did: the read's samples were stamped one period late and the next frame
started a period "before" the previous one ended, an unflagged gap in device time (found by
tests/test_ble_stream_on_nimble_loses_no_sample_silently.py, its stalled-loop case, on the MicroPython runtime)."""

from __future__ import annotations


def test_reads_after_an_overrun_tile_device_time(dsox_imu):
    _imu, _chip, clock, dev, buf = dsox_imu  # read once: the timing reference
    # Past the FIFO's 512 words (3 per sample): continuous mode drops the oldest words, and
    # 512 is no multiple of 3, so the FIFO's head is no longer a timestamp word.
    clock.advance_us(2_000_000)
    period_us = dev.period_ns / 1000
    reads = []
    while (n := dev.read(buf)) > 0:  # MAX_BATCH samples at most each: the FIFO's backlog
        reads.append((dev.t_first_us, n))
        clock.advance_us(1000)
    assert len(reads) >= 2 and dev.lost is False
    for (t0, n0), (t1, _n1) in zip(reads, reads[1:], strict=False):
        gap_us = (t1 - t0) - n0 * period_us
        assert abs(gap_us) < 0.5 * period_us, (gap_us, reads)
