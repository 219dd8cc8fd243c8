"""Flexion error per activity group with VQF's accelerometer time constant varied (issue 15).

Usage:
    .venv/bin/python bench/vqf_tau_study.py --family validation --seeds 6000-6029 --rates 104 \
        --tau 3,6,10 --jobs 2

For each ``tauAcc`` (s; VQF's default is 3) the analysis runs unchanged but for
``kyphos.processing.orientation.DEFAULT_PARAMS['tauAcc']``, and its flexion error over every
valid sample (as ``validate_analysis.py``'s pooled figure: lying included) is split into the
groups of ``bench/flexion_worst.py`` (first match wins: lying, slip window, ..., standing,
sitting). Why: VQF offline aligns the zero-phase low-passed specific force (in its gyro-only
frame) with "up", so a horizontal velocity change Δv of the upper back (a walk's start and end,
its turns, a lift) tilts it by about Δv / (τ·g) for about τ: the walking error is slow (< 0.3 Hz),
not gait-frequency. A longer τ spreads that over more time at a lower angle (squared error
~ Δv² / τ), and lets the gyro's residual drift in instead.

Validation seeds (validate_analysis.HELD_OUT_FROM and on) are refused (held out).
"""

from __future__ import annotations

import argparse
import os
import sys
import time as _time
from typing import Any

import numpy as np

GROUPS = ("lying", "slip window", "false reref", "calibration", "transition", "lift",
          "task bend", "seated reach", "slouch", "walking", "standing", "sitting")


def session(job: tuple[str, int, float, float]) -> dict[str, Any]:
    fam, seed, fs, tau = job
    sys.path.insert(0, os.path.dirname(__file__))
    from kyphos.processing import orientation

    orientation.DEFAULT_PARAMS["tauAcc"] = tau
    from kyphos.analysis import analyze

    if fam != "validation":  # the fit family: no truth groups but activity
        from validate_analysis import family_case

        case = family_case(fam, seed, fs, False, 1.0)
        a = analyze(case.session)
        ang = a.angles
        ok = ang.valid & np.isfinite(ang.flexion)
        e = np.degrees(ang.flexion[ok] - np.interp(ang.time[ok], case.time, case.flexion))
        act = (case.activity[np.clip(np.searchsorted(case.time, ang.time[ok]), 0,
                                     len(case.time) - 1)]
               if case.activity is not None else np.full(len(e), "standing"))
        grp = np.array([GROUPS.index(x) if x in GROUPS else GROUPS.index("standing")
                        for x in ("lying", "transition", "walking", "standing", "sitting")])
        names = np.array(["lying", "transition", "walking", "standing", "sitting"])
        gi = np.full(len(e), GROUPS.index("standing"), np.int8)
        for k, nm in enumerate(names):
            gi[act == nm] = grp[k]
        return {"seed": seed, "fs": fs, "tau": tau, "e": e.astype(np.float32), "group": gi}
    from flexion_worst import groups, truth_intervals
    from kyphos.sim.validation import generate

    v = generate(seed, fs)
    a = analyze(v.to_session())
    ang, tr = a.angles, v.truth
    ok = np.flatnonzero(ang.valid & np.isfinite(ang.flexion))
    t = ang.time[ok]
    e = np.degrees(ang.flexion[ok] - np.interp(t, tr.time, tr.flexion))
    act = tr.activity_names[np.clip(np.searchsorted(tr.time, t), 0, len(tr.time) - 1)]
    ivs = truth_intervals(tr)
    r = {"t": t, "act": act, "ivs": ivs, "slip_t": [c.t for c in tr.clip_slips],
         "rr_t": [x.t_s for x in a.re_references if x.t_s > 0.0]}
    return {"seed": seed, "fs": fs, "tau": tau, "e": e.astype(np.float32), "group": groups(r)}


def report(rows: list[dict[str, Any]], taus: list[float]) -> None:
    print(f"{'tau s':>6s} {'pooled':>7s} {'no slip':>8s}" + "".join(f"{g[:9]:>10s}" for g in GROUPS))
    for tau in taus:
        rs = [r for r in rows if r["tau"] == tau]
        e = np.concatenate([r["e"] for r in rs]).astype(np.float64)
        g = np.concatenate([r["group"] for r in rs])
        sq = e**2
        n = len(e)
        line = f"{tau:6g} {np.sqrt(sq.mean()):7.3f} "
        line += f"{np.sqrt(sq[g != GROUPS.index('slip window')].sum() / n):8.3f}"
        for k in range(len(GROUPS)):
            s = g == k
            line += f"{np.sqrt(sq[s].mean()) if s.any() else float('nan'):10.3f}"
        print(line)
    print("(pooled: RMSE over all valid samples; 'no slip': the slip window's error zeroed, same n;"
          " per group: that group's RMSE)")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--family", default="validation", choices=("validation", "sim", "simday"))
    ap.add_argument("--seeds", default="6000-6029")
    ap.add_argument("--rates", default="104")
    ap.add_argument("--tau", default="3,6,10")
    ap.add_argument("--jobs", type=int, default=1)
    args = ap.parse_args(argv[1:])
    sys.path.insert(0, os.path.dirname(__file__))
    from validate_analysis import development_seeds, run_jobs

    seeds = development_seeds(args.seeds, args.family)
    taus = [float(x) for x in args.tau.split(",")]
    jobs = [(args.family, s, float(fs), tau) for tau in taus for fs in args.rates.split(",")
            for s in seeds]
    t0 = _time.perf_counter()
    rows = run_jobs(session, jobs, args.jobs)
    print(f"{args.family} family, seeds {args.seeds}, rates {args.rates}; "
          f"{_time.perf_counter() - t0:.0f} s")
    report(rows, taus)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
