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

from dataclasses import dataclass, field, replace

import numpy as np

from kyphos.processing import params as P
from kyphos.processing.angles import quat_rows, rotation_deg
from kyphos.processing.preprocess import (
    all_finite,
    finite_rows,
    lowpass,
    row_norms,
    row_sq_sums,
    runs,
    zero_rows,
)

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
#: ... and each lasting within this factor of the first one's time beyond ``BEND_MIN`` (own
#: choice: a repeat of the guided bend is the same prompted movement; the simulator's repeats
#: last 0.93-1.08 times the first. Without a note a task bend held 17 s, or a quick lift of
#: 1.3-2.1 s, right after a 3.1-4.7 s guided bend was taken for its repeat: validation 0-29
#: @104, 8 sessions)
CAL_DUR_RATIO = 1.5
#: ... or a single forward bend made within CAL_GAP_S of the end of the quiet standing the
#: recording opens with (a quiet run beginning within CAL_OPEN_S of the first sample, at least
#: CAL_QUIET_S long, near the quiet posture): the guided "stand still, then bend forward" (own
#: choices: the guided calibration asks for 10 s of standing; a CSV or a recording without its
#: calibration note has nothing else to tell it by).
CAL_OPEN_S = 2.0
CAL_QUIET_S = 5.0

#: Accelerometer offset estimate (:func:`estimate_acc_bias`): still postures are periods of at
#: least BIAS_MIN_S in which the 1 Hz specific force turns slower than BIAS_QUIET_GYR (rad/s,
#: ≈ 3°/s, at its 2 Hz level: :func:`turn_rate`) and its ripple about the 1 Hz level stays below
#: BIAS_QUIET_ACC (m/s²).
BIAS_QUIET_GYR = 0.05
BIAS_QUIET_ACC = 0.15
BIAS_MIN_S = 2.0
#: Priors of the fit (m/s²): the offset of each axis (σ, ≈ 20 mg: the LSM6DSOX's typical zero-g
#: level, ST DS12814 Table 2; MPU-6050's ±50–80 mg is larger still), the magnitude of local
#: gravity with the chip's scale error (σ about 9.806: |g| is 9.780–9.832 m/s² on Earth, and a
#: 0.5 % scale error moves it by ~5 mg), and how far one still posture's mean may sit off the
#: sphere (scale error, misalignment, residual motion).
BIAS_PRIOR = 0.2
G_PRIOR_SD = 0.06
BIAS_FIT_SD = 0.05
#: Estimates smaller than this (m/s², 2 mg) are not applied: nothing to correct.
BIAS_MIN_APPLY = 0.02


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
    #: accelerometer offset removed before orientation (m/s², sensor frame; see
    #: :func:`estimate_acc_bias`)
    acc_bias: np.ndarray = field(default_factory=lambda: np.zeros(3))

    @property
    def mounting_deg(self) -> float:
        return rotation_deg(self.sensor_from_body @ NOMINAL.T)

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
            "acc_bias_mg": np.round(np.asarray(self.acc_bias) / G * 1e3, 1).tolist(),
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
    # NaN separator rows are in no window (a finite time is read as it is: no copy)
    t = np.asarray(time) if all_finite(time) else np.nan_to_num(time, nan=-np.inf)
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


def calibration_sequence(bends: list[tuple[float, float]], peaks_deg: list[float],
                         opening_quiet_end_s: float | None = None) -> list[int]:
    """Indices of the bends that form the calibration sequence, or [] if there is none.

    The guided calibration is a few repeats of the same slow forward bend: the recording's
    first ``CAL_BENDS[0]``–``CAL_BENDS[1]`` bends, each starting within ``CAL_GAP_S`` of the
    previous one's end, peaks within ``CAL_PEAK_DEG`` of the first, each lasting within
    ``CAL_DUR_RATIO`` of the first (a held task bend or a quick lift right after one guided
    bend is no repeat of it). Or, when the recording
    opens with quiet standing that ends at ``opening_quiet_end_s`` (see ``CAL_QUIET_S``), its
    first bend alone if it starts within ``CAL_GAP_S`` of that. Lifts that happen to start a
    recording this way are taken for calibration bends (documented limitation). A repeat
    starts after the previous movement has ended: an excursion that starts before that (from
    the same near-upright row: one movement dipping under ``BEND_MIN`` and back, as a lift's
    grasp often does) is part of it, not a repeat (15014 without its guided bend: one lift's
    two excursions were taken for a sequence and its twisted axis trusted, 8.1 deg RMS shown
    as valid).
    """
    seq = [0] if bends else []
    end = bends[0][1] if bends else 0.0  # the current movement's end
    dur0 = end - bends[0][0] if bends else 0.0  # the first movement's time beyond BEND_MIN
    for k in range(1, len(bends)):
        if len(seq) >= CAL_BENDS[1]:
            break
        if bends[k][0] < end:  # the same movement: not a repeat
            end = max(end, bends[k][1])
            dur0 = end - bends[0][0] if len(seq) == 1 else dur0
            continue
        dur = bends[k][1] - bends[k][0]
        if bends[k][0] - end > CAL_GAP_S or abs(peaks_deg[k] - peaks_deg[0]) > CAL_PEAK_DEG \
                or not dur0 <= dur * CAL_DUR_RATIO or not dur <= dur0 * CAL_DUR_RATIO:
            break
        seq.append(k)
        end = bends[k][1]
    if len(seq) >= CAL_BENDS[0]:
        return seq
    if bends and opening_quiet_end_s is not None \
            and bends[0][0] - opening_quiet_end_s <= CAL_GAP_S:
        return [0]
    return []


def forward_excursions(dev: np.ndarray, valid: np.ndarray, fs: float) -> list[tuple[int, int, int]]:
    """The deep forward excursions of :func:`auto_calibrate`: (start, peak, stop) rows of each
    run of ``dev`` (the gravity direction's angle from the reference posture, rad; 0 where not
    ``valid``) above ``BEND_MIN`` for at least 0.2 s, starting at the last valid row within
    15° of the reference at most 5 s before it; stop is the run's end (exclusive). Shared with
    the live view (:class:`kyphos.views.live_state.LiveState`), which finds the calibration
    bends by this rule."""
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
        pairs.append((int(near_idx[k]), ipk, int(b)))
    return pairs


def upright_end(back: np.ndarray, b: int, fs: float) -> int:
    """The row a forward excursion ending at row ``b`` (:func:`forward_excursions`) is back
    within 15° of upright: the first of ``back`` (the rows that are, sorted) at or after ``b``
    if within 5 s of it, else ``b`` — a calibration bend's window runs from upright to
    upright, as the closed lever (``metrics.style``) integrates it."""
    j = int(np.searchsorted(back, b))
    return int(back[j]) if j < len(back) and back[j] - b <= 5 * fs else int(b)


def _not_lying(pairs: list[tuple[int, int, int]], dev: np.ndarray, fs: float) -> list[int]:
    """Indices of the excursions (:func:`forward_excursions`) that are not a lie: a lie holds
    ``dev`` beyond the activity's lying tilt (``P.LYING_TILT_DEG``) for ``P.LYING_MIN_S`` (its
    axis is the way the wearer lay down, often sideways: 14021 / 14024 without the guided bend
    took 28-47 s lies for bends, sagittal confidence 0.51-0.55, 3.1 / 2.2 deg RMS shown valid)."""
    if not pairs:
        return []
    lie = np.r_[0, np.cumsum(dev > np.radians(P.LYING_TILT_DEG))]
    a = np.array([p[0] for p in pairs])
    b = np.array([p[2] for p in pairs])
    return [int(k) for k in np.flatnonzero(lie[b] - lie[a] < P.LYING_MIN_S * fs)]


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
    valid = valid & finite_rows(acc) & np.isfinite(quat[:, 0])
    acc_f = np.where(valid[:, None], acc, 0.0)
    gyr_f = np.where(valid[:, None], gyr, 0.0)
    acc_lp = lowpass(acc_f, fs, 1.0)
    gn = lowpass(row_norms(gyr_f), fs, 2.0)
    an = row_norms(acc_lp)
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
    pairs = forward_excursions(dev, valid, fs)
    axes: list[np.ndarray] = []
    weights: list[float] = []
    bends = [(float(time[i]), float(time[min(b, n - 1)])) for i, _, b in pairs]
    # the quiet standing the recording opens with, if any (for a single guided bend)
    first = np.flatnonzero(valid)
    q_open = qr[(qr[:, 1] - qr[:, 0]) >= CAL_QUIET_S * fs]
    q_open = q_open[:1] if len(first) and len(q_open) \
        and time[q_open[0, 0]] - time[first[0]] <= CAL_OPEN_S else q_open[:0]
    open_end = (float(time[q_open[0, 1] - 1]) if len(q_open) and float(
        np.median(dev[q_open[0, 0]:q_open[0, 1]])) < np.radians(15) else None)
    seq = calibration_sequence(bends, [float(np.degrees(dev[p[1]])) for p in pairs], open_end)
    # a calibration bend's window runs back to upright (within 15 deg, as it starts): the
    # closed lever (metrics.style) integrates it from upright to upright, as a note's window
    back = np.flatnonzero((dev < np.radians(15)) & valid)
    cal_bends = [(bends[k][0], float(time[min(upright_end(back, pairs[k][2], fs), n - 1)]))
                 for k in seq]
    use: list[int] = []
    if pairs:
        # the guided calibration bend(s) found (calibration_sequence: a repeated slow bend,
        # or one bend right after the quiet standing the recording opens with) are the pure
        # forward bends of the day, as a note's bend window is: their axes alone give the
        # sagittal plane. All deep excursions mix in lifts with a twist or a lateral lean
        # (15011 / 15025 / 15026 / 14021 without a note: sagittal confidence 0.36-0.57,
        # 2.3-3.3 deg RMS)
        use = seq or _not_lying(pairs, dev, fs)
    if use:
        iu = np.array([pairs[k][0] for k in use])
        ip = np.array([pairs[k][1] for k in use])
        up_a = quat_rows(quat[iu])[2]
        up_b = quat_rows(quat[ip])[2]
        c = np.cross(up_b, up_a)
        nrm = np.linalg.norm(c, axis=1)
        ang = np.arctan2(nrm, np.einsum("ij,ij->i", up_a, up_b))
        ok = nrm > 1e-9
        axes = list(c[ok] / nrm[ok, None])
        weights = list(ang[ok])
        n_full = len(seq) or 3  # bends for a full confidence
    y_est: np.ndarray | None = None
    sag_conf = 0.0
    if axes:
        ax = np.array(axes)
        w = np.array(weights)
        # sign-align with the bends' own dominant axis, not the nominal one: a board clipped
        # upside down has its left axis at -y, and aligning with +y read its bends as extension
        # with full confidence. Bends of >= 35 deg are forward bends far more often and further
        # than backward ones, so the sign with the larger angle-weighted sum is forward.
        e = np.linalg.eigh((w[:, None, None] * ax[:, :, None] * ax[:, None, :]).sum(0))[1][:, -1]
        e = e if float(w @ (ax @ e)) >= 0 else -e
        ax *= np.sign(ax @ e + 1e-12)[:, None]
        mean_ax = (w[:, None] * ax).sum(0) / w.sum()
        r = float(np.linalg.norm(mean_ax))
        y_est = mean_ax / r
        inl = ax @ y_est > np.cos(np.radians(8.0))  # drop outliers (lateral bends), re-average
        if inl.sum() >= max(1, len(ax) // 2):
            y_est = _unit((w[inl, None] * ax[inl]).sum(0))
        sag_conf = float(np.clip((r - 0.8) / 0.18, 0, 1) * min(1.0, len(axes) / n_full))

    # upright: least-flexed dense cluster of quiet postures, measured in the sagittal plane
    m0 = frame_from_axes(med, y_est)
    # not lying: a quiet posture tilted >= the lying tilt from the median still posture is a
    # lie, and supine is the "least flexed" of all (15009 / 15006 took a supine rest as
    # upright, 85-91 deg RMS). Only when the wearer is upright for most of the still time.
    upright_ok = (u @ med) > np.cos(np.radians(P.LYING_TILT_DEG))
    if np.any(quiet & upright_ok):
        quiet = quiet & upright_ok
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


#: still standing needed for the wearer's usual standing to replace the automatic upright (s;
#: the automatic upright's own bar for a full upright confidence, ``up_time / 10``)
STANDING_UPRIGHT_S = 10.0


def shortest_half_median(x: np.ndarray) -> float:
    """The median of the shortest interval that holds half of ``x`` (plus one sample): the
    centre of the densest half, the main cluster's level when that cluster holds more than half
    of the samples whatever the rest does (Rousseeuw's shortest half; no width to choose)."""
    v = np.sort(np.asarray(x, float).ravel())
    h = len(v) // 2 + 1
    i = int(np.argmin(v[h - 1:] - v[:len(v) - h + 1]))
    return float(np.median(v[i:i + h]))


def standing_upright(c: Calibration, standing_flexion: np.ndarray, fs: float
                     ) -> tuple[Calibration, float]:
    """An automatic calibration re-levelled to the wearer's still standing, and the pitch (deg)
    it was turned by (0: unchanged).

    The automatic upright is the least-flexed dense cluster of quiet postures, which is often a
    reclined sit rather than the standing (15000-15029 without a note: its error was the still
    standing's median reading, +2.1 / -1.7 / +2.9 deg on 15003 / 15017 / 15023, +17 deg on
    15001). A person stands still upright far more than slouched, so the median flexion of the
    still standing (``standing_flexion``, rad, already re-referenced after clip slips) is the
    wearer's upright: the body frame is turned about its left axis by that pitch. Needs
    ``STANDING_UPRIGHT_S`` of still standing (``fs``: its rows per second), else unchanged; the
    upright confidence becomes that standing's share of it (the sagittal one is kept).

    The level is the median of the densest half of that standing (:func:`shortest_half_median`),
    not of all of it: the still standing holds the held forward bends and slouches too (about
    30 % of it in the validation sessions, task bends at 45-60 deg), which moved the plain
    median off the upright cluster, toward the bends, by a fraction of the sway's spread
    (development sets without a note: the upright read 0.2-0.3 deg low, bench/nonote_study.py)."""
    if c.method != "auto" or len(standing_flexion) < STANDING_UPRIGHT_S * fs:
        return c, 0.0
    th = shortest_half_median(standing_flexion)
    cs, sn = np.cos(th), np.sin(th)
    # body z turned forward by th about body y (x anterior, y left, z superior): the columns
    # are the new axes in the old body frame (flexion reads + when the trunk leans to +x)
    ry = np.array([[cs, 0.0, -sn], [0.0, 1.0, 0.0], [sn, 0.0, cs]])
    m = c.sensor_from_body @ ry
    conf = 0.5 + 0.5 * c.sagittal_confidence
    return replace(c, sensor_from_body=m, confidence=conf, upright_confidence=1.0,
                   method="auto"), float(np.degrees(th))


@dataclass
class AccBias:
    """An accelerometer offset estimated from the recording's still postures.

    Attributes:
        bias: (3,) m/s², sensor frame (subtract it from the samples).
        sd: (3,) m/s², the fit's posterior standard deviation per axis (the prior's σ where the
            postures say nothing about an axis).
        g: the fitted magnitude of gravity, m/s².
        postures: number of still periods used.
        spread_deg: largest angle between two of those postures' gravity directions.
    """

    bias: np.ndarray
    sd: np.ndarray
    g: float
    postures: int
    spread_deg: float


def still_postures(time: np.ndarray, acc: np.ndarray, gyr: np.ndarray, fs: float,
                   valid: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Mean specific force (K, 3) and duration in s (K,) of each still period of at least
    ``BIAS_MIN_S`` (gravity's direction still, :func:`turn_rate`, and little ripple in the
    specific force); rows of zeros (masked) and invalid rows are never still."""
    means, dur, _spans = still_spans(time, acc, gyr, fs, valid)
    return means, dur


def still_spans(time: np.ndarray, acc: np.ndarray, gyr: np.ndarray, fs: float,
                valid: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`still_postures` and the (K, 2) rows (start, stop) each mean is taken over (the
    chunked analysis keeps each posture once, by where it lies)."""
    none = np.zeros((0, 3)), np.zeros(0), np.zeros((0, 2), np.int64)
    n = len(time)
    step = max(1, int(fs // 26))  # still postures are slow: ~26 Hz is plenty
    # the still test on every step-th row only (8 h at 104 Hz: no full-length temporaries)
    a = np.asarray(acc[::step], float)
    g = np.asarray(gyr[::step], float)
    ok = finite_rows(a) & ~zero_rows(a) & finite_rows(g)
    if valid is not None:
        ok &= np.asarray(valid, bool)[::step]
    a = np.where(ok[:, None], a, 0.0)
    f = fs / step
    if len(a) < 4 * f:
        return none
    a_lp = lowpass(a, f, 1.0)
    # the ripple: a − a_lp in a's array (not read after), its squared norm low-passed, clipped
    # and rooted in one array; the turn rate in a_lp's: the same operations, so the same
    # bits, ~70 MB of fresh pages fewer at 8 h (104 Hz, every 4th row)
    np.subtract(a, a_lp, out=a)
    ripple = lowpass(row_sq_sums(a), f, 1.0, overwrite_x=True)
    del a
    ripple.clip(0, out=ripple)
    np.sqrt(ripple, out=ripple)
    still = ok & (turn_rate(a_lp, f, overwrite_x=True) < BIAS_QUIET_GYR) \
        & (ripple < BIAS_QUIET_ACC)
    r = runs(still) * step
    trim = int(0.5 * fs)  # leave the edges of each still period out (settling)
    r = r[(r[:, 1] - r[:, 0]) >= (BIAS_MIN_S + 1.0) * fs]
    if len(r) == 0:
        return none
    r = np.column_stack([r[:, 0] + trim, np.minimum(r[:, 1], n) - trim])
    # each period's mean over all its rows: one reduceat over (start, stop) pairs. A period is
    # still on every step-th row, so a masked (zero) or gap (NaN) row inside it is at most a
    # stray one between two of those: a period whose sum is not finite is left out
    sums = np.add.reduceat(np.asarray(acc, float), r.ravel()[:-1] if r[-1, 1] >= n
                           else r.ravel(), axis=0)[::2]
    cnt = (r[:, 1] - r[:, 0]).astype(float)
    keep = np.all(np.isfinite(sums), axis=1)
    return sums[keep] / cnt[keep, None], cnt[keep] / fs, r[keep]


def directions(acc_lp: np.ndarray) -> np.ndarray:
    """(N, 3) rows of ``acc_lp`` as unit vectors (rows of zeros stay zero): gravity's direction
    for :func:`turn_rate` and its causal twin in ``causal.LiveAccBias``."""
    nrm = row_norms(acc_lp)
    return acc_lp / np.where(nrm > 1e-9, nrm, 1.0)[:, None]


def turn_rate(acc_lp: np.ndarray, fs: float, *, overwrite_x: bool = False) -> np.ndarray:
    """(N,) how fast the low-passed specific force ``acc_lp`` (N, 3) turns, rad/s, at its 2 Hz
    level: the still test's rotation. It is read from gravity's direction, not the gyro's level,
    because that level includes the gyro's own offset: a unit reading ~3°/s at rest (seen on
    validation units; an MPU-6050's zero-rate level is specified to ±20°/s) never passed a test
    on it and so had no accelerometer offset estimate. A turn about the vertical is not seen;
    it does not move a posture's mean specific force either. ``overwrite_x``: the directions
    are made in ``acc_lp``'s own array (the caller's to overwrite).

    The same values as ``lowpass(np.r_[s[:1], s], fs, 2.0)`` of ``s = row_norms(np.diff(u,
    axis=0)) * fs``, ``u = directions(acc_lp)``: each row's step made block by block into the
    one full-length result, which is low-passed in place."""
    n = len(acc_lp)
    if n < 2:
        return np.zeros(n)
    nrm = row_norms(acc_lp)  # directions(acc_lp), in acc_lp's array if overwrite_x
    u = np.divide(acc_lp, np.where(nrm > 1e-9, nrm, 1.0)[:, None],
                  out=acc_lp if overwrite_x else None)
    del nrm
    out = np.empty(n)
    for s0 in range(0, n - 1, _TURN_BLOCK):  # |u[i + 1] − u[i]| into out[i + 1]
        s1 = min(n - 1, s0 + _TURN_BLOCK)
        out[s0 + 1 : s1 + 1] = row_norms(np.subtract(u[s0 + 1 : s1 + 1], u[s0:s1]))
    out[1:] *= fs
    out[0] = out[1]
    return lowpass(out, fs, 2.0, overwrite_x=True)


#: Rows per block of :func:`turn_rate`'s steps (own choice: a block's differences stay in the
#: cache).
_TURN_BLOCK = 1 << 14


def estimate_acc_bias(time: np.ndarray, acc: np.ndarray, gyr: np.ndarray, fs: float,
                      valid: np.ndarray | None = None) -> AccBias:
    """The accelerometer's offset from the recording's own still postures (multi-position
    calibration, done on the wearer instead of on a turntable).

    In every still posture the accelerometer measures gravity: ``|a_k − b| = g`` for each
    posture's mean specific force ``a_k``. Postures in different orientations (standing,
    sitting, a held bend, lying) pin the offset ``b`` down along the directions they span;
    this is the sphere fit of multi-position accelerometer calibration (I. Skog and P. Händel,
    "Calibration of a MEMS inertial measurement unit", XVII IMEKO World Congress, 2006;
    I. Frosio, F. Pedersini and N. A. Borghese, "Autocalibration of MEMS accelerometers", IEEE
    Trans. Instrum. Meas. 58(6), 2009) with Gaussian priors on ``b`` (``BIAS_PRIOR``) and on
    ``g`` (``G_PRIOR_SD`` about 9.806), solved by Gauss–Newton. Directions no posture spans
    keep the prior (no correction). The offset matters because VQF takes the specific force's
    direction for "up": an offset of 20 mg tilts the inclination by up to 1.1°, and the
    upright calibration cancels it only in postures near upright.

    A posture's weight grows with its duration up to 10 s (long quiet standing is not a
    thousand independent postures).
    """
    return fit_acc_bias(*still_postures(time, acc, gyr, fs, valid))


def fit_acc_bias(means: np.ndarray, dur: np.ndarray) -> AccBias:
    """:func:`estimate_acc_bias` from the still postures' mean specific force (K, 3) and
    duration (K,) in s (:func:`still_postures`)."""
    k = len(means)
    prior_sd = np.full(3, BIAS_PRIOR)
    if k < 2:
        return AccBias(np.zeros(3), prior_sd, G, k, 0.0)
    u0 = means / np.linalg.norm(means, axis=1, keepdims=True)
    # the least dot product over all pairs, 1024 rows at a time: u0 @ u0.T whole is K² (a day
    # at 104 Hz has ~7,000 still postures: 400 MB)
    least = min(float(np.min(u0[i:i + 1024] @ u0.T)) for i in range(0, k, 1024))
    spread = float(np.degrees(np.arccos(np.clip(least, -1.0, 1.0))))
    w = np.minimum(dur, 10.0) / 10.0 / BIAS_FIT_SD**2  # (K,) weights of the residuals
    # unknowns x = (b, g); priors b ~ N(0, BIAS_PRIOR²), g ~ N(9.806, G_PRIOR_SD²)
    x = np.array([0.0, 0.0, 0.0, 9.806])
    p_inv = np.diag([1 / BIAS_PRIOR**2] * 3 + [1 / G_PRIOR_SD**2])
    x0 = x.copy()
    h = p_inv
    for _ in range(10):  # Gauss–Newton (converges in 2–3 steps: offsets are ≪ g)
        d = means - x[:3]
        nd = np.linalg.norm(d, axis=1)
        res = nd - x[3]  # (K,) distance of each posture from the sphere
        jac = np.column_stack([-d / nd[:, None], -np.ones(k)])  # d res / d x
        h = jac.T @ (w[:, None] * jac) + p_inv
        grad = jac.T @ (w * res) + p_inv @ (x - x0)
        step_x = np.linalg.solve(h, grad)
        x = x - step_x
        if np.max(np.abs(step_x)) < 1e-6:
            break
    sd = np.sqrt(np.diag(np.linalg.inv(h))[:3])
    return AccBias(x[:3].copy(), sd, float(x[3]), k, spread)


def remove_acc_bias(acc: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """``acc − bias`` in place on the rows that hold a sample (masked rows of zeros and NaN
    separator rows stay as they are: VQF skips zero rows); returns ``acc``."""
    b = np.asarray(bias, float)
    if np.linalg.norm(b) < BIAS_MIN_APPLY:
        return acc
    dead = np.flatnonzero(zero_rows(acc))  # masked rows (NaN − b stays NaN)
    acc -= b
    acc[dead] = 0.0
    return acc

