"""Without a calibration note, a clip slip whose later standing is the more upright one made the
automatic upright come from after the slip, and ``find_slips`` turned the stretch before it with
a re-reference from the first row ("the calibration's upright is after a clip slip"). That was
no slip: it is now the calibration's own mounting (the same mounting on every row), and only the
true slip is reported (validation 19000-19029 @104 without a note: 18 false re-references at
0 s, each the size of the session's one slip)."""

from __future__ import annotations

from pathlib import Path

import kyphos
import numpy as np
from kyphos.analysis import analyze, opening_reref_folded
from kyphos.chunked import analyze_chunked
from kyphos.processing import calibration as cal
from kyphos.processing import clipslip


def _rr(index: int, why: str) -> clipslip.ReReference:
    return clipslip.ReReference(float(index), 9.0, why, np.eye(3) * 2.0, index)


def test_an_opening_rereference_becomes_the_automatic_calibrations_mounting() -> None:
    auto = cal.Calibration(cal.NOMINAL.copy(), "auto", 0.9)
    rr = [_rr(0, clipslip.WHY_AFTER_SLIP), _rr(500, "standing at 5 s and standing at 9 s")]
    c, out = opening_reref_folded(auto, rr)
    assert np.array_equal(c.sensor_from_body, rr[0].sensor_from_body)
    assert out == rr[1:]
    # with a note (any other method) and without an opening one: as found
    note = cal.Calibration(cal.NOMINAL.copy(), "upright+bend", 1.0)
    assert opening_reref_folded(note, rr) == (note, rr)
    assert opening_reref_folded(auto, rr[1:]) == (auto, rr[1:])


def test_no_note_session_reports_only_its_clip_slip_whole_and_chunked(tmp_path: Path) -> None:
    from kyphos.sim.validation import generate

    v = generate(19000, 52.0)
    (slip,) = v.truth.clip_slips
    path = v.write_kyr(tmp_path / "v19000.kyr", calibration_note=False)
    whole = analyze(kyphos.load(path))
    assert whole.calibration.method == "auto"
    assert [abs(r.t_s - slip.t) < 20.0 for r in whole.re_references] == [True]
    part = analyze_chunked(path, chunk_s=120.0)
    assert [r.t_s for r in part.re_references] == [r.t_s for r in whole.re_references]
    assert np.allclose(part.calibration.sensor_from_body, whole.calibration.sensor_from_body,
                       atol=1e-6)
