"""Is a validation set's style score its draws or a rule? (issue 15, STYLE8, twentieth session)

The validation generator names a semi-squat by its drawn hip drop (0.10-0.22 m,
``sim/validation/script.py`` ``Builder.lift``) and lowers the sensor further than the
calibration bend's lever says by its coordination rule (bent-knee lifts take the hips' share
+ 0.1 of the tilt: ``style_est_study.share_term``). This script reads only the generator's
draws (person and script, no signals: ``style_study._val_script``) and, where a
``bench/style_rate_study.py`` cache holds the analysis' per-lift features, joins them.

``--part draws``: per set of 30 seeds, the semi-squats' draws (hip drop, trunk tilt, the
coordination term, lateral lean, twist, the hips' drawn backward shift) and the share of them
whose hip drop + coordination term lies within 2 cm of the no-hip squat edge.

``--part expect``: a per-lift model of the squat edge's reading
(``closed + HIP_SHIFT_WEIGHT * shift``) from the draws alone, least squares on the reference
sets' cached lifts (``--ref``), residual SD sigma; each target set's expected count of
semi-squats named squat is the sum of ``1 - Phi((edge - prediction) / sigma)`` over its
semi-squats and rates. The target sets are not in the fit (leave-one-set-out when a target is
also a reference). Printed with the observed count from the cache.

``--part misses``: every semi-squat named squat / stoop named semi-squat of ``--seeds``
(from the caches) with its draws and margin to the edge.

    PYTHONPATH=$PWD/host python bench/style_draws_study.py --part draws \\
        --sets 19000,20000,...,32000
    PYTHONPATH=$PWD/host python bench/style_draws_study.py --part expect \\
        --ref 19000,...,28000 --sets 19000,...,32000 --caches '/tmp/a/rate_v*.json'

Measured (STYLE8, twentieth session; caches of ``style_rate_study`` at the shipped lead 0.5 and
edges): the reading of 3706 semi-squat lift-rates of 19000-28029 is hip drop x 0.994
(SE 0.008) + coordination term x 0.999 (SE 0.114) + 0.069 x the hips' drawn shift - 0.089 cm
per degree of tilt - 0.070 x sensor depth + 4.1 cm, residual SD 1.63 cm; lean
-0.0007 cm/deg (SE 0.004) and twist +0.002 (SE 0.002) do not move it. 32000-32029: 29
semi-squats named squat of 357 lift-rates against 24.8 expected from its draws (model on the
10 sets above); observed - expected over those 10 sets, each left out, SD 6.3
(-5.6 .. +10.6).

Validation seeds >= validate_analysis.HELD_OUT_FROM are refused.
"""

from __future__ import annotations

import argparse
import glob
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import validate_analysis as V  # noqa: E402

#: the draw features of the expectation model (``--part expect``)
MODEL = ("hip_drop", "share_term", "hx_m", "lean", "twist", "trunk_deg", "depth", "level_frac")


def lift_draws(seed: int) -> list[dict[str, Any]]:
    """One dict per truth lift of ``seed``: the generator's draws for it (no signals)."""
    from kyphos.sim.validation.script import leg_hip
    from style_study import _val_script

    sc = _val_script(seed)
    p = sc.person
    z0, _ = leg_hip(p, np.array([0.0]))
    out = []
    for i, lf in enumerate(sc.lifts):
        th = math.radians(lf.trunk_deg)
        h = p.hip_share_stoop
        h2 = h if lf.style == "stoop" else min(0.95, h + 0.1)
        tt = np.linspace(lf.onset, lf.offset, 400)
        hx = float(np.min(sc.tracks["hx"].at(tt)))
        out.append({
            "seed": seed, "i": i, "style": lf.style, "hip_drop": lf.hip_drop_m,
            "knee_deg": lf.knee_deg, "trunk_deg": lf.trunk_deg,
            "twist": abs(lf.twist_deg), "lean": abs(lf.lateral_deg),
            "share_term": p.lumbar_m * (math.cos(h * th) - math.cos(h2 * th)),
            "hx_m": hx, "hip_share": h, "lumbar": p.lumbar_m, "thoracic": p.thoracic_m,
            "level_frac": p.level_frac, "depth": p.depth_m, "hip_height": float(z0[0]),
            "upright": lf.upright_squat,
        })
    return out


def load_caches(patterns: list[str]) -> dict[tuple[int, float], list[dict[str, Any]]]:
    """``style_rate_study`` rows by (seed, rate) with the shipped lead (key ``:lead0.5``)."""
    from kyphos.metrics import style as L

    tag = f":lead{L.ORIENTATION_LEAD_SAMPLES:g}"
    rows: dict[tuple[int, float], list[dict[str, Any]]] = {}
    for pat in patterns:
        for f in sorted(glob.glob(pat)):
            for k, v in json.loads(Path(f).read_text()).items():
                fam, s, fs, *rest = k.split(":")
                if fam != "validation" or [x for x in rest if x.startswith("lead")] != [tag[1:]]:
                    continue
                rows[(int(s), float(fs))] = v
    return rows


def reading(r: dict[str, Any]) -> float | None:
    from kyphos.metrics import style as L

    if r["closed_m"] is None:
        return None
    return float(r["closed_m"] + L.HIP_SHIFT_WEIGHT * (r["shift_m"] or 0.0))


def named(r: dict[str, Any]) -> str:
    from kyphos.metrics import style as L

    if r["closed_m"] is None:
        return str(r["style_true_h"])
    return L.classify_style_closed_m(r["closed_m"], r["shift_m"] or 0.0)


def joined(sets: list[int], cache: dict[tuple[int, float], list[dict[str, Any]]]
           ) -> list[dict[str, Any]]:
    """Per (truth lift, rate) in the caches: the draws + the analysis' features."""
    out = []
    for s0 in sets:
        for s in V.development_seeds(f"{s0}-{s0 + 29}"):
            d = lift_draws(s)
            for (seed, fs), rs in cache.items():
                if seed != s:
                    continue
                for r in rs:
                    x = dict(d[r["i"]])
                    assert x["style"] == r["truth"]
                    x.update(fs=fs, set=s0, reading=reading(r), closed=r["closed_m"],
                             shift=r["shift_m"], named=named(r))
                    out.append(x)
    return out


def part_draws(sets: list[int]) -> None:
    from kyphos.metrics import style as L

    print("set    n_semi  hip_drop mean  >=0.19 m  share_term mean (cm)  hip+share >= edge-2cm  "
          "lean>0  twist>0  hx mean (cm)  tilt mean")
    pooled: dict[int, list[dict[str, Any]]] = {}
    for s0 in sets:
        semi = [x for s in V.development_seeds(f"{s0}-{s0 + 29}") for x in lift_draws(s)
                if x["style"] == "semi-squat"]
        pooled[s0] = semi
        hd = np.array([x["hip_drop"] for x in semi])
        st = np.array([x["share_term"] for x in semi])
        near = np.sum(hd + st >= L.SQUAT_CLOSED_M - 0.02)
        print(f"{s0}  {len(semi):4d}    {100 * hd.mean():6.2f} cm    {np.mean(hd >= 0.19):.3f}"
              f"     {100 * st.mean():5.2f}                {near:3d} ({near / len(semi):.3f})"
              f"       {np.mean([x['lean'] > 0 for x in semi]):.2f}    "
              f"{np.mean([x['twist'] > 0 for x in semi]):.2f}    "
              f"{100 * np.mean([x['hx_m'] for x in semi]):6.2f}      "
              f"{np.mean([x['trunk_deg'] for x in semi]):.1f}")


def design(rows: list[dict[str, Any]]) -> np.ndarray:
    return np.array([[1.0, *(float(r[k]) for k in MODEL)] for r in rows])


def part_expect(ref: list[int], sets: list[int],
                cache: dict[tuple[int, float], list[dict[str, Any]]]) -> None:
    from kyphos.metrics import style as L
    from scipy.stats import norm

    allsets = sorted(set(ref) | set(sets))
    truth, key, edge, wrong = "semi-squat", "reading", L.SQUAT_CLOSED_M, "squat"
    rows = [r for r in joined(allsets, cache) if r["style"] == truth and r[key] is not None]
    print(f"model: {key} = b . [1, {', '.join(MODEL)}], per (lift, rate), {truth} only")
    print(f"set    n    observed {truth}->{wrong}  expected (model without this set)  sigma cm")
    tot_o = tot_e = 0.0
    gaps = []
    for s0 in sets:
        fit = [r for r in rows if r["set"] in ref and r["set"] != s0]
        tgt = [r for r in rows if r["set"] == s0]
        cached = bool(tgt)
        if not cached:  # no features cached: the draws alone, every lift found at 3 rates
            tgt = [x for s in V.development_seeds(f"{s0}-{s0 + 29}") for x in lift_draws(s)
                   if x["style"] == truth] * 3
        if not fit:
            continue
        a, y = design(fit), np.array([r[key] for r in fit])
        b, *_ = np.linalg.lstsq(a, y, rcond=None)
        sig = float(np.std(y - a @ b, ddof=a.shape[1]))
        pred = design(tgt) @ b
        exp = float(np.sum(norm.sf((edge - pred) / sig)))
        if cached:
            obs = sum(r["named"] == wrong for r in tgt)
            tot_o += obs
            tot_e += exp
            if s0 in ref:
                gaps.append(obs - exp)
        print(f"{s0}  {len(tgt):4d}  {obs if cached else '   -':>4}                  "
              f"{exp:6.1f}                              {100 * sig:.2f}")
    print(f"total observed {tot_o:.0f}, expected {tot_e:.1f} (sets with cached features)")
    if len(gaps) > 1:
        print(f"observed - expected over the reference sets (each left out): mean "
              f"{np.mean(gaps):+.1f}, SD {np.std(gaps, ddof=1):.1f}, range "
              f"{min(gaps):+.1f} .. {max(gaps):+.1f}")
    fit = [r for r in rows if r["set"] in ref]
    a, y = design(fit), np.array([r[key] for r in fit])
    b, *_ = np.linalg.lstsq(a, y, rcond=None)
    se = np.sqrt(np.diag(np.linalg.inv(a.T @ a))) * np.std(y - a @ b, ddof=a.shape[1])
    print("coefficients on all reference sets, cm of reading per unit (m, deg or 1) (SE):")
    for k, v, e in zip(("const", *MODEL), b, se, strict=True):
        print(f"  {k:11s} {100 * v:+.4f} ({100 * e:.4f})")


def part_misses(sets: list[int], cache: dict[tuple[int, float], list[dict[str, Any]]]) -> None:
    from kyphos.metrics import style as L

    rows = joined(sets, cache)
    for kind, truth, got in (("semi-squat named squat", "semi-squat", "squat"),
                             ("stoop named semi-squat", "stoop", "semi-squat")):
        sel = sorted([r for r in rows if r["style"] == truth and r["named"] == got],
                     key=lambda r: (r["seed"], r["i"], r["fs"]))
        print(f"{kind}: {len(sel)}")
        for r in sel:
            edge = (L.SQUAT_CLOSED_M - r["reading"] if got == "squat"
                    else L.SEMI_CLOSED_M - r["closed"]) if r["reading"] is not None else math.nan
            print(f"  {r['seed']} lift {r['i']:2d} @{r['fs']:g}: hip {100 * r['hip_drop']:5.1f} "
                  f"share {100 * r['share_term']:4.1f} tilt {r['trunk_deg']:4.1f} lean "
                  f"{r['lean']:4.1f} twist {r['twist']:4.1f} hx {100 * r['hx_m']:5.1f} | closed "
                  f"{100 * (r['closed'] or math.nan):5.1f} shift {100 * (r['shift'] or 0):5.1f} "
                  f"reading {100 * (r['reading'] or math.nan):5.1f} margin {100 * edge:+5.2f} cm "
                  f"| H {r['hip_height']:.3f} hs {r['hip_share']:.2f} lumbar {r['lumbar']:.2f} "
                  f"level {r['level_frac']:.2f} depth {100 * r['depth']:.1f}")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=("draws", "expect", "misses"), required=True)
    ap.add_argument("--sets", default="32000", help="comma list of set starts (30 seeds each)")
    ap.add_argument("--ref", default="", help="--part expect: the reference sets")
    ap.add_argument("--caches", action="append", default=[],
                    help="glob of style_rate_study caches (repeatable)")
    args = ap.parse_args(argv[1:])
    sets = [int(x) for x in args.sets.split(",") if x]
    if max(sets) + 29 >= V.HELD_OUT_FROM:
        raise SystemExit(f"validation seeds >= {V.HELD_OUT_FROM} are held out")
    if args.part == "draws":
        part_draws(sets)
        return 0
    cache = load_caches(args.caches)
    if args.part == "expect":
        part_expect([int(x) for x in args.ref.split(",") if x], sets, cache)
    else:
        part_misses(sets, cache)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
