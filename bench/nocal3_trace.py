"""Where a recording without a calibration note differs from the same one with it: per session,
the re-references that match no truth slip (within 20 s), the sustained bends and lifts the
no-note analysis misses, each with what the note path found there.

    PYTHONPATH=host .venv/bin/python bench/nocal3_trace.py --seeds 19000-19029 --rates 104 --jobs 1
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

sys.path.insert(0, os.path.dirname(__file__))
from validate_analysis import development_seeds, match, run_jobs, validation_case  # noqa: E402


def _row(job: tuple[int, float, bool]) -> dict[str, Any]:
    from kyphos.analysis import analyze

    seed, fs, note_too = job
    out: dict[str, Any] = {"seed": seed, "fs": fs}
    for note in ((False, True) if note_too else (False,)):
        case = validation_case(seed, fs, note=note)
        a = analyze(case.session)
        d = a.to_dict()
        rr = [(float(x["t_s"]), float(x["deg"]), str(x["why"])) for x in d["re_references"]]
        slips = [(t - 20, t + 20) for t, _ in case.slips]
        pr = match(slips, [(t, t + 1e-3) for t, _d, _w in rr], half=False)
        hit = {j for _i, j in pr}
        lifts = [(float(x["start_s"]), float(x["end_s"])) for x in d["lifts"]]
        tl = [(t["start"], t["end"]) for t in case.lifts]
        lp = match(tl, lifts, half=False)
        sb = [(float(x["start_s"]), float(x["end_s"])) for x in d.get("sustained_bends", [])]
        bp = match(case.bends, sb, half=True)
        out["note" if note else "nonote"] = {
            "slips": case.slips,
            "false_rr": [r for j, r in enumerate(rr) if j not in hit],
            "rr": rr,
            "missed_lifts": [tl[i] for i in range(len(tl)) if i not in {p[0] for p in lp}],
            "missed_bends": [case.bends[i] for i in range(len(case.bends))
                             if i not in {p[0] for p in bp}],
            "found_bends": sb,
            "cal": d["calibration"],
        }
    return out


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", required=True)
    ap.add_argument("--rates", default="104")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--no-note-only", action="store_true")
    args = ap.parse_args(argv)
    jobs = [(s, float(f), not args.no_note_only) for f in args.rates.split(",")
            for s in development_seeds(args.seeds)]
    tot = {"false_rr": 0, "missed_lifts": 0, "missed_bends": 0}
    for r in run_jobs(_row, jobs, args.jobs):
        nn = r["nonote"]
        for k in tot:
            tot[k] += len(nn[k])
        if not any(nn[k] for k in tot):
            continue
        c = nn["cal"]
        print(f"seed {r['seed']} @{r['fs']:.0f}: slips {[(round(t, 1), round(d, 1)) for t, d in nn['slips']]}"
              f"; cal up {c['upright_s']} conf {c['upright_confidence']}/{c['sagittal_confidence']}"
              f" calbends {c['calibration_bends_s']}")
        for k in tot:
            if nn[k]:
                print(f"   no note {k}: {nn[k]}")
                if "note" in r:
                    print(f"   note    {k}: {r['note'][k]}")
        if nn["false_rr"] and "note" in r:
            print(f"   note rr: {r['note']['rr']}")
    print("totals no note:", tot)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
