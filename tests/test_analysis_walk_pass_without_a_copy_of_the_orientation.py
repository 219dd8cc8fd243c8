"""The walking bouts' angle pass (``analysis.walk_angles``) writes the bouts' re-tilted rows
(``orientation.walk_tilt_rows``) into the orientation for its one angle pass and puts the
original rows back after it, also when the pass fails: no copy of the whole orientation (8 h at
104 Hz: 96 MB of fresh pages). The angles are those of the copy (``walk_tilt``) to the bit, and
the orientation is unchanged afterwards; a read-only orientation (a file's rows) is copied
(validation development seed 0 at 104 Hz: a clip slip, walking)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from kyphos import analysis
from kyphos.processing import activity as act
from kyphos.processing.orientation import walk_tilt

NAMES = ("flexion", "lateral", "axial", "flexion_velocity", "lateral_velocity", "axial_velocity")


@pytest.fixture(scope="module")
def day() -> dict[str, Any]:
    from kyphos.sim.validation import generate

    a = analysis.analyze(generate(0, 104.0).to_session())
    assert a.re_references and a.activity is not None
    assert np.count_nonzero(a.activity.mask("walking")) > 30 * 104
    p = a.prepared
    q_walk = walk_tilt(a.quat, p.gyr, p.acc, p.fs, p.segments,
                       a.activity.kind == act.KINDS.index("walking"), a.activity.still)
    assert q_walk is not None
    want = analysis._angles_of(p, q_walk, a.calibration, a.re_references)
    return {"a": a, "q_walk": q_walk, "want": want}


def _walk(a: Any, quat: np.ndarray) -> analysis.Angles | None:
    return analysis.walk_angles(a.prepared, quat, a.calibration, a.re_references, a.activity)


def _same(x: analysis.Angles | None, y: analysis.Angles) -> None:
    assert x is not None
    for name in NAMES:
        assert np.array_equal(getattr(x, name), getattr(y, name), equal_nan=True), name


def test_one_pass_on_the_orientation_itself_with_the_copys_angles(
        day: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    a = day["a"]
    before = a.quat.copy()
    seen: list[np.ndarray] = []
    full = analysis._angles_of

    def spy(p: Any, q: np.ndarray, *args: Any) -> analysis.Angles:
        seen.append(q)
        assert np.array_equal(q, day["q_walk"])  # the bouts' rows are in place meanwhile
        return full(p, q, *args)

    monkeypatch.setattr(analysis, "_angles_of", spy)
    _same(_walk(a, a.quat), day["want"])
    assert len(seen) == 1 and seen[0] is a.quat  # no copy of the whole orientation
    assert np.array_equal(a.quat, before)  # put back to the bit
    assert np.array_equal(a.angles.flexion, day["want"].flexion, equal_nan=True)  # analyze's


def test_rows_put_back_when_the_pass_fails(day: dict[str, Any],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    a = day["a"]
    before = a.quat.copy()

    def fail(*args: Any) -> analysis.Angles:
        raise RuntimeError("angle pass failed")

    monkeypatch.setattr(analysis, "_angles_of", fail)
    with pytest.raises(RuntimeError):
        _walk(a, a.quat)
    assert np.array_equal(a.quat, before)


def test_a_read_only_orientation_is_copied(day: dict[str, Any]) -> None:
    q = day["a"].quat.copy()
    q.setflags(write=False)
    before = q.copy()
    _same(_walk(day["a"], q), day["want"])
    assert np.array_equal(q, before)
