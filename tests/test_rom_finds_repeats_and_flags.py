"""ROM segmentation: repeats, hold, range and the inconsistency rule on synthetic traces."""

from __future__ import annotations

import numpy as np
from kyphos.metrics.rom import find_repeats, summarise


def _trace(amps, fs=100.0, move=1.5, hold=2.0, gap=2.0):
    parts = [np.zeros(int(2 * fs))]
    for a in amps:
        tau = np.linspace(0, 1, int(move * fs))
        mj = 10 * tau**3 - 15 * tau**4 + 6 * tau**5
        parts += [a * mj, np.full(int(hold * fs), a), a * mj[::-1], np.zeros(int(gap * fs))]
    x = np.concatenate(parts)
    return np.arange(len(x)) / fs, x


def test_three_repeats_with_range_and_hold():
    t, x = _trace([40, 40, 40])
    reps = find_repeats(t, x, 100.0)
    assert len(reps) == 3
    for r in reps:
        assert abs(r.rom_deg - 40) < 0.5
        assert abs(r.hold_s - 2.0) < 0.2
        assert abs(r.out_s - 1.5) < 0.2


def test_inconsistent_repeat_is_flagged():
    t, x = _trace([40, 40, 28])
    s = summarise("flexion", find_repeats(t, x, 100.0))
    assert s.inconsistent == [2] and s.flagged
    t, x = _trace([40, 41, 39])
    assert not summarise("flexion", find_repeats(t, x, 100.0)).flagged


def test_small_wobble_is_not_a_repeat():
    t, x = _trace([3.0, 40])
    assert len(find_repeats(t, x, 100.0)) == 1
