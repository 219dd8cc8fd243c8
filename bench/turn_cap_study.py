#!/usr/bin/env python3
"""Study: which sessions a cap on the turn about body z that held bends give a slip
(``clipslip.HELD_TURN_MAX_DEG``) changes, and their flexion at each cap — for the fit family
(simday, whose ``fit_thresholds.py`` sweep prints only the pooled objective) or validation.

    PYTHONPATH=$PWD/host .venv/bin/python bench/turn_cap_study.py --family simday \
        --seeds 100-119 --caps 2,2.5,3,4,25

Each session is analysed once with the cap off to read the turn each slip's stretch gets
(``_turn_by_held_bends``: the change of the held bends' direction); a session whose largest
turn is above the smallest cap is scored again (``validate_analysis.score``) at every cap
below that turn (one score per distinct outcome); the last lines are the pooled flexion per cap
(``fit_thresholds.py``'s flexion objective is minus it).

Measured at 4f9bdcb (TURN, 2026-12-06), simday fs by seed. 100-119 (the fit set), with a
temporary ``clipslip.HELD_TURN_MAX_DEG`` skipping the turn inside the loop (not committed) and
``fit_thresholds.py --family simday --seeds 100-119 --sweep
kyphos.processing.clipslip.HELD_TURN_MAX_DEG=3,4,5,6,8,25`` then ``=2,2.5,3.5,4.5 --objective
flexion``: -0.2571 / -0.2530 / -0.2543 (3, 3.5, 4) / -0.2549 (4.5 and up) at 2 / 2.5 / ...;
the fit picks 2.5. Only 101 (a 4.4-deg turn, 0.270 -> 0.263 when capped) and 116 (2.8 deg,
0.259 -> 0.244) change above 2.5 deg; this script on 100-119 gives the same pooled values
(0.2530 / 0.2543 / 0.2543 / 0.2549 at 2.5 / 3 / 4 / 25). With this script on 100-139: 0.3032 at 2.5 (137 0.263 -> 0.807, 128 0.196 -> 0.250), 0.2586 at 3-4,
0.2589 without (a tie within ``FIT_TIE``). On validation 2.5 deg would undo 46 turns
(``turn_cost_study.py --caps``). simday 0-29 (the report set; ``--caps 2.5,3,3.5,4,5,25``):
0.2863 / 0.2813 / 0.2813 / 0.2466 / 0.2463 / 0.2463 — turns of 3.6 and 4.4 deg there are right
(17: 0.186 -> 0.599 capped, 18: 0.215 -> 0.242); 5 deg changes nothing on simday 0-29 or 100-139.
Validation 2012 / 2029 at 52 and 208 Hz (``--family validation --rates 52,208``): turns 7.3 /
5.4-5.5 deg, capped at 3-5 deg 1.236 -> 0.291, 1.223 -> 0.240, 1.708 -> 0.406, 1.739 -> 0.392.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import numpy as np
from scipy.spatial.transform import Rotation

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from validate_analysis import development_seeds, family_case, run_jobs, score  # noqa: E402

CYCLE = (52.0, 104.0, 208.0)


def _turns(out: list[Any], res: list[Any]) -> list[float]:
    """|turn about z| (deg) each re-reference got from held bends."""
    t = []
    for a, b in zip(out, res, strict=True):
        rv = Rotation.from_matrix(a.sensor_from_body.T @ b.sensor_from_body).as_rotvec()
        t.append(abs(float(np.degrees(rv[2]))))
    return t


def _capped(orig: Any, cap: float, seen: list[float]) -> Any:
    """``_turn_by_held_bends`` whose re-references keep the smallest rotation where the held
    bends' turn about z is above ``cap`` (the same as skipping it inside the loop when a
    session has one slip); the turns are appended to ``seen``."""
    def turn(out: list[Any], probes: list[Any], m0: np.ndarray, *rest: Any) -> list[Any]:
        res = orig(out, probes, m0, *rest)
        tz = _turns(out, res)
        seen.extend(tz)
        return [a if t > cap else b for a, b, t in zip(out, res, tz, strict=True)]

    return turn


def study(job: tuple[str, int, float, tuple[float, ...]]) -> tuple[str, dict[float, tuple[float, int]]]:
    from kyphos.processing import clipslip as cs

    family, seed, fs, caps = job
    case = family_case(family, seed, fs)
    orig = cs._turn_by_held_bends
    seen: list[float] = []
    try:
        cs._turn_by_held_bends = _capped(orig, np.inf, seen)  # type: ignore[assignment]
        base = score(case)
        turn = max(seen, default=0.0)
        line = f"{family} {seed} @{fs:g}: turn {turn:.2f}  no cap: {base['flex_rmse']:.3f}"
        sq_n = {c: base["flex_sq_n"] for c in caps}
        below = [c for c in sorted(caps) if c < turn]
        if below:  # every cap below the turn drops it: one outcome
            cs._turn_by_held_bends = _capped(orig, below[0], [])  # type: ignore[assignment]
            r = score(case)
            sq_n.update({c: r["flex_sq_n"] for c in below})
            line += f"  caps {','.join(f'{c:g}' for c in below)}: {r['flex_rmse']:.3f}"
    finally:
        cs._turn_by_held_bends = orig  # type: ignore[assignment]
    return line, sq_n


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--family", default="simday", choices=("simday", "validation"))
    ap.add_argument("--seeds", default="100-119")
    ap.add_argument("--rates", default="cycle", help="Hz list, or cycle: (52, 104, 208)[seed % 3]")
    ap.add_argument("--caps", default="2,2.5,3,4,25")
    ap.add_argument("--jobs", type=int, default=1)
    args = ap.parse_args(argv)
    caps = tuple(float(x) for x in args.caps.split(","))
    seeds = development_seeds(args.seeds, args.family)
    if args.rates == "cycle":
        jobs = [(args.family, s, CYCLE[s % 3], caps) for s in seeds]
    else:
        jobs = [(args.family, s, float(r), caps) for s in seeds for r in args.rates.split(",")]
    res = run_jobs(study, jobs, args.jobs)
    for line, _ in res:
        print(line)
    for c in caps:  # fit_thresholds' flexion objective: -pooled RMSE
        sq = sum(x[c][0] for _, x in res)
        n = sum(x[c][1] for _, x in res)
        print(f"cap {c:g}: pooled flexion {np.sqrt(sq / n):.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
