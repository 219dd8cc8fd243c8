"""An upright-trunk squat (trunk below ``MIN_PEAK_DEG``, so only the height rule finds it)
followed by a stoop with no still pause between them: the activity makes them one height
excursion. Old behaviour this pins down (validation 13000 and 13008, docs/accuracy.md section 7
SQUAT): ``find_bends`` dropped a height excursion that overlapped any flexion span, so the
squat was lost; the lowering-and-rising outside the flexion spans is now a candidate of its own.
A stoop alone in its excursion still gives one lift.
"""

from __future__ import annotations

import numpy as np
from kyphos.metrics.lifts import MIN_PEAK_DEG, find_bends
from kyphos.processing.activity import KINDS, Activity
from kyphos.processing.angles import Angles

FS = 104.0


def _bump(t: np.ndarray, t0: float, t1: float) -> np.ndarray:
    """0 outside [t0, t1], a raised-cosine to 1 in the middle."""
    x = np.clip((t - t0) / (t1 - t0), 0.0, 1.0)
    return 0.5 - 0.5 * np.cos(2 * np.pi * x)


def _bends(squat: bool) -> list:
    t = np.arange(int(20 * FS)) / FS
    flex = np.radians(80.0) * _bump(t, 9.0, 11.5)  # a stoop
    height = -0.45 * _bump(t, 9.0, 11.5)
    if squat:  # an upright squat just before it: 15° of trunk, hips down 0.4 m
        flex += np.radians(15.0) * _bump(t, 5.0, 7.0)
        height += -0.4 * _bump(t, 5.0, 7.0)
    z = np.zeros_like(t)
    ang = Angles(t, flex, z, z, np.gradient(flex, 1 / FS), z, z, np.ones(len(t), bool), fs=FS)
    still = (t < 4.9) | (t > 11.6)
    a = int(np.flatnonzero(~still)[0])
    b = int(np.flatnonzero(~still)[-1]) + 1
    act = Activity(t, np.full(len(t), KINDS.index("standing"), np.int8), still, height,
                   np.gradient(height, 1 / FS), np.zeros(0),
                   excursions=[(a, b, 0.45)], fs=FS)
    return find_bends(ang, activity=act)


def test_an_upright_squat_joined_to_a_stoop_is_a_lift_of_its_own() -> None:
    assert 15.0 < MIN_PEAK_DEG  # only the height rule can find the squat
    bends = _bends(squat=True)
    assert [b.found_by for b in bends] == ["height", "both"], bends  # the stoop holds the low
    sq, st = bends
    assert 4.8 < sq.start_s < 5.3 and 6.7 < sq.end_s < 7.2, sq
    assert sq.drop_m is not None and abs(sq.drop_m - 0.4) < 0.01
    assert st.peak_flexion_deg > 79.0


def test_a_stoop_alone_in_its_excursion_is_one_lift() -> None:
    bends = _bends(squat=False)
    assert len(bends) == 1 and bends[0].peak_flexion_deg > 79.0, bends


def test_an_upright_squat_tipping_past_the_flexion_threshold_at_the_bottom_is_a_lift() -> None:
    # validation 13010: the trunk stays at 15° while the hips go down 0.4 m, then tips to 24°
    # (past MIN_PEAK_DEG) at the bottom and comes back up with the rise. The flexion span then
    # starts with the sensor down, and the net-rise check took the squat for a stand-up.
    t = np.arange(int(20 * FS)) / FS
    x = np.clip((t - 5.0) / 1.0, 0.0, 1.0)
    down = 0.5 - 0.5 * np.cos(np.pi * x)  # 0 -> 1 over 5-6 s
    up = 0.5 - 0.5 * np.cos(np.pi * np.clip((t - 7.5) / 0.8, 0.0, 1.0))  # 1 -> 0 over 7.5-8.3 s
    height = -0.4 * down * (1 - up)
    tip = np.clip((t - 6.3) / 0.5, 0.0, 1.0) * (1 - up)  # 15° -> 24° at the bottom
    flex = np.radians(15.0 * down * (1 - up) + 9.0 * 0.5 * (1 - np.cos(np.pi * tip)))
    z = np.zeros_like(t)
    ang = Angles(t, flex, z, z, np.gradient(flex, 1 / FS), z, z, np.ones(len(t), bool), fs=FS)
    still = (t < 4.9) | (t > 8.4)
    idx = np.flatnonzero(~still)
    act = Activity(t, np.full(len(t), KINDS.index("standing"), np.int8), still, height,
                   np.gradient(height, 1 / FS), np.zeros(0),
                   excursions=[(int(idx[0]), int(idx[-1]) + 1, 0.4)], fs=FS)
    az = np.gradient(np.gradient(height, 1 / FS), 1 / FS)  # earth-vertical acceleration
    (lf,) = find_bends(ang, az, activity=act)
    assert lf.peak_flexion_deg > MIN_PEAK_DEG
    assert abs(lf.start_s - 5.0) < 0.3 and abs(lf.end_s - 8.3) < 0.3, lf
