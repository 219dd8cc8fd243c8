"""Why does a hip height with 3 % error (``--hip-height err3``) name more semi-squats squat than
no hip height? (issue 15, STYLE9, twenty-first session)

With a hip height H the closed-bend rule names a lift squat when ``(closed + w · shift) / H >=
SQUAT_CLOSED_PER_HIP`` (``style.classify_style_per_hip``), i.e. when the reading ``closed + w ·
shift`` reaches ``SQUAT_CLOSED_PER_HIP · H`` metres; without one when it reaches
``SQUAT_CLOSED_M`` (``classify_style_closed_m``). ``validate_analysis --hip-height err3`` gives
``H · (1 + 0.03 z)``, z one normal draw per seed (``hip_height_input``). The closed-bend features
do not depend on the hip height, so every mode is re-classified from one
``bench/style_rate_study.py`` cache (the analysis with the true hip height; its rows hold the
true and the err3 hip height).

``--part sets``: per set of 30 seeds and rate, the lifts named right without a hip height,
with the true one and with err3, and semi-squat -> squat counts; pooled over the sets, and
how many sets each mode wins.

``--part flips``: every lift-rate of ``--sets`` named differently with err3 than without a hip
height: its truth, the three names, the reading, and the squat edge in cm of each mode (the
wearer's H and the seed's z), and a count of the flips by cause: the true H already flips it
(the per-hip definition), or only the err3 error does (the draw).

``--part expect``: STYLE8's draws model (``style_draws_study``: the squat reading of each
semi-squat lift-rate from the generator's draws, least squares on ``--ref`` sets, each target
set left out) with each mode's own edge per lift: the expected semi-squat -> squat count
without a hip height, with the true one, with this set's err3 draws, and with err3's error
integrated over z (``sf((edge - pred) / sqrt(sigma^2 + (0.03 edge)^2))``: what a typical draw
of the hip-height errors gives on this set's lifts), against the observed counts.

``--part mc``: how lucky is each set's err3 draw? Each seed's z redrawn ``--draws`` times
(numpy seed 0): the set's err3 right count per draw over 3 rates, its mean, SD and 5-95 %
range, where the harness' own draw falls (the share of redraws scoring fewer right), and the
mirrored draw (-z).

    PYTHONPATH=$PWD/host python bench/style_hiperr_study.py --part sets \\
        --caches '/tmp/a/rate_v*.json'
    PYTHONPATH=$PWD/host python bench/style_hiperr_study.py --part expect \\
        --ref 19000,...,30000 --sets 34000 --caches '/tmp/a/rate_v*.json'

``--label knee`` (parts sets, flips, mc): score against STYLEDEF's knee-angle definition (the
generator's drawn knee flexion: stoop < 32.5 deg, squat >= 77.5 deg; ``style_study.DEFINITIONS``)
instead of the family's own label (its hip-drop draws in metres).

Measured (STYLE9, twenty-first session; caches at the shipped lead and edges: 19000-27029,
29000, 30000, 32000 from earlier sessions' caches, 28000, 31000, 33000, 34000 made at 90ac4c9;
28000's old and new caches differ in 12 of 1089 lift-rates' features and in no name): over the
16 sets x 3 rates (17316 lift-rates), own label: none 0.9772, true H 0.9742, err3 0.9724
(err3 below none on 12 of 16 sets; its redraws' mean 16837.5 right, the harness draw 16838);
knee-angle label: none 0.9704, true 0.9777, err3 0.9754 (err3 above none on 12 of 16). 34000:
none 1047, true 1038, err3 1033 of 1076 (redraws 1035.0, SD 3.2); semi-squat -> squat
16 / 27 / 32 against 21.9 / 31.1 / 34.5 expected from its draws (model on 19000-28000).

Validation seeds >= validate_analysis.HELD_OUT_FROM are refused.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import style_draws_study as D  # noqa: E402
import validate_analysis as V  # noqa: E402

MODES = ("none", "true", "err3")
RATES = (52.0, 104.0, 208.0)


def hip_of(r: dict[str, Any], mode: str) -> float | None:
    """The hip height ``mode`` gives the analysis for a cached row."""
    return None if mode == "none" else (r["hip"] if mode == "true" else r["hip_err3"])


def squat_edge_m(r: dict[str, Any], mode: str) -> float:
    """The reading (closed + w · shift, m) at which ``mode`` names the lift squat."""
    from kyphos.metrics import style as L

    h = hip_of(r, mode)
    return L.SQUAT_CLOSED_M if h is None else L.SQUAT_CLOSED_PER_HIP * h


def name(r: dict[str, Any], mode: str) -> str:
    """The style the shipped closed-bend rule names from a cached row in ``mode``."""
    from kyphos.metrics import style as L

    c, s = r["closed_m"], r["shift_m"] or 0.0
    if c is None:
        return str(r["style_true_h"])
    h = hip_of(r, mode)
    if h is None:
        return L.classify_style_closed_m(c, s)
    return L.classify_style_per_hip(c / h, "closed", s / h)


def reading(r: dict[str, Any]) -> float:
    from kyphos.metrics import style as L

    return float(r["closed_m"] + L.HIP_SHIFT_WEIGHT * (r["shift_m"] or 0.0))


def set_of(seed: int) -> int:
    return 0 if seed < 1000 else seed // 1000 * 1000


def z_of(r: dict[str, Any]) -> float:
    return (r["hip_err3"] / r["hip"] - 1.0) / 0.03


def part_sets(cache: dict[tuple[int, float], list[dict[str, Any]]], sets: list[int]) -> None:
    print("set    mode   @52       @104      @208      pooled  semi->squat (52/104/208)")
    tot = {m: [0, 0] for m in MODES}
    per_rate = {m: {fs: [0, 0] for fs in RATES} for m in MODES}
    wins = {"err3>none": 0, "err3=none": 0, "err3<none": 0,
            "true>none": 0, "true=none": 0, "true<none": 0}
    for s0 in sets:
        ok_set = {}
        for m in MODES:
            parts, ss, ok, n = [], [], 0, 0
            for fs in RATES:
                rs = [r for (s, f), v in cache.items() if f == fs and set_of(s) == s0 for r in v]
                o = sum(r["truth"] == name(r, m) for r in rs)
                parts.append(f"{o}/{len(rs)}")
                ss.append(sum(r["truth"] == "semi-squat" and name(r, m) == "squat" for r in rs))
                ok += o
                n += len(rs)
                per_rate[m][fs][0] += o
                per_rate[m][fs][1] += len(rs)
            tot[m][0] += ok
            tot[m][1] += n
            ok_set[m] = ok
            print(f"{s0}  {m:5s}  {'  '.join(f'{p:8s}' for p in parts)}  {ok / max(1, n):.3f}   "
                  + "/".join(str(x) for x in ss))
        for m in ("err3", "true"):
            d = ok_set[m] - ok_set["none"]
            wins[f"{m}{'>' if d > 0 else '=' if d == 0 else '<'}none"] += 1
    for m in MODES:
        o, n = tot[m]
        print(f"pooled {m:5s} {o}/{n} {o / max(1, n):.4f}; "
              + ", ".join(f"@{fs:g} {a}/{b} {a / max(1, b):.4f}"
                          for fs, (a, b) in per_rate[m].items()))
    print("sets: " + ", ".join(f"{k} {v}" for k, v in wins.items()))


def part_flips(cache: dict[tuple[int, float], list[dict[str, Any]]], sets: list[int]) -> None:
    rows = sorted(((s, fs, r) for (s, fs), v in cache.items() if set_of(s) in sets for r in v),
                  key=lambda x: (x[0], x[2]["i"], x[1]))
    cause: dict[str, int] = {}
    print("seed  lift rate truth       none        true        err3        reading  edges cm "
          "(none/true/err3)  H     z")
    for s, fs, r in rows:
        n = {m: name(r, m) for m in MODES}
        if n["none"] == n["err3"]:
            continue
        good = n["err3"] == r["truth"]
        why = ("definition" if n["true"] == n["err3"] else "draw")
        key = f"err3 {'right' if good else 'wrong'}, {why}"
        cause[key] = cause.get(key, 0) + 1
        rd = reading(r) if r["closed_m"] is not None else math.nan
        print(f"{s} {r['i']:3d} @{fs:<4g} {r['truth']:11s} {n['none']:11s} {n['true']:11s} "
              f"{n['err3']:11s} {100 * rd:6.2f}   "
              + "/".join(f"{100 * squat_edge_m(r, m):.2f}" for m in MODES)
              + f"  {r['hip']:.3f} {z_of(r):+.2f}")
    print("flips (err3 vs none) by cause ('definition': the true H names it as err3 does; "
          "'draw': only the 3 % error does): "
          + ", ".join(f"{k} {v}" for k, v in sorted(cause.items())))
    seeds = sorted({s for s, _, _ in rows})
    print("per seed: H, z, err3 H, semi-squats named squat none/true/err3 (3 rates)")
    for s in seeds:
        rs = [r for (x, _), v in cache.items() if x == s for r in v]
        if not rs:
            continue
        c = {m: sum(r["truth"] == "semi-squat" and name(r, m) == "squat" for r in rs)
             for m in MODES}
        if c["none"] == c["true"] == c["err3"] == 0:
            continue
        print(f"  {s}  H {rs[0]['hip']:.3f}  z {z_of(rs[0]):+.2f}  err3 H {rs[0]['hip_err3']:.3f}"
              f"  edge cm {100 * squat_edge_m(rs[0], 'none'):.2f}/"
              f"{100 * squat_edge_m(rs[0], 'true'):.2f}/{100 * squat_edge_m(rs[0], 'err3'):.2f}"
              f"  semi->squat {c['none']}/{c['true']}/{c['err3']}")


def part_expect(ref: list[int], sets: list[int],
                cache: dict[tuple[int, float], list[dict[str, Any]]]) -> None:
    from scipy.stats import norm

    allsets = sorted(set(ref) | set(sets))
    joined = D.joined(allsets, cache)
    rows = [x for x in joined if x["style"] == "semi-squat" and x["reading"] is not None]
    # the cached row of each joined lift-rate (for its hip heights)
    idx = {(s, r["i"], fs): r for (s, fs), v in cache.items() for r in v}
    print("semi-squat -> squat, observed (expected from the draws model, this set left out)")
    print("set    n    none         true         err3         err3 z integrated   sigma cm")
    tot: dict[str, list[float]] = {}
    for s0 in sets:
        fit = [x for x in rows if x["set"] in ref and x["set"] != s0]
        tgt = [x for x in rows if x["set"] == s0]
        if not fit or not tgt:
            continue
        a, y = D.design(fit), np.array([x["reading"] for x in fit])
        b, *_ = np.linalg.lstsq(a, y, rcond=None)
        sig = float(np.std(y - a @ b, ddof=a.shape[1]))
        pred = D.design(tgt) @ b
        cells = []
        for m in (*MODES, "err3int"):
            edges, obs = [], 0
            for x in tgt:
                r = idx[(x["seed"], x["i"], x["fs"])]
                edges.append(squat_edge_m(r, "true" if m == "err3int" else m))
                obs += name(r, "err3" if m == "err3int" else m) == "squat"
            e = np.asarray(edges)
            sd = np.sqrt(sig ** 2 + (0.03 * e) ** 2) if m == "err3int" else sig
            exp = float(np.sum(norm.sf((e - pred) / sd)))
            tot.setdefault(m, [0.0, 0.0])
            tot[m][0] += obs
            tot[m][1] += exp
            cells.append(f"{obs:3d} ({exp:5.1f})")
        print(f"{s0}  {len(tgt):4d}  " + "  ".join(cells) + f"        {100 * sig:.2f}")
    print("total  " + "  ".join(f"{m} {o:.0f} ({e:.1f})" for m, (o, e) in tot.items()))


def part_mc(cache: dict[tuple[int, float], list[dict[str, Any]]], sets: list[int],
            draws: int) -> None:
    from kyphos.metrics import style as L

    rng = np.random.default_rng(0)
    print(f"err3 redrawn {draws} times per seed (right of n over 3 rates)")
    print("set    n     none  true  err3 (harness)  err3 mirrored  redraws mean  SD   5-95 %"
          "     share below harness")
    tot = np.zeros(draws)
    tot_obs = {m: 0 for m in ("none", "true", "err3", "mirror")}
    for s0 in sets:
        rows = [(s, r) for (s, _), v in cache.items() if set_of(s) == s0 for r in v]
        seeds = sorted({s for s, _ in rows})
        zs = {s: rng.standard_normal(draws) for s in seeds}
        right = np.zeros(draws)
        obs = {m: 0 for m in tot_obs}
        for s, r in rows:
            obs["none"] += name(r, "none") == r["truth"]
            obs["true"] += name(r, "true") == r["truth"]
            obs["err3"] += name(r, "err3") == r["truth"]
            c, sh, h = r["closed_m"], r["shift_m"] or 0.0, r["hip"]
            if c is None:
                ok = float(r["style_true_h"] == r["truth"])
                right += ok
                obs["mirror"] += int(ok)
                continue
            zm = -z_of(r)
            hm = h * (1 + 0.03 * zm)
            obs["mirror"] += L.classify_style_per_hip(c / hm, "closed", sh / hm) == r["truth"]
            hh = h * (1 + 0.03 * zs[s])
            rd = (c + L.HIP_SHIFT_WEIGHT * sh) / hh
            nm = np.where(rd >= L.SQUAT_CLOSED_PER_HIP, "squat",
                          np.where(c / hh >= L.SEMI_CLOSED_PER_HIP, "semi-squat", "stoop"))
            right += nm == r["truth"]
        for m in tot_obs:
            tot_obs[m] += obs[m]
        tot += right
        n = len(rows)
        print(f"{s0}  {n:4d}  {obs['none']:4d}  {obs['true']:4d}  {obs['err3']:4d}"
              f"            {obs['mirror']:4d}           {right.mean():7.1f}  {right.std():4.1f}  "
              f"{np.percentile(right, 5):.0f}-{np.percentile(right, 95):.0f}"
              f"     {np.mean(right < obs['err3']):.2f}")
    print("all    " + "  ".join(f"{m} {v}" for m, v in tot_obs.items())
          + f"  redraws mean {tot.mean():.1f} SD {tot.std():.1f}")


def relabel_knee(cache: dict[tuple[int, float], list[dict[str, Any]]]
                 ) -> dict[tuple[int, float], list[dict[str, Any]]]:
    """The cache with each row's truth the knee-angle definition's style of its lift."""
    from style_study import DEFINITIONS, _defined

    draws: dict[int, list[dict[str, Any]]] = {}
    out = {}
    for (s, fs), v in cache.items():
        if s not in draws:
            draws[s] = D.lift_draws(s)
        out[(s, fs)] = [dict(r, truth=_defined(*DEFINITIONS["knee"], draws[s][r["i"]]))
                        for r in v]
    return out


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=("sets", "flips", "expect", "mc"), required=True)
    ap.add_argument("--sets", default="", help="comma list of set starts (default: all cached)")
    ap.add_argument("--ref", default="", help="--part expect: the reference sets")
    ap.add_argument("--caches", action="append", default=[],
                    help="glob of style_rate_study caches (repeatable; later files win)")
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--label", choices=("own", "knee"), default="own")
    args = ap.parse_args(argv[1:])
    cache = D.load_caches(args.caches)
    sets = ([int(x) for x in args.sets.split(",") if x] if args.sets
            else sorted({set_of(s) for s, _ in cache}))
    if any(s + 29 >= V.HELD_OUT_FROM for s in sets) or any(
            s >= V.HELD_OUT_FROM for s, _ in cache):
        raise SystemExit(f"validation seeds >= {V.HELD_OUT_FROM} are held out")
    if args.label == "knee":
        if args.part == "expect":
            raise SystemExit("--label knee: parts sets, flips and mc only")
        cache = relabel_knee(cache)
    if args.part == "sets":
        part_sets(cache, sets)
    elif args.part == "flips":
        part_flips(cache, sets)
    elif args.part == "expect":
        part_expect([int(x) for x in args.ref.split(",") if x], sets, cache)
    else:
        part_mc(cache, sets, args.draws)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
