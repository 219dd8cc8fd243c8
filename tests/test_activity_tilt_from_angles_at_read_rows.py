"""``activity.classify`` given (flexion, lateral) instead of the tilt computes the tilt only at
the rows it reads (every ``fs // ACTIVITY_FS_HZ``-th; issue 15's speed target): the same
activity as from the full tilt array, at a decimating rate (104 Hz) and at one that is not (52)."""

from __future__ import annotations

import numpy as np
import pytest
from kyphos.analysis import analyze
from kyphos.processing import activity as act
from kyphos.processing.angles import vertical_acceleration
from kyphos.sim.validation import generate


@pytest.mark.parametrize("fs", [52.0, 104.0])
def test_tilt_from_angles_gives_the_same_activity(fs: float) -> None:
    v = generate(3, fs, blocks=("sit", "walk", "lifts"))
    a = analyze(v.to_session(calibration_note=True), clip_slips=False)
    p, g = a.prepared, a.angles
    az = vertical_acceleration(np.nan_to_num(a.quat), np.nan_to_num(p.acc))
    full = act.classify(p.time, az, p.acc, p.gyr, act.tilt_from_angles(g.flexion, g.lateral),
                        p.fs, p.valid)
    rows = act.classify(p.time, az, p.acc, p.gyr, (g.flexion, g.lateral), p.fs, p.valid)
    assert np.array_equal(full.kind, rows.kind) and np.array_equal(full.still, rows.still)
    assert np.array_equal(full.height, rows.height, equal_nan=True)
    assert full.excursions == rows.excursions and full.steps == rows.steps
    assert len(set(full.kind.tolist()) - {-1}) >= 2  # the session has several kinds
