"""``angles.tilt_angles`` gives the flexion and lateral bend of ``trunk_angles`` to the bit
(the activity reads only those, so the analysis classifies before its one full angle pass):
without and with re-referenced mountings, blends, a one-row piece, and rows that are not
valid (NaN separators)."""

from __future__ import annotations

import numpy as np
from _orientation import same_bits, wandering_quats
from kyphos.processing.angles import tilt_angles, trunk_angles
from scipy.spatial.transform import Rotation

FS = 52.0




def test_tilt_angles_are_the_passes_flexion_and_lateral() -> None:
    n = 40_000
    q = wandering_quats(n, 1)
    t = np.arange(n) / FS
    m0 = Rotation.from_rotvec([0.1, -0.05, 0.3]).as_matrix()
    mats = [Rotation.from_rotvec(r).as_matrix() @ m0
            for r in ([0.1, 0.0, 0.0], [0.0, -0.12, 0.05], [0.05, 0.05, 0.0], [0.0, 0.0, 0.2])]
    valid = np.ones(n, bool)
    gap = np.zeros(n, bool)
    gap[[17_000, 29_999]] = True  # separator rows: NaN orientation, not valid
    q_gap = q.copy()
    q_gap[gap] = np.nan
    cases: list[tuple[list[tuple[int, np.ndarray]], list[int | None]]] = [
        ([], []),
        ([(30_000, mats[1]), (12_000, mats[2])], [30_010, None]),  # out of order
        ([(9_000, mats[0])], [9_100]),  # a slip blended over 100 rows
        ([(5_000, mats[0]), (20_000, mats[1]), (20_001, mats[2]), (35_000, mats[3])],
         [None, 20_050, None, 35_030]),  # a one-row piece; its blend cut at the next piece
        ([(0, mats[1]), (n + 5, mats[2])], [10, None]),  # from the start; past the end
    ]
    for quat, v in ((q, valid), (q_gap, ~gap)):
        for mounts, blends in cases:
            want = trunk_angles(t, quat, m0, FS, v, mounts=mounts, blends=blends)
            f, la = tilt_angles(quat, m0, FS, v, mounts=mounts, blends=blends)
            assert same_bits(f, want.flexion) and same_bits(la, want.lateral), (mounts, blends)
            # over the tilt without the mounts: only the rows from the first mount are made,
            # in those arrays
            un = tilt_angles(quat, m0, FS, v)
            f2, la2 = tilt_angles(quat, m0, FS, v, mounts=mounts, blends=blends, unmounted=un)
            assert f2 is un[0] and la2 is un[1]
            assert same_bits(f2, want.flexion) and same_bits(la2, want.lateral), (mounts, blends)
    # without valid rows given
    want = trunk_angles(t, q, m0, FS)
    f, la = tilt_angles(q, m0, FS)
    assert same_bits(f, want.flexion) and same_bits(la, want.lateral)


def test_tilt_rows_skip_the_heading_entries_with_the_same_values() -> None:
    from kyphos.processing.angles import _rows_times

    q = wandering_quats(5_000, 2)
    m = Rotation.from_rotvec([0.2, 0.1, -0.3]).as_matrix()
    five = _rows_times(q, m)
    three = _rows_times(q, m, tilt_only=True)
    assert len(three[0]) == len(three[1]) == 0  # (0,0) and (1,0): the heading's, not made
    for a, b in zip(five[2:], three[2:], strict=True):
        assert np.array_equal(a, b)
