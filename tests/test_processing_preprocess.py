"""Preprocessing: gaps are bridged only up to the limit, jitter is resampled, vibration masked,
filters pass posture and remove noise, and the causal filter is chunk-invariant."""

from __future__ import annotations

import numpy as np
import pytest
from kyphos.processing.preprocess import (
    MAX_BRIDGE_S,
    CausalLowpass,
    haptic_intervals,
    in_intervals,
    lowpass,
    lowpass_sos,
    prepare,
)
from kyphos.session import EVENT_DTYPE
from scipy import signal

FS = 104.0


def _still(n: int, fs: float = FS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    t = np.arange(n) / fs
    acc = np.tile([9.81, 0.0, 0.0], (n, 1))
    gyr = np.zeros((n, 3))
    return t, acc, gyr


def test_long_gap_is_not_interpolated_and_is_marked() -> None:
    t, acc, gyr = _still(2000)
    keep = np.ones(len(t), bool)
    keep[1000:1100] = False  # ~0.96 s missing, far above the bridge limit
    p = prepare(t[keep], acc[keep], gyr[keep], FS)
    assert len(p.segments) == 2
    assert p.gaps.shape == (1, 2)
    assert p.gaps[0, 0] == pytest.approx(t[999])
    assert p.gaps[0, 1] == pytest.approx(t[1100])
    sep = np.flatnonzero(~p.valid)
    assert len(sep) == 1 and np.isnan(p.time[sep[0]])
    # no invented samples inside the gap
    inside = (p.time > t[999] + 1e-9) & (p.time < t[1100] - 1e-9)
    assert not np.any(inside)


def test_short_gap_is_bridged_on_the_grid() -> None:
    t, acc, gyr = _still(500)
    acc[:, 1] = np.linspace(0, 1, 500)
    keep = np.ones(len(t), bool)
    keep[200:205] = False  # 5 samples ≈ 48 ms < MAX_BRIDGE_S
    assert 6 / FS < MAX_BRIDGE_S
    p = prepare(t[keep], acc[keep], gyr[keep], FS, cutoff_hz=None)
    assert len(p.segments) == 1 and len(p.gaps) == 0
    assert len(p.time) == 500
    np.testing.assert_allclose(np.diff(p.time), 1 / FS, rtol=1e-9)
    np.testing.assert_allclose(p.acc[:, 1], acc[:, 1], atol=1e-9)  # linear → exact


def test_jittered_timestamps_are_resampled_to_a_uniform_grid() -> None:
    rng = np.random.default_rng(1)
    n = 1000
    t = np.arange(n) / FS + rng.uniform(-0.3, 0.3, n) / FS
    t.sort()
    acc = np.column_stack([np.full(n, 9.81), np.sin(2 * np.pi * 0.5 * t), np.zeros(n)])
    p = prepare(t, acc, np.zeros((n, 3)), FS, cutoff_hz=None)
    np.testing.assert_allclose(np.diff(p.time), 1 / FS, rtol=1e-9)
    np.testing.assert_allclose(p.acc[:, 1], np.sin(2 * np.pi * 0.5 * p.time), atol=0.01)


def test_uniform_device_clock_is_kept_as_is() -> None:
    t, acc, gyr = _still(3000)
    t = t * (1 + 2e-5)  # device clock 20 ppm fast: still uniform
    p = prepare(t, acc, gyr, FS, cutoff_hz=None)
    np.testing.assert_array_equal(p.time, t)


def test_vibration_samples_have_their_acc_masked() -> None:
    t, acc, gyr = _still(1000)
    hap = (t > 3.0) & (t < 4.0)
    p = prepare(t, acc, gyr, FS, haptic=hap, mask_pad_s=0.05)
    assert np.all(p.acc[p.masked] == 0.0)
    assert np.all(p.masked[(p.time > 3.0) & (p.time < 4.0)])
    assert not np.any(p.masked[(p.time < 2.9) | (p.time > 4.1)])


def test_haptic_events_become_intervals() -> None:
    ev = np.zeros(3, EVENT_DTYPE)
    ev["time"] = [1.0, 2.0, 5.0]
    ev["kind"] = [4, 5, 4]
    iv = haptic_intervals(ev, end_time=9.0)
    np.testing.assert_allclose(iv, [[1.0, 2.0], [5.0, 9.0]])
    m = in_intervals(np.array([0.5, 1.5, 3.0, 6.0]), iv)
    assert m.tolist() == [False, True, False, True]


def test_lowpass_keeps_posture_and_removes_noise() -> None:
    t = np.arange(4000) / FS
    slow = np.sin(2 * np.pi * 0.3 * t)
    fast = 0.5 * np.sin(2 * np.pi * 40 * t)
    y = lowpass(slow + fast, FS, 5.0)
    assert np.max(np.abs(y - slow)[200:-200]) < 0.01


def test_causal_lowpass_is_chunk_invariant_and_matches_sosfilt() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(777, 3)) + 5.0
    whole = CausalLowpass(FS, 5.0, 3)(x)
    f = CausalLowpass(FS, 5.0, 3)
    parts = np.concatenate([f(x[i : i + 13]) for i in range(0, len(x), 13)])
    np.testing.assert_allclose(parts, whole, atol=1e-12)
    sos = lowpass_sos(FS, 5.0)
    zi = signal.sosfilt_zi(sos)[:, :, None] * x[0][None, None, :]
    ref, _ = signal.sosfilt(sos, x, axis=0, zi=zi)
    np.testing.assert_allclose(whole, ref, atol=1e-12)
    # a constant input passes unchanged from the first sample on
    c = CausalLowpass(FS, 5.0, 3)(np.tile([1.0, 2.0, 3.0], (50, 1)))
    np.testing.assert_allclose(c, np.tile([1.0, 2.0, 3.0], (50, 1)), atol=1e-12)


def test_in_intervals_treats_nan_times_as_outside_like_minus_inf() -> None:
    rng = np.random.default_rng(1)
    t = np.sort(rng.uniform(0, 100, 2000))
    t[::37] = np.nan
    for iv in (np.array([[1.0, 2.0], [50.0, 60.0], [5.0, 70.0]]), np.array([[0.0, 100.0]])):
        for pad in (0.0, 0.5):
            got = in_intervals(t, iv, pad)
            assert not got[::37].any()
            np.testing.assert_array_equal(got, in_intervals(np.nan_to_num(t, nan=-np.inf), iv, pad))


def test_prepare_fast_path_for_increasing_time_equals_the_sorting_path() -> None:
    """Strictly increasing time skips the sort and de-duplication; the result is the same as
    when the same samples arrive shuffled with a duplicated row (the sorting path)."""
    rng = np.random.default_rng(2)
    n = 3000
    t = np.arange(n) / FS
    acc = rng.normal(0, 1, (n, 3)) + [9.81, 0, 0]
    gyr = rng.normal(0, 0.1, (n, 3))
    hap = np.zeros(n, bool)
    hap[1000:1100] = True
    ref = prepare(t, acc, gyr, FS, haptic=hap)
    perm = rng.permutation(n)
    dup = np.r_[perm, perm[:1]]
    got = prepare(t[dup], acc[dup], gyr[dup], FS, haptic=hap[dup])
    for name in ("time", "acc", "gyr", "valid", "masked", "segments"):
        np.testing.assert_array_equal(getattr(got, name), getattr(ref, name))
    assert ref.masked.sum() > 100  # the vibration mask is applied on the fast path
    assert not prepare(t, acc, gyr, FS).masked.any()  # and empty without vibration
    assert np.all(ref.acc[ref.masked] == 0.0)
