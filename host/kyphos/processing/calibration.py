"""Sensor-to-body calibration: which way is up (upright neutral) and which way is forward.

``M`` (3×3, "sensor from body") has the body axes x (anterior), y (left), z (superior) as its
columns, in sensor coordinates. Nominal mounting (docs/protocol.md): sensor x = body z,
sensor y = body y, sensor z = −body x.

* Upright neutral: during quiet upright standing the accelerometer measures +g along earth up,
  which is body z. This fixes two of the three degrees of freedom.
* Sagittal plane (functional calibration): a forward bend is a rotation about body y. The axis
  of the rotation between upright and bent orientations, in sensor coordinates, is body y
  (made orthogonal to z). Without it, mounting yaw ψ turns flexion θ into a false lateral bend
  of asin(sin θ · sin ψ).
* Automatic: find quiet upright standing (the least-flexed dense cluster of quiet postures) and
  deep forward excursions in the recording itself; report a confidence in [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from kyphos.processing.angles import quat_rows
from kyphos.processing.preprocess import lowpass, runs

G = 9.81
NOMINAL = np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [-1.0, 0.0, 0.0]])
#: Quiet: |gyr| below this (rad/s, ≈ 6°/s) and | |acc| − g | below QUIET_ACC.
QUIET_GYR = 0.1
QUIET_ACC = 0.6
QUIET_MIN_S = 1.0
#: A bend used for the sagittal axis must reach this angle from upright (rad, 35°).
BEND_MIN = np.radians(35.0)
#: Automatic calibration: a calibration sequence is the recording's first 2–3 bends, each
#: starting within CAL_GAP_S of the previous one's end, with peaks within CAL_PEAK_DEG.
CAL_BENDS = (2, 3)
CAL_GAP_S = 8.0
CAL_PEAK_DEG = 12.0


@dataclass
class Calibration:
    """Sensor-to-body calibration and how it was found.

    Attributes:
        sensor_from_body: (3, 3) ``M``.
        method: "nominal", "upright", "upright+bend" (from windows or commands) or "auto".
        confidence: 0 … 1; 1 for an explicit calibration with a forward bend.
        upright_s: (start, end) in s of the upright window used, or None.
        bends_s: (start, end) in s of the forward bends used for the sagittal axis (automatic:
            every deep forward excursion, lifts included).
        calibration_bends_s: (start, end) in s of the bends taken to be the calibration
            movement itself (the explicit bend window, or the automatically found calibration
            sequence); lift detection leaves them out.
        upright_confidence, sagittal_confidence: the two parts of ``confidence``.
        mounting_deg: angle between the estimated and the nominal mounting, degrees.
    """

    sensor_from_body: np.ndarray = field(default_factory=lambda: NOMINAL.copy())
    method: str = "nominal"
    confidence: float = 0.0
    upright_s: tuple[float, float] | None = None
    bends_s: list[tuple[float, float]] = field(default_factory=list)
    upright_confidence: float = 0.0
    sagittal_confidence: float = 0.0
    calibration_bends_s: list[tuple[float, float]] = field(default_factory=list)

    @property
    def mounting_deg(self) -> float:
        r = self.sensor_from_body @ NOMINAL.T
        return float(np.degrees(np.arccos(np.clip((np.trace(r) - 1) / 2, -1, 1))))

    def to_dict(self) -> dict[str, object]:
        return {
            "method": self.method,
            "confidence": round(self.confidence, 3),
            "upright_confidence": round(self.upright_confidence, 3),
            "sagittal_confidence": round(self.sagittal_confidence, 3),
            "upright_s": list(self.upright_s) if self.upright_s else None,
            "bends_s": [list(b) for b in self.bends_s],
            "calibration_bends_s": [list(b) for b in self.calibration_bends_s],
            "mounting_deg": round(self.mounting_deg, 2),
            "sensor_from_body": np.round(self.sensor_from_body, 5).tolist(),
        }


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def frame_from_axes(up: np.ndarray, left: np.ndarray | None = None) -> np.ndarray:
    """``M`` from body z (``up``) and an approximate body y (``left``), both in sensor coords."""
    z = _unit(np.asarray(up, float))
    y0 = NOMINAL[:, 1] if left is None else np.asarray(left, float)
    y = y0 - (y0 @ z) * z
    if np.linalg.norm(y) < 1e-6:  # left parallel to up: fall back on the nominal y
        y = NOMINAL[:, 1] - (NOMINAL[:, 1] @ z) * z
    y = _unit(y)
    x = np.cross(y, z)
    return np.column_stack([x, y, z])


def bend_axis(quat_up: np.ndarray, quat_bent: np.ndarray) -> tuple[np.ndarray, float]:
    """Body y (sensor coords, unit) and bend angle (rad) from upright and bent orientations.

    Uses the earth-up direction seen from the sensor (third row of ``R_s``) in both postures:
    ``up_bent × up_upright`` points along +y for a forward bend. Unlike the axis of the relative
    rotation, this is unaffected by turning (twisting) about the vertical during the bend.
    """
    up_a = quat_rows(np.asarray(quat_up, float)[None])[2][0]
    up_b = quat_rows(np.asarray(quat_bent, float)[None])[2][0]
    c = np.cross(up_b, up_a)
    nrm = float(np.linalg.norm(c))
    angle = float(np.arctan2(nrm, float(up_a @ up_b)))
    return (c / nrm if nrm > 1e-9 else np.zeros(3)), angle


def from_windows(
    time: np.ndarray,
    acc: np.ndarray,
    quat: np.ndarray,
    upright_s: tuple[float, float],
    bend_s: tuple[float, float] | None = None,
) -> Calibration:
    """Calibration from an upright window and optionally a forward-bend window (times in s).

    The bend window should start upright, go into a forward bend and may come back.
    """
    t = np.nan_to_num(time, nan=-np.inf)
    iu = (t >= upright_s[0]) & (t <= upright_s[1])
    if not np.any(iu):
        raise ValueError(f"no samples in the upright window {upright_s}")
    up = _unit(np.mean(acc[iu], axis=0))
    if bend_s is None:
        return Calibration(frame_from_axes(up), "upright", 0.7, upright_s, [], 1.0, 0.0)
    ib = np.flatnonzero((t >= bend_s[0]) & (t <= bend_s[1]))
    if len(ib) < 2:
        raise ValueError(f"no samples in the bend window {bend_s}")
    ups = _unit(acc[ib] + 0.0)
    dev = np.arccos(np.clip(ups @ up, -1, 1))
    ipeak = ib[int(np.nanargmax(np.nan_to_num(dev)))]
    axis, angle = bend_axis(quat[ib[0]], quat[ipeak])
    conf = float(np.clip(angle / BEND_MIN, 0, 1))
    m = frame_from_axes(up, axis if conf > 0 else None)
    return Calibration(m, "upright+bend", conf, upright_s, [bend_s], 1.0, conf, [bend_s])


def calibration_sequence(bends: list[tuple[float, float]], peaks_deg: list[float]) -> list[int]:
    """Indices of the bends that form the calibration sequence, or [] if there is none.

    The guided calibration is a few repeats of the same slow forward bend: the recording's
    first ``CAL_BENDS[0]``–``CAL_BENDS[1]`` bends, each starting within ``CAL_GAP_S`` of the
    previous one's end, peaks within ``CAL_PEAK_DEG`` of the first. Lifts that happen to start
    a recording this way are taken for calibration bends (documented limitation).
    """
    seq = [0] if bends else []
    for k in range(1, min(len(bends), CAL_BENDS[1])):
        if bends[k][0] - bends[k - 1][1] > CAL_GAP_S or abs(peaks_deg[k] - peaks_deg[0]) > CAL_PEAK_DEG:
            break
        seq.append(k)
    return seq if len(seq) >= CAL_BENDS[0] else []


def auto_calibrate(
    time: np.ndarray,
    acc: np.ndarray,
    gyr: np.ndarray,
    quat: np.ndarray,
    fs: float,
    valid: np.ndarray | None = None,
) -> Calibration:
    """Find upright neutral and the sagittal plane from the recording itself.

    1. Quiet samples: |gyr| < 6°/s and | |acc| − g | < 0.6 m/s², in runs of ≥ 1 s.
    2. Forward bends: excursions of the gravity direction ≥ 35° away from the median quiet
       posture; the rotation axis from the excursion's start to its peak estimates body y.
       Axes are averaged with their angles as weights; their agreement (mean resultant length)
       is the sagittal confidence.
    3. Upright: quiet postures expressed as a sagittal angle; start at the 10th percentile (the
       least flexed tenth of quiet time) and move to the mean of the quiet samples within ±5°
       (mean shift), which lands in the upright cluster if the wearer stood upright for at least
       a tenth of the quiet time.
    """
    valid = np.ones(len(time), bool) if valid is None else np.asarray(valid, bool)
    step = max(1, int(fs // 26))  # postures and bends are slow: ~26 Hz is plenty, and faster
    if step > 1:
        time, acc, gyr, quat, valid = (x[::step] for x in (time, acc, gyr, quat, valid))
        fs = fs / step
    n = len(time)
    valid = valid & np.all(np.isfinite(acc), axis=1) & np.isfinite(quat[:, 0])
    acc_f = np.where(valid[:, None], acc, 0.0)
    gyr_f = np.where(valid[:, None], gyr, 0.0)
    acc_lp = lowpass(acc_f, fs, 1.0)
    gn = lowpass(np.linalg.norm(gyr_f, axis=1), fs, 2.0)
    an = np.linalg.norm(acc_lp, axis=1)
    quiet = valid & (gn < QUIET_GYR) & (np.abs(an - G) < QUIET_ACC)
    qr = runs(quiet)
    quiet = np.zeros(n, bool)
    for a, b in qr[(qr[:, 1] - qr[:, 0]) >= QUIET_MIN_S * fs]:  # per quiet run
        quiet[a:b] = True
    if quiet.sum() < fs:  # less than a second of quiet posture
        return Calibration(NOMINAL.copy(), "nominal", 0.0)
    u = np.zeros_like(acc_lp)
    ok = an > 1e-6
    u[ok] = acc_lp[ok] / an[ok, None]
    med = _unit(np.median(u[quiet], axis=0))

    # forward excursions relative to the median quiet posture
    dev = np.arccos(np.clip(u @ med, -1, 1))
    dev[~valid] = 0
    big = dev > BEND_MIN
    near = dev < np.radians(15)
    near_idx = np.flatnonzero(near & valid)
    pairs = []
    for a, b in runs(big):  # per excursion
        if b - a < 0.2 * fs:
            continue
        ipk = a + int(np.argmax(dev[a:b]))
        k = np.searchsorted(near_idx, a) - 1
        if k < 0 or a - near_idx[k] > 5 * fs:
            continue
        pairs.append((near_idx[k], ipk, b))
    axes: list[np.ndarray] = []
    weights: list[float] = []
    bends = [(float(time[i]), float(time[min(b, n - 1)])) for i, _, b in pairs]
    cal_bends = [bends[k] for k in calibration_sequence(
        bends, [float(np.degrees(dev[p[1]])) for p in pairs])]
    if pairs:
        iu = np.array([p[0] for p in pairs])
        ip = np.array([p[1] for p in pairs])
        up_a = quat_rows(quat[iu])[2]
        up_b = quat_rows(quat[ip])[2]
        c = np.cross(up_b, up_a)
        nrm = np.linalg.norm(c, axis=1)
        ang = np.arctan2(nrm, np.einsum("ij,ij->i", up_a, up_b))
        ok = nrm > 1e-9
        axes = list(c[ok] / nrm[ok, None])
        weights = list(ang[ok])
    y_est: np.ndarray | None = None
    sag_conf = 0.0
    if axes:
        ax = np.array(axes)
        w = np.array(weights)
        # sign-align with the nominal left axis (a lateral bend or backward bend can flip)
        ax *= np.sign(ax @ NOMINAL[:, 1] + 1e-12)[:, None]
        mean_ax = (w[:, None] * ax).sum(0) / w.sum()
        r = float(np.linalg.norm(mean_ax))
        y_est = mean_ax / r
        inl = ax @ y_est > np.cos(np.radians(8.0))  # drop outliers (lateral bends), re-average
        if inl.sum() >= max(1, len(ax) // 2):
            y_est = _unit((w[inl, None] * ax[inl]).sum(0))
        sag_conf = float(np.clip((r - 0.8) / 0.18, 0, 1) * min(1.0, len(axes) / 3))

    # upright: least-flexed dense cluster of quiet postures, measured in the sagittal plane
    m0 = frame_from_axes(med, y_est)
    uq = u[quiet]
    sag = np.arctan2(-(uq @ m0[:, 0]), uq @ m0[:, 2])  # + when the trunk leans forward
    centre = float(np.percentile(sag, 10))
    sel = np.abs(sag - centre) < np.radians(5)
    for _ in range(20):  # mean shift
        c_new = float(np.mean(sag[sel]))
        sel = np.abs(sag - c_new) < np.radians(5)
        if abs(c_new - centre) < 1e-4:
            break
        centre = c_new
    up = _unit(np.mean(uq[sel], axis=0))
    qidx = np.flatnonzero(quiet)[sel]
    up_time = float(sel.sum()) / fs
    spread = float(np.degrees(np.std(sag[sel])))
    up_conf = float(min(1.0, up_time / 10.0) * np.clip(1.0 - (spread - 1.0) / 3.0, 0, 1))
    m = frame_from_axes(up, y_est)
    conf = up_conf * (0.5 + 0.5 * sag_conf)
    return Calibration(
        m,
        "auto",
        conf,
        (float(time[qidx[0]]), float(time[qidx[-1]])),
        bends,
        up_conf,
        sag_conf,
        cal_bends,
    )
