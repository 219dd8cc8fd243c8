"""Study: clip slips re-referenced late or early (issue 15, flexion RMSE; role LATE).

Usage:
    PYTHONPATH=host .venv/bin/python bench/late_study.py --seeds 6000-6029,...,11000-11029 \
        --rates 104 --cache /tmp/late/cache [--off 1.0] [--json out.jsonl] [--variants stepturn]

Kept inputs as bench/slip_motion_study.py --part record keeps them (``--cache``; recorded when
missing: one analysis per session). ``find_slips`` replayed with motion (the replay leaves out
the walking pass, so its flexion differs from validate_analysis.py's by a few 0.01 deg). Per
truth slip: the truth event it falls in, the nearest re-reference's offset (s; + late), the
slip window's share of the session's squared flexion error. Prints the slips placed more than
``--off`` s off or not at all. With ``--variants``: bench/slipplace_study.py's replay of
the variants in :data:`PATCHES` against the shipped code.

Measured (LATE, 2026-12-06; kept inputs at 4f9bdcb, validation 6000-6029 ... 11000-11029 at 104
Hz, 180 sessions): at 4f9bdcb (PYTHONPATH at its git archive) slips within 0.5 / 1 / 5 / 20 s
140 / 152 / 176 / 178 of 180, 28 more than 1 s off, 13 of them a step over a movement longer
than 2 s switched at its start (1.0-7.0 s early; lifts, a sit/stand); replayed pooled flexion
0.5282 deg. ``--variants git:4f9bdcb,stepmid,stepturn`` at 6ddc780 (the blend across the whole
movement): shipped 0.5012, 4f9bdcb 0.5282, stepmid 0.5102, stepturn 0.5148 deg; the blend
changes 18 sessions, 15 better and 3 worse (9013, 9024, 11003: slips in the movement's first
7 %). simday 100-119 at 104 Hz: no variant changes anything (the branch never fires).

Validation seeds (validate_analysis.HELD_OUT_FROM and on) are refused (held out).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

import numpy as np

_STEP = "        return seq[k - 1].i1, seq[k].i0\n"
_LONG = ("        g0, g1 = seq[k - 1].i1, seq[k].i0\n"
         "        if motion is not None and g1 - g0 > 2.0 * motion[1]:\n")
#: variants of where a step between two held postures whose movement is longer than 2 s (a
#: lift, a bend between them) places the slip, patched into clipslip in memory
#: (bench/slipplace_study.py --part replay). At 4f9bdcb (``git:4f9bdcb``) such a movement was
#: switched at its start; "stepblend" (a blend across the whole movement) ships since the
#: eleventh session (LATE), so the two below are measured against it
PATCHES: dict[str, list[tuple[str, str, str]]] = {
    # the middle of the movement: halves the worst case
    "stepmid": [("place_slip", _STEP, _LONG + "            return (g0 + g1) // 2, None\n"
                 "        return g0, g1\n")],
    # the movement's window whose turn matches the slip best (residual within
    # SLIP_MOTION_ERR of the change; the linear acceleration not bounded: the step already
    # chose this movement, the turn says only where in it)
    "stepturn": [("place_slip", _STEP, _LONG +
                  "            fs_ = motion[1]\n"
                  "            w_ = max(int(round(SLIP_MOTION_S * fs_)), int(SLIP_OFFSET_S * fs_))\n"
                  "            a_ = max(0, g0 - w_)\n"
                  "            gy_, ac_ = motion[0](a_, g1 + w_)\n"
                  "            f_ = slip_motion_windows(gy_, ac_, fs_, g0 - a_, g1 - a_, m_old, m_new,\n"
                  "                                     None if still is None else still[a_:a_ + len(gy_)])\n"
                  "            if f_ is not None and f_[2] <= SLIP_MOTION_ERR * f_[5] \\\n"
                  "                    and g0 <= a_ + f_[0] < g1:\n"
                  "                return a_ + f_[0], a_ + f_[1]\n"
                  "        return g0, g1\n")],
    # count only: the shipped placement, printing each long step it takes
    "steplong": [("place_slip", _STEP, _LONG +
                  "            print(f'    long step {g0 / motion[1]:.1f}-{g1 / motion[1]:.1f} s')\n"
                  "        return g0, g1\n")],
}


def listed(job: tuple[str, int, float, str]) -> dict[str, Any]:
    """One kept session (recorded if missing): find_slips replayed with motion as shipped; per
    truth slip its offset (s, + late; inf: no re-reference), the truth event it falls in, and the
    slip window's share of the session's squared flexion error."""
    sys.path.insert(0, os.path.dirname(__file__))
    import slip_motion_study as sms
    import slipplace_study as sps

    r = sms.load(job)
    a = sps.replay(r, "shipped")
    return {"seed": r["seed"], "fs": r["fs"], "sq": a["sq"], "n": a["n"], "sq_win": a["sq_win"],
            "rr": a["rr"], "slips": [(ts, o, _event(r["events"], ts)) for ts, o
                                     in zip(r["slips"], a["off"], strict=True)]}


def _event(events: list[tuple[str, float, float]], ts: float) -> str:
    """The truth events (lift, task bend, seated reach, slouch, transition, walking, ...) that
    hold time ``ts``, joined by "+", else "-"."""
    return "+".join(sorted({n for n, a0, a1 in events if a0 - 0.05 <= ts <= a1 + 0.05})) or "-"


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--family", choices=("validation", "simday"), default="validation")
    ap.add_argument("--seeds", default="6000-6029")
    ap.add_argument("--rates", default="104")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--off", type=float, default=1.0, help="list slips placed farther (s)")
    ap.add_argument("--json", default=None, help="write one JSON line per session here")
    ap.add_argument("--cache", required=True, help="kept inputs (slip_motion_study record)")
    ap.add_argument("--variants", default="", help=f"replay: {', '.join(PATCHES)}")
    args = ap.parse_args(argv[1:])
    sys.path.insert(0, os.path.dirname(__file__))
    if args.variants:  # replay find_slips on kept inputs, shipped vs variants (in memory)
        import slipplace_study as sps

        sps.PATCHES.update(PATCHES)
        return int(sps.main([argv[0], "--family", args.family, "--seeds", args.seeds, "--rates",
                             args.rates, "--cache", args.cache, "--part", "replay",
                             "--variants", args.variants]))
    from validate_analysis import development_seeds, run_jobs

    seeds = development_seeds(args.seeds, args.family)
    rates = [float(x) for x in args.rates.split(",")]
    rows = run_jobs(listed, [(args.family, s, fs, args.cache) for fs in rates for s in seeds],
                    args.jobs)
    if args.json:
        with open(args.json, "w") as f:
            for r in rows:
                f.write(json.dumps(r) + "\n")
    print(f"{args.family} seeds {args.seeds} rates {args.rates}: slips placed > {args.off:g} s "
          "off or missing (offset s, + late; the truth event at the slip; the slip window's share "
          "of the session's squared flexion error; the session's flexion RMSE, replayed)")
    for r in rows:
        for ts, o, ev in r["slips"]:
            if not abs(o) <= args.off:
                print(f"seed {r['seed']:5d} fs {r['fs']:4.0f}: slip {ts:7.1f} s in {ev:24s} off "
                      f"{o:+7.2f} share {r['sq_win'] / max(r['sq'], 1e-12):.2f}; session "
                      f"{np.sqrt(r['sq'] / r['n']):.2f} deg")
    sq, n = sum(r["sq"] for r in rows), sum(r["n"] for r in rows)
    offs = np.abs([o for r in rows for _ts, o, _ev in r["slips"]])
    print(f"pooled flexion {np.sqrt(sq / n):.3f} deg over {len(rows)} sessions; slips within "
          f"0.5 / 1 / 5 / 20 s: {np.sum(offs <= 0.5)} / {np.sum(offs <= 1)} / {np.sum(offs <= 5)} "
          f"/ {np.sum(offs <= 20)} of {len(offs)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
