"""IMU chip error models: white noise, turn-on bias plus random-walk drift, scale and cross-axis
errors, gyro g-sensitivity, quantisation to int16 counts and clipping at full scale.

Numbers are the datasheets' typical values (sources in ``ChipSpec.source`` and
docs/scenarios.md); bias drift is not specified by these datasheets and is an own assumption
(temperature coefficient × a few °C of warm-up per hour, modelled as a random walk).

Errors are applied in the kyphos sensor frame (the firmware remaps the chip's axes to it), per
sample: ``counts = clip(round((M·true + b(t) + n) / lsb))``. The model keeps state (random
generators and the random-walk bias) so consecutive blocks continue one another exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from kyphos.sim.body import G

_DPS = np.pi / 180.0
_INT16_MIN, _INT16_MAX = -32768, 32767


@dataclass(frozen=True)
class ChipSpec:
    """Datasheet numbers of one IMU chip (typical values; units in the names).

    ``acc_lsb_mg`` / ``gyr_lsb_mdps`` map a full-scale setting to its sensitivity; the bias
    and scale figures are ± typical spreads from which each simulated unit draws its own
    error uniformly.
    """

    name: str
    imu_model: int  # INFO imu_model code of docs/protocol.md
    acc_lsb_mg: dict[int, float]  # full scale ±g → mg per LSB
    gyr_lsb_mdps: dict[int, float]  # full scale ±dps → mdps per LSB
    acc_noise_ug_rthz: float
    gyr_noise_mdps_rthz: float
    acc_bias_mg: tuple[float, float, float]
    gyr_bias_dps: float
    acc_scale_tol: float  # fraction
    gyr_scale_tol: float
    cross_axis: float  # fraction
    acc_bias_rw_mg_rts: float  # random-walk drift, mg/√s (assumption)
    gyr_bias_rw_dps_rts: float  # dps/√s (assumption)
    gyr_g_sens_dps_per_g: float  # gyro output per g of linear acceleration
    max_bandwidth_hz: float  # digital low-pass cut-off that bounds the noise bandwidth
    source: str

    def bandwidth_hz(self, fs: float) -> float:
        """Noise bandwidth at output rate fs: ODR/2, or the chip's low-pass if lower."""
        return min(fs / 2.0, self.max_bandwidth_hz)


_MPU_ACC = {2: 1000 / 16384, 4: 1000 / 8192, 8: 1000 / 4096, 16: 1000 / 2048}
_MPU_GYR = {250: 1000 / 131, 500: 1000 / 65.5, 1000: 1000 / 32.8, 2000: 1000 / 16.4}

_LSM6DSOX = ChipSpec(
    name="LSM6DSOX",
    imu_model=1,
    acc_lsb_mg={2: 0.061, 4: 0.122, 8: 0.244, 16: 0.488},
    gyr_lsb_mdps={125: 4.375, 250: 8.75, 500: 17.5, 1000: 35.0, 2000: 70.0},
    acc_noise_ug_rthz=70.0,
    gyr_noise_mdps_rthz=3.8,
    acc_bias_mg=(20.0, 20.0, 20.0),
    gyr_bias_dps=1.0,
    acc_scale_tol=0.01,
    gyr_scale_tol=0.01,
    cross_axis=0.01,
    acc_bias_rw_mg_rts=0.005,
    gyr_bias_rw_dps_rts=0.0005,
    gyr_g_sens_dps_per_g=0.0,
    max_bandwidth_hz=1e9,
    source=(
        "ST DS12814 (LSM6DSOX) Table 2, high-performance mode: An 70 µg/√Hz, Rn 3.8 mdps/√Hz, "
        "LA_TyOff ±20 mg, G_TyOff ±1 dps, LA_So 0.061–0.488 mg/LSB, G_So 4.375–70 mdps/LSB; "
        "scale ±1 % and cross-axis ±1 % assumed (not in the table); bias drift assumed from "
        "±0.1 mg/°C and ±0.01 dps/°C over ~3 °C/h"
    ),
)
# the LSM6DS3TR-C shares the LSM6DSOX's sensitivities and assumed scale/cross-axis/drift
CHIPS: dict[str, ChipSpec] = {
    "LSM6DSOX": _LSM6DSOX,
    "LSM6DS3TR-C": replace(
        _LSM6DSOX,
        name="LSM6DS3TR-C",
        imu_model=2,
        acc_noise_ug_rthz=90.0,
        gyr_noise_mdps_rthz=4.0,
        acc_bias_mg=(40.0, 40.0, 40.0),
        gyr_bias_dps=2.0,
        source=(
            "ST DS11955 (LSM6DS3TR-C) Table 3, high-performance mode: An 90 µg/√Hz, Rn 4 mdps/√Hz, "
            "LA_TyOff ±40 mg, G_TyOff ±2 dps (values to re-check against the datasheet); scale, "
            "cross-axis and drift assumed as for the LSM6DSOX"
        ),
    ),
    "MPU-6050": ChipSpec(
        name="MPU-6050",
        imu_model=3,
        acc_lsb_mg=_MPU_ACC,
        gyr_lsb_mdps=_MPU_GYR,
        acc_noise_ug_rthz=400.0,
        gyr_noise_mdps_rthz=5.0,
        acc_bias_mg=(50.0, 50.0, 80.0),
        gyr_bias_dps=20.0,
        acc_scale_tol=0.03,
        gyr_scale_tol=0.03,
        cross_axis=0.02,
        acc_bias_rw_mg_rts=0.025,
        gyr_bias_rw_dps_rts=0.008,
        gyr_g_sens_dps_per_g=0.1,
        max_bandwidth_hz=44.0,
        source=(
            "InvenSense PS-MPU-6000A-00 rev 3.4 §6.1–6.2: accel PSD 400 µg/√Hz, gyro 0.005 dps/√Hz, "
            "zero-g ±50 mg (x, y) / ±80 mg (z), initial ZRO ±20 dps, sensitivity ±3 %, cross-axis "
            "±2 %, linear acceleration sensitivity 0.1 dps/g; DLPF_CFG=3 (44 Hz) assumed; drift "
            "assumed from ±35 mg and ±20 dps over the temperature range, ~3 °C/h"
        ),
    ),
    "MPU-6500": ChipSpec(
        name="MPU-6500",
        imu_model=4,
        acc_lsb_mg=_MPU_ACC,
        gyr_lsb_mdps=_MPU_GYR,
        acc_noise_ug_rthz=300.0,
        gyr_noise_mdps_rthz=10.0,
        acc_bias_mg=(60.0, 60.0, 80.0),
        gyr_bias_dps=5.0,
        acc_scale_tol=0.03,
        gyr_scale_tol=0.03,
        cross_axis=0.02,
        acc_bias_rw_mg_rts=0.02,
        gyr_bias_rw_dps_rts=0.004,
        gyr_g_sens_dps_per_g=0.0,
        max_bandwidth_hz=44.0,
        source=(
            "InvenSense PS-MPU-6500A-01 rev 1.1 §3.1–3.2: accel 300 µg/√Hz, gyro 0.01 dps/√Hz, "
            "zero-g ±60 mg (x, y) / ±80 mg (z), initial ZRO ±5 dps, sensitivity ±3 %, cross-axis "
            "±2 %; DLPF 44 Hz and drift assumed"
        ),
    ),
}
# an error-free chip with LSM6DSOX resolution: quantisation and clipping only
CHIPS["ideal"] = ChipSpec(
    name="ideal",
    imu_model=0,
    acc_lsb_mg=CHIPS["LSM6DSOX"].acc_lsb_mg,
    gyr_lsb_mdps=CHIPS["LSM6DSOX"].gyr_lsb_mdps,
    acc_noise_ug_rthz=0.0,
    gyr_noise_mdps_rthz=0.0,
    acc_bias_mg=(0.0, 0.0, 0.0),
    gyr_bias_dps=0.0,
    acc_scale_tol=0.0,
    gyr_scale_tol=0.0,
    cross_axis=0.0,
    acc_bias_rw_mg_rts=0.0,
    gyr_bias_rw_dps_rts=0.0,
    gyr_g_sens_dps_per_g=0.0,
    max_bandwidth_hz=1e9,
    source="no errors; LSM6DSOX sensitivities",
)


@dataclass
class UnitErrors:
    """The static errors one simulated unit drew (SI units): turn-on biases, and the 3×3
    matrices ``true → measured`` (1 + scale error on the diagonal, cross-axis off it)."""

    acc_bias: np.ndarray  # m/s²
    gyr_bias: np.ndarray  # rad/s
    acc_matrix: np.ndarray
    gyr_matrix: np.ndarray

    def as_dict(self) -> dict[str, list]:
        return {k: np.asarray(v).tolist() for k, v in self.__dict__.items()}


def _error_matrix(rng: np.random.Generator, scale_tol: float, cross: float) -> np.ndarray:
    m = rng.uniform(-cross, cross, size=(3, 3))
    m[np.diag_indices(3)] = 1.0 + rng.uniform(-scale_tol, scale_tol, size=3)
    return m


@dataclass
class ImuErrorModel:
    """A chip at one configuration, with the errors of one unit and its running state.

    Build with :func:`make_error_model`; call :meth:`apply` on consecutive blocks.
    """

    spec: ChipSpec
    fs: float
    acc_range_g: int
    gyr_range_dps: int
    noise_scale: float
    unit: UnitErrors
    acc_sigma: float  # white-noise standard deviation per sample, m/s²
    gyr_sigma: float  # rad/s
    acc_rw_step: float  # random-walk step per sample, m/s²
    gyr_rw_step: float  # rad/s
    _rngs: list[np.random.Generator] = field(repr=False)
    _acc_drift: np.ndarray = field(default_factory=lambda: np.zeros(3), repr=False)
    _gyr_drift: np.ndarray = field(default_factory=lambda: np.zeros(3), repr=False)

    @property
    def acc_scale(self) -> float:
        """m/s² per LSB."""
        return self.spec.acc_lsb_mg[self.acc_range_g] * 1e-3 * G

    @property
    def gyr_scale(self) -> float:
        """rad/s per LSB."""
        return self.spec.gyr_lsb_mdps[self.gyr_range_dps] * 1e-3 * _DPS

    def measure(self, acc: np.ndarray, gyr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """What the sensing element reports before the ADC: true specific force (N, 3, m/s²)
        and angular rate (N, 3, rad/s) with this unit's bias, drift, scale, cross-axis and
        noise, still in SI units (not quantised or clipped). Advances the noise state."""
        n = len(acc)
        r_an, r_gn, r_ab, r_gb = self._rngs
        acc_drift = _walk(self._acc_drift, r_ab.standard_normal((n, 3)) * self.acc_rw_step)
        gyr_drift = _walk(self._gyr_drift, r_gb.standard_normal((n, 3)) * self.gyr_rw_step)
        if n:
            self._acc_drift = acc_drift[-1].copy()
            self._gyr_drift = gyr_drift[-1].copy()
        u = self.unit
        acc_m = acc @ u.acc_matrix.T + u.acc_bias + acc_drift
        acc_m += r_an.standard_normal((n, 3)) * self.acc_sigma
        gyr_m = gyr @ u.gyr_matrix.T + u.gyr_bias + gyr_drift
        gyr_m += r_gn.standard_normal((n, 3)) * self.gyr_sigma
        if self.spec.gyr_g_sens_dps_per_g:
            gyr_m += acc * (self.spec.gyr_g_sens_dps_per_g * _DPS / G)
        return acc_m, gyr_m

    def digitise(
        self, acc_m: np.ndarray, gyr_m: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """int16 counts at the configured full scale, and a (N,) bool that is True where any
        axis sits at the end of the int16 range."""
        acc_c = quantise(acc_m, self.acc_scale)
        gyr_c = quantise(gyr_m, self.gyr_scale)
        clipped = np.asarray(_at_limit(acc_c).any(axis=1) | _at_limit(gyr_c).any(axis=1))
        return acc_c, gyr_c, clipped

    def apply(
        self, acc: np.ndarray, gyr: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Measure and digitise a block: ``(acc_counts, gyr_counts, clipped)``."""
        return self.digitise(*self.measure(acc, gyr))


def _walk(start: np.ndarray, steps: np.ndarray) -> np.ndarray:
    # cumsum from the carried value: the same additions in the same order whatever the blocks
    return np.cumsum(np.vstack([start[None, :], steps]), axis=0)[1:]


def _at_limit(c: np.ndarray) -> np.ndarray:
    return (c == _INT16_MIN) | (c == _INT16_MAX)


def quantise(x: np.ndarray, lsb: float) -> np.ndarray:
    """Round to the nearest count of size ``lsb`` and saturate to int16."""
    return np.clip(np.rint(x / lsb), _INT16_MIN, _INT16_MAX).astype(np.int16)


def make_error_model(
    chip: str | ChipSpec,
    fs: float,
    seed_seq: np.random.SeedSequence,
    acc_range_g: int = 4,
    gyr_range_dps: int = 500,
    error_scale: float = 1.0,
    noise_scale: float = 1.0,
) -> ImuErrorModel:
    """Draw one unit's errors for ``chip`` and set up its noise at output rate ``fs`` (Hz).

    ``error_scale`` multiplies the static errors (bias, scale, cross-axis), ``noise_scale`` the
    white noise and the bias random walk; 0 turns them off. Raises ``ValueError`` naming the key
    for an unknown chip or range.
    """
    spec = CHIPS[chip] if isinstance(chip, str) and chip in CHIPS else chip
    if not isinstance(spec, ChipSpec):
        raise ValueError(f"chip: unknown chip {chip!r} (one of {', '.join(CHIPS)})")
    if acc_range_g not in spec.acc_lsb_mg:
        raise ValueError(
            f"acc_range_g: {acc_range_g} not available on {spec.name} "
            f"(one of {', '.join(map(str, spec.acc_lsb_mg))})"
        )
    if gyr_range_dps not in spec.gyr_lsb_mdps:
        raise ValueError(
            f"gyr_range_dps: {gyr_range_dps} not available on {spec.name} "
            f"(one of {', '.join(map(str, spec.gyr_lsb_mdps))})"
        )
    static_rng, *stream_seeds = seed_seq.spawn(5)
    rng = np.random.default_rng(static_rng)
    es = error_scale
    unit = UnitErrors(
        acc_bias=rng.uniform(-1, 1, 3) * np.asarray(spec.acc_bias_mg) * 1e-3 * G * es,
        gyr_bias=rng.uniform(-1, 1, 3) * spec.gyr_bias_dps * _DPS * es,
        acc_matrix=_error_matrix(rng, spec.acc_scale_tol * es, spec.cross_axis * es),
        gyr_matrix=_error_matrix(rng, spec.gyr_scale_tol * es, spec.cross_axis * es),
    )
    bw = spec.bandwidth_hz(fs)
    ns = noise_scale
    dt = 1.0 / fs
    return ImuErrorModel(
        spec=spec,
        fs=fs,
        acc_range_g=acc_range_g,
        gyr_range_dps=gyr_range_dps,
        noise_scale=noise_scale,
        unit=unit,
        acc_sigma=spec.acc_noise_ug_rthz * 1e-6 * G * np.sqrt(bw) * ns,
        gyr_sigma=spec.gyr_noise_mdps_rthz * 1e-3 * _DPS * np.sqrt(bw) * ns,
        acc_rw_step=spec.acc_bias_rw_mg_rts * 1e-3 * G * np.sqrt(dt) * ns,
        gyr_rw_step=spec.gyr_bias_rw_dps_rts * _DPS * np.sqrt(dt) * ns,
        _rngs=[np.random.default_rng(s) for s in stream_seeds],
    )
