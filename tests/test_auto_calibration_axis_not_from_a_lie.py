"""Without a note and without the guided bend, the automatic calibration takes its sagittal axis
from the recording's deep forward excursions; a lie (beyond the lying tilt for the lying time)
is one of them, and its axis is the way the wearer lay down: validation 14024 cropped after its
guided bend took its lies for bends (sagittal confidence 0.51, 2.2 deg RMS shown valid)."""

from __future__ import annotations

import numpy as np
from kyphos.analysis import analyze
from kyphos.processing import calibration as cal
from kyphos.session import Session


def test_an_excursion_held_beyond_the_lying_tilt_is_no_bend() -> None:
    fs = 26.0
    dev = np.zeros(3000)
    dev[100:160] = np.radians(80.0)  # a 2.3-s deep lift
    dev[500:1500] = np.radians(85.0)  # 38 s lying
    dev[2000:2440] = np.radians(55.0)  # a task bend held 17 s (under the lying tilt)
    pairs = [(95, 130, 160), (495, 900, 1500), (1995, 2200, 2440)]
    assert cal._not_lying(pairs, dev, fs) == [0, 2]


def test_no_note_session_without_its_guided_bend_reads_its_flexion_within_a_degree() -> None:
    from kyphos.sim.validation import generate

    v = generate(14024, 52.0)
    t0 = float(v.truth.calibration["bend"][1]) + 1.0  # from after the guided bend
    s = v.to_session(calibration_note=False)
    k = s.time >= t0
    a = analyze(Session(time=s.time[k] - t0, acc=s.acc[k], gyr=s.gyr[k], fs=s.fs, info=s.info,
                        notes=[], header=s.header))
    ang = a.angles
    ok = ang.valid
    tt = ang.time[ok] + t0
    e = np.degrees(ang.flexion[ok] - np.interp(tt, v.truth.time, v.truth.flexion))
    assert a.calibration.sagittal_confidence > 0.9
    assert float(np.sqrt(np.mean(e**2))) < 1.0
