"""Clock fit (offset + drift through one-sided delays) and the per-epoch seq tracker."""

from __future__ import annotations

import numpy as np
from kyphos.link.timesync import ClockFit, unwrap_t_us
from kyphos.link.tracker import Epoch


def test_clock_fit_recovers_offset_and_drift_through_stalls():
    rng = np.random.default_rng(3)
    dev = np.arange(0, 600e6, 50_000.0)  # 10 min of frames every 50 ms, device µs
    drift_ppm, offset = 42.0, 1.7e15
    delay = rng.exponential(8_000, dev.size) + 20_000  # ≥ 20 ms, one-sided
    stall = (dev > 200e6) & (dev < 230e6)
    delay[stall] += 1.5e6 * rng.random(stall.sum())  # a 30 s stretch of backlog
    host = offset + dev * (1 + drift_ppm * 1e-6) + delay
    fit = ClockFit()
    for d, h in zip(dev, host, strict=True):
        fit.add(int(d), int(h))
    fit.refit()
    assert abs(fit.drift_ppm - drift_ppm) < 2.0
    # The lower envelope: the offset is the least delay (20 ms), not the mean.
    assert abs(fit.offset_us - (offset + 20_000)) < 2_000


def test_clock_fit_with_two_points_is_rate_one():
    fit = ClockFit()
    fit.add(0, 1000)
    fit.add(1_000_000, 1_001_500)
    assert fit.slope == 1.0 and abs(fit.to_host(0) - 1250) < 1e-6  # median residual


def test_unwrap_t_us_crosses_the_32_bit_wrap():
    t = unwrap_t_us(None, 0xFFFF_FF00)
    assert unwrap_t_us(t, 0x100) == 0xFFFF_FF00 + 0x200
    assert unwrap_t_us(t, 0xFFFF_FE00) == t - 0x100  # a small step back is not a wrap


def test_tracker_finds_gaps_fills_them_and_drops_duplicates():
    ep = Epoch(0)
    for seq in (10, 11, 12, 16, 17):
        assert ep.accept(seq, seq * 1000)[0]
    assert [(g.first, g.end) for g in ep.gaps] == [(13, 16)]
    assert ep.gaps[0].t_before == 12_000 and ep.gaps[0].t_after == 16_000
    assert not ep.accept(11, 11_000)[0] and ep.duplicates == 1
    assert ep.fill(14) and [(g.first, g.end) for g in ep.gaps] == [(13, 14), (15, 16)]
    assert ep.fill(13) and ep.fill(15) and not ep.gaps and ep.missing() == 0
    assert not ep.fill(15)
    assert ep.expected() == 8


def test_tracker_unwraps_seq_across_65535():
    ep = Epoch(0)
    ep.accept(65534, 0)
    ep.accept(65535, 1)
    new, s, _ = ep.accept(1, 2)
    assert new and s == 65537 and [(g.first, g.end) for g in ep.gaps] == [(65536, 65537)]


def test_new_epoch_after_reboot_counts_its_start_as_missing():
    ep = Epoch(1, start_at=0)
    ep.accept(16, 700_000)
    assert [(g.first, g.end, g.t_before, g.t_after) for g in ep.gaps] == [(0, 16, 0, 700_000)]
