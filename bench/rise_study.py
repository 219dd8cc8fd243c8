"""Study: a slip made getting up from a lie, or in the rise out of the sit after it (issue 15,
flexion; role RISE, twenty-first session; no analysis change of its own).

Usage (kept inputs from bench/slip_motion_study.py --part record):
    PYTHONPATH=$PWD/host .venv/bin/python bench/rise_study.py --part probe \
        --seeds 0-29,1000-1029 --rates 104 --cache /tmp/rise/cache,/tmp/hs/cache
    PYTHONPATH=$PWD/host .venv/bin/python bench/rise_study.py --part getups \
        --rates 104 --cache /tmp/rise/cache,/tmp/hs/cache

Part ``probe``: ``find_slips`` replayed (as bench/slip_override_trace.py, the worktree's
clipslip) and, for every ``place_slip`` call whose best held step is the step out of the sit
after a lie (``kb - 1 in after_lie``), the get-up into that sit and the rise out of it read
plain (``_gap_reading``: residual as a fraction of the change @ linear acceleration m/s^2) and
detrended (``_detrended_read``, the worse of the two flanks, and the half-window flank alone),
with the truth slip's place (GETUP, RISE, other) and whether the get-up is in the walks' and
stands' tie (exact; within one vote).

Part ``getups``: every kept session (first cache that holds it) with a truth slip inside a
sit/stand/lie transition next to a lie (a lie-down, a get-up, the rise after the sit after a
lie), with the worktree's replay offset, path and flexion (bench/slipone_study.py's ``study``).

Measured (RISE, 2026-12-08, /work/handoff/RISE.md): at 104 Hz, on 991 kept sessions (0-29,
1000-32029) and 33000-34029, the held step out of the sit after a lie is the best fit in 8
sessions: 31003 (the slip at the get-up's end: get-up 0.02 @ 0.26, rise 0.06 @ 3.14) and 7 whose
slip is in the rise or elsewhere (10, 1005, 6027, 14011, 14028, 15002, 21010; the get-up
0.05-1.19 of the change, never better than the rise with less linear acceleration). Part
``getups`` @104 lists 26 slips next to a lie; the other misplaced ones: 24025 (get-up, +7.7 s,
``tie_det``: the tie held the get-up and the rise; fixed by ``_getup_place`` there too), 5027
(get-up, +6.4 s, the get-up's window 1.19 of the change), 14001 and 34010 (get-up, -40.1 /
-30.7 s, ``tie_blend`` across the lie: 14001's get-up reads 1.01, 34010's 0.04 at 0.23 m/s^2
but with no rise in the tie).

Validation seeds (validate_analysis.HELD_OUT_FROM and on) are refused (held out).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from kyphos.processing import clipslip as cs  # noqa: E402

HELD_OUT_FROM = 35000  # bench/validate_analysis.py's


def _seeds(spec: str) -> list[int]:
    out: list[int] = []
    for part in spec.split(","):
        a, _, b = part.partition("-")
        out += range(int(a), int(b or a) + 1)
    if any(s >= HELD_OUT_FROM for s in out):
        raise SystemExit(f"seeds >= {HELD_OUT_FROM} are held out")
    return out


def reads(mo: Any, g0: int, g1: int, m_old: np.ndarray, m_new: np.ndarray,
          still: np.ndarray | None) -> tuple[tuple[float, float], float, float]:
    """(plain residual fraction, linear acceleration), detrended (worse flank), detrended
    (half-window flank) of the moving stretch [g0, g1)."""
    want = cs._wanted_turn(m_old, m_new)
    wn = float(np.linalg.norm(want))
    f = cs._gap_reading(mo, g0, g1, m_old, m_new, still, want)
    n = max(2, int(round(cs.SLIP_MOTION_S * mo[1])))
    v = m_old[:, 2]
    rl = cs._detrended_read(mo, g0, g1, max(1, n // 2), want, v, still)
    rs = cs._detrended_read(mo, g0, g1, max(1, int(round(cs.SLIP_FLANK_S * mo[1]))), want, v,
                            still)
    plain = (f[2] / f[5], f[4]) if f else (float("nan"), float("nan"))
    det = max(rl[0], rs[0]) / wn if rl and rs else float("nan")
    return plain, det, (rl[0] / wn if rl else float("nan"))


def probe(r: dict[str, Any]) -> list[str]:
    """Lines per placement whose best held step is the step out of the sit after a lie."""
    import slip_override_trace as sot

    _, calls = sot.spied_find_slips(r)
    t = r["time"]
    lines = []
    for d, (j, _j1), a, _kw in calls:
        if d is None or d.get("motion") is None:
            continue
        seq, by_votes, resid, after_lie = d["seq"], d["by_votes"], d["resid"], d["after_lie"]
        ks = d["ks"]
        fit = ks[np.isfinite(resid[ks])]
        kb = int(fit[np.argmin(resid[fit])]) if len(fit) else -1
        if kb < 2 or kb - 1 not in after_lie:
            continue
        mo, m_old, m_new, still, lo = d["motion"], d["m_old"], d["m_new"], d["still"], d["lo"]
        gu = (seq[kb - 2].i1, seq[kb - 1].i0)
        ri = (seq[kb - 1].i1, seq[kb].i0)
        pg, dg, dgl = reads(mo, *gu, m_old, m_new, still)
        pr, dr, drl = reads(mo, *ri, m_old, m_new, still)
        truth = [s for s in r["slips"] if t[lo] <= s <= t[min(a[2], len(t) - 1)]]
        where = " ".join("GETUP" if t[gu[0]] - 1 <= s <= t[gu[1]] + 0.5 else
                         "RISE" if t[ri[0]] - 0.5 <= s <= t[ri[1]] + 1 else "other"
                         for s in truth)
        tie = by_votes[kb - 1] >= by_votes.max() - 1e-9
        tie1 = by_votes[kb - 1] >= by_votes.max() - 1.0 - 1e-9
        placed = f"{t[j]:.1f}" if j >= 0 else "-1"
        lines.append(
            f"{r['seed']} @{r['fs']:g} truth {[round(s, 1) for s in truth]} [{where}] placed "
            f"{placed} | getup {t[gu[0]]:.1f}-{t[gu[1]]:.1f} plain {pg[0]:.3f}@{pg[1]:.2f} det "
            f"{dg:.2f} detl {dgl:.2f} | rise {t[ri[0]]:.1f}-{t[ri[1]]:.1f} plain "
            f"{pr[0]:.3f}@{pr[1]:.2f} det {dr:.2f} detl {drl:.2f} | tie {int(tie)} tie1 "
            f"{int(tie1)} slip {cs.rotation_deg(m_new.T @ m_old):.1f}")
    return lines


def getups(r: dict[str, Any]) -> list[str]:
    """Lines per truth slip inside a transition next to a lie (module docstring)."""
    import slipone_study as so

    tr = sorted((a, b) for n, a, b in r["events"] if n == "sit/stand/lie transition")
    lies = [(p.start_s, p.end_s) for p in r["probes"] if p.kind == "lying"]
    lines = []
    st: dict[str, Any] | None = None
    for s in r["slips"]:
        for j, (a, b) in enumerate(tr):
            if not a - 0.5 <= s <= b + 0.5:
                continue
            if any(abs(le - a) < 3.0 for _, le in lies):
                cls = "get-up"
            elif any(abs(ls - b) < 3.0 for ls, _ in lies):
                cls = "lie-down"
            elif j and any(abs(le - tr[j - 1][0]) < 3.0 for _, le in lies) \
                    and a - tr[j - 1][1] < 15:
                cls = "rise-after-lie"
            else:
                continue
            st = so.study(r, "worktree") if st is None else st
            sl = next(x for x in st["slips"] if abs(x["t"] - s) < 1e-6)
            lines.append(f"{r['seed']} @{r['fs']:g} slip {s:.1f} in {cls} ({a:.1f}-{b:.1f}): "
                         f"off {sl['off']:+.1f} s path {sl['path']} flex "
                         f"{(st['sq'] / st['n']) ** 0.5:.3f}")
    return lines


def _job(job: tuple[str, int, float, tuple[str, ...]]) -> list[str]:
    import slipone_study as so

    part, seed, fs, caches = job
    r = so._load("validation", seed, fs, list(caches))
    return probe(r) if part == "probe" else getups(r)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--part", choices=("probe", "getups"), default="probe")
    ap.add_argument("--seeds", default="", help="validation seeds (default: every kept one)")
    ap.add_argument("--rates", default="104")
    ap.add_argument("--cache", required=True, help="bench/slip_motion_study.py's caches, a,b,...")
    ap.add_argument("--jobs", type=int, default=1)
    args = ap.parse_args(argv)
    caches = tuple(args.cache.split(","))
    jobs = []
    for fs in (float(x) for x in args.rates.split(",")):
        kept = {int(f[len("validation"):].split("_")[0]) for c in caches if os.path.isdir(c)
                for f in os.listdir(c) if f.startswith("validation") and f.endswith(f"_{fs:g}.pkl")}
        seeds = sorted(kept & set(_seeds(args.seeds))) if args.seeds else sorted(kept)
        jobs += [(args.part, s, fs, caches) for s in seeds if s < HELD_OUT_FROM]
    from multiprocessing import Pool

    with Pool(max(1, args.jobs)) as p:
        for lines in p.imap(_job, jobs):
            for ln in lines:
                print(ln, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
