"""The live (causal, chunked) chain agrees with the offline chain within the documented
tolerance (docs/accuracy.md): flexion RMS difference ≤ 1°, 99th percentile ≤ 2.5°."""

from __future__ import annotations

import numpy as np
from kyphos.processing.angles import trunk_angles
from kyphos.processing.causal import CausalProcessor
from kyphos.processing.orientation import orientation_segments
from kyphos.processing.preprocess import prepare
from kyphos.processing.synthetic import lift_session, mounting


def test_causal_chunks_match_offline_within_tolerance() -> None:
    s = lift_session(150, 104, n_lifts=10, mount=mounting(10, 15, -5), seed=4)
    m = s.sensor_from_body
    p = prepare(s.time, s.acc, s.gyr, s.fs)
    q = orientation_segments(p.gyr, p.acc, p.fs, p.segments)
    off = trunk_angles(p.time, q, m, p.fs, p.valid)
    proc = CausalProcessor(s.fs, m)
    parts = [proc.process_chunk(s.time[i : i + 13], s.acc[i : i + 13], s.gyr[i : i + 13])
             for i in range(0, len(s.time), 13)]
    flex = np.concatenate([a.flexion for a in parts])
    assert len(flex) == len(s.time)
    k = s.time > 5.0  # after the online filter's start-up
    d = np.degrees(flex - off.flexion)[k]
    assert np.sqrt(np.mean(d**2)) <= 1.0
    assert np.percentile(np.abs(d), 99) <= 2.5
    # and both follow the truth
    assert np.sqrt(np.mean(np.degrees(flex - s.flexion)[k] ** 2)) < 1.0


def test_chunk_size_does_not_change_the_result() -> None:
    s = lift_session(40, 104, n_lifts=2, seed=1)
    a = CausalProcessor(s.fs).process_chunk(s.time, s.acc, s.gyr)
    proc = CausalProcessor(s.fs)
    b = np.concatenate([proc.process_chunk(s.time[i : i + 7], s.acc[i : i + 7], s.gyr[i : i + 7]).flexion
                        for i in range(0, len(s.time), 7)])
    np.testing.assert_allclose(b, a.flexion, atol=1e-9)


def test_masked_samples_do_not_disturb_the_live_angle() -> None:
    s = lift_session(40, 104, n_lifts=0, seed=3, with_calibration=False)
    acc = s.acc.copy()
    hap = (s.time > 20) & (s.time < 22)
    rng = np.random.default_rng(0)
    acc[hap] += rng.normal(0, 15.0, (hap.sum(), 3))  # vibration
    clean = CausalProcessor(s.fs).process_chunk(s.time, s.acc, s.gyr)
    a = CausalProcessor(s.fs).process_chunk(s.time, acc, s.gyr, hap)
    raw = CausalProcessor(s.fs).process_chunk(s.time, acc, s.gyr)
    after = s.time > 19
    d_masked = np.max(np.abs(np.degrees(a.flexion - clean.flexion))[after])
    d_raw = np.max(np.abs(np.degrees(raw.flexion - clean.flexion))[after])
    assert d_masked < 0.5
    assert d_raw > 2 * d_masked
    assert a.masked[hap].all()
