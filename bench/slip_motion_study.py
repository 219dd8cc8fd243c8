"""Study: place a clip slip by its own motion (issue 15, flexion RMSE; role SLIPMOTION).

Usage:
    PYTHONPATH=host .venv/bin/python bench/slip_motion_study.py --family simday \
        --seeds 0-29,100-139 --rates 104 --jobs 2 --cache /tmp/slipmotion [--part gaps|replay]

``kyphos.analysis.analyze`` runs once per session with ``clipslip.find_slips`` wrapped so its
inputs are kept (as bench/slip_ref_study.py), plus the prepared acc and gyro and the truth's
event intervals. Then:

Part ``gaps``: ``find_slips`` is replayed with ``clipslip.place_slip`` spied on; for each
placement, every moving gap between consecutive probes in its search range is scanned with
windows of ``clipslip.SLIP_MOTION_S``: the gyro-integrated rotation over the window (sensor
axes) against the rotation the found mounting change implies (``m_old · rotvec(q)``, the part
about the posture's vertical left out: gravity cannot see it), and the linear acceleration in
the best-matching window (specific force minus the start's, carried by the gyro). Each gap is
labelled by the truth (the slip's own gap; else the truth event it overlaps). Prints, per
label, the best window's rotation residual (deg), its turn (deg) and linear acceleration
(m/s^2), and which gaps would pass the motion rule.

Part ``replay``: ``find_slips`` with and without the motion evidence (``gyr``/``acc``), scored
as bench/slip_ref_study.py (pooled flexion over the scored samples, slips within 20 s, each
slip's placement offset).

Measured (SLIPMOTION, 2026-12-06; cached at 3e6ef3d / 90fe242, 104 Hz, every moving gap of
each placement's search range; the "pass" column at the shipped SLIP_MOTION_ERR 0.2 and
SLIP_MOTION_LIN 0.2):

  simday 0-29,100-139 (fit family)      gaps   pass    validation 0-29 ... 8000-8029   gaps   pass
  truth slip's own gap                    70     68                                     244    155
  slouch (gap inside an episode)         177     21                                     579     18
  seated reach                           252      1                                    1064      0
  sit/stand/lie transition               264      1                                    1066      0
  lift, calibration / task bend, walk   1322      0                                    3814      5
  none of these                           39      0                                    1866      0

Since SLIPPLACE (cef0eb4: the gyro's offset removed, the linear acceleration counted from the
turn's start, bounds refitted to 0.3 and 0.1 m/s^2), validation 0-29 ... 9000-9029 at 104 Hz
(the gaps of both placement calls of a sit-shown slip counted): truth slip's own gap 185 / 270
pass; slouch 28 / 645; seated reach 0 / 1190; transitions 0 / 1200; lifts, calibration and task
bends, walks 0 / 4230; none of these 0 / 2073.

Since RATE (the reading at 4f9bdcb; GAPS, 2026-12-06; kept inputs recorded at 4f9bdcb, the
bound as ``_motion_place`` tests it, 00c9f7b's host -> 4f9bdcb's): simday 100-119 at cycle
rates (fit): truth slip's own stretch 20 -> 20 of 20 pass, slouch 2 -> 2 of 50, everything else
0 of 532 at both; validation 6000-6029 ... 11000-11029 at 104 Hz: truth slip's own stretch 98 ->
114 of 158 (16 gained, none lost), slouch 12 -> 15 of 391 (none of them took a placement),
everything else 0 of 5118 at both; the same at 52 Hz: 36 -> 99 of 158, slouch 14 -> 17 of
383, everything else 0 of 5109. The fit family's slips read at most 0.051 m/s^2, its other
stretches at least 0.062 (a slouch).

The slip's own turn matches the mounting change closely in both families (residual median
0.5-0.6 deg of an 8-12 deg change); what separates it is the linear acceleration while it turns:
simday slips <= 0.18 m/s^2, but the validation family's clip rings at ~9 Hz after the slip and
some of its slips come during movements, so 89 of its 244 slips read more (to 8.6 m/s^2) and
are not taken (today's rule places them). Many other movements turn as far within 0.6 s
(reaches, sit/stand, lifts: residual median 1.4-4 deg) but move the sensor 0.2-18 m/s^2.
Hence the rule takes a window only in a tie the posture votes leave, only when exactly one
tied place matches, and not when a posture after it reads as the old mounting (a simulated
slip applied as a step, no gyro turn, in tests/test_processing_clip_slip_rereferences.py let a
quick seated slouch of the sim family match: 64.9 s instead of 99 s).

Part replay, 104 Hz: validation 0-29,1000-1029,...,8000-8029 (270 sessions) pooled flexion
0.596 -> 0.524 deg (not lying 0.532 -> 0.469), slips within 20 s 265 -> 268 of 270, within 2 s
247 -> 251: 8018 -53.2 -> +0.1 s (3.35 -> 0.37 deg), 2013 -21.5 -> +0.2 s (2.51 -> 0.62), 3012
-23.8 -> +0.1 s (2.39 -> 0.49), 3019 -4.6 -> +0.1 s (0.87 -> 0.43), 19 +1.2 -> +0.1 s (0.42 ->
0.28), 22 +0.4 -> +0.1 s (0.59 -> 0.57); 4006, 5000, 5016, 5019, 5028, 6019, 7008, 8005 move
by <= 0.7 s (each RMSE within 0.01 deg); nothing else changes. Per set (old -> new): 0-29 0.422
-> 0.417, 2000-2029 0.741 -> 0.613, 3000-3029 0.759 -> 0.606, 8000-8029 0.770 -> 0.496; 1000,
4000, 5000, 6000, 7000 sets unchanged to 0.001 deg.

Variant tried, not shipped (``/tmp`` script, same replay): the linear-acceleration bound
replaced by the velocity change over the turn (|sum of linear acceleration| / fs, blind to a
~9-Hz ring), bound 0.05 m/s (simday slips' largest over the window 0.066): pooled 0.524 deg, the
same as shipped (4008 moves 0.2 s too); 0.1 m/s: 0.543 (3012 lost to a second match).
simday 0-29,100-139: identical (every slip there is placed by its step before the tie-break).
Still off: 7000 and 7013 (the slip comes after the start of the sitting reference that showed
it, outside the search range; the slouch's onset is a step that fits), 3001 (its slip window
reads 0.25 m/s^2), 3011 (no window of the slip's gap matches).

Validation seeds (validate_analysis.HELD_OUT_FROM and on) are refused (held out).
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
from typing import Any

import numpy as np

NEAR_S = 20.0
LIN_GRID = (0.05, 0.075, 0.1, 0.15, 0.2)  # m/s^2: bounds the gaps table counts passes at


def record(family: str, seed: int, fs: float) -> dict[str, Any]:
    """One analysis with find_slips' inputs, the prepared acc/gyro and the truth kept."""
    from slip_ref_study import analyze_kept, scored

    case, a, seen = analyze_kept(family, seed, fs)
    events: list[tuple[str, float, float]] = []
    for name, iv in case.excluded.items():
        events += [(name, float(a0), float(a1)) for a0, a1 in iv]
    events += [("lift", float(x["start"]), float(x["end"])) for x in case.lifts]
    events += [("slouch", float(a0), float(a1)) for a0, a1 in case.slouches]
    return {**scored(case, a), "acc": a.prepared.acc, "gyr": a.prepared.gyr, "events": events,
            "rerefs": [x.t_s for x in a.rerefs] if hasattr(a, "rerefs") else None, **seen}


def load(job: tuple[str, int, float, str | None]) -> dict[str, Any]:
    family, seed, fs, cache = job
    sys.path.insert(0, os.path.dirname(__file__))
    path = os.path.join(cache, f"{family}{seed}_{fs:g}.pkl") if cache else None
    if path and os.path.exists(path):
        with open(path, "rb") as f:
            r: dict[str, Any] = pickle.load(f)
        return r
    r = record(family, seed, fs)
    if path:
        with open(path, "wb") as f:
            pickle.dump(r, f)
    return r



def loaded(seeds: str, rates: str, cache: str | None) -> Any:
    """Each development validation session of ``seeds`` (held-out refused) at each of
    ``rates`` ("52,104"), as :func:`load` keeps it in ``cache``: the trace studies' loop."""
    from validate_analysis import development_seeds

    for seed in development_seeds(seeds, "validation"):
        for fs in (float(x) for x in rates.split(",")):
            yield load(("validation", seed, fs, cache))


def trace_parser(doc: str, parts: tuple[str, ...], seeds: str, cache: str, *,
                 rates: str = "104", out: str | None = None) -> argparse.ArgumentParser:
    """The trace studies' shared options: ``--part`` (``parts``, the first the default),
    ``--seeds`` (development validation seeds), ``--rates``, ``--cache`` (this script's
    ``--part record`` inputs) and, with ``out``, ``--out`` (where ``--part variants`` writes)."""
    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    ap.add_argument("--part", choices=parts, default=parts[0])
    ap.add_argument("--seeds", default=seeds, help="validation seeds (held-out refused)")
    ap.add_argument("--rates", default=rates)
    ap.add_argument("--cache", default=cache, help="kept inputs (--part record); where "
                    "comma-separated, the first holding a session wins")
    if out is not None:
        ap.add_argument("--out", default=out, help="variants' directory")
    return ap


def trace_tables(args: argparse.Namespace, write_variants: Any, table: Any) -> int:
    """The trace studies' main after parsing: ``--part variants`` writes the variants to
    ``args.out``; any other part prints ``table(r)`` (lines) per kept session."""
    if args.part == "variants":
        write_variants(args.out)
        return 0
    for r in loaded(args.seeds, args.rates, args.cache):
        print("\n".join(table(r)))
    return 0


def events_near(r: dict[str, Any], s: float, after: float) -> str:
    """The trace studies' line of the truth events from 30 s before the slip at ``s`` to
    ``after`` s past it."""
    ev = sorted((e for e in r["events"] if e[2] > s - 30.0 and e[1] < s + after),
                key=lambda e: e[1])
    return f" truth events near {s:.1f}: " + "; ".join(f"{e[0]} {e[1]:.1f}-{e[2]:.1f}" for e in ev)

def _label(r: dict[str, Any], t0: float, t1: float) -> str:
    """What the truth holds in [t0, t1]: "SLIP" if a truth slip starts there, else the event
    overlapping it most, else "-"."""
    if any(t0 - 0.3 <= ts <= t1 + 0.3 for ts in r["slips"]):
        return "SLIP"
    best, lab = 0.0, "-"
    for name, a0, a1 in r["events"]:
        o = min(t1, a1) - max(t0, a0)
        if o > best:
            best, lab = o, name
    return lab


def tied_chain(cs: Any, *args: Any) -> list[tuple[float, float]]:
    """(residual deg, linear acceleration m/s²) of the windows ``cs.slip_motion_windows(*args)``
    can read at some ``SLIP_MOTION_LIN``: since RATE (e9dbdbd, 67ee4c8) it reads, of the tied
    windows by residual, the first within the bound, else the best. Found by lowering the bound
    below each reading in turn: the tied windows whose acceleration is below every earlier
    one's. A gap passes at the bounds (E, L) iff the first of these with acceleration <= L has
    residual <= E of the wanted turn. Before RATE: one element (no tie rule)."""
    saved = cs.SLIP_MOTION_LIN
    out: list[tuple[float, float]] = []
    try:
        cs.SLIP_MOTION_LIN = np.inf
        while True:
            f = cs.slip_motion_windows(*args)
            if f is None or (out and f[4] >= out[-1][1]):
                break
            out.append((f[2], f[4]))
            cs.SLIP_MOTION_LIN = np.nextafter(f[4], -np.inf)
    finally:
        cs.SLIP_MOTION_LIN = saved
    return out


def passes(x: dict[str, Any], e: float, lin: float) -> bool:
    """Does gap row ``x`` pass the motion rule at bounds ``e`` (of the turn) and ``lin``?"""
    for err, li in x["chain"]:
        if li <= lin:
            return err <= e * x["want"]
    return False


def least_lin(x: dict[str, Any], e: float) -> float:
    """The least ``SLIP_MOTION_LIN`` at which gap row ``x`` passes (residual bound ``e``), inf
    if none: the gap's reading as far as the bound is concerned."""
    ok = [li for _err, li in x["chain"] if passes(x, e, li)]
    return min(ok) if ok else float("inf")


def gaps_part(r: dict[str, Any]) -> list[dict[str, Any]]:
    """Per placement, per moving gap between probes in its range: the best window's
    features (:func:`kyphos.processing.clipslip.slip_motion_windows`)."""
    from kyphos.processing import clipslip as cs

    calls: list[tuple[Any, ...]] = []
    orig = cs.place_slip

    def spy(*args: Any, **kw: Any) -> Any:
        calls.append(args)
        return orig(*args, **kw)

    cs.place_slip = spy  # type: ignore[assignment]
    try:
        out = cs.find_slips(r["refs"], r["m"], r["time"], r["still"], r["probes"]) \
            if r.get("refs") is not None else []
    finally:
        cs.place_slip = orig  # type: ignore[assignment]
    t, fs = r["time"], r["fs"]
    rows = []
    for ci, (probes, lo, hi, m_old, m_new, *_rest) in enumerate(calls):
        seq = [pr for pr in probes if lo <= pr.i0 <= hi]
        bounds = [(lo, seq[0].i0)] if seq else []
        bounds += [(seq[k - 1].i1, seq[k].i0) for k in range(1, len(seq))]
        for g0, g1 in bounds:
            if g1 <= g0:
                continue
            f = cs.slip_motion_windows(r["gyr"], r["acc"], fs, g0, g1, m_old, m_new, r["still"])
            if f is None:
                continue
            i, _i1, err, turn, lin, want = f
            chain = tied_chain(cs, r["gyr"], r["acc"], fs, g0, g1, m_old, m_new, r["still"])
            rows.append({"seed": r["seed"], "fs": fs, "call": ci, "t0": float(t[g0]),
                         "t1": float(t[min(g1, len(t) - 1)]), "tw": float(t[i]),
                         "label": _label(r, float(t[g0]), float(t[min(g1, len(t) - 1)])),
                         "err": err, "turn": turn, "lin": lin, "want": want, "chain": chain,
                         "placed": float(t[out[ci].index]) if ci < len(out) else np.nan})
    return rows


def replay(r: dict[str, Any], motion: bool) -> dict[str, Any]:
    from kyphos.processing import clipslip

    refs = r.get("refs")
    gyr, acc = r["gyr"], r["acc"]
    kw = {"motion": (lambda r0, r1: (gyr[r0:r1], acc[r0:r1]), r["fs"])} if motion else {}
    out: list[Any] = [] if refs is None else \
        clipslip.find_slips(refs, r["m"], r["time"], r["still"], r["probes"], **kw)
    return scored_replay(r, out)


def scored_replay(r: dict[str, Any], out: list[Any]) -> dict[str, Any]:
    """Flexion error of the kept session ``r`` re-referenced by ``out`` (find_slips' answer):
    squared sums (all, not lying, in the slip window), slips hit within NEAR_S, offsets."""
    from kyphos.processing import clipslip

    ang = clipslip.reref_angles(r["time"], r["quat"], r["m"], out, r["fs"], r["valid"],
                                masked=r["masked"])
    ok = r["ok"]
    e = np.degrees(ang.flexion[ok] - r["truth"][ok])
    up = ~r["lying"][ok]
    rr = [x.t_s for x in out if x.t_s > 0.0]
    hit = sum(1 for ts in r["slips"] if any(abs(x - ts) <= NEAR_S for x in rr))
    off = [min((x - ts for x in rr), key=abs) if rr else np.inf for ts in r["slips"]]
    # the slip window (as bench/flexion_worst.py: from the truth slip to the nearest re-reference)
    t = r["time"][ok]
    win = np.zeros(len(t), bool)
    for ts, o in zip(r["slips"], off, strict=True):
        if np.isfinite(o):
            win |= (t >= min(ts, ts + o)) & (t < max(ts, ts + o))
    return {"sq": float(np.sum(e ** 2)), "n": len(e), "sq_up": float(np.sum(e[up] ** 2)),
            "n_up": int(np.sum(up)), "hit": hit, "n_slips": len(r["slips"]), "n_rr": len(rr),
            "off": off, "rr": rr, "sq_win": float(np.sum(e[win] ** 2))}


def _job(job: tuple[str, int, float, str | None, str]) -> Any:
    family, seed, fs, cache, part = job
    r = load((family, seed, fs, cache))
    if part == "gaps":
        return gaps_part(r)
    if part == "record":
        return None
    if part.startswith("lin="):  # with the motion at the shipped bound against another
        from kyphos.processing import clipslip as cs

        shipped = cs.SLIP_MOTION_LIN
        res = {"seed": seed, "fs": fs, "old": replay(r, True)}
        cs.SLIP_MOTION_LIN = float(part[4:])
        try:
            res["new"] = replay(r, True)
        finally:
            cs.SLIP_MOTION_LIN = shipped
        res["same"] = True
        return res
    res = {"seed": seed, "fs": fs, "old": replay(r, False), "new": replay(r, True)}
    ok = r["ok"]
    # the shipped analysis places with the motion; its walking pass (orientation.walk_tilt) is
    # not replayed, so a session with walking differs by that
    res["same"] = bool(np.allclose(res["new"]["sq"], float(np.sum(
        np.degrees(r["shipped"] - r["truth"][ok]) ** 2))))
    return res


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--family", choices=("validation", "sim", "simday"), default="validation")
    ap.add_argument("--seeds", default="0-29", help="validation seeds (held-out seeds refused: validate_analysis.HELD_OUT_FROM)")
    ap.add_argument("--rates", default="104", help="a list like 52,104 or 'cycle' (seed % 3)")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--cache", default=None, help="directory for the kept inputs")
    ap.add_argument("--part", choices=("record", "gaps", "replay"), default="gaps")
    ap.add_argument("--lin", type=float, default=None,
                    help="with --part replay: instead of without the motion, compare the "
                         "shipped SLIP_MOTION_LIN (old) with this one (new)")
    ap.add_argument("--all-gaps", action="store_true", help="print every gap, not a summary")
    args = ap.parse_args(argv[1:])
    sys.path.insert(0, os.path.dirname(__file__))
    from validate_analysis import development_seeds, run_jobs

    seeds = development_seeds(args.seeds, args.family)
    if args.cache:
        os.makedirs(args.cache, exist_ok=True)
    part = args.part if args.lin is None else f"lin={args.lin:g}"
    if args.rates == "cycle":  # as bench/fit_thresholds.py: one rate per seed, seed % 3
        jobs = [(args.family, s, (52.0, 104.0, 208.0)[s % 3], args.cache, part) for s in seeds]
    else:
        jobs = [(args.family, s, float(fs), args.cache, part)
                for fs in args.rates.split(",") for s in seeds]
    res = run_jobs(_job, jobs, args.jobs)
    print(f"{args.family} family, seeds {args.seeds}, rates {args.rates}, part {args.part}")
    if args.part == "gaps":
        rows = [x for rr in res for x in rr]
        if args.all_gaps:
            for x in rows:
                print(f"{x['seed']:5d} {x['fs']:4.0f} c{x['call']} {x['t0']:7.1f}-{x['t1']:7.1f}"
                      f" w {x['tw']:7.1f} {x['label']:26s} err {x['err']:5.1f} turn "
                      f"{x['turn']:5.1f} want {x['want']:5.1f} lin {x['lin']:5.2f}")
        labels = sorted({x["label"] for x in rows})
        from kyphos.processing import clipslip as cs

        print("label                       n   err p50/p95/max    turn/want p50   lin p50/max;"
              f" pass (err <= {cs.SLIP_MOTION_ERR:g} of the turn, lin <= {cs.SLIP_MOTION_LIN:g});"
              f" pass at lin {' / '.join(f'{b:g}' for b in LIN_GRID)}; the least bound each gap"
              " passes at: smallest, largest over the label")
        for lab in labels:
            xs = [x for x in rows if x["label"] == lab]
            err = np.array([x["err"] for x in xs])
            rel = err / np.array([x["want"] for x in xs])
            tw = np.array([x["turn"] / x["want"] for x in xs])
            lin = np.array([x["lin"] for x in xs])
            npass = int(np.sum((rel <= cs.SLIP_MOTION_ERR) & (lin <= cs.SLIP_MOTION_LIN)))
            grid = " ".join(str(sum(passes(x, cs.SLIP_MOTION_ERR, b) for x in xs)) for b in LIN_GRID)
            least = [least_lin(x, cs.SLIP_MOTION_ERR) for x in xs]
            ok = [v for v in least if np.isfinite(v)]
            print(f"{lab:26s} {len(xs):4d}  {np.median(err):5.1f}/{np.percentile(err, 95):5.1f}/"
                  f"{err.max():5.1f}  {np.median(tw):5.2f}  {np.median(lin):5.2f}/{lin.max():5.2f};"
                  f" {npass}; at lin {grid}; least passing reading "
                  f"{min(ok) if ok else np.inf:.3f} largest {max(ok) if ok else np.inf:.3f}")
        sl = [x for x in rows if x["label"] == "SLIP"]
        for x in sl:
            print(f"SLIP seed {x['seed']:5d} fs {x['fs']:4.0f} gap {x['t0']:7.1f}-{x['t1']:7.1f}"
                  f" err {x['err']:5.2f} rel {x['err'] / x['want']:4.2f} turn {x['turn']:5.1f}"
                  f" want {x['want']:5.1f} lin {x['lin']:5.2f}")
        with open(os.path.join(args.cache or "/tmp", f"gaps_{args.family}.pkl"), "wb") as f:
            pickle.dump(rows, f)
    elif args.part == "replay":
        if args.lin is None:
            print(f"replay (with the motion, without the walking pass) equals the analysis in "
                  f"{sum(r['same'] for r in res)} of {len(res)}")
        else:
            from kyphos.processing import clipslip as cs

            print(f"old: SLIP_MOTION_LIN {cs.SLIP_MOTION_LIN:g} (shipped); new: {args.lin:g}")
        for r in res:
            a, b = r["old"], r["new"]
            if abs(a["sq"] - b["sq"]) > 1e-6 * max(a["sq"], 1.0) or a["n_rr"] != b["n_rr"]:
                print(f"seed {r['seed']:4d} fs {r['fs']:4.0f}: RMSE "
                      f"{np.sqrt(a['sq'] / a['n']):.2f} -> {np.sqrt(b['sq'] / b['n']):.2f}; "
                      f"slip offset (s) {[round(x, 1) for x in a['off']]} -> "
                      f"{[round(x, 1) for x in b['off']]}; re-refs {a['n_rr']} -> {b['n_rr']}")
        for var in ("old", "new"):
            x = [r[var] for r in res]
            offs = np.array([abs(o) for y in x for o in y["off"]])
            print(f"{var}: flexion pooled {np.sqrt(sum(y['sq'] for y in x) / max(1, sum(y['n'] for y in x))):.3f}"
                  f" (not lying {np.sqrt(sum(y['sq_up'] for y in x) / max(1, sum(y['n_up'] for y in x))):.3f})"
                  f" deg; slips within 20 s {sum(y['hit'] for y in x)} of "
                  f"{sum(y['n_slips'] for y in x)}; within 2 s {int(np.sum(offs <= 2.0))}; "
                  f"re-references {sum(y['n_rr'] for y in x)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
