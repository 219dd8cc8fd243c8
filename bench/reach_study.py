"""Seated reaches: why the analysis misses a truth reach, and what its unmatched ones are.

Usage:
    .venv/bin/python bench/reach_study.py --family validation --seeds 0-29,1000-1029 --rates 52,104,208
    .venv/bin/python bench/reach_study.py --family simday --seeds 100-119 --rates cycle

Each session is analysed as ``kyphos analyze`` does; a detected seated reach matches a truth
reach as in ``bench/validate_analysis.py`` (overlap ≥ half the shorter). Every missed truth
reach is put in the first class that applies:

* ``lift``: reported as a lift (a bend while standing) instead;
* ``poor overlap``: a detected reach overlaps it by less than half;
* ``calibration``: inside a bend taken for the calibration movement;
* ``activity <kind>``: the activity at its deepest point is not sitting;
* ``below ENTER_DEG`` / ``below MIN_PEAK_DEG``: its peak flexion (on the standing
  calibration's scale) is below the candidate's entry / peak threshold;
* ``slow``: peak |flexion velocity| below ``MIN_VELOCITY_DPS``;
* ``long``: its flexion excursion lasts over ``MAX_DURATION_S`` (merged with a slouch or the
  next reach);
* ``other``.

For every truth reach it also prints the peak measured from the standing upright and from
the wearer's sitting upright (``PostureMetrics.sitting_upright_deg``) and from the flexion just
before the reach (median of the 1 s before its truth start); unmatched detections are named by
what the truth was doing (``validate_analysis._what``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from validate_analysis import _ov, _what, development_seeds, family_case, match  # noqa: E402

CYCLE = (52.0, 104.0, 208.0)


def study(family: str, seed: int, fs: float) -> dict[str, Any]:
    """One session: a row per truth reach and the unmatched detections."""
    from kyphos.analysis import analyze
    from kyphos.metrics import lifts as L
    from kyphos.metrics.episodes import hysteresis, runs
    from kyphos.processing.activity import KINDS

    case = family_case(family, seed, fs)
    a = analyze(case.session)
    ang, actv = a.angles, a.activity
    t = ang.time
    f = np.degrees(np.where(ang.valid, ang.flexion, np.nan))
    v = np.abs(np.degrees(ang.flexion_velocity))
    sit_up = a.posture.sitting_upright_deg
    found = [(r.start_s, r.end_s) for r in a.seated_reaches]
    pairs = dict(match(case.reaches, found, half=True))
    ex = runs(hysteresis(f, L.ENTER_DEG, L.EXIT_DEG))
    rows = []
    for i, (t0, t1) in enumerate(case.reaches):
        i0, i1 = np.searchsorted(t, (t0, t1))
        i1 = max(i1, i0 + 1)
        ipk = i0 + int(np.nanargmax(f[i0:i1]))
        peak = float(f[ipk])
        b0 = int(np.searchsorted(t, t0 - 1.0))
        before = float(np.nanmedian(f[b0 : max(i0, b0 + 1)]))
        vel = float(np.nanmax(v[i0:i1]))
        kind = KINDS[int(actv.kind[ipk])] if actv is not None and actv.kind[ipk] >= 0 else "gap"
        run = ex[(ex[:, 0] <= ipk) & (ex[:, 1] > ipk)]
        run_s = float((run[0, 1] - run[0, 0]) / fs) if len(run) else 0.0
        if i in pairs:
            why = "found"
        elif any(_ov(t0, t1, lf.start_s, lf.end_s) > 0 for lf in a.lifts):
            why = "lift"
        elif any(_ov(t0, t1, b0_, b1_) > 0 for b0_, b1_ in found):
            why = "poor overlap"
        elif any(_ov(t0, t1, c0, c1) > 0 for c0, c1 in a.calibration.calibration_bends_s):
            why = "calibration"
        elif kind != "sitting":
            why = f"activity {kind}"
        elif peak < L.ENTER_DEG:
            why = "below ENTER_DEG"
        elif peak < L.MIN_PEAK_DEG:
            why = "below MIN_PEAK_DEG"
        elif vel < L.MIN_VELOCITY_DPS:
            why = "slow"
        elif run_s > L.MAX_DURATION_S:
            why = "long"
        else:
            why = "other"
        slouch = any(_ov(t0 - 2.0, t1 + 2.0, s0, s1) > 0 for s0, s1 in case.slouches)
        rows.append({"seed": seed, "fs": fs, "t0": t0, "why": why, "peak": peak,
                     "rel_sit": peak - sit_up if sit_up is not None else np.nan,
                     "rel_before": peak - before, "before": before, "vel": vel,
                     "run_s": run_s, "near_slouch": slouch})
    hit = set(pairs.values())
    fps = [_what(case, b0, b1) for j, (b0, b1) in enumerate(found) if j not in hit]
    return {"rows": rows, "fp": fps, "n_found": len(found), "sit_up": sit_up}


def _rates(s: str, seed: int) -> list[float]:
    return [CYCLE[seed % 3]] if s == "cycle" else [float(x) for x in s.split(",")]


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--family", choices=("validation", "simday"), default="validation")
    ap.add_argument("--seeds", default="0-29")
    ap.add_argument("--rates", default="52,104,208", help="Hz, or 'cycle' (seed %% 3)")
    ap.add_argument("--list", action="store_true", help="print every missed reach")
    args = ap.parse_args(argv[1:])
    seeds = development_seeds(args.seeds, args.family)
    res = [study(args.family, s, fs) for s in seeds for fs in _rates(args.rates, s)]
    rows = [r for x in res for r in x["rows"]]
    nf = sum(x["n_found"] for x in res)
    fps = [w for x in res for w in x["fp"]]
    tp = sum(r["why"] == "found" for r in rows)
    print(f"family {args.family}, seeds {args.seeds}, rates {args.rates}: {len(res)} sessions")
    print(f"seated reaches: truth {len(rows)}, found {nf}, matched {tp}; precision "
          f"{tp / max(nf, 1):.3f}, recall {tp / max(len(rows), 1):.3f}")
    whys = [r["why"] for r in rows]
    print("truth reaches by outcome: " + ", ".join(f"{w} {whys.count(w)}"
                                                   for w in sorted(set(whys))))
    if fps:
        print("unmatched detections during: " + ", ".join(f"{w} {fps.count(w)}"
                                                           for w in sorted(set(fps))))
    for name, sel in (("found", [r for r in rows if r["why"] == "found"]),
                      ("missed", [r for r in rows if r["why"] != "found"])):
        if not sel:
            continue
        col = {k: np.array([r[k] for r in sel], float)
               for k in ("peak", "rel_sit", "rel_before", "before", "vel")}
        print(f"{name} ({len(sel)}): " + "; ".join(
            f"{k} {np.nanmin(x):.1f}/{np.nanmedian(x):.1f}/{np.nanmax(x):.1f}"
            for k, x in col.items()) + "  (min/median/max, deg or deg/s)")
        print(f"  next to a slouch (±2 s): {sum(r['near_slouch'] for r in sel)}")
    sits = np.array([x["sit_up"] for x in res if x["sit_up"] is not None], float)
    if len(sits):
        print(f"sitting upright (deg from the standing upright): {sits.min():.1f}/"
              f"{np.median(sits):.1f}/{sits.max():.1f}")
    if args.list:
        for r in rows:
            if r["why"] != "found":
                print(f"  seed {r['seed']} fs {r['fs']:.0f} t {r['t0']:.1f}: {r['why']}, peak "
                      f"{r['peak']:.1f}, from sitting upright {r['rel_sit']:.1f}, from before "
                      f"{r['rel_before']:.1f}, |v| {r['vel']:.0f}, run {r['run_s']:.1f} s"
                      f"{', near a slouch' if r['near_slouch'] else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
