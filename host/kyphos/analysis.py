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
    relink,
    restyle,
    style_rule,
    wearer_from,
)
from kyphos.processing import activity as act
from kyphos.processing import calibration as cal
from kyphos.processing import clipslip, plausibility
from kyphos.processing.angles import Angles, tilt_angles, trunk_angles, vertical_acceleration
from kyphos.processing.clipslip import angle_deg
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
    searchable_time,
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
                more["hip_shift_m"] = (lf.hip_shift_m, 4)
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


@dataclass(frozen=True)
class UserCalibration:
    """One calibration the wearer made (``c`` live; the guided calibration's note): the upright
    window and the guided bend's window (s, the recording's time), and whether the view saw the
    wearer sitting when it was made (a seated upright takes no bend)."""

    upright: tuple[float, float]
    bend: tuple[float, float] | None = None
    sitting: bool = False


#: A CALIBRATED event whose second before it is a note's upright (within this, s) is that
#: note's calibration (the live view writes the note for the board's event: 2 ms apart).
_SAME_CALIBRATION_S = 0.1


def user_calibrations(session: Any) -> list[UserCalibration]:
    """Every calibration the wearer made, in time order: the calibration NOTE records
    {"kind": "calibration", "upright": [t0, t1], "bend": [t0, t1]} (s) and each CALIBRATED
    event with no note of its own (upright: the second before it). The first is the
    recording's calibration (before it too); each later one is the wearer's upright from its
    time on (the founders' decision: a later ``c`` wins), a re-reference (:func:`user_rerefs`)."""
    out: list[UserCalibration] = []
    for _t, note in session.notes:
        if note.get("kind") == "calibration" and note.get("upright"):
            up = tuple(float(x) for x in note["upright"])[:2]
            bend = note.get("bend")
            sitting = note.get("posture") == "sitting"
            out.append(UserCalibration((up[0], up[1]),
                                       None if not bend or sitting
                                       else (float(bend[0]), float(bend[1])), sitting))
    ev = session.events
    if len(ev):
        ends = np.array([u.upright[1] for u in out])
        for t in np.asarray(ev["time"][ev["kind"] == _EVENT_CALIBRATED], float):
            if not len(ends) or np.min(np.abs(ends - t)) > _SAME_CALIBRATION_S:
                out.append(UserCalibration((float(t) - 1.0, float(t))))
    return sorted(out, key=lambda u: u.upright[1])


def _calibration_from_session(session: Recording) -> tuple[tuple[float, float] | None, tuple[float, float] | None]:
    """Upright and bend windows of the recording's first calibration (:func:`user_calibrations`;
    until the fourteenth session a board's last CALIBRATED event, and after the thirteenth's
    live guided bend its first note, held for the whole recording)."""
    cals = user_calibrations(session)
    if not cals:
        return None, None
    return cals[0].upright, cals[0].bend


#: ``why`` of a later user calibration's re-reference: its upright alone (the sagittal axis is
#: the mounting's before it, as the live view keeps it), or its upright and its guided bend
_WHY_UP = "calibration"
_WHY_BEND = "calibration (upright and bend)"


@dataclass
class UserReReference(clipslip.ReReference):
    """A later user calibration's re-reference (:func:`user_rerefs`): ``window`` its upright
    window's rows [i0, i1), ``sitting`` as its note says."""

    window: tuple[int, int] = (0, 0)
    sitting: bool = False
    #: its guided bend's window(s), s (empty: an upright alone)
    bends_s: list[tuple[float, float]] = field(default_factory=list)


@dataclass
class LaterMounting:
    """A later user calibration's mounting (:func:`later_mountings`), placed in rows by
    :func:`user_rerefs`."""

    cal: UserCalibration
    sensor_from_body: np.ndarray
    bends_s: list[tuple[float, float]]


def later_mountings(session: Any, c: cal.Calibration, time: np.ndarray, acc: np.ndarray,
                    quat: np.ndarray) -> list[LaterMounting]:
    """The mountings of the calibrations after the first (:func:`user_calibrations`), read in
    the rows ``time``/``acc``/``quat`` (they need only the windows' rows): the upright from its
    window, the sagittal axis from its own guided bend, else the one before it (as the live
    view keeps the sagittal axis when ``c`` takes a new upright). Empty for a calibration not
    read from the recording (and when the first calibration is not a user one)."""
    cals = user_calibrations(session)
    if len(cals) < 2 or c.upright_s is None \
            or tuple(c.upright_s) != tuple(cals[0].upright):
        return []
    out: list[LaterMounting] = []
    m = c.sensor_from_body
    for u in cals[1:]:
        try:
            ck = cal.from_windows(time, acc, quat, u.upright, u.bend)
        except ValueError:
            continue  # no samples in its window (a gap): the mounting before it goes on
        if ck.sagittal_confidence > 0:
            m = ck.sensor_from_body
        else:
            m = cal.frame_from_axes(ck.sensor_from_body[:, 2], m[:, 1])
        out.append(LaterMounting(u, m, list(ck.calibration_bends_s)))
    return out


def user_rerefs(later: list[LaterMounting], time: np.ndarray,
                probes: list[clipslip.RefPosture], m0: np.ndarray) -> list[UserReReference]:
    """Each later user calibration as a re-reference (``why`` "calibration"), from the start of
    the still posture its upright was taken in (the wearer held it since moving the clip), else
    from its upright window's start. ``time``: (N,) of the whole grid (NaN separator rows)."""
    if not later:  # no later calibration (most recordings): no pass over the time
        return []
    t = searchable_time(time)
    out: list[UserReReference] = []
    m = m0
    for lm in later:
        u0, u1 = lm.cal.upright
        i0 = int(np.searchsorted(t, u0))
        i1 = int(np.searchsorted(t, u1, side="right"))
        if i0 >= len(t):
            continue
        held = [r.i0 for r in probes if r.i0 <= i0 and r.i1 >= i1 - 1]
        j = min(held) if held else i0
        if out and j <= out[-1].index:
            j = i0
        deg = angle_deg(m[:, 2], lm.sensor_from_body[:, 2])
        out.append(UserReReference(float(t[j]), deg, _WHY_BEND if lm.bends_s else _WHY_UP,
                                   lm.sensor_from_body.copy(), j, None, (i0, max(i1, i0 + 1)),
                                   lm.cal.sitting, list(lm.bends_s)))
        m = lm.sensor_from_body
    return out


def with_user_bends(c: cal.Calibration, users: list[UserReReference], session: Any
                    ) -> cal.Calibration:
    """``c`` with the guided bends of the later user calibrations (those ``users`` holds)
    added to its calibration bends, which lift detection leaves out."""
    if not users:
        return c
    extra = [u.bend for u in user_calibrations(session)[1:] if u.bend is not None]
    return replace(c, calibration_bends_s=list(c.calibration_bends_s) + extra) if extra else c


def later_levers(users: list[UserReReference], angles: Angles, quat: np.ndarray,
                 acc: np.ndarray) -> tuple[tuple[float, tuple[float, float] | None], ...]:
    """The closed-bend lever of each later user calibration with a guided bend
    (:attr:`kyphos.metrics.style.Wearer.later_levers`): (its re-reference's time, the lever of
    :func:`kyphos.metrics.style.lever_from_recording` on its bend, read in the re-referenced
    ``angles`` and their ``quat``/``acc`` rows). The wearer re-clipped before that ``c``: the
    sensor's lever on the back is that bend's, not the first calibration's."""
    return tuple((u.t_s, lever_from_recording(angles, quat, acc, u.bends_s, closure=True))
                 for u in users if u.bends_s)


def later_links(users: list[UserReReference], angles: Angles, az: np.ndarray
                ) -> tuple[tuple[float, float | None], ...]:
    """The knee rule's link of each later user calibration with a guided bend
    (:attr:`kyphos.metrics.style.Wearer.later_links`): (its re-reference's time,
    :func:`kyphos.metrics.style.link_from_bends` on its bend in the re-referenced ``angles``
    and their vertical acceleration ``az``), as :func:`later_levers` for the closed drop."""
    return tuple((u.t_s, link_from_bends(angles, az, u.bends_s)) for u in users if u.bends_s)


def find_rerefs_between(probes: list[clipslip.RefPosture], c: cal.Calibration,
                        users: list[UserReReference], time: np.ndarray, still: np.ndarray,
                        fs: float, motion: clipslip.Motion | None = None
                        ) -> list[clipslip.ReReference]:
    """:func:`find_rerefs` in each stretch between the user calibrations (``users``, from
    :func:`user_rerefs`), each judged from its own calibration's mounting, joined with them in
    time order. A probe belongs to the stretch it ends in; one ending after a calibration's row
    is the next stretch's (the wearer stood still for the upright in the new mounting). The
    next stretch's probes may confirm a slip in this one (a slip shortly before ``c``, whose
    later posture is after it: the stands on either side agree with the slipped mounting,
    which the calibration then takes), but a slip is kept only before the calibration."""
    if not users:
        return opening_reref_bend_axis(c, find_rerefs(probes, c, time, still, fs, motion), time)
    edges = [u.index for u in users]
    end = np.iinfo(np.int64).max
    out: list[clipslip.ReReference] = []
    for k in range(len(users) + 1):
        lo = edges[k - 1] if k else -1
        hi = edges[k] if k < len(edges) else end
        mk = c.sensor_from_body
        u: UserReReference | None = None
        if k:
            u = users[k - 1]
            if u.why == _WHY_UP:  # the sagittal axis of the mounting before it (a slip's
                # turn about body z included: validation 2, a 3.3 deg turn read 3.5 deg of
                # flexion lying on the side with the first calibration's axis)
                m_before = out[-1].sensor_from_body if out else c.sensor_from_body
                u = replace(u, sensor_from_body=cal.frame_from_axes(u.sensor_from_body[:, 2],
                                                                    m_before[:, 1]))
            mk = u.sensor_from_body
        mine = [r for r in probes if lo < r.i1 <= (edges[k + 1] if k + 1 < len(edges) else end)]
        refs = [r for r in mine if clipslip.is_reference(r, fs)]
        if u is not None:
            # the wearer's upright window is the stretch's first reference: its baseline (else
            # the stretch's first stand is, slouched or not: validation 24, a stand drifting
            # from 12.7 to 0 deg flexion held the window; the later upright stands then read
            # as a 5.6 deg slip)
            i0, i1 = u.window
            z = mk[:, 2].copy()
            refs = [clipslip.RefPosture(float(time[i0]), float(time[i1 - 1]),
                                        "sitting" if u.sitting else "standing", z, i0, i1,
                                        z, z)] + refs
        found = clipslip.find_slips(refs, mk, time, still, mine, motion)
        if u is not None:
            if found and found[0].index == 0:
                # find_slips took a later stretch's quiet standing for the calibration's own
                # (its rule for an automatic upright): the wearer's c is kept, its slips put
                # back on it (validation 24: c in a quiet stand, the rule moved it 5 deg)
                a = found[0].sensor_from_body
                found = [replace(r, sensor_from_body=mk @ a.T @ r.sensor_from_body)
                         for r in found[1:]]
            out.append(u)
            found = [r for r in found if r.index > u.index]
        out += [r for r in found if r.index < hi]
    # a calibration's angle from the mounting just before it (a slip's re-reference included)
    m = c.sensor_from_body
    for k, rr in enumerate(out):
        if rr.why.startswith("calibration"):
            out[k] = replace(rr, deg=angle_deg(m[:, 2], rr.sensor_from_body[:, 2]))
        m = rr.sensor_from_body
    return out


def _from_session(option: Any) -> bool:
    """Whether a calibration ``option`` of :func:`analyze` is read from the recording (an
    array compares element-wise: ``option in (None, "session")`` would raise for one)."""
    return option is None or isinstance(option, str) and option == "session"


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
                    reuse: act.ClassifyReuse | None = None, heights: bool = True,
                    tilt_step: int = 1) -> tuple[np.ndarray, act.Activity]:
    """:func:`motion`'s earth-vertical acceleration (``az``: already made from ``quat``) and
    activity, without its angle pass: the activity reads only the unfiltered flexion and
    lateral bend (``tilt``: already made, else :func:`_tilt_of`), so the one full pass of the
    angles can wait for the walking bouts' orientation (one pass instead of two or three on a
    day that walks). ``reuse``: carried between the calls on the same ``quat`` (the still mask
    and the step band-pass, :class:`~kyphos.processing.activity.ClassifyReuse`); ``heights``
    False: the activity's height and vertical velocity wait for
    :func:`~kyphos.processing.activity.with_heights` (``classify``'s ``heights``).
    ``tilt_step``: a given ``tilt`` holds every ``tilt_step``-th row only (``_tilt_of``'s
    ``step``); one made here holds the rows the activity reads only."""
    if az is None:
        az = vertical_acceleration(_finite(quat), _finite(p.acc))
    if tilt is None:  # at the rows the activity reads only
        tilt_step = act.tilt_step_of(p.fs)
        tilt = _tilt_of(p, quat, c, rerefs, step=tilt_step)
    activity = act.classify(p.time, az, p.acc, p.gyr, tilt, p.fs, p.valid, reuse=reuse,
                            heights=heights, tilt_step=tilt_step)
    return az, activity


def _angles_of(p: Prepared, q: np.ndarray, c: cal.Calibration,
               rerefs: list[clipslip.ReReference] | None) -> Angles:
    if rerefs:
        return clipslip.reref_angles(p.time, q, c.sensor_from_body, rerefs, p.fs, p.valid,
                                     masked=p.masked)
    return trunk_angles(p.time, q, c.sensor_from_body, p.fs, p.valid, masked=p.masked)


def _tilt_of(p: Prepared, q: np.ndarray, c: cal.Calibration,
             rerefs: list[clipslip.ReReference] | None,
             unmounted: tuple[np.ndarray, np.ndarray] | None = None, step: int = 1
             ) -> tuple[np.ndarray, np.ndarray]:
    """``_angles_of(p, q, c, rerefs)``'s flexion and lateral bend, to the bit, without the
    filters (:func:`~kyphos.processing.angles.tilt_angles`; ``unmounted``: those without
    ``rerefs``, written over from the first re-reference on); ``step``: every step-th row
    only (``activity.tilt_step_of(fs)``: the rows the activity reads, half of them at 104 Hz)."""
    rr = rerefs or []
    return tilt_angles(q, c.sensor_from_body, p.fs, p.valid,
                       mounts=[(r.index, r.sensor_from_body) for r in rr],
                       blends=[r.index_end for r in rr], unmounted=unmounted,
                       step=step)


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


def opening_reref_bend_axis(c: cal.Calibration, rerefs: list[clipslip.ReReference],
                            time: np.ndarray) -> list[clipslip.ReReference]:
    """Without a note (``c.method == "auto"``): a re-reference from the recording's first row
    (the automatic upright is after a clip slip; ``clipslip.find_slips`` turned the stretch
    before it) takes its left axis (body y) from the calibration bends the automatic calibration
    found, when they end inside its stretch: they were measured in that mounting, as a note's
    bend window is. Its up stays the re-reference's. The turn ``find_slips`` gives is the least
    one between the two uprights, which leaves the slip's own turn about the trunk's long axis
    in the stretch's left axis (validation 32006 without a note: 2.4 deg of it, read as
    flexion lying on the side, 0.77 deg RMS against 0.28 with the note). As a later upright-only
    calibration keeps the axis of the mounting before it. Otherwise ``rerefs`` as they are."""
    if c.method != "auto" or not rerefs or rerefs[0].index != 0 \
            or rerefs[0].why != clipslip.WHY_AFTER_SLIP or not c.calibration_bends_s:
        return rerefs
    end = float(time[rerefs[1].index]) if len(rerefs) > 1 else np.inf
    if max(b for _a, b in c.calibration_bends_s) >= end:
        return rerefs
    m = cal.frame_from_axes(rerefs[0].sensor_from_body[:, 2], c.sensor_from_body[:, 1])
    return [replace(rerefs[0], sensor_from_body=m), *rerefs[1:]]


def opening_reref_folded(c: cal.Calibration, rerefs: list[clipslip.ReReference]
                         ) -> tuple[cal.Calibration, list[clipslip.ReReference]]:
    """Without a note (``c.method == "auto"``): a re-reference from the recording's first row
    (``clipslip.find_slips`` found the automatic upright after a clip slip and turned the
    stretch before it) made the calibration's own mounting instead, the same mounting on every
    row. It is no clip slip, and with no calibration of the wearer's there is nothing it
    corrects: reported, it was a false re-reference at 0 s (19000-19029 @104 without a note:
    all 18 false ones, each the size of the recording's one true slip, which was found too).
    With a note (any other method) the re-references are as found."""
    if c.method != "auto" or not rerefs or rerefs[0].index != 0 \
            or rerefs[0].why != clipslip.WHY_AFTER_SLIP:
        return c, rerefs
    return replace(c, sensor_from_body=rerefs[0].sensor_from_body.copy()), rerefs[1:]


def turned_rerefs(c: cal.Calibration, c2: cal.Calibration, rerefs: list[clipslip.ReReference]
                  ) -> list[clipslip.ReReference]:
    """The re-references' mountings turned as ``c`` was turned into ``c2`` (a body-frame turn:
    a slip's mounting is the same body under the slipped sensor)."""
    turn = np.linalg.solve(c.sensor_from_body, c2.sensor_from_body)  # body -> new body
    return [replace(r, sensor_from_body=r.sensor_from_body @ turn) for r in rerefs]


def reference_probes(p: Prepared, activity: act.Activity) -> list[clipslip.RefPosture]:
    """Still postures and walks of at least ``PROBE_MIN_S`` (clip-slip probes; those of at
    least ``REF_MIN_S`` whose ends agree are the references, :func:`find_rerefs`)."""
    return clipslip.reference_postures(p.time, p.acc, activity.kind_for_slips(), activity.still,
                                       p.fs, act.KINDS, PROBE_MIN_S)


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
    if wearer is not None and wearer.later_links:  # a later calibration's bend: its link
        relink(lifts, wearer, link_m)
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
    # (flexion and lateral at the rows the activity reads only: half of them at 104 Hz)
    t_step = act.tilt_step_of(p.fs)
    tilt = _tilt_of(p, quat, c, None, step=t_step)
    reuse = act.ClassifyReuse()  # the second classification's still mask and step band-pass
    # (its height and vertical velocity at every sample only once it is kept: no clip slip)
    az, activity = motion_activity(p, quat, c, tilt=tilt, reuse=reuse, heights=False,
                                   tilt_step=t_step)
    # clip slips: later walks / quiet postures against the earlier reference; re-reference
    probes = reference_probes(p, activity)
    # the wearer's later calibrations: each a re-reference from its time on
    users = user_rerefs(later_mountings(session, c, p.time, p.acc, quat)
                        if _from_session(calibration) else [],
                        p.time, probes, c.sensor_from_body)
    rerefs: list[clipslip.ReReference] = find_rerefs_between(
        probes, c, users, p.time, activity.still, p.fs,
        (lambda r0, r1: (p.gyr[r0:r1], p.acc[r0:r1]), p.fs)) if clip_slips else list(users)
    if rerefs:  # the same quat: the same az; the tilt changes from the first slip on
        az, activity = motion_activity(p, quat, c, rerefs, az,
                                       _tilt_of(p, quat, c, rerefs, unmounted=tilt,
                                                step=t_step), reuse, tilt_step=t_step)
    else:
        activity = act.with_heights(activity, reuse)
    del tilt, reuse
    angles = walk_angles(p, quat, c, rerefs, activity) or _angles_of(p, quat, c, rerefs)
    if c.method == "auto":  # no note: the wearer's still standing is the upright
        c, rerefs, activity, angles = _standing_upright(p, quat, c, rerefs, activity, angles)
        c, rerefs = opening_reref_folded(c, rerefs)  # the same mounting on every row
    # the calibration bends themselves (explicit window or the automatically found sequence)
    # are neither lifts nor seated reaches
    link_m = link_from_bends(angles, az, c.calibration_bends_s)
    pkw = posture_options(slouch_threshold_deg, slouch_min_s)
    if wearer.drop == "closed":  # the lever from the calibration bends, closed; each later
        # calibration's guided bend names the lifts from its time on
        wearer = replace(wearer, lever=lever_from_recording(
            angles, quat, p.acc, c.calibration_bends_s, closure=True),
            later_levers=later_levers(users, angles, quat, p.acc))
    if any(u.bends_s for u in users):  # the knee rule's link too (style_drop="knee", and the
        # closed drop's fallback for a lift without a closed window)
        wearer = replace(wearer, later_links=later_links(users, angles, az))
    pkw["wearer"] = wearer
    # the later calibrations' guided bends are no lifts either
    c_all = with_user_bends(c, users, session)
    ev = events(angles, az, activity, c_all, link_m, pkw, quat=quat, acc=p.acc)
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
        calibration=c_all,
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
