"""The clip-slip search reads its small pieces without re-listing them per candidate (SPEED2):
``find_slips`` lists the references' quiet stands once (``clipslip.later_stands``) and hands
each candidate the part after it (``confirm_slip`` / ``later_stands_keep``'s ``stands``), the
gyro offset of ``slip_motion_windows`` is ``clipslip._median_rows`` (``np.median(axis=0)``'s
bits without its wrappers), and ``_turn_by_held_bends`` lists the still probes once. The
decisions and numbers are those of the former code, to the bit."""

from __future__ import annotations

import numpy as np
import pytest
from kyphos.processing import clipslip as cs
from scipy.spatial.transform import Rotation


def _refs(rng: np.random.Generator, n: int, m: np.ndarray, q: np.ndarray) -> list[cs.RefPosture]:
    out = []
    for k in range(n):
        tilt = np.radians(rng.uniform(0.0, 12.0))
        az = rng.uniform(0.0, 2.0 * np.pi)
        ub = np.array([np.sin(tilt) * np.cos(az), np.sin(tilt) * np.sin(az), np.cos(tilt)])
        if rng.random() < 0.4:  # one the corrected mounting explains
            ub = q.T @ ub
        dur = float(rng.choice([rng.uniform(0.5, 30.0), 10.0]))
        kind = str(rng.choice(["standing", "walking", "sitting"]))
        out.append(cs.RefPosture(40.0 * k, 40.0 * k + dur, kind, m @ ub, 100 * k, 100 * k + 50))
    return out


def test_later_stands_keep_with_the_listed_stands_decides_as_without() -> None:
    rng = np.random.default_rng(20)
    base = {"standing": np.array([0.0, 0.0, 1.0])}
    kept = 0
    for _ in range(200):
        m = Rotation.random(random_state=rng).as_matrix()
        q = Rotation.from_rotvec(rng.normal(size=3) * 0.15).as_matrix()
        refs = _refs(rng, int(rng.integers(0, 40)), m, q)
        ups, dur = cs.later_stands(refs)
        at = [k for k, x in enumerate(refs) if x.kind == "standing"]
        for i in range(-1, len(refs)):  # the candidate refs[i] reads those after it
            k = int(np.searchsorted(at, i, side="right"))
            want = cs.later_stands_keep(refs[i + 1:], m, q, base)
            assert cs.later_stands_keep(refs[i + 1:], m, q, base, (ups[k:], dur[k:])) == want
            kept += want
    assert kept > 0
    assert cs.later_stands([])[0].shape == (0, 3)


def test_confirm_slip_with_the_listed_stands_returns_the_same() -> None:
    rng = np.random.default_rng(21)
    up = np.array([0.0, 0.0, 1.0])
    base = {"standing": up, "walking": up, "sitting": up}
    found = 0
    for _ in range(200):
        m = Rotation.random(random_state=rng).as_matrix()
        q = Rotation.from_rotvec(rng.normal(size=3) * 0.15).as_matrix()
        refs = _refs(rng, 12, m, q)
        a = cs.confirm_slip(refs[0], refs[1:], m, base)
        b = cs.confirm_slip(refs[0], refs[1:], m, base, cs.later_stands(refs[1:]))
        assert (a is None) == (b is None)
        if a is not None and b is not None:
            assert a[0] == b[0] and a[2] is b[2] and np.array_equal(a[1], b[1])
            found += a[2] is not None
    assert found > 0


@pytest.mark.parametrize("n", [1, 2, 3, 4, 7, 8, 50, 51, 313])
def test_median_rows_is_np_median_to_the_bit(n: int) -> None:
    rng = np.random.default_rng(n)
    for rounded in (False, True):
        x = rng.normal(0.0, 0.05, (n, 3))
        if rounded:  # ties, and -0 (np.mean's sum starts from +0: a -0 median reads +0)
            x = np.round(x, 2)
            x[: n // 2 + 1, 0] = -0.0
        want = np.median(x, axis=0)
        got = cs._median_rows(x)
        assert np.array_equal(want.view(np.int64), np.asarray(got).view(np.int64))


def test_held_bends_of_the_still_probes_are_those_of_all_probes() -> None:
    rng = np.random.default_rng(22)
    m = Rotation.random(random_state=rng).as_matrix()
    probes = []
    for k in range(60):
        tilt = np.radians(rng.uniform(0.0, 60.0))
        az = rng.uniform(-0.5, 0.5) + np.pi  # forward bends (body -x)
        ub = np.array([np.sin(tilt) * np.cos(az), np.sin(tilt) * np.sin(az), np.cos(tilt)])
        kind = str(rng.choice(["standing", "walking", "sitting", "lying"]))
        probes.append(cs.RefPosture(10.0 * k, 10.0 * k + 3.0, kind, m @ ub, 100 * k, 100 * k + 30))
    held = [x for x in probes if x.kind in cs._HELD_KINDS]
    for lo, hi in ((0, 6000), (1000, 4000), (2500, 2600)):
        for got, want in zip(cs._held_bends(held, lo, hi, m), cs._held_bends(probes, lo, hi, m),
                             strict=True):
            assert np.array_equal(got, want)
        assert np.array_equal(cs._bend_dirs(held, lo, hi, m), cs._bend_dirs(probes, lo, hi, m))
