"""The re-referenced angle pass (``angles._mounted``) makes each mounting's piece, margins
included, straight into the result's arrays (``trunk_angles(out=)``) instead of in arrays of
its own copied over: the same angles to the bit as the per-piece way (written out below as it
was), with blends, pieces shorter than the filters' margin, rows that are not valid and NaN
quaternions, and mountings out of order (made the old way). ``lowpass(out=)`` and
``euler_from_quat(out=)`` give the values they return without it."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from kyphos.processing import angles
from kyphos.processing.preprocess import LOWPASS_CHUNK, lowpass, settle_samples
from scipy.spatial.transform import Rotation

FS = 52.0
NAMES = ("flexion", "lateral", "axial", "flexion_velocity", "lateral_velocity", "axial_velocity")


def _quats(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    rv = np.cumsum(rng.normal(scale=0.02, size=(n, 3)), axis=0)
    q = Rotation.from_rotvec(rv).as_quat()
    return np.asarray(q[:, [3, 0, 1, 2]])


def _per_piece(time: np.ndarray, quat: np.ndarray, m0: np.ndarray, valid: np.ndarray,
               mounts: list[tuple[int, np.ndarray]], blends: list[int | None]) -> dict[str, Any]:
    """The pass as it was before (388e951): each piece in arrays of its own, copied."""
    n = len(time)
    valid = valid & np.isfinite(quat[:, 0])
    edges = [0, *(min(max(int(i), 0), n) for i, _ in mounts), n]
    mats = [m0, *(m for _, m in mounts)]
    margin = max(settle_samples(FS, angles.ANGLE_CUTOFF_HZ),
                 settle_samples(FS, angles.YAW_REF_CUTOFF_HZ))
    out = {name: np.full(n, np.nan) for name in NAMES}
    ends = [None, *blends, *([None] * (len(mounts) - len(blends)))]
    prev = None
    for k, m in enumerate(mats):
        a, b = edges[k], edges[k + 1]
        if b <= a:
            continue
        e0, e1 = max(0, a - margin), min(n, b + margin)
        part = angles.trunk_angles(time[e0:e1], quat[e0:e1], m, FS, valid[e0:e1])
        for name in NAMES:
            out[name][a:b] = getattr(part, name)[a - e0 : b - e0]
        end = ends[k]
        if end is not None and prev is not None:
            old, o0, o1 = prev
            c = min(int(end), b, o1)
            if c > a:
                w = (np.arange(a, c) - a + 0.5) / (c - a)
                for name in NAMES:
                    x = out[name]
                    x[a:c] = (1.0 - w) * getattr(old, name)[a - o0 : c - o0] + w * x[a:c]
        prev = (part, e0, e1)
    return out


def _cases(n: int) -> list[tuple[list[tuple[int, np.ndarray]], list[int | None]]]:
    m = [Rotation.from_rotvec(r).as_matrix()
         for r in ([0.1, 0.0, 0.0], [0.0, -0.12, 0.05], [0.05, 0.05, 0.0], [0.0, 0.0, 0.2])]
    return [
        ([(9_000, m[0])], [9_100]),
        ([(5_000, m[0]), (15_000, m[1]), (15_001, m[2])], [None, 15_050, None]),
        # pieces shorter than the margin, each blended across the last one's margin
        ([(6_000, m[0]), (6_400, m[1]), (7_000, m[2]), (20_000, m[3])],
         [6_300, 6_900, 7_500, 20_200]),
        ([(0, m[1]), (n + 5, m[2])], [10, None]),  # from the start; past the end
        ([(-3, m[1]), (n - 1, m[2])], [None, None]),  # before the start; the last row
        ([(20_000, m[1]), (8_000, m[2])], [20_010, None]),  # out of order
        ([(10_000, m[1]), (25_000, m[2]), (5_000, m[3])], [None, None, 5_200]),  # out of order
    ]


@pytest.mark.parametrize("gaps", [False, True])
def test_mounted_equals_the_per_piece_pass(gaps: bool) -> None:
    n = 30_000
    q = _quats(n, 7)
    t = np.arange(n) / FS
    m0 = Rotation.from_rotvec([0.1, -0.05, 0.3]).as_matrix()
    v = np.ones(n, bool)
    if gaps:
        v[[3_000, 6_200, 11_000]] = False
        q = q.copy()
        q[22_222:22_230] = np.nan
    for mounts, blends in _cases(n):
        want = _per_piece(t, q, m0, v, mounts, blends)
        got = angles.trunk_angles(t, q, m0, FS, v, mounts=mounts, blends=blends)
        for name in NAMES:
            assert getattr(got, name).tobytes() == want[name].tobytes(), (name, mounts)


def test_in_order_pieces_are_made_in_the_result(monkeypatch: pytest.MonkeyPatch) -> None:
    n = 30_000
    q = _quats(n, 3)
    t = np.arange(n) / FS
    m0 = np.eye(3)
    mounts, blends = _cases(n)[1]
    seen: list[bool] = []
    real = angles.trunk_angles

    def spy(*a: Any, **k: Any) -> Any:
        if not k.get("mounts"):
            seen.append(k.get("out") is not None)
        return real(*a, **k)

    monkeypatch.setattr(angles, "trunk_angles", spy)
    angles.trunk_angles(t, q, m0, FS, np.ones(n, bool), mounts=mounts, blends=blends)
    assert seen and all(seen)  # every piece written into the result's rows


@pytest.mark.parametrize("n", [5, 40, 5_000, LOWPASS_CHUNK + 70_000])
def test_lowpass_out_equals_the_returned_values(n: int) -> None:
    rng = np.random.default_rng(n)
    x = np.cumsum(rng.normal(size=n))
    for cutoff in (5.0, 0.02):
        want = lowpass(x, FS, cutoff)
        out = np.full(n, 123.0)
        got = lowpass(x, FS, cutoff, out=out)
        assert got is out and out.tobytes() == want.tobytes()
    x2 = rng.normal(size=(min(n, 9_000), 3))
    out2 = np.empty_like(x2)
    assert lowpass(x2, FS, 5.0, out=out2).tobytes() == lowpass(x2, FS, 5.0).tobytes()


def test_euler_out_equals_the_returned_values() -> None:
    q = _quats(40_000, 1)
    m = Rotation.from_rotvec([0.2, 0.1, -0.3]).as_matrix()
    want = angles.euler_from_quat(q, m)
    out = (np.empty(len(q)), np.empty(len(q)), np.empty(len(q)))
    got = angles.euler_from_quat(q, m, out=out)
    for w, g, o in zip(want, got, out, strict=True):
        assert g is o and g.tobytes() == w.tobytes()
