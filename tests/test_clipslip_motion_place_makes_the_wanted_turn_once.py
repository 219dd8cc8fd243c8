"""``clipslip._motion_place`` reads each tied moving stretch's windows against the turn the
mounting change implies (``_wanted_turn``: a scipy rotation from a matrix, ~0.15 ms); that
turn is the same for every stretch, so it is made once per placement, not once per stretch
(the 8-h walking day: 615 stretches in 23 placements). ``slip_motion_windows`` given it reads
the same as making it itself."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from kyphos.processing import clipslip
from scipy.spatial.transform import Rotation

FS = 104.0


def _case() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(5)
    n = int(120 * FS)
    gyr = rng.normal(0, 0.02, (n, 3))
    acc = np.tile([0.0, 0.0, 9.81], (n, 1)) + rng.normal(0, 0.05, (n, 3))
    m_old = np.eye(3)
    m_new = Rotation.from_rotvec([0.0, 0.17, 0.05]).as_matrix() @ m_old
    for c in (20, 50, 80):  # turns of 10 deg in 0.4 s at a few places
        k = int(c * FS)
        gyr[k:k + int(0.4 * FS)] += np.array([0.0, 0.17, 0.05]) / 0.4
    still = np.zeros(n, bool)
    still[::3] = True
    return gyr, acc, m_old, m_new, still


def test_windows_read_the_same_with_the_turn_given() -> None:
    gyr, acc, m_old, m_new, still = _case()
    want = clipslip._wanted_turn(m_old, m_new)
    for g0, g1 in ((int(19 * FS), int(22 * FS)), (int(45 * FS), int(52 * FS))):
        assert clipslip.slip_motion_windows(gyr, acc, FS, g0, g1, m_old, m_new, still) == \
            clipslip.slip_motion_windows(gyr, acc, FS, g0, g1, m_old, m_new, still, want)


def test_the_wanted_turn_is_made_once_per_placement(monkeypatch: pytest.MonkeyPatch) -> None:
    gyr, acc, m_old, m_new, still = _case()
    calls: list[int] = []
    made = clipslip._wanted_turn

    def counted(*a: Any) -> np.ndarray:
        calls.append(1)
        return made(*a)

    monkeypatch.setattr(clipslip, "_wanted_turn", counted)
    gaps = [(int(c * FS) - 100, int(c * FS) + 150) for c in (20, 35, 50, 65, 80)]
    clipslip._motion_place(((lambda r0, r1: (gyr[r0:r1], acc[r0:r1])), FS), gaps, m_old, m_new,
                           still)
    assert len(calls) == 1
