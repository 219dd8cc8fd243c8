"""The IMU's sampling chain for the validation family: the body seen through the chip's filters.

Without it (``generate(..., chip_filter="none")``, the default) the family point-samples the
body's true specific force and angular rate at the output data rate (ODR). A real chip samples
its MEMS through a filter chain and outputs (into the FIFO) the filtered signal at the ODR.
``chip_filter="lsm6dsox"`` models that chain as ``firmware/lsm6cfg.py`` configures the chip:

* CTRL1_XL = ODR | FS_XL with LPF2_XL_EN (bit 1) = 0; CTRL8_XL at its reset value 0
  (HP_SLOPE_XL_EN = 0; the wake-up setting 0x80 only moves HPCF_XL and is undone by the
  SW_RESET of the next ``configure``); CTRL6_C at reset, XL_HM_MODE = 0 (high-performance).
  So the accelerometer's output is its first digital stage, LPF1.
* CTRL4_C at reset: LPF1_SEL_G = 0 (gyroscope LPF1 off); CTRL7_G at reset: HP_EN_G = 0,
  G_HM_MODE = 0 (high-performance). So the gyroscope's output is its fixed LPF2.

Sources (quoted in the CHIP handoff, docs/accuracy.md section 7). The LSM6DSOX's own datasheet
(DS12814) and application note (AN5272) were not retrievable here; the numbers are the
LSM6DSO family's, whose filter chains are the same blocks (the LSM6DSOX is the LSM6DSO with a
machine-learning core):

* ST LSM6DSO32 datasheet (DocID032891 Rev 1, section 6.4.1, Figure 17 note 1): "the filtering
  chain for the accelerometer part is composed of: analog filter (anti-aliasing), digital
  filter (LPF1), composite filter"; "The cutoff value of the LPF1 output is ODR/2 when the
  accelerometer is in high-performance mode." Table 65: HP_SLOPE_XL_EN 0, LPF2_XL_EN 0 →
  bandwidth ODR/2.
* Same datasheet, section 6.4.2, Table 18 "Gyroscope LPF2 bandwidth selection": "The digital
  LPF2 filter cannot be configured by the user and its cutoff frequency depends on the
  selected gyroscope ODR": 12.5 → 4.2, 26 → 8.3, 52 → 16.6, 104 → 33.0, 208 → 66.8,
  417 → 135.9 Hz. Table 60 (CTRL6_C FTYPE, LPF1 on): the same 16.6 / 33.0 / 67.0 Hz at 52 /
  104 / 208 Hz for every FTYPE (the LPF2 sets the bandwidth at these rates).
* ST AN5040 (LSM6DSL application note, Rev 3, Table 11 "Gyroscope overall bandwidth
  selection"): cutoff 17 / 33 / 67 Hz at 52 / 104 / 208 Hz, the same LPF2, and "Phase delay
  @ 20 Hz" (LPF1 on, FTYPE 00) 144° / 75° / 40°: 20.0 / 10.4 / 5.6 ms, i.e. 1.00 output sample
  + 0.8 ms at each rate (the fit of delay = D / ODR + c through the three: D 0.998, c 0.80 ms).
  Table 13: with the accelerometer LPF1 at ODR/2 in high-performance mode, 1 sample is
  discarded at 52–208 Hz (the filter settles within a sample or two).

Not found, assumed:

* The filters' order and type. The app note's phase is linear in frequency (a constant
  delay) and its gyroscope settles in 3 samples (Table 15, LPF1 off, 52–833 Hz), so the
  gyroscope LPF2 is modelled as a causal 4th-order Bessel (linear phase, no ringing) with its
  −3 dB at the table's cutoff: low-frequency group delay 1.05 / 1.05 / 1.03 output samples,
  phase at 20 Hz 145° / 73° / 36° (app note 144° / 75° / 40°, which include the DSL's LPF1,
  off here), within 1 % of a step 2–3 samples after it. (A 3rd-order Butterworth: 161° / 75°
  / 35°, 8 % overshoot, still 4 % off 3 samples after a step.)
  The accelerometer LPF1 is a causal 2nd-order Butterworth with its −3 dB at ODR/2
  (low-frequency group delay 0.45 sample; a step reads 99 % one sample after the sample it
  falls in, then overshoots 1.3 %).
* The analog anti-aliasing filter's bandwidth (not given): left out (it serves the 6.66-kHz
  ODR, so its delay at these rates is taken as negligible).
* The chip's internal rate: the body is evaluated on a grid of ``k × ODR`` with
  ``k × ODR ≥`` :data:`FINE_HZ` (k ≥ 4), filtered there and every k-th sample kept.
* Noise: :mod:`.imu` still adds its white noise at the ODR after the filters (its densities
  are the datasheet's output-referred figures, over ODR/2).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import signal

#: The chains ``generate(..., chip_filter=...)`` knows.
CHIP_FILTERS = ("none", "lsm6dsox")
#: The lowest rate of the grid the body is evaluated on before the chip's filters, Hz.
FINE_HZ = 416.0
#: Accelerometer LPF1 (LPF2_XL_EN = 0, high-performance): −3 dB at this fraction of the ODR.
ACC_LPF1_ODR_FRACTION = 0.5
ACC_LPF1_ORDER = 2  # Butterworth, assumed (no phase or order given)
#: Gyroscope LPF2 cutoff per ODR, Hz (LSM6DSO32 DocID032891 Table 18).
GYR_LPF2_CUTOFF_HZ = {12.5: 4.2, 26.0: 8.3, 52.0: 16.6, 104.0: 33.0, 208.0: 66.8, 416.0: 135.9}
GYR_LPF2_ORDER = 4  # Bessel: the app note's phase at 20 Hz and settling (AN5040 Tables 11, 15)


def oversample(fs: float) -> int:
    """The factor k of the evaluation grid (``k × fs``, at least :data:`FINE_HZ`, k ≥ 4)."""
    return max(4, math.ceil(FINE_HZ / fs - 1e-9))


def gyro_cutoff_hz(fs: float) -> float:
    """The gyroscope LPF2 cutoff at ODR ``fs`` (the table's nearest ODR, scaled to ``fs``)."""
    odr = min(GYR_LPF2_CUTOFF_HZ, key=lambda o: abs(math.log(o / fs)))
    return GYR_LPF2_CUTOFF_HZ[odr] * fs / odr


def acc_sos(fs: float, k: int) -> np.ndarray:
    """Second-order sections of the accelerometer chain on the ``k × fs`` grid."""
    return np.asarray(signal.butter(ACC_LPF1_ORDER, ACC_LPF1_ODR_FRACTION * fs, fs=k * fs,
                                    output="sos"))


def gyr_sos(fs: float, k: int) -> np.ndarray:
    """Second-order sections of the gyroscope chain on the ``k × fs`` grid."""
    return np.asarray(signal.bessel(GYR_LPF2_ORDER, gyro_cutoff_hz(fs), fs=k * fs, norm="mag",
                                    output="sos"))


def _causal(sos: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``x`` (n, 3) through ``sos`` along time, from the steady state of its first row."""
    zi = signal.sosfilt_zi(sos)[:, :, None] * x[0][None, None, :]
    y, _ = signal.sosfilt(sos, x, axis=0, zi=zi)
    return np.asarray(y)


def sample(acc_fine: np.ndarray, gyr_fine: np.ndarray, fs: float,
           k: int) -> tuple[np.ndarray, np.ndarray]:
    """The chip's samples at ``fs`` from the body's specific force (m/s²) and angular rate
    (rad/s), (n·k, 3) each, on the grid ``t_j = j / (k·fs)``: each sensor through its causal
    filters, then every k-th row (output sample i is the filters' state at ``t = i / fs``)."""
    return _causal(acc_sos(fs, k), acc_fine)[::k], _causal(gyr_sos(fs, k), gyr_fine)[::k]


def response(fs: float, f_hz: np.ndarray, sensor: str) -> np.ndarray:
    """Complex frequency response of one sensor's chain (before decimation) at ``f_hz``."""
    k = oversample(fs)
    sos = acc_sos(fs, k) if sensor == "acc" else gyr_sos(fs, k)
    _, h = signal.sosfreqz(sos, worN=np.asarray(f_hz, float), fs=k * fs)
    return np.asarray(h)
