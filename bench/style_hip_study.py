"""Lift style with the wearer's hip height: every ``--hip-height`` mode from one analysis.

Usage:
    .venv/bin/python bench/style_hip_study.py --family validation --seeds 6000-6029 --rates 104 --jobs 2
    .venv/bin/python bench/style_hip_study.py --family sim --seeds 0-29 --rates 52,104,208

Each (seed, rate) is analysed once, as ``kyphos analyze --hip-height-m`` does, with the body's
true hip height (``bench/validate_analysis.py``'s ``hip_height_input(case, "true")``). The
hip-height rule names a lift by ``classify_style_per_hip(knee_drop_closed_m / H)`` and keeps
the shipped style where the lift has no closed-bend knee drop (``kyphos.metrics.style.restyle``),
so every mode's style follows from the one analysis: ``none`` the shipped rule
(``classify_style(peak, knee_drop_m)``, which the hip height does not touch), ``true``,
``err3`` / ``err5`` (H off by 3 % / 5 %, one seeded draw per person). ``validate_analysis.py
--hip-height MODE`` runs the analysis itself with that mode (the lead's held-out run); this
study only saves running it four times. Accuracy is printed against each family's own truth
label and against the knee-angle definition (stoop < 32.5°, squat ≥ 77.5°: STYLEDEF,
``bench/style_study.py --definitions``), split twist / lateral lean / neither.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from validate_analysis import (  # noqa: E402
    HIP_HEIGHT_MODES,
    STYLES,
    development_seeds,
    family_case,
    hip_height_input,
    match,
    run_jobs,
)

#: The modes reported: the hip-height rule's, then the shipped knee drop over H.
MODES = HIP_HEIGHT_MODES + tuple("shipped/" + m for m in HIP_HEIGHT_MODES[1:])


def session_rows(job: tuple[str, int, float]) -> list[dict[str, Any]]:
    """One row per matched lift: truth labels and flags, and the style of every mode."""
    from kyphos.analysis import analyze
    from kyphos.metrics.style import (
        classify_style,
        classify_style_per_hip,
    )
    from style_study import DEFINITIONS, _defined, truth_table

    family, seed, fs = job
    case = family_case(family, seed, fs)
    a = analyze(case.session, hip_height_m=hip_height_input(case, "true"), style_drop="closed")
    truth = truth_table(f"{seed}" if family == "sim" else "", f"{seed}" if family != "sim" else "")
    knee = ([_defined(*DEFINITIONS["knee"], r) for r in truth]
            if len(truth) == len(case.lifts) else [None] * len(case.lifts))
    found = [(lf.start_s, lf.end_s) for lf in a.lifts]
    pairs = match([(t["start"], t["end"]) for t in case.lifts], found, half=False)
    rows = []
    for i, j in pairs:
        lf, t = a.lifts[j], case.lifts[i]
        r: dict[str, Any] = {"seed": seed, "fs": fs, "truth": t["style"], "knee": knee[i],
                             "twist": bool(t["twist"]), "lateral": bool(t["lateral"]),
                             "kd_closed": lf.knee_drop_closed_m}
        shipped = classify_style(lf.peak_flexion_deg, lf.knee_drop_m)
        for mode in HIP_HEIGHT_MODES:
            h = hip_height_input(case, mode)
            r[mode] = (shipped if h is None or lf.knee_drop_closed_m is None
                       else classify_style_per_hip(lf.knee_drop_closed_m / h, "closed"))
            # analyze's default (style_drop="knee"): the shipped knee drop over H
            r["shipped/" + mode] = (
                shipped if h is None or lf.knee_drop_m is None else
                classify_style_per_hip(lf.knee_drop_m / h, "knee"))
        assert r["true"] == lf.style  # what analyze itself named it
        rows.append(r)
    return rows


def report(rows: list[dict[str, Any]], title: str) -> None:
    print(f"{title}: {len(rows)} matched lifts, {sum(r['kd_closed'] is None for r in rows)} "
          "without a closed-bend knee drop (shipped style kept)")
    tw = np.array([r["twist"] for r in rows])
    la = np.array([r["lateral"] for r in rows])
    for label in ("truth", "knee"):
        if any(r[label] is None for r in rows):
            continue
        name = "family's own label" if label == "truth" else "knee-angle label"
        for mode in MODES:
            ok = np.array([r[mode] == r[label] for r in rows])
            cm = np.zeros((3, 3), int)
            for r in rows:
                cm[STYLES.index(r[label]), STYLES.index(r[mode])] += 1
            print(f"  {name:19s} {mode:13s}: {ok.mean():.3f} ({ok.sum()}/{len(ok)}); twist "
                  f"{ok[tw].mean():.3f}, lean {ok[la].mean():.3f}, neither "
                  f"{ok[~tw & ~la].mean():.3f}; confusion "
                  + "; ".join(" ".join(str(x) for x in row) for row in cm))


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--family", choices=("validation", "sim"), default="validation")
    ap.add_argument("--seeds", default="6000-6029")
    ap.add_argument("--rates", default="104")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--per-set", action="store_true", help="also one line block per 1000-block")
    args = ap.parse_args(argv[1:])
    seeds = development_seeds(args.seeds, args.family)  # held-out seeds refused
    rates = [float(x) for x in args.rates.split(",")]
    jobs = [(args.family, s, fs) for fs in rates for s in seeds]
    rows = [r for rs in run_jobs(session_rows, jobs, args.jobs) for r in rs]
    report(rows, f"{args.family} {args.seeds} at {args.rates} Hz")
    if len(rates) > 1:
        for fs in rates:
            report([r for r in rows if r["fs"] == fs], f"  {fs:g} Hz")
    if args.per_set:
        for b in sorted({r["seed"] // 1000 for r in rows}):
            report([r for r in rows if r["seed"] // 1000 == b], f"  seeds {b * 1000}-")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
