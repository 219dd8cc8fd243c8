"""Clip slip placement (clipslip.place_slip with ``motion``): a slip made inside a held slouch
of about its size and direction. Both the slouch's onset and the slip are steps the slip's
rotation undoes, and the slouch, read through the new mounting, is near upright, so its
votes placed the slip at the slouch's onset (development seed 3001: 9.8 s early). The slip is
the step whose movement turned the sensor as the mounting changed, with little linear
acceleration; the slouch's onset is a slow bend. The gyro's offset (2.3 deg/s in seed 3001)
is taken from the still rows around each moving stretch: uncorrected, it turns a window by
~1.5 deg and reads as a linear acceleration growing at g * offset. Synthetic rows at 100 Hz;
the old mounting is the identity."""

from __future__ import annotations

import numpy as np
from kyphos.processing import clipslip as cs
from scipy.spatial.transform import Rotation

FS = 100.0
UP = np.array([0.0, 0.0, 1.0])
G = 9.81
OFFSET = np.radians([2.0, -1.0, 1.5])  # the gyro's offset, rad/s
SLIP = (4500, 4540)


def _up(deg: float) -> np.ndarray:
    """Gravity's direction in sensor axes after the sensor turned ``deg`` about sensor y."""
    return np.asarray(Rotation.from_rotvec([0.0, np.radians(deg), 0.0]).inv().apply(UP))


def _probe(i0: int, i1: int, kind: str, up: np.ndarray) -> cs.RefPosture:
    return cs.RefPosture(i0 / FS, (i1 - 1) / FS, kind, up, i0, i1, up, up)


def _session() -> tuple[list[cs.RefPosture], np.ndarray, np.ndarray, np.ndarray]:
    """Stand, walk, stand; a slow slouch of -13.5 deg (2 s); held; the clip slips -10 deg in
    0.4 s; held; the slouch released (2 s); stand: that stand (old 10 deg off, new upright)
    shows the slip."""
    n = 6800
    w = np.zeros((n, 3))  # the sensor's true turn rate, rad/s
    lin = np.zeros((n, 3))
    w[3400:3600, 1] = np.radians(-13.5) / 2.0
    lin[3400:3600, 0] = 0.3 * np.sin(np.linspace(0.0, np.pi, 200))
    w[SLIP[0]:SLIP[1], 1] = np.radians(-10.0) / ((SLIP[1] - SLIP[0]) / FS)
    w[5600:5800, 1] = np.radians(13.5) / 2.0
    lin[5600:5800, 0] = -0.3 * np.sin(np.linspace(0.0, np.pi, 200))
    th = np.cumsum(w, axis=0) / FS
    acc = np.asarray(Rotation.from_rotvec(th).inv().apply(G * UP)) + lin
    probes = [_probe(0, 1000, "standing", UP), _probe(1200, 2200, "walking", UP),
              _probe(2400, 3400, "standing", UP), _probe(3600, 4500, "standing", _up(-13.5)),
              _probe(4600, 5600, "standing", _up(-23.5)),
              _probe(5800, 6800, "standing", _up(-10.0))]
    still = np.zeros(n, bool)
    for p in probes:
        still[p.i0:p.i1] = p.kind != "walking"
    return probes, w + OFFSET, acc, still


def _new_mounting() -> np.ndarray:
    q = Rotation.from_euler("y", -10.0, degrees=True).as_matrix()  # old body -> new body
    return np.asarray(q.T)


def _place(motion: bool) -> tuple[int, int | None]:
    probes, gyr, acc, still = _session()
    mot = (lambda r0, r1: (gyr[r0:r1], acc[r0:r1]), FS) if motion else None
    return cs.place_slip(probes, 0, 5800, np.eye(3), _new_mounting(),
                         {"standing": UP, "walking": UP}, still, mot)


def test_a_slip_inside_a_slouch_goes_to_its_own_turn_not_the_slouchs_onset() -> None:
    j, j1 = _place(motion=True)
    assert SLIP[0] - 5 <= j <= SLIP[0] + 5 and j1 is not None and j1 <= SLIP[1] + 5, (j, j1)
    j0, _ = _place(motion=False)
    assert j0 <= 3600, j0  # the posture votes alone: the slouch's onset


def test_the_gyros_offset_does_not_enter_the_slips_window() -> None:
    """The window over the slip reads as it would with a gyro without offset."""
    probes, gyr, acc, still = _session()
    m_new = _new_mounting()
    got = cs.slip_motion_windows(gyr, acc, FS, 4500, 4600, np.eye(3), m_new, still)
    want = cs.slip_motion_windows(gyr - OFFSET, acc, FS, 4500, 4600, np.eye(3), m_new, still)
    assert got is not None and want is not None
    assert abs(got[2] - want[2]) < 0.05 and abs(got[4] - want[4]) < 0.01, (got, want)
    assert got[4] <= cs.SLIP_MOTION_LIN and got[2] <= cs.SLIP_MOTION_ERR * got[5], got
