"""The live view measures a seated reach from the wearer's own sitting upright, as the report
does: someone who sits leaned back 8° and reaches forward 21° peaks under the lift's 22° on
the standing scale. Before, the live view passed no sitting upright to ``find_bends`` and hid
the shallow reach that the report shows. The session is the one of
``test_metrics_seated_reach_from_sitting_upright`` (validation body model, no clip slip)."""

from __future__ import annotations

import dataclasses
import importlib
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from kyphos.analysis import analyze
from kyphos.views.live_state import LiveState
from test_metrics_seated_reach_from_sitting_upright import _overlaps, _reach

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from live_vs_offline import frames  # noqa: E402

gen = importlib.import_module("kyphos.sim.validation.generate")
script = importlib.import_module("kyphos.sim.validation.script")


def test_live_finds_the_shallow_seated_reaches_the_report_finds(
        monkeypatch: pytest.MonkeyPatch) -> None:
    block = script._block
    reaches: list[tuple[float, float]] = []

    def desk(b: Any, kind: str) -> None:
        if kind != "desk":
            return block(b, kind)
        b.sit_down()
        b.stay(60.0)  # still sitting: the wearer's sitting upright, seen live too
        reaches.append(_reach(b, 21.0, 1.3, 0.8, 1.4))
        b.stay(8.0)
        b.slouch(20.0)
        b.stay(8.0)
        reaches.append(_reach(b, 24.0, 1.0, 1.5, 1.2))
        b.stay(6.0)
        b.stand_up()
        return None

    person = gen.draw_person
    slip = script.ClipSlip
    monkeypatch.setattr(script, "_block", desk)
    monkeypatch.setattr(script, "ClipSlip", lambda t, _deg, ax, dur: slip(t, 0.0, ax, dur))
    monkeypatch.setattr(gen, "draw_person",
                        lambda rng: dataclasses.replace(person(rng), sit_lean=np.radians(-8.0)))
    v = gen.generate(3, 104.0, blocks=("desk", "lifts"))
    off = analyze(v.to_session(calibration_note=True))
    report = [(r.start_s, r.end_s) for r in off.seated_reaches]
    assert len(report) == 2 and all(r.peak_flexion_deg < 22.0 for r in off.seated_reaches)

    st = LiveState(30.0)
    up_end = float(v.truth.calibration["upright"][1])
    pressed = False
    for t_last, r in frames(v):
        st.ingest([r])
        if not pressed and t_last >= up_end:
            st.calibrate_now()
            pressed = True
    assert st.sitting_upright_deg is not None and st.sitting_upright_deg < -4.0
    # a reach ends inside its scripted movement, as the report's
    live = [r.end_s for r in st.seated_reaches]
    assert len(live) == 2
    assert all(_overlaps((e - 0.5, e), b) for e, b in zip(live, reaches, strict=True))
