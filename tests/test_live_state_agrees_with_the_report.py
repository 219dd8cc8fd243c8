"""The live view and the report use the same definitions: a simulated day (stand, walk, sit
with a slouch, seated reaches, stand up, an upright squat and a stoop, a 15 s task bend, a
standing slouch, a walk) streamed frame by frame through LiveState gives the lifts, styles,
seated reaches and slouch alerts that the offline analysis reports on the same recording.

Before issue 15 the live view counted the three seated reaches as lifts, missed the upright
squat, and would have alerted "slouch" during the task bend."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from kyphos.analysis import analyze
from kyphos.protocol.frames import Frame, Imu, Info, decode_frame, encode_frame
from kyphos.sim.scenario import simulate
from kyphos.transport.base import Received
from kyphos.views.live_state import LiveState
from test_analysis_activity_lifts_slouch import _day

FS = 52.0


def _received(res: Any) -> Iterator[Received]:
    def rec(fr: Frame) -> Received:
        raw = encode_frame(fr)
        return Received(-1, raw, decode_frame(raw)[0])

    yield rec(Frame(0, 0, Info((0, 1, 0), res.imu_model, 0, 0x07, round(res.fs * 100),
                               res.acc_range_g, res.gyr_range_dps, res.acc_scale, res.gyr_scale,
                               bytes(6), "sim")))
    raw = np.column_stack([res.acc_raw, res.gyr_raw]).astype(int)
    period_ns = round(1e9 / res.fs)
    for seq, i in enumerate(range(0, len(raw), 13)):  # 13-sample IMU batches, as the board
        t_us = round(res.time[i] * 1e6)
        samples = tuple(tuple(int(v) for v in row) for row in raw[i : i + 13])
        yield rec(Frame(seq + 1, t_us, Imu(period_ns, 0, samples)))  # type: ignore[arg-type]


def _stream(res: Any, st: LiveState) -> None:
    """Feed the session to ``st`` four frames at a time, as the link hands them over."""
    batch: list[Received] = []
    for r in _received(res):
        batch.append(r)
        if len(batch) == 4:
            st.ingest(batch)
            batch = []
    st.ingest(batch)


def test_live_and_offline_agree_on_lifts_reaches_and_slouches() -> None:
    res = simulate(_day(FS), seed=3)
    off = analyze(res.to_session())
    st = LiveState(30.0, calibration=off.calibration.sensor_from_body, link_m=off.link_m)
    alerts: list[float] = []
    st.on_alert = lambda: alerts.append(st._t_last_s or 0.0)
    _stream(res, st)
    # both leave the opening calibration bends out: the live view holds the first bends back
    # until it knows whether they form the calibration sequence (before: it counted all three)
    assert len(off.calibration.calibration_bends_s) == 3
    assert len(st.calibration_bends_s) == 3
    for (a0, a1), (b0, b1) in zip(st.calibration_bends_s, off.calibration.calibration_bends_s,
                                  strict=True):
        assert a0 < b1 and b0 < a1  # the same bends
    live = st.lifts
    assert [lf.style for lf in live] == [lf.style for lf in off.lifts] == ["squat", "stoop"]
    for live_lf, lf in zip(live, off.lifts, strict=True):
        # both end a lift where the sensor's speed falls to 5 % of its peak (before: live used
        # the 10 °/s flexion rule and ended up to ~0.3 s apart)
        assert abs(live_lf.end_s - lf.end_s) < 0.1
    assert len(st.seated_reaches) == len(off.seated_reaches) == 3
    # one alert per offline slouch episode, each once the episode has lasted slouch_min_s
    eps = off.posture.slouch_episodes
    assert len(alerts) == len(eps) == 2
    for t_alert, e in zip(alerts, eps, strict=True):
        assert e.start_s + 9.0 <= t_alert <= e.start_s + 12.0
    # the live activity followed the sit-down and the stand-up, and found the same sitting
    # upright (the slouch reference while sitting)
    assert st.posture == "standing"
    sit_off = off.posture.sitting_upright_deg
    assert sit_off is not None and st.sitting_upright_deg is not None
    assert abs(st.sitting_upright_deg - sit_off) < 1.0
