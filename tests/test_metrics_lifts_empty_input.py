"""``find_bends`` and its helpers on an empty recording (or a window with no valid sample):
no lift, no exception — with and without vertical acceleration, orientation and an activity.
(Issue 15 reported a crash on an empty sequence; on the code of 2026-12-05 it no longer
crashed, this keeps it so.)"""

from __future__ import annotations

import numpy as np
import pytest
from kyphos.metrics.lifts import find_bends, lift_mask, lift_summary, link_from_bends
from kyphos.processing.activity import Activity
from kyphos.processing.angles import Angles


def _angles(n: int, valid: bool) -> Angles:
    t = np.arange(n) / 104.0
    x = np.zeros(n) if valid else np.full(n, np.nan)
    return Angles(t, x, x, x, x, x, x, np.full(n, valid), fs=104.0)


@pytest.mark.parametrize("n,valid", [(0, True), (1, True), (5, False), (300, False)])
def test_no_lift_and_no_error(n: int, valid: bool) -> None:
    ang = _angles(n, valid)
    az = np.zeros(n)
    quat = np.tile([1.0, 0.0, 0.0, 0.0], (n, 1))
    acc = np.tile([0.0, 0.0, 9.81], (n, 1))
    act = Activity(ang.time, np.zeros(n, np.int8), np.ones(n, bool), np.zeros(n), np.zeros(n),
                   np.zeros(0), fs=104.0)
    assert find_bends(ang) == []
    assert find_bends(ang, az) == []
    assert find_bends(ang, az, act, 0.5, quat=quat, acc=acc) == []
    assert link_from_bends(ang, az, [(0.0, 1.0)]) is None
    assert lift_mask(ang.time, []).shape == (n,)
    assert lift_summary([], 0.0)["count"] == 0
