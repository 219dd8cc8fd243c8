"""Is this analysis good enough to score? Plausibility and validity before any score or advice.

kyphos never reassures on bad data. After the analysis, :func:`assess` checks the things a
score rests on and gives a :class:`Validity`: ``valid`` (the bar for a score, a recommendation
or praise), ``warnings`` (one plain sentence each, most important first) and which parts can
still be shown. :func:`gate` applies it to the JSON of ``kyphos analyze --json``; the report, the
progress page and the text summary read the same ``valid``/``warnings``. Rules (docs/scoring.md,
"Validity"; the numbers are kyphos choices unless a source is given):

* **units**: gravity at rest must read 9.81 m/s² ± 15 % (else the accelerometer's scale is
  wrong and no angle can be trusted); where the data move enough to tell, the gyroscope must
  agree with the accelerometer within a factor 1.5 with the right sign, else :func:`precheck`
  stops (:func:`gyro_check`: a wrong gyro unit, scale or axis sign in a driver or a file);
  units or axes inferred from a CSV file's data are reported (:mod:`kyphos.recording.units`);
* **sample rate** ≥ ``MIN_RATE_HZ`` (20 Hz) for lifts: lifts last 1–3 s with trunk velocities
  up to ~200 °/s, and velocities come from angles low-passed at 5 Hz (docs/scoring.md,
  "Preprocessing"), which needs ≥ 4 samples per period of that band; below it no lift, form
  score or risk index is given;
* **worn time** ≥ ``MIN_SCORE_S`` (60 s) of measured samples for any score; under
  ``MIN_ANALYSE_S`` (1 s) there is nothing to analyse and :func:`precheck` stops;
* **an upright reference**: calibration confidence ≥ ``MIN_CALIBRATION_CONFIDENCE`` (0.5),
  else the angles are relative to an unknown mounting and are not shown at all; an automatic
  one (no calibration note) also needs its bends to agree on the forward direction
  (:func:`auto_sagittal_doubt`) and, when it could not be re-levelled to the still standing,
  to read that standing within the slouch threshold (:func:`auto_upright_doubt`);
* **damage and gaps** (:func:`kyphos.recording.quality.data_quality`, the count ``info`` and
  the report use) are reported; gaps over ``MAX_GAP_SHARE`` of the recording are a warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import numpy as np

from kyphos.errors import KyphosError
from kyphos.recording.quality import data_quality, describe
from kyphos.recording.units import (
    G0,
    GRAVITY_TOL,
    K_TOL,
    axes_spec,
    detect_axes,
    gyro_fit,
    rest_gravity,
)

MIN_RATE_HZ = 20.0
MIN_SCORE_S = 60.0
MIN_ANALYSE_S = 1.0
MIN_CALIBRATION_CONFIDENCE = 0.5
MAX_GAP_SHARE = 0.05

AnalysisT = TypeVar("AnalysisT")


@dataclass
class Validity:
    """The verdict on one analysis (see the module doc)."""

    valid: bool = True
    warnings: list[str] = field(default_factory=list)
    angles_trusted: bool = True  # posture angles, zones, episodes
    lifts_trusted: bool = True  # lifts, form scores, risk
    quality: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"valid": self.valid, "warnings": list(self.warnings)}


def precheck(session: Any) -> None:
    """Stop (KyphosError, one line) when a recording is too short to analyse at all, its axes
    cannot be told (a CSV file's ``header["axes_doubt"]``: the message names --axes), or its
    gyroscope contradicts its accelerometer (:func:`gyro_check`)."""
    n = int(session.n_samples)
    if n < 2:
        raise KyphosError("the recording has fewer than two IMU samples: nothing to analyse")
    doubt = (session.header or {}).get("axes_doubt")
    if doubt:  # a CSV file whose axes the data cannot tell (kyphos.recording.units)
        raise KyphosError(str(doubt))
    if session.duration_s < MIN_ANALYSE_S:
        raise KyphosError(
            f"the recording has {n} IMU sample(s) over {session.duration_s:.3g} s: too short to "
            f"analyse (at least {MIN_ANALYSE_S:g} s; a score needs {MIN_SCORE_S:g} s of wear)"
        )
    gyro_check(session)


def _rows(session: Any, name: str, step: int) -> np.ndarray:
    """Every ``step``-th row of ``session.acc``/``.gyr``, built for this read only where the
    session can (``kyphos.session.Session.rows``: a loaded session keeps int16 counts)."""
    rows = getattr(session, "rows", None)
    return np.asarray(rows(name, step) if rows is not None else np.asarray(getattr(session, name))[::step])


def gyro_check(session: Any) -> None:
    """Stop (KyphosError) when the gyroscope disagrees with the accelerometer where the data
    move enough to tell (:func:`kyphos.recording.units.gyro_fit` on ~13 samples/s, smoothed
    over 0.3 s: enough for a scale and a sign, and cheap — 8 h at 104 Hz in ~0.3 s): a wrong gyro unit, scale or axis sign — in a file or a driver —
    makes every orientation wrong, so nothing is analysed."""
    if len(session.time) < 8:
        return
    fs = float(session.fs or 104.0)
    st = max(1, int(fs // 13))
    fit = gyro_fit(np.asarray(session.time)[::st], _rows(session, "acc", st),
                   _rows(session, "gyr", st), fs / st)
    if fit.conclusive and (fit.k <= 0 or abs(np.log(fit.k)) >= np.log(K_TOL)):
        raise KyphosError(
            f"the gyroscope disagrees with the accelerometer: gravity turns {fit.k:.3g}× as fast "
            "as the gyroscope says (1 when both are right, negative when their axes are "
            "opposite), so its unit, scale or axes are wrong (for a CSV file check --gyr-unit, "
            "--time-unit and --axes): nothing is analysed"
        )


#: What to do about a missing upright reference, after a recording (the live view says
#: its own: :mod:`kyphos.views.live_state`).
UPRIGHT_HINT = ("stand still for 10 s and bend forward three times after putting the sensor on, "
                "or name an upright stretch (kyphos analyze --calibrate-upright T0 T1)")


def frame_doubt(session: Any) -> str:
    """Why the samples do not look like the kyphos sensor frame (x towards the head, y to the
    wearer's left, z out of the back), or "". Asked only of a session whose frame nobody
    vouched for: arrays given to ``Session`` in Python, with no board INFO (a kyphos board's
    firmware maps its chip into the frame) and no ``header["axes"]`` (the CSV loader's, given
    or read from the data). The data's own evidence, as for a CSV file
    (:func:`kyphos.recording.units.detect_axes` on ~13 samples/s): which axis is up at rest
    and which way the forward bends tip. Before this a Python session in another IMU's axes
    (x towards the feet) was scored as valid, its bends read as leaning back."""
    if getattr(session, "info", None) is not None or (session.header or {}).get("axes"):
        return ""
    fs = float(session.fs or 104.0)
    st = max(1, int(fs // 13))
    g = detect_axes(np.asarray(session.time)[::st], _rows(session, "acc", st), fs / st)
    if g.perm is not None:
        spec = axes_spec(g.perm)
        return (f"the samples are not in the kyphos sensor frame (x towards the head, z out of "
                f"the back): their axes read as --axes={spec}, so no angle can be trusted — "
                f"convert them (acc @ P.T and gyr @ P.T with P = "
                f"kyphos.recording.units.parse_axes('{spec}')) or load the file with that --axes")
    if g.doubt:
        return f"the samples may not be in the kyphos sensor frame, so no angle can be trusted: {g.doubt}"
    return ""


def rules(v: Validity, *, gravity_ms2: float, fs: float, calibration_method: str,
          calibration_confidence: float, worn_s: float, axes_doubt: str = "",
          upright_hint: str = UPRIGHT_HINT) -> list[str]:
    """The bar for a score, shared by the analysis (:func:`assess`) and the live view
    (``LiveState.validity``): sets ``v.angles_trusted`` / ``v.lifts_trusted`` and returns the
    reasons it is not met (one sentence each, in the order of the module doc). ``gravity_ms2``
    is the acceleration magnitude at rest (NaN: not known yet, no verdict on units),
    ``axes_doubt`` why the samples are not in the kyphos frame (:func:`frame_doubt`), ``fs``
    the sample rate (Hz), ``worn_s`` the measured time (s)."""
    fails: list[str] = []
    if np.isfinite(gravity_ms2) and not abs(gravity_ms2 / G0 - 1.0) < GRAVITY_TOL:
        v.angles_trusted = v.lifts_trusted = False
        fails.append(
            f"gravity at rest reads {gravity_ms2:.3g} m/s², not 9.81: the accelerometer's unit or "
            "scale is wrong (for a CSV file give --acc-unit), so no angle can be trusted"
        )
    if axes_doubt:
        v.angles_trusted = v.lifts_trusted = False
        fails.append(axes_doubt)
    if fs < MIN_RATE_HZ:
        v.lifts_trusted = False
        fails.append(
            f"the sample rate is {fs:.3g} Hz, below the {MIN_RATE_HZ:g} Hz lifts need: no lifts, "
            "form scores or risk index (record at 26 Hz or more)"
        )
    if calibration_confidence < MIN_CALIBRATION_CONFIDENCE:
        v.angles_trusted = v.lifts_trusted = False
        fails.append(
            f"no trustworthy upright reference (calibration {calibration_method}, confidence "
            f"{calibration_confidence:.2f} < {MIN_CALIBRATION_CONFIDENCE:g}): angles are not "
            f"shown — {upright_hint}"
        )
    if worn_s < MIN_SCORE_S:
        fails.append(
            f"only {worn_s:.0f} s of the recording could be measured (worn and analysed), less "
            f"than the {MIN_SCORE_S:g} s a score needs"
        )
    return fails


def auto_upright_doubt(analysis: Any, slouch_deg: float) -> str:
    """Why an automatic upright reference is not the wearer's upright, or "": the still standing
    it found reads a median flexion beyond the slouch threshold (a reference under which the
    wearer stands slouched is not upright; validation 15001 without a note took a reclined sit
    after a clip slip as upright and read everything 17 deg flexed with confidence 0.95)."""
    if str(analysis.calibration.method) != "auto":
        return ""
    from kyphos.processing.activity import STANDING
    angles, activity = analysis.angles, analysis.activity
    m = activity.still & (activity.kind == STANDING) & angles.valid
    if not np.any(m):
        return ""
    med = float(np.degrees(np.median(angles.flexion[m])))
    if abs(med) < slouch_deg:
        return ""
    return (f"the automatic upright reference reads the wearer's still standing as {med:+.0f}° "
            f"flexed (beyond the {slouch_deg:g}° slouch threshold), so it is not the wearer's "
            f"upright: angles are not shown — {UPRIGHT_HINT}")


def auto_sagittal_doubt(analysis: Any) -> str:
    """Why an automatic calibration's forward direction is not trusted, or "": its bends agree
    on the sagittal axis with a confidence below ``MIN_CALIBRATION_CONFIDENCE``. With the
    upright re-levelled to the still standing (``calibration.standing_upright``) the upright
    part of the confidence is full and the product could no longer fall below the bar, but the
    axis alone still decides whether a bend reads at its depth (15000-15029 without a note:
    sagittal confidence 0.36-0.45 on 15011 / 15021 / 15025-15027, 2.0-3.4 deg RMS)."""
    cal = analysis.calibration
    if str(cal.method) != "auto" or float(cal.sagittal_confidence) >= MIN_CALIBRATION_CONFIDENCE:
        return ""
    return (f"the automatic calibration's bends do not agree on the wearer's forward direction "
            f"(confidence {float(cal.sagittal_confidence):.2f} < {MIN_CALIBRATION_CONFIDENCE:g}), "
            f"so bends cannot be read at their depth: angles are not shown — {UPRIGHT_HINT}")


def assess(session: Any, analysis: Any, slouch_deg: float | None = None) -> Validity:
    """Check an analysis of ``session`` (see the module doc); ``slouch_deg`` (the slouch
    threshold, deg) also checks an automatic upright reference (:func:`auto_upright_doubt`)."""
    v = Validity(quality=data_quality(session))
    notes: list[str] = []
    # gravity at rest from ~13 samples/s (a 0.3 s window): still stretches last seconds
    stride = max(1, int((session.fs or 104.0) // 13))
    cal = analysis.calibration
    fails = rules(  # reasons it is not valid, shown first
        v, gravity_ms2=rest_gravity(_rows(session, "acc", stride), w=4),
        fs=float(analysis.prepared.fs), calibration_method=str(cal.method),
        calibration_confidence=float(cal.confidence),
        worn_s=float(analysis.posture.measured_s), axes_doubt=frame_doubt(session),
    )
    doubt = auto_upright_doubt(analysis, slouch_deg) if slouch_deg is not None else ""
    doubt = doubt or auto_sagittal_doubt(analysis)
    if doubt and v.angles_trusted:
        v.angles_trusted = v.lifts_trusted = False
        fails.append(doubt)
    notes.extend(str(n) for n in (session.header or {}).get("notes", []) or [])
    q = v.quality
    if q["damage_count"]:
        d0 = q["damage"][0]
        notes.append(
            f"{q['damage_count']} damaged stretch(es) of the file ({q['damaged_bytes']:,} bytes) "
            f"could not be read and were skipped (first: {d0['kind']}, {d0['reason']})"
        )
    dur = float(session.duration_s)
    if q["gap_count"] and dur > 0 and q["gap_total_s"] > MAX_GAP_SHARE * dur:
        notes.append(f"{describe(q).split(';')[0]} — {100 * q['gap_total_s'] / dur:.0f} % of the "
                     "recording has no data")
    v.valid = not fails
    v.warnings = fails + notes
    return v


PRAISE = "good form"  # the reason a lift with nothing to correct gets (metrics.lifts.form_score)


def gate(d: dict[str, Any], v: Validity | None) -> dict[str, Any]:
    """The analysis JSON with ``valid``/``warnings`` first and, below the bar, no scores, no
    praise, and only the parts that can be trusted (see the module doc)."""
    if v is None:
        return d
    out: dict[str, Any] = {"valid": v.valid, "warnings": list(v.warnings), **d}
    out["data_quality"] = v.quality
    out["gaps"] = v.quality.get("gaps", [])
    if v.valid:
        return out
    posture = dict(out.get("posture") or {})
    if "score" in posture:
        posture["score"] = None
    if not v.angles_trusted:
        for k in list(posture):
            if k not in ("measured_s",):
                posture[k] = None
        for k in ("slouch_episodes", "sustained_bends", "seated_reaches"):
            if k in out:
                out[k] = []
    out["posture"] = posture
    if not (v.lifts_trusted and v.angles_trusted):
        out["lifts"] = []
        for k in ("lift_rate_per_h", "good_form_pct", "lift_styles"):
            if k in out:
                out[k] = None
        out["risk"] = None
    else:
        out["lifts"] = [
            {**lf, "score": None,
             "reasons": [r for r in (lf.get("reasons") or []) if r != PRAISE]}
            for lf in out.get("lifts") or []
        ]
        out["good_form_pct"] = None
        if isinstance(out.get("risk"), dict):
            out["risk"] = {**out["risk"], "index": None, "band": None}
    return out


def gate_analysis(analysis: AnalysisT) -> AnalysisT:
    """The analysis as the Python API gives it (``kyphos.load(p).analysis``, ``.posture``,
    ``.lifts``, ...): the rule :func:`gate` applies to the JSON, applied to the objects, so a
    notebook gets no score where ``kyphos analyze --json`` gives none. Below the bar
    (``analysis.validity.valid`` False; the reasons in ``analysis.validity.warnings``):

    * ``posture.score``, every lift's ``score`` and ``risk.index`` are None, the lifts lose the
      praise ("good form") and ``lift_stats["good_form_pct"]`` is None;
    * lifts that cannot be trusted (too low a rate, no upright reference, implausible units):
      no lifts, the lift rate NaN, and a ``risk`` of NaN with ``index`` None and the reason as
      its ``note``;
    * angles that cannot be trusted (no upright reference, implausible units): ``angles`` keeps
      its time axis but every angle and velocity is NaN (``valid`` all False; read-only, no
      memory), the posture keeps ``measured_s`` only (zones ``{}``, no episodes, ``slouch_pct``
      NaN) and there are no seated reaches.

    A valid analysis is returned as it is; otherwise a copy (the arrays are shared, not copied).
    """
    v = getattr(analysis, "validity", None)
    if v is None or v.valid:
        return analysis
    a: Any = analysis
    changes: dict[str, Any] = {}
    why = v.warnings[0] if v.warnings else "below the bar for a score"
    pm = a.posture
    if v.angles_trusted:
        changes["posture"] = replace(pm, score=None)
    else:
        changes["posture"] = replace(
            pm, zones_pct={}, lateral_pct={}, holding_violations=[], reba_trunk_pct={},
            slouch_episodes=[], slouch_pct=float("nan"), score=None, score_terms={},
            sustained_bends=[], sitting_upright_deg=None)
        n = len(a.angles.time)
        nan = np.broadcast_to(np.float64(np.nan), (n,))
        changes["angles"] = replace(
            a.angles, flexion=nan, lateral=nan, axial=nan, flexion_velocity=nan,
            lateral_velocity=nan, axial_velocity=nan, valid=np.broadcast_to(np.False_, (n,)))
        changes["seated_reaches"] = []
    if v.lifts_trusted and v.angles_trusted:
        changes["lifts"] = [replace(lf, score=None,
                                    reasons=[r for r in lf.reasons if r != PRAISE])
                            for lf in a.lifts]
        changes["lift_stats"] = {**a.lift_stats, "good_form_pct": None}
        changes["risk"] = replace(a.risk, index=None)
    else:
        changes["lifts"] = []
        changes["lift_stats"] = {"count": 0, "lift_rate_per_h": float("nan"),
                                 "good_form_pct": None, "styles": {}}
        changes["risk"] = replace(
            a.risk, lift_rate_per_h=float("nan"), max_sagittal_flexion_deg=float("nan"),
            max_lateral_velocity_dps=float("nan"), avg_twisting_velocity_dps=float("nan"),
            terms={}, index=None, note=f"not given: {why}")
    return replace(a, **changes)  # type: ignore[no-any-return]
