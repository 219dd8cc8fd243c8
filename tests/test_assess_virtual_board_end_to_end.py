"""kyphos assess and kyphos exercise on the virtual board: phases, ROM and reps against the
scenario's truth; the recording has labelled phases and report/compare sections read it."""

from __future__ import annotations

import kyphos
import numpy as np
from kyphos.assess.live import program_phases
from kyphos.assess.program import load_program
from kyphos.assess.protocol import ASSESSMENT
from kyphos.assess.report import compare_section, report_section
from kyphos.assess.run import run_target


def test_assessment_on_virtual_board(tmp_path):
    path = tmp_path / "a.kyr"
    run, res = run_target("sim", list(ASSESSMENT), None, path, kind="assessment", subject="S01")
    truth = {"flexion": 70, "extension": 22, "lateral_left": 30, "lateral_right": 32,
             "rotation_left": 40, "rotation_right": 42}
    for d, want in truth.items():
        r = res.rom[d]
        assert len(r.repeats) == 3, d
        assert abs(r.mean_deg - want) < 2.0, (d, r.mean_deg)
        assert all(abs(x.hold_s - 1.5) < 0.5 for x in r.repeats), d
    s = kyphos.load(path)
    names = [n["phase"]["name"] for _t, n in s.notes if n.get("kind") == "phase"]
    assert names == [p.name for p in ASSESSMENT]
    sec = report_section(s)
    assert sec is not None and "Range of motion" in sec.html
    assert abs(sec.data["rom"]["flexion"]["mean_deg"] - 70) < 2.0
    cmp = compare_section([s, s])
    assert cmp is not None and len(cmp.data["rom_deg"]["flexion"]) == 2


def test_exercise_on_virtual_board(tmp_path):
    prog = load_program("seated_thoracic_extension")
    phases, targets = program_phases(prog)
    path = tmp_path / "e.kyr"
    run, res = run_target("sim", phases, targets, path, kind="exercise",
                          scenario=prog.scenario, program=prog.to_dict())
    e = res.exercises[0]
    assert e["reps_done"] == 8
    rng = [r["range_deg"][0] for r in e["reps"]]
    assert abs(rng[2] - 11) < 2 and np.all(np.abs(np.delete(rng, 2) - 16.5) < 2.5)
    fb = [u.text for u in run.updates if u.kind == "rep"]
    assert "go further" in fb[2] and "hold 3 s" in fb[5] and "slower" in fb[6]
    assert not any("slower" in x for x in fb[:6])
    hints = {u.text.split(" (")[0] for u in run.updates if u.kind == "hint"}
    assert {"hold 3 s", "hold 1 s", "and back", "go further", "slower"} <= hints
    s = kyphos.load(path)
    sec = report_section(s)
    assert sec is not None and "Exercise session" in sec.html
    cmp = compare_section([s, s])
    a = cmp.data["adherence"][prog.exercises[0].name]
    assert a["sessions"] == 2 and a["reps_done"] == 16 and a["reps_prescribed"] == 16
    assert cmp.data["exercise_sessions"] == 2 and cmp.data["exercise_sessions_prescribed"] == 7
