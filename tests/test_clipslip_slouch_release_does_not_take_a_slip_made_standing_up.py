"""Clip slip placement (clipslip.place_slip with ``motion``): a seated slouch of about a slip's
size, released to an upright sit, fits as a step between two held postures that a backward
slip undoes (the posture held, the clip turned), and that step took the slip. Its premise can
be read: had the clip turned there, the release's own movement would turn the sensor as the
slip does. When no window of it does, and exactly one moving stretch of the walks' and stands'
tie turns as the slip with little linear acceleration (no posture after it reading as the old
mounting), that turn places the slip (development seed 14000: a 16-deg seated slouch released
at 204.5 s took an 11-deg slip made standing up at 222.2 s, 17.7 s early). A release that
turns as the slip does keeps the step. Synthetic rows at 100 Hz; the old mounting is the
identity."""

from __future__ import annotations

import numpy as np
from kyphos.processing import clipslip as cs
from scipy.spatial.transform import Rotation

FS = 100.0
UP = np.array([0.0, 0.0, 1.0])
G = 9.81
SLIP = (8300, 8340)  # rows over which the clip turns
SLOUCH, SLIP_DEG = 14.0, 11.0


def _tilt(deg: float) -> np.ndarray:
    """Gravity's direction in sensor axes with the sensor turned ``deg`` forward (about y)."""
    return np.asarray(Rotation.from_rotvec([0.0, -np.radians(deg), 0.0]).inv().apply(UP))


def _probe(i0: int, i1: int, kind: str, up: np.ndarray) -> cs.RefPosture:
    return cs.RefPosture(i0 / FS, (i1 - 1) / FS, kind, up, i0, i1, up, up)


def _place(motion: bool, release_s: float = 2.0) -> tuple[int, int | None]:
    """Stand, walk, stand, sit; a seated slouch to SLOUCH deg (its onset over 2 s), released
    to an upright sit over ``release_s``; the wearer stands up (2 m/s² for 1 s) and the clip
    then turns SLIP_DEG backward in 0.4 s, still; the stand reads the slip. The sits cast no
    vote, so every place from the first sit to the stand ties before the step's own vote."""
    n = 9600
    w = np.zeros((n, 3))  # gyro, rad/s
    lin = np.zeros((n, 3))  # linear acceleration, m/s²
    w[4400:4600, 1] = -np.radians(SLOUCH) / 2.0  # into the slouch
    lin[4400:4600, 0] = 0.3 * np.sin(np.linspace(0.0, np.pi, 200))
    r = int(release_s * FS)
    w[6500 - r:6500, 1] = np.radians(SLOUCH) / release_s  # sitting up: the sensor turns back
    lin[6500 - r:6500, 0] = -0.3 * np.sin(np.linspace(0.0, np.pi, r))
    lin[8200:8300, 2] = 2.0 * np.sin(np.linspace(0.0, np.pi, 100))  # standing up
    a, b = SLIP
    w[a:b, 1] = np.radians(SLIP_DEG) / ((b - a) / FS)  # the clip turns back, the trunk stays
    th = np.cumsum(w, axis=0) / FS
    acc = np.asarray(Rotation.from_rotvec(th).inv().apply(G * UP)) + lin
    probes = [_probe(0, 1000, "standing", UP), _probe(1200, 2200, "walking", UP),
              _probe(2400, 3400, "standing", UP), _probe(3600, 4400, "sitting", UP),
              _probe(4600, 6500 - r, "sitting", _tilt(SLOUCH)),
              _probe(6500, 8200, "sitting", UP),
              _probe(8500, 9600, "standing", _tilt(-SLIP_DEG))]
    mot = (lambda r0, r1: (w[r0:r1], acc[r0:r1]), FS) if motion else None
    m_new = Rotation.from_euler("y", SLIP_DEG, degrees=True).as_matrix().T
    return cs.place_slip(probes, 0, 8500, np.eye(3), m_new,
                         {"standing": UP, "walking": UP, "sitting": UP}, None, mot)


def test_a_slouch_release_that_did_not_turn_as_the_slip_does_not_take_it() -> None:
    j, j1 = _place(motion=True)
    assert SLIP[0] <= j <= SLIP[0] + 3 and j1 is not None and SLIP[1] - 5 <= j1 <= SLIP[1], \
        (j, j1)
    # the posture votes and the step alone: the release, from the slouch's end to the sit
    assert _place(motion=False) == (6300, 6500)


def test_a_release_that_turns_as_the_slip_keeps_the_step() -> None:
    """The release made in 0.4 s: a window of it turns the sensor as the slip does, so the
    step's premise (the clip turned there) stands and the step keeps the slip."""
    assert _place(motion=True, release_s=0.4) == _place(motion=False, release_s=0.4) \
        == (6460, 6500)
