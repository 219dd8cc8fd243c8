"""A lift that lowers the sensor more than a sit-down (``TRANSITION_RISE_M``), held still at
the bottom, whose rise runs on into the next lift with no still pause between them, so that
the movement holding the rise ends more than ``EXCURSION_MAX_S`` after the lowering began.

Old behaviour this pins down (validation 22026, issue 15): the excursion was closed only by a
movement that *ended* within ``EXCURSION_MAX_S``, so the lowering alone was a stand-to-sit, the
rest of the lifts block was "sitting" and both lifts were reported as seated reaches. The
sensor is back up within ``EXCURSION_MAX_S``: that closes the excursion. A sit-down followed by
as long a movement that stays down (fidgeting in the chair) is still a sit-down.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from kyphos.analysis import analyze
from kyphos.processing import calibration as cal
from kyphos.processing import params as P
from kyphos.processing.synthetic import bump, min_jerk, synth_imu
from kyphos.session import Session

FS = 104.0
T0 = 44.0  # the lowering starts here


def _run(rise: bool) -> Any:
    t = np.arange(int(80 * FS)) / FS
    flex = np.radians(1.0) * np.sin(2 * np.pi * 0.2 * t)
    yaw = np.zeros_like(t)
    flex += np.radians(60) * bump(t, 6.0, 9.0)  # the calibration bend
    # down 1.2 s, held still 1.5 s (a still period at the bottom), up 1.3 s (or stays down)
    dn = min_jerk((t - T0) / 1.2)
    if rise:
        dn = dn - min_jerk((t - T0 - 2.7) / 1.3)
    flex += np.radians(55) * dn  # semi-squat: 0.2 m at the hip + 55° on a 0.44-m lever
    hip = -0.2 * dn
    # turning from the rise on, 10 s without a still pause; with the rise, a slow stoop in it
    yaw += np.radians(25) * np.sin(2 * np.pi * 0.35 * (t - T0 - 3.0)) * (
        (t > T0 + 3.0) & (t < T0 + 13.0))
    if rise:
        flex += np.radians(70) * bump(t, T0 + 5.0, T0 + 11.0, hold=0.0)
    acc, gyr = synth_imu(t, flex, np.zeros_like(t), yaw, hip, cal.NOMINAL, acc_noise=0.02,
                         gyr_noise=0.003, rng=np.random.default_rng(0))
    s = Session(time=t, acc=acc, gyr=gyr, fs=FS, notes=[], header={})
    return analyze(s, calibration={"upright": (1.0, 5.0), "bend": (6.0, 9.0)})


def test_a_deep_held_lift_whose_rise_runs_into_the_next_lift_is_two_lifts_not_a_sit() -> None:
    a = _run(rise=True)
    # the setting this is about: the lowering is deeper than a sit-down and the movement with
    # its rise ends past EXCURSION_MAX_S
    ex = [(x0 / FS, x1 / FS, d) for x0, x1, d in a.activity.excursions if x0 / FS > 40]
    assert len(ex) == 1, ex
    e0, e1, drop = ex[0]
    assert drop > P.TRANSITION_RISE_M and e1 - e0 > P.EXCURSION_MAX_S, ex
    assert a.activity.transitions == []
    assert [lf.style for lf in a.lifts] == ["semi-squat", "stoop"], a.lifts
    assert a.seated_reaches == []


def test_a_sit_down_followed_by_as_long_a_movement_that_stays_down_is_still_a_sit() -> None:
    a = _run(rise=False)
    assert [tr.kind for tr in a.activity.transitions] == ["stand_to_sit"]
    assert a.lifts == []
