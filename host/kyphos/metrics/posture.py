"""Posture metrics: ISO 11226 / EN 1005-4 zones, holding time, REBA trunk score, slouch, score.

All inputs are the per-sample angles of :class:`kyphos.processing.angles.Angles` (radians);
thresholds here are in degrees. Sources for every number: docs/scoring.md.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from kyphos.metrics.episodes import drop_short, hysteresis, runs
from kyphos.processing.angles import Angles

#: Flexion zones (ISO 11226, EN 1005-4), degrees. Extension below −5° (tolerance for sway).
ZONE_EDGES_DEG = (20.0, 60.0)
EXTENSION_DEG = -5.0
#: Lateral bend bands (EN 1005-4 as tabulated in doi:10.1186/s12995-020-00286-9), degrees.
LATERAL_BANDS_DEG = (10.0, 20.0)
#: ISO 11226 maximum holding time, linear approximation: 4 min at 20° → 1 min at 60°.
HOLD_LIMIT_AT_20_S = 240.0
HOLD_LIMIT_AT_60_S = 60.0
#: ISO 11226 "static": a posture held longer than 4 s. Above 60° static holding is not
#: acceptable; a run above 60° longer than this is a violation.
STATIC_S = 4.0
#: The shortest holding limit of :func:`holding_violations` (ISO 11226's at 60°, or STATIC_S).
MIN_HOLD_LIMIT_S = min(HOLD_LIMIT_AT_20_S, HOLD_LIMIT_AT_60_S, STATIC_S)
#: REBA: "upright" within ±5° (kyphos tolerance); twisted / side-bent beyond 10°.
REBA_UPRIGHT_DEG = 5.0
REBA_TWIST_DEG = 10.0
REBA_SIDE_DEG = 10.0
#: Slouch defaults, the same as the firmware coach: 8° above upright, 3° hysteresis.
SLOUCH_THRESHOLD_DEG = 8.0
SLOUCH_HYSTERESIS_DEG = 3.0
SLOUCH_MIN_S = 10.0
#: A slouch is a collapse of the upper back, not a bend: flexion at or above this (from the
#: person's upright) is a bend, and slouch episodes stop there. Between slouched sitting, 10–25°
#: of added thoracolumbar flexion, and task bends of 45–60°; fitted on the sim family's day
#: sessions (``bench/fit_thresholds.py --fit-all``, objective: mean F1 of slouch episodes and
#: sustained bends; 32° before).
SLOUCH_MAX_DEG = 35.0
#: Sitting upright (slouch reference while sitting): a low percentile of still-sitting flexion,
#: at least this much still sitting (s), within ± this (degrees). Provisional (own choice, like
#: the calibration's least-flexed cluster).
SIT_UPRIGHT_PCT = 10.0
SIT_UPRIGHT_MIN_S = 20.0
SIT_UPRIGHT_MAX_DEG = 15.0
#: Sustained bend: flexion above ZONE_EDGES_DEG[0] (20°) held for longer than STATIC_S (ISO
#: 11226's "static" posture) that reaches SLOUCH_MAX_DEG, reported with its holding time and
#: the ISO 11226 limit for its median angle.


@dataclass
class SlouchEpisode:
    start_s: float
    end_s: float
    peak_deg: float
    mean_deg: float


@dataclass
class SustainedBend:
    """A task bend held past ISO 11226's 4 s "static" definition (angles in degrees)."""

    start_s: float
    end_s: float
    holding_s: float
    angle_deg: float  # median flexion while held above 20°
    peak_deg: float
    limit_s: float  # ISO 11226 maximum holding time for angle_deg (4 s above 60°)
    over_limit: bool
    context: str = "standing"


@dataclass
class HoldingViolation:
    start_s: float
    end_s: float
    angle_deg: float  # median flexion of the held posture
    limit_s: float


@dataclass
class PostureMetrics:
    """Session posture summary. Percentages are of valid (measured) time."""

    measured_s: float
    zones_pct: dict[str, float]
    lateral_pct: dict[str, float]
    holding_violations: list[HoldingViolation]
    reba_trunk_pct: dict[str, float]
    slouch_episodes: list[SlouchEpisode]
    slouch_pct: float
    score: float | None  # None below the validity bar (processing.plausibility.gate_analysis)
    score_terms: dict[str, float] = field(default_factory=dict)
    sustained_bends: list[SustainedBend] = field(default_factory=list)
    #: the wearer's upright while sitting, degrees from the standing calibration (None: too
    #: little still sitting); slouch while sitting is measured from it
    sitting_upright_deg: float | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["slouch_episodes"] = [
            {k: round(v, 3) for k, v in asdict(e).items()} for e in self.slouch_episodes
        ]
        d["holding_violations"] = [
            {k: round(v, 3) for k, v in asdict(e).items()} for e in self.holding_violations
        ]
        d["sustained_bends"] = [
            {k: (round(v, 3) if isinstance(v, float) else v) for k, v in asdict(e).items()}
            for e in self.sustained_bends
        ]
        return d


def hold_limit_s(angle_deg: np.ndarray | float) -> np.ndarray:
    """ISO 11226 maximum holding time (linear approximation), s; inf below 20°, 0 above 60°."""
    a = np.asarray(angle_deg, float)
    lim = HOLD_LIMIT_AT_20_S + (a - 20.0) * (HOLD_LIMIT_AT_60_S - HOLD_LIMIT_AT_20_S) / 40.0
    return np.where(a < 20.0, np.inf, np.where(a > 60.0, 0.0, lim))


def _pct(mask: np.ndarray, n: int) -> float:
    return round(100.0 * float(np.count_nonzero(mask)) / n, 3) if n else 0.0


def reba_trunk_score(flex_deg: np.ndarray, lat_deg: np.ndarray, axial_deg: np.ndarray) -> np.ndarray:
    """Per-sample REBA trunk score 1–5 (Hignett & McAtamney 2000): 1 within
    ±``REBA_UPRIGHT_DEG``, 2 up to 20° either way, 3 for 20–60° flexion or extension past 20°,
    4 past 60° (NaN: 2), +1 for side bend or twist. Summed from int8 masks (one pass each, no
    masked writes: 8 h at 104 Hz in ~40 ms instead of ~110)."""
    f = np.asarray(flex_deg, float)
    s = (f > 20).view(np.int8) + (f > 60).view(np.int8)
    s += (f < -20).view(np.int8)
    s -= (np.abs(f) <= REBA_UPRIGHT_DEG).view(np.int8)  # REBA_UPRIGHT_DEG < 20: disjoint
    s += 2
    adj = np.abs(lat_deg) > REBA_SIDE_DEG
    adj |= np.abs(axial_deg) > REBA_TWIST_DEG  # NaN: not twisted
    s += adj.view(np.int8)
    return s


def slouch_episodes(
    time: np.ndarray,
    flex_deg: np.ndarray,
    fs: float,
    exclude: np.ndarray | None = None,
    *,
    threshold_deg: float = SLOUCH_THRESHOLD_DEG,
    hysteresis_deg: float = SLOUCH_HYSTERESIS_DEG,
    min_s: float = SLOUCH_MIN_S,
    max_deg: float = SLOUCH_MAX_DEG,
) -> list[SlouchEpisode]:
    """Sustained flexion beyond upright + threshold, ending below threshold − hysteresis.

    ``exclude`` (N,) marks samples (lifts, seated reaches, walking, transitions, lying) that
    end an episode, and so does flexion at or above ``max_deg`` (a bend, not a slouch; the
    bend's own ramps are too short to be episodes); episodes shorter than ``min_s`` are
    dropped.
    """
    return _slouch_episodes_in(time, np.array(flex_deg, float), fs, exclude, threshold_deg,
                               hysteresis_deg, min_s, max_deg)


def _slouch_episodes_in(time: np.ndarray, x: np.ndarray, fs: float, exclude: np.ndarray | None,
                        threshold_deg: float, hysteresis_deg: float, min_s: float,
                        max_deg: float) -> list[SlouchEpisode]:
    """:func:`slouch_episodes` of a float array ``x`` that it may overwrite (no copy)."""
    if exclude is not None:
        x[exclude] = np.nan
    x[x >= max_deg] = np.nan
    on = hysteresis(x, threshold_deg, threshold_deg - hysteresis_deg)
    out = []
    for a, b in drop_short(runs(on), int(round(min_s * fs))):  # per episode
        seg = x[a:b]
        out.append(
            SlouchEpisode(
                float(time[a]), float(time[b - 1]), float(np.nanmax(seg)), float(np.nanmean(seg))
            )
        )
    return out


def sitting_upright_deg(flex_deg: np.ndarray, sitting_still: np.ndarray, fs: float) -> float | None:
    """The wearer's upright while sitting (degrees, on the standing calibration's scale): the
    ``SIT_UPRIGHT_PCT`` percentile of flexion over still sitting, clipped to
    ±``SIT_UPRIGHT_MAX_DEG``; None with less than ``SIT_UPRIGHT_MIN_S`` of still sitting.
    People sit upright with the pelvis and trunk a little back (or forward) of how they stand;
    a slouch is a collapse from *that* posture."""
    x = np.asarray(flex_deg, float)[np.asarray(sitting_still, bool)]
    x = x[np.isfinite(x)]
    if fs <= 0 or len(x) < SIT_UPRIGHT_MIN_S * fs:
        return None
    return float(np.clip(np.percentile(x, SIT_UPRIGHT_PCT), -SIT_UPRIGHT_MAX_DEG,
                         SIT_UPRIGHT_MAX_DEG))


def sustained_bends(
    time: np.ndarray, flex_deg: np.ndarray, fs: float, exclude: np.ndarray | None = None,
) -> list[SustainedBend]:
    """Runs of flexion > 20° (ISO 11226's lower edge) that reach ``SLOUCH_MAX_DEG`` and are
    held (above 20°) for at least ``STATIC_S``; ``exclude`` (N,) marks lift samples (a lift is
    dynamic). ``context`` of each is "standing" here; the analysis names it from the
    activity."""
    x = np.asarray(flex_deg, float)
    # the excluded rows out of the runs, not NaN in a full-length copy (8 h at 104 Hz: 24 MB
    # of fresh pages): the same runs (NaN is not above 20°), and no run holds an excluded row
    ex = None if exclude is None else np.asarray(exclude, bool)
    above = x > ZONE_EDGES_DEG[0]
    if ex is not None:
        above &= ~ex
    out = []
    r = runs(above)
    del above
    for a, b in r[~((r[:, 1] - r[:, 0]) / fs < STATIC_S)]:  # per run above 20° held ≥ STATIC_S
        dur = (b - a) / fs
        seg = x[a:b]
        peak = float(np.nanmax(seg))
        if dur < STATIC_S or peak < SLOUCH_MAX_DEG:
            continue
        ang = float(np.median(seg))
        lim = float(hold_limit_s(ang)) if ang <= ZONE_EDGES_DEG[1] else STATIC_S
        out.append(SustainedBend(float(time[a]), float(time[b - 1]), float(dur), ang, peak,
                                 lim, bool(dur > lim)))
    return out


def holding_violations(
    time: np.ndarray, flex_deg: np.ndarray, fs: float
) -> list[HoldingViolation]:
    """Runs of flexion > 20° held longer than the ISO 11226 limit for their median angle."""
    out = []
    r = runs(flex_deg > ZONE_EDGES_DEG[0])
    # no limit is shorter than MIN_HOLD_LIMIT_S: a run that short needs no median (most are:
    # every lift)
    for a, b in r[(r[:, 1] - r[:, 0]) / fs > MIN_HOLD_LIMIT_S]:  # per run above 20°
        dur = (b - a) / fs
        ang = float(np.median(flex_deg[a:b]))
        lim = float(hold_limit_s(ang))
        if ang > ZONE_EDGES_DEG[1]:
            lim = STATIC_S
        if dur > lim:
            out.append(HoldingViolation(float(time[a]), float(time[b - 1]), ang, lim))
    return out


#: Keys of :func:`posture_counts` per percentage table.
ZONE_KEYS = ("extension", "0_20", "20_60", "over_60")
LATERAL_KEYS = ("within_10", "10_20", "over_20")


#: Rows per block of :func:`posture_counts` (own choice: its degrees, masks and scores of a
#: block stay in the cache; 8 h at 104 Hz is ~120 MB fewer fresh arrays than all rows at once).
_COUNT_BLOCK = 1 << 16


def posture_counts(angles: Angles) -> dict[str, int]:
    """Samples per flexion zone, lateral band and REBA trunk score (``"zone:0_20"``,
    ``"lateral:10_20"``, ``"reba:3"``, …) and ``"n"`` the valid samples: the counts behind
    :func:`posture_metrics`'s percentages, which add up across stretches of a recording.
    Counted block by block (:data:`_COUNT_BLOCK` rows): counts add, so the same numbers as
    all rows at once, without full-length degrees and masks."""
    v = angles.valid & np.isfinite(angles.flexion)
    # every row valid (the usual case): no selection copies at all; else each block's valid
    # rows (elementwise: the same values as selecting first)
    every = bool(v.all())
    out = {f"{g}:{k}": 0 for g, ks in (("zone", ZONE_KEYS), ("lateral", LATERAL_KEYS))
           for k in ks}
    out.update({f"reba:{k}": 0 for k in range(1, 6)})
    for s0 in range(0, len(v), _COUNT_BLOCK):
        sl = slice(s0, s0 + _COUNT_BLOCK)
        fl, la, ax = angles.flexion[sl], angles.lateral[sl], angles.axial[sl]
        if not every:
            vb = v[sl]
            fl, la, ax = fl[vb], la[vb], ax[vb]
        _count_block(fl, la, ax, out)
    out["n"] = int(np.count_nonzero(v))
    return out


def _count_block(fl: np.ndarray, la: np.ndarray, ax: np.ndarray, out: dict[str, int]) -> None:
    """Add the zone, band and REBA counts of valid rows ``fl``, ``la``, ``ax`` (rad) to ``out``."""
    fv, lav = np.degrees(fl), np.degrees(la)
    axv = np.degrees(ax)  # NaN compares as 0 would in the REBA score: no copy
    lv = np.abs(lav)
    lo, hi = ZONE_EDGES_DEG
    b1, b2 = LATERAL_BANDS_DEG
    masks = {
        "zone:extension": fv < EXTENSION_DEG,
        "zone:0_20": (fv >= EXTENSION_DEG) & (fv <= lo),
        "zone:20_60": (fv > lo) & (fv <= hi),
        "zone:over_60": fv > hi,
        "lateral:within_10": lv <= b1,
        "lateral:10_20": (lv > b1) & (lv <= b2),
        "lateral:over_20": lv > b2,
    }
    for k, m in masks.items():
        out[k] += int(np.count_nonzero(m))
    reba = reba_trunk_score(fv, lav, axv)
    for score in range(1, 6):
        out[f"reba:{score}"] += int(np.count_nonzero(reba == score))


def posture_pcts(counts: dict[str, int]
                 ) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    """Flexion zone, lateral band and REBA percentages from :func:`posture_counts`."""
    n = counts["n"]

    def pct(c: int) -> float:
        return round(100.0 * c / n, 3) if n else 0.0

    return ({k: pct(counts["zone:" + k]) for k in ZONE_KEYS},
            {k: pct(counts["lateral:" + k]) for k in LATERAL_KEYS},
            {str(k): pct(counts[f"reba:{k}"]) for k in range(1, 6)})


def _given(x: float | str | None) -> float | None:
    if isinstance(x, str):
        raise ValueError(f"sitting_upright: a number of degrees, None or 'measure', not {x!r}")
    return None if x is None else float(x)


def posture_metrics(
    angles: Angles,
    exclude: np.ndarray | None = None,
    *,
    slouch_threshold_deg: float = SLOUCH_THRESHOLD_DEG,
    slouch_hysteresis_deg: float = SLOUCH_HYSTERESIS_DEG,
    slouch_min_s: float = SLOUCH_MIN_S,
    not_still: np.ndarray | None = None,
    sitting: np.ndarray | None = None,
    still: np.ndarray | None = None,
    sitting_upright: float | str | None = "measure",
    flex_deg: np.ndarray | None = None,
) -> PostureMetrics:
    """All posture metrics of a session.

    ``exclude`` (N,) marks lift (and seated-reach) samples: no slouch and no sustained bend
    there. ``not_still`` (N,) marks samples where the wearer is not sitting or standing
    (walking, lying, sit/stand transitions): no slouch there either. ``sitting`` and ``still``
    (N,): while sitting, a slouch is measured from the wearer's own sitting upright
    (:func:`sitting_upright_deg`), not from the standing calibration; ``sitting_upright``
    gives that upright (degrees, or None for none) instead of measuring it here (the chunked
    analysis measures it over the whole recording, :mod:`kyphos.chunked`). ``flex_deg``:
    ``np.degrees(np.where(angles.valid, angles.flexion, np.nan))`` when the caller has it
    already (read only; the same values where valid, NaN elsewhere, as made here).
    """
    counts = posture_counts(angles)
    n = counts["n"]
    zones, lateral, reba_pct = posture_pcts(counts)
    fs = angles.fs
    if flex_deg is None:
        f_nan = np.degrees(angles.flexion)  # fresh: NaN the invalid rows in place (no copy)
        f_nan[~(angles.valid & np.isfinite(angles.flexion))] = np.nan
    else:
        f_nan = flex_deg
    ex_slouch = exclude
    if not_still is not None:
        ex_slouch = np.asarray(not_still, bool) if exclude is None else (exclude | not_still)
    f_slouch = f_nan
    sit_up: float | None = None
    if sitting is not None:
        sit = np.asarray(sitting, bool)
        sit_up = sitting_upright_deg(f_nan, sit if still is None
                                     else sit & np.asarray(still, bool), fs) \
            if sitting_upright == "measure" else _given(sitting_upright)
        if sit_up is not None:
            # np.where(sit, f_nan - sit_up, f_nan) without the difference's temporary; a
            # fresh array, which the episodes may then overwrite instead of copying
            f_slouch = np.array(f_nan, float)
            np.subtract(f_nan, sit_up, out=f_slouch, where=sit)
    slouch = _slouch_episodes_in(
        angles.time, f_slouch if f_slouch is not f_nan else np.array(f_nan, float), fs,
        ex_slouch, slouch_threshold_deg, slouch_hysteresis_deg, slouch_min_s, SLOUCH_MAX_DEG,
    )
    slouch_n = sum(int(round((e.end_s - e.start_s) * fs)) + 1 for e in slouch)
    holds = holding_violations(angles.time, f_nan, fs)
    score, terms = posture_score(zones, lateral, len(holds), 100.0 * slouch_n / n if n else 0.0)
    return PostureMetrics(
        measured_s=n / fs if fs else 0.0,
        zones_pct=zones,
        lateral_pct=lateral,
        holding_violations=holds,
        reba_trunk_pct=reba_pct,
        slouch_episodes=slouch,
        slouch_pct=round(100.0 * slouch_n / n, 3) if n else 0.0,
        score=score,
        score_terms=terms,
        sustained_bends=sustained_bends(angles.time, f_nan, fs, exclude),
        sitting_upright_deg=None if sit_up is None else round(sit_up, 2),
    )


#: Weights of the session posture score (fraction of time → points lost at 100 % of time).
SCORE_WEIGHTS = {
    "20_60": 60.0,
    "over_60": 150.0,
    "extension": 60.0,
    "lateral_10_20": 20.0,
    "lateral_over_20": 60.0,
    "slouch": 40.0,
}
#: Points lost per holding-time violation, and the cap on that term.
HOLD_POINTS = 3.0
HOLD_CAP = 30.0


def posture_score(
    zones: dict[str, float], lateral: dict[str, float], n_holds: int, slouch_pct: float
) -> tuple[float, dict[str, float]]:
    """Session posture score 0–100 (docs/scoring.md, "Session posture score").

    score = 100 − Σ wᵢ·pᵢ/100 − min(30, 3·holding violations), clipped to [0, 100], where pᵢ
    are the percentages of time in: flexion 20–60°, > 60°, extension, lateral 10–20°, > 20°,
    and slouching.
    """
    p = {
        "20_60": zones["20_60"],
        "over_60": zones["over_60"],
        "extension": zones["extension"],
        "lateral_10_20": lateral["10_20"],
        "lateral_over_20": lateral["over_20"],
        "slouch": slouch_pct,
    }
    terms = {k: round(SCORE_WEIGHTS[k] * p[k] / 100.0, 3) for k in p}
    terms["holding"] = min(HOLD_CAP, HOLD_POINTS * n_holds)
    score = float(np.clip(100.0 - sum(terms.values()), 0.0, 100.0))
    return round(score, 1), terms
