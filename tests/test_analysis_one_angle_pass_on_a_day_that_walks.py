"""The analysis makes one full pass of the trunk angles, also on a recording that walks and
has a clip slip (it made three: before the re-references, with them, and with the walking
bouts' orientation; on an 8-h day that walks, ~1 s of CPU). The activity reads only the
unfiltered flexion and lateral bend (``analysis.motion_activity``), so it is classified first
and the angles' filters run once, on the walking bouts' orientation — with the results of the
three passes (validation development seed 0 at 52 Hz: a clip slip blended over its movement,
2 min of walking)."""

from __future__ import annotations

import numpy as np
import pytest
from kyphos import analysis
from kyphos.processing import activity as act


def test_one_full_angle_pass_with_the_three_passes_results(monkeypatch: pytest.MonkeyPatch) -> None:
    from kyphos.sim.validation import generate

    calls: list[int] = []
    full = analysis._angles_of

    def counted(*args: object, **kw: object) -> analysis.Angles:
        calls.append(1)
        return full(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(analysis, "_angles_of", counted)
    a = analysis.analyze(generate(0, 52.0).to_session())
    assert len(calls) == 1
    p, c, rr = a.prepared, a.calibration, a.re_references
    assert rr and rr[-1].index_end is not None and a.activity is not None
    assert np.count_nonzero(a.activity.mask("walking")) > 30 * 52
    # the passes as they were: the activity from the re-referenced pass's angles, the angles
    # from the pass over the walking bouts' orientation
    before = full(p, a.quat, c, rr)
    activity = act.classify(p.time, analysis.vertical_acceleration(a.quat, p.acc), p.acc, p.gyr,
                            (before.flexion, before.lateral), p.fs, p.valid)
    assert np.array_equal(activity.kind, a.activity.kind)
    assert np.array_equal(activity.still, a.activity.still)
    want = analysis.walk_angles(p, a.quat, c, rr, activity)
    assert want is not None
    for name in ("flexion", "lateral", "axial", "flexion_velocity", "lateral_velocity",
                 "axial_velocity"):
        assert np.array_equal(getattr(a.angles, name), getattr(want, name), equal_nan=True), name
