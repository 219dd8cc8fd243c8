"""The closed-bend knee drop against the shipped one: where it wins, where it loses, and why.

Usage:
    .venv/bin/python bench/style_study.py --family sim --seeds 100-139 --cache /tmp/closed/cache
    .venv/bin/python bench/style_study.py --family sim --seeds 0-29 --rates 52,104,208 --cache /tmp/closed/cache
    .venv/bin/python bench/style_study.py --family validation --seeds 11000-11029 --rates 52,104,208 --cache /tmp/closed/cache
    .venv/bin/python bench/style_closed_study.py --cache /tmp/closed/cache \
        --sets "sim:0-29:52,104,208;validation:11000-11029:52,104,208"

Reads ``bench/style_study.py``'s cached lift windows (each lift's speed bounds ± 0.5 s, the
session's calibration bends, the truth style and hip drop, the body's hip height). Edges are
fitted only on the simulator's fit seeds 100–139 (the rate by seed, ``fit_thresholds.CYCLE``),
on features rounded to the JSON's 3 decimals as ``fit_thresholds.py`` sees them. Every other
set is reported, never fitted. Sections:

1. shipped knee drop; closed-bend knee drop (no hip height; edges fitted here); closed / true
   hip height and closed / hip height with a 3 % error (the shipped ``SEMI/SQUAT_CLOSED_PER_HIP``,
   as ``analyze(hip_height_m=, style_drop="closed")`` names them), split twist / lean / neither;
2. the closed drop's error against the truth hip drop, by style, and the simulator's lifts the
   closed drop loses or wins against the shipped one, with their knee angle;
3. the error taken apart on the simulator: the closed lever against the lever of the
   simulator's own body, and the exact hip drop with a Gaussian error of σ (the ceiling of any
   unbiased hip-drop meter on the simulator's knee-angle classes);
4. blends ``w·closed + (1 − w)·shipped``: edges fitted on sim 100–139 for each w, reported on
   every set (a trade-off curve; w is not chosen on a reported set);
5. the closed drop less ``c·sin τ`` (the shipped drop's bias form), c chosen on sim 100–139;
6. the simulator's knee-drop error split into the integration and the trunk term, against the
   scenario's exact body path, and each part made exact in turn.

Validation seeds (validate_analysis.HELD_OUT_FROM and on) are refused (held out) by ``style_study``'s cache step; this script
reads only what is cached.
"""

from __future__ import annotations

import argparse
import pickle
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fit_thresholds import CYCLE, accuracy, fit_edges  # noqa: E402
from validate_analysis import STYLES, development_seeds  # noqa: E402

#: the fit set: the simulator's fit seeds at the rate by seed (as fit_thresholds.py)
FIT = ("sim", "100-139", "cycle")


def load(where: Path, family: str, seeds: str, rates: str) -> list[dict[str, Any]]:
    """Cached matched lifts of ``family`` ``seeds`` at ``rates`` ("cycle": the rate by seed)."""
    rows: list[dict[str, Any]] = []
    for s in development_seeds(seeds, family):  # held-out seeds refused
        fss = [CYCLE[s % 3]] if rates == "cycle" else [float(r) for r in rates.split(",")]
        for fs in fss:
            f = where / f"{family}_{s}_{fs:g}.pkl"
            if not f.exists():
                raise SystemExit(f"{f} is not cached: run bench/style_study.py --cache first")
            rows.extend(pickle.loads(f.read_bytes()))
    return rows


def _tilt(flex: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return np.asarray(np.arccos(np.clip(np.cos(flex) * np.cos(lat), -1, 1)))


def add_features(rows: list[dict[str, Any]]) -> None:
    """Per lift, in place: ``closed`` (the closed-bend knee drop, m: the lift window's drop
    less ``trunk_drop`` with ``lever_from_bends(closure=True)`` of the session's calibration
    bends, or 0.44 m·(1 − cos τ) without one, as ``lift_knee_drop_lever``), ``lever``,
    ``drop`` (the sensor's drop over the window, m) and ``tau`` (its peak tilt, rad)."""
    from kyphos.metrics.style import LINK_M, closed_displacement, trunk_drop, window_drop
    from style_study import _library_lever

    levers: dict[tuple[str, int, float], Any] = {}
    for r in rows:  # per lift
        key = (r["family"], r["seed"], r["fs"])
        if key not in levers:  # one lever a session (the same calibration bends)
            levers[key] = _library_lever(r, closure=True)
        lv = levers[key]
        tilt = _tilt(r["flex"], r["lat"])
        got = window_drop(r["acc_e"], tilt, r["fs"])
        assert got is not None
        drop, tau = got
        r["lever"], r["drop"], r["tau"] = lv, drop, tau
        trunk = LINK_M * (1 - np.cos(tau)) if lv is None else trunk_drop(tau, lv)
        r["closed"] = float(drop - trunk)
        # the lift closed too: a standing lift ends at the height it started (upright on the
        # same floor), so the vertical displacement is integrated with that constraint
        pz = closed_displacement(r["acc_e"][:, 2:3], tilt, r["fs"])
        assert pz is not None
        r["drop_cl"] = float(np.max(-pz[:, 0]))
        r["closed_cl"] = float(r["drop_cl"] - trunk)


def classify(x: np.ndarray, a: float, b: float) -> np.ndarray:
    return np.asarray(STYLES)[np.where(x >= b, 2, np.where(x >= a, 1, 0))]


def fit(rows: list[dict[str, Any]], x: np.ndarray) -> tuple[float, float, int]:
    """Edges fitted on the fit set's features rounded to 3 decimals (the JSON's)."""
    return fit_edges([r["style"] for r in rows], np.round(x, 3))


def line(rows: list[dict[str, Any]], pred: np.ndarray) -> str:
    y = np.array([r["style"] for r in rows])
    hit = pred == y
    tw = np.array([r["twist"] for r in rows])
    la = np.array([r["lateral"] for r in rows])
    ne = ~tw & ~la
    cm = np.zeros((3, 3), int)
    for t, p in zip(y, pred, strict=True):
        cm[STYLES.index(t), STYLES.index(p)] += 1
    return (f"{hit.sum()}/{len(hit)} = {hit.mean():.3f} (twist {hit[tw].mean():.3f}, lean "
            f"{hit[la].mean():.3f}, neither {hit[ne].mean():.3f}); confusion "
            + "; ".join(" ".join(str(v) for v in row) for row in cm))


def err3_hip(r: dict[str, Any]) -> float:
    """The hip height ``validate_analysis.hip_height_input(case, "err3")`` passes."""
    z = float(np.random.default_rng([r["seed"], 0x41B]).standard_normal())
    return float(r["hip_m"]) * (1.0 + 0.03 * z)


def section1(fitrows: list[dict[str, Any]], sets: dict[str, list[dict[str, Any]]]) -> None:
    from kyphos.metrics.style import (
        SEMI_CLOSED_PER_HIP,
        SEMI_DROP_M,
        SQUAT_CLOSED_PER_HIP,
        SQUAT_DROP_M,
    )

    a, b, ok = fit(fitrows, np.array([r["closed"] for r in fitrows]))
    a2, b2, ok2 = fit(fitrows, np.array([r["closed_cl"] for r in fitrows]))
    # over the hip height: rounded to 4 decimals, as the JSON gives fit_thresholds.py
    rel0 = np.array([r["closed_cl"] / r["hip_m"] for r in fitrows])
    a3, b3, ok3 = fit_edges([r["style"] for r in fitrows], np.round(rel0, 4))
    print(f"\n1. Style by rule (closed bend, no hip height: edges {a:+.4f} / {b:+.4f} m fitted on "
          f"sim 100-139, {ok}/{len(fitrows)}; shipped {SEMI_DROP_M:+.4f} / {SQUAT_DROP_M:+.4f}; "
          f"closed / H {SEMI_CLOSED_PER_HIP} / {SQUAT_CLOSED_PER_HIP}; closed bend with the lift "
          f"closed too: {a2:+.4f} / {b2:+.4f} m, {ok2}/{len(fitrows)}; that over H: {a3:.5f} / "
          f"{b3:.5f}, {ok3}/{len(fitrows)})")
    for name, rows in sets.items():
        kd = np.array([r["knee_drop_m"] for r in rows], float)
        cl = np.array([r["closed"] for r in rows])
        h = np.array([r["hip_m"] for r in rows], float)
        h3 = np.array([err3_hip(r) for r in rows])
        print(f"  {name}")
        print(f"    shipped knee drop        {line(rows, classify(kd, SEMI_DROP_M, SQUAT_DROP_M))}")
        print(f"    closed bend (no H)       {line(rows, classify(cl, a, b))}")
        cc = np.array([r["closed_cl"] for r in rows])
        print(f"    closed bend, closed lift {line(rows, classify(cc, a2, b2))}")
        print("    closed / true H          "
              + line(rows, classify(cl / h, SEMI_CLOSED_PER_HIP, SQUAT_CLOSED_PER_HIP)))
        print("    closed / H, 3 % error    "
              + line(rows, classify(cl / h3, SEMI_CLOSED_PER_HIP, SQUAT_CLOSED_PER_HIP)))
        print(f"    closed lift / true H     {line(rows, classify(cc / h, a3, b3))}")
        print(f"    closed lift / H, 3 %     {line(rows, classify(cc / h3, a3, b3))}")


def _pct(x: np.ndarray) -> str:
    return (f"{100 * np.median(x):+.1f} [{100 * np.percentile(x, 5):+.1f}, "
            f"{100 * np.percentile(x, 95):+.1f}]")


def section2(fitrows: list[dict[str, Any]], sets: dict[str, list[dict[str, Any]]]) -> None:
    from kyphos.metrics.style import SEMI_DROP_M, SQUAT_DROP_M

    a, b, _ = fit(fitrows, np.array([r["closed"] for r in fitrows]))
    print("\n2. Knee drop less the truth hip drop, cm, median [5th, 95th pct], by truth style "
          "(shipped | closed | closed bend and closed lift)")
    for name, rows in {"fit: sim 100-139": fitrows, **sets}.items():
        y = np.array([r["style"] for r in rows])
        hd = np.array([r["hip_drop_m"] for r in rows], float)
        kd = np.array([r["knee_drop_m"] for r in rows], float) - hd
        cl = np.array([r["closed"] for r in rows]) - hd
        c2 = np.array([r["closed_cl"] for r in rows]) - hd
        print(f"  {name}: " + "; ".join(f"{st} {_pct(kd[y == st])} | {_pct(cl[y == st])} | "
                                        f"{_pct(c2[y == st])}" for st in STYLES))
    for name, rows in sets.items():
        if rows[0]["family"] != "sim":
            continue
        print(f"  {name}: lifts the two rules name differently (knee angle from the scenario)")
        knees = _sim_knees(rows)
        won = lost = 0
        for r in sorted(rows, key=lambda r: (STYLES.index(r["style"]), r["hip_drop_m"])):
            c1 = classify(np.array([r["closed"]]), a, b)[0]
            c0 = classify(np.array([r["knee_drop_m"]]), SEMI_DROP_M, SQUAT_DROP_M)[0]
            if c1 == c0:
                continue
            won += c1 == r["style"]
            lost += c0 == r["style"]
            print(f"    seed {r['seed']:3d} {r['fs']:3g} Hz {r['style']:>10s} knee "
                  f"{knees[id(r)]:5.1f} deg, peak tilt {np.degrees(r['tau']):4.1f} deg, hip drop "
                  f"{r['hip_drop_m']:.3f}: closed {r['closed']:+.3f} -> {c1}, shipped "
                  f"{r['knee_drop_m']:+.3f} -> {c0}")
        print(f"    closed against shipped: {won} won, {lost} lost")


def _sim_knees(rows: list[dict[str, Any]]) -> dict[int, float]:
    """The scenario's knee angle (deg) of each cached simulator lift, matched by hip drop."""
    from kyphos.sim.scenario import random_lift_session
    from style_study import _sim_hip_drops

    out: dict[int, float] = {}
    memo: dict[tuple[int, float], list[tuple[float, float]]] = {}
    for r in rows:
        key = (r["seed"], r["fs"])
        if key not in memo:
            segs = [g for g in random_lift_session(r["seed"], fs=r["fs"])["segments"]
                    if g["kind"] == "lift"]
            memo[key] = list(zip(_sim_hip_drops(*key), [float(g["knee_deg"]) for g in segs],
                                 strict=True))
        out[id(r)] = min(memo[key], key=lambda hk: abs(hk[0] - r["hip_drop_m"]))[1]
    return out


def section3(fitrows: list[dict[str, Any]], sets: dict[str, list[dict[str, Any]]]) -> None:
    """The simulator's own lever, and the exact hip drop with noise."""
    from kyphos.metrics.style import trunk_drop
    from kyphos.sim.body import Anthropometry

    b = Anthropometry()
    print(f"\n3. The simulator's body: hip->T12 {b.lower_trunk_m} m, T12->sensor "
          f"{b.upper_trunk_m} m, sensor {b.back_depth_m} m behind the spine")
    sims = {"fit: sim 100-139": fitrows, **{k: v for k, v in sets.items()
                                             if v[0]["family"] == "sim"}}
    for name, rows in sims.items():
        lv = np.array([r["lever"] for r in rows if r["lever"] is not None])
        print(f"  {name}: closed lever r {np.percentile(lv[:, 0], 5):.3f}-"
              f"{np.percentile(lv[:, 0], 95):.3f} m (median {np.median(lv[:, 0]):.3f}), d "
              f"{np.percentile(lv[:, 1], 5):.3f}-{np.percentile(lv[:, 1], 95):.3f} m (median "
              f"{np.median(lv[:, 1]):.3f}); lifts without a lever "
              f"{sum(r['lever'] is None for r in rows)}")
    # one rigid lever for every session: the closed lever's median on the fit set (fit data)
    med = tuple(np.median(np.array([r["lever"] for r in fitrows if r["lever"] is not None]),
                          axis=0))
    print(f"  the closed drop with one lever for everyone (the fit set's median r {med[0]:.3f}, "
          f"d {med[1]:.3f} m), edges refitted on sim 100-139:")
    x0 = np.array([r["drop"] - trunk_drop(r["tau"], med) for r in fitrows])
    a, bb, ok = fit(fitrows, x0)
    print(f"    edges {a:+.4f} / {bb:+.4f}, fit {ok}/{len(fitrows)}")
    for name, rows in sets.items():
        x = np.array([r["drop"] - trunk_drop(r["tau"], med) for r in rows])
        print(f"    {name}: {line(rows, classify(x, a, bb))}")
    st0 = [r["style"] for r in fitrows]
    hd0 = np.array([r["hip_drop_m"] for r in fitrows])
    ta, tb, tok = fit_edges(st0, hd0)
    print(f"  the exact hip drop (edges {ta:+.4f} / {tb:+.4f} fitted on sim 100-139's truth, "
          f"{tok}/{len(st0)}):")
    for name, rows in sets.items():
        hd = np.array([r["hip_drop_m"] for r in rows])
        print(f"    {name}: {line(rows, classify(hd, ta, tb))}")
    print("  the exact hip drop plus a Gaussian error of sigma (edges refitted on the noisy fit "
          "set; mean and range over 50 draws, seeded):")
    rng = np.random.default_rng(0xC105ED)
    for sig in (0.005, 0.01, 0.015, 0.02):
        res: dict[str, list[int]] = {k: [] for k in sets}
        for _ in range(50):  # draws
            a, bb, _ = fit_edges(st0, hd0 + sig * rng.standard_normal(len(hd0)))
            for name, rows in sets.items():
                hd = np.array([r["hip_drop_m"] for r in rows])
                res[name].append(accuracy([r["style"] for r in rows],
                                          hd + sig * rng.standard_normal(len(hd)), a, bb))
        print(f"    sigma {100 * sig:.1f} cm: " + "; ".join(
            f"{k} {np.mean(v):.1f} ({min(v)}-{max(v)}) of {len(sets[k])}" for k, v in res.items()))


def section4(fitrows: list[dict[str, Any]], sets: dict[str, list[dict[str, Any]]]) -> None:
    print("\n4. Blend w*closed + (1-w)*shipped, edges fitted on sim 100-139 for each w")
    for w in np.round(np.arange(0.0, 1.0001, 0.1), 2):
        def feat(rows: list[dict[str, Any]], w: float = w) -> np.ndarray:
            return np.array([w * r["closed"] + (1 - w) * r["knee_drop_m"] for r in rows])
        a, b, ok = fit(fitrows, feat(fitrows))
        cells = []
        for name, rows in sets.items():
            hit = classify(feat(rows), a, b) == np.array([r["style"] for r in rows])
            cells.append(f"{name} {hit.sum()} ({hit.mean():.3f})")
        print(f"  w {w:.1f}: edges {a:+.4f} / {b:+.4f}, fit {ok}/{len(fitrows)}; "
              + "; ".join(cells))


def section5(fitrows: list[dict[str, Any]], sets: dict[str, list[dict[str, Any]]]) -> None:
    """The closed drop less c·sin τ: the form of the shipped drop's style-dependent bias (it
    leaves out the sensor's depth d behind the spine, ``trunk_drop``'s ``−d·sin τ``), so a
    more flexed trunk reads shallower; squats are lifted with a more upright trunk in both
    families (the trunk half of the Stoop-Squat-Index). c is chosen on sim 100-139 alone (the
    largest fit count; ties to the smallest c), fixed before any reported set is read."""
    print("\n5. closed - c*sin(peak tilt), edges fitted on sim 100-139 for each c")
    best = (-1, 0.0)
    for c in np.round(np.arange(0.0, 0.1001, 0.01), 3):
        def feat(rows: list[dict[str, Any]], c: float = c) -> np.ndarray:
            return np.array([r["closed"] - c * np.sin(r["tau"]) for r in rows])
        a, b, ok = fit(fitrows, feat(fitrows))
        best = max(best, (ok, -c))
        cells = []
        for name, rows in sets.items():
            hit = classify(feat(rows), a, b) == np.array([r["style"] for r in rows])
            cells.append(f"{name} {hit.sum()} ({hit.mean():.3f})")
        print(f"  c {c:.2f} m: edges {a:+.4f} / {b:+.4f}, fit {ok}/{len(fitrows)}; "
              + "; ".join(cells))
    print(f"  chosen on the fit set: c {-best[1]:.2f} m ({best[0]}/{len(fitrows)})")


def sim_truth(rows: list[dict[str, Any]]) -> None:
    """Per simulator lift, in place, from the scenario's exact body path (``kyphos.sim.body.pose``
    over the scripted lift's onset − 0.5 s … offset + 0.5 s; no sensor model): ``true_drop``, the
    sensor's largest drop below its height at the window's start, m, and ``true_tau``, the
    peak tilt, rad. Lifts matched to the scenario's by the truth hip drop (as ``_sim_knees``)."""
    from kyphos.sim.body import pose
    from kyphos.sim.scenario import Simulator, random_lift_session
    from style_study import _sim_hip_drops

    memo: dict[tuple[int, float], list[tuple[float, float, float]]] = {}
    for r in rows:  # per lift
        key = (r["seed"], r["fs"])
        if key not in memo:
            built = Simulator(random_lift_session(r["seed"], fs=r["fs"]), seed=r["seed"]).built
            got = []
            for hd, lt in zip(_sim_hip_drops(*key), built.lifts, strict=True):
                t = np.arange(lt.onset - 0.5, lt.offset + 0.5, 1.0 / r["fs"])
                p = pose(built.timeline, t)
                got.append((hd, float(p.position[0, 2] - p.position[:, 2].min()),
                            float(_tilt(p.flexion, p.lateral).max())))
            memo[key] = got
        hd, r["true_drop"], r["true_tau"] = min(memo[key], key=lambda g: abs(g[0] - r["hip_drop_m"]))


def section6(fitrows: list[dict[str, Any]], sets: dict[str, list[dict[str, Any]]]) -> None:
    """Where each knee drop's error comes from on the simulator: knee drop − truth hip drop =
    (the sensor's drop as integrated − its true drop) − (the trunk term − the true trunk share
    of the drop, true drop − hip drop)."""
    from kyphos.metrics.style import LINK_M, trunk_drop

    sims = {"fit: sim 100-139": fitrows, **{k: v for k, v in sets.items()
                                             if v[0]["family"] == "sim"}}
    print("\n6. The simulator's knee-drop error taken apart, cm, median [5th, 95th pct] by truth "
          "style: integration (drop read - true sensor drop) and trunk term (its estimate - the "
          "true trunk share); error = integration - trunk term")
    for name, rows in sims.items():
        sim_truth(rows)
        y = np.array([r["style"] for r in rows])
        hd = np.array([r["hip_drop_m"] for r in rows])
        td = np.array([r["true_drop"] for r in rows])
        share = td - hd
        tau = np.array([r["tau"] for r in rows])
        ttau = np.array([r["true_tau"] for r in rows])
        sd = np.array([r["sensor_drop_m"] for r in rows], float)
        tp = np.radians(np.array([r["peak_tilt_deg"] for r in rows], float))
        parts = {
            "closed: integration (speed bounds +-0.5 s)": np.array([r["drop"] for r in rows]) - td,
            "closed: trunk term (closed lever, tilt read)": np.array(
                [LINK_M * (1 - np.cos(r["tau"])) if r["lever"] is None
                 else trunk_drop(r["tau"], r["lever"]) for r in rows]) - share,
            "closed: trunk term with the true tilt": np.array(
                [LINK_M * (1 - np.cos(r["true_tau"])) if r["lever"] is None
                 else trunk_drop(r["true_tau"], r["lever"]) for r in rows]) - share,
            "closed lift: integration (same window)": np.array([r["drop_cl"] for r in rows]) - td,
            "shipped: integration (lift +-0.3 s)": sd - td,
            "shipped: trunk term (0.44 m, tilt read)": LINK_M * (1 - np.cos(tp)) - share,
            "peak tilt read - true, deg": np.degrees(tau - ttau) / 100.0,
        }
        print(f"  {name}")
        for what, x in parts.items():
            print(f"    {what:46s} " + "; ".join(f"{st} {_pct(x[y == st])}" for st in STYLES))
    # each error source alone: the knee drop with one part made exact, edges refitted on the
    # fit set's version of the same feature
    print("  the closed knee drop with one part made exact (edges refitted on sim 100-139):")
    variants = {
        "as read": lambda r: r["closed"],
        "the lift closed too": lambda r: r["closed_cl"],
        "exact sensor drop": lambda r: r["true_drop"] - (
            LINK_M * (1 - np.cos(r["tau"])) if r["lever"] is None
            else trunk_drop(r["tau"], r["lever"])),
        "exact trunk share": lambda r: r["drop"] - (r["true_drop"] - r["hip_drop_m"]),
        "exact sensor drop and tilt, closed lever": lambda r: r["true_drop"] - (
            LINK_M * (1 - np.cos(r["true_tau"])) if r["lever"] is None
            else trunk_drop(r["true_tau"], r["lever"])),
    }
    for what, fn in variants.items():
        x0 = np.array([fn(r) for r in fitrows])
        a, b, ok = fit(fitrows, x0)
        cells = [f"{k} {line(v, classify(np.array([fn(r) for r in v]), a, b)).split(' (')[0]}"
                 for k, v in sims.items() if not k.startswith("fit")]
        print(f"    {what:42s} edges {a:+.4f} / {b:+.4f} (fit {ok}/{len(fitrows)}): "
              + "; ".join(cells))


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", default="/tmp/closed/cache")
    ap.add_argument("--sets", default="sim:0-29:52,104,208;validation:11000-11029:52,104,208",
                    help="family:seeds:rates;... (reported, never fitted)")
    ap.add_argument("--sections", default="123456")
    args = ap.parse_args(argv[1:])
    where = Path(args.cache)
    fitrows = load(where, *FIT)
    sets = {}
    for spec in args.sets.split(";"):
        fam, seeds, rates = spec.split(":")
        sets[f"{fam} {seeds} @{rates}"] = load(where, fam, seeds, rates)
    add_features(fitrows)
    for rows in sets.values():
        add_features(rows)
    for k, f in (("1", section1), ("2", section2), ("3", section3), ("4", section4),
                 ("5", section5), ("6", section6)):
        if k in args.sections:
            f(fitrows, sets)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
