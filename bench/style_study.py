"""Candidate lift-style features, measured on both families (issue 15, item 4).

Usage:
    .venv/bin/python bench/style_study.py --family sim --seeds 100-139 --cache /tmp/style  # fs by seed
    .venv/bin/python bench/style_study.py --family validation --seeds 0-29 --rates 104 --cache /tmp/style
    .venv/bin/python bench/style_study.py --report /tmp/style   # fit on sim 100-139, report all
    .venv/bin/python bench/style_study.py --why /tmp/style --report-rates 52,104,208  # closed bend

Each session is analysed as ``kyphos analyze`` does; for every detected lift matched to a truth
lift (``bench/validate_analysis.py``'s rule) the script keeps the window from 0.5 s before the
lift's start to 0.5 s after its end: the sensor's earth-frame free acceleration, the trunk
angles and the body's forward axis in the earth frame, with the truth style. ``--report``
computes each candidate feature from those windows, fits its two edges on the sim family's
seeds 100–139 (the same exhaustive search as ``bench/fit_thresholds.py``) and prints the
accuracy with those edges on every cached set (sim check seeds, validation development
seeds), with twist / lean splits. Validation seeds (validate_analysis.HELD_OUT_FROM and on) are refused (held out).
"""

from __future__ import annotations

import argparse
import functools
import itertools
import pickle
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fit_thresholds import CYCLE, fit_edges  # noqa: E402
from validate_analysis import (  # noqa: E402
    STYLES,
    development_seeds,
    family_case,
    match,
    parse_seeds,
)

PAD_S = 0.5
CAL_PAD_S = 1.5


def windows(family: str, seed: int, fs: float) -> list[dict[str, Any]]:
    """The matched lifts of one session with their windows (see the module docstring)."""
    from kyphos.analysis import analyze
    from kyphos.metrics.lifts import earth_free_acceleration
    from kyphos.metrics.style import window_start

    case = family_case(family, seed, fs)
    a = analyze(case.session)
    lifts = [lf for lf in a.lifts]
    found = [(lf.start_s, lf.end_s) for lf in lifts]
    pairs = match([(t["start"], t["end"]) for t in case.lifts], found, half=False)
    ang = a.angles
    p = a.prepared
    m = a.calibration.sensor_from_body
    cal = []  # the calibration bends' windows (the same for every lift of the session)
    for b0, b1 in a.calibration.calibration_bends_s:  # the bend +- CAL_PAD_S, with its bounds
        c0, c1 = np.searchsorted(ang.time, [b0 - CAL_PAD_S, b1 + CAL_PAD_S])
        cs = slice(int(c0), int(c1))
        if c1 - c0 >= 10 and np.all(ang.valid[cs]):
            cal.append({"acc_e": earth_free_acceleration(a.quat[cs], p.acc[cs]),
                        "flex": ang.flexion[cs].copy(), "lat": ang.lateral[cs].copy(),
                        "t": ang.time[cs] - b0, "len_s": b1 - b0})
    drops = _truth_drops(family, seed, fs)
    out = []
    for i, j in pairs:
        lf = lifts[j]
        w0 = window_start(lf)  # restyle's window
        i0, i1 = np.searchsorted(ang.time, [w0 - PAD_S, lf.end_s + PAD_S])
        sl = slice(int(i0), int(i1))
        if i1 - i0 < 10 or not np.all(ang.valid[sl]):
            continue
        e = earth_free_acceleration(a.quat[sl], p.acc[sl])
        w, x, y, z = a.quat[int(i0)]
        r = np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
                      [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
                      [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)]])
        fwd = r @ m @ np.array([1.0, 0.0, 0.0])
        t = case.lifts[i]
        out.append({
            "family": family, "seed": seed, "fs": fs, "style": t["style"],
            "twist": bool(t["twist"]), "lateral": bool(t["lateral"]),
            "upright_squat": bool(t["upright_squat"]),
            "acc_e": e, "flex": ang.flexion[sl].copy(), "lat": ang.lateral[sl].copy(),
            "axial": ang.axial[sl].copy(), "fwd": fwd, "link_m": a.link_m,
            "knee_drop_m": lf.knee_drop_m, "sensor_drop_m": lf.sensor_drop_m,
            "peak_tilt_deg": lf.peak_tilt_deg, "peak_deg": lf.peak_flexion_deg,
            "found_style": lf.style, "cal": cal,
            "hip_drop_m": drops[i] if drops and len(drops) == len(case.lifts) else np.nan,
            # the body's standing hip height, m (validate_analysis.Case.hip_height_m)
            "hip_m": case.hip_height_m if case.hip_height_m is not None else np.nan,
        })
    return out


def _disp(acc_e: np.ndarray, tilt: np.ndarray, fs: float) -> np.ndarray:
    """(n, 3) displacement from the start, m: the rest-to-rest velocity of the lift's own drift
    model (:func:`kyphos.metrics.lifts._rest_to_rest_velocity`), integrated once more."""
    from kyphos.metrics.lifts import _rest_to_rest_velocity

    v = _rest_to_rest_velocity(acc_e, tilt, fs)
    assert v is not None
    p = np.zeros_like(v)
    p[1:] = np.cumsum(0.5 * (v[1:] + v[:-1]), axis=0) / fs
    return p


def _tilt(flex: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return np.asarray(np.arccos(np.clip(np.cos(flex) * np.cos(lat), -1, 1)))


def _lever2(r: dict[str, Any], pad_s: float, horizontal: bool = False
            ) -> tuple[float, float] | None:
    """(r, d) of ``drop = r·(1 − cos τ) − d·sin τ`` (a lever r and the sensor d behind the
    spine, 0–0.2 m) by least squares over the calibration bends padded by ``pad_s``
    (``link_from_bends`` pads by 0.3 s); ``horizontal``: also the horizontal excursion
    ``r·sin τ + d·(1 − cos τ)`` (the hips held still in the bend)."""
    from kyphos.metrics.lifts import _height_trace
    from scipy.optimize import lsq_linear

    rows, ys = [], []
    for c in r["cal"]:
        m = (c["t"] >= -pad_s) & (c["t"] <= c["len_s"] + pad_s)
        th = _tilt(c["flex"][m], c["lat"][m])
        if th.max() < np.radians(30.0):
            continue
        h = _height_trace(c["acc_e"][m, 2], th, r["fs"])
        if h is None:
            continue
        dth = th - th[0]
        rows.append(np.c_[1 - np.cos(dth), -np.sin(dth)])
        ys.append(-h)
        if horizontal:
            p = _disp(c["acc_e"][m], th, r["fs"])
            rows.append(np.c_[np.sin(dth), 1 - np.cos(dth)])
            ys.append(np.hypot(p[:, 0], p[:, 1]))
    if not rows:
        return None
    res = lsq_linear(np.vstack(rows), np.concatenate(ys), bounds=([0.15, 0.0], [0.75, 0.2]))
    return float(res.x[0]), float(res.x[1])


def _library_lever(r: dict[str, Any], closure: bool = False) -> tuple[float, float] | None:
    """:func:`kyphos.metrics.style.lever_from_bends` on the cached calibration windows (laid
    end to end 1000 s apart, each window's own bend bounds); ``closure``: its same-place
    displacement (:func:`kyphos.metrics.style.closed_displacement`)."""
    from kyphos.metrics.style import lever_from_bends

    if not r["cal"]:
        return None
    t = np.concatenate([c["t"] + 1000.0 * k for k, c in enumerate(r["cal"])])
    tilt = np.concatenate([_tilt(c["flex"], c["lat"]) for c in r["cal"]])
    acc = np.vstack([c["acc_e"] for c in r["cal"]])
    bends = [(1000.0 * k, 1000.0 * k + c["len_s"]) for k, c in enumerate(r["cal"])]
    return lever_from_bends(t, np.ones(len(t), bool), tilt, acc, bends, r["fs"], closure)


def features(r: dict[str, Any]) -> dict[str, float]:
    """Every candidate of one lift (see ``report``)."""
    from kyphos.metrics.style import LINK_M

    tilt = _tilt(r["flex"], r["lat"])
    p = _disp(r["acc_e"], tilt, r["fs"])
    f = np.array([r["fwd"][0], r["fwd"][1], 0.0])
    f /= np.linalg.norm(f)
    drop, fwd, hor = -p[:, 2], p @ f, np.hypot(p[:, 0], p[:, 1])
    k = int(np.argmax(tilt))
    t = float(tilt[k])
    out = {"today": float(r["knee_drop_m"])}
    out["free_fwd"] = float(drop[k] - fwd[k] * np.tan(t / 2))
    out["free_hor"] = float(drop[k] - hor[k] * np.tan(t / 2))
    out["angle_hor"] = float(np.degrees(np.arctan2(drop[k], hor[k]) - t / 2))
    out["implied_lever"] = float(drop.max() / max(1e-3, 1 - np.cos(t)))
    out["L044_speed_window"] = float(drop.max() - LINK_M * (1 - np.cos(t)))
    tp = np.radians(r["peak_tilt_deg"])
    base = LINK_M * (1 - np.cos(tp))
    for pad in (0.3, 1.0):  # link_from_bends' window, and one that reaches rest
        lv = _lever2(r, pad)
        two = base if lv is None else lv[0] * (1 - np.cos(tp)) - lv[1] * np.sin(tp)
        out[f"lever2_own_{pad:g}"] = float(r["sensor_drop_m"] - two)
        out[f"lever2_max_{pad:g}"] = float(r["sensor_drop_m"] - max(two, base))
    lv = _library_lever(r)
    two = base if lv is None else lv[0] * (1 - np.cos(tp)) - lv[1] * np.sin(tp)
    out["lever2_dh_1"] = float(r["sensor_drop_m"] - two)
    # the same lever, the lift's drop and peak tilt over the speed bounds +- 0.5 s
    two = (LINK_M * (1 - np.cos(t)) if lv is None
           else lv[0] * (1 - np.cos(t)) - lv[1] * np.sin(t))
    out["lever2_dh_1_speed_window"] = float(drop.max() - two)
    # the lever from the bend integrated to end where it started (closure), same lift window
    lc = _library_lever(r, closure=True)
    two = (LINK_M * (1 - np.cos(t)) if lc is None
           else lc[0] * (1 - np.cos(t)) - lc[1] * np.sin(t))
    out["lever2_dhc_1_speed_window"] = float(drop.max() - two)
    return out


CANDIDATES = {
    "today": "knee drop, L = max(wearer's, 0.44 m) (shipped)",
    "free_fwd": "lever-free: drop - forward excursion * tan(tilt/2), at peak tilt",
    "free_hor": "lever-free: drop - horizontal excursion * tan(tilt/2)",
    "angle_hor": "displacement angle below horizontal - tilt/2, deg",
    "implied_lever": "drop / (1 - cos tilt), m",
    "L044_speed_window": "drop - 0.44 m * (1 - cos tilt) over the speed bounds +- 0.5 s",
    "lever2_own_0.3": "drop - (r (1 - cos tilt) - d sin tilt), r, d from the calibration "
                      "bend +- 0.3 s",
    "lever2_max_0.3": "as lever2_own_0.3, the larger trunk share of it and 0.44 m (1 - cos tilt)",
    "lever2_own_1": "as lever2_own_0.3, the calibration bend +- 1.0 s (from rest to rest)",
    "lever2_max_1": "as lever2_max_0.3, the calibration bend +- 1.0 s",
    "lever2_dh_1": "as lever2_own_1, r and d from the bend's drop and horizontal excursion "
                   "(kyphos.metrics.style.lever_from_bends)",
    "lever2_dh_1_speed_window": "as lever2_dh_1, the lift's drop and tilt over the speed "
                                "bounds +- 0.5 s",
    "lever2_dhc_1_speed_window": "as lever2_dh_1_speed_window, the bend's displacement closed "
                                 "(it ends where it started: lever_from_bends(closure=True))",
}

SETS = (("fit: sim 100-139", "sim", 100, 139), ("sim 0-29", "sim", 0, 29),
        ("validation 0-29", "validation", 0, 29), ("validation 1000-1029", "validation", 1000, 1029),
        ("validation 2000-2029", "validation", 2000, 2029),
        ("validation 3000-3029", "validation", 3000, 3029),
        ("validation 4000-4029", "validation", 4000, 4029),
        ("validation 5000-5029", "validation", 5000, 5029))
#: the validation rates ``--report`` reads (``--report-rates``)
REPORT_RATES = ["104"]
#: the fit set's features rounded to this many decimals before the edges are fitted
#: (``--fit-decimals``; None: unrounded)
FIT_DECIMALS: list[int | None] = [None]


def _load(where: Path) -> dict[str, list[dict[str, Any]]]:
    """The cached matched lifts of every set of ``SETS`` (the fit set at the rate by seed, the
    others at ``REPORT_RATES``)."""
    data: dict[str, list[dict[str, Any]]] = {}
    for name, fam, lo, hi in SETS:
        rows = []
        for f in sorted(where.glob(f"{fam}_*.pkl")):
            seed, rate = int(f.stem.split("_")[1]), f.stem.split("_")[2]
            if name == SETS[0][0]:  # the fit set: the rate by seed, as fit_thresholds.py
                if float(rate) != CYCLE[seed % 3]:
                    continue
            elif rate not in REPORT_RATES:
                continue
            if lo <= int(f.name.split("_")[1]) <= hi:
                rows.extend(pickle.loads(f.read_bytes()))
        data[name] = rows
        print(f"{name}: {len(rows)} matched lifts")
    return data


def report(where: Path) -> int:
    from fit_thresholds import accuracy

    data = _load(where)
    if not data[SETS[0][0]]:
        print("no sim 100-139 lifts cached: run the --family sim --seeds 100-139 pass first")
        return 1
    # what the exact hip drop would score, its edges fitted on the fit set's truth: the
    # simulator's styles (named by knee angle) overlap in hip drop, so this caps any unbiased
    # hip-drop estimate on the simulator's check seeds
    st0 = [r["style"] for r in data[SETS[0][0]]]
    ta, tb, _ = fit_edges(st0, np.array([r["hip_drop_m"] for r in data[SETS[0][0]]]))
    for name, rows in data.items():
        if rows:
            x = np.array([r["hip_drop_m"] for r in rows])
            print(f"  {name}: the truth hip drop, edges {ta:+.4f} {tb:+.4f} fitted on sim "
                  f"100-139's truth: {accuracy([r['style'] for r in rows], x, ta, tb)}/{len(rows)}")
    feats = {k: [features(r) for r in rows] for k, rows in data.items()}
    for cand, what in CANDIDATES.items():  # per candidate: fit on sim 100-139, report all
        st = [r["style"] for r in data[SETS[0][0]]]
        x = np.array([f[cand] for f in feats[SETS[0][0]]])
        # as fit_thresholds.py sees them: the JSON's rounded drops (--fit-decimals 3)
        a, b, ok = fit_edges(st, x if FIT_DECIMALS[0] is None else np.round(x, FIT_DECIMALS[0]))
        print(f"\n{cand}: {what}\n  edges fitted on sim 100-139: {a:+.4f} {b:+.4f}")
        for name, *_ in SETS:
            rows = data[name]
            if not rows:
                continue
            st2 = [r["style"] for r in rows]
            x2 = np.array([f[cand] for f in feats[name]])
            pred = np.array(STYLES)[np.where(x2 >= b, 2, np.where(x2 >= a, 1, 0))]
            hit = pred == np.array(st2)
            tw = np.array([r["twist"] for r in rows])
            la = np.array([r["lateral"] for r in rows])
            ea, eb, best = fit_edges(st2, x2)
            print(f"  {name:22s} {accuracy(st2, x2, a, b)}/{len(st2)} = {hit.mean():.3f}  "
                  f"(twist {hit[tw].mean():.3f}, lean {hit[la].mean():.3f}, neither "
                  f"{hit[~tw & ~la].mean():.3f}; its own best edges {ea:+.3f} {eb:+.3f}: "
                  f"{best / len(st2):.3f})")
            truth = np.array([r.get("hip_drop_m", np.nan) for r in rows], float)
            if cand != "angle_hor" and cand != "implied_lever" and np.isfinite(truth).all():
                err = x2 - truth  # a knee-drop estimate less the truth hip drop, m
                print("  " + " " * 22 + " minus the truth hip drop, median [5th, 95th pct] m: "
                      + ", ".join(f"{st} {np.median(err[np.array(st2) == st]):+.3f} "
                                  f"[{np.percentile(err[np.array(st2) == st], 5):+.3f}, "
                                  f"{np.percentile(err[np.array(st2) == st], 95):+.3f}]"
                                  for st in STYLES))
    return 0


def _closed_lever(r: dict[str, Any], excursion: bool = True, bounded: bool = True
                  ) -> tuple[float, float] | None:
    """As :func:`_library_lever` with ``closure``, the fit's variants: ``excursion`` False fits
    the drop rows alone, ``bounded`` False drops the ``LINK_RANGE_M`` / ``LEVER_DEPTH_RANGE_M``
    bounds (same windows: each bend ± ``LEVER_PAD_S``)."""
    from kyphos.metrics.style import (
        LEVER_DEPTH_RANGE_M,
        LEVER_PAD_S,
        LINK_BEND_MIN_DEG,
        LINK_RANGE_M,
        closed_displacement,
    )
    from scipy.optimize import lsq_linear

    rows, ys = [], []
    for c in r["cal"]:
        m = (c["t"] >= -LEVER_PAD_S) & (c["t"] < c["len_s"] + LEVER_PAD_S)
        th = _tilt(c["flex"][m], c["lat"][m])
        if len(th) < 3 or th.max() < np.radians(LINK_BEND_MIN_DEG):
            continue
        p = closed_displacement(c["acc_e"][m], th, r["fs"])
        if p is None:
            continue
        dth = th - th[0]
        rows.append(np.c_[1 - np.cos(dth), -np.sin(dth)])
        ys.append(-p[:, 2])
        if excursion:
            rows.append(np.c_[np.sin(dth), 1 - np.cos(dth)])
            ys.append(np.hypot(p[:, 0], p[:, 1]))
    if not rows:
        return None
    lo = [LINK_RANGE_M[0], LEVER_DEPTH_RANGE_M[0]] if bounded else [-np.inf, -np.inf]
    hi = [LINK_RANGE_M[1], LEVER_DEPTH_RANGE_M[1]] if bounded else [np.inf, np.inf]
    x = lsq_linear(np.vstack(rows), np.concatenate(ys), bounds=(lo, hi)).x
    return float(x[0]), float(x[1])


#: ``--why``: the lever variants measured beside the closed bend (``lever2_dhc_1_speed_window``)
WHY_LEVERS = {
    "closed, drop and excursion (lever_from_bends(closure=True))": {},
    "closed, drop only": {"excursion": False},
    "closed, drop and excursion, unbounded": {"bounded": False},
}


def why(where: Path) -> int:
    """Why the closed bend loses on the simulator's check seeds (issue 15, STYLE): does the
    closure hold on the simulator's calibration bends, is its lever biased, which check lifts
    flip (their knee angle, the style's hip-drop overlap), where the two families put the
    edges (the accuracy around the fitted pair), and the lever fit's variants."""
    from fit_thresholds import accuracy
    from kyphos.metrics.style import LEVER_DEPTH_RANGE_M, LINK_M, LINK_RANGE_M, trunk_drop
    from kyphos.sim.scenario import random_lift_session

    data = _load(where)
    fit, check = data[SETS[0][0]], data[SETS[1][0]]
    val = [r for name, *_ in SETS[2:] for r in data[name]]
    if not fit or not check:
        print("no sim 100-139 or sim 0-29 lifts cached")
        return 1
    sessions: dict[tuple[str, int, float], list[dict[str, Any]]] = {}
    for r in fit + check + val:
        sessions.setdefault((r["family"], r["seed"], r["fs"]), []).append(r)

    print("\n1. The calibration bends: |tilt at the end - at the start| (deg, 0.5 s means), "
          "the closed lever (r, d) and fits at a bound")
    for fam in ("sim", "validation"):
        dth, lev = [], []
        for (f, _, _), rows in sessions.items():
            if f != fam:
                continue
            for c in rows[0]["cal"]:
                th, k = _tilt(c["flex"], c["lat"]), max(2, int(0.5 * rows[0]["fs"]))
                dth.append(abs(float(np.degrees(th[-k:].mean() - th[:k].mean()))))
            lv = _library_lever(rows[0], closure=True)
            if lv is not None:
                lev.append(lv)
        lv_a = np.array(lev)
        at = np.count_nonzero(np.isclose(lv_a[:, 0], LINK_RANGE_M[0]) | np.isclose(lv_a[:, 0], LINK_RANGE_M[1])
                              | np.isclose(lv_a[:, 1], LEVER_DEPTH_RANGE_M[0])
                              | np.isclose(lv_a[:, 1], LEVER_DEPTH_RANGE_M[1]))
        print(f"  {fam}: {len(dth)} bends, |end - start| median {np.median(dth):.2f}, 95th pct "
              f"{np.percentile(dth, 95):.2f}, max {max(dth):.2f}; r {lv_a[:, 0].min():.3f}-"
              f"{lv_a[:, 0].max():.3f} m, d {lv_a[:, 1].min():.3f}-{lv_a[:, 1].max():.3f} m, "
              f"at a bound {at} of {len(lv_a)} sessions")

    def feature(kw: dict[str, Any]) -> dict[int, float]:
        out = {}
        for rows in sessions.values():
            lv = _closed_lever(rows[0], **kw)
            for r in rows:
                tilt = _tilt(r["flex"], r["lat"])
                drop, t = float(-_disp(r["acc_e"], tilt, r["fs"])[:, 2].min()), float(tilt.max())
                two = LINK_M * (1 - np.cos(t)) if lv is None else trunk_drop(t, lv)
                out[id(r)] = float(drop - two)
        return out

    def edges(x: dict[int, float]) -> tuple[float, float]:
        a, b, _ = fit_edges([r["style"] for r in fit], np.round([x[id(r)] for r in fit], 3))
        return a, b

    def score(rows: list[dict[str, Any]], x: dict[int, float], a: float, b: float) -> int:
        return accuracy([r["style"] for r in rows], np.array([x[id(r)] for r in rows]), a, b)

    closed = feature({})
    a, b = edges(closed)
    today = {id(r): float(r["knee_drop_m"]) for r in fit + check + val}
    ta, tb = edges(today)
    print(f"\n2. The closed bend's knee drop less the truth hip drop, cm, median [5th, 95th pct] "
          f"(edges fitted on sim 100-139: {a:+.4f} / {b:+.4f}; today's {ta:+.4f} / {tb:+.4f})")
    for (name, rows), (rule, x) in itertools.product(
            (("sim 0-29 and 100-139", fit + check), ("validation", val)),
            (("closed bend", closed), ("today's rule", today))):
        err = {st: [100 * (x[id(r)] - r["hip_drop_m"]) for r in rows if r["style"] == st]
               for st in STYLES}
        print(f"  {name}, {rule}: " + ", ".join(
            f"{st} {np.median(e):+.1f} [{np.percentile(e, 5):+.1f}, {np.percentile(e, 95):+.1f}]"
            for st, e in err.items() if e))

    print("\n3. Sim 0-29 lifts the closed bend or today's rule calls wrong (knee angle: the "
          "simulator's label; knee ranges 5-30 / 35-75 / 80-120 deg)")
    knees: dict[tuple[int, float], list[tuple[float, float]]] = {}
    for r in check:
        key = (r["seed"], r["fs"])
        if key not in knees:
            segs = [g for g in random_lift_session(r["seed"], fs=r["fs"])["segments"]
                    if g["kind"] == "lift"]
            knees[key] = list(zip(_sim_hip_drops(r["seed"], r["fs"]),
                                  [float(g["knee_deg"]) for g in segs], strict=True))

    def cls(x: float, lo: float, hi: float) -> str:
        return STYLES[2] if x >= hi else STYLES[1] if x >= lo else STYLES[0]

    lost = won = 0
    for r in sorted(check, key=lambda r: (r["style"], r["hip_drop_m"], r["fs"])):
        c1, c0 = cls(closed[id(r)], a, b), cls(today[id(r)], ta, tb)
        if c1 == r["style"] and c0 == r["style"]:
            continue
        lost += c0 == r["style"]
        won += c1 == r["style"]
        knee = min(knees[(r["seed"], r["fs"])], key=lambda hk: abs(hk[0] - r["hip_drop_m"]))[1]
        print(f"  seed {r['seed']:3d} {r['fs']:3g} Hz {r['style']:>10s} knee {knee:5.1f} deg, "
              f"hip drop {r['hip_drop_m']:.3f}: closed {closed[id(r)]:+.3f} -> {c1}, today "
              f"{today[id(r)]:+.3f} -> {c0}")
    print(f"  closed bend against today: {won} won, {lost} lost")

    print("\n4. Accuracy around the fitted edges, closed bend: fit sim 100-139 / check sim 0-29 / "
          f"validation pooled ({len(val)} lifts); rows the semi edge, columns the squat edge, m")
    cols = np.round(b + 0.0025 * np.arange(-4, 5), 4)
    print("  " + " " * 7 + "".join(f"{x:>17.4f}" for x in cols))
    for lo in np.round(a + 0.0025 * np.arange(-3, 4), 4):
        print(f"  {lo:+.4f}" + "".join(
            f"{score(fit, closed, lo, hi):>5d}/{score(check, closed, lo, hi):4d}/"
            f"{score(val, closed, lo, hi):5d}  " for hi in cols))

    print("\n5. Lever variants (edges fitted on sim 100-139 each): check sim 0-29, validation")
    for name, kw in WHY_LEVERS.items():
        x = closed if not kw else feature(kw)
        va, vb = edges(x)
        print(f"  {name}: edges {va:+.4f} / {vb:+.4f}: sim 0-29 {score(check, x, va, vb)}/"
              f"{len(check)}, validation {score(val, x, va, vb)}/{len(val)} = "
              f"{score(val, x, va, vb) / len(val):.3f}")
    print(f"  today's rule: sim 0-29 {score(check, today, ta, tb)}/{len(check)}, validation "
          f"{score(val, today, ta, tb)}/{len(val)} = {score(val, today, ta, tb) / len(val):.3f}")

    # a switch, not a physics test: inside the fit set's lever range today's edges hold by
    # construction, so the sim floor then measures today's rule on most sim lifts
    lv_of = {key: _library_lever(rows[0], closure=True) for key, rows in sessions.items()}
    box = np.array([lv_of[(r["family"], r["seed"], r["fs"])] for r in fit])
    lo_b, hi_b = box.min(axis=0), box.max(axis=0)

    def inside(r: dict[str, Any]) -> bool:
        lv = lv_of[(r["family"], r["seed"], r["fs"])]
        return lv is not None and bool(np.all((lo_b <= lv) & (lv <= hi_b)))

    print(f"\n6. Today's rule for wearers whose closed lever lies in the fit set's range (r "
          f"{lo_b[0]:.3f}-{hi_b[0]:.3f}, d {lo_b[1]:.3f}-{hi_b[1]:.3f} m), the closed bend's "
          "otherwise (a switch between the families, not a physics test)")
    for name, rows in (("sim 0-29", check), ("validation", val)):
        ok = sum(cls(today[id(r)], ta, tb) == r["style"] if inside(r)
                 else cls(closed[id(r)], a, b) == r["style"] for r in rows)
        n_in = sum(inside(r) for r in rows)
        print(f"  {name}: {ok}/{len(rows)} = {ok / len(rows):.3f}, today's rule on {n_in} lifts")
    return 0


def _sim_hip_drops(seed: int, fs: float) -> list[float]:
    """The truth hip drop (m) of each lift of ``random_lift_session(seed, fs)``, in order:
    the style's ankle and the lift's knee angle on the subject's legs, as
    ``kyphos.sim.body.pose`` places the hip (standing: ankle and knee straight)."""
    from kyphos.sim.body import Anthropometry
    from kyphos.sim.scenario import STYLES as SIM_STYLES
    from kyphos.sim.scenario import random_lift_session

    scn = random_lift_session(seed, fs=fs)
    b = Anthropometry.from_height(scn["subject"]["height_m"])
    out = []
    for seg in scn["segments"]:
        if seg["kind"] == "lift":
            a, k = np.radians(SIM_STYLES[seg["style"]]["ankle"]), np.radians(seg["knee_deg"])
            bottom = b.shank_m * np.cos(a) + b.thigh_m * np.cos(a - k)
            out.append(float(b.shank_m + b.thigh_m - bottom))
    return out


def _truth_drops(family: str, seed: int, fs: float) -> list[float] | None:
    if family == "sim":
        return _sim_hip_drops(seed, fs)
    if family == "validation":
        from kyphos.sim.validation import generate

        return [float(lf.hip_drop_m) for lf in generate(seed, fs).truth.lifts]
    return None


def truth_drops(sim_seeds: str, val_seeds: str) -> int:
    """The hip drop (m) of each truth style in both families: what "stoop", "semi-squat" and
    "squat" mean there. Sim: ``random_lift_session``'s knee angle with the style's ankle
    (``kyphos.sim.scenario.STYLES``) on the subject's legs, as ``kyphos.sim.body.pose`` places
    the hip; validation: the generator's own ``LiftEvent.hip_drop_m``."""
    from kyphos.sim.scenario import random_lift_session
    from kyphos.sim.validation import generate

    got: dict[str, dict[str, list[float]]] = {"sim": {}, "validation": {}}
    for seed in parse_seeds(sim_seeds):
        fs = CYCLE[seed % 3]
        styles = [g["style"] for g in random_lift_session(seed, fs=fs)["segments"]
                  if g["kind"] == "lift"]
        for st, d in zip(styles, _sim_hip_drops(seed, fs), strict=True):
            got["sim"].setdefault(st, []).append(d)
    for seed in development_seeds(val_seeds):
        for lf in generate(seed, 104.0).truth.lifts:
            got["validation"].setdefault(lf.style, []).append(float(lf.hip_drop_m))
    for fam, by in got.items():
        print(f"{fam}: truth hip drop by style, m (min / median / max)")
        for st in STYLES:
            x = np.array(by.get(st, [np.nan]))
            print(f"  {st:>10s}: n {len(x):4d}  {x.min():.3f} / {np.median(x):.3f} / {x.max():.3f}")
    # an estimator that measured the hip drop exactly (or with Gaussian noise), its edges
    # fitted on the simulator family's truth as the protocol asks
    from fit_thresholds import accuracy

    def flat(fam: str) -> tuple[list[str], np.ndarray]:
        pairs = [(st, d) for st in STYLES for d in got[fam].get(st, [])]
        return [p[0] for p in pairs], np.array([p[1] for p in pairs])

    s_st, s_x = flat("sim")
    v_st, v_x = flat("validation")
    if len(s_x) and len(v_x):
        a, b, ok = fit_edges(s_st, s_x)
        print(f"the truth hip drop, edges fitted on sim: {a:.4f} {b:.4f} m ({ok}/{len(s_x)} on sim); "
              f"validation {accuracy(v_st, v_x, a, b)}/{len(v_x)}")
        rng = np.random.default_rng(0)
        for sd in (0.01, 0.02, 0.03):
            acc = [accuracy(v_st, v_x + rng.normal(0.0, sd, len(v_x)), a, b) / len(v_x)
                   for _ in range(200)]
            print(f"  with Gaussian error sd {sd:.2f} m: validation mean {np.mean(acc):.3f}")
    return 0


def exact(val_seeds: str) -> int:
    """The lever models on the validation generator's noise-free sensor path (no IMU, no
    integration): each person's calibration bend and lifts evaluated with
    ``kyphos.sim.validation.generate.evaluate(clean=True)``. The body there is a two-segment
    chain (hip → T12 inclined by the hip share h of the tilt, T12 → sensor by all of it), so
    the bend's drop follows a lever ``≈ f·L_t + h²·L_l`` and its horizontal excursion one
    ``≈ f·L_t + h·L_l``: one r for both is a compromise. Prints the free (unbounded) fits of
    ``lever_from_bends``' model (drop and excursion) and of the drop alone against the person's
    own depth, and each lift's knee-drop error (truth hip drop subtracted) by style."""
    from kyphos.sim.validation import generate
    from kyphos.sim.validation.generate import evaluate
    from scipy.optimize import lsq_linear

    def path(script: Any, t0: float, t1: float) -> tuple[np.ndarray, np.ndarray]:
        t = np.arange(t0, t1, 0.01)
        pose = evaluate(script, t, clean=True)
        _, fl, la = pose.r_site.as_euler("ZYX").T
        return pose.p_site - pose.p_site[0], _tilt(fl, la)

    def fit(p: np.ndarray, tilt: np.ndarray, horizontal: bool) -> np.ndarray:
        dth = tilt - tilt[0]
        rows, ys = [np.c_[1 - np.cos(dth), -np.sin(dth)]], [-p[:, 2]]
        if horizontal:
            rows.append(np.c_[np.sin(dth), 1 - np.cos(dth)])
            ys.append(np.hypot(p[:, 0], p[:, 1]))
        return np.asarray(lsq_linear(np.vstack(rows), np.concatenate(ys)).x)

    err: dict[str, dict[str, list[float]]] = {"drop and excursion": {}, "drop only": {}}
    for seed in development_seeds(val_seeds):
        sc = generate(seed, 52.0, blocks=("lifts",)).script
        pr = sc.person
        b0, b1 = sc.calibration["bend"]
        p, tilt = path(sc, b0 - 0.5, b1 + 0.5)
        dh, do = fit(p, tilt, True), fit(p, tilt, False)
        h, lt, ll = pr.hip_share_stoop, pr.level_frac * pr.thoracic_m, pr.lumbar_m
        print(f"seed {seed}: h {h:.2f}, depth {pr.depth_m:.3f} m; r of the drop ~{lt + h * h * ll:.3f},"
              f" of the excursion ~{lt + h * ll:.3f}; fit of both r {dh[0]:.3f} d {dh[1]:.3f};"
              f" of the drop r {do[0]:.3f} d {do[1]:.3f}; bend to {np.degrees(tilt.max()):.0f} deg")
        for lf in sc.lifts:
            p, tilt = path(sc, lf.onset - 0.3, lf.offset + 0.3)
            tau = float(tilt.max() - tilt[0])
            for name, lv in (("drop and excursion", dh), ("drop only", do)):
                k = float(-p[:, 2].min()) - float(trunk_drop_of(tau, lv)) - lf.hip_drop_m
                err[name].setdefault(lf.style, []).append(k)
    for name, by in err.items():
        print(f"knee drop less the truth hip drop, lever from the {name}, cm, median [5th, 95th]: "
              + ", ".join(f"{st} {100 * np.median(by[st]):+.1f} [{100 * np.percentile(by[st], 5):+.1f},"
                          f" {100 * np.percentile(by[st], 95):+.1f}]" for st in STYLES if st in by))
    return 0


def exact_same_hip_share(val_seeds: str) -> int:
    """:func:`exact` with the validation generator's semi-squats and squats tilting the pelvis
    by the person's stoop hip share, as the calibration bend does (``script.Builder.lift``
    gives them ``min(0.95, h + 0.1)``; the same random draws): how much of the lever's
    semi-squat and squat error is that coordination difference. The generator is patched in
    this process only (its module-level ``min`` on that one call)."""
    import builtins

    import kyphos.sim.validation.script as script

    def same_share_min(x: Any, y: Any, *more: Any) -> Any:
        return y - 0.1 if x == 0.95 and not more else builtins.min(x, y, *more)

    script.min = same_share_min  # type: ignore[attr-defined]
    try:
        return exact(val_seeds)
    finally:
        del script.min  # type: ignore[attr-defined]


def trunk_drop_of(tau: float, lever: np.ndarray) -> float:
    from kyphos.metrics.style import trunk_drop

    return float(trunk_drop(tau, (float(lever[0]), float(lever[1]))))


# -- one definition of the styles for both families (STYLEDEF, 2026-12-06) ------------------

#: Candidate definitions of the truth style, each a pair of edges (stoop below the first,
#: squat from the second) on one kinematic quantity at the lift's bottom. None is published:
#: "knee" is the simulator's knee ranges (5–30°, 35–75°, 80–120°) split in their gaps; "drop"
#: the validation family's hip-drop ranges (semi-squat 0.10–0.22 m, squat 0.30–0.50 m) split
#: in theirs (its stoops, knee 0–20°, drop the hip at most 0.02 m); "rel_drop" the hip drop over
#: the standing hip height, edges where the 1.75 m simulator body's knee edges fall.
DEFINITIONS: dict[str, tuple[str, float, float]] = {
    "knee": ("knee_deg", 32.5, 77.5),
    "drop": ("hip_drop_m", 0.06, 0.26),
}


def _val_script(seed: int) -> Any:
    """The validation family's person and script of ``seed`` without its signals (the same
    draws as :func:`kyphos.sim.validation.generate`)."""
    from kyphos.sim.validation.person import draw_person
    from kyphos.sim.validation.script import build

    ss = np.random.SeedSequence([int(seed), 0x7A11D])
    r_person, r_script, _, _ = (np.random.default_rng(x) for x in ss.spawn(4))
    return build(draw_person(r_person), r_script)


def truth_table(sim_seeds: str, val_seeds: str) -> list[dict[str, Any]]:
    """Every truth lift of both families with its kinematics at the bottom: old label, knee
    flexion (deg), hip drop (m), upper-back inclination (deg), standing hip height (m), twist
    and lean flags. Sim: ``random_lift_session`` at 104 Hz (the scenario does not depend on
    the rate) on the default 1.75 m body; validation: the generator's script."""
    from kyphos.sim.body import Anthropometry
    from kyphos.sim.scenario import STYLES as SIM_STYLES
    from kyphos.sim.scenario import random_lift_session

    rows: list[dict[str, Any]] = []
    for seed in parse_seeds(sim_seeds) if sim_seeds else []:
        scn = random_lift_session(seed, fs=104.0)
        b = Anthropometry.from_height(scn["subject"]["height_m"])
        for seg in scn["segments"]:
            if seg["kind"] != "lift":
                continue
            a, k = np.radians(SIM_STYLES[seg["style"]]["ankle"]), np.radians(seg["knee_deg"])
            drop = b.shank_m + b.thigh_m - (b.shank_m * np.cos(a) + b.thigh_m * np.cos(a - k))
            rows.append({"family": "sim", "seed": seed, "style": seg["style"],
                         "knee_deg": float(seg["knee_deg"]), "hip_drop_m": float(drop),
                         "trunk_deg": float(seg["flexion_deg"]),
                         "hip_h_m": b.shank_m + b.thigh_m + b.ankle_height_m,
                         "twist": bool(seg.get("twist_deg")),
                         "lateral": bool(seg.get("lateral_deg"))})
    for seed in development_seeds(val_seeds) if val_seeds else []:
        sc = _val_script(seed)
        p = sc.person
        for lf in sc.lifts:
            rows.append({"family": "validation", "seed": seed, "style": lf.style,
                         "knee_deg": float(lf.knee_deg), "hip_drop_m": float(lf.hip_drop_m),
                         "trunk_deg": float(lf.trunk_deg),
                         "hip_h_m": p.foot_m + p.shank_m + p.thigh_m,
                         "twist": bool(lf.twist_deg), "lateral": bool(lf.lateral_deg)})
    for r in rows:
        r["rel_drop"] = r["hip_drop_m"] / r["hip_h_m"]
    return rows


def _cls(x: float, lo: float, hi: float) -> str:
    return STYLES[2] if x >= hi else STYLES[1] if x >= lo else STYLES[0]


def _defined(q: str, lo: float, hi: float, r: dict[str, Any]) -> str:
    """The style of truth row ``r`` by the definition (quantity ``q``, edges ``lo``/``hi``)."""
    return _cls(r[q], lo, hi)


def definitions(sim_seeds: str, val_seeds: str, where: Path | None) -> int:
    """How each family's labels map onto one definition (confusion of old label against the
    defined one), and how well the analysis's knee drop separates the defined classes: edges
    fitted on the sim fit seeds' cached windows against the defined label, reported on every
    other cached set."""
    rows = truth_table(sim_seeds, val_seeds)
    # rel_drop edges: where the simulator body's knee edges fall (ankle of the style that
    # brackets each edge: semi-squat 15°, squat 25° — the knee edges are the definition)
    from kyphos.sim.body import Anthropometry

    b = Anthropometry()
    hh = b.shank_m + b.thigh_m + b.ankle_height_m

    def rel(knee: float, ankle: float) -> float:
        a, k = np.radians(ankle), np.radians(knee)
        return float((b.shank_m + b.thigh_m - b.shank_m * np.cos(a) - b.thigh_m * np.cos(a - k))
                     / hh)

    defs = dict(DEFINITIONS)
    defs["rel_drop"] = ("rel_drop", rel(32.5, 15.0), rel(77.5, 25.0))
    print("definitions (quantity, stoop below, squat from):")
    for name, (q, lo, hi) in defs.items():
        print(f"  {name}: {q} {lo:.4g} / {hi:.4g}")
    for fam in ("sim", "validation"):
        rs = [r for r in rows if r["family"] == fam]
        print(f"\n{fam}: {len(rs)} truth lifts; by old label (min / median / max)")
        for st in STYLES:
            sub = [r for r in rs if r["style"] == st]
            if not sub:
                continue
            line = f"  {st:>10s} n {len(sub):4d}"
            for q in ("knee_deg", "hip_drop_m", "rel_drop", "trunk_deg", "hip_h_m"):
                x = np.array([r[q] for r in sub])
                line += f" | {q} {x.min():.3g}/{np.median(x):.3g}/{x.max():.3g}"
            print(line)
        for name, (q, lo, hi) in defs.items():
            conf = np.zeros((3, 3), int)
            for r in rs:
                conf[STYLES.index(r["style"]), STYLES.index(_cls(r[q], lo, hi))] += 1
            same = int(np.trace(conf))
            print(f"  old label (rows) vs {name} (columns stoop/semi/squat): "
                  f"{same}/{len(rs)} keep their label")
            for k, st in enumerate(STYLES):
                print(f"    {st:>10s} {conf[k]}")
    if where is None:
        return 0
    # the analysis's features against the defined labels, joined on (family, seed, hip drop)
    key = {(r["family"], r["seed"], round(r["hip_drop_m"], 9)): r for r in rows}
    sets: dict[str, list[dict[str, Any]]] = {}
    for f in sorted(where.glob("*.pkl")):
        fam, seed, fs = f.stem.split("_")
        s = int(seed)
        if fam == "sim":
            name = "sim 100-139 (fit)" if s >= 100 else f"sim 0-29 @{fs}"
        else:
            name = f"validation {s // 1000 * 1000}-{s // 1000 * 1000 + 29} @{fs}"
        for w in pickle.loads(f.read_bytes()):
            t = key.get((fam, s, round(float(w["hip_drop_m"]), 9)))
            if t is None or not np.isfinite(w["knee_drop_m"]):
                continue
            sets.setdefault(name, []).append({**t, "kd": float(w["knee_drop_m"]),
                                              "peak": float(w["peak_deg"]), "w": w})
    # the closed calibration bend's knee drop (section 7, STYLE 03:18), one lever a session
    from kyphos.metrics.style import LINK_M, trunk_drop

    levers: dict[tuple[str, int, float], Any] = {}
    for rs in sets.values():
        for r in rs:
            w = r["w"]
            sk = (w["family"], w["seed"], w["fs"])
            if sk not in levers:
                levers[sk] = _closed_lever(w)
            tilt = _tilt(w["flex"], w["lat"])
            drop, tau = float(-_disp(w["acc_e"], tilt, w["fs"])[:, 2].min()), float(tilt.max())
            lv = levers[sk]
            r["closed"] = drop - (LINK_M * (1 - np.cos(tau)) if lv is None else trunk_drop(tau, lv))
    # the wearer's hip height as a setup question would give it: the truth with a relative
    # error of sd 3 % or 5 % (a sensitivity, not a measured spread; seeded, one draw a lift)
    z = np.random.default_rng(0)
    for rs in sets.values():
        for r in rs:
            r["z"] = float(z.normal())
    pooled: dict[str, list[dict[str, Any]]] = {}
    for sname, rs in sets.items():
        if sname.startswith("validation"):
            pooled.setdefault(f"validation pooled @{sname.split('@')[1]}", []).extend(rs)
    sets.update(pooled)
    fit = sets.get("sim 100-139 (fit)", [])
    if not fit:
        print("no sim 100-139 windows in the cache: no fit")
        return 0
    labels: dict[str, Any] = {"old": lambda r: r["style"]}
    for name, (q, lo, hi) in defs.items():
        labels[name] = functools.partial(_defined, q, lo, hi)
    feats: dict[str, Any] = {
        # the fallback's feature: less peak flexion, more squat (fit_edges wants increasing)
        "minus peak flexion (analysis)": lambda r: -r["peak"],
        "knee drop (analysis)": lambda r: r["kd"],
        "truth hip drop": lambda r: r["hip_drop_m"],
        "knee drop / true hip height": lambda r: r["kd"] / r["hip_h_m"],
        "closed bend knee drop (not shipped)": lambda r: r["closed"],
        "truth hip drop / true hip height": lambda r: r["rel_drop"],
        "closed bend / true hip height": lambda r: r["closed"] / r["hip_h_m"],
        "closed bend / hip height, 3 % error": lambda r: r["closed"] / (r["hip_h_m"]
                                                                       * (1 + 0.03 * r["z"])),
        "closed bend / hip height, 5 % error": lambda r: r["closed"] / (r["hip_h_m"]
                                                                       * (1 + 0.05 * r["z"])),
    }
    print("\nfeature against defined label: edges fitted on sim 100-139, accuracy per set "
          "(all | twist | lean | neither)")
    for lname, lab in labels.items():
        for fname, fe in feats.items():
            # rounded to mm as the JSON gives them to fit_thresholds.py
            a, b_, ok = fit_edges([lab(r) for r in fit], np.round([fe(r) for r in fit], 3))
            print(f"  label {lname}, feature {fname}: edges {a:.4f} / {b_:.4f}, "
                  f"fit {ok}/{len(fit)}")
            for sname in sorted(sets):
                if sname.startswith("sim 100"):
                    continue
                rs = sets[sname]
                out: list[str] = []
                for sel in (lambda r: True, lambda r: r["twist"], lambda r: r["lateral"],
                            lambda r: not r["twist"] and not r["lateral"]):
                    sub = [r for r in rs if sel(r)]
                    ok_ = sum(_cls(fe(r), a, b_) == lab(r) for r in sub)
                    out.append(f"{ok_ / max(1, len(sub)):.3f}" if out else
                               f"{ok_}/{len(sub)} = {ok_ / max(1, len(sub)):.3f}")
                print(f"    {sname:>26s}: " + " | ".join(out))
    return 0


def _jobs(family: str, seeds: str, rates: str | None) -> list[tuple[int, float]]:
    ss = development_seeds(seeds, family)
    rates = rates or ("cycle" if family != "validation" else "104")
    if rates == "cycle":
        return [(s, CYCLE[s % 3]) for s in ss]
    return [(s, float(r)) for s in ss for r in rates.split(",")]


def cache(family: str, jobs: list[tuple[int, float]], where: Path) -> None:
    where.mkdir(parents=True, exist_ok=True)
    for s, fs in jobs:
        f = where / f"{family}_{s}_{fs:g}.pkl"
        if f.exists():
            continue
        rows = windows(family, s, fs)
        tmp = f.with_suffix(".tmp")
        tmp.write_bytes(pickle.dumps(rows))
        tmp.replace(f)
        print(f"{family} seed {s} at {fs:g} Hz: {len(rows)} lifts", flush=True)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--family", choices=("sim", "simday", "validation"), default="sim")
    ap.add_argument("--seeds", default="100-139")
    ap.add_argument("--rates", default=None, help="'cycle' or e.g. 52,104,208")
    ap.add_argument("--cache", default="/tmp/style", help="folder of the cached windows")
    ap.add_argument("--report", metavar="CACHE", help="instead: report the candidates")
    ap.add_argument("--report-rates", default="104",
                    help="rates --report reads for every set but the fit set (sim 100-139: "
                         "the rate by seed), e.g. 52,104,208 (default 104)")
    ap.add_argument("--truth-drops", metavar="SIM_SEEDS,VAL_SEEDS",
                    help="instead: the truth hip drop of each style in both families, "
                         "e.g. 100-139,0-29")
    ap.add_argument("--fit-decimals", type=int, default=None,
                    help="--report: round the fit set's features to this many decimals before "
                         "fitting the edges (3: as the JSON gives them to fit_thresholds.py)")
    ap.add_argument("--exact", metavar="VAL_SEEDS",
                    help="instead: the lever models on the validation generator's noise-free "
                         "path, e.g. 0-29")
    ap.add_argument("--same-hip-share", action="store_true",
                    help="--exact: the generator's bent-knee lifts given the calibration bend's "
                         "hip share (not its +0.1)")
    ap.add_argument("--why", metavar="CACHE",
                    help="instead: why the closed bend loses on the simulator's check seeds "
                         "(reads --report-rates for every set but the fit set)")
    ap.add_argument("--definitions", metavar="SIM_SEEDS/VAL_SEEDS",
                    help="instead: each family's labels against candidate definitions of the "
                         "styles, and (with --cache) the analysis's knee drop against them")
    args = ap.parse_args(argv[1:])
    if args.definitions:
        sim_s, _, val_s = args.definitions.partition("/")
        return definitions(sim_s, val_s, Path(args.cache) if args.cache else None)
    if args.why:
        REPORT_RATES[:] = args.report_rates.split(",")
        return why(Path(args.why))
    if args.exact:
        if args.same_hip_share:
            return exact_same_hip_share(args.exact)
        return exact(args.exact)
    if args.truth_drops:
        sim_s, _, val_s = args.truth_drops.partition(",")
        return truth_drops(sim_s, val_s)
    if args.report:
        REPORT_RATES[:] = args.report_rates.split(",")
        FIT_DECIMALS[0] = args.fit_decimals
        return report(Path(args.report))
    cache(args.family, _jobs(args.family, args.seeds, args.rates), Path(args.cache))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
