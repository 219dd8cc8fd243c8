"""``find_bends`` computes its candidates' measures, drops, peak tilts and speed bounds in
batches (``kyphos.metrics.lifts._measures`` / ``_drops`` / ``_speeds``, issue 15's speed target): each must equal, to
the bit, what the one-window functions (``vertical_drop``, ``_speed_bounds``) give for that
window — windows of different lengths in one batch, still and moving, windows too short to
batch, a NaN inside a window, and every one of the four ways ``_speed_bounds`` picks a bound."""

from __future__ import annotations

import numpy as np
from kyphos.metrics.lifts import (
    ANGLE_VALID_BELOW_DEG,
    BATCH,
    _drops,
    _measures,
    _signed_peak,
    _speed_bounds,
    _speeds,
    _window_tilt,
    earth_free_acceleration,
    vertical_drop,
)


def _recording(n: int, seed: int) -> tuple[np.ndarray, ...]:
    """Rests with smooth movements between them (so speeds fall quiet and rise again)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / 100.0
    bump = np.sin(2 * np.pi * t / 3.7) ** 8  # moves, then rests
    flex = 0.9 * bump + 0.01 * rng.normal(size=n)
    lat = 0.2 * bump * np.sin(t) + 0.01 * rng.normal(size=n)
    acc = np.column_stack([3 * np.gradient(bump), 0.5 * rng.normal(size=n), 9.81 - np.gradient(bump)])
    acc += 0.05 * rng.normal(size=(n, 3))
    q = np.column_stack([np.cos(flex / 2), np.zeros(n), np.sin(flex / 2), np.zeros(n)])
    az = earth_free_acceleration(q, acc)[:, 2]
    return flex, lat, acc, q, az


def test_batched_drops_and_tilts_equal_one_window_at_a_time() -> None:
    fs = 100.0
    flex, lat, acc, q, az = _recording(40_000, 1)
    az[20_005] = np.nan  # one window with a NaN: no drop (None one by one)
    rng = np.random.default_rng(2)
    m = BATCH + 40  # more than one batch
    i0 = np.sort(rng.integers(100, 39_000, m))
    i1 = i0 + rng.integers(0, 700, m)
    i0[0], i1[0] = 19_990, 20_100  # the NaN window
    i1[1] = i0[1] + 1  # a short one (padded window 62 rows)
    j0, j1 = i0 - 30, i1 + 31
    j0[2], j1[2] = i0[2] - 2, i0[2] + 9  # too short to batch: left to the caller
    pt, drop, net, done = _drops(az, flex, lat, j0, j1, i0, i1, fs)
    assert not done[2] and done[[0, 1, 3]].all()
    assert np.isnan(net[0]) and vertical_drop(az[j0[0]:j1[0]], flex[j0[0]:j1[0]], fs) is None
    checked = 0
    for c in np.flatnonzero(done):
        tilt = _window_tilt(flex, lat, np.arange(j0[c], j1[c]))
        assert pt[c] == np.nanmax(tilt[i0[c] - j0[c] : i1[c] + 1 - j0[c]])
        dz = vertical_drop(az[j0[c]:j1[c]], np.radians(tilt), fs)
        if dz is None:
            assert np.isnan(drop[c]) and np.isnan(net[c])
            continue
        assert (drop[c], net[c]) == dz  # to the bit
        checked += 1
    assert checked >= m - 10  # all but those over the NaN row


def test_batched_speed_bounds_equal_one_window_at_a_time() -> None:
    fs = 100.0
    flex, lat, acc, q, _ = _recording(40_000, 3)
    acc[30_010] = np.nan
    rng = np.random.default_rng(4)
    m = 2 * BATCH + 7
    i0 = np.sort(rng.integers(100, 39_000, m))
    i1 = i0 + rng.integers(0, 500, m)
    i0[0], i1[0] = 29_990, 30_050
    j0, j1 = i0 - 50, i1 + 51
    got = _speeds(None, q, acc, flex, lat, j0, j1, i0, i1, fs)
    e_all = earth_free_acceleration(q, acc)
    assert (got == _speeds(e_all, None, None, flex, lat, j0, j1, i0, i1, fs)).all()
    kinds = set()
    for c in range(m):
        rows = slice(j0[c], j1[c])
        tilt = np.radians(_window_tilt(flex, lat, np.arange(j0[c], j1[c])))
        sb = _speed_bounds(earth_free_acceleration(q[rows], acc[rows]), tilt, fs,
                           int(i0[c] - j0[c]), int(i1[c] - j0[c]))
        if sb is None:
            assert tuple(got[c]) == (-1, -1, -1)
            kinds.add("none")
            continue
        assert tuple(got[c]) == (j0[c] + sb[0], j0[c] + sb[1], j0[c] + sb[2])
        kinds.add(("out" if j0[c] + sb[0] < i0[c] else "in") + "-start")
        kinds.add(("out" if j0[c] + sb[1] > i1[c] else "in") + "-end")
    # every branch of _speed_bounds was taken somewhere (a test that covers them all)
    assert kinds >= {"none", "out-start", "in-start", "out-end", "in-end"}, kinds


def test_batched_measures_equal_one_window_at_a_time() -> None:
    flex, lat, _, _, _ = _recording(30_000, 5)
    rng = np.random.default_rng(6)
    f = np.degrees(flex) * 1.5
    f[rng.integers(0, 30_000, 400)] = 80.0  # past ANGLE_VALID_BELOW_DEG: twist not read there
    v = np.gradient(f) * 100.0
    ax = 0.3 * np.sin(np.arange(30_000) / 70.0) + 0.01 * rng.normal(size=30_000)
    lat = lat.copy()
    lat[rng.integers(0, 30_000, 300)] = np.nan  # NaN in the lateral baselines (sorted last)
    m = BATCH + 30
    i0 = np.sort(rng.integers(200, 29_000, m))
    i1 = i0 + rng.integers(0, 600, m)
    b0 = np.maximum(0, i0 - 100)
    b0[3] = i0[3]  # a one-sample baseline
    f[i0[5] + 2] = np.nan  # a NaN flexion: left to the caller
    peak, ipk, vel, twist, lateral, done = _measures(f, v, lat, ax, i0, i1, b0)
    assert not done[5] and done.sum() >= m - 3
    for c in np.flatnonzero(done):  # what find_bends computed one by one before
        sl = slice(i0[c], i1[c] + 1)
        ok = f[sl] < ANGLE_VALID_BELOW_DEG
        base = np.sort(lat[b0[c] : i0[c] + 1])
        nb = int(np.count_nonzero(np.isfinite(base)))
        med = 0.5 * (base[(nb - 1) // 2] + base[nb // 2]) if nb else np.nan
        assert peak[c] == f[sl].max() and ipk[c] == i0[c] + np.argmax(f[sl])
        assert vel[c] == np.abs(v[sl]).max()
        assert twist[c] == _signed_peak(np.degrees(ax[sl] - ax[i0[c]]), ok)
        assert lateral[c] == _signed_peak(np.degrees(lat[sl] - med), ok)
