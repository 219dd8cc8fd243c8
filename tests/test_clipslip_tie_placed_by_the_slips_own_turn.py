"""Clip slip placement (clipslip.place_slip with ``motion``): where the posture votes tie, the
one moving stretch whose gyro turn matches the mounting change, with little linear
acceleration, places the slip (development seed 8018: a slip inside a long sit was placed
53 s early, in the middle of the tie). A turn of the same size with the sensor moving through
space (a reach) is not the slip, and a slow creep that no short window holds keeps today's
placement. Synthetic rows at 100 Hz; the old mounting is the identity."""

from __future__ import annotations

import numpy as np
import pytest
from kyphos.processing import clipslip as cs
from scipy.spatial.transform import Rotation

FS = 100.0
UP = np.array([0.0, 0.0, 1.0])
G = 9.81


def _probe(i0: int, i1: int, kind: str, up: np.ndarray) -> cs.RefPosture:
    return cs.RefPosture(i0 / FS, (i1 - 1) / FS, kind, up, i0, i1, up, up)


def _session(slip: tuple[int, int]) -> tuple[list[cs.RefPosture], np.ndarray, np.ndarray]:
    """Stand, walk, stand, lie down, a roll on the back (a 10-deg turn about the slip's axis
    and back, in 0.4 s each, the sensor moving 2 m/s²), lie, the clip slips (-10 deg about
    sensor y over rows ``slip``), lie, stand up: the stand reads the slip. Lies cast no vote,
    so every place between the lie-down and the stand-up ties."""
    n = 8200
    w = np.zeros((n, 3))  # gyro, rad/s
    lin = np.zeros((n, 3))  # linear acceleration, m/s²
    rate = np.radians(10.0) / 0.4
    w[4650:4690, 1] = -rate  # the roll out and back
    w[4690:4730, 1] = rate
    lin[4650:4730, 0] = 2.0 * np.sin(np.linspace(0.0, 2 * np.pi, 80))
    a, b = slip
    w[a:b, 1] = -np.radians(10.0) / ((b - a) / FS)  # the clip turns, the trunk stays
    lin[3400:3600, 2] = 3.0  # lying down and getting up move the sensor
    lin[7000:7200, 2] = -3.0
    th = np.cumsum(w, axis=0) / FS
    acc = np.asarray(Rotation.from_rotvec(th).inv().apply(G * UP)) + lin
    lie = np.array([1.0, 0.0, 0.0])
    new_up = np.asarray(Rotation.from_rotvec([0.0, -np.radians(10.0), 0.0]).inv().apply(UP))
    probes = [_probe(0, 1000, "standing", UP), _probe(1200, 2200, "walking", UP),
              _probe(2400, 3400, "standing", UP), _probe(3600, 4600, "lying", lie),
              _probe(4800, 5800, "lying", lie), _probe(6000, 7000, "lying", lie),
              _probe(7200, 8200, "standing", new_up)]
    return probes, w, acc


def _slip_mounting() -> np.ndarray:
    q = Rotation.from_euler("y", -10.0, degrees=True).as_matrix()  # old body -> new body
    return np.asarray(q.T)


def _place(slip: tuple[int, int], motion: bool) -> tuple[int, int | None]:
    probes, w, acc = _session(slip)
    mot = (lambda r0, r1: (w[r0:r1], acc[r0:r1]), FS) if motion else None
    return cs.place_slip(probes, 0, 7200, np.eye(3), _slip_mounting(),
                         {"standing": UP, "walking": UP}, None, mot)


def test_a_tie_goes_to_the_one_turn_that_matches_the_slip() -> None:
    j, j1 = _place((5850, 5890), motion=True)
    assert 5850 <= j <= 5853 and j1 is not None and 5885 <= j1 <= 5890, (j, j1)
    j0, _ = _place((5850, 5890), motion=False)
    assert abs(j0 - 5850) > 200, j0  # the posture votes alone: the middle of the tie


#: Known to fail since SLIPB shipped the detrended reading before a tie's middle
#: (clipslip._detrended_place): it reads no linear acceleration, and the roll's way out (10 deg
#: about the slip's axis in 0.4 s) less the trunk's turn from the rates either side matches the
#: slip, so the tie goes to the roll (rows 4651-4679) rather than the tie's middle (5200).
#: Strict: a reading that tells the roll from a slip again makes these pass.
ROLL_TAKEN = pytest.mark.xfail(strict=True, reason="the detrended reading takes the roll")


@ROLL_TAKEN
def test_a_reach_that_turns_as_much_is_not_the_slip() -> None:
    """The roll turns 10 deg about the slip's axis within a window too, but moves the sensor:
    only the slip's turn matches (with the roll alone the tie keeps today's rule)."""
    probes, w, acc = _session((5850, 5890))
    w[5850:5890] = 0.0  # no slip turn: only the roll is left
    acc = np.asarray(Rotation.from_rotvec(np.cumsum(w, axis=0) / FS).inv().apply(G * UP))
    acc[4650:4730, 0] += 2.0 * np.sin(np.linspace(0.0, 2 * np.pi, 80))
    mot = (lambda r0, r1: (w[r0:r1], acc[r0:r1]), FS)
    args = (probes, 0, 7200, np.eye(3), _slip_mounting(), {"standing": UP, "walking": UP}, None)
    assert cs.place_slip(*args, mot) == cs.place_slip(*args)


@ROLL_TAKEN
def test_a_slow_creep_keeps_the_posture_votes_placement() -> None:
    """The same 10 deg spread over the 2 s between two lies (5 deg/s, a slouch's pace): no
    0.6-s window turns as much, so the motion changes nothing. (Since SLIPB the roll, not the
    creep, takes it: ROLL_TAKEN.)"""
    assert _place((5800, 6000), motion=True) == _place((5800, 6000), motion=False)
