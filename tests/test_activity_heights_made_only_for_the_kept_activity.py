"""The analysis classifies the activity before the clip-slip search and again after it when a
slip is found; the first activity's height and vertical velocity at every sample (two
interpolations from the decimated rows, 8 h at 104 Hz: 48 MB) are made only when that activity
is kept (``classify(..., heights=False)`` then ``activity.with_heights``): the same arrays, to
the bit, as ``classify`` makes at once (validation development seed 0 at 104 Hz)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from kyphos import analysis
from kyphos.processing import activity as act

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _activity import assert_same_activity as _equal  # noqa: E402


@pytest.fixture(scope="module")
def day() -> dict[str, Any]:
    from kyphos.sim.validation import generate

    s = generate(0, 104.0).to_session()
    a = analysis.analyze(s, clip_slips=False)  # the first activity is the one kept
    p = a.prepared
    tilt = analysis._tilt_of(p, a.quat, a.calibration, None)
    return {"a": a, "az": analysis.vertical_acceleration(a.quat, p.acc), "tilt": tilt}


def test_heights_wait_until_the_activity_is_kept(day: dict[str, Any]) -> None:
    p = day["a"].prepared
    args = (p.time, day["az"], p.acc, p.gyr, day["tilt"], p.fs, p.valid)
    full = act.classify(*args)
    assert len(full.height) == len(p.time)
    reuse = act.ClassifyReuse()
    lean = act.classify(*args, reuse=reuse, heights=False)
    assert len(lean.height) == 0 and len(lean.vertical_velocity) == 0
    assert np.array_equal(lean.kind, full.kind) and np.array_equal(lean.still, full.still)
    _equal(act.with_heights(lean, reuse), full)
    _equal(day["a"].activity, full)  # what analyze reported without a clip slip


def test_with_heights_leaves_a_full_activity_as_it_is(day: dict[str, Any]) -> None:
    p = day["a"].prepared
    full = act.classify(p.time, day["az"], p.acc, p.gyr, day["tilt"], p.fs, p.valid)
    assert act.with_heights(full, act.ClassifyReuse()) is full
