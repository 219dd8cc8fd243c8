"""Session analysis end to end: preprocessing → orientation → calibration → angles → metrics.

``analyze(session)`` is what ``Session.analysis`` (and so ``kyphos.load(path).lifts``) calls.
Times in the results are seconds from the start of the recording (the session's time axis).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np

from kyphos.errors import KyphosError
from kyphos.metrics.lifts import Lift, find_bends, lift_mask, lift_summary, link_from_bends
from kyphos.metrics.posture import (
    SLOUCH_THRESHOLD_DEG,
    PostureMetrics,
    posture_metrics,
    sitting_upright_deg,
)
from kyphos.metrics.risk import Risk, kinematic_risk
from kyphos.metrics.style import (
    Wearer,
    lever_from_recording,
    restyle,
    style_rule,
    wearer_from,
)
from kyphos.processing import activity as act
from kyphos.processing import calibration as cal
from kyphos.processing import clipslip, plausibility
from kyphos.processing.angles import Angles, tilt_angles, trunk_angles, vertical_acceleration
from kyphos.processing.orientation import orientation_segments, walk_tilt_rows
from kyphos.processing.params import PROBE_MIN_S
from kyphos.processing.preprocess import (
    IMU_CUTOFF_HZ,
    MAX_BRIDGE_S,
    Prepared,
    all_finite,
    haptic_intervals,
    in_intervals,
    prepare,
)

_EVENT_CALIBRATED = 7


class Recording(Protocol):
    """What the analysis reads of a recording. :class:`kyphos.session.Session` is one; the
    analysis does not import it, so the dependency runs one way: ``Session.analysis`` (the
    notebook API, ``kyphos.load(path).lifts``) calls :func:`analyze`, never the reverse."""

    time: np.ndarray  # (N,) s
    acc: np.ndarray  # (N, 3) m/s², sensor frame
    gyr: np.ndarray  # (N, 3) rad/s, sensor frame
    fs: float  # Hz (0 or None: from the time axis)
    haptic: np.ndarray  # (N,) bool, the motor ran
    events: np.ndarray  # kyphos.session.EVENT_DTYPE
    gaps: Any
    notes: Any  # [(t_s, dict)]

    @property
    def duration_s(self) -> float: ...


@dataclass
class Analysis:
    """Everything the analysis computes for one session (see :func:`analyze`)."""

    duration_s: float
    angles: Angles
    posture: PostureMetrics
    lifts: list[Lift]
    risk: Risk
    calibration: cal.Calibration
    quat: np.ndarray
    prepared: Prepared
    lift_stats: dict[str, Any] = field(default_factory=dict)
    #: valid / warnings / what can be shown (processing.plausibility)
    validity: plausibility.Validity | None = None
    activity: act.Activity | None = None
    seated_reaches: list[Lift] = field(default_factory=list)
    #: clip slips found and re-referenced (processing.clipslip)
    re_references: list[clipslip.ReReference] = field(default_factory=list)
    #: the wearer's trunk lever from the calibration bends, m (None: metrics.lifts.LINK_M)
    link_m: float | None = None
    #: the wearer's hip height (None when not given) and closed-bend lever, which name the
    #: lifts' styles (``analyze(hip_height_m=, style_drop=)``)
    wearer: Wearer | None = None

    @property
    def lift_rate_per_h(self) -> float:
        return float(self.lift_stats.get("lift_rate_per_h", 0.0))

    def lifts_table(self) -> dict[str, list[Any]]:
        """Columns of the lift table, for ``pandas.DataFrame(analysis.lifts_table())``."""
        rows = [lf.to_dict() for lf in self.lifts]
        keys = list(Lift.__dataclass_fields__)
        return {k: [r[k] for r in rows] for k in keys}

    def to_dict(self) -> dict[str, Any]:
        """The JSON document printed by ``kyphos analyze --json``."""
        p = self.posture
        posture = p.to_dict()
        posture["slouch_episodes"] = [
            {"start_s": round(e.start_s, 3), "end_s": round(e.end_s, 3), "peak_deg": round(e.peak_deg, 2)}
            for e in p.slouch_episodes
        ]
        lifts = []
        for lf in self.lifts:
            d = lf.to_dict()
            lifts.append(
                {
                    k: d[k]
                    for k in (
                        "start_s", "end_s", "style", "peak_flexion_deg",
                        "peak_flexion_velocity_dps", "twist_deg", "lateral_deg", "duration_s",
                        "score", "reasons", "knee_drop_m",
                    )
                }
            )
            more: dict[str, tuple[float | None, int]] = {}
            w = self.wearer
            if w is not None and w.drop == "closed":  # 4 decimals: the edges fit exactly
                more["knee_drop_closed_m"] = (lf.knee_drop_closed_m, 4)
            if w is not None and w.hip_given:
                more["knee_drop_per_hip"] = (lf.knee_drop_per_hip, 4)
                if w.drop == "closed":
                    more["knee_drop_closed_per_hip"] = (lf.knee_drop_closed_per_hip, 4)
            if more:
                lifts[-1].update({k: None if v is None else round(v, n)
                                  for k, (v, n) in more.items()})
        reaches = [
            {k: round(v, 3) if isinstance(v, float) else v
             for k, v in lf.to_dict().items()
             if k in ("start_s", "end_s", "peak_flexion_deg", "twist_deg", "lateral_deg",
                      "duration_s")}
            for lf in self.seated_reaches
        ]
        out = {
            "duration_s": round(self.duration_s, 3),
            "calibration": self.calibration.to_dict(),
            "activity": self.activity.to_dict() if self.activity is not None else None,
            "posture": posture,
            "slouch_episodes": posture["slouch_episodes"],
            "sustained_bends": posture["sustained_bends"],
            "lifts": lifts,
            "seated_reaches": reaches,
            "re_references": [rr.to_dict() for rr in self.re_references],
            # bends taken for the calibration movement and left out of lift detection
            "lifts_excluded_as_calibration_s": [
                [round(b0, 3), round(b1, 3)] for b0, b1 in self.calibration.calibration_bends_s
            ],
            "lift_rate_per_h": self.lift_stats.get("lift_rate_per_h", 0.0),
            "good_form_pct": self.lift_stats.get("good_form_pct"),
            "lift_styles": self.lift_stats.get("styles", {}),
            "risk": self.risk.to_dict(),
            "gaps": np.round(self.prepared.gaps, 3).tolist(),
            "masked_s": round(float(np.count_nonzero(self.prepared.masked)) / self.prepared.fs, 3),
        }
        if self.wearer is not None and self.wearer.hip_given:
            out["wearer"] = self.wearer.to_dict()
        # what named the styles; without the wearer's hip height, that they are less certain
        out["style_rule"] = style_rule(self.wearer)
        return plausibility.gate(out, self.validity)


def _rows(session: Recording, name: str) -> np.ndarray:
    """``session.acc`` or ``.gyr`` for this read only: a loaded Session builds them from its
    int16 counts without keeping them (``Session.rows``; issue 17 bounded memory)."""
    rows = getattr(session, "rows", None)
    return np.asarray(rows(name) if rows is not None else getattr(session, name))


def _finite(x: np.ndarray) -> np.ndarray:
    """``x`` with NaN as 0 (gap separator rows); no copy when there is none (8 h: 3 M rows)."""
    return x if all_finite(x) else np.nan_to_num(x)


def _calibration_from_session(session: Recording) -> tuple[tuple[float, float] | None, tuple[float, float] | None]:
    """Upright and bend windows from NOTE records {"kind": "calibration", "upright": [t0, t1],
    "bend": [t0, t1]} (s), else an upright window of 1 s before each CALIBRATED event."""
    for _t, note in session.notes:
        if note.get("kind") == "calibration" and note.get("upright"):
            up = tuple(float(x) for x in note["upright"])[:2]
            bend = note.get("bend")
            return (up[0], up[1]), (float(bend[0]), float(bend[1])) if bend else None
    ev = session.events
    if len(ev):
        cal_t = ev["time"][ev["kind"] == _EVENT_CALIBRATED]
        if len(cal_t):
            t = float(cal_t[-1])
            return (t - 1.0, t), None
    return None, None


def calibration_windows(option: Any, session: Any
                        ) -> tuple[tuple[float, float] | None, tuple[float, float] | None]:
    """The upright and bend windows (s) a calibration ``option`` of :func:`analyze` reads
    samples in (None, None: none, the calibration is automatic, nominal or given)."""
    if isinstance(option, dict):
        up = tuple(option["upright"]) if option.get("upright") else None
        bend = tuple(option["bend"]) if option.get("bend") else None
        return up, bend  # type: ignore[return-value]
    if option is None or (isinstance(option, str) and option == "session"):
        return _calibration_from_session(session)
    return None, None


def _calibrate(
    option: Any, session: Recording, p: Prepared, quat: np.ndarray,
    auto_input: tuple[Prepared, np.ndarray] | None = None,
) -> cal.Calibration:
    """The calibration for ``option`` (see :func:`analyze`). The windows are read in ``p``
    and ``quat``; the automatic calibration reads ``auto_input`` (prepared samples and their
    orientation: every ``fs // 26``-th row, what ``auto_calibrate`` takes of ``p``) when
    given, else ``p`` — the chunked analysis (:mod:`kyphos.chunked`) passes the rows of the
    calibration windows as ``p`` and the decimated recording as ``auto_input``."""
    pa, qa = auto_input if auto_input is not None else (p, quat)
    if isinstance(option, cal.Calibration):
        return option
    if isinstance(option, np.ndarray):
        return cal.Calibration(np.asarray(option, float), "given", 1.0)
    if option == "nominal":
        return cal.Calibration(cal.NOMINAL.copy(), "nominal", 0.0)
    upright: tuple[float, float] | None = None
    bend: tuple[float, float] | None = None
    auto_bend = True
    if isinstance(option, dict):
        upright = tuple(option["upright"]) if option.get("upright") else None  # type: ignore[assignment]
        bend = tuple(option["bend"]) if option.get("bend") else None  # type: ignore[assignment]
        auto_bend = bool(option.get("auto_bend", True))
    elif option in (None, "session"):
        upright, bend = _calibration_from_session(session)
    elif option != "auto":
        raise KyphosError(f"unknown calibration {option!r}: use auto, nominal or session")
    if upright is not None:
        try:
            c = cal.from_windows(p.time, p.acc, quat, upright, bend)
        except ValueError as exc:
            raise KyphosError(f"calibration: {exc}") from exc
        if bend is None and auto_bend:  # sagittal axis from the recording's bends if they agree
            auto = cal.auto_calibrate(pa.time, pa.acc, pa.gyr, qa, pa.fs, pa.valid)
            if auto.sagittal_confidence > 0.5:
                y = auto.sensor_from_body[:, 1]
                c = cal.Calibration(
                    cal.frame_from_axes(c.sensor_from_body[:, 2], y), "upright+auto-bend",
                    0.5 + 0.5 * auto.sagittal_confidence, upright, auto.bends_s, 1.0,
                    auto.sagittal_confidence, auto.calibration_bends_s,
                )
        return c
    return cal.auto_calibrate(pa.time, pa.acc, pa.gyr, qa, pa.fs, pa.valid)


def prepare_session(session: Recording, max_bridge_s: float = MAX_BRIDGE_S,
                    imu_cutoff_hz: float | None = IMU_CUTOFF_HZ) -> Prepared:
    """The session's samples on the analysis grid (:func:`~kyphos.processing.preprocess.prepare`)
    with the vibration motor's samples masked (its flags and HAPTIC events)."""
    ev = session.events
    t_end = float(session.time[-1])
    hap = np.asarray(session.haptic, bool).copy()
    hap_iv = haptic_intervals(ev, t_end) if len(ev) else np.zeros((0, 2))
    if len(hap_iv):
        hap |= in_intervals(session.time, hap_iv)
    # a loaded session builds acc and gyr for this read only: prepare may filter them in place
    is_deferred = getattr(session, "is_deferred", None)
    own = is_deferred is not None and is_deferred("acc") and is_deferred("gyr")
    return prepare(
        session.time, _rows(session, "acc"), _rows(session, "gyr"), session.fs or None,
        haptic=hap, gaps=session.gaps, max_bridge_s=max_bridge_s, cutoff_hz=imu_cutoff_hz,
        overwrite=bool(own),
    )


def motion(p: Prepared, quat: np.ndarray, c: cal.Calibration,
           rerefs: list[clipslip.ReReference] | None = None, walk: bool = True
           ) -> tuple[Angles, np.ndarray, act.Activity]:
    """Trunk angles (re-referenced after clip slips when ``rerefs``), earth-vertical
    acceleration and the activity of prepared samples ``p`` with orientation ``quat``. The
    angles of walking bouts take their inclination from a longer-τ VQF run
    (:func:`~kyphos.processing.orientation.walk_tilt`) unless not ``walk``; ``quat`` itself is
    not changed."""
    az, activity = motion_activity(p, quat, c, rerefs)
    angles = walk_angles(p, quat, c, rerefs, activity) if walk else None
    return angles or _angles_of(p, quat, c, rerefs), az, activity


def motion_activity(p: Prepared, quat: np.ndarray, c: cal.Calibration,
                    rerefs: list[clipslip.ReReference] | None = None,
                    az: np.ndarray | None = None,
                    tilt: tuple[np.ndarray, np.ndarray] | None = None,
                    reuse: act.ClassifyReuse | None = None, heights: bool = True
                    ) -> tuple[np.ndarray, act.Activity]:
    """:func:`motion`'s earth-vertical acceleration (``az``: already made from ``quat``) and
    activity, without its angle pass: the activity reads only the unfiltered flexion and
    lateral bend (``tilt``: already made, else :func:`_tilt_of`), so the one full pass of the
    angles can wait for the walking bouts' orientation (one pass instead of two or three on a
    day that walks). ``reuse``: carried between the calls on the same ``quat`` (the still mask
    and the step band-pass, :class:`~kyphos.processing.activity.ClassifyReuse`); ``heights``
    False: the activity's height and vertical velocity wait for
    :func:`~kyphos.processing.activity.with_heights` (``classify``'s ``heights``)."""
    if az is None:
        az = vertical_acceleration(_finite(quat), _finite(p.acc))
    activity = act.classify(p.time, az, p.acc, p.gyr,
                            _tilt_of(p, quat, c, rerefs) if tilt is None else tilt, p.fs,
                            p.valid, reuse=reuse, heights=heights)
    return az, activity


def _angles_of(p: Prepared, q: np.ndarray, c: cal.Calibration,
               rerefs: list[clipslip.ReReference] | None) -> Angles:
    if rerefs:
        return clipslip.reref_angles(p.time, q, c.sensor_from_body, rerefs, p.fs, p.valid,
                                     masked=p.masked)
    return trunk_angles(p.time, q, c.sensor_from_body, p.fs, p.valid, masked=p.masked)


def _tilt_of(p: Prepared, q: np.ndarray, c: cal.Calibration,
             rerefs: list[clipslip.ReReference] | None,
             unmounted: tuple[np.ndarray, np.ndarray] | None = None
             ) -> tuple[np.ndarray, np.ndarray]:
    """``_angles_of(p, q, c, rerefs)``'s flexion and lateral bend, to the bit, without the
    filters (:func:`~kyphos.processing.angles.tilt_angles`; ``unmounted``: those without
    ``rerefs``, written over from the first re-reference on)."""
    rr = rerefs or []
    return tilt_angles(q, c.sensor_from_body, p.fs, p.valid,
                       mounts=[(r.index, r.sensor_from_body) for r in rr],
                       blends=[r.index_end for r in rr], unmounted=unmounted)


def walk_angles(p: Prepared, quat: np.ndarray, c: cal.Calibration,
                rerefs: list[clipslip.ReReference] | None, activity: act.Activity
                ) -> Angles | None:
    """The angles with each walking bout's inclination from a longer-τ VQF run
    (:func:`~kyphos.processing.orientation.walk_tilt`), or None when there is no bout to
    change (then ``_angles_of(p, quat, c, rerefs)`` are the angles)."""
    spans = walk_tilt_rows(quat, p.gyr, p.acc, p.fs, p.segments,
                           activity.kind == act.KINDS.index("walking"), activity.still)
    if not spans:
        return None
    # the bouts' rows written into quat for the one angle pass and put back after it, to the
    # bit: no copy of the whole orientation (8 h at 104 Hz: 96 MB of fresh pages, ~0.1-0.25 s)
    own = type(quat) is np.ndarray and quat.flags.writeable  # else (a file's rows): a copy
    q = quat if own else quat.copy()
    saved = [(a, b, quat[a:b].copy()) for a, b, _ in spans] if own else []
    try:
        for a, b, rows in spans:
            q[a:b] = rows
        return _angles_of(p, q, c, rerefs)
    finally:
        for a, b, rows in reversed(saved):
            q[a:b] = rows


def _standing_upright(p: Prepared, quat: np.ndarray, c: cal.Calibration,
                      rerefs: list[clipslip.ReReference], activity: act.Activity, angles: Angles
                      ) -> tuple[cal.Calibration, list[clipslip.ReReference], act.Activity, Angles]:
    """An automatic calibration re-levelled to the still standing's median flexion
    (:func:`~kyphos.processing.calibration.standing_upright`), the re-references' mountings
    turned by the same pitch (a body-frame turn: a slip's mounting is relative to the body),
    and the activity and angles again under it (the activity reads the tilt: the chunked
    analysis classifies each window under the final calibration); or the inputs as they are."""
    m = activity.still & (activity.kind == act.STANDING) & angles.valid & np.isfinite(angles.flexion)
    c2, deg = cal.standing_upright(c, angles.flexion[m], p.fs)
    if deg == 0.0:
        return c, rerefs, activity, angles
    rr = turned_rerefs(c, c2, rerefs)
    _az, activity = motion_activity(p, quat, c2, rr)
    return c2, rr, activity, walk_angles(p, quat, c2, rr, activity) or _angles_of(p, quat, c2, rr)


def turned_rerefs(c: cal.Calibration, c2: cal.Calibration, rerefs: list[clipslip.ReReference]
                  ) -> list[clipslip.ReReference]:
    """The re-references' mountings turned as ``c`` was turned into ``c2`` (a body-frame turn:
    a slip's mounting is the same body under the slipped sensor)."""
    turn = np.linalg.solve(c.sensor_from_body, c2.sensor_from_body)  # body -> new body
    return [replace(r, sensor_from_body=r.sensor_from_body @ turn) for r in rerefs]


def reference_probes(p: Prepared, activity: act.Activity) -> list[clipslip.RefPosture]:
    """Still postures and walks of at least ``PROBE_MIN_S`` (clip-slip probes; those of at
    least ``REF_MIN_S`` whose ends agree are the references, :func:`find_rerefs`)."""
    return clipslip.reference_postures(p.time, p.acc, activity.kind, activity.still, p.fs,
                                       act.KINDS, PROBE_MIN_S)


def find_rerefs(probes: list[clipslip.RefPosture], c: cal.Calibration, time: np.ndarray,
                still: np.ndarray, fs: float, motion: clipslip.Motion | None = None
                ) -> list[clipslip.ReReference]:
    """Clip slips found from the probes (:func:`reference_probes`) of the whole recording
    (``time``, ``still``: (N,) of the whole recording, indexed by the probes' rows;
    ``motion``: the prepared gyro and specific force by rows, which place a slip the
    postures cannot by its own turn)."""
    refs = [r for r in probes if clipslip.is_reference(r, fs)]
    return clipslip.find_slips(refs, c.sensor_from_body, time, still, probes, motion)


def posture_options(slouch_threshold_deg: float | None,
                    slouch_min_s: float | None) -> dict[str, Any]:
    """Keywords for :func:`~kyphos.metrics.posture.posture_metrics` from analyze's options."""
    pkw: dict[str, Any] = {}
    if slouch_threshold_deg is not None:
        pkw["slouch_threshold_deg"] = slouch_threshold_deg
    if slouch_min_s is not None:
        pkw["slouch_min_s"] = slouch_min_s
    return pkw


@dataclass
class Events:
    """What :func:`events` finds: lifts and seated reaches (not the calibration bends), the
    lift mask and the posture metrics."""

    lifts: list[Lift]
    reaches: list[Lift]
    lift_mask: np.ndarray
    posture: PostureMetrics


def events(angles: Angles, az: np.ndarray, activity: act.Activity, c: cal.Calibration,
           link_m: float | None, pkw: dict[str, Any], *, quat: np.ndarray | None = None,
           acc: np.ndarray | None = None) -> Events:
    """Lifts, seated reaches and posture metrics from the angles and the activity; ``pkw``
    more keywords for ``posture_metrics`` (:func:`posture_options`; the chunked driver also
    passes ``sitting_upright`` of the whole recording); ``quat``/``acc`` (the orientation and
    prepared acc of the same rows) date lifts from the sensor's speed (``find_bends``)."""
    # the wearer's sitting upright: a seated reach, like a slouch while sitting, is measured
    # from it (the chunked driver passes that of the whole recording)
    sit_up = pkw.get("sitting_upright", "measure")
    # the wearer's hip height and lever (analyze's hip_height_m / height_m): the lifts' style
    wearer: Wearer | None = pkw.get("wearer")
    pkw = {k: v for k, v in pkw.items() if k != "wearer"}
    # flexion in degrees, NaN where not valid: once for the sitting upright, the bends and the
    # posture metrics (each made its own: 8 h at 104 Hz, 2 x 48 MB and 4 passes fewer)
    f_deg = np.where(angles.valid, angles.flexion, np.nan)
    np.degrees(f_deg, out=f_deg)  # in its own array: one fresh (N,) array fewer
    if sit_up == "measure":
        sit_up = sitting_upright_deg(f_deg, activity.mask("sitting") & activity.still,
                                     angles.fs)
    pkw = dict(pkw, sitting_upright=sit_up, flex_deg=f_deg)
    bends = [lf for lf in find_bends(angles, az, activity, link_m, quat=quat, acc=acc,
                                     sitting_upright_deg=sit_up, flex_deg=f_deg)
             if not any(lf.start_s < b1 and lf.end_s > b0 for b0, b1 in c.calibration_bends_s)]
    lifts = [lf for lf in bends if lf.context == "standing"]
    reaches = [lf for lf in bends if lf.context == "sitting"]
    if wearer is not None and quat is not None and acc is not None:
        restyle(lifts, wearer, angles, quat, acc)
    lm = lift_mask(angles.time, lifts)
    # the calibration movement is neither a slouch nor a task bend held
    cal_mask = in_intervals(angles.time,  # NaN separator rows: False
                            np.asarray(c.calibration_bends_s, float).reshape(-1, 2))
    posture = posture_metrics(
        angles, lm | lift_mask(angles.time, reaches) | cal_mask,
        not_still=activity.mask("walking", "lying", "transition"),
        sitting=activity.mask("sitting"), still=activity.still, **pkw,
    )
    for sb in posture.sustained_bends:  # where each held bend happened
        i = int(np.searchsorted(angles.time, sb.start_s))
        k = int(activity.kind[min(i, len(activity.kind) - 1)])
        sb.context = act.KINDS[k] if k >= 0 else "gap"
    return Events(lifts, reaches, lm, posture)


def analyze(
    session: Recording,
    *,
    calibration: Any = None,
    load_kg: float | None = None,
    distance_m: float | None = None,
    max_bridge_s: float = MAX_BRIDGE_S,
    imu_cutoff_hz: float | None = IMU_CUTOFF_HZ,
    slouch_threshold_deg: float | None = None,
    slouch_min_s: float | None = None,
    vqf_params: dict[str, Any] | None = None,
    clip_slips: bool = True,
    hip_height_m: float | None = None,
    height_m: float | None = None,
    style_drop: str = "closed",
) -> Analysis:
    """Analyse a session.

    Args:
        session: the recording.
        calibration: None (from the recording's calibration notes/events, else automatic),
            "auto", "nominal", a dict ``{"upright": (t0, t1), "bend": (t0, t1)}`` in s (with
            ``"auto_bend": False``: no sagittal axis from the recording's own bends), a
            :class:`~kyphos.processing.calibration.Calibration`, or a (3, 3) matrix.
        load_kg, distance_m: optional load and horizontal distance for the risk moment term.
        max_bridge_s: longest gap bridged by interpolation, s.
        imu_cutoff_hz: zero-phase low-pass of acc/gyr before orientation (None: off).
        slouch_threshold_deg, slouch_min_s: slouch episode defaults override.
        vqf_params: VQF parameter overrides.
        clip_slips: look for clip slips and re-reference (off for guided sessions, whose
            held test postures are not the wearer's everyday ones).
        hip_height_m, height_m: the wearer's standing hip (greater trochanter) height, or
            body height (hip = 0.530 × height), m; at most one. With it a lift's style is
            named by its closed-bend knee drop over the hip height (docs/scoring.md section
            7); without, by the closed-bend knee drop in metres, which the JSON's
            ``"style_rule"`` marks as less certain. KyphosError for an implausible value.
        style_drop: which knee drop names the style: "closed" (the default: the lift's drop
            less the trunk's own, with the lever of the calibration bend integrated so it
            ends where it started; over the hip height when given, else in metres) or "knee"
            (the knee drop with one lever for everyone, the rule before the thirteenth
            session; no calibration bend: the closed rule falls back to it too).
    """
    wearer = wearer_from(hip_height_m, height_m, style_drop)  # checked before any work
    plausibility.precheck(session)
    p = prepare_session(session, max_bridge_s, imu_cutoff_hz)
    # the accelerometer's offset from the recording's still postures, removed before VQF (a
    # calibration given from elsewhere was found on the uncorrected samples: left as it is)
    bias = (cal.estimate_acc_bias(p.time, p.acc, p.gyr, p.fs, p.valid).bias
            if not isinstance(calibration, (cal.Calibration, np.ndarray)) else np.zeros(3))
    cal.remove_acc_bias(p.acc, bias)
    quat = orientation_segments(p.gyr, p.acc, p.fs, p.segments, vqf_params)
    c = _calibrate(calibration, session, p, quat)
    c.acc_bias = bias
    # the activity first (it reads only the unfiltered tilt); the walking bouts' second VQF
    # run waits for the re-references; then the angles' one full pass
    tilt = _tilt_of(p, quat, c, None)
    reuse = act.ClassifyReuse()  # the second classification's still mask and step band-pass
    # (its height and vertical velocity at every sample only once it is kept: no clip slip)
    az, activity = motion_activity(p, quat, c, tilt=tilt, reuse=reuse, heights=False)
    # clip slips: later walks / quiet postures against the earlier reference; re-reference
    probes = reference_probes(p, activity)
    rerefs = find_rerefs(probes, c, p.time, activity.still, p.fs,
                         (lambda r0, r1: (p.gyr[r0:r1], p.acc[r0:r1]), p.fs)) \
        if clip_slips else []
    if rerefs:  # the same quat: the same az; the tilt changes from the first slip on
        az, activity = motion_activity(p, quat, c, rerefs, az,
                                       _tilt_of(p, quat, c, rerefs, unmounted=tilt), reuse)
    else:
        activity = act.with_heights(activity, reuse)
    del tilt, reuse
    angles = walk_angles(p, quat, c, rerefs, activity) or _angles_of(p, quat, c, rerefs)
    if c.method == "auto":  # no note: the wearer's still standing is the upright
        c, rerefs, activity, angles = _standing_upright(p, quat, c, rerefs, activity, angles)
    # the calibration bends themselves (explicit window or the automatically found sequence)
    # are neither lifts nor seated reaches
    link_m = link_from_bends(angles, az, c.calibration_bends_s)
    pkw = posture_options(slouch_threshold_deg, slouch_min_s)
    if wearer.drop == "closed":  # the lever from the calibration bends, closed
        wearer = replace(wearer, lever=lever_from_recording(
            angles, quat, p.acc, c.calibration_bends_s, closure=True))
    pkw["wearer"] = wearer
    ev = events(angles, az, activity, c, link_m, pkw, quat=quat, acc=p.acc)
    duration = session.duration_s
    risk = kinematic_risk(
        ev.lifts, angles.lateral_velocity, angles.axial_velocity, ev.lift_mask, duration,
        load_kg=load_kg, distance_m=distance_m,
    )
    a = Analysis(
        duration_s=duration,
        angles=angles,
        posture=ev.posture,
        lifts=ev.lifts,
        risk=risk,
        calibration=c,
        quat=quat,
        prepared=p,
        lift_stats=lift_summary(ev.lifts, duration),
        activity=activity,
        seated_reaches=ev.reaches,
        re_references=rerefs,
        link_m=link_m,
        wearer=wearer,
    )
    a.validity = plausibility.assess(session, a, pkw.get("slouch_threshold_deg", SLOUCH_THRESHOLD_DEG))
    return a
