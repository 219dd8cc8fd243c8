"""Walking only: VQF's inclination from a second, longer-τ run over each walking bout (issue 15).

Usage:
    .venv/bin/python bench/walk_tau_study.py --seeds 6000-6029 --rates 104 --tau 6,10 --jobs 2
    .venv/bin/python bench/walk_tau_study.py --family simday --seeds 100-119 --tau 6,10

VQF offline's walking error is slow (< 0.3 Hz; ``bench/vqf_tau_study.py``): the upper back's
horizontal velocity changes (a walk's start and end, its turns) tilt the low-passed specific
force by ~Δv / (τ·g). A longer ``tauAcc`` everywhere halves walking's error but costs lying,
lifts, transitions and standing more. Here the analysis runs as shipped, then each walking bout
of its own activity (``a.activity``, no truth) is run again through VQF offline with
``tauAcc = τ`` over the bout ± ``--margin`` s, and the up direction (sensor frame) inside the
bout is taken from that run (linear ramp of ``--ramp`` s at the bout's ends), the heading kept
from the shipped run. Flexion is recomputed with the analysis' own mountings and re-references
(``clipslip.reref_angles``) and scored on every valid sample, split into flexion_worst's groups.

Since 2007b5f the analysis does this itself (``orientation.walk_tilt``): the "tau 0" row is
the analysis as it is; ``--vqf-only`` turns walk_tilt off first (``WALK_TAU_ACC_S = None``), so
that row is VQF's own run again, as when this study was written.

Validation seeds (validate_analysis.HELD_OUT_FROM and on) are refused (held out).
"""

from __future__ import annotations

import argparse
import os
import sys
import time as _time
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from kyphos.processing.orientation import retilt, up_in_sensor  # noqa: E402
from vqf_tau_study import GROUPS  # noqa: E402

FIX_BIAS = True


def walk_refined(q: np.ndarray, gyr: np.ndarray, acc: np.ndarray, fs: float,
                 segments: np.ndarray, walking: np.ndarray, tau: float, margin_s: float,
                 ramp_s: float, extend_s: float = 0.0, still: np.ndarray | None = None
                 ) -> np.ndarray:
    from kyphos.processing.orientation import orientation_offline
    from vqf import offlineVQF

    out = q.copy()
    # the shipped run's gyro bias (VQF offline over the whole segment): a short run over one bout
    # estimates it worse; the second run gets the de-biased gyro and estimates none
    bias = np.zeros_like(gyr)
    for s0, s1 in segments if still is None else ():
        if s1 - s0 >= 2:
            bias[s0:s1] = offlineVQF(np.ascontiguousarray(gyr[s0:s1]),
                                     np.ascontiguousarray(acc[s0:s1]), None, 1.0 / fs,
                                     {})["bias"]
    d = np.diff(np.r_[0, walking.astype(np.int8), 0])
    starts, stops = np.flatnonzero(d == 1), np.flatnonzero(d == -1)
    m, rp = int(round(margin_s * fs)), max(1, int(round(ramp_s * fs)))
    ex = int(round(extend_s * fs))
    for a, b in zip(starts, stops, strict=True):  # per walking bout
        seg = segments[(segments[:, 0] <= a) & (segments[:, 1] > a)]
        if not len(seg):
            continue
        a, b = max(int(seg[0, 0]), a - ex), min(int(seg[0, 1]), b + ex)
        s0, s1 = max(int(seg[0, 0]), a - m), min(int(seg[0, 1]), b + m)
        b = min(b, s1)
        if b - a < 2 * rp:
            continue
        if still is not None:  # the gyro's median over the still samples near the bout
            w0, w1 = max(int(seg[0, 0]), a - 2 * m), min(int(seg[0, 1]), b + 2 * m)
            st = still[w0:w1]
            if np.count_nonzero(st) < fs:
                continue
            bias[s0:s1] = np.median(gyr[w0:w1][st], axis=0)
        ql = orientation_offline(gyr[s0:s1] - bias[s0:s1], acc[s0:s1], fs,
                                 {"tauAcc": tau, "motionBiasEstEnabled": not FIX_BIAS,
                                  "restBiasEstEnabled": not FIX_BIAS})[a - s0:b - s0]
        w = np.minimum(1.0, np.minimum(np.arange(b - a) + 1, b - a - np.arange(b - a)) / rp)
        up = (1 - w)[:, None] * up_in_sensor(q[a:b]) + w[:, None] * up_in_sensor(ql)
        out[a:b] = retilt(q[a:b], up)
    return out


def session(job: tuple[str, int, float, tuple[float, ...], float, float, float, bool, bool]
            ) -> list[dict[str, Any]]:
    fam, seed, fs, taus, margin, ramp, extend, still_bias, vqf_only = job
    if vqf_only:
        from kyphos.processing import orientation

        orientation.WALK_TAU_ACC_S = None
    from flexion_worst import groups, truth_intervals
    from kyphos.analysis import analyze
    from kyphos.processing.activity import KINDS
    from kyphos.processing.clipslip import reref_angles

    if fam == "validation":
        from kyphos.sim.validation import generate

        v = generate(seed, fs)
        ses, tr = v.to_session(), v.truth
        ttime, tflex, tact = tr.time, tr.flexion, tr.activity_names
    else:
        from validate_analysis import family_case

        case = family_case(fam, seed, fs, False, 1.0)
        ses, ttime, tflex, tact = case.session, case.time, case.flexion, case.activity
    a = analyze(ses)
    p = a.prepared
    walking = a.activity.kind == KINDS.index("walking")
    out = []
    for tau in (0.0, *taus):
        if tau == 0.0:
            ang = a.angles
        else:
            qn = walk_refined(a.quat, p.gyr, p.acc, p.fs, p.segments, walking, tau, margin, ramp,
                              extend, a.activity.still if still_bias else None)
            ang = reref_angles(p.time, qn, a.calibration.sensor_from_body, a.re_references, p.fs,
                               p.valid, masked=p.masked)
        ok = np.flatnonzero(ang.valid & np.isfinite(ang.flexion))
        t = ang.time[ok]
        e = np.degrees(ang.flexion[ok] - np.interp(t, ttime, tflex))
        if fam == "validation":
            act = tact[np.clip(np.searchsorted(ttime, t), 0, len(ttime) - 1)]
            ivs = truth_intervals(tr)
            g = groups({"t": t, "act": act, "ivs": ivs, "slip_t": [c.t for c in tr.clip_slips],
                        "rr_t": [x.t_s for x in a.re_references if x.t_s > 0.0]})
        else:
            act = (tact[np.clip(np.searchsorted(ttime, t), 0, len(ttime) - 1)]
                   if tact is not None else np.full(len(t), "standing"))
            g = np.full(len(t), GROUPS.index("standing"), np.int8)
            for nm in ("lying", "transition", "walking", "sitting"):
                g[act == nm] = GROUPS.index(nm)
        out.append({"seed": seed, "fs": fs, "tau": tau, "e": e.astype(np.float32), "group": g})
    return out


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--family", default="validation", choices=("validation", "sim", "simday"))
    ap.add_argument("--seeds", default="6000-6029")
    ap.add_argument("--rates", default="104")
    ap.add_argument("--tau", default="6,10")
    ap.add_argument("--margin", type=float, default=5.0)
    ap.add_argument("--ramp", type=float, default=1.0)
    ap.add_argument("--extend", type=float, default=0.0,
                    help="s the blend reaches past each bout's ends (into the margin)")
    ap.add_argument("--still-bias", action="store_true",
                    help="the gyro bias from its median over the still samples within 2 margins"
                         " of the bout, not from the shipped VQF run")
    ap.add_argument("--vqf-only", action="store_true",
                    help="turn the analysis' own walk_tilt off (the baseline of this study)")
    ap.add_argument("--jobs", type=int, default=1)
    args = ap.parse_args(argv[1:])
    from validate_analysis import development_seeds, run_jobs
    from vqf_tau_study import report

    seeds = development_seeds(args.seeds, args.family)
    taus = tuple(float(x) for x in args.tau.split(","))
    jobs = [(args.family, s, float(fs), taus, args.margin, args.ramp, args.extend,
             args.still_bias, args.vqf_only)
            for fs in args.rates.split(",") for s in seeds]
    t0 = _time.perf_counter()
    rows = [r for rs in run_jobs(session, jobs, args.jobs) for r in rs]
    print(f"{args.family} family, seeds {args.seeds}, rates {args.rates}, margin {args.margin} s, "
          f"ramp {args.ramp} s, extend {args.extend} s, still bias {args.still_bias}; {_time.perf_counter() - t0:.0f} s; tau 0 = shipped")
    report(rows, [0.0, *taus])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
