"""Trace: the last held-out run's two early clip slips and its before-slip error (validation
29008, 29027, 29000-29029, now development data; issue 15, flexion; role TRACE9, eighteenth
session). Trace only: no analysis change.

Usage (kept inputs from bench/slip_motion_study.py --part record; per-sample error from
bench/flexion_worst.py --cache):
    PYTHONPATH=$PWD/host .venv/bin/python bench/slip_motion_study.py --part record \
        --seeds 29008,29027 --rates 52,104,208 --jobs 1 --cache /tmp/t9/cache
    PYTHONPATH=$PWD/host .venv/bin/python bench/trace9_study.py --part exit \
        --seeds 29008,29027 --rates 52,104,208 --cache /tmp/t9/cache
    PYTHONPATH=$PWD/host .venv/bin/python bench/flexion_worst.py --seeds 29000-29029 \
        --rates 104 --worst 1 --cache /tmp/t9/fw
    PYTHONPATH=$PWD/host .venv/bin/python bench/trace9_study.py --part before \
        --seeds 29000-29029 --rates 104 --fw /tmp/t9/fw
    PYTHONPATH=$PWD/host .venv/bin/python bench/trace9_study.py --part variants --out /tmp/t9/var
    PYTHONPATH=$PWD/host .venv/bin/python bench/trace8b_study.py --part replay --seeds 29008,29027 \
        --rates 52,104,208 --cache /tmp/t9/cache --variants worktree,file:/tmp/t9/var/varWX.py

Part ``exit``: ``find_slips`` replayed (as bench/slipone_study.py: motion rows, no walking pass)
with ``place_slip``'s locals kept (bench/trace8b_study.py's spy). For the search that placed
the slip nearest each truth slip: the posture that closed the search (the first reading the new
mounting), and three moving stretches read for the slip's own turn -- the gap into that posture,
the gap out of it (to the next probe), and the truth slip +-1 s: the plain reading
(``_gap_reading``: residual as a fraction of the change, linear acceleration m/s^2) and the
detrended one (``_detrended_place``: the least SLIP_MOTION_ERR at which it takes the stretch).

Part ``variants``: replay variants of this tree's ``processing/clipslip.py`` (never shipped
from here; for ``slipone_study.py`` / ``trace8b_study.py --part replay``):

* ``varW.py``: ``_detrended_place`` reads a place with no gap (a walk's split: the two halves
  of one walk) over one window either side of the split, not only windows starting within half
  a window of it (29027: the split is 0.4 s before the slip's turn; the windows it allowed read
  0.67 of the change, the slip's own 0.07);
* ``varX.py``: in ``find_slips``, a slip placed before the posture that shows it, at a step whose
  movement turns as the slip does neither plain (``_turns_as_slip``) nor detrended, is moved to
  the step out of that posture when that step's detrended reading takes it (29008: the slouch's
  onset reads 0.68 / 0.94 of the change, its release 0.45 / 0.20 at 0.02 m/s^2);
* ``varWX.py``: both.

Part ``before``: validate_analysis' "before the slip (not lying)" per session (RMS of the
error before the first truth slip, lying left out; the report's mean is over sessions), split
by cause with flexion_worst's per-sample components: the part in an early slip window (a
re-reference placed before the truth slip, to the slip), in a false re-reference's window, and
the rest; the rest's reference part (mounting + chip: a wrong upright) and its mean, and its
VQF-motion and angle-stage parts.

Measured (TRACE9, 2026-12-07, host = 9b65bd3's analysis; /work/handoff/TRACE9.md):
- 29008 (+11.4 deg slip at 302.9 s, at the release of a 28.7-s standing slouch 274.3-303.0 in
  the slip's direction): the slouched stand reads the new mounting at both ends (old 12.3 /
  11.4 deg, new 1.5 / 1.4), so the search ends at it and the tie is blended over the slouch's
  onset gap (274.3-275.1): 28.6 s early at every rate. The release undoes the slip: the sensor
  hardly turns there. New among the traced placements: the mirror of TRACE7's 27027 (a slip in
  a slouch's onset, the slouch reading old) -- here the slip is in the release and the slouch
  reads new.
- 29027 (-9.0 deg slip at 266.7 s, made walking, 2.6 s before the walk's end): the walk's part
  before its split (252.7-266.3) reads 2.70 deg old / 6.33 new from the walking baseline, inside
  the margin (half the slip, 4.5), so it casts no vote; the tie spans the walk and is blended
  from its start (tie_blend, 20006's rule): -14.2 s at every rate. The walk's own split (266.3 s)
  is 0.4 s from the slip.
- The before-slip mean (0.443 @104 at bd75c18; 0.439 as split here) is the early placements:
  with the early slip windows removed it reads 0.273 (29008 +0.106, 29027 +0.032, 29028 +0.015,
  29020 +0.012); no false re-reference; the rest's reference mean 0.10 deg (no unusual chip).
- Replay (worktree 9b65bd3 against the variant; 780 sessions @104: 0-29, 1000-7000, 10000-14000,
  16000-28000; 300 @52 and 300 @208: 0-29, 20000-28000; WX on 210 of them @52/208):
  W: better 1 at every rate (20006 0.895 / 0.898 / 0.892 -> 0.362 / 0.381 / 0.350 @104/52/208,
  -7.9 -> -0.1 s: the slip 6.8 s into a walk that made the tie's blend rule), worse 0 of 1380;
  real analysis 29027 0.88 / 1.01 / 1.02 -> 0.59 / 0.60 / 0.64 @52/104/208, 20006 0.81 / 0.82 /
  0.81 -> 0.27 / 0.25 / 0.23. X (with W): worse 24 session-rates (e.g. 25024 @104 0.56 -> 3.86,
  1010 0.39 -> 2.41), better none but 29008: the detrended reading of a posture's exit passes
  too often for this. Neither shipped.

Validation seeds (validate_analysis.HELD_OUT_FROM and on) are refused (held out).
"""

from __future__ import annotations

import os
import pickle
import sys
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from kyphos.processing import clipslip as cs  # noqa: E402


def _det_score(motion: Any, g0: int, g1: int, m_old: np.ndarray, m_new: np.ndarray,
               still: np.ndarray | None) -> float:
    """The least SLIP_MOTION_ERR (fraction of the change) at which ``_detrended_place`` takes
    the stretch [g0, g1) (bisection; inf if not even at 5)."""
    keep = cs.SLIP_MOTION_ERR
    try:
        cs.SLIP_MOTION_ERR = 5.0
        if cs._detrended_place(motion, [(g0, g1)], m_old, m_new, still) is None:
            return float("inf")
        lo, hi = 0.0, 5.0
        for _ in range(14):
            mid = 0.5 * (lo + hi)
            cs.SLIP_MOTION_ERR = mid
            if cs._detrended_place(motion, [(g0, g1)], m_old, m_new, still) is None:
                lo = mid
            else:
                hi = mid
        return hi
    finally:
        cs.SLIP_MOTION_ERR = keep


def exit_part(r: dict[str, Any]) -> list[str]:
    """Lines per session (module docstring, part ``exit``)."""
    import slip_override_trace as sot
    import slipone_study as so
    from trace8b_study import _ANCHOR

    out, spied_calls = sot.spied_find_slips(r, _ANCHOR)
    calls = [(d, res) for d, res, _, _ in spied_calls if d is not None]
    t = r["time"]
    st = so.study(r, "worktree")
    lines = [f"seed {r['seed']} @{r['fs']:g}: truth slips {[round(x, 1) for x in r['slips']]}; "
             f"re-references {[round(x.t_s, 1) for x in out]}; offsets "
             f"{[round(s['off'], 1) for s in st['slips']]} {[s['path'] for s in st['slips']]}"]
    for ts in r["slips"]:
        got = [(d, res) for d, res in calls if res[0] is not None and res[0] >= 0]
        if not got:
            continue
        d, res = min(got, key=lambda x: abs(float(t[x[1][0]]) - ts))
        seq, m_old, m_new, still = d["seq"], d["m_old"], d["m_new"], d["still"]
        motion = d["motion"]
        want = cs._wanted_turn(m_old, m_new)
        last = seq[-1]
        nxt = [p for p in r["probes"] if p.i0 >= last.i1]
        i_ts = int(np.searchsorted(t, ts))
        w = int(round(r["fs"]))
        stretches = [("into the closing posture", seq[-2].i1 if len(seq) > 1 else d["lo"], last.i0),
                     ("out of it", last.i1, nxt[0].i0 if nxt else last.i1),
                     ("truth slip +-1 s", i_ts - w, i_ts + w)]
        stretches += [(f"place k={k} (before {seq[k].kind} {seq[k].start_s:.1f})",
                       seq[k - 1].i1, seq[k].i0) for k in range(1, len(seq) - 1)
                      if abs(seq[k].start_s - ts) <= 20.0]
        lines.append(f" placed {float(t[res[0]]):.1f} s; closing posture {last.kind} "
                     f"{last.start_s:.1f}-{last.end_s:.1f}; next probe "
                     f"{(nxt[0].kind + ' ' + format(nxt[0].start_s, '.1f')) if nxt else '-'}; "
                     f"slip {d['slip']:.2f} deg")
        for name, g0, g1 in stretches:
            det = _det_score(motion, g0, g1, m_old, m_new, still)
            if g1 <= g0:
                lines.append(f"   {name} {t[g0]:.2f}: empty gap; detrended {det:.2f} of it")
                continue
            f = cs._gap_reading(motion, g0, g1, m_old, m_new, still, want)
            plain = "-" if f is None else (f"{f[2] / f[5]:.2f} of it at {f[4]:.3f} m/s2, "
                                           f"rows {t[f[0]]:.2f}-{t[min(f[1], len(t) - 1)]:.2f}")
            lines.append(f"   {name} {t[g0]:.2f}-{t[min(g1, len(t) - 1)]:.2f}: plain {plain}; "
                         f"detrended {det:.2f} of it")
    return lines


def before_part(path: str) -> dict[str, Any]:
    """One session's before-slip split (module docstring, part ``before``)."""
    from flexion_worst import _reref_windows

    with open(path, "rb") as fh:
        r = pickle.load(fh)
    t, comp = r["t"], r["comp"].astype(float)
    err = comp.sum(axis=0)
    if not r["slip_t"]:
        return {}
    ts = min(r["slip_t"])
    up = r["act"] != "lying"
    bef = (t < ts) & up
    slip_w, false_w = _reref_windows(r["slip_t"], r["rr_t"], float(t[-1]) + 1.0)
    early = np.zeros(len(t), bool)
    for a, b in slip_w:
        if b < a:  # re-referenced before the slip: its window runs back from the slip
            early |= (t >= b) & (t < a)
    false = np.zeros(len(t), bool)
    for a, b in false_w:
        false |= (t >= a) & (t < b)
    n = max(1, int(np.count_nonzero(bef)))
    rest = bef & ~early & ~false
    ref = comp[1] + comp[2]
    return {"seed": r["seed"], "fs": r["fs"], "n": n,
            "rms": float(np.sqrt(np.sum(err[bef] ** 2) / n)),
            "early_sq": float(np.sum(err[bef & early] ** 2)) / n,
            "false_sq": float(np.sum(err[bef & false] ** 2)) / n,
            "early_s": float(np.count_nonzero(bef & early) * r["dt"]),
            "false_s": float(np.count_nonzero(bef & false) * r["dt"]),
            "rest_rms": float(np.sqrt(np.mean(err[rest] ** 2))) if rest.any() else 0.0,
            "rest_ref_mean": float(np.mean(ref[rest])) if rest.any() else 0.0,
            "rest_ref_rms": float(np.sqrt(np.mean(ref[rest] ** 2))) if rest.any() else 0.0,
            "rest_vqf": float(np.sqrt(np.mean(comp[3][rest] ** 2))) if rest.any() else 0.0,
            "rest_stage": float(np.sqrt(np.mean(comp[0][rest] ** 2))) if rest.any() else 0.0,
            "rest_chip_mean": float(np.mean(comp[2][rest])) if rest.any() else 0.0}


_W_OLD = """    for g0, g1 in gaps:  # per place (few); only its rows are read
        rl = read(g0, g1, max(1, n // 2))"""
_W_NEW = """    for g0, g1 in gaps:  # per place (few); only its rows are read
        if g1 <= g0:  # TRACE9 variant W: a walk's split (no gap) read +- one window
            g0, g1 = g0 - n, g1 + n
        rl = read(g0, g1, max(1, n // 2))"""
_X_OLD = """        if j1 is not None and not j < j1:
            j1 = None
"""
_X_NEW = _X_OLD + """        # TRACE9 variant X: placed before the posture that shows the slip, at a step whose own
        # movement does not turn as the slip does (plain or detrended), while the step out of
        # that posture does (detrended): the posture is a slouch held in the slip's direction
        # and the slip was made at its release (validation 29008)
        if motion is not None and still is not None and j < r.i0:
            jj1 = j1 if j1 is not None else j + 1
            if not _turns_as_slip(motion, j, jj1, m, m_new, still) \\
                    and _detrended_place(motion, [(j, jj1)], m, m_new, still) is None:
                nxp = [p for p in (probes or []) if p.i0 >= r.i1]
                if nxp and nxp[0].i0 > r.i1:
                    ex = _detrended_place(motion, [(r.i1, nxp[0].i0)], m, m_new, still)
                    if ex is not None:
                        j, j1 = ex
"""


def write_variants(out: str) -> list[str]:
    """varW.py, varX.py, varWX.py made from this tree's processing/clipslip.py (replay only)."""
    src = open(cs.__file__).read()
    if src.count(_W_OLD) != 1 or src.count(_X_OLD) != 1:
        raise SystemExit("clipslip.py changed: update the variants' anchors")
    os.makedirs(out, exist_ok=True)
    made = {"varW.py": src.replace(_W_OLD, _W_NEW), "varX.py": src.replace(_X_OLD, _X_NEW),
            "varWX.py": src.replace(_W_OLD, _W_NEW).replace(_X_OLD, _X_NEW)}
    paths = []
    for name, text in made.items():
        path = os.path.join(out, name)
        with open(path, "w") as fh:
            fh.write(text)
        paths.append(path)
    return paths


def main(argv: list[str]) -> int:
    import slip_motion_study as sms
    from validate_analysis import development_seeds

    ap = sms.trace_parser(__doc__, ("exit", "before", "variants"), "29008,29027",
                          "/tmp/t9/cache", out="/tmp/t9/var")
    ap.add_argument("--fw", default="/tmp/t9/fw", help="flexion_worst.py's --cache")
    a = ap.parse_args(argv)
    if a.part == "variants":
        print("\n".join(write_variants(a.out)))
        return 0
    seeds = development_seeds(a.seeds, "validation")
    rates = [float(x) for x in a.rates.split(",")]
    if a.part == "exit":
        import slipone_study as so

        for fs in rates:
            for s in seeds:
                r = so._load("validation", s, fs, a.cache.split(","))
                print("\n".join(exit_part(r)), flush=True)
        return 0
    for fs in rates:
        rows = []
        for s in seeds:
            p = os.path.join(a.fw, f"w{s}_{fs:g}.pkl")
            if not os.path.exists(p):
                print(f"  {s} @{fs:g}: no {p} (run flexion_worst.py --cache first)")
                continue
            x = before_part(p)
            if x:
                rows.append(x)
        if not rows:
            continue
        print(f"@{fs:g}: {len(rows)} sessions")
        for x in rows:
            print(f"  {x['seed']:5d}: before {x['rms']:.3f}; early window {x['early_s']:5.1f} s "
                  f"(its share {x['early_sq'] / max(x['rms'] ** 2, 1e-12):4.0%}), false re-ref "
                  f"{x['false_s']:5.1f} s ({x['false_sq'] / max(x['rms'] ** 2, 1e-12):4.0%}); "
                  f"rest {x['rest_rms']:.3f} (reference mean {x['rest_ref_mean']:+.3f} rms "
                  f"{x['rest_ref_rms']:.3f}, chip mean {x['rest_chip_mean']:+.3f}, vqf "
                  f"{x['rest_vqf']:.3f}, stage {x['rest_stage']:.3f})")
        mean = np.mean([x["rms"] for x in rows])
        no_early = np.mean([np.sqrt(max(x["rms"] ** 2 - x["early_sq"], 0.0)) for x in rows])
        no_both = np.mean([np.sqrt(max(x["rms"] ** 2 - x["early_sq"] - x["false_sq"], 0.0))
                           for x in rows])
        print(f"  mean before {mean:.3f}; early windows removed {no_early:.3f}; early and false "
              f"removed {no_both:.3f}; rest mean {np.mean([x['rest_rms'] for x in rows]):.3f}, "
              f"median {np.median([x['rest_rms'] for x in rows]):.3f}; |reference mean| mean "
              f"{np.mean([abs(x['rest_ref_mean']) for x in rows]):.3f}; vqf "
              f"{np.mean([x['rest_vqf'] for x in rows]):.3f}; stage "
              f"{np.mean([x['rest_stage'] for x in rows]):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
