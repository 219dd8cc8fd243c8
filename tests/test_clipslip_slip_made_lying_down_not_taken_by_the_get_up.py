"""Clip slip placement (clipslip.place_slip with ``motion``): a slip made while lying down, the
lie casting no vote, leaves the stands before the lie-down and after the get-up tied over both
movements. Neither plain reading passes (both move the sensor), so the detrended reading
(clipslip._detrended_place: the window's turn less the trunk's own turn, its mean rate over a
flank either side) decides. A get-up is a smooth bell of rate about the slip's axis; at its peak
a window turns more than the straight line between its flanks' rates says, by about the square
of the flanks' distance: with flanks of half the window (0.3 s) alone the get-up's peak read as
the slip and took it, 26.6 s late (development seed 28010 at 52, 104 and 208 Hz: a 7.6-deg slip
early in a lie-down, a 24-s lie, a 2.5-s get-up peaking at 58 deg/s). Each stretch is now read
with 0.3-s and ``SLIP_FLANK_S`` (0.15-s) flanks and scored by the worse reading. Synthetic rows
at 100 Hz; the old mounting is the identity."""

from __future__ import annotations

import numpy as np
import pytest
from kyphos.processing import clipslip as cs
from scipy.spatial.transform import Rotation

FS = 100.0
UP = np.array([0.0, 0.0, 1.0])
G = 9.81
N = 5300
SIGMA_S = 0.55  # each movement's rate is a Gaussian bell of this width, 80 deg in all
DOWN_S, GET_UP_S = 11.5, 41.5  # the bells' middles
SLIP = (1090, 1115)  # rows: the clip turns 8 deg about sensor y in 0.25 s, early in the lie-down
SLIP_DEG = 8.0


def _rows(slip: bool, sigma: float = SIGMA_S) -> tuple[np.ndarray, np.ndarray]:
    """Gyro (rad/s) and specific force (m/s²): stand, lie down (about -y), lie, get up (about
    +y), stand; both movements move the sensor 1 m/s²."""
    t = np.arange(N) / FS
    peak = np.radians(80.0) / (sigma * np.sqrt(2.0 * np.pi))
    w = np.zeros((N, 3))
    w[:, 1] = peak * (np.exp(-(t - GET_UP_S) ** 2 / (2 * sigma ** 2))
                      - np.exp(-(t - DOWN_S) ** 2 / (2 * sigma ** 2)))
    if slip:
        w[SLIP[0]:SLIP[1], 1] += np.radians(SLIP_DEG) / ((SLIP[1] - SLIP[0]) / FS)
    lin = np.zeros((N, 3))
    for c in (int(DOWN_S * FS), int(GET_UP_S * FS)):
        lin[c - 150:c + 150, 0] = np.sin(np.linspace(0.0, 2.0 * np.pi, 300))
    acc = np.asarray(Rotation.from_rotvec(np.cumsum(w, axis=0) / FS).inv().apply(G * UP)) + lin
    return w, acc


def _m_new() -> np.ndarray:
    return np.asarray(Rotation.from_euler("y", -SLIP_DEG, degrees=True).as_matrix())


def _place(slip: bool = True) -> tuple[int, int | None]:
    w, acc = _rows(slip)
    m_new = _m_new()
    new_up, lie = m_new @ UP, np.array([1.0, 0.0, 0.0])
    probes = [cs.RefPosture(0.0, 9.99, "standing", UP, 0, 1000, UP, UP),
              cs.RefPosture(13.0, 39.99, "lying", lie, 1300, 4000, lie, lie),
              cs.RefPosture(43.0, 52.99, "standing", new_up, 4300, N, new_up, new_up)]
    mot = (lambda r0, r1: (w[r0:r1], acc[r0:r1]), FS)
    return cs.place_slip(probes, 0, 4300, np.eye(3), m_new, {"standing": UP}, None, mot)


def test_a_slip_made_lying_down_is_not_taken_by_the_get_ups_peak() -> None:
    j, j1 = _place()
    assert SLIP[0] - 30 <= j <= SLIP[0] + 10 and j1 is not None \
        and SLIP[1] - 15 <= j1 <= SLIP[1] + 10, (j, j1)


def test_a_get_ups_bell_alone_does_not_read_as_the_slip() -> None:
    """Without the slip, no window of a get-up (a 0.6-s bell) turns as the slip does, less the
    trunk's turn from its flanks (it did, to 0.17 of the change, with 0.3-s flanks alone; 0.45
    with 0.15 s). The second flank narrows the hazard, it does not end it: a bell of 0.5 s or
    less still reads as the slip with both (0.09 of it at 0.5 s with 0.15-s flanks)."""
    w, acc = _rows(slip=False, sigma=0.6)
    mot = (lambda r0, r1: (w[r0:r1], acc[r0:r1]), FS)
    gap = (int((GET_UP_S - 1.5) * FS), int((GET_UP_S + 1.5) * FS))
    assert cs._detrended_place(mot, [gap], np.eye(3), _m_new(), None) is None


@pytest.mark.parametrize("fs", [52.0, 104.0, 208.0])
def test_development_28010_slip_made_lying_down_placed_within_2_s(fs: float) -> None:
    """Validation-family development seed 28010 (held-out run 27's 2.14-2.17-deg miss): the
    7.6-deg slip made lying down at 214.3 s, then a 24-s lie, is re-referenced within 2 s (was
    at the get-up, 240.9 s, at every rate)."""
    from _slip_session import slip_and_re_references
    t_slip, got = slip_and_re_references(28010, fs)
    assert len(got) == 1 and abs(got[0] - t_slip) < 2.0, (got, t_slip)
