"""`kyphos live`: after `c` the view asks for one slow forward bend; the first forward excursion
after the prompt (``calibration.forward_excursions``, the shared rule) is the calibration bend
live (``LiveState.guided_bend``) and goes with the upright into the recording's calibration NOTE,
so that `kyphos analyze` of the recording takes the same bend. Without a bend within the time
limit the note has no bend and the automatic rule stays (LIVEGUIDE, thirteenth session)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import kyphos
import matplotlib
import numpy as np
import pytest
from kyphos.analysis import analyze
from kyphos.recording.kyr import new_header, read_kyr
from kyphos.recording.synth import write_synth
from kyphos.sim.validation import generate
from kyphos.sim.validation.generate import write_counts_kyr
from kyphos.views.live import LiveSession

matplotlib.use("Agg")


def _calibration_notes(path: Path) -> list[dict]:
    notes = [json.loads(raw[10:]) for _h, raw in read_kyr(path).frames() if raw[1] == 0x20]
    return [n for n in notes if n.get("kind") == "calibration"]


def test_after_c_the_first_bend_is_the_calibration_bend_live_and_in_the_recordings_note(
        tmp_path: Path) -> None:
    # validation 12003 @104 (its first 60 s, written as a board's recording without the
    # simulator's note), replayed; c at the end of the guided upright, as a wearer would
    v = generate(12003, 104.0)
    src, out = tmp_path / "src.kyr", tmp_path / "live.kyr"
    n = int(60.0 * v.fs)
    write_counts_kyr(src, np.column_stack([v.acc_counts, v.gyr_counts])[:n], v.fs,
                     new_header("sim", subject="V-12003", device=None), None)
    up_end = float(v.truth.calibration["upright"][1])
    s = LiveSession(f"replay:{src}@0", record=out)
    s.run_headless(None, keys={up_end: "c"})
    (note,) = _calibration_notes(out)
    assert note["method"] == "guided"
    assert note["upright"][1] == pytest.approx(up_end, abs=0.15)  # the second before c
    assert note["upright"][1] - note["upright"][0] == pytest.approx(1.0)
    b0, b1 = note["bend"]  # inside the script's bend (its motion ± 0.5 s)
    sb0, sb1 = v.truth.calibration["bend"]
    assert sb0 <= b0 < b1 <= sb1
    assert s.state.calibration_bends_s == [pytest.approx((b0, b1), abs=1e-3)]
    assert any(m.startswith("calibration bend taken") for m in s.messages)
    # the report of the recording takes the same bend, and counts the same lifts, same styles
    rep = analyze(kyphos.load(out))
    assert rep.calibration.method == "upright+bend"
    assert rep.calibration.calibration_bends_s == [pytest.approx((b0, b1), abs=1e-3)]
    live = s.state.lifts
    assert len(live) == len(rep.lifts) == 5
    for lf, off in zip(live, rep.lifts, strict=True):
        assert abs(lf.end_s - off.end_s) < 1.0 and lf.style == off.style


@pytest.fixture(scope="module")
def bends(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("guide") / "bends.kyr"
    write_synth(path, 30.0)  # 60° bends at 0, 12 and 24 s, 4.8 s each
    return path


def test_no_bend_within_the_time_limit_no_bend_in_the_note_and_the_automatic_rule_stays(
        bends: Path, tmp_path: Path) -> None:
    out = tmp_path / "live.kyr"
    s = LiveSession(f"replay:{bends}@0", record=out, guide_s=5.0)
    s.run_headless(None, keys={17.5: "c"})  # upright after the 12 s bend; the next at 24 s
    (note,) = _calibration_notes(out)
    assert "bend" not in note and note["method"] == "live"
    assert note["upright"][1] == pytest.approx(17.5, abs=0.05)
    assert any(m.startswith("no calibration bend") for m in s.messages)
    assert s.state.calibration_bends_s == []
    assert [round(lf.end_s) for lf in s.state.lifts] == [17, 29]  # the 24 s bend is a lift
    rep = analyze(kyphos.load(out))
    assert rep.calibration.calibration_bends_s == []
    assert round(rep.lifts[-1].end_s) == 29


def test_the_banner_asks_for_the_bend_then_says_it_was_taken(bends: Path) -> None:
    from kyphos.protocol.frames import decode_frame
    from kyphos.transport.base import Received
    from kyphos.views.live_figure import LiveFigure
    from kyphos.views.live_state import LiveState
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 6), dpi=50)
    FigureCanvasAgg(fig)
    figure = LiveFigure(fig, 30.0, 8.0, "test")
    st = LiveState(30.0, guide_s=20.0)
    got: list[tuple] = []
    st.on_guided = lambda up, bend: got.append((up, bend))
    texts = []
    for h, raw in read_kyr(bends).frames():
        st.ingest([Received(h, raw, decode_frame(raw)[0])])
        if not st.calibrations and st.samples >= 10 * 104:
            st.calibrate_now()
        if st.calibrations and st.samples % 104 < 13:  # about once a second
            figure.update(st.snapshot())
            texts.append(figure.t_banner.get_text())
    assert texts[0].startswith("bend forward slowly once, then stand up straight")
    assert "calibration bend taken" in texts
    (up, bend), = got
    assert up[1] == pytest.approx(10.0, abs=0.05) and 12.0 < bend[0] < bend[1] < 17.0
    assert st.calibration_bends_s == [bend] and len(st.lifts) == 1  # the 24 s bend


@pytest.mark.parametrize("target", ["sim"])
def test_a_board_calibration_writes_the_bend_with_the_upright_before_its_calibrated_event(
        tmp_path: Path, target: str) -> None:
    out = tmp_path / "sim.kyr"
    # the demo wearer stands 8 s, then makes two 60° calibration bends
    s = LiveSession(target, record=out, fps=10, connect_kwargs={"scenario": "demo"})
    s.press_at({4.0: "c"})
    s.start()
    try:
        stop_at = time.monotonic() + 120.0  # real time on a loaded machine: usually ~15 s
        while (not any("calibration bend" in m for m in s.messages)
               and not s.ended.is_set() and time.monotonic() < stop_at):
            time.sleep(0.1)
    finally:
        s.stop()
        s.join()
    assert s.error is None
    rec = kyphos.load(out)
    ev = rec.events["time"][rec.events["kind"] == 7]  # CALIBRATED, the board's answer to c
    assert len(ev) == 1
    (note,) = [n for _t, n in rec.notes if n.get("kind") == "calibration"]
    assert note["upright"] == pytest.approx([ev[0] - 1.0, ev[0]], abs=2e-3)  # the report's rule
    b0, b1 = note["bend"]
    assert ev[0] < b0 < b1 and b1 - b0 < 10.0
    rep = analyze(rec)
    assert rep.calibration.calibration_bends_s == [pytest.approx((b0, b1), abs=1e-3)]
