"""A calibration the wearer makes later wins from then on (the founders' decision, fourteenth
session, LASTC): each later ``c`` (a board's CALIBRATED event, or a calibration NOTE) is a
re-reference in the report (``why`` "calibration"), from its time on, the first calibration
before it; the clip-slip detection goes on around it; whole and chunked analyses agree; the
live view and the report of the same recording agree. ``c`` while seated: with a standing
upright already taken it is kept (no CALIBRATE, the banner says how to recalibrate); with none
the seated upright is taken without asking for a forward bend."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import kyphos
import matplotlib
import numpy as np
import pytest
from kyphos.analysis import analyze, user_calibrations
from kyphos.recording.kyr import new_header, read_kyr
from kyphos.sim.scenario import simulate
from kyphos.sim.validation import generate
from kyphos.sim.validation.generate import write_counts_kyr
from kyphos.views.live import LiveSession
from kyphos.views.live_state import SEATED_KEPT, SEATED_NOTE

matplotlib.use("Agg")

_SENSOR = {"chip": "LSM6DSOX", "fs_hz": 104, "acc_range_g": 4, "gyr_range_dps": 500}
_MOUNT = {"pitch_deg": 17, "yaw_deg": 5, "roll_deg": -2}


def _scenario(name: str, segments: list[dict[str, Any]], **more: Any) -> dict[str, Any]:
    return {"format": "kyphos-scenario/1", "name": name, "seed": 3, "mount": _MOUNT,
            "sensor": _SENSOR, "segments": segments, **more}


def _run_board(scn: dict[str, Any], keys: dict[float, str], until_s: float, out: Path
               ) -> tuple[LiveSession, list[str]]:
    """The virtual board wearing ``scn`` in real time, recorded to ``out``, ``keys`` pressed at
    stream times; the banners seen, about twice a second."""
    s = LiveSession("sim", record=out, fps=5, connect_kwargs={"scenario": scn})
    s.press_at(keys)
    banners: list[str] = []
    s.start()
    try:
        stop_at = time.monotonic() + 4 * until_s + 60.0  # real time on a loaded machine
        while not s.ended.is_set() and time.monotonic() < stop_at:
            v = s.state.snapshot()
            banners.append(v.guide_note)
            if v.t_now == v.t_now and v.t_now > until_s:
                break
            time.sleep(0.5)
    finally:
        s.stop()
        s.join()
    assert s.error is None
    return s, banners


def _calibrated_events(rec: Any) -> np.ndarray:
    return np.asarray(rec.events["time"][rec.events["kind"] == 7], float)


def test_a_second_c_after_the_clip_moved_is_the_reports_upright_from_then_on(
        tmp_path: Path) -> None:
    # stands, c at 4 s and the guided bend; the clip tips 10 deg at 18 s while standing; the
    # wearer presses c again at 25 s and makes the guided bend it asks for (fifteenth session:
    # a later c asks again), then a stoop lift and a quiet stand
    scn = _scenario("two-c", [
        {"kind": "stand", "duration_s": 8},
        {"kind": "bend", "label": "calibration_bend", "flexion_deg": 60, "hold_s": 1.0},
        {"kind": "stand", "duration_s": 14},
        {"kind": "bend", "label": "calibration_bend", "flexion_deg": 60, "hold_s": 1.0},
        {"kind": "stand", "duration_s": 5},
        {"kind": "lift", "style": "stoop", "flexion_deg": 70},
        {"kind": "stand", "duration_s": 8}],
        clip_slips=[{"at_s": 18.0, "duration_s": 0.5, "pitch_deg": 10.0}])
    out = tmp_path / "two.kyr"
    s, _banners = _run_board(scn, {4.0: "c", 25.0: "c"}, 48.0, out)
    rec = kyphos.load(out)
    ev = _calibrated_events(rec)
    assert len(ev) == 2  # the board's answer to each c
    notes = [n for _t, n in rec.notes if n.get("kind") == "calibration"]
    assert len(notes) == 2 and all("bend" in n for n in notes)  # each c's guided bend
    assert [u.upright[1] for u in user_calibrations(rec)] == pytest.approx(ev, abs=2e-3)
    rep = analyze(rec)
    cal = [r for r in rep.re_references if r.why.startswith("calibration")]
    assert len(cal) == 1 and ev[0] < cal[0].t_s <= ev[1]
    assert rep.to_dict()["re_references"][-1]["why"] == "calibration (upright and bend)"
    # the last quiet stand reads upright in the report and live (same recording's times)
    off = s.state.calibrations[0] - ev[0]  # the view's device s minus the recording's s
    v = s.state.snapshot(60.0)
    t_live = np.asarray(v.t) - off
    last = (t_live > t_live[-1] - 4.0) & np.isfinite(v.flexion)
    live = float(np.mean(np.asarray(v.flexion)[last]))
    report = float(np.mean(np.interp(t_live[last], rep.angles.time,
                                     np.degrees(rep.angles.flexion))))
    assert abs(report) < 1.5 and abs(live - report) < 1.0
    assert len(rep.lifts) == len(s.state.lifts) == 1


def test_c_while_seated_keeps_the_standing_calibration_and_says_so(tmp_path: Path) -> None:
    scn = _scenario("seated-c-kept", [
        {"kind": "stand", "duration_s": 8},
        {"kind": "bend", "label": "calibration_bend", "flexion_deg": 60, "hold_s": 1.0},
        {"kind": "stand", "duration_s": 3},
        {"kind": "sit", "duration_s": 12},
        {"kind": "bend", "posture": "sit", "flexion_deg": 40, "hold_s": 1.0},
        {"kind": "sit", "duration_s": 3},
        {"kind": "stand", "duration_s": 4}])
    out = tmp_path / "seated.kyr"
    # c at 4 s standing; again at 27 s, sitting since about 20 s (stream time)
    s, banners = _run_board(scn, {4.0: "c", 27.0: "c"}, 44.0, out)
    assert any(m.startswith("sitting: calibration kept") for m in s.messages)
    assert SEATED_KEPT in banners
    rec = kyphos.load(out)
    assert len(_calibrated_events(rec)) == 1  # no CALIBRATE sent for the seated c
    assert s.state.calibrations_sitting == [False]
    rep = analyze(rec)
    assert not any(r.why.startswith("calibration") for r in rep.re_references)
    assert len(rep.seated_reaches) == len(s.state.seated_reaches) == 1
    assert rep.lifts == [] and s.state.lifts == []


@pytest.fixture(scope="module")
def seated_first(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Stand 5 s, sit 14 s, a 40 deg seated bend, sit, stand: a board's recording (no note, no
    event), from the scenario simulator."""
    r = simulate(_scenario("seated-first", [
        {"kind": "stand", "duration_s": 5},
        {"kind": "sit", "duration_s": 14},
        {"kind": "bend", "posture": "sit", "flexion_deg": 40, "hold_s": 1.0},
        {"kind": "sit", "duration_s": 4},
        {"kind": "stand", "duration_s": 6}]))
    path = tmp_path_factory.mktemp("seated") / "src.kyr"
    write_counts_kyr(path, np.column_stack([r.acc_raw, r.gyr_raw]), r.fs,
                     new_header("sim", subject="seated", device=None), None)
    return path


def test_a_first_c_while_seated_takes_the_upright_without_asking_for_a_bend(
        seated_first: Path, tmp_path: Path) -> None:
    out = tmp_path / "live.kyr"
    s = LiveSession(f"replay:{seated_first}@0", record=out)
    seen: list[str] = []
    s.state.on_calibrated = lambda t0, t1: seen.append(s.state._guide_text())
    s.run_headless(None, keys={15.0: "c"})  # sitting since about 8 s
    assert s.state.calibrations_sitting == [True]
    assert seen == [SEATED_NOTE]  # the banner, not the prompt for a bend
    notes = [json.loads(raw[10:]) for _h, raw in read_kyr(out).frames() if raw[1] == 0x20]
    (note,) = [n for n in notes if n.get("kind") == "calibration"]
    assert note["posture"] == "sitting" and note["method"] == "live" and "bend" not in note
    assert note["upright"][1] == pytest.approx(15.0, abs=0.15)
    assert s.state.calibration_bends_s == []  # the seated bend is no calibration bend
    rep = analyze(kyphos.load(out))
    assert rep.calibration.upright_s == pytest.approx(note["upright"])
    assert rep.calibration.calibration_bends_s == []
    assert len(rep.seated_reaches) == len(s.state.seated_reaches) == 1 and rep.lifts == []


def test_user_calibrations_are_the_notes_and_the_events_without_a_note_in_time_order() -> None:
    class Rec:
        notes = [(50.0, {"kind": "calibration", "method": "guided", "upright": [3.0, 4.0],
                         "bend": [5.0, 9.0]}),
                 (60.0, {"kind": "calibration", "method": "live", "posture": "sitting",
                         "upright": [39.0, 40.0], "bend": [41.0, 44.0]}),
                 (61.0, {"kind": "marker"})]
        events = np.array([(4.001, 7), (20.0, 7), (30.0, 3)],
                          dtype=[("time", float), ("kind", int)])

    cals = user_calibrations(Rec())
    assert [c.upright for c in cals] == [(3.0, 4.0), (19.0, 20.0), (39.0, 40.0)]
    assert [c.bend for c in cals] == [(5.0, 9.0), None, None]  # a seated one takes no bend
    assert [c.sitting for c in cals] == [False, False, True]


def test_whole_and_chunked_analyses_take_the_later_calibration_alike(tmp_path: Path) -> None:
    from kyphos.chunked import analyze_chunked
    from test_chunked_analysis_equals_whole import _flexion_rms, _same

    # validation 5 @104: its clip slip at 189.4 s; the wearer presses c again at 257 s
    v = generate(5, fs=104.0)
    path = tmp_path / "v5.kyr"
    notes = [v.calibration_note(),
             {"kind": "calibration", "method": "live", "upright": [256.0385, 257.0385]}]
    write_counts_kyr(path, np.column_stack([v.acc_counts, v.gyr_counts]), v.fs,
                     new_header("sim", subject="V-005", device=None), notes)
    whole = analyze(kyphos.load(path))
    whys = [r.why for r in whole.re_references]
    assert len(whys) == 2 and whys[1] == "calibration"  # the slip is still found before it
    assert abs(whole.re_references[0].t_s - 189.4) < 1.0
    assert 250.0 < whole.re_references[1].t_s <= 257.0385
    c = analyze_chunked(path, chunk_s=120.0)
    assert _flexion_rms(whole, c) <= 0.05
    assert _same(whole.to_dict(), c.to_dict()) == []


def test_the_reports_timeline_names_a_later_calibration_apart_from_a_slip() -> None:
    from kyphos.views import plots
    from kyphos.views.report import html_document
    from kyphos.views.summary import summarize_session
    from test_processing_clip_slip_rereferences import _run

    res, a = _run(10.0)
    s = summarize_session(res.to_session(), "day.kyr", analysis=a)
    s.re_references = list(s.re_references) + [
        {"t_s": float(s.re_references[-1]["t_s"]) + 30.0, "deg": 7.4, "why": "calibration"}]
    fig = plots.timeline_figure(s)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "calibrated again (c)" in labels and "clip slip, re-referenced" in labels
    html = html_document([s])
    assert "re-ref 10°" in html and "c 7°" in html


def test_a_given_calibration_ignores_the_recordings_later_calibrations(tmp_path: Path) -> None:
    from kyphos.processing.calibration import NOMINAL
    from kyphos.recording.synth import write_synth

    path = tmp_path / "bends.kyr"
    write_synth(path, 30.0)  # 60 deg bends at 0, 12 and 24 s; upright between them
    ses = kyphos.load(path)
    ses.notes = [(30.0, {"kind": "calibration", "upright": [9.5, 10.5]}),
                 (30.0, {"kind": "calibration", "upright": [20.0, 21.0]})]
    assert [r.why for r in analyze(ses).re_references] == ["calibration"]
    for given in (NOMINAL.copy(), "auto", "nominal"):  # an array once raised (`in` a tuple)
        assert not any(r.why.startswith("calibration")
                       for r in analyze(ses, calibration=given).re_references)
