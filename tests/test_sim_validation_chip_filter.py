"""The validation family's optional IMU sampling chain (kyphos.sim.validation.chip_filter):
its filters match the cited ST numbers, it attenuates a tone above the Nyquist frequency that
point sampling passes at full amplitude, it delays the gyroscope by about one output sample,
and without it the generator is the point-sampled one."""

from __future__ import annotations

import numpy as np
import pytest
from kyphos.sim.validation import chip_filter as cf
from kyphos.sim.validation import generate

RATES = (52.0, 104.0, 208.0)
#: LSM6DSO32 DocID032891 Table 18 (gyroscope LPF2 cutoff, Hz).
GYR_CUTOFF = {52.0: 16.6, 104.0: 33.0, 208.0: 66.8}
#: AN5040 Table 11, phase delay at 20 Hz (LPF1 on, FTYPE 00), degrees.
AN5040_PHASE_20HZ = {52.0: 144.0, 104.0: 75.0, 208.0: 40.0}


def _db(h: np.ndarray) -> np.ndarray:
    return 20.0 * np.log10(np.abs(h))


def _delay_samples(fs: float, sensor: str, f: float) -> float:
    """Phase delay at ``f`` in output samples."""
    ph = -np.unwrap(np.angle(cf.response(fs, np.linspace(1e-3, f, 400), sensor)))[-1]
    return float(ph / (2 * np.pi * f) * fs)


@pytest.mark.parametrize("fs", RATES)
def test_gyro_chain_has_the_tabled_cutoff_and_a_one_sample_delay(fs: float) -> None:
    assert _db(cf.response(fs, np.array([GYR_CUTOFF[fs]]), "gyr"))[0] == pytest.approx(-3.01, abs=0.05)
    # low-frequency group delay: the app note's 1.0 sample (its 0.8 ms belongs to the LPF1)
    assert _delay_samples(fs, "gyr", 0.5) == pytest.approx(1.0, abs=0.06)
    phase20 = np.degrees(-np.unwrap(np.angle(cf.response(fs, np.linspace(1e-3, 20.0, 400), "gyr")))[-1])
    assert abs(phase20 - AN5040_PHASE_20HZ[fs]) < 5.0, phase20
    # AN5040 Table 15 (LPF1 off): 3 samples discarded; the model is within 1 % by then
    k = cf.oversample(fs)
    x = np.zeros((20 * k, 3))
    x[k:] = 1.0  # a step at output sample 1
    _, y = cf.sample(x, x, fs, k)
    assert np.all(np.abs(y[4:, 0] - 1.0) < 0.01), y[:6, 0]


@pytest.mark.parametrize("fs", RATES)
def test_accelerometer_chain_is_3_db_down_at_half_the_odr_and_settles_within_two_samples(
        fs: float) -> None:
    assert _db(cf.response(fs, np.array([fs / 2]), "acc"))[0] == pytest.approx(-3.01, abs=0.05)
    assert 0.3 < _delay_samples(fs, "acc", 0.5) < 0.6
    k = cf.oversample(fs)
    x = np.zeros((20 * k, 3))
    x[k:] = 1.0  # a step at output sample 1
    y, _ = cf.sample(x, x, fs, k)
    # AN5040 Table 13: one sample discarded at 52-208 Hz (high-performance, LPF1 at ODR/2;
    # settling at 99 %): the model overshoots up to 4 % one sample after, 1 % two after
    assert np.all(np.abs(y[2:, 0] - 1.0) < 0.045) and np.all(np.abs(y[3:, 0] - 1.0) < 0.015), y[:6, 0]


@pytest.mark.parametrize("fs", RATES)
def test_a_tone_above_nyquist_is_attenuated_where_point_sampling_aliases_it(fs: float) -> None:
    k = cf.oversample(fs)
    t = np.arange(400 * k) / (k * fs)
    for f, sensor, limit_db in ((0.75 * fs, "acc", -7.5), (0.75 * fs, "gyr", -17.0)):
        x = np.sin(2 * np.pi * f * t)[:, None] * np.ones(3)
        acc, gyr = cf.sample(x, x, fs, k)
        y = (acc if sensor == "acc" else gyr)[100:, 0]
        point = x[::k][100:, 0]
        # the alias at fs - f (a quarter of the rate) reaches the output attenuated by |H(f)|
        gain = np.sqrt(2.0 * np.mean(y**2))
        assert np.sqrt(2.0 * np.mean(point**2)) == pytest.approx(1.0, abs=0.02)
        assert 20 * np.log10(gain) == pytest.approx(_db(cf.response(fs, np.array([f]), sensor))[0],
                                                    abs=0.3)
        assert 20 * np.log10(gain) < limit_db


def test_a_quarter_rate_tone_passes_with_the_chains_gain_and_delay() -> None:
    fs = 104.0
    k = cf.oversample(fs)
    f = fs / 4
    t = np.arange(400 * k) / (k * fs)
    x = np.sin(2 * np.pi * f * t)[:, None] * np.ones(3)
    acc, gyr = cf.sample(x, x, fs, k)
    tt = t[::k][100:]
    for y, sensor in ((acc, "acc"), (gyr, "gyr")):
        h = cf.response(fs, np.array([f]), sensor)[0]
        expect = np.abs(h) * np.sin(2 * np.pi * f * tt + np.angle(h))
        assert np.abs(y[100:, 0] - expect).max() < 1e-3


@pytest.fixture(scope="module")
def pair():
    blocks = ("lifts", "walk")
    return generate(5, 52.0, blocks=blocks), generate(5, 52.0, blocks=blocks, chip_filter="lsm6dsox")


def test_without_the_option_the_generator_point_samples(pair) -> None:
    point, _chip = pair
    again = generate(5, 52.0, blocks=("lifts", "walk"), chip_filter="none")
    for name in ("acc_counts", "gyr_counts", "acc_true", "gyr_true"):
        assert np.array_equal(getattr(point, name), getattr(again, name))
    with pytest.raises(ValueError):
        generate(5, 52.0, blocks=("walk",), chip_filter="mpu6050")


def test_chip_session_keeps_the_truth_and_delays_the_gyro_by_about_a_sample(pair) -> None:
    point, chip = pair
    assert np.array_equal(point.truth.flexion, chip.truth.flexion)
    assert np.array_equal(point.acc_counts.shape, chip.acc_counts.shape)
    # the best lag of the chip's error-free gyro behind the point-sampled one, in samples
    g0, g1 = point.gyr_true[:, 1], chip.gyr_true[:, 1]
    lags = np.arange(-1.0, 3.0, 0.05)
    n = np.arange(len(g0), dtype=float)
    err = [np.mean((np.interp(n - lag, n, g0) - g1)[50:-50] ** 2) for lag in lags]
    assert 0.85 <= float(lags[int(np.argmin(err))]) <= 1.3
    # and the gravity the chip reads at rest is the point-sampled one (DC gain 1)
    t0, t1 = chip.truth.calibration["upright"]
    k = (chip.time > t0) & (chip.time < t1)
    assert np.abs(chip.acc_true[k] - point.acc_true[k]).max() < 0.05
