#!/usr/bin/env python3
"""Compare: the slip's turn about body z with the gait heading deciding among the held-bend
groups (shipped, TURNLIE) against the held bends alone (``_turn_by_held_bends`` without the
motion, the rule before it), on validation or simday sessions, in one process per session.

    PYTHONPATH=$PWD/host .venv/bin/python bench/turn_gait_compare.py --seeds 14000-14029 --rates 104
    PYTHONPATH=$PWD/host .venv/bin/python bench/turn_gait_compare.py --family simday \
        --seeds 100-119 --rates cycle

Each session is scored (``validate_analysis.score``) as shipped; where the turn the gait chose
differs from the held bends' own, it is scored again without the motion. Printed: the sessions
that change (flexion all / lying / after the slip, old -> new) and the pooled flexion of both,
and the largest after-slip RMSE. Refuses held-out seeds (validate_analysis.HELD_OUT_FROM and on).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from validate_analysis import development_seeds, run_jobs  # noqa: E402


def _lie(r: dict[str, Any]) -> float:
    sq, n = r["flex_sq_n"]
    squ, nu = r["flex_up_sq_n"]
    return float(np.sqrt((sq - squ) / max(n - nu, 1)))


def one(job: tuple[str, int, float]) -> dict[str, Any]:
    from kyphos.processing import clipslip as cs
    from validate_analysis import family_case, score

    family, seed, fs = job
    case = family_case(family, seed, fs)
    orig = cs._turn_by_held_bends
    turns: dict[str, list[np.ndarray]] = {}

    def spy(out: list[Any], probes: list[Any], m0: np.ndarray, *rest: Any) -> list[Any]:
        new = orig(out, probes, m0, *rest)
        old = orig(out, probes, m0)
        turns["new"] = [rr.sensor_from_body for rr in new]
        turns["old"] = [rr.sensor_from_body for rr in old]
        return new

    cs._turn_by_held_bends = spy  # type: ignore[assignment]
    try:
        r_new = score(case)
    finally:
        cs._turn_by_held_bends = orig  # type: ignore[assignment]
    same = all(np.allclose(a, b, atol=0, rtol=0) for a, b in
               zip(turns.get("new", []), turns.get("old", []), strict=True))
    if same:
        r_old = r_new
    else:
        def old(out: list[Any], probes: list[Any], m0: np.ndarray, *rest: Any) -> list[Any]:
            return orig(out, probes, m0)

        cs._turn_by_held_bends = old  # type: ignore[assignment]
        try:
            r_old = score(case)
        finally:
            cs._turn_by_held_bends = orig  # type: ignore[assignment]
    res: dict[str, Any] = {"seed": seed, "fs": fs, "changed": not same}
    # everything else validate_analysis scores: lifts, their times and styles, false
    # positives, slouch, activity, steps, re-references (a turn about body z moves flexion
    # and lateral bend only)
    keys = ("n_found", "tp", "start_err", "end_err", "style", "fp", "activity", "steps",
            "re_ref", "slouch_deg", "slouch_missed_deg")
    res["others_same"] = all(repr(r_old.get(k)) == repr(r_new.get(k)) for k in keys)
    for k, r in (("old", r_old), ("new", r_new)):
        res[k] = {"flex": r["flex_rmse"], "sq_n": r["flex_sq_n"], "lie": _lie(r),
                  "after": [a[1] for a in r["after_slip"]]}
    return res


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--family", default="validation")
    ap.add_argument("--seeds", default="14025")
    ap.add_argument("--rates", default="104")
    ap.add_argument("--jobs", type=int, default=1)
    args = ap.parse_args(argv)
    seeds = development_seeds(args.seeds, args.family)
    if args.rates == "cycle":  # as fit_thresholds.py: seed s at (52, 104, 208)[s % 3] Hz
        jobs = [(args.family, s, (52.0, 104.0, 208.0)[s % 3]) for s in seeds]
    else:
        jobs = [(args.family, s, float(fs)) for s in seeds for fs in args.rates.split(",")]
    rows = run_jobs(one, jobs, args.jobs)
    for k in ("old", "new"):
        sq = sum(r[k]["sq_n"][0] for r in rows)
        n = sum(r[k]["sq_n"][1] for r in rows)
        aft = [a for r in rows for a in r[k]["after"] if a == a]
        print(f"{k}: {len(rows)} sessions, flexion pooled {np.sqrt(sq / n):.4f} deg, after the slip "
              f"mean {np.mean(aft) if aft else float('nan'):.3f} max "
              f"{np.max(aft) if aft else float('nan'):.3f}")
    for r in rows:
        if r["changed"]:
            o, nw = r["old"], r["new"]
            print(f"  changed {r['seed']} @{r['fs']:g}: flexion {o['flex']:.3f} -> {nw['flex']:.3f}, "
                  f"lying {o['lie']:.2f} -> {nw['lie']:.2f}, after-slip "
                  f"{np.round(o['after'], 3).tolist()} -> {np.round(nw['after'], 3).tolist()}; "
                  f"every other score {'identical' if r['others_same'] else 'CHANGED'}")
    print(f"sessions changed: {sum(r['changed'] for r in rows)} of {len(rows)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
