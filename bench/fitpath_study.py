"""Style of the validation (or sim) family's lifts under any set of style edges, from one
analysis per session (FITPATH, fifteenth session: which calibration path the edges are fitted on).

Usage:
    .venv/bin/python bench/fitpath_study.py --family validation --seeds 19000-19029 \
        --rates 52,104,208 [--no-note] [--consts SEMI_CLOSED_M=0.03,SQUAT_CLOSED_M=0.21] \
        [--cache DIR]

Each session is analysed once, as ``bench/validate_analysis.py --hip-height err3`` does (the
closed-bend drop, the hip height with its 3 % error); every matched lift keeps its features
(closed-bend knee drop, hip shift, the shipped knee drop and peak flexion, the hip height given).
The style edges act only through ``kyphos.metrics.style``'s classify functions, so the style a
lift gets with other edges is those functions with the edges patched: exact, with no re-run.
Printed: style accuracy without a hip height (``classify_style_closed_m``) and with the err3 hip
height (``classify_style_per_hip(..., "closed")``) — a lift without a closed-bend drop keeps the
knee rule (``classify_style``) — pooled and per rate, for the shipped edges and for ``--consts``.
The lift matching is ``validate_analysis.score``'s, so the shipped numbers are
``validate_analysis``'s style lines (checked: docs/accuracy.md section 7, FITPATH).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from validate_analysis import (  # noqa: E402
    family_case,
    hip_height_input,
    match,
    parse_seeds,
    run_jobs,
)

#: the style constants ``--consts`` may set
STYLE_CONSTS = ("SEMI_DROP_M", "SQUAT_DROP_M", "SEMI_DROP_PER_HIP", "SQUAT_DROP_PER_HIP",
                "SEMI_CLOSED_PER_HIP", "SQUAT_CLOSED_PER_HIP", "SEMI_CLOSED_M",
                "SQUAT_CLOSED_M", "HIP_SHIFT_WEIGHT")


def lift_rows(job: tuple[str, int, float, bool]) -> list[dict[str, Any]]:
    """The features of every matched lift of one session (one ``analyze``)."""
    from kyphos.analysis import analyze

    fam, seed, fs, note = job
    case = family_case(fam, seed, fs, note)
    hip = hip_height_input(case, "err3")
    a = analyze(case.session, hip_height_m=hip, style_drop="closed")
    found = [(lf.start_s, lf.end_s) for lf in a.lifts]
    pairs = match([(t["start"], t["end"]) for t in case.lifts], found, half=False)
    return [{"seed": seed, "fs": fs, "truth": case.lifts[i]["style"],
             "reported_err3": a.lifts[j].style, "kd": a.lifts[j].knee_drop_closed_m,
             "shift": a.lifts[j].hip_shift_m, "hip": hip, "knee_drop_m": a.lifts[j].knee_drop_m,
             "peak_deg": a.lifts[j].peak_flexion_deg} for i, j in pairs]


def styles(rows: list[dict[str, Any]], hip: bool) -> list[str]:
    """The style each row gets with ``kyphos.metrics.style``'s current edges (as restyle)."""
    from kyphos.metrics import style as L

    out = []
    for r in rows:  # per lift
        if r["kd"] is None:
            out.append(L.classify_style(r["peak_deg"], r["knee_drop_m"]))
        elif hip:
            out.append(L.classify_style_per_hip(r["kd"] / r["hip"], "closed",
                                                (r["shift"] or 0.0) / r["hip"]))
        else:
            out.append(L.classify_style_closed_m(r["kd"], r["shift"] or 0.0))
    return out


def report(rows: list[dict[str, Any]], what: str) -> dict[str, float]:
    """Print and return the style accuracy (no hip height, err3) pooled and per rate."""
    out: dict[str, float] = {}
    for hip in (False, True):
        got = styles(rows, hip)
        ok = np.array([g == r["truth"] for g, r in zip(got, rows, strict=True)])
        conf = Counter(f"{r['truth']}->{g}" for g, r in zip(got, rows, strict=True)
                       if g != r["truth"])
        per = []
        for fs in sorted({r["fs"] for r in rows}):
            m = np.array([r["fs"] == fs for r in rows])
            per.append(f"{fs:g} Hz {ok[m].mean():.3f}")
        key = "err3" if hip else "none"
        out[key] = float(ok.mean())
        print(f"{what}: hip {key:4s}: style {ok.mean():.3f} ({ok.sum()}/{len(ok)}); "
              f"{', '.join(per)}; wrong: {dict(sorted(conf.items()))}")
    return out


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--family", choices=("validation", "sim", "simday"), default="validation")
    ap.add_argument("--seeds", required=True)
    ap.add_argument("--rates", default="52,104,208")
    ap.add_argument("--no-note", action="store_true", help="sessions without a calibration note")
    ap.add_argument("--consts", action="append", default=[],
                    help="NAME=V,... of STYLE_CONSTS to evaluate besides the shipped (repeatable)")
    ap.add_argument("--cache", help="directory: keep each session's rows there (reused)")
    ap.add_argument("--jobs", type=int, default=1)
    args = ap.parse_args(argv[1:])
    from kyphos.metrics import style as L

    jobs = [(args.family, s, float(fs), not args.no_note) for fs in args.rates.split(",")
            for s in parse_seeds(args.seeds)]
    cache = Path(args.cache) if args.cache else None
    todo = [j for j in jobs if cache is None or not (cache / _name(j)).exists()]
    for j, rows in zip(todo, run_jobs(lift_rows, todo, args.jobs), strict=True):
        if cache is not None:
            cache.mkdir(parents=True, exist_ok=True)
            (cache / _name(j)).write_text(json.dumps(rows))
    every: list[dict[str, Any]] = []
    for j in jobs:
        every.extend(json.loads((cache / _name(j)).read_text()) if cache is not None else
                     lift_rows(j))
    print(f"family {args.family}, seeds {args.seeds}, rates {args.rates}, "
          f"{'no note' if args.no_note else 'note'}; {len(every)} matched lifts")
    rep = [r["reported_err3"] for r in every]
    same = sum(a == b for a, b in zip(rep, styles(every, True), strict=True))
    print(f"err3 styles recomputed = reported: {same}/{len(every)}")
    report(every, "shipped")
    for spec in args.consts:
        vals = {k: float(v) for k, v in (x.split("=") for x in spec.split(","))}
        bad = set(vals) - set(STYLE_CONSTS)
        if bad:
            raise SystemExit(f"--consts: not a style constant: {sorted(bad)}")
        old = {k: getattr(L, k) for k in vals}
        for k, v in vals.items():
            setattr(L, k, v)
        try:
            report(every, spec)
        finally:
            for k, v in old.items():
                setattr(L, k, v)
    return 0


def _name(job: tuple[str, int, float, bool]) -> str:
    fam, seed, fs, note = job
    return f"{fam}_{seed}_{fs:g}_{'note' if note else 'auto'}.json"


if __name__ == "__main__":
    sys.exit(main(sys.argv))
