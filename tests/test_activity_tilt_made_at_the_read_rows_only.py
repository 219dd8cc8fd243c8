"""The analysis makes the flexion and lateral bend the activity reads (``analysis._tilt_of``,
``angles.tilt_angles``) at the rows ``activity.classify`` reads only — every
``activity.tilt_step_of(fs)``-th, half of them at 104 Hz — not at every sample (issue 15's
speed target: 8 h at 104 Hz, 1.5 M rows and 24 MB fewer per call). Each kept row is the whole
result's row to the bit: with re-referenced mountings whose rows and blend ends fall between
the kept rows (odd rows at step 2), a one-row piece, rows that are not valid, and the
``unmounted`` rows written over; ``classify`` given those rows (``tilt_step``) gives the same
activity as from the whole arrays."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from _orientation import same_bits, wandering_quats
from kyphos import analysis
from kyphos.processing import activity as act
from kyphos.processing.angles import tilt_angles
from scipy.spatial.transform import Rotation


@pytest.mark.parametrize("step", [2, 3, 4])
def test_tilt_angles_every_step_th_row_is_the_whole_results_row(step: int) -> None:
    n = 40_001
    q = wandering_quats(n, 4)
    m0 = Rotation.from_rotvec([0.1, -0.05, 0.3]).as_matrix()
    mats = [Rotation.from_rotvec(r).as_matrix() @ m0
            for r in ([0.1, 0.0, 0.0], [0.0, -0.12, 0.05], [0.05, 0.05, 0.0], [0.0, 0.0, 0.2])]
    gap = np.zeros(n, bool)
    gap[[17_000, 17_001, 29_999]] = True  # separator rows: NaN orientation, not valid
    q_gap = q.copy()
    q_gap[gap] = np.nan
    cases: list[tuple[list[tuple[int, np.ndarray]], list[int | None]]] = [
        ([], []),
        ([(9_001, mats[0])], [9_102]),  # a slip at an odd row, blended to an even one
        ([(30_003, mats[1]), (12_001, mats[2])], [30_010, None]),  # out of order
        ([(5_001, mats[0]), (20_001, mats[1]), (20_002, mats[2]), (35_003, mats[3])],
         [None, 20_051, None, 35_033]),  # a one-row piece (no kept row at step 2)
        ([(0, mats[1]), (n + 5, mats[2])], [11, None]),  # from the start; past the end
    ]
    for quat, v in ((q, np.ones(n, bool)), (q_gap, ~gap)):
        for mounts, blends in cases:
            f, la = tilt_angles(quat, m0, 104.0, v, mounts=mounts, blends=blends)
            fs_, las = tilt_angles(quat, m0, 104.0, v, mounts=mounts, blends=blends, step=step)
            assert same_bits(fs_, f[::step]) and same_bits(las, la[::step]), (mounts, blends)
            un = tilt_angles(quat, m0, 104.0, v, step=step)
            f2, la2 = tilt_angles(quat, m0, 104.0, v, mounts=mounts, blends=blends,
                                  unmounted=un, step=step)
            assert f2 is un[0] and la2 is un[1]
            assert same_bits(f2, f[::step]) and same_bits(la2, la[::step]), (mounts, blends)


@pytest.fixture(scope="module")
def day() -> dict[str, Any]:
    a = analysis.analyze(_session())  # a clip slip, walking
    assert a.re_references
    return {"a": a}


def test_analysis_tilt_holds_the_read_rows_only(day: dict[str, Any]) -> None:
    a = day["a"]
    p, c, rr = a.prepared, a.calibration, a.re_references
    s = act.tilt_step_of(p.fs)
    assert s == 2
    seen: list[int] = []
    real = analysis._tilt_of

    def spy(*args: Any, **kw: Any) -> tuple[np.ndarray, np.ndarray]:
        out = real(*args, **kw)
        seen.append(len(out[0]))
        return out

    analysis._tilt_of = spy  # type: ignore[assignment]
    try:
        b = analysis.analyze(_session())
    finally:
        analysis._tilt_of = real  # type: ignore[assignment]
    n = len(p.time)
    assert seen == [(n + 1) // 2, (n + 1) // 2]  # before and after the re-references
    assert np.array_equal(b.activity.kind, a.activity.kind)
    # those rows give the activity the whole arrays give
    for mounts in (None, rr):
        whole = real(p, a.quat, c, mounts)
        rows = real(p, a.quat, c, mounts, step=s)
        assert same_bits(rows[0], whole[0][::s]) and same_bits(rows[1], whole[1][::s])
        az = analysis.vertical_acceleration(a.quat, p.acc)
        x = act.classify(p.time, az, p.acc, p.gyr, whole, p.fs, p.valid)
        y = act.classify(p.time, az, p.acc, p.gyr, rows, p.fs, p.valid, tilt_step=s)
        assert np.array_equal(x.kind, y.kind) and np.array_equal(x.still, y.still)
        assert np.array_equal(x.height, y.height, equal_nan=True)
        assert x.excursions == y.excursions and x.steps == y.steps


def _session() -> Any:
    from kyphos.sim.validation import generate

    return generate(0, 104.0).to_session()


def test_classify_refuses_a_tilt_step_it_does_not_read() -> None:
    t = np.arange(2_000) / 104.0
    z = np.zeros((2_000, 3))
    with pytest.raises(ValueError, match="tilt_step"):
        act.classify(t, z[:, 0], z, z, (z[::3, 0], z[::3, 0]), 104.0, tilt_step=3)
