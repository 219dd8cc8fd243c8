"""What the analysis gives without a calibration note: per session flexion error, validity, why.

For each validation session (``--no-note``: the analysis calibrates itself, as for a wearer who
never pressed ``c`` or a CSV from another device) it prints the flexion RMSE against the truth
(ungated angles), the mean error (a constant offset is a wrong upright), ``valid`` and the first
reason, the calibration's confidences, the still standing's median flexion as measured and as
true, and what the truth was doing in the window the automatic upright came from. Then it counts
"valid but wrong" (valid and RMSE > 2 deg, > 1 deg) and "invalid but right" (invalid and < 1 deg).

Per-session results are cached (``--cache DIR``, one pickle per seed and rate, with the flexion
at ~10 Hz, so other upright choices can be compared offline without rerunning the analysis).

    PYTHONPATH=host .venv/bin/python bench/nocal_study.py --seeds 15000-15029 --rates 104 \
        --jobs 1 --cache /tmp/nocal/cache
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from validate_analysis import development_seeds, run_jobs, validation_case  # noqa: E402


def _without_guided(case: Any) -> Any:
    """The case from 1 s after its guided calibration bend on (a wearer who never did the
    guided standing and bend, or a file from another device): samples and truth cropped."""
    from dataclasses import replace

    from kyphos.session import Session
    from kyphos.sim.validation import generate

    t0 = float(generate(case.seed, case.fs).truth.calibration["bend"][1]) + 1.0
    s = case.session
    k = s.time >= t0
    ses = Session(time=s.time[k] - t0, acc=s.acc[k], gyr=s.gyr[k], fs=s.fs, info=s.info,
                  notes=[], header=s.header)
    kt = case.time >= t0
    return replace(case, session=ses, time=case.time[kt] - t0, flexion=case.flexion[kt],
                   activity=case.activity[kt], lifts=[])


def session_row(seed: int, fs: float, guided: bool = True) -> dict[str, Any]:
    """One session without a note: the errors, the validity and what the upright was
    (``guided`` False: without its guided calibration either, :func:`_without_guided`)."""
    from kyphos.analysis import analyze
    from kyphos.processing.activity import STANDING

    case = validation_case(seed, fs, note=False)
    if not guided:
        case = _without_guided(case)
    a = analyze(case.session)
    ang, act, c = a.angles, a.activity, a.calibration
    v = ang.valid & np.isfinite(ang.flexion)
    tt = ang.time[v]
    true = np.interp(tt, case.time, case.flexion)
    e = np.degrees(ang.flexion[v] - true)
    lab = case.activity[np.clip(np.searchsorted(case.time, tt), 0, len(case.time) - 1)]
    stand = (act.still & (act.kind == STANDING))[v]
    rr = [float(r.t_s) if hasattr(r, "t_s") else float(r["t_s"]) for r in a.re_references] \
        if a.re_references else []
    win = c.upright_s
    what = ""
    if win is not None:
        k = (case.time >= win[0]) & (case.time <= win[1])
        names, cnt = np.unique(case.activity[k], return_counts=True)
        what = ",".join(f"{n}:{100 * x / max(1, k.sum()):.0f}%" for n, x in
                        sorted(zip(names, cnt, strict=True), key=lambda p: -p[1])[:2])
    step = max(1, int(round(fs / 10)))
    return {
        "seed": seed, "fs": fs, "rmse": float(np.sqrt(np.mean(e**2))), "bias": float(np.mean(e)),
        "valid": bool(a.validity.valid), "angles_trusted": bool(a.validity.angles_trusted),
        "why": (a.validity.warnings[0] if a.validity.warnings and not a.validity.valid else ""),
        "conf": float(c.confidence), "up_conf": float(c.upright_confidence),
        "sag_conf": float(c.sagittal_confidence), "method": str(c.method), "win": win,
        "win_truth": what,
        "stand_med": float(np.degrees(np.median(ang.flexion[v][stand]))) if stand.any() else np.nan,
        "stand_true": float(np.degrees(np.median(true[stand]))) if stand.any() else np.nan,
        "stand_s": float(stand.sum() / fs), "rerefs": rr,
        "lifts": (len(case.lifts), len(a.lifts)),
        # ~10 Hz traces for offline what-ifs
        "t": tt[::step], "flex": np.degrees(ang.flexion[v][::step]), "true": np.degrees(true[::step]),
        "stand": stand[::step], "lab": lab[::step],
    }


def _cached(job: tuple[int, float, str | None, bool]) -> dict[str, Any]:
    seed, fs, cache, guided = job
    path = os.path.join(cache, f"n{seed}_{fs:g}{'' if guided else '_ng'}.pkl") if cache else None
    if path and os.path.exists(path):
        with open(path, "rb") as f:
            return pickle.load(f)  # type: ignore[no-any-return]
    r = session_row(seed, fs, guided)
    if path:
        with open(path, "wb") as f:
            pickle.dump(r, f)
    return r


def report(rows: list[dict[str, Any]]) -> None:
    for r in rows:
        print(f"{r['seed']:5d} @{r['fs']:3.0f}: rmse {r['rmse']:6.2f} bias {r['bias']:+6.2f} "
              f"{'valid  ' if r['valid'] else 'INVALID'} conf {r['conf']:.2f} (up {r['up_conf']:.2f}"
              f" sag {r['sag_conf']:.2f}) stand {r['stand_med']:+5.1f} (true {r['stand_true']:+5.1f},"
              f" {r['stand_s']:4.0f} s) up-window {r['win_truth']:<28s} rerefs "
              f"{[round(x) for x in r['rerefs']]} {r['why'][:60]}")
    rm = np.array([r["rmse"] for r in rows])
    va = np.array([r["valid"] for r in rows])
    sq = np.sum([r["rmse"] ** 2 * len(r["t"]) for r in rows]) / max(1, sum(len(r["t"]) for r in rows))
    print(f"{len(rows)} sessions: pooled flexion RMSE ~{np.sqrt(sq):.2f} deg (10 Hz weights), "
          f"valid {va.sum()}; valid but wrong: > 2 deg {np.sum(va & (rm > 2))}, > 1 deg "
          f"{np.sum(va & (rm > 1))}; invalid but right (< 1 deg) {np.sum(~va & (rm < 1))}; "
          f"right (< 1 deg) {np.sum(rm < 1)}; valid mean RMSE "
          f"{np.mean(rm[va]) if va.any() else float('nan'):.2f}, max "
          f"{np.max(rm[va]) if va.any() else float('nan'):.2f}")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="15000-15029")
    ap.add_argument("--rates", default="104")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--cache", default=None, help="directory for per-session results")
    ap.add_argument("--no-guided", action="store_true",
                    help="crop each session from 1 s after its guided calibration bend (the "
                         "lifts are then not counted: the study reads flexion and validity)")
    args = ap.parse_args(argv[1:])
    seeds = development_seeds(args.seeds)
    if args.cache:
        os.makedirs(args.cache, exist_ok=True)
    rows = run_jobs(_cached, [(s, float(fs), args.cache, not args.no_guided)
                              for fs in args.rates.split(",")
                              for s in seeds], args.jobs)
    report(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
