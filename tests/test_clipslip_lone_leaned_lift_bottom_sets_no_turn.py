"""Clip slip: a slip's stretch whose only held bend is one lift bottom, with no walk to give a
gait heading, has nothing to tell that bottom's sideways lean from a turn about body z
(validation 31029: one 0.7-s semi-squat bottom leaned -12.4 deg, read 18.7 deg off straight,
turned the re-referenced mounting 18.4 deg; the supine lie 219 s later read +17.4 deg). Where
the bend's direction is one a lift leaned as lifts lean (``clipslip.LIFT_LEAN_DEG``) reads with
no turn, the slip keeps the smallest rotation; a lone bottom that reads like a straight lift
bottom, or like no lean at all, still sets the turn (clipslip._turn_by_held_bends)."""

from __future__ import annotations

import numpy as np
from _slip_session import lying_flexion_error
from kyphos.processing import clipslip as cs
from kyphos.processing.calibration import NOMINAL
from scipy.spatial.transform import Rotation


def _rot(axis: str, deg: float) -> np.ndarray:
    return np.asarray(Rotation.from_euler(axis, deg, degrees=True).as_matrix())


def _deg(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.degrees(np.arccos(np.clip((np.trace(a.T @ b) - 1) / 2, -1.0, 1.0))))


def _bottom(m: np.ndarray, i0: int, flex_deg: float, lean_deg: float,
            held_s: float) -> cs.RefPosture:
    """A still bend from row ``i0`` (1 row a second) held ``held_s``: the trunk flexed
    ``flex_deg`` then bent ``lean_deg`` sideways, gravity seen through the mounting ``m``."""
    f, lat = np.radians(flex_deg), np.radians(lean_deg)
    up_body = np.array([-np.sin(f), np.sin(lat) * np.cos(f), np.cos(lat) * np.cos(f)])
    return cs.RefPosture(float(i0), float(i0 + held_s), "standing", m @ up_body, i0,
                         i0 + max(1, int(held_s)))


def _slip(m0: np.ndarray, after: list[cs.RefPosture], found: np.ndarray) -> np.ndarray:
    before = [_bottom(m0, 100, 50.0, 0.0, 12.0), _bottom(m0, 300, 45.0, 0.0, 1.0)]
    out = cs._turn_by_held_bends([cs.ReReference(10.0, 9.3, "test", found, 1000)],
                                 before + after, m0)
    assert out[0].index == 1000 and out[0].t_s == 10.0
    return out[0].sensor_from_body


def test_one_leaned_lift_bottom_alone_does_not_turn_the_slip() -> None:
    # 31029's shape: a +9.3 deg slip with no turn; after it one 0.7-s lift bottom at 33.6 deg
    # of flexion leaned -12.4 deg (it read as an 18-deg turn before this rule)
    m0 = NOMINAL
    m_true = m0 @ _rot("y", 9.3)
    got = _slip(m0, [_bottom(m_true, 1100, 33.6, -12.4, 0.7)], m_true)
    assert np.array_equal(got, m_true)
    # the same at another flexion and lean of the fit family's range (2012: +12 deg at 60 deg)
    got = _slip(m0, [_bottom(m_true, 1100, 60.0, 12.0, 1.0)], m_true)
    assert np.array_equal(got, m_true)


def test_a_lone_lift_bottom_that_reads_no_lean_still_sets_the_turn() -> None:
    # validation 1009 / 19019: one straight lift bottom after the slip, its 2.5-3 deg turn right
    m0 = NOMINAL
    m_true = m0 @ _rot("y", 10.0) @ _rot("z", 2.9)
    found = m_true @ _rot("z", -2.9)
    got = _slip(m0, [_bottom(m_true, 1100, 31.4, 0.0, 1.0)], found)
    assert _deg(got, m_true) < 0.01
    # near horizontal a lean barely moves the bend's direction (validation 28022: 85.6 deg of
    # tilt, a 2.9-deg turn read 3.35 deg): no lean of 8-18 deg reads so, the turn is taken
    got = _slip(m0, [_bottom(m_true, 1100, 85.0, 0.0, 1.0)], found)
    assert _deg(got, m_true) < 0.01


def test_lift_bottoms_that_agree_or_a_held_bend_still_set_the_turn() -> None:
    m0 = NOMINAL
    m_true = m0 @ _rot("y", 10.0) @ _rot("z", 5.0)
    found = m_true @ _rot("z", -5.0)
    # two lift bottoms agreeing (one group, two votes; validation 12023 / 12030 keep theirs)
    pair = [_bottom(m_true, 1100, 40.0, 0.0, 0.8), _bottom(m_true, 1300, 42.0, 0.0, 0.6)]
    assert _deg(_slip(m0, pair, found), m_true) < 0.01
    # one bend held 6 s (two votes): a task bend, not a lift's bottom
    assert _deg(_slip(m0, [_bottom(m_true, 1100, 40.0, 0.0, 6.0)], found), m_true) < 0.01


def test_the_supine_lie_after_31029s_slip_reads_no_turn() -> None:
    # validation 31029 (development since 3c4d35d): slip at 249.5 s, supine 468.4-503.4 s,
    # read +17.4 deg of flexion (the 18.4-deg turn at the Z-Y-X pole) before this rule
    err = lying_flexion_error(31029, 52.0, 472.0, 500.0)
    assert abs(err) < 2.0, err
