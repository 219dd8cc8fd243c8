"""Score the analysis against a simulated family's ground truth, over seeds and sample rates.

Usage:
    .venv/bin/python bench/validate_analysis.py --family validation --seeds 0-29 --rates 52,104,208
    .venv/bin/python bench/validate_analysis.py --family sim --seeds 0-29 --rates 104

Families: ``validation`` is the independent body model of ``kyphos.sim.validation`` (lifts of
three styles with upright-trunk squats, twist and lateral lean, task bends held 15 s, seated
reaches, sit/stand, lying, walking and stairs with known steps, slouches, one 8–12° clip slip);
``sim`` is ``kyphos.sim.scenario.random_lift_session`` (the simulator written with the
detector; lifts, calibration bends and walks only); ``simday`` is that simulator's
``random_day_session`` (its own body model and constants: lifts with upright-trunk squats,
walks with known steps, sitting with slouches and seated reaches, standing task bends and
slouches, lying, one clip slip), the family thresholds are fitted on. Each (seed, rate) is one session, analysed
exactly as ``kyphos analyze`` does (``kyphos.analysis.analyze``), read back through the JSON
document ``Analysis.to_dict()`` (keys of issue 15) and ``Analysis.angles``.

Matching rules (one-to-one, greedy by largest overlap):

* lifts: a detected lift matches a truth lift if their intervals overlap. Precision =
  matched / detected; unmatched detections are listed by what they overlap (task bend, seated
  reach, sit/stand transition, walking, the calibration bend, nothing). Start / end error =
  detected − truth of matched lifts. Style accuracy over matched lifts.
* slouch episodes, sustained bends, seated reaches: a detection matches a truth episode if they
  overlap by at least half of the shorter of the two.
* activity: share of samples whose label equals the truth, over samples not in a truth
  transition (sit↔stand, lying down, getting up); labels lying / sitting / standing / walking.
* steps: |found − truth| / truth per session, and over all sessions.
* flexion RMSE (deg) over every valid sample, and without the samples where the truth is
  lying (lying on the back sits next to the gimbal lock of the Z-Y-X angles at flexion −90°,
  where a small lateral error reads as flexion); after a clip slip: samples from 90 s after the slip to the end (lying left out, as
  above; likewise "before the slip"); re-references: a reported one matches a truth slip
  within ±20 s.

Targets (issue 15) are printed beside each number. Keys the analysis does not (yet) report are
printed as "not reported".
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

STYLES = ("stoop", "semi-squat", "squat")
KINDS = ("lying", "sitting", "standing", "walking")
_ALIASES = {"lie": "lying", "supine": "lying", "prone": "lying", "sit": "sitting",
            "stand": "standing", "walk": "walking", "stairs": "walking"}


@dataclass
class Case:
    """One session and its truth in a family-neutral form (times in s, angles in rad)."""

    family: str
    seed: int
    fs: float
    session: Any
    time: np.ndarray
    flexion: np.ndarray
    activity: np.ndarray | None  # str labels per sample ("transition" = not scored)
    lifts: list[dict[str, Any]]
    excluded: dict[str, list[tuple[float, float]]]  # non-lift movements by kind
    slouches: list[tuple[float, float]] = field(default_factory=list)
    bends: list[tuple[float, float]] = field(default_factory=list)
    reaches: list[tuple[float, float]] = field(default_factory=list)
    steps: int | None = None
    slips: list[tuple[float, float]] = field(default_factory=list)
    slouch_deg: list[float] = field(default_factory=list)  # depth at the sensor, deg
    #: the body's standing hip height, m (``--hip-height``: the wearer's measurement)
    hip_height_m: float | None = None


def validation_case(seed: int, fs: float, note: bool, error_scale: float = 1.0,
                    chip_filter: str = "none") -> Case:
    from kyphos.sim.validation import generate

    v = generate(seed, fs, error_scale=error_scale, chip_filter=chip_filter)
    tr = v.truth
    act = tr.activity_names
    walks = [(w["start_s"], w["end_s"]) for w in tr.walks]
    trans = []
    on = act == "transition"
    if np.any(on):
        d = np.diff(np.r_[0, on.astype(int), 0])
        trans = [(float(tr.time[a]), float(tr.time[b - 1])) for a, b in
                 zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1), strict=True)]
    return Case(
        "validation", seed, fs, v.to_session(calibration_note=note), tr.time, tr.flexion, act,
        [{"start": lf.start, "end": lf.end, "style": lf.style, "twist": lf.twist_deg != 0,
          "lateral": lf.lateral_deg != 0, "upright_squat": lf.upright_squat,
          "onset": lf.onset, "offset": lf.offset} for lf in tr.lifts],
        {"task bend": [(b.start, b.end) for b in tr.sustained_bends],
         "seated reach": [(r.start, r.end) for r in tr.seated_reaches],
         "sit/stand/lie transition": trans, "walking": walks,
         "calibration bend": [tuple(tr.calibration["bend"])]},  # type: ignore[list-item]
        [(s.start, s.end) for s in tr.slouches],
        [(b.start, b.end) for b in tr.sustained_bends],
        [(r.start, r.end) for r in tr.seated_reaches],
        int(len(tr.steps)), [(c.t, c.deg) for c in tr.clip_slips],
        [s.deg for s in tr.slouches],
        float(tr.person["foot_m"] + tr.person["shank_m"] + tr.person["thigh_m"]),
    )


def sim_case(seed: int, fs: float, note: bool = True,
             stature: tuple[float, float] | None = None) -> Case:
    """A ``kyphos.sim.scenario.random_lift_session`` (the style edges' fit family) with its
    truth. ``note``: with the guided-calibration NOTE (its 10 s stance and calibration bends),
    as the validation and simday families and a user who presses ``c``, so the edges are fitted
    through the calibration path they are tested and used on; False: the analysis calibrates
    itself ("auto", the path the fit took until the fifteenth session). ``stature``: (SD, standard
    score) of the wearer's stature (``random_lift_session(stature_sd=, stature_z=)``); None: the
    generator's default (the one 1.75 m body), or whatever ``fit_thresholds.draw_statures``
    patched in."""
    from kyphos.sim.scenario import ACTIVITIES, align_truth, random_lift_session, simulate

    kw = {} if stature is None else {"stature_sd": stature[0], "stature_z": stature[1]}
    scn = random_lift_session(seed, fs=fs, **kw)
    res = simulate(scn, seed=seed)
    ses = res.to_session(calibration_note=note)
    if note and not ses.notes:  # every random_lift_session starts with the stance and bends
        raise RuntimeError(f"sim seed {seed}: no guided-calibration note")
    tr = align_truth(res.truth, ses)
    names = {"stand": "standing", "sit": "sitting", "walk": "walking", "lift": "standing",
             "bend": "standing", "rest": "lying", "lie": "lying", "transition": "transition"}
    act = np.asarray([names[a] for a in ACTIVITIES])[tr.activity]
    walks = [(s.start, s.end) for s in tr.segments if s.kind == "walk"]
    return Case(
        "sim", seed, fs, ses, tr.time, tr.flexion, act,
        [{"start": t.start, "end": t.end, "style": t.style, "twist": abs(t.peak_twist) > 0,
          "lateral": abs(t.peak_lateral) > 0, "upright_squat": False, "onset": t.onset,
          "offset": t.offset} for t in tr.lifts],
        {"calibration bend": [(m.onset, m.offset) for m in tr.movements], "walking": walks},
        [(s.start, s.end) for s in tr.slouches], hip_height_m=_sim_hip_height(scn),
    )


def simday_case(seed: int, fs: float) -> Case:
    """A ``kyphos.sim.scenario.random_day_session`` (the sim family's day: lifts incl.
    upright-trunk squats, walks with known steps, sitting with slouches and seated reaches,
    standing task bends and slouches, lying, one clip slip) with its truth."""
    from kyphos.sim.scenario import align_truth, random_day_session, simulate

    scn = random_day_session(seed, fs=fs)
    res = simulate(scn, seed=seed)
    ses = res.to_session(calibration_note=True)  # as the validation family (guided calibration)
    tr = align_truth(res.truth, ses, offset_s=0.0)
    names = {"stand": "standing", "sit": "sitting", "walk": "walking", "lift": "standing",
             "lie": "lying", "transition": "transition"}
    lab = []
    for sg in tr.segments:  # per segment: bends and rests take their segment's posture
        name = names.get(sg.kind)
        if name is None:
            post = scn["segments"][sg.index].get("posture", "stand")
            name = "sitting" if post == "sit" else "standing"
        lab.append(name)
    starts = np.array([sg.start for sg in tr.segments])
    act = np.asarray(lab, dtype=object)[np.clip(np.searchsorted(starts, tr.time, side="right") - 1,
                                                0, len(lab) - 1)]
    trans = [(sg.start, sg.end) for sg in tr.segments if sg.kind == "transition"]
    walks = [(sg.start, sg.end) for sg in tr.segments if sg.kind == "walk"]
    moves = {lab_: [(m.onset, m.offset) for m in tr.movements if m.label == lab_]
             for lab_ in ("calibration_bend", "task_bend", "seated_reach")}
    return Case(
        "simday", seed, fs, ses, tr.time, tr.flexion, act,
        [{"start": t.start, "end": t.end, "style": t.style, "twist": abs(t.peak_twist) > 0,
          "lateral": abs(t.peak_lateral) > 0,
          "upright_squat": t.style == "squat" and t.peak_flexion < np.radians(22.5),
          "onset": t.onset, "offset": t.offset} for t in tr.lifts],
        {"task bend": moves["task_bend"], "seated reach": moves["seated_reach"],
         "sit/stand/lie transition": trans, "walking": walks,
         "calibration bend": moves["calibration_bend"]},
        [(x.start, x.end) for x in tr.slouches], moves["task_bend"], moves["seated_reach"],
        len(tr.steps), [(c.start, c.deg) for c in tr.clip_slips],
        [float(np.degrees(x.flexion)) for x in tr.slouches], _sim_hip_height(scn),
    )


def _sim_hip_height(scn: dict[str, Any]) -> float:
    """The simulator body's standing hip height, m (ankle + shank + thigh of
    ``Anthropometry.from_height``; 0.94 m for the default 1.75 m subject)."""
    from kyphos.sim.body import Anthropometry

    b = Anthropometry.from_height(float(scn.get("subject", {}).get("height_m", 1.75)))
    return float(b.ankle_height_m + b.shank_m + b.thigh_m)


#: ``--hip-height``: what the analysis is told of the wearer's hip height. ``true``: the body's
#: own; ``errN``: it times (1 + N % · z), z one standard normal draw per seed (the person, not
#: the lift or its style; the same at every rate): a measurement error, a sensitivity only.
HIP_HEIGHT_MODES = ("none", "true", "err3", "err5")


def hip_height_input(case: Case, mode: str) -> float | None:
    """The hip height (m) ``--hip-height mode`` passes to ``analyze`` for ``case``."""
    if mode == "none" or case.hip_height_m is None:
        return None
    if mode == "true":
        return case.hip_height_m
    z = float(np.random.default_rng([case.seed, 0x41B]).standard_normal())
    return case.hip_height_m * (1.0 + 0.01 * float(mode[3:]) * z)


def family_case(family: str, seed: int, fs: float, note: bool = True,
                error_scale: float = 1.0, stature: tuple[float, float] | None = None,
                chip_filter: str = "none") -> Case:
    """The case of one (family, seed, rate); ``stature``: the sim family's (SD, z)
    (:func:`sim_case`); ``chip_filter``: the validation family's IMU sampling chain
    (``generate(..., chip_filter=...)``)."""
    if family == "validation":
        return validation_case(seed, fs, note, error_scale, chip_filter)
    return simday_case(seed, fs) if family == "simday" else sim_case(seed, fs, note, stature)


def _ov(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def match(truth: list[tuple[float, float]], found: list[tuple[float, float]],
          half: bool) -> list[tuple[int, int]]:
    """One-to-one pairs (truth index, found index), greedy by largest overlap. ``half``: the
    overlap must be at least half of the shorter interval; else any overlap."""
    cand = []
    for i, (a0, a1) in enumerate(truth):
        for j, (b0, b1) in enumerate(found):
            o = _ov(a0, a1, b0, b1)
            need = 0.5 * min(a1 - a0, b1 - b0) if half else 0.0
            if o > 0 and o >= need:
                cand.append((o, i, j))
    used_i: set[int] = set()
    used_j: set[int] = set()
    pairs = []
    for _o, i, j in sorted(cand, reverse=True):
        if i not in used_i and j not in used_j:
            used_i.add(i)
            used_j.add(j)
            pairs.append((i, j))
    return pairs


def _intervals(items: Iterable[dict[str, Any]] | None) -> list[tuple[float, float]] | None:
    if items is None:
        return None
    return [(float(d["start_s"]), float(d["end_s"])) for d in items]


def _what(case: Case, b0: float, b1: float) -> str:
    """What the truth was doing during an unmatched detection."""
    kinds = {"slouch": case.slouches, "task bend": case.bends, "seated reach": case.reaches,
             "lift": [(t["start"], t["end"]) for t in case.lifts],
             "calibration bend": case.excluded.get("calibration bend", [])}
    hit = [k for k, ivs in kinds.items() if any(_ov(a0, a1, b0, b1) > 0 for a0, a1 in ivs)]
    if hit:
        return "+".join(hit)
    if case.activity is None:
        return "unknown"
    i0, i1 = np.searchsorted(case.time, (b0, b1))
    labels, counts = np.unique(case.activity[i0 : max(i1, i0 + 1)], return_counts=True)
    return f"{labels[np.argmax(counts)]}" if len(labels) else "outside"


def score(case: Case, hip: str = "none", drop: str = "closed") -> dict[str, Any]:
    """The scores of one case; ``hip``: a :data:`HIP_HEIGHT_MODES` (the wearer's hip height
    given to the analysis), ``drop``: the knee drop it divides (``analyze(style_drop=)``)."""
    from kyphos.analysis import analyze

    a = analyze(case.session, hip_height_m=hip_height_input(case, hip), style_drop=drop)
    doc = a.to_dict()
    r: dict[str, Any] = {"seed": case.seed, "fs": case.fs, "family": case.family}
    # lifts
    det = doc.get("lifts", [])
    found = [(float(d["start_s"]), float(d["end_s"])) for d in det]
    truth = [(t["start"], t["end"]) for t in case.lifts]
    pairs = match(truth, found, half=False)
    r["n_lifts"], r["n_found"], r["tp"] = len(truth), len(found), len(pairs)
    r["start_err"] = [found[j][0] - truth[i][0] for i, j in pairs]
    r["end_err"] = [found[j][1] - truth[i][1] for i, j in pairs]
    r["onset_err"] = [found[j][0] - case.lifts[i]["onset"] for i, j in pairs]
    r["offset_err"] = [found[j][1] - case.lifts[i]["offset"] for i, j in pairs]
    r["style"] = [(case.lifts[i]["style"], det[j]["style"], case.lifts[i]["twist"],
                   case.lifts[i]["lateral"]) for i, j in pairs]
    r["missed_upright_squats"] = sum(1 for i, t in enumerate(case.lifts)
                                     if t["upright_squat"] and i not in {p[0] for p in pairs})
    r["n_upright_squats"] = sum(1 for t in case.lifts if t["upright_squat"])
    hit = {p[0] for p in pairs}
    r["missed"] = [t["style"] for i, t in enumerate(case.lifts) if i not in hit]
    fp: dict[str, int] = {}
    matched_j = {j for _i, j in pairs}
    for j, (b0, b1) in enumerate(found):
        if j in matched_j:
            continue
        why = "nothing scripted"
        for kind, ivs in case.excluded.items():
            if any(_ov(a0, a1, b0, b1) > 0 for a0, a1 in ivs):
                why = kind
                break
        fp[why] = fp.get(why, 0) + 1
    r["fp"] = fp
    # episodes
    sl = doc.get("slouch_episodes", doc.get("posture", {}).get("slouch_episodes"))
    for key, tru, got in (("slouch", case.slouches, _intervals(sl)),
                          ("bend", case.bends, _intervals(doc.get("sustained_bends"))),
                          ("reach", case.reaches, _intervals(doc.get("seated_reaches")))):
        if got is None:
            r[key] = None
            continue
        pr = match(tru, got, half=True)
        r[key] = (len(tru), len(got), len(pr))
        r[key + "_fp"] = [_what(case, b0, b1) for j, (b0, b1) in enumerate(got)
                          if j not in {p[1] for p in pr}]
        if key == "slouch" and case.slouch_deg:
            hit_i = {p[0] for p in pr}
            r["slouch_missed_deg"] = [d for i, d in enumerate(case.slouch_deg) if i not in hit_i]
            r["slouch_deg"] = list(case.slouch_deg)
    # activity and steps
    act = doc.get("activity")
    r["activity"] = None
    r["steps"] = None
    if isinstance(act, dict) and case.activity is not None:
        lab = np.full(len(case.time), "", dtype=object)
        for iv in act.get("intervals", []):
            k = _ALIASES.get(str(iv["kind"]), str(iv["kind"]))
            i0, i1 = np.searchsorted(case.time, (float(iv["start_s"]), float(iv["end_s"])))
            lab[i0:i1] = k
        keep = case.activity != "transition"
        r["activity"] = (int(np.count_nonzero(lab[keep] == case.activity[keep])), int(np.count_nonzero(keep)))
        # seconds per (truth, label) pair, for the confusion print
        dt = float(np.median(np.diff(case.time))) if len(case.time) > 1 else 0.0
        pairs, cnt = np.unique(np.char.add(np.char.add(case.activity[keep].astype(str), ">"),
                                           lab[keep].astype(str)), return_counts=True)
        r["activity_conf"] = {str(k): float(c) * dt for k, c in zip(pairs, cnt, strict=True)}
        if case.steps is not None and act.get("steps") is not None:
            r["steps"] = (case.steps, int(act["steps"]))
    # flexion
    ang = a.angles
    v = ang.valid
    tt = ang.time[v]
    e = np.degrees(ang.flexion[v] - np.interp(tt, case.time, case.flexion))
    r["flex_rmse"] = float(np.sqrt(np.mean(e**2)))
    r["flex_sq_n"] = (float(np.sum(e**2)), int(len(e)))
    up = np.ones(len(tt), bool)
    if case.activity is not None:  # lying on the back: next to the Z-Y-X gimbal lock
        up = case.activity[np.clip(np.searchsorted(case.time, tt), 0, len(case.time) - 1)] != "lying"
        r["flex_up_sq_n"] = (float(np.sum(e[up] ** 2)), int(np.count_nonzero(up)))
    r["after_slip"] = []
    for ts, deg in case.slips:
        k = (tt >= ts + 90.0) & up
        before = (tt < ts) & up
        r["after_slip"].append((deg, float(np.sqrt(np.mean(e[k] ** 2))) if np.any(k) else np.nan,
                                float(np.sqrt(np.mean(e[before] ** 2))) if np.any(before) else np.nan))
    rr = doc.get("re_references")
    r["re_ref"] = None if rr is None else (len(case.slips), len(rr),
                                           len(match([(t - 20, t + 20) for t, _ in case.slips],
                                                     [(float(x["t_s"]), float(x["t_s"]) + 1e-3)
                                                      for x in rr], half=False)))
    r["cal"] = doc.get("calibration", {}).get("method")
    return r


def _pct(a: np.ndarray, q: float) -> float:
    return float(np.percentile(np.abs(a), q)) if len(a) else float("nan")


def _pr(rows: list[dict[str, Any]], key: str) -> str:
    got = [r[key] for r in rows if r[key] is not None]
    if not got:
        return "not reported"
    nt, nf, tp = (sum(x[k] for x in got) for k in range(3))
    if nt == 0:
        return f"no truth episodes in this family ({nf} found)"
    p = tp / nf if nf else float("nan")
    rc = tp / nt if nt else float("nan")
    return f"precision {p:.3f} ({tp}/{nf}), recall {rc:.3f} ({tp}/{nt})"


def _fp_line(rows: list[dict[str, Any]], key: str) -> str:
    whys = [w for r in rows for w in r.get(key + "_fp", [])]
    if not whys:
        return ""
    return "; unmatched found during: " + ", ".join(f"{w} {whys.count(w)}" for w in sorted(set(whys)))


def summary(rows: list[dict[str, Any]], title: str) -> None:
    print(f"== {title}: {len(rows)} sessions")
    nt = sum(r["n_lifts"] for r in rows)
    nf = sum(r["n_found"] for r in rows)
    tp = sum(r["tp"] for r in rows)
    print(f"lifts: truth {nt}, found {nf}, matched {tp}; precision {tp / max(nf, 1):.3f}, "
          f"recall {tp / max(nt, 1):.3f}   (target >= 0.99 both)")
    nus = sum(r["n_upright_squats"] for r in rows)
    if nus:
        mus = sum(r["missed_upright_squats"] for r in rows)
        print(f"  upright-trunk squats: {nus - mus} of {nus} found")
    missed = [m for r in rows for m in r["missed"]]
    if missed:
        print("  missed lifts by style: " + ", ".join(f"{s} {missed.count(s)}" for s in STYLES))
    fp: dict[str, int] = {}
    for r in rows:
        for k, n in r["fp"].items():
            fp[k] = fp.get(k, 0) + n
    if fp:
        print("  unmatched detections on: " + ", ".join(f"{k} {n}" for k, n in sorted(fp.items())))
    se = np.concatenate([np.asarray(r["start_err"], float) for r in rows])
    ee = np.concatenate([np.asarray(r["end_err"], float) for r in rows])
    if len(se):
        print(f"start error, s: mean {se.mean():+.3f}, median |e| {_pct(se, 50):.3f}, mean |e| "
              f"{np.abs(se).mean():.3f}, 95th pct |e| {_pct(se, 95):.3f}, max |e| {_pct(se, 100):.3f}"
              "   (target <= 0.10)")
        print(f"end error, s:   mean {ee.mean():+.3f}, median |e| {_pct(ee, 50):.3f}, mean |e| "
              f"{np.abs(ee).mean():.3f}, 95th pct |e| {_pct(ee, 95):.3f}, max |e| {_pct(ee, 100):.3f}"
              "   (target <= 0.20)")
        oe = np.concatenate([np.asarray(r["onset_err"], float) for r in rows])
        fe = np.concatenate([np.asarray(r["offset_err"], float) for r in rows])
        print(f"  (for reference, vs the scripted motion onset / offset: mean {oe.mean():+.3f} / "
              f"{fe.mean():+.3f}, median |e| {_pct(oe, 50):.3f} / {_pct(fe, 50):.3f})")
    st = [x for r in rows for x in r["style"]]
    if st:
        ok = np.array([t == d for t, d, _tw, _la in st])
        tw = np.array([bool(x[2]) for x in st])
        la = np.array([bool(x[3]) for x in st])
        print(f"style accuracy: {ok.mean():.3f} ({ok.sum()}/{len(ok)})   (target >= 0.97); "
              f"with twist {ok[tw].mean() if tw.any() else float('nan'):.3f}, with lateral lean "
              f"{ok[la].mean() if la.any() else float('nan'):.3f}, neither "
              f"{ok[~tw & ~la].mean() if (~tw & ~la).any() else float('nan'):.3f}")
        cm = np.zeros((3, 3), int)
        for t, d, _a, _b in st:
            if t in STYLES and d in STYLES:
                cm[STYLES.index(t), STYLES.index(d)] += 1
        print("  confusion (rows truth, columns found) " + " / ".join(STYLES) + ": "
              + "; ".join(" ".join(str(x) for x in row) for row in cm))
    print(f"slouch episodes: {_pr(rows, 'slouch')}   (target >= 0.95 both){_fp_line(rows, 'slouch')}")
    md = [d for r in rows for d in r.get("slouch_missed_deg", [])]
    if md:
        alld = [d for r in rows for d in r.get("slouch_deg", [])]
        print(f"  missed slouches: depth at the sensor {min(md):.1f}–{max(md):.1f} deg, median "
              f"{np.median(md):.1f} (all slouches: {min(alld):.1f}–{max(alld):.1f}, median "
              f"{np.median(alld):.1f})")
    print(f"sustained bends: {_pr(rows, 'bend')}{_fp_line(rows, 'bend')}")
    print(f"seated reaches: {_pr(rows, 'reach')}{_fp_line(rows, 'reach')}")
    acts = [r["activity"] for r in rows if r["activity"] is not None]
    if acts:
        print(f"activity: {sum(a for a, _ in acts) / sum(n for _, n in acts) * 100:.1f}% of time "
              f"labelled right   (target >= 95%)")
        conf: dict[str, float] = {}
        for r in rows:
            for k, v in (r.get("activity_conf") or {}).items():
                conf[k] = conf.get(k, 0.0) + v
        wrong = sorted(((v, k) for k, v in conf.items() if k.split(">")[0] != k.split(">")[1]),
                       reverse=True)
        if wrong:
            print("  mislabelled, s (truth>label): "
                  + ", ".join(f"{k + ('none' if k.endswith('>') else '')} {v:.0f}"
                              for v, k in wrong[:8]))
    else:
        print("activity: not reported")
    stp = [r["steps"] for r in rows if r["steps"] is not None]
    if stp:
        rel = np.array([abs(f - t) / t for t, f in stp if t])
        print(f"steps: truth {sum(t for t, _ in stp)}, found {sum(f for _, f in stp)}; per session "
              f"|error| mean {100 * rel.mean():.1f}%, max {100 * rel.max():.1f}%   (target <= 3%)")
    else:
        print("steps: not reported" if rows[0]["family"] == "validation" else "steps: no truth")
    ss = sum(r["flex_sq_n"][0] for r in rows)
    nn = sum(r["flex_sq_n"][1] for r in rows)
    fl = np.array([r["flex_rmse"] for r in rows])
    print(f"flexion RMSE, deg: pooled {np.sqrt(ss / nn):.3f}, per session mean {fl.mean():.3f} max "
          f"{fl.max():.3f}   (target <= 0.5)")
    up = [r["flex_up_sq_n"] for r in rows if "flex_up_sq_n" in r]
    if up:
        print(f"  without lying: pooled {np.sqrt(sum(x for x, _ in up) / sum(n for _, n in up)):.3f}")
    sl = [x for r in rows for x in r["after_slip"]]
    if sl:
        aft = np.array([x[1] for x in sl])
        bef = np.array([x[2] for x in sl])
        print(f"flexion RMSE (not lying) from 90 s after a clip slip (|slip| {min(abs(x[0]) for x in sl):.1f}–"
              f"{max(abs(x[0]) for x in sl):.1f} deg), deg: mean {np.nanmean(aft):.3f}, max "
              f"{np.nanmax(aft):.3f}   (target <= 1.0); before the slip (not lying): mean "
              f"{np.nanmean(bef):.3f}")
    rr = [r["re_ref"] for r in rows if r["re_ref"] is not None]
    if rr:
        print(f"re-references: {_pr(rows, 're_ref')} (within 20 s of a truth slip)")
    elif sl:
        print("re-references: not reported")


def parse_seeds(s: str) -> list[int]:
    out: list[int] = []
    for part in s.split(","):
        if "-" in part:
            a, b = part.split("-")
            out.extend(range(int(a), int(b) + 1))
        else:
            out.append(int(part))
    return out


#: Validation seeds from here on are the lead's held-out set (0-35029 are development data: the
#: held-out sets 2000-35029 are spent). Only this script runs them; every study refuses them.
HELD_OUT_FROM = 36000


def development_seeds(s: str, family: str = "validation") -> list[int]:
    """:func:`parse_seeds`, refusing the validation family's held-out seeds (SystemExit)."""
    seeds = parse_seeds(s)
    if family == "validation" and any(x >= HELD_OUT_FROM for x in seeds):
        raise SystemExit(f"error: validation seeds >= {HELD_OUT_FROM} are held out for the "
                         "final report: not run")
    return seeds


def run_jobs(fn: Any, jobs: list[Any], n_jobs: int) -> list[Any]:
    """``[fn(j) for j in jobs]``, over ``n_jobs`` worker processes when more than one."""
    if n_jobs <= 1:
        return [fn(j) for j in jobs]
    from multiprocessing import Pool

    with Pool(n_jobs) as pool:
        return pool.map(fn, jobs)


def _run(job: tuple[Any, ...]) -> dict[str, Any]:
    fam, seed, fs, note, err, hip, drop = job[:7]
    stature = job[7] if len(job) > 7 else None
    chip = job[8] if len(job) > 8 else "none"
    return score(family_case(fam, seed, fs, note, err, stature, chip), hip, drop)


def sim_statures(seeds: list[int], sd: float) -> dict[int, tuple[float, float]]:
    """seed -> (SD, z) of the sim family's wearers as ``bench/fit_thresholds.py`` draws its
    ``--floor`` seeds: the run's seeds take the exact normal quantiles in the permutation of
    ``fit_thresholds.STATURE_SALT`` (``stature_z``); {} when ``sd`` is 0 (the one 1.75 m
    body)."""
    if sd <= 0:
        return {}
    from fit_thresholds import STATURE_SALT, stature_z

    return {s: (sd, z) for s, z in stature_z(seeds, STATURE_SALT).items()}


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--family", choices=("validation", "sim", "simday"), default="validation")
    ap.add_argument("--seeds", default="0-29", help="e.g. 0-29 or 0,3,5-9 (default 0-29)")
    ap.add_argument("--rates", default="52,104,208", help="sample rates, Hz (default 52,104,208)")
    ap.add_argument("--no-note", action="store_true",
                    help="validation and sim families: no calibration note (the analysis calibrates "
                         "itself)")
    ap.add_argument("--error-scale", type=float, default=1.0,
                    help="validation family: scale of the chip's systematic errors (offsets, "
                         "scale, misalignment, drift); 0 = ideal chip with white noise")
    ap.add_argument("--hip-height", choices=HIP_HEIGHT_MODES, default="none",
                    help="the wearer's hip height given to the analysis: none (default), the "
                         "body's true one, or it with a 3 %% / 5 %% error drawn per seed")
    ap.add_argument("--style-drop", choices=("closed", "knee"), default="closed",
                    help="the knee drop that names the style (analyze's style_drop: closed, "
                         "the closed calibration bend's, over the hip height or in metres "
                         "without one, default as in analyze; knee, the one-lever knee drop)")
    ap.add_argument("--stature-sd", type=float, default=None,
                    help="sim family: the wearers' stature SD over 1.75 m, drawn as the fit "
                         "draws its floor seeds (exact normal quantiles over --seeds; default "
                         "fit_thresholds.STATURE_SD, 0.041); 0: every wearer 1.75 m (before "
                         "STYLE7)")
    ap.add_argument("--chip-filter", choices=("none", "lsm6dsox"), default="none",
                    help="validation family: the IMU's sampling chain; none (default) "
                         "point-samples the body, lsm6dsox samples it through that chip's "
                         "filters as the firmware configures them (sim/validation/chip_filter.py)")
    ap.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    ap.add_argument("--per-seed", action="store_true", help="print one line per session")
    args = ap.parse_args(argv[1:])
    seeds = parse_seeds(args.seeds)
    rates = [float(x) for x in args.rates.split(",")]
    if args.stature_sd is None:
        from fit_thresholds import STATURE_SD

        args.stature_sd = STATURE_SD
    st = sim_statures(seeds, args.stature_sd) if args.family == "sim" else {}
    jobs = [(args.family, s, fs, not args.no_note, args.error_scale, args.hip_height,
             args.style_drop, st.get(s), args.chip_filter) for fs in rates for s in seeds]
    t0 = time.perf_counter()
    rows = run_jobs(_run, jobs, args.jobs)
    if args.per_seed:
        for r in rows:
            print(f"seed {r['seed']:3d} fs {r['fs']:5.0f}: lifts {r['tp']}/{r['n_lifts']} found "
                  f"{r['n_found']}, flex RMSE {r['flex_rmse']:.2f}, after slip "
                  f"{[round(x[1], 2) for x in r['after_slip']]}, cal {r['cal']}")
    print(f"family {args.family}, seeds {args.seeds}, rates {args.rates}, calibration "
          f"{'auto (no note)' if args.no_note else 'note/auto as recorded'}, chip error scale "
          f"{args.error_scale:g}, hip height {args.hip_height} ({args.style_drop} drop)"
          + (f", chip filter {args.chip_filter}" if args.chip_filter != "none" else "")
          + (f", sim statures SD {args.stature_sd:g}" if st else "")
          + f"; {time.perf_counter() - t0:.0f} s")
    summary(rows, "all rates")
    if len(rates) > 1:
        for fs in rates:
            summary([r for r in rows if r["fs"] == fs], f"{fs:g} Hz")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
