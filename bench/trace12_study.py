"""The sit-downs that the activity stage's height track reads short, and what that costs
(TRACE12, issue 15, twentieth session; a study, no analysis change).

Usage:
    PYTHONPATH=$PWD/host .venv/bin/python bench/trace12_study.py --part height \
        --seeds 32007 --rates 52,104 --window 180-198
    PYTHONPATH=$PWD/host .venv/bin/python bench/trace12_study.py --part transitions \
        --seeds 32000-32029 --rates 52 --jobs 2 [--still-end 0.5]

Part ``height``: the movements (runs neither still nor walking) of the activity stage's first
height track (``activity.vertical_track``) in ``--window``: their times, the height before and
after, the mean of the earth-vertical acceleration over the still-end window the track takes
as its error there (``int(0.15 * fs)`` rows after the movement), the truth sensor point's
height change over the movement (``generate.evaluate``) and the change the stage's own model
gives with the truth's vertical acceleration point-sampled at its rows (same bounds); then the
transitions found in the window.

Part ``transitions``: per session and rate, the truth's sit/stand transitions (runs of truth
"transition" between sitting and standing) against the stage's (a found one of the same
direction overlapping it, 1 s slack), the misses with their truth and read height change, the
found ones' smallest |rise| (the margin to ``TRANSITION_RISE_M``), and the session's flexion
RMSE (whole recording, as ``validate_analysis.py``'s pooled flexion), lifts found / truth and
re-references. ``--still-end K``: the same with the height track's still-end windows K s long
instead of 0.15 s (an oracle: ``vertical_track``'s source with that one number changed);
``--end-only``: ``--still-end`` for the window after each movement only (where a landing rings);
``--still-end-median``: their medians taken as the error at each end instead of their means
(``_integrate_batch``'s source with those two lines changed).

Measured (TRACE12, 2026-12-07, host = 697f2f8's analysis; /work/handoff/TRACE12.md): validation
32007 @52 (3.77 deg, the held-out run 31's worst): the stand-to-sit at 182.9 s reads a 0.296-m
drop (TRANSITION_RISE_M 0.3; truth 0.353 m; 0.360 at 104 Hz). The seat landing kicks the skin
wobble at 185.13 s, 0.1 s after the 2-Hz still test has called the sit still (185.04 s); the
7-row still-end window ends inside that ring, where the sensor point moves at -0.041 to -0.049
m/s (the truth's; +0.009 where the 104-Hz window ends), and the track's zero velocity there,
spread linearly over the movement, costs 0.06 m (the truth's acceleration on the same rows and
bounds: 0.288 m). The window's mean (-0.62 m/s^2) is not the cause: its median reads 0.283 m.
The sit (97 s) is labelled standing, its 8-deg recline is taken for a slipped upright stand (the
slip placed 91.8 s early) and two seated reaches become stoop lifts (14 found of 12).
Still-end windows 0.5 s long (oracle): 32007 @52 3.767 -> 0.253 deg, lifts 14 -> 12 of 12;
31000-31029 @52 no flexion change, one lift lost (31012); 30000-30029 @52 unchanged.
The window after the movement only (--end-only): 32007 fixed too, but 32013 @52 loses its
stand-to-sit at 279.8 s (lifts 14 of 12 there).

Validation seeds (validate_analysis.HELD_OUT_FROM and on) are refused (held out).
"""

from __future__ import annotations

import argparse
import inspect
import os
import sys
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))


#: ``_integrate_batch``'s still-end means, and their medians (oracle ``--still-end-median``)
_MEANS = ("    y0 = np.where(has0, (ca[off + k0s] - ca[off]) / k0s, 0.0)\n",
          "    y1 = np.where(has1, (ca[end] - ca[end - k1s]) / k1s, 0.0)\n")
_MEDIANS = ("    y0 = np.array([float(np.median(ax[o:o + q])) if h else 0.0\n"
            "                   for o, q, h in zip(off, k0s, has0, strict=True)])\n",
            "    y1 = np.array([float(np.median(ax[e - q:e])) if h else 0.0\n"
            "                   for e, q, h in zip(end, k1s, has1, strict=True)])\n")


def _track_fn(still_end: float | None, median: bool, end_only: bool = False) -> Any:
    """``activity.vertical_track``, or its source re-run with the still-end windows
    ``still_end`` s long (``end_only``: only the window after each movement) and / or their
    medians taken as the error (oracles)."""
    import kyphos.processing.activity as A

    if still_end is None and not median:
        return A.vertical_track
    src = inspect.getsource(A.vertical_track)
    if still_end is not None:
        if end_only:  # the window after each movement only; the one before keeps 0.15 s
            a, b = ("k1 = np.where(walk_after, 0, np.minimum(k, s1 - b_))",
                    f"k1 = np.where(walk_after, 0, np.minimum(max(2, int({still_end!r} * fs)),"
                    " s1 - b_))")
        else:
            a, b = "int(0.15 * fs)", f"int({still_end!r} * fs)"
        new = src.replace(a, b)
        if new == src:
            raise SystemExit(f"vertical_track no longer holds {a}")
        src = new
    ns = dict(vars(A))
    if median:
        ib = inspect.getsource(A._integrate_batch)
        for a, b in zip(_MEANS, _MEDIANS, strict=True):
            if a not in ib:
                raise SystemExit("_integrate_batch no longer holds its still-end means")
            ib = ib.replace(a, b)
        exec(ib, ns)  # noqa: S102 - the analysis' own source, the two means as medians
    exec(src, ns)  # noqa: S102 - the analysis' own source, one number changed
    return ns["vertical_track"]


def _tracked(seed: int, fs: float, still_end: float | None = None,
             median: bool = False, end_only: bool = False) -> dict[str, Any]:
    """The validation session, its analysis and the activity stage's first height track
    (az, tilt, still, height, the stage's rate); ``still_end`` / ``median``: the oracles."""
    import kyphos.processing.activity as A
    from kyphos.analysis import analyze
    from kyphos.sim.validation import generate

    cap: list[tuple[np.ndarray, ...]] = []
    orig = A.vertical_track
    track = _track_fn(still_end, median, end_only)

    def keep(az: np.ndarray, tilt: np.ndarray, still: np.ndarray, fs: float,
             valid: np.ndarray | None = None, walking: np.ndarray | None = None
             ) -> tuple[np.ndarray, np.ndarray]:
        h, v = track(az, tilt, still, fs, valid, walking)
        cap.append((az.copy(), tilt.copy(), still.copy(),
                    np.zeros(len(az), bool) if walking is None else walking.copy(), h,
                    np.array(fs)))
        return h, v

    A.vertical_track = keep
    try:
        v = generate(seed, fs)
        a = analyze(v.to_session())
    finally:
        A.vertical_track = orig
    assert a.activity is not None
    az, tilt, still, walking, h, f2 = cap[0]
    fs2 = float(f2)
    step = int(round(fs / fs2))
    t = a.activity.time[::step][: len(az)]
    return {"v": v, "a": a, "az": az, "tilt": tilt, "still": still, "walking": walking,
            "h": h, "fs2": fs2, "t": t}


def _truth_z(script: Any, t: np.ndarray) -> np.ndarray:
    from kyphos.sim.validation.generate import evaluate

    return np.asarray(evaluate(script, t).p_sensor[:, 2])


def _truth_az(script: Any, t: np.ndarray, h: float = 1e-3) -> np.ndarray:
    z = [_truth_z(script, t + k * h) for k in (-1, 0, 1)]
    return np.asarray((z[0] - 2 * z[1] + z[2]) / h ** 2)


def part_height(seed: int, fs: float, t0: float, t1: float) -> None:
    import kyphos.processing.activity as A

    r = _tracked(seed, fs)
    az, still, walking, h, fs2, t = r["az"], r["still"], r["walking"], r["h"], r["fs2"], r["t"]
    tilt = r["tilt"]
    k = max(2, int(0.15 * fs2))
    anchor = still | walking
    moves = [(int(a), int(b)) for a, b in A.runs(~anchor)]
    print(f"seed {seed} @{fs:.0f} (stage rows {fs2:.0f} Hz, still-end window {k} rows)")
    for a, b in moves:
        if t[b - 1] < t0 or t[a] > t1:
            continue
        k0, k1 = min(k, a), min(k, len(az) - b)
        w0, w1 = a - k0, b + k1
        azt = _truth_az(r["v"].script, t[w0:w1])
        p_tr, _ = A.integrate_movement(azt, tilt[w0:w1], fs2, k0, k1)
        z = _truth_z(r["v"].script, t[[max(a - 1, 0), min(b, len(t) - 1)]])
        print(f"  move {t[a]:7.2f}-{t[b - 1]:7.2f} s  height {h[max(a - 1, 0)]:+.3f} -> "
              f"{h[min(b, len(h) - 1)]:+.3f} m (change {h[min(b, len(h) - 1)] - h[max(a - 1, 0)]:+.3f});"
              f" still-end az mean {np.mean(az[b:b + k1]) if k1 else np.nan:+.2f} m/s^2"
              f" (truth {np.mean(azt[len(azt) - k1:]) if k1 else np.nan:+.2f});"
              f" truth change {z[1] - z[0]:+.3f}, model on truth az {p_tr[-1]:+.3f}")
    for tr in r["a"].activity.transitions:
        if t0 <= tr.start_s <= t1:
            print(f"  found {tr.kind} {tr.start_s:.2f}-{tr.end_s:.2f} s rise {tr.rise_m:+.3f} m")


def _truth_transitions(v: Any) -> list[tuple[float, float, str]]:
    """(start, end, kind) of the truth's sit/stand transitions."""
    acts = sorted(v.script.activity)
    out = []
    for i, (s, e, name) in enumerate(acts):
        if name != "transition" or i == 0 or i + 1 >= len(acts):
            continue
        before, after = acts[i - 1][2], acts[i + 1][2]
        if {before, after} == {"sitting", "standing"}:
            out.append((s, e, "stand_to_sit" if before == "standing" else "sit_to_stand"))
    return out


def _transitions_row(job: tuple[int, float, float | None, bool, bool]) -> dict[str, Any]:
    seed, fs, still_end, median, end_only = job
    r = _tracked(seed, fs, still_end, median, end_only)
    v, a, t, h = r["v"], r["a"], r["t"], r["h"]
    found = a.activity.transitions
    miss = []
    matched = []
    for s, e, kind in _truth_transitions(v):
        hit = [f for f in found if f.kind == kind and f.start_s <= e + 1.0 and f.end_s >= s - 1.0]
        if hit:
            matched.append(abs(hit[0].rise_m))
            continue
        i0, i1 = np.searchsorted(t, [s - 0.5, e + 0.5])
        z = _truth_z(v.script, np.array([s - 0.5, e + 0.5]))
        miss.append((round(s, 1), kind, round(float(z[1] - z[0]), 3),
                     round(float(h[min(i1, len(h) - 1)] - h[i0]), 3)))
    ang, tr = a.angles, v.truth
    ok = np.flatnonzero(ang.valid & np.isfinite(ang.flexion))
    e = np.degrees(ang.flexion[ok] - np.interp(ang.time[ok], tr.time, tr.flexion))
    return {"seed": seed, "fs": fs, "n": len(matched) + len(miss), "miss": miss,
            "min_rise": min(matched) if matched else np.nan, "sq": float(np.sum(e ** 2)),
            "ns": len(e), "flex": float(np.sqrt(np.mean(e ** 2))), "lifts": len(a.lifts),
            "lifts_truth": len(tr.lifts),
            "rerefs": [round(x.t_s, 1) for x in a.re_references],
            "slips": [round(x.t, 1) for x in tr.clip_slips]}


def part_transitions(seeds: list[int], rates: list[float], jobs: int,
                     still_end: float | None, median: bool, end_only: bool = False) -> None:
    from validate_analysis import run_jobs

    label = ("still-end 0.15 s" if still_end is None else f"still-end {still_end} s (oracle)") \
        + (", after the movement only" if end_only and still_end is not None else "") \
        + (", median (oracle)" if median else "")
    for fs in rates:
        rows = run_jobs(_transitions_row, [(s, fs, still_end, median, end_only) for s in seeds],
                        jobs)
        n = sum(r["n"] for r in rows)
        nm = sum(len(r["miss"]) for r in rows)
        pooled = np.sqrt(sum(r["sq"] for r in rows) / sum(r["ns"] for r in rows))
        print(f"@{fs:.0f} {label}: {len(rows)} sessions; sit/stand transitions {n}, missed {nm};"
              f" flexion pooled {pooled:.4f}; lifts found {sum(r['lifts'] for r in rows)}"
              f" of {sum(r['lifts_truth'] for r in rows)}")
        for r in rows:
            flag = "  <-" if r["miss"] or r["lifts"] != r["lifts_truth"] else ""
            print(f"  {r['seed']} flex {r['flex']:.3f} smallest found |rise| {r['min_rise']:.3f}"
                  f" lifts {r['lifts']}/{r['lifts_truth']} slip {r['slips']} re-refs"
                  f" {r['rerefs']} missed {r['miss']}{flag}")


def main(argv: list[str]) -> int:
    from validate_analysis import development_seeds

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=("height", "transitions"), default="height")
    ap.add_argument("--seeds", default="32007")
    ap.add_argument("--rates", default="52,104")
    ap.add_argument("--window", default="180-198", help="part height: t0-t1, s")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--still-end", type=float, default=None,
                    help="part transitions: the height track's still-end windows (s; oracle)")
    ap.add_argument("--end-only", action="store_true",
                    help="part transitions: --still-end for the window after a movement only")
    ap.add_argument("--still-end-median", action="store_true",
                    help="part transitions: their medians as the error, not their means (oracle)")
    args = ap.parse_args(argv)
    seeds = development_seeds(args.seeds)
    rates = [float(x) for x in args.rates.split(",")]
    if args.part == "height":
        t0, t1 = (float(x) for x in args.window.split("-"))
        for s in seeds:
            for fs in rates:
                part_height(s, fs, t0, t1)
    else:
        part_transitions(seeds, rates, args.jobs, args.still_end, args.still_end_median,
                         args.end_only)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
