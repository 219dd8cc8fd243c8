"""Lift style from one upper-back sensor: stoop, semi-squat or squat.

In a squat the upper back drops by more than trunk flexion alone explains (the knees bend). The
sensor's vertical drop is double-integrated from earth-vertical free acceleration over the lift
(velocity zero at start and end, :func:`kyphos.metrics.lifts.vertical_drop`);
:func:`knee_drop` is that drop less ``L·(1 − cos τ_peak)``, τ the trunk's tilt (flexion and
lateral bend together) and L the hip-to-sensor lever (:func:`effective_link`: the larger of the
wearer's own, :func:`link_from_bends`, and ``LINK_M``). :func:`classify_style`: squat ≥
``SQUAT_DROP_M``, semi-squat ≥ ``SEMI_DROP_M``, else stoop; without vertical acceleration, peak
flexion decides. With the wearer's hip height (``analyze(hip_height_m=|height_m=)``),
:func:`restyle` names the style by the closed-bend knee drop over it instead (the default
``style_drop="closed"``; :func:`classify_style_per_hip`), offline and live alike. Without it,
:func:`restyle` names the style by the closed-bend knee drop in metres
(:func:`classify_style_closed_m`: the wearer's own lever, so no per-wearer lever bias) when a
calibration bend gave the lever; ``style_drop="knee"`` keeps :func:`classify_style`.
Method and sources: docs/scoring.md, section 7.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

#: The lever L, m, when the wearer's own is shorter or unknown.
LINK_M = 0.44
#: The wearer's own lever from calibration bends deeper than this, degrees; L kept within
#: LINK_RANGE_M (m; own bound around hip-to-T2…T8 distances of 0.30–0.60 m less the lever of
#: the back's surface, which rises as the trunk tilts).
LINK_BEND_MIN_DEG = 30.0
LINK_RANGE_M = (0.15, 0.75)
#: Fitted by ``bench/fit_thresholds.py --family sim --seeds 100-139`` (the simulator family;
#: reported on the validation family, docs/accuracy.md). Since the seventeenth session (STYLE5)
#: the fit's wearers are drawn with a stature spread (``--stature-sd``, default 0.041), as are
#: the edges below; since STYLE6 each fit seed at 4 statures of exact normal quantiles
#: (``--stature-draw stratified --stature-pool 4``): one draw a seed moved the edges by the
#: realization (docs/scoring.md section 7, item 7).
SQUAT_DROP_M = 0.18050
SEMI_DROP_M = -0.00350
#: Without vertical acceleration: flexion-only fallback (stoop above, squat below), degrees.
STOOP_FLEX_DEG = 62.0
SQUAT_FLEX_DEG = 42.0

STYLES = ("stoop", "semi-squat", "squat")


def effective_link(link_m: float | None) -> float:
    """The lever L (m) the knee drop uses: the wearer's own (:func:`link_from_bends`) if it is
    the longer, else ``LINK_M``. A calibration bend in which the spine curls lowers the sensor
    less than the hip-led bend of a stoop lift does (chosen on validation seeds 900–905, not
    on the reported ones: docs/accuracy.md)."""
    return LINK_M if link_m is None else max(link_m, LINK_M)


def knee_drop(sensor_drop_m: float, peak_tilt_rad: float, link_m: float) -> float:
    """The share of the sensor's drop (m) that the trunk's tilt does not explain: the trunk
    lowers the sensor by ``L·(1 − cos τ)`` whatever the hip and the spine each take."""
    return float(sensor_drop_m - link_m * (1.0 - np.cos(peak_tilt_rad)))


def classify_style(peak_deg: float, knee_drop_m: float | None) -> str:
    """"stoop", "semi-squat" or "squat" from the knee drop (m); from peak flexion (degrees)
    without one (a weak fallback: docs/scoring.md, section 7)."""
    if knee_drop_m is None:
        if peak_deg >= STOOP_FLEX_DEG:
            return "stoop"
        return "squat" if peak_deg < SQUAT_FLEX_DEG else "semi-squat"
    if knee_drop_m >= SQUAT_DROP_M:
        return "squat"
    return "semi-squat" if knee_drop_m >= SEMI_DROP_M else "stoop"


def link_from_bends(angles: Any, vertical_acc: np.ndarray,
                    bends_s: list[tuple[float, float]]) -> float | None:
    """The wearer's effective trunk lever L (m) from standing forward bends made with the knees
    straight (the calibration bends): the sensor drops by L·(1 − cos tilt) as the trunk tilts,
    whatever share of the tilt the hip and the spine take. Least squares over every sample of
    every bend reaching ``LINK_BEND_MIN_DEG``, kept within ``LINK_RANGE_M``; None without
    such a bend. ``angles``: :class:`kyphos.processing.angles.Angles`."""
    from kyphos.metrics.lifts import _height_trace  # the lift's own height trace

    fs = angles.fs
    num = den = 0.0
    for b0, b1 in bends_s:  # per calibration bend
        i0, i1 = np.searchsorted(angles.time, [b0 - 0.3, b1 + 0.3])
        if i1 - i0 < 3 or not np.all(angles.valid[i0:i1]):
            continue
        # the tilt over the bend only (not the whole recording's: 8 h, ~0.1 s)
        th = np.arccos(np.clip(np.cos(angles.flexion[i0:i1]) * np.cos(angles.lateral[i0:i1]),
                               -1, 1))
        if float(np.nanmax(th)) < np.radians(LINK_BEND_MIN_DEG):
            continue
        h = _height_trace(vertical_acc[i0:i1], th, fs)
        if h is None:
            continue
        x = 1.0 - np.cos(th - th[0])  # from the bend's own start posture
        num += float(-h @ x)
        den += float(x @ x)
    if den <= 0.0:
        return None
    return float(np.clip(num / den, *LINK_RANGE_M))


#: The two-parameter lever (:func:`lever_from_bends`, not yet used by the analysis: the next
#: step of docs/accuracy.md section 7, "Best candidate"): each calibration bend widened by this
#: much, s, so that its drop and excursion start and end at rest (the ±0.3 s of
#: :func:`link_from_bends` does not reach rest when the bend is dated at its flexion
#: thresholds); bounds of the lever r and of the sensor's depth d behind the spine, m.
LEVER_PAD_S = 1.0
LEVER_DEPTH_RANGE_M = (0.0, 0.2)


#: How far the analysis' orientation runs ahead of the accelerometer row it is paired with,
#: samples: the estimated flexion leads the true one by ~0.5 sample at 52, 104 and 208 Hz on
#: both simulator families (0.46–0.48 sim seed 101, 0.50–0.58 validation 28001; regression of
#: the flexion error on the true flexion rate, docs/accuracy.md section 7, STYLE7). Rotating a
#: row's specific force with an orientation half a sample ahead leaks gravity into the
#: horizontal in proportion to the sample period: the hip shift read 3.9 cm higher at 52 Hz
#: and 2.0 cm lower at 208 Hz than at 104 Hz for the same simulated lift (sim 100-139,
#: ``bench/style_rate_study.py``), so the squat edge's reading (+ 0.05 · shift) 0.31 cm higher
#: and 0.14 cm lower. The closed-bend features (the lift windows and the calibration bends'
#: lever) rotate each row with the orientation this many samples earlier
#: (:func:`aligned_earth_acc`): that reading then differs by -0.003 / +0.011 cm (SE 0.012), and
#: the closed-bend edges and ``HIP_SHIFT_WEIGHT`` were refitted. The live view does the same
#: per chunk (``LiveState._aligned_earth_acc``: the causal chain's body quaternion blended with
#: the previous row's, the previous chunk's last carried; both through :func:`blend_previous`). Not applied to the angles, nor to
#: the lift bounds' speeds (offline ``lifts._speeds``, live ``find_bends``).
ORIENTATION_LEAD_SAMPLES = 0.5


def aligned_earth_acc(quat: np.ndarray, acc: np.ndarray, rows: np.ndarray,
                      lead: float | None = None) -> np.ndarray:
    """(len(rows), 3) earth-frame free acceleration of ``rows`` (ascending indices into
    ``quat`` (N, 4) and ``acc`` (N, 3)), each row's specific force rotated with the orientation
    ``lead`` samples earlier (default :data:`ORIENTATION_LEAD_SAMPLES`): the normalised blend
    of the row's quaternion and the previous row's (the row's own where there is no finite
    previous one). Only the given rows are built (the lift and bend windows)."""
    from kyphos.metrics.lifts import earth_free_acceleration

    f = ORIENTATION_LEAD_SAMPLES if lead is None else float(lead)
    r = np.asarray(rows, int)
    q = np.asarray(quat[r], float)
    if f and len(r):
        qp = np.array(quat[np.maximum(r - 1, 0)], float)
        qp[r == 0] = q[r == 0]
        q = blend_previous(q, qp, f)
    return earth_free_acceleration(q, np.asarray(acc[r], float))


def blend_previous(q: np.ndarray, q_prev: np.ndarray, lead: float | None = None) -> np.ndarray:
    """(n, 4) unit quaternions (w, x, y, z) ``lead`` samples (default
    :data:`ORIENTATION_LEAD_SAMPLES`) before each row of ``q`` (n, 4): the normalised blend
    ``(1 − lead)·q + lead·q_prev`` of the row's quaternion and the previous row's ``q_prev``
    (n, 4), taken in ``q``'s hemisphere; the row's own where ``q_prev`` is not finite. The one
    half-sample nlerp of the report (:func:`aligned_earth_acc`) and the live view
    (``LiveState._aligned_earth_acc``, the previous chunk's last row carried). ``q_prev`` is
    not changed."""
    f = ORIENTATION_LEAD_SAMPLES if lead is None else float(lead)
    q = np.asarray(q, float)
    qp = np.array(q_prev, float)
    bad = ~np.all(np.isfinite(qp), axis=1)
    qp[bad] = q[bad]
    qp *= np.where(np.sum(q * qp, axis=1) < 0, -1.0, 1.0)[:, None]  # the same hemisphere
    m = (1.0 - f) * q + f * qp
    n = np.linalg.norm(m, axis=1, keepdims=True)
    return np.where(n > 0, m / np.where(n > 0, n, 1.0), q)


def trunk_drop(tilt_rad: float | np.ndarray, lever: tuple[float, float]) -> Any:
    """How far the trunk's tilt alone lowers the sensor, m: ``r·(1 − cos τ) − d·sin τ`` for a
    sensor r up the trunk from the hip and d behind the spine (the back's surface rises as the
    trunk tilts forward)."""
    r, d = lever
    return r * (1.0 - np.cos(tilt_rad)) - d * np.sin(tilt_rad)


def running_integral(x: np.ndarray, dt: float) -> np.ndarray:
    """Trapezoid running integral of ``x`` along axis 0 from 0 (rows ``dt`` apart)."""
    v = np.zeros(x.shape)
    v[1:] = np.cumsum(0.5 * (x[1:] + x[:-1]), axis=0) * dt
    return v


def closed_displacement(earth_acc: np.ndarray, tilt: np.ndarray, fs: float
                        ) -> np.ndarray | None:
    """(n, k) displacement from the start, m, over a window that starts and ends at rest **in
    the same place** (a calibration bend: upright at both ends, hips still), from ``earth_acc``
    (n, k) and ``tilt`` (n,) rad: the double integral less the error model
    ``k0 + k1·sin τ + k2·s`` per column (``k0`` from the still first and last 0.15 s as in
    :func:`kyphos.metrics.lifts._rest_to_rest_velocity`; ``s`` the time from the window's
    middle), ``k1`` and ``k2`` zeroing both the end velocity and the end displacement. The
    ``k2`` ramp is an error that grows over the window (the orientation's drift while bent
    leaks gravity into the horizontal): without it the horizontal excursion of a 6–8 s
    validation calibration bend ends 0.1–0.9 m from its start (docs/accuracy.md section 7,
    "Why the lever fit sits at its bounds"). None when the window is too short or not finite."""
    a = np.asarray(earth_acc, float).reshape(len(earth_acc), -1)
    if len(a) < 3 or not (np.all(np.isfinite(a)) and np.all(np.isfinite(tilt))):
        return None
    dt = 1.0 / fs

    k = max(2, int(0.15 * fs))
    a = a - (a[:k].sum(axis=0) + a[-k:].sum(axis=0)) / (2 * k)
    shapes = np.c_[np.sin(np.clip(tilt, 0.0, None)), np.linspace(-1.0, 1.0, len(a))]
    v_a, v_s = running_integral(a, dt), running_integral(shapes, dt)
    p_a, p_s = running_integral(v_a, dt), running_integral(v_s, dt)
    m = np.array([v_s[-1], p_s[-1]])  # 2 x 2: end velocity and displacement per shape
    if abs(np.linalg.det(m)) < 1e-12:
        return None
    kk = np.linalg.solve(m, np.vstack([v_a[-1], p_a[-1]]))  # (2, k)
    return np.asarray(p_a - p_s @ kk)


def lever_from_bends(time: np.ndarray, valid: np.ndarray, tilt: np.ndarray,
                     earth_acc: np.ndarray, bends_s: list[tuple[float, float]], fs: float,
                     closure: bool = False) -> tuple[float, float] | None:
    """(r, d), m, of :func:`trunk_drop` from standing forward bends made with the hips held
    still (the calibration bends): least squares of each bend's drop ``r·(1 − cos τ) − d·sin τ``
    and horizontal excursion ``r·sin τ + d·(1 − cos τ)`` (τ from the bend's start posture),
    the sensor's displacement integrated from rest to rest (the drift model of
    :func:`kyphos.metrics.lifts.vertical_drop`) over each bend ± ``LEVER_PAD_S``; with
    ``closure``, from rest to rest in the same place (:func:`closed_displacement`: the bend
    ends where it started). ``tilt``: the trunk's tilt per row, rad; ``earth_acc``: (N, 3)
    earth-frame free acceleration. None without a bend reaching ``LINK_BEND_MIN_DEG`` whose
    window is valid throughout."""
    from scipy.optimize import lsq_linear

    from kyphos.metrics.lifts import _rest_to_rest_velocity

    rows, ys = [], []
    for b0, b1 in bends_s:  # per calibration bend
        i0, i1 = np.searchsorted(time, [b0 - LEVER_PAD_S, b1 + LEVER_PAD_S])
        if i1 - i0 < 3 or not np.all(valid[i0:i1]):
            continue
        th = tilt[i0:i1]
        if float(np.max(th)) < np.radians(LINK_BEND_MIN_DEG):
            continue
        if closure:
            p = closed_displacement(earth_acc[i0:i1], th, fs)
            if p is None:
                continue
        else:
            v = _rest_to_rest_velocity(earth_acc[i0:i1], th, fs)
            if v is None:
                continue
            p = np.zeros_like(v)
            p[1:] = np.cumsum(0.5 * (v[1:] + v[:-1]), axis=0) / fs
        dth = th - th[0]
        rows += [np.c_[1 - np.cos(dth), -np.sin(dth)], np.c_[np.sin(dth), 1 - np.cos(dth)]]
        ys += [-p[:, 2], np.hypot(p[:, 0], p[:, 1])]
    if not rows:
        return None
    lo = [LINK_RANGE_M[0], LEVER_DEPTH_RANGE_M[0]]
    hi = [LINK_RANGE_M[1], LEVER_DEPTH_RANGE_M[1]]
    x = lsq_linear(np.vstack(rows), np.concatenate(ys), bounds=(lo, hi)).x
    return float(x[0]), float(x[1])


def window_start(lf: Any) -> float:
    """The start a lift's closed-drop window is padded from: ``Lift.window_start_s`` (the
    rest-to-rest speed's start, where the closed edges were fitted), else ``start_s``. The
    studies and the live view that rebuild the window read it here."""
    w = lf.window_start_s
    return float(lf.start_s if w is None else w)


#: The lift's window for :func:`lift_knee_drop_lever`: its speed bounds (``Lift.start_s`` /
#: ``end_s`` with quaternions and accelerometer, :func:`kyphos.metrics.lifts._speed_bounds`;
#: :func:`restyle` starts it at ``Lift.window_start_s``, the rest-to-rest speed's start)
#: padded by this much, s, so that it starts and ends at rest (the window ``find_bends``
#: already integrates for the speed bounds: ``SPEED_PAD_S``).
LIFT_PAD_S = 0.5


def window_drop(earth_acc: np.ndarray, tilt: np.ndarray, fs: float
                ) -> tuple[float, float] | None:
    """(largest downward displacement of the sensor, m; peak tilt, rad) over a window that
    starts and ends at rest: the vertical column of the rest-to-rest velocity
    (:func:`kyphos.metrics.lifts._rest_to_rest_velocity`, per column, so the same as the
    (N, 3) integral of ``bench/style_study.py``'s ``_disp``), integrated once more.
    ``earth_acc`` (N, 3) earth-frame free acceleration, ``tilt`` (N,) rad. None when the
    window is too short or has non-finite samples."""
    got = window_drop_reach(earth_acc, tilt, fs)
    return None if got is None else (got[0], got[1])


def window_drop_reach(earth_acc: np.ndarray, tilt: np.ndarray, fs: float
                      ) -> tuple[float, float, float] | None:
    """:func:`window_drop` and the sensor's horizontal excursion from the start at peak tilt,
    m (the length of the (x, y) displacement, integrated as the drop, per column, so no
    forward axis is needed)."""
    from kyphos.metrics.lifts import _rest_to_rest_velocity

    v = _rest_to_rest_velocity(earth_acc, tilt, fs)
    if v is None:
        return None
    p = np.zeros_like(v)
    p[1:] = np.cumsum(0.5 * (v[1:] + v[:-1]), axis=0) / fs
    k = int(np.argmax(tilt))
    return float(np.max(-p[:, 2])), float(tilt[k]), float(np.hypot(p[k, 0], p[k, 1]))


def lift_knee_drop_lever(time: np.ndarray, valid: np.ndarray, tilt: np.ndarray,
                         earth_acc: np.ndarray, start_s: float, end_s: float, fs: float,
                         lever: tuple[float, float] | None) -> float | None:
    """The best candidate's knee drop of one lift, m (docs/accuracy.md section 7, "Best
    candidate: ``lever2_dh_1_speed_window``"): the sensor's drop and the peak tilt over the
    lift's speed bounds ± ``LIFT_PAD_S`` (:func:`window_drop`) less the trunk's own drop
    :func:`trunk_drop` with the wearer's ``lever`` (r, d) from :func:`lever_from_bends`, or
    ``LINK_M·(1 − cos τ)`` without one. None when that window holds fewer than 10 rows or an
    invalid one. Reproduces ``bench/style_study.py``'s feature (tests/test_metrics_style_lever.py).
    Not called by the analysis: wired in end to end (analysis, chunked path, live view) and
    measured on the development seeds it did not hold up on the simulator's check seeds at all
    three rates (docs/accuracy.md section 7, "The wearer's lever wired in and measured"; that
    wiring patch is lost). With ``lever_from_bends(closure=True)`` it gains on every validation
    development set and still loses on the simulator's check seeds (section 7, "Why the
    lever fit sits at its bounds")."""
    got = lift_closed_features(time, valid, tilt, earth_acc, start_s, end_s, fs, lever)
    return None if got is None else got[0]


def lift_closed_features(time: np.ndarray, valid: np.ndarray, tilt: np.ndarray,
                         earth_acc: np.ndarray, start_s: float, end_s: float, fs: float,
                         lever: tuple[float, float] | None) -> tuple[float, float] | None:
    """(knee drop, hip shift) of one lift, m: the knee drop of :func:`lift_knee_drop_lever`
    and :func:`hip_shift`'s horizontal residual at the same peak tilt, from the same window
    (:func:`window_drop_reach`). None as :func:`lift_knee_drop_lever`."""
    i0, i1 = np.searchsorted(time, [start_s - LIFT_PAD_S, end_s + LIFT_PAD_S])
    if i1 - i0 < 10 or not np.all(valid[i0:i1]):
        return None
    got = window_drop_reach(earth_acc[i0:i1], tilt[i0:i1], fs)
    if got is None:
        return None
    drop, tau, reach = got
    trunk = LINK_M * (1.0 - np.cos(tau)) if lever is None else trunk_drop(tau, lever)
    return float(drop - trunk), hip_shift(reach, tau, lever)


def hip_shift(reach_m: float, tilt_rad: float, lever: tuple[float, float] | None) -> float:
    """The sensor's horizontal excursion at peak tilt less the trunk's own,
    ``r·sin τ + d·(1 − cos τ)`` (``LINK_M·sin τ`` without a lever), m: negative when the hips
    move back under the tilting trunk (the pelvis shifts backward as it rotates forward in a
    forward bend: "The effect of sagittal hip angle on lumbar and hip coordination and pelvic
    posterior shift during forward bending", Eur Spine J 2019, doi:10.1007/s00586-019-06129-4,
    abstract). With ``HIP_SHIFT_WEIGHT`` it lowers the squat reading of a lift whose hips went
    back: a hip-led lift, whose trunk drops the sensor further than the calibration bend's
    lever says (docs/accuracy.md section 7, STYLE2)."""
    r, d = (LINK_M, 0.0) if lever is None else lever
    return float(reach_m - (r * np.sin(tilt_rad) + d * (1.0 - np.cos(tilt_rad))))


def split_bend_windows(time: np.ndarray, valid: np.ndarray, flexion: np.ndarray,
                       lateral: np.ndarray, fs: float, bends_s: list[tuple[float, float]]
                       ) -> list[tuple[float, float]]:
    """Each window of ``bends_s`` that holds two or more forward bends
    (:func:`kyphos.processing.calibration.forward_excursions` of the trunk's tilt), split into
    them, each from its last row within 15° of upright before it to its first one after it
    (within 5 s, as ``auto_calibrate``'s calibration bends); a window with one bend or none is
    kept as given. A guided-calibration note's bend window holds every bend the wearer made
    (the simulator's three: ``kyphos.sim.scenario.random_lift_session``), and the closed lever
    integrated over all of them at once, with the stands between, is off by up to 18 cm in
    depth (FITPATH, docs/accuracy.md section 7); the automatic calibration and the live view
    take each bend alone. ``time``: non-decreasing (separator rows filled forward)."""
    from kyphos.processing.calibration import forward_excursions, upright_end

    out: list[tuple[float, float]] = []
    for b0, b1 in bends_s:  # per window (one or a few a recording)
        i0, i1 = int(np.searchsorted(time, b0)), int(np.searchsorted(time, b1, side="right"))
        ok = valid[i0:i1] & np.isfinite(flexion[i0:i1]) & np.isfinite(lateral[i0:i1])
        tilt = np.where(ok, np.arccos(np.clip(np.cos(np.nan_to_num(flexion[i0:i1])) * np.cos(
            np.nan_to_num(lateral[i0:i1])), -1, 1)), 0.0)
        back = np.flatnonzero((tilt < np.radians(15)) & ok)
        spans: list[list[int]] = []
        for a, _pk, b in forward_excursions(tilt, ok, fs) if i1 - i0 > 2 else []:
            end = upright_end(back, b, fs)  # per bend in the window
            if spans and a < spans[-1][1]:  # from the same upright: one bend dipping, not two
                spans[-1][1] = max(spans[-1][1], end)
            else:
                spans.append([a, end])
        if len(spans) < 2:
            out.append((b0, b1))
            continue
        out += [(float(time[i0 + a]), float(time[i0 + min(e, i1 - i0 - 1)])) for a, e in spans]
    return out


def lever_from_recording(angles: Any, quat: np.ndarray, acc: np.ndarray,
                         bends_s: list[tuple[float, float]], closure: bool = False
                         ) -> tuple[float, float] | None:
    """:func:`lever_from_bends` of a recording: ``angles``
    (:class:`kyphos.processing.angles.Angles`), ``quat`` (N, 4) and prepared ``acc`` (N, 3)
    on the same rows; the earth-frame acceleration only on the bends' windows (the same rows
    as over the whole recording: each window is taken one second wider). ``closure``: as
    :func:`lever_from_bends`'."""
    from kyphos.processing.preprocess import searchable_time

    if not bends_s or len(angles.time) == 0:
        return None
    t = searchable_time(angles.time)  # separators: no row
    bends_s = split_bend_windows(t, angles.valid, angles.flexion, angles.lateral, angles.fs,
                                 bends_s)
    keep = np.zeros(len(t), bool)
    for b0, b1 in bends_s:
        k0, k1 = np.searchsorted(t, [b0 - LEVER_PAD_S - 1.0, b1 + LEVER_PAD_S + 1.0])
        keep[k0:k1] = True
    rows = np.flatnonzero(keep)
    if len(rows) == 0:
        return None
    tilt = np.arccos(np.clip(np.cos(angles.flexion[rows]) * np.cos(angles.lateral[rows]), -1, 1))
    return lever_from_bends(t[rows], angles.valid[rows], tilt,
                            aligned_earth_acc(quat, acc, rows), bends_s, angles.fs,
                            closure)


# -- the wearer's hip height: style by knee drop per leg length (optional input) -------------

#: Standing hip (greater trochanter) height as a fraction of body height: 0.530·H (Drillis &
#: Contini 1966, reproduced in Winter, *Biomechanics and Motor Control of Human Movement*,
#: fig. 4.1). A population mean: a person's own ratio is off by a few per cent.
HIP_PER_HEIGHT = 0.530
#: Plausible inputs, m: a value outside is a typo or a wrong unit (cm, ft), not a person.
HIP_HEIGHT_RANGE_M = (0.50, 1.30)
HEIGHT_RANGE_M = (1.00, 2.50)
#: Edges on the knee drop (``knee_drop``, the shipped rule's) over the hip height
#: (dimensionless): ``analyze(..., hip_height_m=)`` classifies by these. Fitted by
#: ``bench/fit_thresholds.py --family sim --seeds 100-139``; until the seventeenth session on
#: the simulator's one body (hip height 0.94 m: SEMI_DROP_M / SQUAT_DROP_M over 0.94), since
#: then on wearers of drawn stature (``--stature-sd``).
SEMI_DROP_PER_HIP = -0.00370
SQUAT_DROP_PER_HIP = 0.19325
#: The same for the closed-bend knee drop (:func:`lift_knee_drop_lever` with the lever of
#: :func:`lever_from_recording` ``closure=True``; ``analyze(..., style_drop="closed")``, the
#: default with a hip height; checked against the simulator's floor set by the exact hip
#: drop: ``bench/fit_thresholds.py --floor``, docs/scoring.md section 7).
SEMI_CLOSED_PER_HIP = 0.03335
SQUAT_CLOSED_PER_HIP = 0.22470
#: Which knee drop the hip height divides (``analyze(style_drop=)``); the first is the default.
STYLE_DROPS = ("closed", "knee")
#: Edges on the closed-bend knee drop in metres (:func:`lift_knee_drop_lever` with the lever
#: of :func:`lever_from_recording` ``closure=True``), which names the style when no hip height
#: is given (the default ``style_drop="closed"``). Fitted by ``bench/fit_thresholds.py
#: --family sim --seeds 100-139`` and checked against the simulator's floor set by the exact
#: hip drop (``--floor``), as the closed / H pair (docs/scoring.md section 7). Since the
#: fifteenth session (FITPATH) the fit's sessions carry the guided-calibration note, as the
#: validation family and a calibrated user's do (until then: no note, "auto").
SEMI_CLOSED_M = 0.03230
SQUAT_CLOSED_M = 0.21923
#: The squat edges of both closed-bend rules read ``knee drop + HIP_SHIFT_WEIGHT · hip shift``
#: (:func:`hip_shift`, m; over the hip height with one), the stoop edges the knee drop alone.
#: Fitted by ``bench/fit_thresholds.py --family sim --seeds 100-139``: the middle of the
#: weights whose refitted squat edge names the most lifts right (the simulator's stoop /
#: semi-squat / squat do not shift the hips back, so its fit is flat over a range of weights;
#: docs/accuracy.md section 7, STYLE2 and FITPATH: 0.040 → 0.050 on the note path; 0.060 since STYLE7 took out the orientation's
#: half-sample lead, :data:`ORIENTATION_LEAD_SAMPLES`).
HIP_SHIFT_WEIGHT = 0.060
#: What the JSON and the report say of a style named without the wearer's hip height.
STYLE_NO_HIP_NOTE = ("less certain: named without the wearer's hip height; "
                     "give --hip-height-m or --height-m")


@dataclass(frozen=True)
class Wearer:
    """The wearer's leg length as the analysis uses it (``analyze(hip_height_m=|height_m=)``):
    the standing hip height, m (None: not given), which input gave it, and the closed-bend
    lever (r, d) of :func:`lever_from_recording` (``closure=True``; None: no calibration bend,
    so the style stays the shipped knee-drop rule)."""

    hip_height_m: float | None
    source: str  # "hip_height_m" (measured), "height_m" (× HIP_PER_HEIGHT) or "none"
    height_m: float | None = None
    lever: tuple[float, float] | None = None
    #: which knee drop the hip height divides: "closed" (the closed-bend one, the default) or
    #: "knee" (the knee drop of the rule without a hip height)
    drop: str = "closed"
    #: the closed-bend levers of later calibrations' guided bends, (from s, lever), in time
    #: order: a lift starting at or after ``from`` is named with that lever (the wearer
    #: re-clipped and pressed ``c`` again: the sensor sits elsewhere on the back), a None
    #: lever keeps the one before it. Empty: ``lever`` for every lift.
    later_levers: tuple[tuple[float, tuple[float, float] | None], ...] = ()
    #: the knee rule's trunk links (:func:`link_from_bends`) of later calibrations' guided
    #: bends, (from s, link m or None), as ``later_levers``: a lift starting at or after
    #: ``from`` has its knee drop (``Lift.knee_drop_m``) from that link (:func:`relink`)
    later_links: tuple[tuple[float, float | None], ...] = ()

    def lever_at(self, t_s: float) -> tuple[float, float] | None:
        """The closed-bend lever that names a lift starting at ``t_s`` (s): that of the last
        calibration with a bend before it (:attr:`later_levers`), else :attr:`lever`."""
        lever = self.lever
        for t0, lv in self.later_levers:
            if t_s >= t0 and lv is not None:
                lever = lv
        return lever

    def link_at(self, t_s: float, link_m: float | None) -> float | None:
        """The knee rule's link for a lift starting at ``t_s`` (s): that of the last later
        calibration with a bend before it (:attr:`later_links`), else ``link_m`` (the first
        calibration's)."""
        for t0, lk in self.later_links:
            if t_s >= t0 and lk is not None:
                link_m = lk
        return link_m

    @property
    def hip_given(self) -> bool:
        return self.hip_height_m is not None

    def style_by(self) -> str:
        """Which rule named the lifts' styles (the JSON's ``"style_rule"["by"]``)."""
        if self.hip_height_m is None:
            if self.drop == "closed" and self.lever is not None:
                return "closed-bend knee drop (no hip height)"
            return ("knee drop (no hip height)" if self.drop == "knee" else
                    "knee drop (no hip height; no calibration bend found)")
        return str(self.to_dict()["style_by"])

    def to_dict(self) -> dict[str, Any]:
        """The JSON's ``"wearer"`` block (only when the hip height was given)."""
        assert self.hip_height_m is not None, "no hip height: no wearer block"
        by = "knee drop / hip height"
        if self.drop == "closed":
            by = ("closed-bend knee drop / hip height" if self.lever is not None else
                  "knee drop (no calibration bend found: the hip height is not used)")
        return {"hip_height_m": round(self.hip_height_m, 4), "source": self.source,
                "height_m": self.height_m, "style_by": by}


def style_rule(wearer: Wearer | None) -> dict[str, Any]:
    """The JSON's ``"style_rule"``: what named the lifts' styles (``by``), whether the
    wearer's hip height was given, and, without it, that the style is less certain
    (``note``; the closed bend over the hip height is the rule that meets the style target,
    docs/scoring.md section 7). ``wearer`` None: the shipped knee rule without a hip height.
    With later calibrations' bends (:attr:`Wearer.later_levers`), ``"later_bends_from_s"``:
    from when (s) each one's lever names the lifts (no key without one)."""
    if wearer is None or not wearer.hip_given:
        by = "knee drop (no hip height)" if wearer is None else wearer.style_by()
        out: dict[str, Any] = {"by": by, "hip_height_given": False, "note": STYLE_NO_HIP_NOTE}
    else:
        out = {"by": wearer.style_by(), "hip_height_given": True, "note": None}
    later = [] if wearer is None else \
        [round(t, 3) for t, lv in wearer.later_levers if lv is not None] \
        if wearer.drop == "closed" else \
        [round(t, 3) for t, lk in wearer.later_links if lk is not None]
    if later:
        out["later_bends_from_s"] = later
    return out


def wearer_from(hip_height_m: float | None = None, height_m: float | None = None,
                drop: str = "closed") -> Wearer:
    """The :class:`Wearer` of analyze's options (``hip_height_m`` None when neither is given:
    the style is then named by the closed-bend knee drop in metres, or with ``drop="knee"`` by
    the shipped knee rule). KyphosError, one line, for both at once, a value outside
    ``HIP_HEIGHT_RANGE_M`` / ``HEIGHT_RANGE_M``, or a ``drop`` not in ``STYLE_DROPS``."""
    from kyphos.errors import KyphosError

    if drop not in STYLE_DROPS:
        raise KyphosError(f"style drop {drop!r}: use {' or '.join(STYLE_DROPS)}")
    if hip_height_m is None and height_m is None:
        return Wearer(None, "none", drop=drop)
    if hip_height_m is not None and height_m is not None:
        raise KyphosError("give the hip height or the body height, not both")
    if hip_height_m is not None:
        lo, hi = HIP_HEIGHT_RANGE_M
        if not lo <= float(hip_height_m) <= hi:  # False for NaN too
            raise KyphosError(f"hip height {hip_height_m!r} m is not plausible: give the standing "
                              f"height of the hip (greater trochanter) in metres, {lo}–{hi}")
        return Wearer(float(hip_height_m), "hip_height_m", drop=drop)
    lo, hi = HEIGHT_RANGE_M
    if not lo <= float(height_m) <= hi:  # type: ignore[arg-type]
        raise KyphosError(f"height {height_m!r} m is not plausible: give the body height in "
                          f"metres, {lo}–{hi}")
    return Wearer(HIP_PER_HEIGHT * float(height_m), "height_m",  # type: ignore[arg-type]
                  float(height_m), drop=drop)  # type: ignore[arg-type]


def classify_style_per_hip(rel: float, drop: str = "knee", shift_rel: float = 0.0) -> str:
    """"stoop", "semi-squat" or "squat" from a knee drop over the hip height: ``drop``
    "knee" (the shipped knee drop) or "closed" (the closed-bend one), each with its edges;
    for "closed" the squat edge reads ``rel + HIP_SHIFT_WEIGHT · shift_rel`` (``shift_rel``:
    :func:`hip_shift` over the hip height)."""
    if drop == "knee":
        semi, squat, deep = SEMI_DROP_PER_HIP, SQUAT_DROP_PER_HIP, rel
    else:
        semi, squat = SEMI_CLOSED_PER_HIP, SQUAT_CLOSED_PER_HIP
        deep = rel + HIP_SHIFT_WEIGHT * shift_rel
    if deep >= squat:
        return "squat"
    return "semi-squat" if rel >= semi else "stoop"


def classify_style_closed_m(drop_m: float, shift_m: float = 0.0) -> str:
    """"stoop", "semi-squat" or "squat" from the closed-bend knee drop in metres (no hip
    height: ``SEMI_CLOSED_M`` / ``SQUAT_CLOSED_M``), the squat edge on ``drop_m +
    HIP_SHIFT_WEIGHT · shift_m`` (:func:`hip_shift`)."""
    if drop_m + HIP_SHIFT_WEIGHT * shift_m >= SQUAT_CLOSED_M:
        return "squat"
    return "semi-squat" if drop_m >= SEMI_CLOSED_M else "stoop"


def closed_knee_drops(time: np.ndarray, valid: np.ndarray, flexion: np.ndarray,
                      lateral: np.ndarray, quat: np.ndarray, acc: np.ndarray,
                      spans_s: list[tuple[float, float]], fs: float,
                      lever: tuple[float, float],
                      earth_acc: np.ndarray | None = None) -> list[float | None]:
    """:func:`lift_knee_drop_lever` of each (start_s, end_s) in ``spans_s`` (a lift's speed
    bounds) with the closed-bend ``lever`` (:func:`closed_knee_features`' first value)."""
    return [None if f is None else f[0] for f in
            closed_knee_features(time, valid, flexion, lateral, quat, acc, spans_s, fs, lever,
                                 earth_acc)]


def closed_knee_features(time: np.ndarray, valid: np.ndarray, flexion: np.ndarray,
                         lateral: np.ndarray, quat: np.ndarray, acc: np.ndarray,
                         spans_s: list[tuple[float, float]], fs: float,
                         lever: tuple[float, float],
                         earth_acc: np.ndarray | None = None
                         ) -> list[tuple[float, float] | None]:
    """:func:`lift_closed_features` (knee drop, hip shift) of each (start_s, end_s) in
    ``spans_s`` (a lift's speed bounds) with the closed-bend ``lever``, reading only each
    window's rows (an 8 h recording's earth-frame acceleration is not built). ``time`` may
    hold NaN separator rows. ``earth_acc``: the (N, 3) earth-frame free acceleration of the
    same rows when the caller has it (the live view's ring), instead of ``quat`` and ``acc``."""
    from kyphos.processing.preprocess import searchable_time

    t = searchable_time(time)  # separators: no row
    out: list[tuple[float, float] | None] = []
    for s0, s1 in spans_s:  # per lift (a few hundred a day)
        k0, k1 = np.searchsorted(t, [s0 - LIFT_PAD_S, s1 + LIFT_PAD_S])
        sl = slice(int(k0), int(k1))
        if k1 - k0 < 10 or not np.all(valid[sl]):
            out.append(None)
            continue
        tilt = np.arccos(np.clip(np.cos(flexion[sl]) * np.cos(lateral[sl]), -1, 1))
        ea = (aligned_earth_acc(quat, acc, np.arange(int(k0), int(k1))) if earth_acc is None
              else earth_acc[sl])
        out.append(lift_closed_features(t[sl], valid[sl], tilt, ea, s0, s1, fs, lever))
    return out


def relink(lifts: list[Any], wearer: Wearer, link_m: float | None) -> None:
    """The knee rule's knee drop of each lift after a later calibration's guided bend from
    that bend's link (:meth:`Wearer.link_at`; ``link_m`` the first calibration's, which
    :func:`kyphos.metrics.lifts.find_bends` used), and the style and form score it names, in
    place (before :func:`restyle`, which reads it). The wearer re-clipped before that ``c``:
    the sensor's lever on the back is that bend's. No later link: nothing changes."""
    from kyphos.metrics.lifts import form_score

    base = effective_link(link_m)
    for lf in lifts:  # per lift
        link = effective_link(wearer.link_at(lf.start_s, link_m))
        if link == base or lf.sensor_drop_m is None:
            continue
        lf.knee_drop_m = knee_drop(lf.sensor_drop_m, np.radians(lf.peak_tilt_deg), link)
        lf.style = classify_style(lf.peak_flexion_deg, lf.knee_drop_m)
        lf.score, lf.reasons = form_score(lf.style, lf.peak_flexion_deg,
                                          lf.peak_flexion_velocity_dps, lf.twist_deg,
                                          lf.lateral_deg)


def restyle(lifts: list[Any], wearer: Wearer, angles: Any, quat: np.ndarray,
            acc: np.ndarray, earth_acc: np.ndarray | None = None) -> None:
    """Name each lift's style (and so its form score) by its knee drop over the wearer's hip
    height, in place: ``wearer.drop`` "knee", the shipped knee drop (``Lift.knee_drop_m``);
    "closed", the closed-bend one (``Lift.knee_drop_closed_m``, from ``wearer.lever``). Without
    a hip height: "closed" names it by the closed-bend knee drop in metres
    (:func:`classify_style_closed_m`), "knee" leaves the shipped style. A
    lift without that drop (no vertical acceleration; no closed window or no calibration bend
    for "closed") keeps the shipped style. ``lifts``: :class:`kyphos.metrics.lifts.Lift`;
    ``quat``, ``acc``: the rows of ``angles`` (read for "closed" only), or ``earth_acc``, their
    (N, 3) earth-frame free acceleration (the live view, :func:`closed_knee_drops`)."""
    from kyphos.metrics.lifts import form_score

    hip = wearer.hip_height_m
    if not lifts or (hip is None and wearer.drop == "knee"):
        return
    if wearer.drop == "closed":
        feats: list[tuple[float, float] | None] = [None] * len(lifts)
        # each lift with the lever of the calibration in use when it started (one group per
        # lever: one calibration, one call, as before later calibrations had their own)
        levers = [wearer.lever_at(lf.start_s) for lf in lifts]
        for lever in {id(lv): lv for lv in levers if lv is not None}.values():
            ks = [k for k, lv in enumerate(levers) if lv is lever]
            got = closed_knee_features(angles.time, angles.valid, angles.flexion,
                                       angles.lateral, quat, acc,
                                       [(window_start(lifts[k]), lifts[k].end_s) for k in ks],
                                       angles.fs, lever, earth_acc)
            for k, f in zip(ks, got, strict=True):
                feats[k] = f
    for k, lf in enumerate(lifts):  # per lift
        if lf.knee_drop_m is not None and hip is not None:
            lf.knee_drop_per_hip = lf.knee_drop_m / hip
        kd, shift = lf.knee_drop_m, 0.0
        if wearer.drop == "closed":
            f = feats[k]
            kd, shift = (None, 0.0) if f is None else f
            lf.knee_drop_closed_m = kd
            lf.hip_shift_m = None if f is None else shift
            lf.knee_drop_closed_per_hip = None if kd is None or hip is None else kd / hip
        if kd is None:
            continue
        lf.style = (classify_style_closed_m(kd, shift) if hip is None else
                    classify_style_per_hip(kd / hip, wearer.drop, shift / hip))
        lf.score, lf.reasons = form_score(lf.style, lf.peak_flexion_deg,
                                          lf.peak_flexion_velocity_dps, lf.twist_deg,
                                          lf.lateral_deg)
