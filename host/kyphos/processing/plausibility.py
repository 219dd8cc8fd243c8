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
  else the angles are relative to an unknown mounting and are not shown at all;
* **damage and gaps** (:func:`kyphos.recording.quality.data_quality`, the count ``info`` and
  the report use) are reported; gaps over ``MAX_GAP_SHARE`` of the recording are a warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kyphos.errors import KyphosError
from kyphos.recording.quality import data_quality, describe
from kyphos.recording.units import G0, GRAVITY_TOL, K_TOL, gyro_fit, rest_gravity

MIN_RATE_HZ = 20.0
MIN_SCORE_S = 60.0
MIN_ANALYSE_S = 1.0
MIN_CALIBRATION_CONFIDENCE = 0.5
MAX_GAP_SHARE = 0.05


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


def assess(session: Any, analysis: Any) -> Validity:
    """Check an analysis of ``session`` (see the module doc)."""
    v = Validity(quality=data_quality(session))
    fails: list[str] = []  # reasons it is not valid, shown first
    notes: list[str] = []
    # gravity at rest from ~13 samples/s (a 0.3 s window): still stretches last seconds
    stride = max(1, int((session.fs or 104.0) // 13))
    g = rest_gravity(_rows(session, "acc", stride), w=4)
    if not abs(g / G0 - 1.0) < GRAVITY_TOL:
        v.angles_trusted = v.lifts_trusted = False
        fails.append(
            f"gravity at rest reads {g:.3g} m/s², not 9.81: the accelerometer's unit or scale is "
            "wrong (for a CSV file give --acc-unit), so no angle can be trusted"
        )
    fs = float(analysis.prepared.fs)
    if fs < MIN_RATE_HZ:
        v.lifts_trusted = False
        fails.append(
            f"the sample rate is {fs:.3g} Hz, below the {MIN_RATE_HZ:g} Hz lifts need: no lifts, "
            "form scores or risk index (record at 26 Hz or more)"
        )
    cal = analysis.calibration
    if cal.confidence < MIN_CALIBRATION_CONFIDENCE:
        v.angles_trusted = v.lifts_trusted = False
        fails.append(
            f"no trustworthy upright reference (calibration {cal.method}, confidence "
            f"{cal.confidence:.2f} < {MIN_CALIBRATION_CONFIDENCE:g}): angles are not shown — "
            "stand still for 10 s and bend forward three times after putting the sensor on, or "
            "name an upright stretch (kyphos analyze --calibrate-upright T0 T1)"
        )
    worn = float(analysis.posture.measured_s)
    if worn < MIN_SCORE_S:
        fails.append(
            f"only {worn:.0f} s of the recording could be measured (worn and analysed), less "
            f"than the {MIN_SCORE_S:g} s a score needs"
        )
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


_PRAISE = "good form"


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
             "reasons": [r for r in (lf.get("reasons") or []) if r != _PRAISE]}
            for lf in out.get("lifts") or []
        ]
        out["good_form_pct"] = None
        if isinstance(out.get("risk"), dict):
            out["risk"] = {**out["risk"], "index": None, "band": None}
    return out
