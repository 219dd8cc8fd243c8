"""The guided state machine on a simulated wearer (no board): phases end by themselves, an
inconsistent repeat is flagged, and the tilt calibration removes mounting-yaw cross-talk."""

from __future__ import annotations

import copy

import numpy as np
from kyphos.assess.live import GuidedRun
from kyphos.assess.protocol import ASSESSMENT
from kyphos.metrics.rom import heading_from_tilts, movement_angles
from kyphos.processing.calibration import frame_from_axes
from kyphos.sim.scenario import load_scenario, simulate, validate


def _run(scn, seed=3):
    res = simulate(scn, seed=seed)
    run = GuidedRun(ASSESSMENT, res.fs)
    for i in range(0, len(res.time), 26):  # 0.25 s chunks, as a link delivers them
        run.feed(res.time[i:i + 26], res.acc[i:i + 26], res.gyr[i:i + 26])
    run.finish()
    return res, run


def test_inconsistent_repeat_is_flagged_and_phases_follow_the_wearer():
    raw = copy.deepcopy(load_scenario("assessment"))
    segs = raw["segments"]
    flex = segs[1]
    one = {k: v for k, v in flex.items() if k not in ("repeats",)}
    segs[1:2] = [dict(one, repeats=1), dict(one, repeats=1, flexion_deg=50.0),
                 dict(one, repeats=1)]
    scn = validate(raw, "varied")
    res, run = _run(scn)
    assert [w.name for w in run.windows] == [p.name for p in ASSESSMENT]
    assert not any(w.timed_out for w in run.windows)
    for w in run.windows[1:]:  # each move phase ends after its last scripted repeat
        if w.kind == "move":
            last = [m for m in res.truth.movements if m.label == w.direction][-1]
            assert last.hold_end < w.end_s < last.offset + 2.0
    out = run.result()
    f = out.rom["flexion"]
    assert f.inconsistent == [1] and f.flagged
    assert abs(f.repeats[1].rom_deg - 50) < 2 and abs(f.repeats[0].rom_deg - 70) < 2
    assert not out.rom["lateral_left"].flagged


def test_tilt_heading_removes_yaw_crosstalk():
    raw = copy.deepcopy(load_scenario("assessment"))
    raw["mount"] = {"pitch_deg": 15.0, "yaw_deg": 15.0, "roll_deg": 0.0}
    res = simulate(validate(raw, "yawed"), seed=1)
    q = res.truth.sensor_quat
    t = res.truth.time
    fl = [m for m in res.truth.movements if m.label == "flexion"][0]
    lr = [m for m in res.truth.movements if m.label == "lateral_right"][0]
    tilts = [(d, q[np.searchsorted(t, m.onset - 0.2)], q[np.searchsorted(t, m.hold_start + 0.5)])
             for d, m in (("flexion", fl), ("lateral_right", lr))]
    up = res.truth.sensor_from_body[:, 2]
    m_cal, w = heading_from_tilts(up, tilts)
    assert w > 0
    i = np.searchsorted(t, fl.hold_start + 0.5)
    naive = movement_angles(q[[i]], frame_from_axes(up))  # upright only, nominal heading
    cal = movement_angles(q[[i]], m_cal)
    assert abs(naive["lateral"][0]) > 10  # the uncalibrated heading turns flexion into side bend
    assert abs(cal["lateral"][0]) < 1.0 and abs(cal["flexion"][0] - 70) < 1.0
