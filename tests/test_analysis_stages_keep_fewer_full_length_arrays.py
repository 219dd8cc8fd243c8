"""The 8-hour analysis spends much of its time beyond VQF in the kernel, zeroing the pages of
fresh full-length arrays. These stages hold fewer of them at once, with the same results to the
bit: the posture counts block by block, the unwrap of the heading with two arrays, the trunk
angles' smoothed angles freed one by one, the interval mask summed in int32, and the flexion
in degrees made once for the bends and the posture metrics."""

from __future__ import annotations

import numpy as np
import pytest
from _peak_memory import peak_bytes
from kyphos.metrics import posture
from kyphos.metrics.lifts import find_bends
from kyphos.metrics.posture import posture_counts, posture_metrics, reba_trunk_score
from kyphos.processing.angles import Angles, _unwrap, trunk_angles
from kyphos.processing.preprocess import _in_intervals_bisect, in_intervals


def _angles(n: int, seed: int, invalid: bool) -> Angles:
    rng = np.random.default_rng(seed)
    f, la, ax = (rng.uniform(-1.8, 1.8, n), rng.uniform(-0.6, 0.6, n),
                 rng.uniform(-0.5, 0.5, n))
    valid = np.ones(n, bool)
    if invalid:
        valid = rng.random(n) > 0.1
        f[rng.random(n) < 0.05] = np.nan
        ax[rng.random(n) < 0.05] = np.nan
    v = rng.normal(0.0, 1.0, n)
    return Angles(np.arange(n) / 104.0, f, la, ax, v, v, v, valid, fs=104.0)


def _counts_at_once(a: Angles) -> dict[str, int]:
    """The counts over all rows at once (full-length degrees and masks)."""
    v = a.valid & np.isfinite(a.flexion)
    fv, lav, axv = np.degrees(a.flexion[v]), np.degrees(a.lateral[v]), np.degrees(a.axial[v])
    lv = np.abs(lav)
    out = {
        "zone:extension": fv < posture.EXTENSION_DEG,
        "zone:0_20": (fv >= posture.EXTENSION_DEG) & (fv <= 20.0),
        "zone:20_60": (fv > 20.0) & (fv <= 60.0),
        "zone:over_60": fv > 60.0,
        "lateral:within_10": lv <= 10.0,
        "lateral:10_20": (lv > 10.0) & (lv <= 20.0),
        "lateral:over_20": lv > 20.0,
    }
    counts = {k: int(np.count_nonzero(m)) for k, m in out.items()}
    reba = reba_trunk_score(fv, lav, axv)
    counts.update({f"reba:{k}": int(np.count_nonzero(reba == k)) for k in range(1, 6)})
    counts["n"] = int(np.count_nonzero(v))
    return counts


@pytest.mark.parametrize("n", [0, 1, 7, posture._COUNT_BLOCK, 3 * posture._COUNT_BLOCK + 11])
@pytest.mark.parametrize("invalid", [False, True])
def test_posture_counts_by_block_equal_all_rows_at_once(n: int, invalid: bool) -> None:
    a = _angles(n, n, invalid)
    got = posture_counts(a)
    assert got == _counts_at_once(a) and list(got) == list(_counts_at_once(a))


def test_posture_counts_hold_no_full_length_degrees() -> None:
    n = 20 * posture._COUNT_BLOCK
    a = _angles(n, 1, False)
    _, peak = peak_bytes(lambda: posture_counts(a))
    # all rows at once: three float (N,) in degrees and their masks, ~6 x 8 N
    assert peak < 8 * n


def test_unwrap_with_two_arrays_equals_numpy() -> None:
    rng = np.random.default_rng(5)
    n = 300_000
    y = np.angle(np.exp(1j * np.cumsum(rng.normal(0.0, 0.3, n))))
    y[[0, 5, 9]] = -0.0  # -0.0 + 0.0 is +0.0: the corrections are added everywhere
    y[100:104] = [np.pi, -np.pi, np.nan, 0.0]
    got, peak = peak_bytes(lambda: _unwrap(y))
    want = np.unwrap(y)
    assert np.array_equal(got, want, equal_nan=True)
    assert np.array_equal(np.signbit(got), np.signbit(want))
    assert peak < 2.5 * 8 * n  # the steps and the result; before: five full-length arrays


def test_trunk_angles_free_each_smoothed_angle() -> None:
    n = 400_000
    rng = np.random.default_rng(2)
    q = rng.normal(size=(n, 4))
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    t = np.arange(n) / 104.0
    a, peak = peak_bytes(lambda: trunk_angles(t, q, np.eye(3), 104.0))
    assert np.isfinite(a.flexion_velocity).all()
    # six (N,) results, one angle or temporary at a time beside them (three smoothed angles
    # and the unwrap's arrays on top before: ~10 x 8 N)
    assert peak < 8.5 * 8 * n


def test_interval_mask_summed_in_int32() -> None:
    n = 1_000_000
    t = np.arange(n) / 104.0
    t[[10, 5000]] = np.nan
    iv = np.array([[1.0, 2.0], [1.5, 30.0], [500.0, 600.25], [9000.0, 9000.0]])
    got, peak = peak_bytes(lambda: in_intervals(t, iv))
    assert np.array_equal(got, _in_intervals_bisect(t, iv, 0.0))
    # the mask, its int32 depths and the NaN-filled time axis; an int64 running sum on top of
    # those was 3.6 x 8 N
    assert peak < 2.5 * 8 * n


def test_flexion_degrees_given_equal_made_inside() -> None:
    rng = np.random.default_rng(3)
    n = 40_000
    t = np.arange(n) / 104.0
    bend = np.radians(70.0) * np.clip(np.sin(2 * np.pi * t / 12.0), 0.0, None) ** 4
    flex = bend + rng.normal(0.0, 0.01, n)
    valid = np.ones(n, bool)
    valid[[1000, 20000]] = False
    flex[~valid] = np.nan
    vel = np.gradient(flex, 1 / 104.0)
    zero = np.zeros(n)
    a = Angles(t, flex, zero, zero, vel, zero, zero, valid, fs=104.0)
    f_deg = np.degrees(np.where(a.valid, a.flexion, np.nan))
    lifts = find_bends(a)
    assert lifts and repr(find_bends(a, flex_deg=f_deg)) == repr(lifts)
    sitting = t > 200.0
    for kw in ({}, {"sitting": sitting, "still": np.ones(n, bool)}):
        assert repr(posture_metrics(a, flex_deg=f_deg, **kw)) == repr(posture_metrics(a, **kw))


def test_vertical_acceleration_by_block_equals_all_rows_at_once() -> None:
    from kyphos.processing.angles import _BLOCK, vertical_acceleration

    n = 20 * _BLOCK + 1
    rng = np.random.default_rng(6)
    q = rng.normal(size=(n, 4))
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    acc = rng.normal(size=(n, 3)) * 5.0
    acc[[3, 70_000]] = 0.0  # masked rows: NaN
    q[9] = np.nan
    w, x, y, z = q.T
    want = (2 * (x * z - w * y) * acc[:, 0] + 2 * (y * z + w * x) * acc[:, 1]
            + (1 - 2 * (x * x + y * y)) * acc[:, 2] - 9.81)
    want[np.all(acc == 0, axis=1)] = np.nan
    got, peak = peak_bytes(lambda: vertical_acceleration(q, acc))
    assert np.array_equal(got, want, equal_nan=True)
    assert peak < 1.5 * 8 * n  # the result and block scratch; before: three (N,) arrays


def test_heading_turn_in_place_equals_a_new_array() -> None:
    from kyphos.processing.orientation import _BLOCK, _rotate_earth

    n = 10 * _BLOCK + 7
    rng = np.random.default_rng(7)
    q = rng.normal(size=(n, 4))
    turn = np.array([np.cos(0.4), 0.0, 0.0, np.sin(0.4)])
    w1, z1 = turn[0], turn[3]
    w2, x2, y2, z2 = q.T
    want = np.column_stack([w1 * w2 - z1 * z2, w1 * x2 - z1 * y2, w1 * y2 + z1 * x2,
                            w1 * z2 + z1 * w2])
    assert np.array_equal(_rotate_earth(turn, q), want)
    got, peak = peak_bytes(lambda: _rotate_earth(turn, q, out=q))
    assert got is q and np.array_equal(q, want)
    assert peak < 8 * n  # block scratch only; a new (N, 4) result is 4 x 8 N
