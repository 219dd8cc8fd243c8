"""A sit on a low stool lowers the sensor as far as a squat lift (a hip 0.2 m above the floor:
~0.5 m of drop), with a forward lean, and a short one lasts no longer than a lift. The
upright-squat rule (da69121) closes a lowering only after its rise, so such sits were a risk
of being counted as lifts; this checks they are not, on the validation family's body model
(which shares no constant with the detector) with the seat lowered and the sit cut to 1-4 s."""

from __future__ import annotations

import dataclasses
import importlib
from typing import Any

import pytest
from kyphos.analysis import analyze

gen = importlib.import_module("kyphos.sim.validation.generate")
script = importlib.import_module("kyphos.sim.validation.script")


def test_short_sits_on_a_low_stool_are_sit_stand_not_lifts(monkeypatch: pytest.MonkeyPatch) -> None:
    block = script._block

    def stool_block(b: Any, kind: str) -> None:
        if kind != "stool":
            return block(b, kind)
        for _ in range(3):
            b.sit_down()
            b.stay(b.u(1.0, 4.0))
            b.stand_up()
            b.stay(b.u(3.0, 6.0))
        return None

    person = gen.draw_person
    monkeypatch.setattr(script, "_block", stool_block)
    monkeypatch.setattr(gen, "draw_person", lambda rng: dataclasses.replace(person(rng), seat_m=0.2))
    v = gen.generate(12, 104.0, blocks=("stool", "lifts"))
    sits = [(a, b) for a, b, k in v.script.activity if k == "transition"]
    assert len(sits) == 6
    found = analyze(v.to_session(calibration_note=True)).lifts
    truth = [(lf.start, lf.end) for lf in v.truth.lifts]
    assert len(found) == len(truth) >= 3
    for lf in found:
        assert any(min(lf.end_s, b) > max(lf.start_s, a) for a, b in truth), (lf.start_s, lf.end_s)
        assert not any(min(lf.end_s, b) > max(lf.start_s, a) for a, b in sits)
