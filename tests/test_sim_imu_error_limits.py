"""The chip error model: quantisation, clipping at full scale, datasheet noise and bias."""

import numpy as np
import pytest
from kyphos.sim.body import G
from kyphos.sim.imu_error import CHIPS, make_error_model, quantise
from kyphos.sim.scenario import ScenarioError, simulate, validate


def _scn(chip="LSM6DSOX", segments=None, **sensor):
    return validate({
        "sensor": {"chip": chip, "fs_hz": 104, **sensor},
        "sway": {"flexion_deg": 0, "lateral_deg": 0, "axial_deg": 0, "breathing_deg": 0},
        "segments": segments or [{"kind": "stand", "duration_s": 20}],
    })


def test_quantise_rounds_to_counts_and_saturates_int16():
    c = quantise(np.array([0.49, 0.51, -1.5, 1e9, -1e9]), 1.0)
    assert c.dtype == np.int16
    assert c.tolist() == [0, 1, -2, 32767, -32768]


def test_reported_values_are_counts_times_scale():
    r = simulate(_scn(), seed=0)
    assert r.acc_raw.dtype == np.int16 and r.gyr_raw.dtype == np.int16
    np.testing.assert_array_equal(r.acc, r.acc_raw * r.acc_scale)
    np.testing.assert_array_equal(r.gyr, r.gyr_raw * r.gyr_scale)
    # LSM6DSOX at ±4 g: 0.122 mg/LSB; ±500 dps: 17.5 mdps/LSB
    assert r.acc_scale == pytest.approx(0.122e-3 * G)
    assert r.gyr_scale == pytest.approx(np.radians(17.5e-3))


def test_fast_lift_clips_a_small_gyro_range_and_flags_it():
    fast = [{"kind": "stand", "duration_s": 2},
            {"kind": "lift", "style": "stoop", "flexion_deg": 85, "down_s": 0.4, "up_s": 0.4}]
    r = simulate(_scn(segments=fast, gyr_range_dps=125, acc_range_g=2), seed=0)
    peak_true = np.degrees(np.abs(r.truth.gyr).max())
    assert peak_true > 300  # the motion really exceeds ±125 dps
    assert r.gyr_raw.max() == 32767 or r.gyr_raw.min() == -32768
    assert np.all(np.abs(r.gyr) <= 32768 * r.gyr_scale)
    at_limit = ((r.gyr_raw == 32767) | (r.gyr_raw == -32768) | (r.acc_raw == 32767)
                | (r.acc_raw == -32768)).any(axis=1)
    np.testing.assert_array_equal(r.clipped, at_limit)
    assert not r.clipped[: int(2 * r.fs)].any()


def test_white_noise_matches_the_datasheet_density():
    r = simulate(_scn(gyr_range_dps=125, acc_range_g=2, error_scale=0.0), seed=1)
    spec = CHIPS["LSM6DSOX"]
    bw = r.fs / 2
    sd_gyr = np.degrees(r.gyr.std(axis=0)) * 1e3  # mdps
    sd_acc = r.acc.std(axis=0) / G * 1e6  # µg
    assert sd_gyr == pytest.approx(np.full(3, spec.gyr_noise_mdps_rthz * np.sqrt(bw)), rel=0.2)
    assert sd_acc == pytest.approx(np.full(3, spec.acc_noise_ug_rthz * np.sqrt(bw)), rel=0.2)


def test_static_errors_stay_within_typical_spread_and_scale_with_error_scale():
    ss = np.random.SeedSequence(9)
    for chip in ("LSM6DSOX", "MPU-6050", "MPU-6500"):
        spec = CHIPS[chip]
        m = make_error_model(chip, 104, ss)
        assert np.all(np.abs(np.degrees(m.unit.gyr_bias)) <= spec.gyr_bias_dps)
        assert np.all(np.abs(m.unit.acc_bias) <= np.asarray(spec.acc_bias_mg) * 1e-3 * G)
        off = m.unit.gyr_matrix - np.diag(np.diag(m.unit.gyr_matrix))
        assert np.abs(off).max() <= spec.cross_axis
        assert np.abs(np.diag(m.unit.gyr_matrix) - 1).max() <= spec.gyr_scale_tol
        z = make_error_model(chip, 104, ss, error_scale=0.0)
        assert np.all(z.unit.gyr_bias == 0) and np.all(z.unit.acc_matrix == np.eye(3))


def test_mpu6050_standing_still_shows_its_large_zero_rate_offset():
    r = simulate(_scn(chip="MPU-6050", acc_range_g=2, gyr_range_dps=250), seed=3)
    bias = np.degrees(r.gyr.mean(axis=0))
    # turn-on bias plus 0.1 dps/g linear-acceleration sensitivity; drift stays below 0.1 dps
    g_sens = CHIPS["MPU-6050"].gyr_g_sens_dps_per_g * r.truth.acc.mean(axis=0) / G
    expected = np.degrees(r.truth.meta["imu_errors"]["gyr_bias"]) + g_sens
    np.testing.assert_allclose(bias, expected, atol=0.1)
    assert np.abs(bias).max() > 1.0  # ±20 dps typical: a 1 dps floor is very unlikely missed


def test_ideal_chip_is_only_quantised():
    r = simulate(_scn(chip="ideal"), seed=0)
    assert np.abs(r.acc - r.truth.acc).max() <= r.acc_scale / 2 + 1e-12
    assert np.abs(r.gyr - r.truth.gyr).max() <= r.gyr_scale / 2 + 1e-12


def test_unavailable_range_is_a_one_line_error_naming_the_key():
    with pytest.raises(ScenarioError, match=r"sensor\.gyr_range_dps") as e:
        _scn(chip="MPU-6050", gyr_range_dps=125)
    assert "\n" not in str(e.value)


def test_analog_values_digitise_to_the_counts():
    r = simulate(_scn(), seed=4)
    q = quantise(r.acc_analog, r.acc_scale)
    np.testing.assert_array_equal(q, r.acc_raw)
    np.testing.assert_array_equal(quantise(r.gyr_analog, r.gyr_scale), r.gyr_raw)
    # a chip model configured for ±16 g quantises the same analog values more coarsely
    coarse = quantise(r.acc_analog, CHIPS["LSM6DSOX"].acc_lsb_mg[16] * 1e-3 * G)
    assert np.abs(coarse.astype(int) * 4 - r.acc_raw).max() <= 3
