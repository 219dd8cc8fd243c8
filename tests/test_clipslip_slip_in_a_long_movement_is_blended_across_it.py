"""Clip slip (clipslip.find_slips): a slip placed by the step between two quiet stands whose
movement lasts 3 s (a lift between them) is blended from the old mounting to the new one across
the whole movement, as a shorter movement's is; it was switched at the movement's start, which
for a slip made anywhere in it leaves three times the squared error of the blend (development
seed 10018: a slip at the bottom of a 3-s stoop lift switched 1.1 s early; 6027, 2.1 s, 1.0 s
early). Synthetic postures at 100 Hz; the old mounting is the identity."""

from __future__ import annotations

import numpy as np
from kyphos.processing import clipslip as cs
from scipy.spatial.transform import Rotation

FS = 100.0
UP = np.array([0.0, 0.0, 1.0])


def _tilt(deg: float) -> np.ndarray:
    """Gravity's direction in sensor axes with the sensor turned ``deg`` about its y axis."""
    return np.asarray(Rotation.from_rotvec([0.0, -np.radians(deg), 0.0]).inv().apply(UP))


def _ref(i0: int, i1: int, kind: str, up: np.ndarray) -> cs.RefPosture:
    return cs.RefPosture(i0 / FS, (i1 - 1) / FS, kind, up, i0, i1, up, up)


def _slip(move_s: float) -> cs.ReReference:
    """Stand, walk, stand; a movement of ``move_s`` between two stands, the clip tipping 10 deg
    in it; a stand and a walk read the slip."""
    a = 4000
    b = a + int(move_s * FS)
    refs = [_ref(0, 1000, "standing", UP), _ref(1200, 2200, "walking", UP),
            _ref(2400, 3400, "standing", UP), _ref(3500, a, "standing", UP),
            _ref(b, b + 1000, "standing", _tilt(10.0)),
            _ref(b + 1200, b + 2200, "walking", _tilt(10.0))]
    time = np.arange(b + 2400) / FS
    out = cs.find_slips(refs, np.eye(3), time, None, refs)
    assert len(out) == 1, out
    return out[0]


def test_a_slip_in_a_3_s_movement_is_blended_across_it() -> None:
    rr = _slip(3.0)
    assert (rr.index, rr.index_end) == (4000, 4300), (rr.index, rr.index_end)


def test_a_slip_in_a_1_s_movement_is_blended_across_it_as_before() -> None:
    rr = _slip(1.0)
    assert (rr.index, rr.index_end) == (4000, 4100), (rr.index, rr.index_end)
