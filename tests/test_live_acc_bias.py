"""The live view removes the accelerometer's offset as the report does (issue 15, item 3).

The offline analysis fits the chip's offset to the recording's still postures and removes it
before the orientation filter (``calibration.estimate_acc_bias``). The live view estimates it
causally from the still postures seen so far (``causal.LiveAccBias``, the same fit) and
removes it from then on. On a chip with a 40 mg offset per axis, live and offline flexion in a
held 60° bend made after the estimate agree within 0.4°; without the live estimate they differ
by more than 1.5° (the offset turns the apparent gravity by a different angle in the bend than
in the upright the calibration was taken in)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from kyphos.analysis import analyze
from kyphos.processing import calibration as cal
from kyphos.processing.causal import LiveAccBias
from kyphos.processing.synthetic import bump, synth_imu
from kyphos.protocol.frames import Frame, Imu, Info, decode_frame, encode_frame
from kyphos.session import Session
from kyphos.transport.base import Received
from kyphos.views.live_figure import _bias_text
from kyphos.views.live_state import LiveState

FS = 52.0
ACC_SCALE = 4 * 9.80665 / 32768.0
GYR_SCALE = np.radians(500.0) / 32768.0
BIAS = np.array([40.0, 40.0, 40.0]) * 1e-3 * 9.80665  # 40 mg on each axis
UPRIGHT = (4.0, 9.0)
#: (start, end, peak flexion deg, peak lateral deg): held bends and a side lean; the last bend
#: is the one measured (after the offset has been estimated from the earlier postures)
MOVES = ((10.0, 26.0, 60.0, 0.0), (32.0, 46.0, 30.0, 0.0), (52.0, 64.0, 0.0, 25.0),
         (70.0, 88.0, 60.0, 0.0))
DURATION = 96.0


def _counts() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    t = np.arange(int(DURATION * FS)) / FS
    flex = np.radians(0.5) * np.sin(2 * np.pi * 0.2 * t)
    lat = np.zeros_like(t)
    for t0, t1, fpk, lpk in MOVES:
        b = bump(t, t0, t1, hold=0.75)
        flex += np.radians(fpk) * b
        lat += np.radians(lpk) * b
    rng = np.random.default_rng(5)
    acc, gyr = synth_imu(t, flex, lat, np.zeros_like(t), np.zeros_like(t), cal.NOMINAL,
                         acc_noise=0.01, gyr_noise=0.002, rng=rng)
    a_cnt = np.round((acc + BIAS) / ACC_SCALE)
    g_cnt = np.round(gyr / GYR_SCALE)
    return t, a_cnt, g_cnt, flex


def _received(t: np.ndarray, a_cnt: np.ndarray, g_cnt: np.ndarray) -> Iterator[Received]:
    def rec(fr: Frame) -> Received:
        raw = encode_frame(fr)
        return Received(-1, raw, decode_frame(raw)[0])

    yield rec(Frame(0, 0, Info((0, 1, 0), 1, 0, 0x07, round(FS * 100), 4, 500, ACC_SCALE,
                               GYR_SCALE, bytes(6), "test")))
    raw = np.column_stack([a_cnt, g_cnt]).astype(int)
    for seq, i in enumerate(range(0, len(raw), 13)):
        samples = tuple(tuple(int(x) for x in row) for row in raw[i : i + 13])
        yield rec(Frame(seq + 1, round(t[i] * 1e6), Imu(round(1e9 / FS), 0, samples)))  # type: ignore[arg-type]


def _live(t: np.ndarray, a_cnt: np.ndarray, g_cnt: np.ndarray,
          acc_bias: str | None) -> tuple[np.ndarray, LiveState]:
    """Live flexion (deg) per sample, ``c`` pressed at the end of the upright window."""
    st = LiveState(30.0, acc_bias=acc_bias)
    flex = np.full(len(t), np.nan)
    n = 0
    pressed = False
    for r in _received(t, a_cnt, g_cnt):
        got = st.ingest([r])
        if got:
            flex[n : n + got] = st._ring.last(got)[:, 1]
            n += got
        if not pressed and n and t[n - 1] >= UPRIGHT[1]:
            st.calibrate_now()
            pressed = True
    assert n == len(t)
    return flex, st


def test_live_offset_estimate_brings_live_flexion_to_the_report_in_a_held_bend() -> None:
    t, a_cnt, g_cnt, _truth = _counts()
    s = Session(time=t.copy(), acc=a_cnt * ACC_SCALE, gyr=g_cnt * GYR_SCALE, fs=FS,
                info={"imu_model": 1, "board": 0, "odr_chz": round(FS * 100), "acc_fs_g": 4,
                      "gyr_fs_dps": 500, "acc_scale": ACC_SCALE, "gyr_scale": GYR_SCALE},
                notes=[], header={})
    after, st = _live(t, a_cnt, g_cnt, "live")
    before, st0 = _live(t, a_cnt, g_cnt, None)
    # the report with the upright the live c took (the second before the press)
    t_c = st.calibrations[0]
    off = analyze(s, calibration={"upright": (t_c - 1.0 + 0.5 / FS, t_c), "auto_bend": False})
    # the report found the chip's offset in the sagittal plane (sensor x and z)
    got = off.calibration.acc_bias
    assert abs(got[0] - BIAS[0]) < 0.05 and abs(got[2] - BIAS[2]) < 0.05, got
    f_off = np.degrees(off.angles.flexion)
    proc = st.proc
    assert proc is not None and proc.bias_estimator is not None
    # estimated live from the postures before the measured bend, close to the report's
    assert proc.bias_since_s is not None and proc.bias_since_s < MOVES[-1][0]
    assert np.max(np.abs(proc.acc_bias - got)[[0, 2]]) < 0.03, (proc.acc_bias, got)
    assert proc.bias_estimator.postures >= 4
    # the held part of the last bend
    held = (t > MOVES[-1][0] + 5.0) & (t < MOVES[-1][1] - 5.0) & (f_off > 40.0)
    assert held.sum() > 5 * FS
    d_after = np.abs(after - f_off)[held]
    d_before = np.abs(before - f_off)[held]
    assert np.sqrt(np.mean(d_after**2)) < 0.4, np.sqrt(np.mean(d_after**2))
    assert np.sqrt(np.mean(d_before**2)) > 1.5, np.sqrt(np.mean(d_before**2))
    # upright stays where c put it (re-derived with the offset, not shifted by it)
    up = (t > MOVES[-1][1] + 2.0) & (t < DURATION - 1.0)
    assert np.max(np.abs(after - f_off)[up]) < 0.5
    # the view shows the offset and how many postures it comes from
    v = st.snapshot()
    assert v.acc_bias_mg is not None and v.bias_postures == proc.bias_estimator.postures
    np.testing.assert_allclose(v.acc_bias_mg, proc.acc_bias / cal.G * 1e3)
    assert abs(v.acc_bias_mg[0] - 40.0) < 5.0 and abs(v.acc_bias_mg[2] - 40.0) < 5.0
    assert st0.snapshot().acc_bias_mg == (0.0, 0.0, 0.0)
    # ... and the window's info panel says so
    mg = float(np.linalg.norm(v.acc_bias_mg))
    assert _bias_text(v) == f"acc offset {mg:.0f} mg ({v.bias_postures} postures)"
    assert 45 < mg < 78  # 40 mg on each axis (69 mg), y seen only through a 25° lean
    fresh = LiveState(30.0)
    fresh.ingest(list(_received(t[:130], a_cnt[:130], g_cnt[:130])))
    assert _bias_text(fresh.snapshot()) == "acc offset: waiting (0 of 2 postures)"


def test_live_offset_waits_for_two_still_postures_and_ignores_motion() -> None:
    """Before two still periods have ended nothing is removed (the view says it waits); a
    block of walking-like motion adds no posture; a new estimate takes effect at the next
    still row, not in the movement that ended the posture."""
    rng = np.random.default_rng(1)
    est = LiveAccBias(FS)
    up = np.array([9.81, 0.0, 0.0]) + BIAS
    still = up + rng.normal(0, 0.01, (int(8 * FS), 3))
    for i in range(0, len(still), 13):
        assert not est.update(still[i : i + 13], np.zeros((len(still[i : i + 13]), 3)))
    moving = up + rng.normal(0, 2.0, (int(6 * FS), 3))
    assert not est.update(moving, rng.normal(0, 1.0, moving.shape))
    assert est.postures == 1 and est.fit is None and not np.any(est.bias)
    tilted = np.array([9.81 * np.cos(0.9), 0.0, 9.81 * np.sin(0.9)]) + BIAS
    est.update(np.tile(tilted, (int(6 * FS), 1)) + rng.normal(0, 0.01, (int(6 * FS), 3)),
               np.zeros((int(6 * FS), 3)))
    est.update(moving, rng.normal(0, 1.0, moving.shape))  # the move ends the second posture
    # fitted, but not applied in the middle of the movement (the live height track would read
    # the step): it waits for the next still row
    assert est.postures == 2 and est.fit is not None and est.version == 0
    assert est.pending is not None and not np.any(est.bias)
    settle = np.vstack([moving[:26], np.tile(up, (int(4 * FS), 1))])
    gyr = np.vstack([rng.normal(0, 1.0, (26, 3)), np.zeros((int(4 * FS), 3))])
    assert est.update(settle, gyr)
    assert est.version == 1 and est.pending is None
    assert est.switch_row is not None and est.switch_row > 26  # after the movement
    np.testing.assert_array_equal(est.bias, est.fit.bias)


def test_a_new_offset_is_removed_from_the_kept_history_too() -> None:
    """When the estimate changes, the rows the view keeps (acc, and the earth-frame
    acceleration the activity and the lifts read) are re-expressed with it, so an activity
    window never holds two offsets (a step inside it read as a sit-down)."""
    t, a_cnt, g_cnt, _ = _counts()
    st = LiveState(30.0)
    k = int(8 * FS)  # upright standing, nominal mounting: body up = sensor x
    st.ingest(list(_received(t[:k], a_cnt[:k], g_cnt[:k])))
    before = st._ring.last(k).copy()
    db = np.array([0.2, -0.1, 0.3])
    st._rebias(db)
    after = st._ring.last(k)
    np.testing.assert_allclose(before[:, 6:9] - after[:, 6:9], np.tile(db, (k, 1)), atol=1e-12)
    # vertical: db in the body frame (Mᵀ·db, nominal mounting) seen through each row's own
    # flexion and lateral bend (the third row of Ry(flex)·Rx(lat))
    f, la = np.radians(before[:, 1]), np.radians(before[:, 2])
    b = cal.NOMINAL.T @ db
    up = -np.sin(f) * b[0] + np.cos(f) * np.sin(la) * b[1] + np.cos(f) * np.cos(la) * b[2]
    np.testing.assert_allclose(before[:, 5] - after[:, 5], up, atol=1e-9)
    # horizontal: the rest, whatever the heading
    dh = np.hypot(*(before[:, 12:14] - after[:, 12:14]).T)
    np.testing.assert_allclose(dh**2 + up**2, db @ db, atol=1e-9)


def test_an_earlier_calibrations_offset_is_used_until_the_live_fit() -> None:
    """A :class:`Calibration` from an earlier analysis of the same chip carries its
    ``acc_bias``: the live chain removes it from the first sample, until its own fit."""
    from kyphos.processing.causal import CausalProcessor

    b = np.array([0.3, -0.2, 0.25])
    proc = CausalProcessor(FS, cal.Calibration(cal.NOMINAL.copy(), "auto", 1.0, acc_bias=b),
                           acc_bias="live")
    np.testing.assert_array_equal(proc.acc_bias, b)
    up = np.tile([9.81, 0.0, 0.0], (int(2 * FS), 1)) + b
    ang = proc.process_chunk(np.arange(len(up)) / FS, up, np.zeros_like(up))
    # gravity along sensor x once the offset is out: the nominal mounting reads upright
    assert abs(np.degrees(ang.flexion[-1])) < 0.2
    plain = CausalProcessor(FS, cal.NOMINAL, acc_bias="live")
    assert not np.any(plain.acc_bias)
    assert abs(np.degrees(plain.process_chunk(np.arange(len(up)) / FS, up,
                                              np.zeros_like(up)).flexion[-1])) > 1.0
