"""Trace: two rate-dependent flexion misses of development set 28000-28029 (validation family;
issue 15, flexion; role TRACE8B, eighteenth session).

Usage (kept inputs from bench/slip_motion_study.py --part record):
    PYTHONPATH=$PWD/host .venv/bin/python bench/slip_motion_study.py --part record \
        --seeds 28021,28008 --rates 52,104,208 --jobs 1 --cache /tmp/t8b/cache
    PYTHONPATH=$PWD/host .venv/bin/python bench/trace8b_study.py --part trace \
        --seeds 28021,28008 --rates 52,104,208 --cache /tmp/t8b/cache [--near 40]

Part ``trace``: ``find_slips`` replayed (as bench/slipone_study.py: motion rows, no walking
pass) with ``place_slip``'s locals kept once its steps are formed. Per placement, for every
posture whose start is within ``--near`` s of a truth slip: kind, times, each end's angle from
its kind's baseline in the old and the new mounting (d_old / d_new, deg; an end votes when it
is within SLIP_MIN_DEG, by the margin, half a vote), its sitting and walks'/stands' votes; and
per place (the gap before that posture): the step's size, what the slip leaves of it, the
out-and-back distance, the bounds (size within max(SLIP_AGREE_DEG, 0.4 slip) of the slip;
left within max(SLIP_AGREE_DEG, 0.5 size)), whether it is a step the slip undoes, and the
gap's plain turn reading (residual as a fraction of the change, linear acceleration m/s^2).

Part ``replay``: ``slipone_study.study`` per kept session and variant (``worktree``,
``file:PATH``, ``git:REV``; ``raw+`` before one reads the slip's own motion from the unfiltered
specific force — the validation generator's rows, less the offset the analysis removed —,
kept in ``--raw-dir``); per rate the pooled flexion and better / worse / unchanged against the
first variant, then every changed session.
    PYTHONPATH=$PWD/host .venv/bin/python bench/trace8b_study.py --part replay \
        --seeds 0-29,20000-20029,23000-23029,25000-25029,26000-26029,27000-27029,28000-28029 \
        --rates 52 --cache /tmp/t8b/cache --variants git:0f382bf,worktree,raw+git:0f382bf,raw+worktree

Measured (TRACE8B, 2026-12-07, replay against 0f382bf; /work/handoff/TRACE8B.md):
- 28021 (-10.7 deg slip made seated 1.3 s before a seated slouch): the sitting tie-break found
  the slip's own turn at every rate; the slouched sit's first end read 4.90 / 5.13 / 4.80 deg
  from the sitting baseline in the old mounting at 52 / 104 / 208 Hz (SLIP_MIN_DEG 5), and its
  half vote vetoed the turn at 52 and 208 Hz: the slouch's release took the slip 34 s late.
  Fixed by e882fbb (the veto needs a posture old at both ends): 208 Hz 2.68 -> 0.27 deg; no other
  session changes (52 Hz 210, 104 Hz 330, 208 Hz 180+ sessions).
- 28008 (+10.6 deg slip 18.7 s into a standing slouch) @52 and 28021 @52: the slip's own turn
  reads 0.148 / 0.165 m/s^2 of linear acceleration at 52 Hz (SLIP_MOTION_LIN 0.1; 0.016-0.025 at
  104 / 208 Hz): the 20.8-Hz zero-phase low-pass of the prepared specific force spreads the
  aliased skin-wobble ring kicked at the slip's end into the turn (error-free generator rows:
  0.007 / 0.019 unfiltered, 0.092 / 0.162 low-passed; 104 Hz 0.001 / 0.005). Replay ``raw``:
  52 Hz 210 sessions 0.6023 -> 0.5858 deg (6 better, none worse; 28008 1.963 -> 0.281), with
  e882fbb 0.5583 (28021 @52 2.630 -> 0.313); 104 Hz 0-29 and 28000 unchanged. Not shipped.

Measured (REVIEW, nineteenth session, at dd6b36c's clipslip): VETO and TRACE8B (both in the
sitting tie-break's turn veto) against each alone, variants with one condition removed
(``upto = len(vs)``: TRACE8B alone; ``< 0.0`` for ``<= -1.0``: VETO alone; both removed),
0-29, 20000, 23000, 25000-28000 at 52/104/208 Hz (630 session-rates): TRACE8B alone is worse
only on 27023 at every rate (0.495 / 0.429 / 0.439 -> 2.676 / 2.707 / 2.705 deg), VETO alone
only on 28021 @208 (0.273 -> 2.682); both removed is exactly the union: no interaction.

Validation seeds (validate_analysis.HELD_OUT_FROM and on) are refused (held out).
"""

from __future__ import annotations

import os
import sys
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from kyphos.processing import clipslip as cs  # noqa: E402
from kyphos.processing import params as P  # noqa: E402

_ANCHOR = "    steps = np.flatnonzero(np.isfinite(resid) | undone)\n"


def spied() -> tuple[Any, list[dict[str, Any]]]:
    """``place_slip`` with its locals kept after its steps are formed; the list of them."""
    import slip_override_trace as sot

    return sot.spied(_ANCHOR)

def trace(r: dict[str, Any], near: float) -> list[str]:
    """Lines per placement (module docstring)."""
    import slip_override_trace as sot

    out, spied_calls = sot.spied_find_slips(r, _ANCHOR)
    calls = [(d, res, bool(k.get("by_turn_only") or len(a) > 8 and a[8]))
             for d, res, a, k in spied_calls]
    t = r["time"]
    lines = [f"seed {r['seed']} @{r['fs']:g}: truth slips {[round(x, 1) for x in r['slips']]}; "
             f"re-references {[round(x.t_s, 1) for x in out]}"]
    for d, (j, j1), late in calls:
        if d is None:
            continue
        placed = [round(float(t[i]), 1) for i in (j, j1) if i is not None and i >= 0]
        seq, base, m_old, m_new = d["seq"], d["base"], d["m_old"], d["m_new"]
        lines.append(f" place_slip{' (late, by turn only)' if late else ''} "
                     f"{t[d['lo']]:.1f}-{t[min(d['hi'], len(t) - 1)]:.1f} -> {placed}; slip "
                     f"{d['slip']:.2f} deg, margin {d['margin']:.2f}; steps "
                     f"{d['steps'].tolist()}")
        vs, vc = d["votes"](("sitting",)), d["v_conf"]
        want = cs._wanted_turn(m_old, m_new)
        for k, pr in enumerate(seq):
            if not any(abs(pr.start_s - s) <= near for s in r["slips"]):
                continue
            bk = base.get(pr.kind)
            ends = d["ends"][k]
            if bk is not None:
                ang = [f"{cs.angle_deg(mm.T @ e, bk):5.2f}" for e in ends for mm in (m_old, m_new)]
                ang_s = f"ends old/new {ang[0]}/{ang[1]} {ang[2]}/{ang[3]}"
            else:
                ang_s = "no baseline"
            step = ""
            if k:
                bound_size = max(P.SLIP_AGREE_DEG, 0.4 * d["slip"])
                bound_left = max(P.SLIP_AGREE_DEG, 0.5 * d["size"][k])
                g0, g1 = seq[k - 1].i1, seq[k].i0
                f = cs._gap_reading(d["motion"], g0, g1, m_old, m_new, d["still"], want) \
                    if g1 > g0 else None
                rd = "-" if f is None else f"{f[2] / f[5]:.2f} of it at {f[4]:.2f} m/s2"
                step = (f" | gap {t[g0]:.1f}-{t[min(g1, len(t) - 1)]:.1f}: same {d['same'][k]!s:5s} "
                        f"size {d['size'][k]:5.2f} (|size-slip| {abs(d['size'][k] - d['slip']):.2f}"
                        f" <= {bound_size:.2f}) left {d['left'][k]:5.2f} (<= {bound_left:.2f}) "
                        f"back {d['back'][k]:5.2f} undone {bool(d['undone'][k])!s:5s} "
                        f"resid {d['resid'][k]:.2f}; turn {rd}")
            lines.append(f"   k={k:3d} {pr.kind:8s} {pr.start_s:6.1f}-{pr.end_s:6.1f} {ang_s} "
                         f"sit {vs[k]:+.1f} w/s {vc[k]:+.1f} score {d['score'][k]:+5.1f}{step}")
    import slip_motion_study as sms

    lines += [sms.events_near(r, s, 60.0) for s in r["slips"]]
    return lines


def raw_acc(r: dict[str, Any], raw_dir: str) -> np.ndarray | None:
    """The chip's specific force on the kept session's rows, unfiltered (the validation
    generator's own samples: ``generate(seed, fs).acc``), less the offset the analysis removed
    from its prepared rows (their mean difference: the low-pass keeps the mean); None when the
    prepared rows are not the chip's rows one to one (a resampled or split recording). Kept in
    ``raw_dir``."""
    path = os.path.join(raw_dir, f"raw{r['seed']}_{r['fs']:g}.npy")
    if os.path.exists(path):
        acc = np.load(path)
    else:
        from kyphos.sim.validation.generate import generate

        v = generate(int(r["seed"]), float(r["fs"]))
        if len(v.time) != len(r["time"]) or not np.allclose(v.time, r["time"], atol=1e-6):
            return None
        acc = np.asarray(v.acc, float)
        os.makedirs(raw_dir, exist_ok=True)
        np.save(path, acc)
    ok = np.isfinite(r["acc"]).all(axis=1)
    return np.asarray(acc - np.mean(acc[ok] - r["acc"][ok], axis=0))


def _replay_job(job: tuple[int, float, tuple[str, ...], tuple[str, ...], str]) -> dict[str, Any]:
    """slipone_study.study of one kept session per variant; a variant ``raw+SPEC`` replays
    ``SPEC`` (worktree or file:PATH) with the slip's motion read from the unfiltered rows."""
    import slipone_study as so

    seed, fs, caches, variants, raw_dir = job
    r = so._load("validation", seed, fs, list(caches))
    out: dict[str, Any] = {"seed": seed, "fs": fs}
    for v in variants:
        if v.startswith("raw+"):
            a = raw_acc(r, raw_dir)
            if a is None:
                out[v] = None
                continue
            out[v] = so.study(dict(r, acc=a), v[4:])
        else:
            out[v] = so.study(r, v)
    return out


def replay(rows: list[dict[str, Any]], variants: list[str]) -> list[str]:
    """Per variant against the first: pooled flexion per rate, better / worse / unchanged
    sessions (a change of more than 0.005 deg of the session's RMSE), the changed sessions."""
    base = variants[0]
    lines = []
    for v in variants[1:]:
        lines.append(f"== {v} against {base}")
        for fs in sorted({r["fs"] for r in rows}):
            rr = [r for r in rows if r["fs"] == fs and r[v] is not None]
            sq0, n0 = sum(r[base]["sq"] for r in rr), sum(r[base]["n"] for r in rr)
            sq1, n1 = sum(r[v]["sq"] for r in rr), sum(r[v]["n"] for r in rr)
            d = [np.sqrt(r[v]["sq"] / r[v]["n"]) - np.sqrt(r[base]["sq"] / r[base]["n"]) for r in rr]
            lines.append(f"  @{fs:g}: {len(rr)} sessions; pooled {np.sqrt(sq0 / n0):.4f} -> "
                         f"{np.sqrt(sq1 / n1):.4f}; better {sum(x < -0.005 for x in d)}, worse "
                         f"{sum(x > 0.005 for x in d)}, unchanged {sum(abs(x) <= 0.005 for x in d)}"
                         f"{'; ' + str(sum(r[v] is None for r in rows if r['fs'] == fs)) + ' not read' if any(r[v] is None for r in rows if r['fs'] == fs) else ''}")
        for r in rows:
            a, b = r[base], r[v]
            if b is None or abs(np.sqrt(a["sq"] / a["n"]) - np.sqrt(b["sq"] / b["n"])) <= 1e-4:
                continue
            lines.append(f"    {r['seed']:5d} @{r['fs']:3.0f}: {np.sqrt(a['sq'] / a['n']):.3f} -> "
                         f"{np.sqrt(b['sq'] / b['n']):.3f}; offsets "
                         f"{[round(s['off'], 1) for s in a['slips']]} -> "
                         f"{[round(s['off'], 1) for s in b['slips']]}; "
                         f"{[s['path'] for s in a['slips']]} -> {[s['path'] for s in b['slips']]}")
    return lines


def main(argv: list[str]) -> int:
    import slip_motion_study as sms

    ap = sms.trace_parser(__doc__, ("trace", "replay"), "28021,28008", "/tmp/t8b/cache",
                          rates="52,104,208")
    ap.add_argument("--variants", default="worktree,raw+worktree",
                    help="comma-separated: worktree | file:PATH | git:REV, each optionally "
                         "raw+ (the slip's motion from the unfiltered rows); the first is the base")
    ap.add_argument("--raw-dir", default="/tmp/t8b/raw", help="kept unfiltered rows")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--near", type=float, default=40.0, help="s either side of a truth slip")
    args = ap.parse_args(argv)
    from validate_analysis import development_seeds, run_jobs

    seeds = development_seeds(args.seeds, "validation")
    rates = [float(x) for x in args.rates.split(",")]
    if args.part == "replay":
        variants = tuple(args.variants.split(","))
        rows = run_jobs(_replay_job, [(s, fs, tuple(args.cache.split(",")), variants,
                                       args.raw_dir) for fs in rates for s in seeds], args.jobs)
        print(f"validation seeds {args.seeds}, rates {args.rates} (replay, no walking pass)")
        print("\n".join(replay(rows, list(variants))))
        return 0
    for seed in seeds:
        for fs in rates:
            print("\n".join(trace(sms.load(("validation", seed, fs, args.cache.split(",")[0])),
                                   args.near)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
