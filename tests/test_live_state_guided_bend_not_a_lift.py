"""The live view leaves the guided calibration bend out of its lift count, as the report does:
a stream that opens with quiet standing and then one forward bend (the validation family's
guided calibration, no calibration note) — the live view holds the bend back until it knows it
is not followed by more lifts of a sequence, then takes it for the calibration
(``kyphos.processing.calibration.calibration_sequence``, single-bend case).

Before, the live view counted the bend as one more lift. About 10 s.

The styles are compared on the lifts that start before the session's clip slip (22.1 s): the
report's calibration is the recording's first mounting (since the report no longer turns it
into a re-reference from 0 s), and the live view reads a lift made between a slip and its
confirmation (here 39 s) with the mounting before it — the live view's own latency, not the
guided bend. Before, the report handed over the mounting after the slip, which read the
third lift right and the first stretch 8 deg off."""

from __future__ import annotations

import numpy as np
from kyphos.analysis import analyze
from kyphos.protocol.frames import Frame, Imu, Info, decode_frame, encode_frame
from kyphos.sim.validation import generate, imu
from kyphos.transport.base import Received
from kyphos.views.live_state import LiveState


def _rec(fr: Frame) -> Received:
    raw = encode_frame(fr)
    return Received(-1, raw, decode_frame(raw)[0])


def test_live_leaves_the_guided_bend_out_like_the_report() -> None:
    v = generate(3, 52.0, blocks=("lifts",))
    off = analyze(v.to_session(calibration_note=False))
    st = LiveState(30.0, calibration=off.calibration.sensor_from_body, link_m=off.link_m)
    st.ingest([_rec(Frame(0, 0, Info((0, 1, 0), 1, 0, 0x07, round(v.fs * 100), 4, 500,
                                     imu.ACC_SCALE, imu.GYR_SCALE, bytes(6), "val")))])
    raw = np.column_stack([v.acc_counts, v.gyr_counts]).astype(int)
    period_ns = round(1e9 / v.fs)
    batch = []
    for seq, i in enumerate(range(0, len(raw), 13)):  # 13-sample batches, as the board sends
        samples = tuple(tuple(int(x) for x in row) for row in raw[i : i + 13])
        batch.append(_rec(Frame(seq + 1, round(v.time[i] * 1e6),
                                Imu(period_ns, 0, samples))))  # type: ignore[arg-type]
        if len(batch) == 4:
            st.ingest(batch)
            batch = []
    st.ingest(batch)
    b0, b1 = v.truth.calibration["bend"]
    (c0, c1), = off.calibration.calibration_bends_s
    (l0, l1), = st.calibration_bends_s
    assert c0 < b1 and b0 < c1 and l0 < b1 and b0 < l1  # both took the guided bend
    assert len(st.lifts) == len(off.lifts) == len(v.truth.lifts)
    (slip,) = v.truth.clip_slips
    before = sum(1 for lf in off.lifts if lf.start_s < slip.t)
    assert before == 2
    assert [lf.style for lf in st.lifts][:before] == [lf.style for lf in off.lifts][:before]
