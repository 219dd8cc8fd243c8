"""A live clip-slip re-reference is undone when the quiet stands seen after it side with the
old mounting, as the report rejects such a candidate with the stands later in the recording
(``clipslip.later_stands_keep``); a real slip, kept by the stands after it, stays.

Validation seed 0 at 208 Hz: two quiet stands 5.9° off around a lying period (the threshold is
5°) were re-referenced live; the report has no such re-reference."""

from __future__ import annotations

import numpy as np
from kyphos.processing.causal import LiveClipSlip
from kyphos.processing.clipslip import RefPosture

FS = 52.0


def _stand(t0: float, dur: float, tilt_deg: float) -> RefPosture:
    a = np.radians(tilt_deg)
    up = np.array([np.sin(a), 0.0, np.cos(a)])  # gravity tipped forward in the sensor frame
    i0 = int(t0 * FS)
    return RefPosture(t0, t0 + dur, "standing", up, i0, i0 + int(dur * FS), up, up)


def _run(later_tilt_deg: float) -> LiveClipSlip:
    s = LiveClipSlip(FS)
    cal = np.eye(3)
    stands = [_stand(10.0, 8.0, 0.0), _stand(30.0, 8.0, 0.3), _stand(60.0, 5.0, 6.5),
              _stand(80.0, 5.0, 6.3)]
    for p in stands:
        s.add(p, cal, p.end_s + 1.0)
    assert len(s.re_references) == 1 and s.re_references[0].withdrawn_s is None
    assert not np.allclose(s.turn, np.eye(3))
    for t0 in (100.0, 120.0, 140.0):  # the wearer goes on standing: at which mounting?
        s.add(_stand(t0, 10.0, later_tilt_deg), cal, t0 + 11.0)
    return s


def test_a_re_reference_the_later_stands_do_not_keep_is_undone() -> None:
    s = _run(0.2)  # back at the old upright: the two 6° stands were a posture
    rr = s.re_references[0]
    assert rr.withdrawn_s == 111.0  # at the first stand that outweighs the one that confirmed it
    assert np.allclose(s.turn, np.eye(3))
    assert rr.to_dict()["withdrawn_s"] == 111.0


def test_a_slip_the_later_stands_keep_stays() -> None:
    s = _run(6.4)  # still 6.4° off in the old mounting: the clip did move
    assert s.re_references[0].withdrawn_s is None
    assert "withdrawn_s" not in s.re_references[0].to_dict()
    assert not np.allclose(s.turn, np.eye(3))
