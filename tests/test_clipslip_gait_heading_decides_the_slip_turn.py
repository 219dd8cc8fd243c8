"""Clip slip: a lift bottom leaned sideways reads like a turn about body z, and two leaned alike
outvote a straight one (validation 14025: +13° leans set a −8.8° turn against a true +0.8°,
and the supine lie after the slip read +7.2° of flexion). A walk sees the body's fore-aft axis
whatever the trunk's lean at a lift: where walks on both sides of the slip give a gait heading,
it decides among the held-bend groups and no turn (clipslip._turn_by_held_bends)."""

from __future__ import annotations

import numpy as np
from kyphos.processing import clipslip as cs
from kyphos.processing.calibration import NOMINAL
from scipy.spatial.transform import Rotation

FS = 100.0
G = 9.81


def _rot(axis: str, deg: float) -> np.ndarray:
    return np.asarray(Rotation.from_euler(axis, deg, degrees=True).as_matrix())


def _deg(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.degrees(np.arccos(np.clip((np.trace(a.T @ b) - 1) / 2, -1.0, 1.0))))


def _bend(m: np.ndarray, i0: int, flex_deg: float, dir_deg: float,
          held_s: float = 1.0) -> cs.RefPosture:
    """A still forward bend at row ``i0`` held ``held_s`` (a lift bottom: 1 s), bent
    ``flex_deg`` toward ``dir_deg`` about body z, gravity seen through the mounting ``m``."""
    f, d = np.radians(flex_deg), np.radians(dir_deg)
    up_body = np.array([-np.sin(f) * np.cos(d), np.sin(f) * np.sin(d), np.cos(f)])
    return cs.RefPosture(i0 / FS, i0 / FS + held_s, "standing", m @ up_body, i0,
                         i0 + int(held_s * FS))


def _walk_acc(n: int, phase: float) -> np.ndarray:
    """(n, 3) specific force in body axes of an upright walk straight ahead: the bounce and
    the fore-aft surge at the step frequency (1.8 Hz), the side-to-side sway at half of it,
    larger than the surge."""
    t = np.arange(n) / FS
    w = 2 * np.pi * 1.8 * t
    env = np.minimum(1.0, np.minimum(t, t[-1] - t) / 0.6)  # the gait sets in and fades
    return np.column_stack([0.5 * env * np.cos(w + phase), 0.9 * env * np.sin(0.5 * w + 0.3),
                            G + 2.0 * env * np.cos(w)])


class _Recording:
    """Walks written into an (N, 3) specific-force array through the mounting in force, and
    the ``motion`` find_slips passes (rows -> (gyro, specific force)), plus the walk probes."""

    def __init__(self, n: int) -> None:
        self.acc = np.tile([0.0, 0.0, G], (n, 1))
        self.probes: list[cs.RefPosture] = []

    def walk(self, m: np.ndarray, i0: int, n: int, phase: float) -> None:
        self.acc[i0:i0 + n] = _walk_acc(n, phase) @ m.T  # sensor = m @ body
        up = m @ np.array([0.0, 0.0, 1.0])
        self.probes.append(cs.RefPosture(i0 / FS, (i0 + n) / FS, "walking", up, i0, i0 + n))

    @property
    def motion(self) -> cs.Motion:
        return (lambda r0, r1: (np.zeros((r1 - r0, 3)), self.acc[r0:r1]), FS)


def test_gait_dir_reads_the_fore_aft_axis_not_the_larger_sway() -> None:
    m = NOMINAL @ _rot("y", 8.0) @ _rot("z", 4.0)  # a clip tipped and turned 4° about body z
    acc = _walk_acc(800, 0.7) @ m.T
    up = m @ np.array([0.0, 0.0, 1.0])
    # through the true mounting the walk is straight ahead; through one turned back by 4° it
    # reads the turn as a held bend straight ahead would (_bend_dirs' sign)
    assert abs(cs.gait_dir(acc, up, m, FS)[0]) < 0.2
    bend = cs._bend_dirs([_bend(m, 0, 45.0, 0.0, 5.0)], 0, 1, m @ _rot("z", -4.0))
    assert abs(bend[0] + 4.0) < 1e-6
    assert abs(cs.gait_dir(acc, up, m @ _rot("z", -4.0), FS)[0] - bend[0]) < 0.2


def test_a_gait_heading_keeps_two_leaned_lift_bottoms_from_turning_the_slip() -> None:
    m0 = NOMINAL
    m_true = m0 @ _rot("y", 10.0) @ _rot("z", 0.8)  # the clip tipped, turned 0.8° about z
    found = m_true @ _rot("z", -0.8)  # what upright gravity gives: the smallest rotation
    rec = _Recording(40000)
    rec.walk(m0, 2000, 1500, 0.4)
    rec.walk(m_true, 25000, 1200, 1.9)
    # before the slip: task bends held straight; after it: two lift bottoms leaned alike
    # (reading +9.6 and +7.9°, as 14025's) outvote one straight one
    probes = [_bend(m0, 500, 50.0, 0.0, 12.0), _bend(m0, 5000, 45.0, 0.0, 12.0),
              _bend(m_true, 21000, 52.0, 9.6), _bend(m_true, 22000, 58.0, 7.9),
              _bend(m_true, 23000, 51.0, 0.1)] + rec.probes
    rr = [cs.ReReference(200.0, 10.0, "test", found, 20000)]
    without = cs._turn_by_held_bends(rr, probes, m0)
    assert _deg(without[0].sensor_from_body, m_true) > 7.0  # the leaned pair's 8.8° turn
    out = cs._turn_by_held_bends(rr, probes, m0, rec.motion)
    assert _deg(out[0].sensor_from_body, m_true) < 0.2  # the straight lift bottom's turn
    assert out[0].index == 20000 and out[0].t_s == 200.0


def test_a_gait_heading_leaves_a_lone_leaned_lift_bottom_without_a_turn() -> None:
    # validation 2012 / 2029's kind: every held bend after the slip is a leaned lift bottom
    # (leaned 6 deg here, less than clipslip.LIFT_LEAN_DEG: without a gait heading it turns)
    m0 = NOMINAL
    m_true = m0 @ _rot("y", -11.0)
    rec = _Recording(40000)
    rec.walk(m0, 2000, 1500, 2.5)
    rec.walk(m_true, 25000, 1500, 0.2)
    probes = [_bend(m0, 500, 50.0, 0.3, 12.0), _bend(m_true, 21000, 55.0, -4.5)] + rec.probes
    rr = [cs.ReReference(200.0, 11.0, "test", m_true, 20000)]
    assert _deg(cs._turn_by_held_bends(rr, probes, m0)[0].sensor_from_body, m_true) > 4.5
    out = cs._turn_by_held_bends(rr, probes, m0, rec.motion)
    assert np.array_equal(out[0].sensor_from_body, m_true)


def test_a_gait_heading_that_agrees_keeps_the_held_bends_turn() -> None:
    m0 = NOMINAL
    m_true = m0 @ _rot("y", 10.0) @ _rot("z", 3.0)
    found = m_true @ _rot("z", -3.0)
    rec = _Recording(40000)
    rec.walk(m0, 2000, 1500, 1.0)
    rec.walk(m_true, 25000, 1500, 1.0)
    probes = [_bend(m0, 500, 50.0, 0.5, 12.0), _bend(m_true, 21000, 45.0, 0.5, 12.0)] \
        + rec.probes
    rr = [cs.ReReference(200.0, 10.0, "test", found, 20000)]
    out = cs._turn_by_held_bends(rr, probes, m0, rec.motion)
    assert _deg(out[0].sensor_from_body, m_true) < 0.01  # the held bend's exact turn
