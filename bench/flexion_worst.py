"""Where the worst sessions' flexion error comes from, in time and by component (issue 15).

Usage:
    .venv/bin/python bench/flexion_worst.py --seeds 0-29,1000-1029 --rates 104 --jobs 2
    .venv/bin/python bench/flexion_worst.py --seeds 0-29 --rates 104 --worst 12 --cache /tmp/fw

Every valid sample of the whole recording is scored (as ``validate_analysis.py``'s pooled
flexion: lying included) and given to the first group, in this order, whose truth interval
holds it:

* ``lying`` (truth activity), ``slip window`` (between the truth clip slip and the re-reference
  nearest to it, either side; to the end if none: a missed or misplaced re-reference),
  ``false reref`` (from a re-reference more than 20 s from any truth slip to the next one),
  ``calibration`` (the opening stand and guided bend), ``transition`` (sit/stand/lie), ``lift``,
  ``task bend``, ``seated reach``, ``slouch``, ``walking``, ``standing``, ``sitting``.

and its error is split into additive components (deg):

* ``angle stage``: the analysis' flexion minus the pitch of R(q)·M with its own q and M
  (filters and bridging in ``trunk_angles`` / ``reref_angles``);
* ``mounting``: the pitch with the analysis' M minus that with the true M (calibration and
  re-referencing, the slip as it happens);
* ``chip``: VQF on the chip's signals minus VQF on its error-free signals (offsets, scale,
  misalignment, noise; the offset fit left in);
* ``VQF motion``: VQF on the error-free signals with the true M minus the truth (the filter's
  response to motion, plus the soft-tissue wobble, which is 0.01 deg: flexion_budget.py).

Mounting and chip cancel by design (the upright calibration absorbs the chip's tilt near
upright: each alone is larger than their sum), so the report shows their sum, ``reference``:
the part of the error that is a wrong upright for this posture and this mounting.

Per group: seconds, RMS error, mean and RMS of the reference part, RMS of the VQF-motion and
angle-stage parts, and the pooled RMSE with that group's error set to zero -- an UPPER BOUND of what fixing it gains.
Per component: the pooled RMSE with that component removed everywhere (also an upper bound:
the components are not independent of the re-reference decisions).

Validation seeds (validate_analysis.HELD_OUT_FROM and on) are refused (held out).
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import time as _time
from typing import Any

import numpy as np

GROUPS = ("lying", "slip window", "false reref", "calibration", "transition", "lift",
          "task bend", "seated reach", "slouch", "walking", "standing", "sitting")
COMPS = ("angle stage", "mounting", "chip", "VQF motion")
NEAR_S = 20.0  # a re-reference within 20 s of a truth slip is a match (validate_analysis.py)


def _mark(t: np.ndarray, ivs: list[tuple[float, float]]) -> np.ndarray:
    """Samples of ``t`` inside any interval of ``ivs``."""
    m = np.zeros(len(t), bool)
    for a, b in ivs:
        i0, i1 = np.searchsorted(t, (min(a, b), max(a, b)))
        m[i0:i1] = True
    return m


def _reref_windows(slips: list[float], rr: list[float], t_end: float
                   ) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """(slip windows, false re-reference windows): truth slip to its nearest re-reference,
    and each other re-reference > NEAR_S from every truth slip to the next re-reference."""
    slip_w, nearest = [], set()
    for ts in slips:
        near = min(rr, key=lambda x: abs(x - ts)) if rr else None
        slip_w.append((ts, near) if near is not None else (ts, t_end))
        nearest.add(near)
    nxt = sorted(rr) + [t_end]
    false_w = [(x, nxt[i + 1]) for i, x in enumerate(sorted(rr))
               if x not in nearest and all(abs(x - ts) > NEAR_S for ts in slips)]
    return slip_w, false_w


def truth_intervals(tr: Any) -> dict[str, list[tuple[float, float]]]:
    """The truth's event intervals (s) that :func:`groups` labels by, per kind."""
    return {"calibration": [tuple(tr.calibration[k]) for k in ("upright", "bend")
                            if k in tr.calibration],
            "lift": [(lf.start, lf.end) for lf in tr.lifts],
            "task bend": [(b.start, b.end) for b in tr.sustained_bends],
            "seated reach": [(r.start, r.end) for r in tr.seated_reaches],
            "slouch": [(x.start, x.end) for x in tr.slouches]}


def analyzed(seed: int, fs: float) -> tuple[Any, Any, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The validation session ``seed`` at ``fs`` Hz and its analysis, with the analysis' valid
    sample indices ``ok``, their times, the flexion error there (deg) and the truth's activity
    at each: ``(v, a, ok, t, e, act)``."""
    from kyphos.analysis import analyze
    from kyphos.sim.validation import generate

    v = generate(seed, fs)
    a = analyze(v.to_session())
    ang, tr = a.angles, v.truth
    ok = np.flatnonzero(ang.valid & np.isfinite(ang.flexion))
    t = ang.time[ok]
    e = np.degrees(ang.flexion[ok] - np.interp(t, tr.time, tr.flexion))
    act = tr.activity_names[np.clip(np.searchsorted(tr.time, t), 0, len(tr.time) - 1)]
    return v, a, ok, t, e, act


def session(seed: int, fs: float) -> dict[str, Any]:
    """Per-sample error, its components and the truth intervals of one validation session."""
    sys.path.insert(0, os.path.dirname(__file__))
    from flexion_budget import _flex, _m_per_sample, _true_m
    from kyphos.processing.orientation import orientation_offline

    v, a, ok, t, _e, act = analyzed(seed, fs)
    ang, tr = a.angles, v.truth
    truth = np.interp(t, tr.time, tr.flexion)
    m_an = _m_per_sample(a, len(ang.time))[ok]
    m_true = _true_m(v.script, t, wobble=False)
    q = a.quat[ok]
    q_clean = orientation_offline(v.gyr_true, v.acc_true, fs)
    q_clean = q_clean[np.clip(np.searchsorted(v.time, t), 0, len(v.time) - 1)]
    f_own = _flex(q, m_an)
    f_tm = _flex(q, m_true)
    f_clean = _flex(q_clean, m_true)
    comp = np.degrees(np.vstack([ang.flexion[ok] - f_own, f_own - f_tm, f_tm - f_clean,
                                 f_clean - truth]))
    rr = [x.t_s for x in a.re_references if x.t_s > 0.0]
    ivs = truth_intervals(tr)
    return {"seed": seed, "fs": fs, "t": t, "comp": comp.astype(np.float32), "act": act,
            "ivs": ivs, "dt": 1.0 / fs, "slip_t": [c.t for c in tr.clip_slips],
            "slips": [(round(c.t, 1), round(c.deg, 1)) for c in tr.clip_slips],
            "rerefs": [round(x, 1) for x in rr], "rr_t": rr}


def groups(r: dict[str, Any]) -> np.ndarray:
    """Index into GROUPS per sample of one session: the first group in GROUPS that holds it."""
    t, act = r["t"], r["act"]
    slip_w, false_w = _reref_windows(r["slip_t"], r["rr_t"], float(t[-1]) + 1.0)
    masks = {"lying": act == "lying", "slip window": _mark(t, slip_w),
             "false reref": _mark(t, false_w), "transition": act == "transition",
             "walking": act == "walking", "standing": act == "standing",
             "sitting": act == "sitting"}
    masks.update({k: _mark(t, v) for k, v in r["ivs"].items()})
    group = np.full(len(t), GROUPS.index("standing"), np.int8)  # unlabelled: standing
    for gi in range(len(GROUPS) - 1, -1, -1):
        group[masks[GROUPS[gi]]] = gi
    return group


def _cached(job: tuple[int, float, str | None]) -> dict[str, Any]:
    seed, fs, cache = job
    path = os.path.join(cache, f"w{seed}_{fs:g}.pkl") if cache else None
    if path and os.path.exists(path):
        with open(path, "rb") as f:
            r: dict[str, Any] = pickle.load(f)
    else:
        r = session(seed, fs)
        if path:
            with open(path, "wb") as f:
                pickle.dump(r, f)
    r["group"] = groups(r)
    return r


def _parts(comp: np.ndarray) -> dict[str, np.ndarray]:
    """The components as reported: mounting and chip also summed (they cancel by design)."""
    out = {c: comp[k] for k, c in enumerate(COMPS)}
    out["reference (mount+chip)"] = comp[1] + comp[2]
    return out


def _group_line(e: np.ndarray, comp: np.ndarray, sel: np.ndarray, dt: float, sq_all: float,
                n_all: int) -> str:
    if not np.any(sel):
        return ""
    es, c = e[sel], comp[:, sel]
    zeroed = np.sqrt(max(sq_all - float(np.sum(es.astype(np.float64) ** 2)), 0.0) / n_all)
    ref = c[1] + c[2]
    return (f"{np.sum(sel) * dt:6.0f} s  rms {np.sqrt(np.mean(es ** 2)):5.2f}  ref mean "
            f"{np.mean(ref):+5.2f} rms {np.sqrt(np.mean(ref ** 2)):4.2f}  vqf "
            f"{np.sqrt(np.mean(c[3] ** 2)):4.2f}  stage {np.sqrt(np.mean(c[0] ** 2)):4.2f}"
            f"  -> {zeroed:.3f}")


def report(rows: list[dict[str, Any]], worst: int) -> None:
    sq = [float(np.sum(r["comp"].sum(0).astype(np.float64) ** 2)) for r in rows]
    n = [r["comp"].shape[1] for r in rows]
    sq_all, n_all = sum(sq), sum(n)
    order = np.argsort([-s / k for s, k in zip(sq, n, strict=True)])
    print(f"pooled flexion RMSE (whole recording) {np.sqrt(sq_all / n_all):.3f} deg over "
          f"{len(rows)} sessions")
    print(f"\n== worst {worst} sessions, groups with >= 5 % of the session's squared error: "
          f"seconds, RMS error, the reference part's mean and RMS, RMS of the VQF-motion and "
          f"angle-stage parts, pooled RMSE with the group's error zeroed (upper bound)")
    for i in order[:worst]:
        r = rows[i]
        e = r["comp"].sum(0)
        print(f"seed {r['seed']:4d} fs {r['fs']:4.0f}: RMSE {np.sqrt(sq[i] / n[i]):.2f} "
              f"(pooled without it {np.sqrt((sq_all - sq[i]) / max(n_all - n[i], 1)):.3f}); slip "
              f"{r['slips']}, re-refs {r['rerefs']}; session RMSE with a part removed: " +
              ", ".join(f"{c} {np.sqrt(np.mean((e - p) ** 2)):.2f}"
                        for c, p in _parts(r["comp"]).items()))
        share = {g: float(np.sum(e[r["group"] == k] ** 2)) / max(sq[i], 1e-12)
                 for k, g in enumerate(GROUPS)}
        for k, g in enumerate(GROUPS):
            if share[g] >= 0.05:
                line = _group_line(e, r["comp"], r["group"] == k, r["dt"], sq[i], n[i])
                print(f"    {g:13s} {100 * share[g]:4.0f} % of its error  {line}")
    print("\n== all sessions, per group (pooled; '->' = pooled RMSE with that group zeroed, "
          "an upper bound of the gain)")
    e_all = np.concatenate([r["comp"].sum(0) for r in rows])
    c_all = np.concatenate([r["comp"] for r in rows], axis=1)
    g_all = np.concatenate([r["group"] for r in rows])
    dt_all = np.concatenate([np.full(r["comp"].shape[1], r["dt"]) for r in rows])
    for k, g in enumerate(GROUPS):
        sel = g_all == k
        if np.any(sel):
            line = _group_line(e_all, c_all, sel, 1.0, sq_all, n_all)
            secs = float(np.sum(dt_all[sel]))
            print(f"    {g:13s} {100 * np.sum(e_all[sel].astype(np.float64) ** 2) / sq_all:4.0f} "
                  f"% of the error, {secs:7.0f} s  {line.split('s  ', 1)[1]}")
    print("\n== per component, pooled RMSE with it removed everywhere (upper bound)")
    for c, p in _parts(c_all).items():
        rest = (e_all - p).astype(np.float64)
        print(f"    {c:24s} RMS {np.sqrt(np.mean(p.astype(np.float64) ** 2)):.3f}  -> "
              f"{np.sqrt(np.mean(rest ** 2)):.3f}")


def session_args(ap: argparse.ArgumentParser, seeds: str = "0-29") -> None:
    """The seeds / rates / jobs / cache options of this script and those that read its rows."""
    ap.add_argument("--seeds", default=seeds,
                    help="validation seeds (held-out seeds refused: validate_analysis.HELD_OUT_FROM)")
    ap.add_argument("--rates", default="104")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--cache", default=None, help="directory for per-session results")


def session_rows(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Every (seed, rate) session's row (:func:`_cached`) for :func:`session_args`' options."""
    sys.path.insert(0, os.path.dirname(__file__))
    from validate_analysis import development_seeds, run_jobs

    seeds = development_seeds(args.seeds)
    if args.cache:
        os.makedirs(args.cache, exist_ok=True)
    jobs = [(s, float(fs), args.cache) for fs in args.rates.split(",") for s in seeds]
    return list(run_jobs(_cached, jobs, args.jobs))


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    session_args(ap)
    ap.add_argument("--worst", type=int, default=12, help="sessions to split (default 12)")
    args = ap.parse_args(argv[1:])
    t0 = _time.perf_counter()
    rows = session_rows(args)
    print(f"validation family, seeds {args.seeds}, rates {args.rates}; "
          f"{_time.perf_counter() - t0:.0f} s")
    report(rows, args.worst)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
