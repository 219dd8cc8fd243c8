"""A CSV has no calibration note: the automatic calibration finds the guided calibration (quiet
standing, then one forward bend) itself and leaves that bend out of the lifts, as the note does
on a .kyr (``kyphos.processing.calibration.calibration_sequence``, the single-bend case).

Before, the bend was reported as one more lift (docs/accuracy.md section 6). Validation-family
lift blocks written as a CSV in another IMU's axes and units, read back with the flags; a few
seconds."""

from __future__ import annotations

from pathlib import Path

import pytest
from kyphos.analysis import analyze
from kyphos.recording.csv import load_csv
from kyphos.session import Session
from kyphos.sim.validation import generate, reader_axes


@pytest.mark.parametrize("seed", [3, 4])
def test_the_guided_bend_of_a_csv_is_not_a_lift(tmp_path: Path, seed: int) -> None:
    v = generate(seed, 52.0, blocks=("lifts",))
    p = tmp_path / "s.csv"
    v.write_csv(p, axes="-x,-y,z", acc_unit="g", gyr_unit="deg/s")
    a = analyze(load_csv(p, axes=reader_axes("-x,-y,z"), acc_unit="g", gyr_unit="deg/s"))
    b0, b1 = v.truth.calibration["bend"]
    assert a.calibration.calibration_bends_s  # found it
    assert all(c0 < b1 and b0 < c1 for c0, c1 in a.calibration.calibration_bends_s)
    assert not any(lf.start_s < b1 and b0 < lf.end_s for lf in a.lifts)
    assert len(a.lifts) == len(v.truth.lifts)  # and every lift is still there


def test_a_lift_after_a_pause_is_not_taken_for_the_calibration() -> None:
    # the same session with the opening quiet standing cut to 3 s: no guided calibration to
    # see, so its first bend stays a lift (the calibration note would say otherwise)
    v = generate(3, 52.0, blocks=("lifts",))
    ses = v.to_session(calibration_note=False)
    a = analyze(ses)
    keep = ses.time >= v.truth.calibration["upright"][1] - 3.0
    cut = Session(time=ses.time[keep] - ses.time[keep][0], acc=ses.acc[keep], gyr=ses.gyr[keep],
                  fs=ses.fs)
    b = analyze(cut)
    assert not b.calibration.calibration_bends_s
    assert len(b.lifts) == len(a.lifts) + 1
