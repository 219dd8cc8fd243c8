"""Clip slip placement (clipslip.place_slip, find_slips) where a slouch held next to the slip,
or a sit that no baseline reads yet, took the slip away from where it happened. Small
synthetic probe lists: the mounting starts as the identity, so a probe's ``up`` is the body's
up before the slip, and the slip turns every later reading by its own rotation."""

from __future__ import annotations

import numpy as np
from kyphos.processing import clipslip as cs
from scipy.spatial.transform import Rotation

UP = np.array([0.0, 0.0, 1.0])


def _tilt(deg: float) -> np.ndarray:
    """Up in body coordinates for a forward tilt of ``deg`` (about body y)."""
    return np.asarray(Rotation.from_euler("y", deg, degrees=True).apply(UP))


def _probe(i0: int, kind: str, first: float, last: float | None = None, dur: int = 10
           ) -> cs.RefPosture:
    """A still posture (or walk) over rows [i0, i0 + dur) read at ``first`` deg at its start
    and ``last`` at its end (fs = 1 Hz: a row is a second)."""
    last = first if last is None else last
    u0, u1 = _tilt(first), _tilt(last)
    mean = (u0 + u1) / np.linalg.norm(u0 + u1)
    return cs.RefPosture(float(i0), float(i0 + dur - 1), kind, mean, i0, i0 + dur, u0, u1)


def _slip(deg: float) -> np.ndarray:
    """The new mounting after a slip of ``deg`` about body y (old mounting: the identity)."""
    q = Rotation.from_euler("y", -deg, degrees=True).as_matrix()  # old body -> new body
    return np.asarray(q.T)  # sensor_from_body = m_old · qᵀ


def test_a_slouch_after_a_slip_at_sit_down_is_an_excursion_from_either_end() -> None:
    """Development seed 6022: the clip slipped (10 deg) as the wearer sat down; a sit whose
    last end had begun to slouch (10 -> 13.5 deg in the old mounting), a seated slouch (22 deg)
    and a sit back at 10 deg. The step into the slouch is undone by the slip, but the sit
    after it is back where the sit before it started: an excursion, not the slip. The sits
    then place it at the sit-down (it was placed at the slouch, 44 s late)."""
    probes = [_probe(0, "standing", 0), _probe(12, "walking", 0), _probe(24, "standing", 0),
              # the slip, at the sit-down
              _probe(36, "sitting", 10), _probe(48, "sitting", 10, 13.5),
              _probe(60, "sitting", 22, 25), _probe(72, "sitting", 10),
              _probe(84, "standing", 10)]  # the reference that showed it
    base = {"standing": UP, "walking": UP, "sitting": UP}
    j, _ = cs.place_slip(probes, 0, 84, np.eye(3), _slip(10.0), base, None)
    assert j == 34, j  # the end of the stand before the sit (was 58: the slouch's start)


def test_a_backward_slip_in_a_held_slouch_is_placed_at_its_step() -> None:
    """Development seeds 6003, 1019, 2029: a standing slouch (12 deg), then a 10-deg backward
    slip while slouched, so the slouch reads 2 deg in the old mounting, then the slouch
    released. Both steps are undone by the slip; the held slouch's near-upright reading in the
    old mounting outvoted the exact one and the slip went to the slouch's end (6-31 s late).
    That reading is the posture before the step with the clip turned: it no longer votes."""
    probes = [_probe(0, "standing", 0), _probe(12, "walking", 0), _probe(24, "standing", 0),
              _probe(36, "standing", 0, 12),  # the slouch sets in
              # the slip (-10 deg), the slouch held
              _probe(48, "standing", 2), _probe(60, "standing", -10),  # the slouch released
              _probe(72, "standing", -10)]
    base = {"standing": UP, "walking": UP}
    j, j1 = cs.place_slip(probes, 0, 72, np.eye(3), _slip(-10.0), base, None)
    assert (j, j1) == (46, 48), (j, j1)  # was (58, 60): at the slouch's release


def test_a_later_sit_reads_the_sits_before_the_slip() -> None:
    """Development seed 2028: the clip slipped as the wearer got up from a sit, with no
    sitting baseline yet (the stand after the first sits disagreed: the slip). The sits read
    6 deg from upright standing in the old mounting and 4 in the new, so measured against
    upright standing they broke no tie, and the slip went to the middle of the sit (10 s
    early). The first sit after the slip whose stands agree gives the wearer's own sitting,
    and the sits before the slip read as it in the old mounting."""
    refs = [_probe(0, "standing", 0), _probe(12, "walking", 0), _probe(24, "standing", 0),
            _probe(36, "sitting", 6), _probe(48, "sitting", 6),
            # the slip (10 deg), getting up
            _probe(60, "standing", 10), _probe(72, "standing", 10), _probe(84, "sitting", 16),
            _probe(96, "standing", 10), _probe(108, "walking", 10)]
    out = cs.find_slips(refs, np.eye(3), np.arange(120.0), None, refs)
    assert len(out) == 1 and out[0].index == 58, [(r.index, r.why) for r in out]  # was 46

