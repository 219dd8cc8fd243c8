"""IMU error model of the validation family (own model; not ``kyphos.sim.imu_error``).

Per unit (drawn once per session): turn-on bias, scale-factor error and a small misalignment
rotation per sensor, a gyroscope sensitivity to linear acceleration; per sample: white noise
and a first-order Gauss–Markov bias wander; then quantisation to the LSB and clipping at the
full scale.

Datasheet anchors (ST LSM6DSOX, DS12814, Table 2 "Mechanical characteristics", typical values,
high-performance mode): accelerometer noise density An = 70 µg/√Hz, gyroscope rate noise
density Rn = 3.8 mdps/√Hz, zero-g offset LA_TyOff = ±20 mg, zero-rate level G_TyOff = ±1 dps,
sensitivity 0.122 mg/LSB at ±4 g and 17.5 mdps/LSB at ±500 dps. The sibling LSM6DSO datasheet
(DS12140 Rev 2, p. 10, notes 6, 8, 10) states that in high-performance mode both noise
densities are independent of the ODR and that RMS noise refers to a bandwidth of ODR/2, which
is how the densities are turned into per-sample noise here. Typical offsets are used as the
standard deviation of each unit's offset (so some units exceed them); the scale error (σ 0.6 %),
misalignment (σ 0.4°), g-sensitivity (σ 0.02 °/s/g) and the bias wander (σ 2 mg and 0.15 °/s,
correlation time 200–900 s) are own assumptions, not datasheet figures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial.transform import Rotation

_G0 = 9.80665  # the g of datasheet units (mg, g full scale)
ACC_NOISE_UG_RTHZ = 70.0
GYR_NOISE_MDPS_RTHZ = 3.8
ACC_OFFSET_MG = 20.0
GYR_OFFSET_DPS = 1.0
ACC_LSB_MG = 0.122  # ±4 g
GYR_LSB_MDPS = 17.5  # ±500 dps
ACC_FULL_SCALE_G = 4.0
GYR_FULL_SCALE_DPS = 500.0


@dataclass
class ImuUnit:
    acc_bias: np.ndarray  # m/s²
    gyr_bias: np.ndarray  # rad/s
    acc_gain: np.ndarray  # (3, 3): scale and misalignment
    gyr_gain: np.ndarray
    g_sens: np.ndarray  # (3, 3) rad/s per m/s²
    wander_tau_s: float
    noise_scale: float
    wander_scale: float = 1.0

    def to_dict(self) -> dict[str, object]:
        return {"acc_bias_mg": (self.acc_bias / _G0 * 1e3).round(2).tolist(),
                "gyr_bias_dps": np.degrees(self.gyr_bias).round(3).tolist(),
                "wander_tau_s": round(self.wander_tau_s, 1), "noise_scale": round(self.noise_scale, 3)}


def draw_unit(rng: np.random.Generator, error_scale: float = 1.0) -> ImuUnit:
    """One unit's errors; ``error_scale`` multiplies the offsets, scale errors, misalignment,
    g-sensitivity and bias wander (not the white noise): 0 gives an ideal chip with noise."""
    k = float(error_scale)

    def gain(scale_sd: float, mis_sd_deg: float) -> np.ndarray:
        mis = Rotation.from_rotvec(k * rng.normal(0.0, np.radians(mis_sd_deg), 3)).as_matrix()
        return np.diag(1.0 + k * rng.normal(0.0, scale_sd, 3)) @ mis

    return ImuUnit(
        acc_bias=k * rng.normal(0.0, ACC_OFFSET_MG * 1e-3 * _G0, 3),
        gyr_bias=k * rng.normal(0.0, np.radians(GYR_OFFSET_DPS), 3),
        acc_gain=gain(0.006, 0.4), gyr_gain=gain(0.006, 0.4),
        g_sens=k * rng.normal(0.0, np.radians(0.02) / _G0, (3, 3)),
        wander_tau_s=float(rng.uniform(200.0, 900.0)),
        noise_scale=float(rng.uniform(0.8, 1.6)),
        wander_scale=k,
    )


def _gauss_markov(rng: np.random.Generator, n: int, fs: float, tau: float, sd: float) -> np.ndarray:
    """(n, 3) first-order Gauss–Markov process, stationary standard deviation ``sd``."""
    from scipy.signal import lfilter

    a = np.exp(-1.0 / (fs * tau))
    w = rng.normal(0.0, sd * np.sqrt(1 - a * a), (n, 3))
    w[0] = rng.normal(0.0, sd, 3)
    return lfilter([1.0], [1.0, -a], w, axis=0)


#: m/s² and rad/s per count of the int16 output.
ACC_SCALE = float(np.float32(ACC_LSB_MG * 1e-3 * _G0))  # float32, as on the wire
GYR_SCALE = float(np.float32(np.radians(GYR_LSB_MDPS * 1e-3)))


def measure(unit: ImuUnit, acc: np.ndarray, gyr: np.ndarray, fs: float,
            rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(acc counts, gyr counts, clipped): int16 counts (× :data:`ACC_SCALE`,
    :data:`GYR_SCALE`) as the chip reports them from the true specific force (m/s²) and angular
    rate (rad/s), (N, 3) each, sensor frame."""
    n = len(acc)
    bw = fs / 2.0
    a_sd = ACC_NOISE_UG_RTHZ * 1e-6 * _G0 * np.sqrt(bw) * unit.noise_scale
    g_sd = np.radians(GYR_NOISE_MDPS_RTHZ * 1e-3) * np.sqrt(bw) * unit.noise_scale
    a = acc @ unit.acc_gain.T + unit.acc_bias + rng.normal(0.0, a_sd, (n, 3))
    a += _gauss_markov(rng, n, fs, unit.wander_tau_s, unit.wander_scale * 2e-3 * _G0)
    g = gyr @ unit.gyr_gain.T + unit.gyr_bias + acc @ unit.g_sens.T + rng.normal(0.0, g_sd, (n, 3))
    g += _gauss_markov(rng, n, fs, unit.wander_tau_s, unit.wander_scale * np.radians(0.15))
    a_cnt = np.rint(a / ACC_SCALE)
    g_cnt = np.rint(g / GYR_SCALE)
    a_max = min(32767.0, np.floor(ACC_FULL_SCALE_G * 1e3 / ACC_LSB_MG))
    g_max = min(32767.0, np.floor(GYR_FULL_SCALE_DPS * 1e3 / GYR_LSB_MDPS))
    clipped = np.any(np.abs(a_cnt) >= a_max, axis=1) | np.any(np.abs(g_cnt) >= g_max, axis=1)
    a_cnt = np.clip(a_cnt, -a_max, a_max)
    g_cnt = np.clip(g_cnt, -g_max, g_max)
    return a_cnt.astype(np.int16), g_cnt.astype(np.int16), clipped
