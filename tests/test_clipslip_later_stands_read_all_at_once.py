"""``clipslip.later_stands_keep`` reads all the quiet stands after a slip candidate at once (not
one scalar angle per stand: on an 8-h day with walking, 700 k of them were ~1.6 x VQF), with
the decisions of the one-by-one rule, stands at the 5 deg threshold included."""

from __future__ import annotations

import numpy as np
import pytest
from kyphos.processing import clipslip as cs
from kyphos.processing import params as P
from scipy.spatial.transform import Rotation


def _one_by_one(later: list[cs.RefPosture], m: np.ndarray, q: np.ndarray,
                base: dict[str, np.ndarray]) -> bool:
    """The rule as a loop over the stands (the former body)."""
    if "standing" not in base:
        return False
    old_s = new_s = 0.0
    for x in later:
        if x.kind != "standing":
            continue
        b = m.T @ x.up
        dur = min(x.end_s - x.start_s, 10.0)
        if cs.angle_deg(b, base["standing"]) <= P.SLIP_MIN_DEG:
            old_s += dur
        elif cs.angle_deg(q @ b, base["standing"]) <= P.SLIP_MIN_DEG:
            new_s += dur
    return old_s > new_s


def _case(rng: np.random.Generator, n: int) -> tuple[list[cs.RefPosture], np.ndarray, np.ndarray]:
    m = Rotation.random(random_state=rng).as_matrix()
    q = Rotation.from_rotvec(rng.normal(size=3) * 0.15).as_matrix()
    later = []
    for k in range(n):
        # tilts from upright: spread, and at the threshold itself (to the last bits)
        tilt = np.radians(rng.choice([rng.uniform(0.0, 12.0), P.SLIP_MIN_DEG,
                                      P.SLIP_MIN_DEG + rng.uniform(-1e-11, 1e-11)]))
        az = rng.uniform(0.0, 2.0 * np.pi)
        ub = np.array([np.sin(tilt) * np.cos(az), np.sin(tilt) * np.sin(az), np.cos(tilt)])
        if rng.random() < 0.4:  # one the corrected mounting explains
            ub = q.T @ ub
        dur = float(rng.choice([rng.uniform(0.5, 30.0), 10.0]))
        kind = str(rng.choice(["standing", "walking", "sitting"]))
        later.append(cs.RefPosture(40.0 * k, 40.0 * k + dur, kind, m @ ub))
    return later, m, q


def test_later_stands_keep_decides_as_the_one_by_one_rule() -> None:
    rng = np.random.default_rng(15)
    base = {"standing": np.array([0.0, 0.0, 1.0])}
    kept = 0
    for _ in range(400):
        later, m, q = _case(rng, int(rng.integers(0, 40)))
        want = _one_by_one(later, m, q, base)
        assert cs.later_stands_keep(later, m, q, base) == want
        kept += want
    assert 0 < kept < 400  # both answers were tested
    later, m, q = _case(rng, 10)
    assert not cs.later_stands_keep(later, m, q, {"walking": base["standing"]})
    assert not cs.later_stands_keep([x for x in later if x.kind != "standing"], m, q, base)


def test_later_stands_keep_reads_the_stands_without_a_scalar_angle_each(
        monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    m = Rotation.random(random_state=rng).as_matrix()
    q = Rotation.from_rotvec([0.1, 0.0, 0.0]).as_matrix()
    later = []
    for k in range(600):  # stands 1 deg and 9 deg from upright: none near the threshold
        tilt = np.radians(1.0 if k % 2 else 9.0)
        ub = np.array([np.sin(tilt), 0.0, np.cos(tilt)])
        later.append(cs.RefPosture(20.0 * k, 20.0 * k + 8.0, "standing", m @ ub))
    calls = 0
    scalar = cs.angle_deg

    def counted(a: np.ndarray, b: np.ndarray) -> float:
        nonlocal calls
        calls += 1
        return scalar(a, b)

    monkeypatch.setattr(cs, "angle_deg", counted)
    base = {"standing": np.array([0.0, 0.0, 1.0])}
    assert cs.later_stands_keep(later, m, q, base) is True
    assert calls == 0
