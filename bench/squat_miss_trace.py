"""Study: the upright-trunk squats the analysis misses (twelfth held-out run, 13000-13029).

Usage:
    PYTHONPATH=host .venv/bin/python bench/squat_miss_trace.py --seeds 13000,13008,13010 \
        [--rates 104] [--all]

Per seed: runs ``kyphos.analysis.analyze`` with ``find_bends`` wrapped (its inputs and output
kept), matches lifts as ``bench/validate_analysis.py`` does and, for every upright-trunk squat
(``--all``) or every missed one, prints the truth (``kyphos.sim.validation`` LiftEvent) and what
the detector saw: the flexion peak over the truth span, the activity's height excursions and
transitions that overlap it, the activity kind at the lowest point, and the bends
``find_bends`` returned there (any context). Nothing here changes the shipped code. Refuses
held-out seeds (validate_analysis.HELD_OUT_FROM and on).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from validate_analysis import HELD_OUT_FROM, match, parse_seeds, validation_case  # noqa: E402

HELD_OUT = HELD_OUT_FROM


def trace(seed: int, fs: float, every: bool) -> list[dict[str, Any]]:
    import kyphos.analysis as an
    from kyphos.processing import activity as act
    from kyphos.sim.validation import generate

    cap: dict[str, Any] = {}
    orig = an.find_bends

    def spy(angles: Any, az: Any, activity: Any, *a: Any, **k: Any) -> Any:
        out = orig(angles, az, activity, *a, **k)
        cap.update(angles=angles, az=az, activity=activity, bends=out)
        return out

    an.find_bends = spy
    try:
        case = validation_case(seed, fs, True)
        doc = an.analyze(case.session).to_dict()
    finally:
        an.find_bends = orig
    truth_ev = generate(seed, fs).truth.lifts
    det = doc.get("lifts", [])
    found = [(float(d["start_s"]), float(d["end_s"])) for d in det]
    pairs = match([(t["start"], t["end"]) for t in case.lifts], found, half=False)
    hit = {i for i, _ in pairs}
    angles, activity = cap["angles"], cap["activity"]
    t = angles.time
    f = np.degrees(np.where(angles.valid, angles.flexion, np.nan))
    rows = []
    for i, ev in enumerate(truth_ev):
        if not ev.upright_squat or (i in hit and not every):
            continue
        a, b = np.searchsorted(t, [ev.start, ev.end])
        w0, w1 = np.searchsorted(t, [ev.start - 2.0, ev.end + 2.0])
        exc = [(float(t[x0]), float(t[min(x1, len(t) - 1)]), d) for x0, x1, d in activity.excursions
               if t[x0] < ev.end + 1.0 and t[min(x1, len(t) - 1)] > ev.start - 1.0]
        trn = [(tr.start_s, tr.end_s, tr.kind, tr.rise_m) for tr in activity.transitions
               if tr.start_s < ev.end + 1.0 and tr.end_s > ev.start - 1.0]
        h = activity.height[w0:w1]
        ilow = w0 + int(np.nanargmin(h)) if np.any(np.isfinite(h)) else a
        kinds = np.unique(activity.kind[a:b])
        bends = [(lf.start_s, lf.end_s, lf.context, lf.found_by, lf.peak_flexion_deg,
                  lf.drop_m, lf.sensor_drop_m) for lf in cap["bends"]
                 if lf.start_s < ev.end and lf.end_s > ev.start]
        rows.append({
            "seed": seed, "fs": fs, "i": i, "found": i in hit, "onset": ev.onset,
            "offset": ev.offset, "start": ev.start, "end": ev.end, "dur": ev.end - ev.start,
            "hip_drop": ev.hip_drop_m, "sensor_drop": ev.sensor_drop_m, "knee": ev.knee_deg,
            "trunk": ev.trunk_deg, "twist": ev.twist_deg, "lateral": ev.lateral_deg,
            "flex_peak": float(np.nanmax(f[a:b + 1])),
            "height_drop": float(activity.height[max(w0, a - 1)] - activity.height[ilow]),
            "kind_low": act.KINDS[int(activity.kind[ilow])] if activity.kind[ilow] >= 0 else "gap",
            "kinds": [act.KINDS[k] if k >= 0 else "gap" for k in kinds],
            "excursions": exc, "transitions": trn, "bends": bends,
            "still_frac": float(np.mean(activity.still[a:b])),
        })
    return rows


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="13000,13008,13010")
    ap.add_argument("--rates", default="104")
    ap.add_argument("--all", action="store_true", help="every upright squat, found or not")
    args = ap.parse_args(argv)
    seeds = parse_seeds(args.seeds)
    if any(s >= HELD_OUT for s in seeds):
        print(f"refusing held-out seeds (>= {HELD_OUT})", file=sys.stderr)
        return 2
    for fs in [float(r) for r in args.rates.split(",")]:
        for s in seeds:
            for r in trace(s, fs, args.all):
                print(f"seed {s} fs {fs:g} lift {r['i']} found={r['found']}: "
                      f"onset {r['onset']:.2f} start {r['start']:.2f} end {r['end']:.2f} "
                      f"(dur {r['dur']:.2f} s) hip drop {r['hip_drop']:.3f} m sensor drop "
                      f"{r['sensor_drop']:.3f} m knee {r['knee']:.1f} trunk {r['trunk']:.1f} "
                      f"twist {r['twist']:.1f} lat {r['lateral']:.1f}")
                print(f"   seen: flex peak {r['flex_peak']:.1f} deg, height drop "
                      f"{r['height_drop']:.3f} m, kind at low {r['kind_low']}, kinds "
                      f"{r['kinds']}, still {r['still_frac']:.2f}")
                for e in r["excursions"]:
                    print(f"   excursion {e[0]:.2f}-{e[1]:.2f} drop {e[2]:.3f} m "
                          f"({e[1] - e[0]:.2f} s)")
                for e in r["transitions"]:
                    print(f"   transition {e[0]:.2f}-{e[1]:.2f} {e[2]} rise {e[3]:.3f} m")
                for e in r["bends"]:
                    print(f"   bend {e[0]:.2f}-{e[1]:.2f} {e[2]} by {e[3]} peak {e[4]:.1f} "
                          f"drop {e[5]} sensor drop {e[6]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
