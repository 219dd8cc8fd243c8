"""The live view measures a seated reach from the wearer's own sitting upright, as the report
does: someone who sits leaned back 8° and reaches forward 21° peaks under the lift's 22° on
the standing scale. Before, the live view passed no sitting upright to ``find_bends`` and hid
the shallow reach that the report shows. The session is the one of
``test_metrics_seated_reach_from_sitting_upright`` (validation body model, no clip slip), with
a minute of still sitting first so that the live view has measured the sitting upright."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from kyphos.analysis import analyze
from kyphos.views.live_state import LiveState
from test_metrics_seated_reach_from_sitting_upright import _overlaps, leaned_back_desk

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from live_vs_offline import stream  # noqa: E402


def test_live_finds_the_shallow_seated_reaches_the_report_finds(
        monkeypatch: pytest.MonkeyPatch) -> None:
    v, reaches, _slouch = leaned_back_desk(monkeypatch, sit_s=60.0)
    off = analyze(v.to_session(calibration_note=True))
    assert len(off.seated_reaches) == 2
    assert all(r.peak_flexion_deg < 22.0 for r in off.seated_reaches)

    st = LiveState(30.0)
    for _ in stream(v, st):
        pass
    assert st.sitting_upright_deg is not None and st.sitting_upright_deg < -4.0
    # a reach ends inside its scripted movement, as the report's
    live = [r.end_s for r in st.seated_reaches]
    assert len(live) == 2
    assert all(_overlaps((e - 0.5, e), b) for e, b in zip(live, reaches, strict=True))
