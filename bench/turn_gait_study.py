#!/usr/bin/env python3
"""Study: a gait heading as evidence of a slip's turn about body z (TURNLIE, thirteenth session).

Gravity cannot see a turn of the clip about the vertical; held forward bends can, but a lift
bottom leaned sideways reads like a turn (TURN, AFTER, LIESLIP; validation 14025: two lift
bottoms leaned +13 deg set a -8.8 deg turn against a true +0.8). A walk sees the body's forward
axis too: the trunk's horizontal acceleration at the step frequency is fore-aft (surge, the
trunk's pitch at each step), at the stride frequency side to side (sway, roll). This study
reads, for every walk (a walking probe), `clipslip.gait_dir`: the line of the horizontal
specific force at the walk's step frequency (the vertical bounce's spectral peak; the
side-to-side sway runs at half of it), in body coordinates through a mounting, as the same
"direction" `clipslip._bend_dirs` gives a held bend (deg about body z, 0 straight ahead), so
that a change of it across a slip is the slip's turn in `_turn_by_held_bends`' convention
(``need`` = minus that change).

Per session: the true turn the slip's stretch needs (the pre-turn mounting against the true
one), the turn the held bends set, and the gait's turn (mean walk direction after minus before,
each through the mounting of its stretch; walks longer than ``--min-s``); also each walk's
direction through the true mounting (how far the gait's axis is from the body's x at all).

    PYTHONPATH=$PWD/host .venv/bin/python bench/turn_gait_study.py --seeds 14025 --rates 104
    PYTHONPATH=$PWD/host .venv/bin/python bench/turn_gait_study.py --seeds 14000-14029 \
        --rates 104 --json /tmp/gait14.jsonl
    .venv/bin/python bench/turn_gait_study.py --summary /tmp/gait14.jsonl

Refuses held-out seeds (validate_analysis.HELD_OUT_FROM and on) like the other studies.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

import numpy as np
from scipy.spatial.transform import Rotation

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from validate_analysis import development_seeds, run_jobs  # noqa: E402


def _turn_z(m_a: np.ndarray, m_b: np.ndarray) -> float:
    """Turn about body z (deg) taking mounting m_a to m_b (body coordinates)."""
    return float(np.degrees(Rotation.from_matrix(m_a.T @ m_b).as_rotvec()[2]))


def trace(job: tuple[int, float]) -> dict[str, Any]:
    from flexion_budget import _true_m
    from kyphos import analysis as an
    from kyphos.processing import clipslip as cs
    from kyphos.sim.validation import generate
    from validate_analysis import validation_case

    seed, fs = job
    case = validation_case(seed, fs, note=True)
    v = generate(seed, fs)
    sl = v.truth.clip_slips[0]
    t_end = float(v.time[-1])
    m_true = _true_m(v.script, np.array([0.0, t_end]), wobble=False)
    pre: list[Any] = []
    orig = cs._turn_by_held_bends

    def keep(out: list[Any], probes: list[Any], m0: np.ndarray, *rest: Any) -> list[Any]:
        pre[:] = [out, probes, m0]
        return orig(out, probes, m0, *rest)

    cs._turn_by_held_bends = keep  # type: ignore[assignment]
    try:
        a = an.analyze(case.session)
    finally:
        cs._turn_by_held_bends = orig  # type: ignore[assignment]
    row: dict[str, Any] = {"seed": seed, "fs": fs, "slip_t": sl.t, "slip_deg": sl.deg,
                           "true_slip_turn": _turn_z(m_true[0], m_true[1])}
    if not pre:
        row["why"] = "no re-reference"
        return row
    out, probes, m0 = pre
    acc = a.prepared.acc
    n = len(a.prepared.time)
    edges = [0] + [rr.index for rr in out if rr.index > 0] + [n]
    mats = [m0] + [rr.sensor_from_body for rr in out if rr.index > 0]
    shipped = [m0] + [rr.sensor_from_body for rr in a.re_references if rr.index > 0]
    slip_i = int(np.searchsorted(a.prepared.time, sl.t))
    stretches = []
    for k, (m, ms) in enumerate(zip(mats, shipped, strict=False)):
        walks = []
        for x in probes:
            if x.kind != "walking" or not edges[k] <= x.i0 < edges[k + 1]:
                continue
            if x.i0 < slip_i + 1 * fs < x.i1:  # the slip inside the walk: neither mounting
                continue
            mt = m_true[0] if x.i1 <= slip_i else m_true[1]
            d = cs.gait_dir(acc[x.i0:x.i1], x.up, m, fs)[0]
            dt = cs.gait_dir(acc[x.i0:x.i1], x.up, mt, fs)[0]
            walks.append({"t": x.start_s, "dur": x.end_s - x.start_s, "dir": d, "true_dir": dt})
        mt = m_true[0] if k == 0 else m_true[1]
        bends = [float(b) for b in cs._bend_dirs(probes, edges[k], edges[k + 1], m)]
        stretches.append({"t0": float(a.prepared.time[edges[k]]), "need": _turn_z(m, mt),
                          "set": _turn_z(m, ms), "after": _turn_z(ms, mt), "walks": walks,
                          "bends": bends})
    row["stretches"] = stretches
    return row


def _fmt(row: dict[str, Any], min_s: float) -> str:
    lines = [f"seed {row['seed']} fs {row['fs']:g}: slip {row['slip_t']:.1f} s "
             f"{row['slip_deg']:+.1f} deg, true turn {row['true_slip_turn']:+.2f}"]
    for k, st in enumerate(row.get("stretches", [])):
        g = [w["dir"] for w in st["walks"] if w["dur"] >= min_s]
        lines.append(f"  stretch {k} from {st['t0']:.1f} s: need {st['need']:+.2f} set "
                     f"{st['set']:+.2f} after {st['after']:+.2f}; gait mean "
                     f"{np.mean(g) if g else float('nan'):+.2f} over {len(g)} walks; bends "
                     f"{np.round(st['bends'], 1).tolist()}")
        for w in st["walks"]:
            lines.append(f"    walk {w['t']:.1f} s {w['dur']:.1f} s dir {w['dir']:+.2f} (true "
                         f"mounting {w['true_dir']:+.2f})")
    return "\n".join(lines)


def summary(rows: list[dict[str, Any]], min_s: float) -> None:
    """Gait heading through the true mounting (bias and spread per walk), and the gait's turn
    across the slip against the true one (sessions with walks on both sides of the slip)."""
    true_dirs = [w["true_dir"] for r in rows for st in r.get("stretches", []) for w in st["walks"]
                 if w["dur"] >= min_s]
    td = np.array(true_dirs)
    print(f"walks >= {min_s:g} s: {len(td)}; direction through the true mounting: mean "
          f"{td.mean():+.3f} sd {td.std():.3f} max |.| {np.abs(td).max():.2f} deg")
    errs, sets, needs = [], [], []
    for r in rows:
        st = r.get("stretches", [])
        if len(st) < 2:
            continue
        g0 = [w["dir"] for w in st[0]["walks"] if w["dur"] >= min_s]
        for s in st[1:]:
            g1 = [w["dir"] for w in s["walks"] if w["dur"] >= min_s]
            # _turn_by_held_bends turns the mounting by -(mean(d) - mean(ref)) about body z
            # (its ``set``); the gait's directions read the same way
            if not g0 or not g1:
                continue
            gt = -float(np.mean(g1) - np.mean(g0))
            errs.append(gt - s["need"])
            sets.append(s["set"] - s["need"])
            needs.append(s["need"])
            print(f"  {r['seed']} @{r['fs']:g}: need {s['need']:+.2f} gait {gt:+.2f} (err "
                  f"{gt - s['need']:+.2f}) bends set {s['set']:+.2f} (err {s['set'] - s['need']:+.2f})"
                  f" walks {len(g0)}/{len(g1)}")
    if errs:
        e, b = np.array(errs), np.array(sets)
        print(f"stretches with walks on both sides: {len(e)}; gait turn error RMS {np.sqrt(np.mean(e**2)):.3f} "
              f"max {np.abs(e).max():.2f}; held bends' turn error RMS {np.sqrt(np.mean(b**2)):.3f} "
              f"max {np.abs(b).max():.2f}; no turn RMS {np.sqrt(np.mean(np.array(needs)**2)):.3f}")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", default="14025")
    ap.add_argument("--rates", default="104")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--json", help="append one JSON line per session here")
    ap.add_argument("--summary", help="print the summary of a --json file and stop")
    ap.add_argument("--min-s", type=float, default=0.0, help="shortest walk counted (s)")
    args = ap.parse_args(argv)
    if args.summary:
        with open(args.summary) as f:
            summary([json.loads(x) for x in f if x.strip()], args.min_s)
        return 0
    seeds = development_seeds(args.seeds)
    jobs = [(s, float(r)) for s in seeds for r in args.rates.split(",")]
    rows = []
    for row in run_jobs(trace, jobs, args.jobs):
        rows.append(row)
        print(_fmt(row, args.min_s), flush=True)
        if args.json:
            with open(args.json, "a") as f:
                f.write(json.dumps(row) + "\n")
    summary(rows, args.min_s)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
