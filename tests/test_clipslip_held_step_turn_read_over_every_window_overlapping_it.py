"""Clip slip placement: a step between two held postures is overridden by the slip's own turn
elsewhere only when its own movement never turned the sensor as the slip does
(``clipslip._turns_as_slip``). That is read over every window that overlaps the movement: a
clip turn larger than the mounting change (12 deg for 7) matches only in a window that begins
inside the turn, and in a short stretch that window can start after the last one the
stretch's own reading has (development seed 12015: a slip inside a standing slouch whose gyro
turned 9.7 deg for a 6.7-deg change, 0.3 s before the still posture after it; read over the
stretch alone it missed by 0.40 of the change, and the slouch's end, 38 s later, took the
slip). A stretch with no such turn still reads as not turning. Synthetic rows at 100 Hz."""

from __future__ import annotations

import numpy as np
from kyphos.processing import clipslip as cs
from scipy.spatial.transform import Rotation

FS = 100.0
G0, G1 = 1000, 1040  # the moving stretch between the two held postures (rows)


def _turns(turn_deg: float, at: int) -> bool:
    n = 2400
    w = np.zeros((n, 3))
    w[at:at + 20, 1] = np.radians(turn_deg) / 0.2  # the clip turns in 0.2 s, the trunk stays
    th = np.cumsum(w, axis=0) / FS
    acc = np.asarray(Rotation.from_rotvec(th).inv().apply([0.0, 0.0, 9.81]))
    m_new = Rotation.from_euler("y", 7.0, degrees=True).as_matrix().T
    return cs._turns_as_slip((lambda r0, r1: (w[r0:r1], acc[r0:r1]), FS), G0, G1, np.eye(3),
                             m_new, None)


def test_a_larger_turn_starting_late_in_the_stretch_turns_as_the_slip() -> None:
    # the stretch's own reading has windows starting at G0 - 30 .. G1 - 30 = 970 .. 1010: each
    # holds the whole 12-deg turn (rows 1010-1030; 5 deg off the 7-deg change, 0.71 of it);
    # a window starting at 1015 holds 9 deg of it (0.29 of the change)
    assert _turns(12.0, 1010)


def test_a_stretch_without_the_slips_turn_does_not() -> None:
    assert not _turns(0.0, 1010)
    assert not _turns(-12.0, 1010)  # the other way
