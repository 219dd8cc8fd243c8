"""The misses of held-out run 33 (validation 34000-34029, development since 90ac4c9): a slip
shown by the walk it was made in, a sit-down the 52-Hz point samples read short, and a long
movement's height tilt term (TRACE13, issue 15, twenty-first session; a study, no analysis
change). Oracles only: nothing here is shipped.

Usage (kept inputs from ``bench/slip_motion_study.py --part record``):
    PYTHONPATH=$PWD/host .venv/bin/python bench/trace13_study.py --part walkshown \
        --cache /tmp/t13/rec --seeds 34021 --rates 52,104,208 [--walk-only]
    PYTHONPATH=$PWD/host .venv/bin/python bench/trace13_study.py --part stairs \
        --cache /tmp/t13/rec --seeds 34021 --rates 52,104,208
    PYTHONPATH=$PWD/host .venv/bin/python bench/trace13_study.py --part height \
        --seeds 34022 --rates 52,104 --window 248-253
    PYTHONPATH=$PWD/host .venv/bin/python bench/trace13_study.py --part notilt \
        --seeds 34014 --rates 104 --min-s 5 --jobs 2

Part ``walkshown``: ``find_slips`` replayed with ``place_shown_slip`` spied: for each slip, the
reference that showed it; when that is a walk, its reading from the walking baseline in the old
and new mountings, ``_detrended_place`` over the walk's own rows, the plain reading's best window
there, and the detrended score (the worse of the two flanks' residuals, as a fraction of the
change) over the walk and, when the slip was placed in the gap into the walk, over that gap.
``--cache`` may list several caches (each session read from the first holding it).

Part ``stairs`` (truth-informed): the same replay, scored (``slipone_study.study``), with the
walks overlapping a truth flight of stairs (by half their length or more) removed from the probes
and references: per changed session-rate, flexion (scored samples) before -> after and the
placement offsets; per rate, pooled, better / worse (> 0.005 deg).

Part ``height``: each movement of the activity stage's height track in ``--window`` (as
``trace12_study.py --part height``), its height change by the stage's model
(``activity.integrate_movement``) on: the stage's own rows; the truth's vertical acceleration
point-sampled at the rows; the truth's averaged over each row's interval (21 points across the
row's width); each with the tilt term off (tilt zeroed: the bias alone).

Part ``notilt``: the whole analysis with the height model's tilt term off (``s`` = 0 in
``activity._integrate_batch``) for movements longer than ``--min-s`` seconds, against the shipped:
lifts found (a truth lift is missed when no found lift overlaps it), flexion RMSE, transitions;
printed where anything differs (every seed when fewer than 4), and pooled per rate.

Measured (TRACE13, 2026-12-08, host = 90ac4c9's analysis; /work/handoff/TRACE13.md):
- 34021 (-11.5-deg slip at 261.26 s, walking down a flight; the walking baseline a flight up,
  lean 7.3 deg): the down flight reads 7.8 old / 1.6 new and shows the slip; the tie is blended
  over the gap before it, 7.4 s early at every rate. Detrended over the walk: 261.06-261.52. Over
  51 development walk-shown slips @104 the walk alone reads a false turn in 13; only where the
  slip was placed in the gap into the walk and the walk reads better than that gap: 3017, 24018,
  34021 move (all nearer the truth), nothing else (52/208 Hz: none).
- stairs: 34021 1.187 / 1.178 / 1.172 -> 0.724 / 0.697 / 0.706 deg (@52/104/208), still 7.4 s
  early (a held step's whole gap).
- height: 34022 @52's stand-to-sit (truth -0.385 m): stage rows -0.287, truth point -0.279,
  truth box -0.373 (104 Hz stage rows -0.391). 34014's 8-s movement (truth +0.002): stage rows
  +0.534, without the tilt term +0.091.
- notilt (> 5 s): 34014 finds 10 of 10 at 52/104/208 Hz (9 shipped), flexion unchanged.

Validation seeds (validate_analysis.HELD_OUT_FROM and on) are refused (held out).
"""

from __future__ import annotations

import argparse
import os
import sys
from multiprocessing import Pool
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def _load(caches: list[str], seed: int, fs: float) -> dict[str, Any] | None:
    import slip_motion_study as sms

    have = [c for c in caches if os.path.exists(os.path.join(c, f"validation{seed}_{fs:g}.pkl"))]
    return sms.load(("validation", seed, fs, have[0])) if have else None


def _score(cs: Any, mo: Any, m_old: np.ndarray, m_new: np.ndarray, still: Any, fs: float,
           g0: int, g1: int) -> tuple[float, int] | None:
    """The detrended reading of rows [g0, g1): the worse flank's residual as a fraction of the
    change, and the half-window reading's first turning row."""
    want = cs._wanted_turn(m_old, m_new)
    wn = float(np.linalg.norm(want))
    n = max(2, int(round(cs.SLIP_MOTION_S * fs)))
    rl = cs._detrended_read(mo, g0, g1, max(1, n // 2), want, m_old[:, 2], still)
    rs = cs._detrended_read(mo, g0, g1, max(1, int(round(cs.SLIP_FLANK_S * fs))), want,
                            m_old[:, 2], still)
    if rl is None or rs is None:
        return None
    return max(rl[0], rs[0]) / wn, int(rl[1])


def part_walkshown(caches: list[str], seeds: list[int], rates: list[float],
                   walk_only: bool) -> None:
    from kyphos.processing import clipslip as cs

    for seed in seeds:
        for fs in rates:
            r = _load(caches, seed, fs)
            if r is None:
                continue
            t = r["time"]
            calls: list[tuple[Any, ...]] = []
            orig = cs.place_shown_slip

            def spy(*a: Any, _calls: list[tuple[Any, ...]] = calls, _orig: Any = orig
                    ) -> tuple[int, int | None]:
                res = _orig(*a)
                _calls.append((a, res))
                return res  # type: ignore[no-any-return]

            cs.place_shown_slip = spy  # type: ignore[assignment]
            try:
                gyr, acc = r["gyr"], r["acc"]
                motion = (lambda r0, r1, _g=gyr, _a=acc: (_g[r0:r1], _a[r0:r1]), r["fs"])
                cs.find_slips(r["refs"], r["m"], r["time"], r["still"], r["probes"], motion)
            finally:
                cs.place_shown_slip = orig  # type: ignore[assignment]
            for a, (j, j1) in calls:
                _, _, rr, nxt, m_old, m_new, base, still, mo = a
                if walk_only and rr.kind != "walking":
                    continue
                split = "-" if rr.i_split is None else f"{t[rr.i_split]:.1f}"
                line = (f"{seed} @{fs:g}: truth {[round(x, 2) for x in r['slips']]} shown by "
                        f"{rr.kind} {rr.start_s:.1f}-{rr.end_s:.1f} (split {split}), confirmed "
                        f"by {nxt.kind} {nxt.start_s:.1f}; placed {t[j]:.2f}"
                        + ("" if j1 is None else f"-{t[j1]:.2f}"))
                if rr.kind == "walking" and mo is not None:
                    det = cs._detrended_place(mo, [(rr.i0, rr.i1)], m_old, m_new, still)
                    f = cs.slip_motion_windows(gyr, acc, fs, rr.i0, rr.i1, m_old, m_new, still)
                    bw = cs.angle_deg(m_old.T @ rr.up, base["walking"])
                    bn = cs.angle_deg(m_new.T @ rr.up, base["walking"])
                    line += (f"; walk old {bw:.1f} new {bn:.1f}; detrended over the walk: "
                             + ("none" if det is None else f"{t[det[0]]:.2f}-{t[det[1]]:.2f}"))
                    if f is not None:
                        line += f"; plain best {t[f[0]]:.2f} rel {f[2] / f[5]:.2f} lin {f[4]:.2f}"
                    sw = _score(cs, mo, m_old, m_new, still, fs, rr.i0, rr.i1)
                    line += "; score walk " + ("n/a" if sw is None else f"{sw[0]:.2f}@{t[sw[1]]:.1f}")
                    if j1 is not None and j1 >= rr.i0 - 2 and j < rr.i0:
                        sg = _score(cs, mo, m_old, m_new, still, fs, j, j1)
                        line += (", placed gap " + ("n/a" if sg is None else
                                                    f"{sg[0]:.2f}@{t[sg[1]]:.1f}")
                                 + " (gap into the walk)")
                print(line)


def _stair_walks(seed: int) -> list[tuple[float, float]]:
    """The truth's flights of stairs (s), from the script alone (as ``generate`` draws it)."""
    from kyphos.sim.validation.person import draw_person
    from kyphos.sim.validation.script import build

    ss = np.random.SeedSequence([int(seed), 0x7A11D])
    r_person, r_script, _, _ = (np.random.default_rng(x) for x in ss.spawn(4))
    s = build(draw_person(r_person), r_script, None, False)
    return [(w.t0, w.t1) for w in s.walks if w.stairs]


def part_stairs(caches: list[str], seeds: list[int], rates: list[float]) -> None:
    import slipone_study as so

    for fs in rates:
        sq0 = sq1 = n0 = 0.0
        better = worse = same = 0
        for seed in seeds:
            r = _load(caches, seed, fs)
            if r is None:
                continue
            st = _stair_walks(seed)

            def on_stairs(p: Any, _st: list[tuple[float, float]] = st) -> bool:
                return bool(p.kind == "walking" and any(
                    min(p.end_s, b) - max(p.start_s, a) >= 0.5 * (p.end_s - p.start_s)
                    for a, b in _st))

            a = so.study(r, "worktree")
            r2 = dict(r, probes=[p for p in r["probes"] if not on_stairs(p)])
            if r.get("refs") is not None:
                r2["refs"] = [p for p in r["refs"] if not on_stairs(p)]
            b = so.study(r2, "worktree")
            e0, e1 = np.sqrt(a["sq"] / a["n"]), np.sqrt(b["sq"] / b["n"])
            sq0, sq1, n0 = sq0 + a["sq"], sq1 + b["sq"], n0 + a["n"]
            better += int(e1 < e0 - 0.005)
            worse += int(e1 > e0 + 0.005)
            same += int(abs(e1 - e0) <= 0.005)
            o0 = [round(x["off"], 1) for x in a["slips"]]
            o1 = [round(x["off"], 1) for x in b["slips"]]
            if abs(e1 - e0) > 0.005 or o0 != o1:
                print(f"  {seed} @{fs:g}: {e0:.3f} -> {e1:.3f}; offsets {o0} -> {o1}; flights "
                      f"{[(round(x, 1), round(y, 1)) for x, y in st]}")
        if n0:
            print(f"@{fs:g}: pooled {np.sqrt(sq0 / n0):.4f} -> {np.sqrt(sq1 / n0):.4f}; better "
                  f"{better}, worse {worse}, unchanged {same}")


def part_height(seeds: list[int], rates: list[float], t0: float, t1: float) -> None:
    import kyphos.processing.activity as act
    from trace12_study import _tracked, _truth_az, _truth_z

    for seed in seeds:
        for fs in rates:
            r = _tracked(seed, fs)
            az, still, walking, fs2, t, tilt = (r[k] for k in ("az", "still", "walking", "fs2",
                                                               "t", "tilt"))
            k = max(2, int(0.15 * fs2))
            for a, b in act.runs(~(still | walking)).tolist():
                if t[b - 1] < t0 or t[a] > t1:
                    continue
                k0, k1 = min(k, a), min(k, len(az) - b)
                w0, w1 = a - k0, b + k1
                tt = t[w0:w1]
                point = _truth_az(r["v"].script, tt)
                box = np.mean([_truth_az(r["v"].script, tt + o)
                               for o in np.linspace(-0.5 / fs2, 0.5 / fs2, 21)], axis=0)
                z = _truth_z(r["v"].script, t[[max(a - 1, 0), min(b, len(t) - 1)]])
                out = []
                for name, x in (("stage rows", az[w0:w1]), ("truth point", point),
                                ("truth box", box)):
                    for tl_name, tl in (("", tilt[w0:w1]), (" no tilt", np.zeros(w1 - w0))):
                        p, _ = act.integrate_movement(x, tl, fs2, k0, k1)
                        out.append(f"{name}{tl_name} {p[-1]:+.3f}")
                print(f"{seed} @{fs:g} move {t[a]:.2f}-{t[b - 1]:.2f}: truth {z[1] - z[0]:+.3f}; "
                      + "; ".join(out))


def _notilt_job(job: tuple[int, float, float]) -> list[tuple[Any, ...]]:
    import kyphos.processing.activity as act
    from kyphos.analysis import analyze
    from kyphos.sim.validation import generate

    seed, fs, min_s = job
    orig = act._integrate_batch

    def patched(az: np.ndarray, s: np.ndarray, fs2: float, w0: np.ndarray, w1: np.ndarray,
                k0: np.ndarray, k1: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        s = s.copy()
        for a, b in zip(w0.tolist(), w1.tolist(), strict=True):
            if (b - a) / fs2 > min_s:
                s[a:b] = 0.0
        return orig(az, s, fs2, w0, w1, k0, k1)

    v = generate(seed, fs)
    tr = v.truth
    rows = []
    for name, fn in (("shipped", orig), ("no tilt", patched)):
        act._integrate_batch = fn  # type: ignore[assignment]
        try:
            a = analyze(v.to_session())
        finally:
            act._integrate_batch = orig  # type: ignore[assignment]
        ang = a.angles
        ok = np.flatnonzero(ang.valid & np.isfinite(ang.flexion))
        e = np.degrees(ang.flexion[ok] - np.interp(ang.time[ok], tr.time, tr.flexion))
        miss = [f"{lf.style}@{lf.start:.1f}" for lf in tr.lifts
                if not any(x.start_s <= lf.end and x.end_s >= lf.start for x in a.lifts)]
        rows.append((seed, name, len(a.lifts), len(tr.lifts), miss, float(np.sum(e ** 2)),
                     len(e), len(a.activity.transitions)))
    return rows


def part_notilt(seeds: list[int], rates: list[float], min_s: float, jobs: int) -> None:
    for fs in rates:
        with Pool(jobs) as pool:
            res = pool.map(_notilt_job, [(s, fs, min_s) for s in seeds])
        tot: dict[str, list[float]] = {}
        for rows in res:
            (_, _, n0, _, m0, q0, k0, t0), (_, _, n1, _, m1, q1, k1, t1) = rows
            differ = (n0, m0, round(q0 / k0, 6), t0) != (n1, m1, round(q1 / k1, 6), t1)
            for seed, name, nf, nt, miss, sq, ns, ntr in rows:
                acc = tot.setdefault(name, [0.0, 0.0, 0.0, 0.0])
                acc[0] += nf
                acc[1] += nt
                acc[2] += sq
                acc[3] += ns
                if differ or len(res) < 4:
                    print(f"{seed} @{fs:g} {name}: lifts found {nf} of {nt}, missed {miss}; "
                          f"flex {np.sqrt(sq / ns):.3f}; transitions {ntr}")
        for name, (nf, nt, sq, ns) in tot.items():
            print(f"@{fs:g} {name}: lifts found {nf:.0f} of {nt:.0f}; pooled flexion "
                  f"{np.sqrt(sq / ns):.4f}")


def main(argv: list[str]) -> int:
    from validate_analysis import development_seeds

    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--part", choices=("walkshown", "stairs", "height", "notilt"),
                    default="walkshown")
    ap.add_argument("--seeds", default="34021", help="validation seeds (held-out refused)")
    ap.add_argument("--rates", default="104")
    ap.add_argument("--cache", default="/tmp/t13/rec",
                    help="walkshown/stairs: slip_motion_study --part record caches, comma-separated")
    ap.add_argument("--walk-only", action="store_true", help="walkshown: walk-shown slips only")
    ap.add_argument("--window", default="248-253", help="height: t0-t1, s")
    ap.add_argument("--min-s", type=float, default=5.0, help="notilt: movements longer than this")
    ap.add_argument("--jobs", type=int, default=1)
    args = ap.parse_args(argv[1:])
    seeds = development_seeds(args.seeds, "validation")
    rates = [float(x) for x in args.rates.split(",")]
    caches = args.cache.split(",")
    if args.part == "walkshown":
        part_walkshown(caches, seeds, rates, args.walk_only)
    elif args.part == "stairs":
        part_stairs(caches, seeds, rates)
    elif args.part == "height":
        w0, w1 = (float(x) for x in args.window.split("-"))
        part_height(seeds, rates, w0, w1)
    else:
        part_notilt(seeds, rates, args.min_s, args.jobs)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
