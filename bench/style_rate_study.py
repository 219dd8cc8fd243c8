"""Does the sampling rate move the closed-bend knee drop (the style feature)?

Each seed is simulated at every rate of ``--rates`` (the same wearer and lifts: both generators
draw the motion from the seed alone), analysed as ``bench/fit_thresholds.py`` does (the
guided-calibration note, the body's true hip height, ``style_drop="closed"``), and every
detected lift matched to its truth lift (``validate_analysis.match``). For each truth lift
found at every rate the script prints the feature at each rate against the middle rate
(104 Hz): mean (bias), SD and 95th |difference| of

- ``closed_m``: the closed-bend knee drop in metres (the no-hip-height rule's feature), and
  ``deep_m``: the same + ``HIP_SHIFT_WEIGHT`` · hip shift (what its squat edge reads);
- ``closed_h``: the closed-bend knee drop over the true hip height (the hip-height rule's);

(``--lead``: the orientation's lead over the accelerometer rows the closed-bend features take
out, ``style.ORIENTATION_LEAD_SAMPLES``; 0 before STYLE7) and per rate the style accuracy with the shipped edges: no hip height, the true hip height and
``--hip-height err3`` (the hip height with validate_analysis' 3 % per-wearer error: the per-hip
feature scales by H / H_err3, the closed-bend drop itself does not depend on the hip height).
Rows are cached in ``--cache`` (JSON, one key per family/seed/rate/stature), so a re-run only
prints. The sim family's wearers get the fit's stratified statures (salt 0, the first of the
fit's pool of 4; ``fit_thresholds.stature_z``).

    PYTHONPATH=$PWD/host nice -n 5 python bench/style_rate_study.py --family sim \
        --seeds 100-139 --cache /tmp/style_rate.json
    PYTHONPATH=$PWD/host nice -n 5 python bench/style_rate_study.py --family validation \
        --seeds 28000-28029 --cache /tmp/style_rate.json

Measured (REVIEW, nineteenth session): STYLE7's offline change (``--lead 0 --edges
0.03225,0.22277,0.03555,0.22801,0.050``, the code before its merge b9f086f, against the
shipped lead and edges) on 19000-24029 (6 sets x 3 rates, 6542 matched lifts): no hip height
6395 -> 6411 right (19 sessions better, 3 worse), err3 6357 -> 6379 (24 better, 4 worse);
no hip @52 / @104 / @208 2120 -> 2130, 2138 -> 2141, 2137 -> 2140. The replay agrees with
validate_analysis at b9f086f and after on 19000-19009 @104 (no hip 118 -> 118 of 120, err3
117 -> 118).

Validation seeds >= validate_analysis.HELD_OUT_FROM are refused.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fit_thresholds as F  # noqa: E402
import validate_analysis as V  # noqa: E402


def rows_of(case: Any) -> list[dict[str, Any]]:
    """One dict per matched truth lift of one case (``validate_analysis.family_case``)."""
    from kyphos.analysis import analyze

    hip = V.hip_height_input(case, "true")
    det = analyze(case.session, hip_height_m=hip, style_drop="closed").to_dict().get("lifts", [])
    found = [(float(d["start_s"]), float(d["end_s"])) for d in det]
    pairs = V.match([(t["start"], t["end"]) for t in case.lifts], found, half=False)
    err3 = V.hip_height_input(case, "err3")
    out = []
    for i, j in pairs:
        d = det[j]
        out.append({"i": i, "t0": round(float(case.lifts[i]["start"]), 3),
                    "truth": case.lifts[i]["style"], "style_true_h": d.get("style"),
                    "closed_m": d.get("knee_drop_closed_m"), "shift_m": d.get("hip_shift_m"),
                    "knee_m": d.get("knee_drop_m"), "hip": hip, "hip_err3": err3})
    return out


def styles(r: dict[str, Any], mode: str) -> str | None:
    """The style the shipped closed-bend rule names from the cached features (None: no closed
    window, the knee rule named it)."""
    from kyphos.metrics import style as L

    c, s = r["closed_m"], r["shift_m"] or 0.0
    if c is None:
        return None
    if mode == "none" or r["hip"] is None:
        return L.classify_style_closed_m(c, s)
    h = r["hip"] if mode == "true" else r["hip_err3"]
    return L.classify_style_per_hip(c / h, "closed", s / h)


def main(argv: list[str]) -> int:
    from kyphos.metrics import style as L

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--family", choices=("sim", "validation"), default="sim")
    ap.add_argument("--seeds", default="100-139")
    ap.add_argument("--rates", default="52,104,208")
    ap.add_argument("--cache", default=None)
    ap.add_argument("--dump", default=None, help="write the per-lift table (JSON) here")
    ap.add_argument("--lead", type=float, default=None,
                    help="style.ORIENTATION_LEAD_SAMPLES for the run (default: the shipped "
                         "value; 0: the orientation row paired with its accelerometer row, as "
                         "before STYLE7)")
    ap.add_argument("--also-leads", default="",
                    help="comma list: also analyse each generated session with these leads "
                         "(cached, not printed: a later --lead run prints them)")
    ap.add_argument("--edges", metavar="SEMI_M,SQUAT_M,SEMI_H,SQUAT_H,WEIGHT", default=None,
                    help="classify with these closed-bend edges (SEMI_CLOSED_M, "
                         "SQUAT_CLOSED_M, SEMI_CLOSED_PER_HIP, SQUAT_CLOSED_PER_HIP, "
                         "HIP_SHIFT_WEIGHT) instead of the shipped ones")
    args = ap.parse_args(argv[1:])
    if args.edges:
        (L.SEMI_CLOSED_M, L.SQUAT_CLOSED_M, L.SEMI_CLOSED_PER_HIP, L.SQUAT_CLOSED_PER_HIP,
         L.HIP_SHIFT_WEIGHT) = (float(x) for x in args.edges.split(","))
    seeds = V.parse_seeds(args.seeds)
    if args.family == "validation" and max(seeds) >= V.HELD_OUT_FROM:
        raise SystemExit(f"validation seeds >= {V.HELD_OUT_FROM} are held out")
    rates = [float(r) for r in args.rates.split(",")]
    if args.lead is not None:
        L.ORIENTATION_LEAD_SAMPLES = args.lead
    lead = L.ORIENTATION_LEAD_SAMPLES
    zs: dict[int, float] = {}
    if args.family == "sim":
        zs = F.stature_z(seeds, F.STATURE_SALT)
        F.draw_statures(F.STATURE_SD, zs)
    cache: dict[str, Any] = {}
    path = Path(args.cache) if args.cache else None
    if path and path.exists():
        cache = json.loads(path.read_text())
    table: dict[tuple[int, int], dict[float, dict[str, Any]]] = {}
    for s in seeds:
        for fs in rates:
            key = (f"{args.family}:{s}:{fs:g}" + (f":z{zs[s]:.6f}" if s in zs else "")
                   + (f":lead{lead:g}" if lead else ""))
            extra = [float(x) for x in args.also_leads.split(",") if x]
            keys = {lv: key.split(":lead")[0] + (f":lead{lv:g}" if lv else "")
                    for lv in [lead, *extra]}
            if any(k not in cache for k in keys.values()):
                case = V.family_case(args.family, s, fs, True)
                for lv, k in keys.items():
                    if k not in cache:
                        L.ORIENTATION_LEAD_SAMPLES = lv
                        cache[k] = rows_of(case)
                L.ORIENTATION_LEAD_SAMPLES = lead
                if path:
                    path.write_text(json.dumps(cache))
            for r in cache[key]:
                table.setdefault((s, r["i"]), {})[fs] = r
    full = {k: v for k, v in table.items() if len(v) == len(rates)}
    mid = rates[len(rates) // 2]

    def feat(r: dict[str, Any], name: str) -> float | None:
        c = r["closed_m"]
        if c is None:
            return None
        if name == "closed_m":
            return float(c)
        if name == "deep_m":
            return float(c + L.HIP_SHIFT_WEIGHT * (r["shift_m"] or 0.0))
        return None if r["hip"] is None else float(c / r["hip"])

    print(f"family {args.family}, seeds {seeds[0]}-{seeds[-1]}, rates {args.rates}, "
          f"orientation lead {lead:g} samples: "
          f"{len(full)} truth lifts found at every rate (of {len(table)})")
    for name in ("closed_m", "deep_m", "closed_h"):
        for fs in rates:
            if fs == mid:
                continue
            d = [feat(v[fs], name) - feat(v[mid], name)  # type: ignore[operator]
                 for v in full.values()
                 if feat(v[fs], name) is not None and feat(v[mid], name) is not None]
            if not d:
                continue
            a = np.asarray(d)
            se = a.std(ddof=1) / np.sqrt(len(a))
            print(f"  {name} @{fs:g} - @{mid:g}: n {len(a)}, mean {100 * a.mean():+.3f} cm "
                  f"(SE {100 * se:.3f}), SD {100 * a.std(ddof=1):.3f} cm, "
                  f"95th |d| {100 * np.percentile(np.abs(a), 95):.3f} cm")
        for st in ("stoop", "semi-squat", "squat"):
            per = []
            for fs in rates:
                x = [feat(v[fs], name) for v in full.values() if v[fs]["truth"] == st]
                x = [u for u in x if u is not None]
                per.append(f"@{fs:g} {100 * np.mean(x):.2f}" if x else "")
            print(f"    {name} {st} mean (cm): " + ", ".join(per))
    for mode in ("none", "true", "err3"):
        parts = []
        tot_ok = tot_n = 0
        for fs in rates:
            rs = [r for k in table.values() for f, r in k.items() if f == fs]
            named = [(r["truth"], styles(r, mode) or r["style_true_h"]) for r in rs]
            ok = sum(a == b for a, b in named)
            semi_sq = sum(a == "semi-squat" and b == "squat" for a, b in named)
            tot_ok += ok
            tot_n += len(named)
            parts.append(f"@{fs:g} {ok}/{len(named)} {ok / max(1, len(named)):.3f} "
                         f"(semi->squat {semi_sq})")
        print(f"  style, hip height {mode}: pooled {tot_ok / max(1, tot_n):.3f}; "
              + "; ".join(parts))
    if args.dump:
        Path(args.dump).write_text(json.dumps(
            [{"seed": s, "i": i, **{f"{fs:g}": v[fs] for fs in v}}
             for (s, i), v in sorted(table.items())]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
