"""A seed makes a simulated session reproducible, and streaming equals the batch call."""

from dataclasses import fields

import numpy as np
import pytest
from kyphos.sim.scenario import SimChunk, Simulator, TruthSamples, load_scenario, simulate


def _same(a: SimChunk, b) -> None:
    for k in ("time", "acc", "gyr", "acc_raw", "gyr_raw", "clipped", "acc_analog", "gyr_analog"):
        np.testing.assert_array_equal(getattr(a, k), getattr(b, k), err_msg=k)
    for f in fields(TruthSamples):
        np.testing.assert_array_equal(getattr(a.truth, f.name), getattr(b.truth, f.name),
                                      err_msg=f.name)


def test_same_seed_gives_identical_session():
    scn = load_scenario("demo")
    a = simulate(scn, seed=3)
    b = simulate(scn, seed=3)
    _same(a, b)
    assert a.truth.meta == b.truth.meta


def test_other_seed_changes_noise_but_not_the_script():
    scn = load_scenario("calibration")
    a = simulate(scn, seed=1)
    b = simulate(scn, seed=2)
    assert not np.array_equal(a.acc_raw, b.acc_raw)
    assert [m.onset for m in a.truth.movements] == [m.onset for m in b.truth.movements]


def test_scenario_seed_is_the_default():
    scn = load_scenario("calibration")
    scn["seed"] = 11
    _same(simulate(scn), simulate(scn, seed=11))


@pytest.mark.parametrize("chunk", [1, 97, 5000, 20000])
def test_streaming_chunks_equal_batch(chunk):
    # demo at 104 Hz is 14 258 samples: two internal blocks, chunks straddle the boundary
    scn = load_scenario("demo")
    batch = simulate(scn, seed=5, fs=104)
    sim = Simulator(scn, seed=5, fs=104)
    if chunk == 1:  # one sample at a time is slow in Python: check a stretch around a block edge
        parts = [sim.read(8190)] + [sim.read(1) for _ in range(5)]
        got = parts[0]
        n = 8195
        cat = np.concatenate
        assert [p.start for p in parts[1:]] == [8190, 8191, 8192, 8193, 8194]
        np.testing.assert_array_equal(cat([p.acc_raw for p in parts]), batch.acc_raw[:n])
        np.testing.assert_array_equal(cat([p.truth.flexion for p in parts]),
                                      batch.truth.flexion[:n])
        np.testing.assert_array_equal(got.gyr, batch.gyr[:8190])
        return
    parts = list(sim.chunks(chunk))
    assert all(len(p) == chunk for p in parts[:-1])
    assert [p.start for p in parts] == list(range(0, batch.time.size, chunk))
    whole = Simulator(scn, seed=5, fs=104).read(10**9)
    _same(whole, batch)
    from kyphos.sim.scenario import _concat

    _same(_concat(parts), batch)
    assert len(sim.read(10)) == 0  # exhausted


def test_fs_and_chip_overrides():
    scn = load_scenario("calibration")
    r = simulate(scn, seed=0, fs=52, chip="MPU-6050")
    assert r.fs == 52 and r.chip == "MPU-6050" and r.imu_model == 3
    assert np.allclose(np.diff(r.time), 1 / 52)
    assert r.time.size == int(r.truth.meta["duration"] * 52)


def test_read_until_follows_the_clock():
    sim = Simulator("calibration", seed=0, fs=50)
    a = sim.read_until(1.0)  # samples at 0, 0.02, …, 0.98
    assert len(a) == 50 and a.time[-1] == pytest.approx(0.98)
    assert len(sim.read_until(1.0)) == 0
    b = sim.read_until(1.011)
    assert b.start == 50 and len(b) == 1 and sim.position == 51


def test_sensor_source_gives_the_stream_at_any_time():
    from kyphos.sim.scenario import SensorSource

    ref = simulate("demo", seed=2, fs=208, chip="ideal")
    src = SensorSource("demo", seed=2, chip="ideal")
    idx = np.arange(0, ref.time.size, 37)
    got = np.array([src(t) for t in ref.time[idx]])
    np.testing.assert_allclose(got[:, :3], ref.truth.acc[idx], atol=2e-3)
    np.testing.assert_allclose(got[:, 3:], ref.truth.gyr[idx], atol=2e-4)
    # a chip running slightly fast samples between the grid points: still smooth and close
    times = np.arange(0, 60, 1 / (104 * 1.013))
    s1, s2 = SensorSource("demo", seed=2, chip="ideal"), SensorSource("demo", seed=2, chip="ideal")
    a = np.array([s1(t) for t in times])
    b = np.array([s2(t) for t in times])
    np.testing.assert_array_equal(a, b)
    ex = np.array([np.concatenate(s1.exact(t)) for t in times[::50]])
    assert np.abs(a[::50] - ex).max() < 0.5 * ref.acc_scale + 1e-9  # ideal: no noise at all
    # noisy chips: the same sequence of calls repeats exactly, and differs from the exact value
    n1, n2 = SensorSource("demo", seed=5), SensorSource("demo", seed=5)
    v1 = [n1(t) for t in (0.0, 0.01)]
    assert v1 == [n2(t) for t in (0.0, 0.01)]
    assert np.abs(np.subtract(v1[0], np.concatenate(n1.exact(0.0)))).max() > 1e-4
    # after the end the wearer holds the last pose
    end = SensorSource("demo", seed=2, chip="ideal")
    assert end(end.duration + 100) == end(end.duration + 200)
