"""Study: the clip slips still placed or turned wrong (issue 15, flexion RMSE; role SLIPPLACE).

Usage (kept inputs from bench/slip_motion_study.py --part record, same cache):
    PYTHONPATH=host .venv/bin/python bench/slipplace_study.py --seeds 3001,3011,7000,7013 \
        --cache /tmp/slipmotion --part trace
    PYTHONPATH=host .venv/bin/python bench/slipplace_study.py --seeds 0-29,...,9000-9029 \
        --cache /tmp/slipmotion --part replay --variants sitlate

Part ``trace``: ``find_slips`` replayed WITH the motion rows (as the analysis calls it); for
each placement, every probe with its score, step residual and votes (as slip_ref_study's
trace), which places tie, and for every moving gap between probes the best motion window
(:func:`kyphos.processing.clipslip.slip_motion_windows`: residual as a fraction of the change,
linear acceleration) and whether it passes; then the truth slip's own window.

Part ``replay``: ``find_slips`` with motion, shipped vs variants (patches of the shipped source,
in memory), scored as slip_motion_study's replay: sessions that change, and pooled flexion.

Measured (SLIPPLACE, 2026-12-06; kept inputs at 3138f8f, 104 Hz, validation 0-29 ... 9000-9029,
300 sessions; ``--part replay --variants git:3138f8f``; the replay leaves out the walking pass):
pooled flexion 0.5521 -> 0.5115 deg (not lying 0.4702 -> 0.4185); slips placed within 0.5 / 2 /
5 / 20 s 231 / 275 / 293 / 296 -> 243 / 280 / 297 / 297 of 300; the slip window's share of the
squared error 43.3 % -> 35.0 %; 120 sessions change, none worse by more than 0.005 deg. Still
more than 5 s off: 3011, 9002, 9020 (slips made while lying down or getting up: the transition
moves the sensor 4-7 m/s^2 over the slip's turn). Traces of 3001, 3011, 7000, 7013, 7012 (52 Hz),
9002, 9020: docs/accuracy.md section 7, SLIPPLACE.

Validation seeds (validate_analysis.HELD_OUT_FROM and on) are refused (held out).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import numpy as np

#: variant -> [(clipslip function, text in its source, replacement)] (patched in memory)
PATCHES: dict[str, list[tuple[str, str, str]]] = {}


def _base_ns(rev: str) -> dict[str, Any]:
    """clipslip as it was at git revision ``rev``, or as in file ``rev`` if it is a path (its
    own namespace, in memory)."""
    import subprocess
    import types

    if os.path.exists(rev):
        with open(rev) as f:
            src = f.read()
    else:
        src = subprocess.run(["git", "show", f"{rev}:host/kyphos/processing/clipslip.py"],
                             capture_output=True, text=True, check=True,
                             cwd=os.path.dirname(os.path.abspath(__file__))).stdout
    mod = types.ModuleType(f"clipslip_{abs(hash(rev))}")
    sys.modules[mod.__name__] = mod  # dataclasses look their module up
    exec(compile(src, f"<clipslip {rev}>", "exec"), mod.__dict__)
    return mod.__dict__


def _ns(variant: str) -> dict[str, Any]:
    if variant.startswith(("git:", "file:")):  # e.g. git:3138f8f, the session's starting code
        return _base_ns(variant.split(":", 1)[1])
    sys.path.insert(0, os.path.dirname(__file__))
    import slip_ref_study as srs

    srs._PATCHES.update(PATCHES)
    return srs._variant_ns(variant)


def _motion(r: dict[str, Any]) -> Any:
    gyr, acc = r["gyr"], r["acc"]
    return (lambda r0, r1: (gyr[r0:r1], acc[r0:r1]), r["fs"])


def trace(r: dict[str, Any], variant: str = "shipped") -> None:
    """Print each placement's probes, scores, ties and its gaps' motion windows."""
    sys.path.insert(0, os.path.dirname(__file__))
    import slip_ref_study as srs
    from kyphos.processing import clipslip as cs

    srs._PATCHES.update(PATCHES)
    src = srs._variant_src(variant, "place_slip")
    ks = "    ks = np.flatnonzero(score >= score.max() - 1e-9)\n"
    assert src.count(ks) == 1
    ns = srs._variant_ns(variant)
    loc: dict[str, Any] = {}
    ns["_SEEN"] = loc
    exec(compile(src.replace(ks, ks + "    _SEEN.update(locals())\n"), "<trace>", "exec"), ns)
    # find_slips reaches place_slip through place_shown_slip: its globals must be ns too
    exec(compile(srs._variant_src(variant, "place_shown_slip"), "<trace>", "exec"), ns)
    inner = ns["place_slip"]
    seen: list[tuple[dict[str, Any], tuple[Any, ...], Any]] = []

    def spy(*args: Any) -> Any:
        loc.clear()
        res = inner(*args)
        seen.append((dict(loc), args, res))
        return res

    ns["place_slip"] = spy
    t, fs = r["time"], r["fs"]
    out = ns["find_slips"](r["refs"], r["m"], t, r["still"], r["probes"], _motion(r)) \
        if r.get("refs") is not None else []
    print(f"seed {r['seed']} fs {fs:g}: truth slips {[round(x, 1) for x in r['slips']]}, "
          f"re-references {[(round(x.t_s, 1), round(x.deg, 1), x.why) for x in out]}")
    for d, args, (j, j1) in seen:
        _p, lo, hi, m_old, m_new, base, _st = args[:7]
        print(f"  place_slip rows {t[lo]:.1f}-{t[min(hi, len(t) - 1)]:.1f} s -> {t[j]:.1f} s"
              f"{'' if j1 is None else f' (to {t[j1]:.1f})'}; slip "
              f"{cs.rotation_deg(m_new.T @ m_old):.1f} deg; bases {sorted(base)}")
        seq, ends = d.get("seq", []), d.get("ends", [])
        tied = set(int(k) for k in d.get("ks", []))
        for k, (pr, (u0, u1)) in enumerate(zip(seq, ends, strict=True)):
            bk = base.get(pr.kind, base.get("standing"))
            a = [cs.angle_deg(mm.T @ u, bk) for mm in (m_old, m_new) for u in (u0, u1)]
            v = [cs._vote(u, pr.kind, m_old, m_new, base, d["margin"], cs.CONFIRM_KINDS)
                 for u in (u0, u1)]
            g0 = seq[k - 1].i1 if k else lo
            g1 = pr.i0
            mw = ""
            if g1 > g0:
                f = cs.slip_motion_windows(r["gyr"], r["acc"], fs, g0, g1, m_old, m_new, r["still"])
                if f is not None:
                    ok = f[2] <= cs.SLIP_MOTION_ERR * f[5] and f[4] <= cs.SLIP_MOTION_LIN
                    mw = (f" win {t[f[0]]:7.1f} rel {f[2] / f[5]:4.2f} lin {f[4]:5.2f}"
                          f"{' PASS' if ok else ''}")
            print(f"  k={k:3d}{'T' if k in tied else ' '} {d['score'][k]:6.1f} "
                  f"{d['resid'][k]:6.2f}{'*' if k in d.get('span', {}) else ' '} "
                  f"{pr.start_s:7.1f}-{pr.end_s:7.1f} {pr.kind:8s} old {a[0]:5.1f}/{a[1]:5.1f}"
                  f" new {a[2]:5.1f}/{a[3]:5.1f} vote {v[0]:+d}{v[1]:+d}{mw}")
        for ts in r["slips"]:
            i = int(np.searchsorted(t, ts))
            f = cs.slip_motion_windows(r["gyr"], r["acc"], fs, i, i + int(0.5 * fs),
                                       m_old, m_new, r["still"])
            if f is not None:
                print(f"  truth slip {ts:.1f}: window {t[f[0]]:.2f}-{t[f[1]]:.2f} rel "
                      f"{f[2] / f[5]:4.2f} turn {f[3]:5.1f} want {f[5]:5.1f} lin {f[4]:5.2f}")


def replay(r: dict[str, Any], variant: str) -> dict[str, Any]:
    from kyphos.processing import clipslip

    sys.path.insert(0, os.path.dirname(__file__))
    import slip_motion_study as sms

    refs = r.get("refs")
    find = clipslip.find_slips if variant == "shipped" else _ns(variant)["find_slips"]
    out: list[Any] = [] if refs is None else \
        find(refs, r["m"], r["time"], r["still"], r["probes"], _motion(r))
    return sms.scored_replay(r, out)


def _job(job: tuple[str, int, float, str, tuple[str, ...]]) -> dict[str, Any]:
    family, seed, fs, cache, variants = job
    sys.path.insert(0, os.path.dirname(__file__))
    import slip_motion_study as sms

    r = sms.load((family, seed, fs, cache))
    return {"seed": seed, "fs": fs, **{v: replay(r, v) for v in variants}}


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--family", choices=("validation", "sim", "simday"), default="validation")
    ap.add_argument("--seeds", default="0-29", help="validation seeds (held-out seeds refused: validate_analysis.HELD_OUT_FROM)")
    ap.add_argument("--rates", default="104")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--cache", required=True, help="directory of the kept inputs")
    ap.add_argument("--part", choices=("trace", "replay"), default="trace")
    ap.add_argument("--variants", default="", help=f"one of {', '.join(PATCHES)} (replay)")
    args = ap.parse_args(argv[1:])
    sys.path.insert(0, os.path.dirname(__file__))
    import slip_motion_study as sms
    from validate_analysis import development_seeds, run_jobs

    seeds = development_seeds(args.seeds, args.family)
    rates = [float(x) for x in args.rates.split(",")]
    variants = [v for v in args.variants.split(",") if v]
    if args.part == "trace":
        for fs in rates:
            for s in seeds:
                trace(sms.load((args.family, s, fs, args.cache)), variants[0] if variants
                      else "shipped")
        return 0
    names = ("shipped", *variants)
    rows = run_jobs(_job, [(args.family, s, fs, args.cache, names) for fs in rates
                           for s in seeds], args.jobs)
    print(f"{args.family} family, seeds {args.seeds}, rates {args.rates}, with motion")
    for var in names:
        print(f"== {var}: slips placed more than 5 s off (s), and the session's RMSE (deg)")
        for r in rows:
            a = r[var]
            if any(abs(x) > 5.0 for x in a["off"]):
                print(f"seed {r['seed']:4d} fs {r['fs']:4.0f}: {[round(x, 1) for x in a['off']]}, "
                      f"{np.sqrt(a['sq'] / a['n']):.2f}")
    sets = sorted({r["seed"] // 1000 for r in rows})
    for var in names:
        print(f"{var:10s} per set (pooled flexion, deg): " + ", ".join(
            f"{k * 1000}: {np.sqrt(sum(r[var]['sq'] for r in rows if r['seed'] // 1000 == k) / sum(r[var]['n'] for r in rows if r['seed'] // 1000 == k)):.3f}"
            for k in sets))
    for var in variants:
        print(f"== {var}: sessions that change")
        for r in rows:
            a, b = r["shipped"], r[var]
            if abs(a["sq"] - b["sq"]) > 1e-6 * max(a["sq"], 1.0) or a["n_rr"] != b["n_rr"]:
                print(f"seed {r['seed']:4d} fs {r['fs']:4.0f}: RMSE "
                      f"{np.sqrt(a['sq'] / a['n']):.2f} -> {np.sqrt(b['sq'] / b['n']):.2f}; "
                      f"slip offset (s) {[round(x, 1) for x in a['off']]} -> "
                      f"{[round(x, 1) for x in b['off']]}; re-refs {a['n_rr']} -> {b['n_rr']}")
    for var in names:
        x = [r[var] for r in rows]
        print(f"{var:10s}: flexion pooled "
              f"{np.sqrt(sum(y['sq'] for y in x) / sum(y['n'] for y in x)):.4f} (not lying "
              f"{np.sqrt(sum(y['sq_up'] for y in x) / sum(y['n_up'] for y in x)):.4f}) deg; "
              f"slips within 20 s {sum(y['hit'] for y in x)} of {sum(y['n_slips'] for y in x)};"
              f" re-references {sum(y['n_rr'] for y in x)}")
        o = np.abs(np.array([v for y in x for v in y["off"]]))
        print(f"{'':10s}  placement |offset| per slip: within 0.5 s {np.sum(o <= 0.5)}, 2 s "
              f"{np.sum(o <= 2.0)}, 5 s {np.sum(o <= 5.0)} of {len(o)}; median {np.median(o):.2f} s;"
              f" slip window's share of the squared flexion error "
              f"{sum(y['sq_win'] for y in x) / sum(y['sq'] for y in x):.1%}; pooled without it "
              f"{np.sqrt((sum(y['sq'] for y in x) - sum(y['sq_win'] for y in x)) / sum(y['n'] for y in x)):.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
