"""Clip slip placement: when the best held step is the step out of the sit after a lie (the rise
to a stand; the activity rule calls that sit standing, and it casts no vote), and the get-up
into that sit is in the walks' and stands' tie, the movement whose best window turns the sensor
more nearly as the slip does, and with less linear acceleration, is where the clip turned (RISE:
development seed 31003, a slip at the end of the get-up from a lie; the sit after it leaned back
6 deg, nearly cancelling the slip in the old mounting, and the rise took the slip 4.0 s late;
the get-up's window read 0.02 of the change at 0.26 m/s^2, the rise's 0.06 at 3.14). A slip
made in the rise keeps its place there (HELDSTEP2's variant D took the get-up whenever it was
tied and moved 6027, 14011, 15002 @104 6-8 s early). The same where no held step leads and the
tie holds both movements, before the detrended reading (development seed 24025: the get-up's
window 0.01 of the change at 0.20 m/s^2, the rise's 0.11 at 1.81; detrended 0.14 against 0.11,
the rise took the slip 7.7 s late).
Synthetic rows at 100 Hz: stands and a walk upright in the old mounting, a lie, the sit after
it (upright in the old mounting, or leaning back 6 deg: no held step), the rise, the stand that
shows a 10-deg slip."""

from __future__ import annotations

import numpy as np
from kyphos.processing import clipslip as cs
from scipy.spatial.transform import Rotation

FS = 100.0
UP = np.array([0.0, 0.0, 1.0])
N = 6400
U0, U1 = 4000, 4300  # the get-up: from the lie to the sit after it (rows)
R0, R1 = 4700, 5000  # the rise: from that sit to the stand that shows the slip
UP_TURN, RISE_TURN = 4150, 4850  # rows where something turns, over 20 rows


def _tilt(deg: float) -> np.ndarray:
    return np.asarray(Rotation.from_euler("y", deg, degrees=True).apply(UP))


def _probe(i0: int, i1: int, kind: str, deg: float) -> cs.RefPosture:
    u = _tilt(deg)
    return cs.RefPosture(i0 / FS, (i1 - 1) / FS, kind, u, i0, i1, u, u)


def _place(slip_in_get_up: bool, held: bool = True) -> tuple[int, int | None]:
    m_new = Rotation.from_euler("y", 10.0, degrees=True).as_matrix()  # m_old: the identity
    want = cs._wanted_turn(np.eye(3), m_new)
    w = np.zeros((N, 3))
    # the slip's turn in one movement; in the other the trunk turns part of it (a sit-to-stand
    # or get-up holds windows that turn about the slip's axis)
    part = 0.8 if held else 0.97
    w[UP_TURN:UP_TURN + 20] = (1.0 if slip_in_get_up else part) * want / 0.2
    w[RISE_TURN:RISE_TURN + 20] = (part if slip_in_get_up else 1.0) * want / 0.2
    if not held:
        # the get-up's trunk turns on either side of the window, so its detrended reading
        # (the flanks' rate carried through) misses the slip and the rise's wins
        w[U0:UP_TURN - 20] = -2.0 * want / ((UP_TURN - 20 - U0) / FS)
        w[UP_TURN + 40:U1] = -2.0 * want / ((U1 - UP_TURN - 40) / FS)
    th = np.cumsum(w, axis=0) / FS
    acc = np.asarray(Rotation.from_rotvec(th).inv().apply([0.0, 0.0, 9.81]))
    acc[UP_TURN + 5:UP_TURN + 15, 0] += 0.3  # the get-up's end moves the sensor a little
    acc[RISE_TURN + 5:RISE_TURN + 15, 0] += 3.0  # the rise moves it more
    motion = (lambda r0, r1: (w[r0:r1], acc[r0:r1]), FS)
    probes = [_probe(0, 1000, "standing", 0.0), _probe(1200, 2200, "walking", 0.0),
              _probe(2300, 2500, "standing", 0.0), _probe(2700, U0, "lying", 90.0),
              _probe(U1, R0, "standing", 0.0 if held else -6.0),
              _probe(R1, 6300, "standing", 10.0)]
    base = {"standing": UP, "walking": UP, "sitting": _tilt(5.0)}
    return cs.place_slip(probes, 0, R1, np.eye(3), m_new, base, None, motion)


def test_a_slip_made_getting_up_is_placed_in_the_get_up_not_the_rise_after_it() -> None:
    j, j1 = _place(slip_in_get_up=True)
    # was (R0, R1): the rise, the held step out of the sit after the lie
    assert j1 is not None and UP_TURN - 3 <= j < j1 <= UP_TURN + 22, (j, j1)


def test_a_slip_made_in_the_rise_keeps_the_held_step() -> None:
    assert _place(slip_in_get_up=False) == (R0, R1)


def test_a_slip_made_getting_up_is_placed_in_the_get_up_where_the_tie_holds_both() -> None:
    j, j1 = _place(slip_in_get_up=True, held=False)
    # was (4851, 4869): the rise's window, by the detrended reading
    assert j1 is not None and UP_TURN - 3 <= j < j1 <= UP_TURN + 22, (j, j1)


def test_a_slip_made_in_the_rise_keeps_the_rise_where_the_tie_holds_both() -> None:
    j, j1 = _place(slip_in_get_up=False, held=False)
    assert j1 is not None and RISE_TURN - 3 <= j < j1 <= RISE_TURN + 22, (j, j1)
