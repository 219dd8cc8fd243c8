"""The live view's lift panel follows the report's validity rule (issue 15 item 6): it showed
"last: stoop, score 62" with no validity check. Now ``LiveState.validity()`` applies
``kyphos.processing.plausibility.rules`` to what the live view knows (gravity at rest, the
sample rate, the upright reference, the time measured), and the snapshot and the drawn panel
show no lifts where lifts cannot be trusted, no score (and no praise) below the bar, and why."""

from __future__ import annotations

import dataclasses

import matplotlib
import numpy as np
from kyphos.processing.calibration import NOMINAL
from kyphos.protocol.frames import Frame, Info, decode_frame
from kyphos.recording.synth import synth_frames
from kyphos.transport.base import Received
from kyphos.views.live_figure import LiveFigure
from kyphos.views.live_state import LiveState
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

matplotlib.use("Agg")


def _received(duration_s: float, fs: float = 104.0, acc_gain: float = 1.0) -> list[Received]:
    """The board's frames; ``acc_gain`` scales the accelerometer scale INFO announces (a
    driver that says g per count where it means m/s² per count: 1 / 9.81)."""
    out = []
    for h, raw in synth_frames(duration_s, fs=fs):
        fr = decode_frame(raw)[0]
        if isinstance(fr.payload, Info) and acc_gain != 1.0:
            p = dataclasses.replace(fr.payload, acc_scale=fr.payload.acc_scale * acc_gain)
            fr = Frame(fr.seq, fr.t_us, p)
        out.append(Received(h, raw, fr))
    return out


def _feed(st: LiveState, recs: list[Received]) -> None:
    for i in range(0, len(recs), 40):
        st.ingest(recs[i : i + 40])


def _panel(st: LiveState) -> str:
    fig = Figure(figsize=(12, 7), dpi=60)
    FigureCanvasAgg(fig)
    lf = LiveFigure(fig, 30.0)
    lf.update(st.snapshot())
    return str(lf.t_lift.get_text()).replace("\u00a0", " ")  # numbers keep their unit


def test_no_upright_reference_no_lifts_counted_until_calibrated() -> None:
    st = LiveState(30.0)  # the nominal mounting: no upright reference yet
    _feed(st, _received(45.0))  # bends at 12, 24 and 36 s, upright at the end
    assert len(st.lifts) == 3  # the detector found them ...
    v = st.snapshot()
    assert not v.valid and not v.angles_trusted and not v.lifts_trusted
    assert v.lift_count == 0 and v.last_lift is None  # ... the window does not count them
    assert v.warnings[0].startswith("no trustworthy upright reference") and "press c" in v.warnings[0]
    assert _panel(st) == "lifts: –\nnot counted: no trustworthy\nupright reference"
    assert st.calibrate_now() is not None
    v = st.snapshot()
    assert v.angles_trusted and v.lift_count == 3 and v.last_lift is not None
    assert v.last_lift.score is None  # 45 s measured: below the 60 s a score needs
    assert _panel(st).startswith("lifts: 3 · style: no hip height\nlast: stoop, not scored\nonly 45 s")


def test_a_score_once_the_bar_is_met() -> None:
    st = LiveState(30.0, calibration=NOMINAL)  # an upright reference given
    _feed(st, _received(66.0))
    v = st.snapshot()
    assert v.valid and v.warnings == [] and st.validity().valid
    assert v.last_lift is not None and v.last_lift.score == st.lifts[-1].score
    assert v.last_lift.score is not None and 0 < v.last_lift.score < 100
    assert _panel(st).startswith(f"lifts: {v.lift_count} · style: no hip height\nlast: stoop, score ")


def test_too_low_a_rate_counts_no_lifts() -> None:
    st = LiveState(30.0, calibration=NOMINAL)
    _feed(st, _received(40.0, fs=13.0))
    v = st.snapshot()
    assert not v.lifts_trusted and v.angles_trusted
    assert v.lift_count == 0 and v.last_lift is None
    assert any("below the 20 Hz lifts need" in w for w in v.warnings)
    assert _panel(st) == "lifts: –\nnot counted: the sample rate is\n13 Hz, below the 20 Hz lifts need"


def test_implausible_units_trust_no_angle() -> None:
    st = LiveState(30.0, calibration=NOMINAL)
    _feed(st, _received(40.0, acc_gain=1 / 9.80665))
    v = st.snapshot()
    assert not v.angles_trusted and v.lift_count == 0
    assert v.warnings[0].startswith("gravity at rest reads 1 m/s², not 9.81")
    fig = Figure(figsize=(12, 7), dpi=60)
    FigureCanvasAgg(fig)
    lf = LiveFigure(fig, 30.0)
    lf.update(v)  # the banner gives the reason, not "posture OK"
    assert lf.t_banner.get_text().replace("\u00a0", " ") == "gravity at rest reads 1 m/s², not 9.81"
    assert st.calibrated and not st.may_coach()  # no slouch sound on untrusted angles
    # the same samples with the right scale: gravity is what it should be
    ok = LiveState(30.0, calibration=NOMINAL)
    _feed(ok, _received(40.0))
    g = ok._gravity()
    assert abs(g - 9.81) < 0.3 and ok.snapshot().angles_trusted and ok.may_coach()


def test_no_praise_below_the_bar() -> None:
    """A lift whose only reason is "good form" shows no reason while unscored."""
    from kyphos.views.live_state import LiftInfo

    st = LiveState(30.0, calibration=NOMINAL)
    _feed(st, _received(20.0))
    st.lifts.append(LiftInfo(9, "squat", 95.0, "good form", 25.0, 19.0))
    v = st.snapshot()
    assert not v.valid and v.last_lift is not None
    assert v.last_lift.score is None and v.last_lift.reason == ""
    assert st.lifts[-1].score == 95.0  # the state keeps what the detector gave
    assert np.isfinite(v.flex_now)
