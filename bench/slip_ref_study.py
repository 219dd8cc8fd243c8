"""Study: clip-slip references whose posture changed while still (issue 15, flexion RMSE).

Usage:
    .venv/bin/python bench/slip_ref_study.py --seeds 0-29,1000-1029 --rates 104 --jobs 2 \
        --cache /tmp/slipref

``kyphos.analysis.analyze`` runs once per session (``--family`` as validate_analysis.py) with ``clipslip.find_slips`` wrapped so its
inputs are kept (the reference postures, probes, mounting, still mask) with the session's
orientation and truth. ``find_slips`` is then replayed on those inputs, as shipped and with
variants, and each replay's re-references go through ``clipslip.reref_angles`` exactly as the
analysis does; flexion is scored against the truth on the analysis' scored samples (whole
recording and not lying) and the re-references against the truth slip (within 20 s).

Variant ``ends``: a still reference (standing / sitting) whose first and last ``PROBE_MIN_S``
differ by more than ``SLIP_MIN_DEG`` is no reference: the posture moved inside it (a slouch
setting in below the still rule's rate), so its mean is a mixture that can read as the slip.
Found on validation seeds 3020 and 3022 (bench/flexion_worst.py): a seated slouch that set in
slowly, mean read in the new mounting, took the slip 96 s and 36 s before it happened, and the
placement could only search before that reference. Nothing here changes the shipped code.

Variant ``step``: in ``clipslip._place``, a step between two still postures of the same kind
that the slip undoes to within ``SLIP_AGREE_DEG`` places the slip when the change point's
score there is at most one vote below the best (today it must tie the best). Found on seeds
2029 and 3001: a standing slouch held in the slip's direction after (or before) the slip reads
upright in the wrong mounting and outvotes the exact step by one (placed 31 s late, 10 s
early). ``ends+step``: both.

Measured at 74a2962 (PYTHONPATH = its git archive; pooled flexion, whole recording, deg):
validation 0-29,1000-1029,2000-2029,3000-3029,4000-4029,5000-5029 @104 Hz: shipped 0.794,
ends 0.678, step 0.833, ends+step 0.723 (ends changes only 3020: 5.16 -> 0.96 and 3022:
2.57 -> 0.26; step moves 3017's slip 50 s early); 3000-3029 @52,208: 1.292 -> 0.810 (ends; 3020,
3022, and 3024 at 208 Hz 0.40 -> 0.37); 0-29 @52,208, simday 0-29 @52,104,208, simday
100-119 @104 (the fit seeds), sim 0-29 @104: identical for every variant but step.

Variants since 7fb0ac0 (``ends`` is shipped as ``clipslip.is_reference``; ``step`` patches
``clipslip.place_slip`` now, its numbers above): a slip made while sitting down, with only
sitting until the next stand (validation seed 4000 at 104 Hz: slip at 202.0 s, 11.8 deg, between
a quiet stand and a sit; no sitting baseline; re-referenced at 233.5 s). The stand-to-sit step
is no step (two kinds), the walks and stands tie every place from the sit's start to the next
stand, and the step into a 40-s seated bend (sit 18.2 -> 34.5 deg in the old mounting, 16.3 deg
against the slip's 11.8, left 4.5 deg once undone) passed the step rule and won; the sit after
the bend is back at 17.9 deg in the old mounting. ``sitveto``: the sitting postures' change
point (upright standing standing in for a missing sitting baseline, as in the tie-break) vetoes
a step it ranks below another place the walks and stands cannot tell from it. ``back``: a step
is no step when the next posture of the same kind is back where the step started (old
mounting) nearer than the slip's rotation brings the step's end (an excursion out and back).
``back2``: also the mirror (the posture before the step's start, new mounting, nearer the
step's end than the step is undone).

Measured at 7fb0ac0 (PYTHONPATH = its git archive), validation 0-29,1000-1029,2000-2029,
3000-3029,4000-4029,5000-5029 @104 Hz, pooled flexion over the whole recording: shipped 0.665
deg (175 of 180 slips within 20 s), back 0.630 and back2 0.630 (only 4000 changes: 2.94 ->
0.37 deg, +31.5 -> -0.1 s), sitveto 0.865 (169 of 180; breaks exact steps: 7 +24.8 s, 11
+12.3 s, 1011, 1015 -75.7 s, 4013 +37.6 s, 5023 -49.9 s: people choose how they sit, so the
sits' votes are no veto). ``back`` is shipped in clipslip.place_slip (the mirror adds nothing).
4000-4029 @52,208: shipped 0.736 -> back 0.507 (only 4000: 2.92 -> 0.42, 2.97 -> 0.40; both
-0.1 s). simday 0-29 @104, sim 0-29 @104, and the fit seeds simday 100-119 at their cycle rates:
identical for back/back2 (sitveto breaks simday 1, 25, 29); on the fit seeds the replay of the
clip-slip sweeps of bench/fit_thresholds.py (SLIP_AGREE_DEG 2-5, SLIP_MAX_DEG 20-30,
SLIP_MIN_DEG 3-7, the refs as filtered at 5) gives the same pooled flexion with and without
back (0.3353 deg for every value).

Variants at 289ef52 (SLIP, 2026-12-06; ``all3`` ships in clipslip.place_slip / find_slips
since; ``--trace`` prints the table each finding below was read from):

* ``backends``: the excursion test of a step (the next same-kind posture back where the step
  started) takes either end of the posture the step left, not only its last: seed 6022, a
  slip at sit-down, a sit whose last end had begun to slouch (10.1 -> 13.6 deg old), a seated
  slouch (22.4), the sit after back at 9.8; the step into the slouch was the slip, 44 s late.
* ``heldvote``: the posture a step that the slip undoes enters casts no vote for the old
  mounting (it is the posture before, the clip turned): seeds 6003, 1019, 2029, a backward
  slip made in a held standing slouch, which then reads 2-4 deg in the old mounting and
  outvoted the exact step; placed at the slouch's release, 10.5, 6.1, 31.3 s late.
  ``heldnew`` (rejected): the mirror, the posture such a step leaves casts no vote for the
  new one. Fixes seed 3001 (a forward slip in a held slouch that read 3.9-5.0 deg in the new
  mounting, placed at the slouch's start 9.8 s early; 1.23 -> 0.23 deg) but breaks 5018 at
  52 and 208 Hz (not 104): a slouch 4.7 s after the slip steps by about the slip (residual
  0.55 deg against the slip's own 0.67), and the upright stand between, no longer voting,
  let it win: 0.36 -> 0.86 deg (validate_analysis 5000-5029 pooled 0.456 -> 0.472).
* ``sitlater``: with no sitting baseline when a slip is placed, the first sitting reference
  after it whose stands agree under the new mounting gives one (clipslip.later_sitting_base):
  seed 2028, sits 5.7 and 6.8 deg from upright standing in the old mounting broke no tie
  against the stand-in, placed 10.2 s early in the middle of the sit.
* ``sitlate`` (shipped since SLIPPLACE, cef0eb4, with the slip's turn choosing among the steps
  the slip undoes: bench/slipplace_study.py): a slip shown by a sitting reference is
  searched up to the walk or stand that confirmed it. Seeds 7000 and 7013: a seated slouch
  (10.1 / 8.7 deg) was the reference, the slip came inside it (18.8 / 22 s later). No change:
  the slouch's release brings the old reading back to where the slip's step started (7000,
  the step is an excursion) or the slouch's step fits the slip better (7013, 1.21 vs
  1.60 deg). Gravity alone cannot tell these from a slip at the slouch's start.

Measured at 289ef52 (PYTHONPATH its git archive), --rates 104, pooled flexion (deg) over the
whole recording, slips re-referenced within 20 s: validation 0-29,1000-1029,...,7000-7029
(240 sessions) shipped 0.658 (234/240), backends 0.630, heldvote 0.631, sitlater 0.653,
all3 0.596 (236/240; not lying 0.599 -> 0.525), all4 0.590. Each variant changes only the
seeds named above (and 5000: +0.4 -> -0.1 s, sitlater). sim 0-29 @104 (no slips, no
re-reference), simday 0-29 @52,104,208 and simday 100-119 at cycle rates (the fit seeds):
identical for every variant; the fit's clip-slip sweeps replayed on the fit seeds
(SLIP_MIN/AGREE/MAX_DEG, HELD_BEND_DEG; refs as filtered at 5): identical per candidate.
validate_analysis --per-seed at 52/104/208 Hz, 289ef52 archive vs 289ef52 + all3 (the
generator of 289ef52 on both sides), pooled flexion: 6000-6029 0.786 -> 0.519 (6003, 6022),
1000-1029 0.575 -> 0.542 (1019), 2000-2029 0.890 -> 0.743 (2028, 2029; re-references 0.933
-> 0.967), 3000-3029 and 5000-5029 unchanged (5000 @208 0.44 -> 0.45, placed -0.1 s instead
of +0.4), 0-29 + 4000-4029 + 7000-7029 @52,208 0.559 -> 0.548 (only 4022 @52: 2.42 -> 0.73);
lifts, style, activity and steps identical, slouch and seated-reach recall up on 2000-2029.
Still more than 5 s off at 104 Hz after all3: 3001 (heldnew, above), 7000, 7013 (above), 2013 (a standing slouch that fits neither mounting,
with the slip at its end: the tie's middle snaps to its start, 21.5 s early), 3011, 3012 (a
slip while getting up from a lie: nothing votes across a lie, placed at its start, 24 s early).

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

NEAR_S = 20.0  # a re-reference within 20 s of a truth slip matches it (validate_analysis.py)


def analyze_kept(family: str, seed: int, fs: float) -> tuple[Any, Any, dict[str, Any]]:
    """(the family's case, its analysis, find_slips' inputs as the analysis passed them)."""
    import kyphos.analysis as an
    from kyphos.processing import clipslip
    from validate_analysis import family_case

    seen: dict[str, Any] = {}
    orig = clipslip.find_slips

    def spy(refs: Any, m: Any, time: Any, still: Any = None, probes: Any = None,
            *args: Any, **kw: Any) -> Any:
        seen.update(refs=refs, m=np.array(m), still=still, probes=probes)
        return orig(refs, m, time, still, probes, *args, **kw)

    clipslip.find_slips = spy  # type: ignore[assignment]
    try:
        case = family_case(family, seed, fs)
        a = an.analyze(case.session)
    finally:
        clipslip.find_slips = orig  # type: ignore[assignment]
    return case, a, seen


def record(family: str, seed: int, fs: float) -> dict[str, Any]:
    """One analysis with find_slips' inputs kept, and what a replay needs to score flexion."""
    case, a, seen = analyze_kept(family, seed, fs)
    return {**scored(case, a), **seen}


def scored(case: Any, a: Any) -> dict[str, Any]:
    """What a replay needs to score an analysis' flexion against the case's truth."""
    p, ang = a.prepared, a.angles
    ok = ang.valid & np.isfinite(ang.flexion)
    lying = np.zeros(len(p.time), bool)
    if case.activity is not None:
        lying = case.activity[np.clip(np.searchsorted(case.time, p.time), 0,
                                      len(case.time) - 1)] == "lying"
    return {"seed": case.seed, "fs": case.fs, "time": p.time, "valid": p.valid,
            "masked": p.masked, "quat": a.quat, "ok": ok, "lying": lying,
            "truth": np.interp(p.time, case.time, case.flexion), "shipped": ang.flexion[ok],
            "slips": [ts for ts, _deg in case.slips]}


# "shipped" replays find_slips without the motion rows the analysis passes since 04ba30c
# (bench/slip_motion_study.py replays with them)
VARIANTS = ["shipped"]
_EXC = "    # the same over one posture between that is an excursion"
#: variant -> [(clipslip function, text in its source, replacement)]; each variant's functions
#: are compiled into one copy of clipslip's namespace, so a patched find_slips calls the
#: patched place_slip. backends ... all4 patch clipslip as it was at 289ef52 (run them with
#: PYTHONPATH at its git archive; all4 is what ships since).
#: (Earlier variants, their numbers in the docstring: step, sitveto, back, back2.)
_PATCHES: dict[str, list[tuple[str, str, str]]] = {
    "backends": [("place_slip",
                  "        back = angle_deg(m_old.T @ ends[k + 1][0], ba) \\\n",
                  "        back = min(angle_deg(m_old.T @ ends[k + 1][0], ba), angle_deg(\n"
                  "            m_old.T @ ends[k + 1][0], m_old.T @ ends[k - 1][0])) \\\n")],
    "sitlater": [("find_slips",
                  "        j, j1 = place_slip(probes or [], floor, r.i0, m, m_new, base, still)\n",
                  "        pbase = base  # study: sitlater\n"
                  "        if 'sitting' not in base and 'standing' in base:\n"
                  "            for k2 in range(i + 1, len(refs)):\n"
                  "                x = refs[k2]\n"
                  "                if x.kind == 'sitting' and stands_agree(refs, k2, m_new, base) \\\n"
                  "                        and angle_deg(m_new.T @ x.up, base['standing']) <= P.SLIP_MAX_DEG:\n"
                  "                    pbase = dict(base, sitting=m_new.T @ x.up)\n"
                  "                    break\n"
                  "        j, j1 = place_slip(probes or [], floor, r.i0, m, m_new, pbase, still)\n")],
    "heldvote": [("place_slip",
                  "    def change_point(kinds: tuple[str, ...], within: float | None = None) -> np.ndarray:\n",
                  "    def change_point(kinds: tuple[str, ...], within: float | None = None,\n"
                  "                     held: np.ndarray | None = None) -> np.ndarray:\n"),
                 ("place_slip",
                  "        before = np.concatenate([[0.0], np.cumsum(v)])[:n]",
                  "        if held is not None:\n"
                  "            v[held] = np.maximum(v[held], 0.0)\n"
                  "        before = np.concatenate([[0.0], np.cumsum(v)])[:n]"),
                 ("place_slip", _EXC, "    held = np.flatnonzero(np.isfinite(resid))\n" + _EXC),
                 ("place_slip", "    score += np.isfinite(resid)\n",
                  "    score = change_point(CONFIRM_KINDS, held=held) + np.isfinite(resid)\n")],
    "heldnew": [("place_slip", "            v[held] = np.maximum(v[held], 0.0)\n",
                 "            v[held] = np.maximum(v[held], 0.0)\n"
                 "            left = held[held > 0] - 1  # study: heldnew\n"
                 "            v[left] = np.minimum(v[left], 0.0)\n")],
    # sitlate ships since SLIPPLACE (cef0eb4, find_slips): its patch is gone
}

_PATCHES["all3"] = _PATCHES["backends"] + _PATCHES["sitlater"] + _PATCHES["heldvote"]
_PATCHES["all4"] = _PATCHES["all3"] + _PATCHES["heldnew"]


def _variant_src(variant: str, fn: str) -> str:
    """The source of clipslip function ``fn`` with ``variant``'s patches applied."""
    import inspect
    import textwrap

    from kyphos.processing import clipslip

    src = textwrap.dedent(inspect.getsource(getattr(clipslip, fn)))
    for f, a, b in _PATCHES.get(variant, []):
        if f == fn:
            assert src.count(a) == 1, f"clipslip.{fn} changed: the study's patch does not apply"
            src = src.replace(a, b)
    return src


def _variant_ns(variant: str) -> dict[str, Any]:
    """clipslip's namespace with ``variant``'s functions patched (in memory only)."""
    from kyphos.processing import clipslip

    ns = dict(vars(clipslip))
    # find_slips always: its globals must be this namespace for it to call patched helpers
    for fn in dict.fromkeys(["find_slips"] + [f for f, _a, _b in _PATCHES.get(variant, [])]):
        exec(compile(_variant_src(variant, fn), f"<{fn} {variant}>", "exec"), ns)
    return ns


def trace(r: dict[str, Any]) -> None:
    """Print, for each slip the shipped find_slips places on the kept inputs ``r``, the
    probes place_slip weighs: per place k its score, the step residual (deg; * a step over an
    excursion), the probe's time and kind, its two ends' angle to its kind's baseline in the
    old and the new mounting (deg), and its two half votes. (The baselines are those at the
    end of find_slips: a sitting baseline may be newer than the placement.)"""
    from kyphos.processing import clipslip as cs

    seen: list[tuple[dict[str, Any], tuple[Any, ...], tuple[int, int | None]]] = []
    src = _variant_src("shipped", "place_slip")
    ks = "    ks = np.flatnonzero(score >= score.max() - 1e-9)\n"
    assert src.count(ks) == 1, "clipslip.place_slip changed: the trace's patch does not apply"
    ns = _variant_ns("shipped")
    seen_locals: dict[str, Any] = {}
    ns["_SEEN"] = seen_locals
    exec(compile(src.replace(ks, "    _SEEN.update(locals())\n" + ks), "<trace>", "exec"), ns)
    inner = ns["place_slip"]

    def spy(*args: Any) -> tuple[int, int | None]:
        seen_locals.clear()
        res = inner(*args)
        seen.append((dict(seen_locals), args, res))
        return res  # type: ignore[no-any-return]

    ns["place_slip"] = spy
    t = r["time"]
    out = ns["find_slips"](r["refs"], r["m"], t, r["still"], r["probes"])
    print(f"seed {r['seed']} fs {r['fs']:g}: truth slips {[round(x, 1) for x in r['slips']]}, "
          f"re-references {[(round(x.t_s, 1), x.why) for x in out]}")
    for d, (_p, lo, hi, m_old, m_new, base, _st), (j, j1) in seen:
        print(f"  place_slip rows {t[lo]:.1f}-{t[min(hi, len(t) - 1)]:.1f} s -> {t[j]:.1f} s"
              f"{'' if j1 is None else f' (to {t[j1]:.1f})'}")
        for k, (pr, (u0, u1)) in enumerate(zip(d.get("seq", []), d.get("ends", []), strict=True)):
            bk = base.get(pr.kind, base.get("standing"))
            a = [cs.angle_deg(mm.T @ u, bk) for mm in (m_old, m_new) for u in (u0, u1)]
            v = [cs._vote(u, pr.kind, m_old, m_new, base, d["margin"], cs.CONFIRM_KINDS)
                 for u in (u0, u1)]
            print(f"  k={k:3d} {d['score'][k]:6.1f} {d['resid'][k]:6.2f}"
                  f"{'*' if k in d.get('span', {}) else ' '} {pr.start_s:7.1f}-{pr.end_s:7.1f} "
                  f"{pr.kind:8s} old {a[0]:5.1f}/{a[1]:5.1f} new {a[2]:5.1f}/{a[3]:5.1f} "
                  f"vote {v[0]:+d}{v[1]:+d}")


def moved_inside(ref: Any, max_deg: float) -> bool:
    """A still reference (not a walk) whose first and last ends differ by more than
    ``max_deg``: the posture moved while 'still', so its mean is no one posture."""
    if ref.kind == "walking" or ref.up_first is None or ref.up_last is None:
        return False
    c = float(np.clip(np.dot(ref.up_first, ref.up_last), -1.0, 1.0))
    return bool(np.degrees(np.arccos(c)) > max_deg)


def replay(r: dict[str, Any], variant: str) -> dict[str, Any]:
    """find_slips on the kept inputs (``variant``: one of VARIANTS) and its flexion."""
    from kyphos.processing import clipslip

    refs = r.get("refs")
    find = _variant_ns(variant)["find_slips"] if variant in _PATCHES else clipslip.find_slips
    out: list[Any] = [] if refs is None else \
        find(refs, r["m"], r["time"], r["still"], r["probes"])  # None: no slip search
    fs = r["fs"]
    ang = clipslip.reref_angles(r["time"], r["quat"], r["m"], out, fs, r["valid"],
                                masked=r["masked"])
    ok = r["ok"]
    e = np.degrees(ang.flexion[ok] - r["truth"][ok])
    up = ~r["lying"][ok]
    rr = [x.t_s for x in out if x.t_s > 0.0]
    hit = sum(1 for ts in r["slips"] if any(abs(x - ts) <= NEAR_S for x in rr))
    off = [min((x - ts for x in rr), key=abs) if rr else np.inf for ts in r["slips"]]
    return {"sq": float(np.sum(e ** 2)), "n": len(e), "sq_up": float(np.sum(e[up] ** 2)),
            "n_up": int(np.sum(up)), "hit": hit, "n_slips": len(r["slips"]), "n_rr": len(rr),
            "off": off}


def _job(job: tuple[str, int, float, str | None, tuple[str, ...]]) -> dict[str, Any]:
    family, seed, fs, cache, variants = job
    sys.path.insert(0, os.path.dirname(__file__))
    path = os.path.join(cache, f"{family}{seed}_{fs:g}.pkl") if cache else None
    if path and os.path.exists(path):
        with open(path, "rb") as f:
            r: dict[str, Any] = pickle.load(f)
    else:
        r = record(family, seed, fs)
        if path:
            with open(path, "wb") as f:
                pickle.dump(r, f)
    res: dict[str, Any] = {"seed": seed, "fs": fs}
    for var in variants:
        res[var] = replay(r, var)
    # the shipped replay must be the analysis itself
    ok = r["ok"]
    res["same"] = bool(np.allclose(res["shipped"]["sq"],
                                   float(np.sum(np.degrees(r["shipped"] - r["truth"][ok]) ** 2))))
    return res


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--family", choices=("validation", "sim", "simday"), default="validation")
    ap.add_argument("--seeds", default="0-29", help="validation seeds (held-out seeds refused: validate_analysis.HELD_OUT_FROM)")
    ap.add_argument("--rates", default="104")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--cache", default=None, help="directory for the kept inputs")
    ap.add_argument("--trace", action="store_true",
                    help="print each placement's probes, scores and votes (with --cache, "
                         "after the sessions are kept)")
    ap.add_argument("--variants", default=",".join(VARIANTS[1:]),
                    help=f"variants to replay beside the shipped code: {', '.join(VARIANTS[1:])}")
    args = ap.parse_args(argv[1:])
    sys.path.insert(0, os.path.dirname(__file__))
    from validate_analysis import development_seeds, run_jobs

    seeds = development_seeds(args.seeds, args.family)
    VARIANTS[1:] = [v for v in args.variants.split(",") if v]
    if args.cache:
        os.makedirs(args.cache, exist_ok=True)
    jobs = [(args.family, s, float(fs), args.cache, tuple(VARIANTS))
            for fs in args.rates.split(",") for s in seeds]
    t0 = _time.perf_counter()
    rows = run_jobs(_job, jobs, args.jobs)
    if args.trace and args.cache:
        for _f, sd, fs, _c, _v in jobs:
            with open(os.path.join(args.cache, f"{args.family}{sd}_{fs:g}.pkl"), "rb") as f:
                trace(pickle.load(f))
    print(f"{args.family} family, seeds {args.seeds}, rates {args.rates}; "
          f"{_time.perf_counter() - t0:.0f} s; shipped replay equals the analysis in "
          f"{sum(r['same'] for r in rows)} of {len(rows)} sessions")
    print("== shipped: slips placed more than 5 s off (s), and the session's RMSE (deg)")
    for r in rows:
        a = r["shipped"]
        if any(abs(x) > 5.0 for x in a["off"]):
            print(f"seed {r['seed']:4d} fs {r['fs']:4.0f}: {[round(x, 1) for x in a['off']]}, "
                  f"{np.sqrt(a['sq'] / a['n']):.2f}")
    for var in VARIANTS[1:]:
        print(f"== {var}: sessions that change")
        for r in rows:
            a, b = r["shipped"], r[var]
            if abs(a["sq"] - b["sq"]) > 1e-6 * max(a["sq"], 1.0) or a["n_rr"] != b["n_rr"]:
                print(f"seed {r['seed']:4d} fs {r['fs']:4.0f}: RMSE "
                      f"{np.sqrt(a['sq'] / a['n']):.2f} -> {np.sqrt(b['sq'] / b['n']):.2f}; "
                      f"slip offset (s) {[round(x, 1) for x in a['off']]} -> "
                      f"{[round(x, 1) for x in b['off']]}; re-refs {a['n_rr']} -> {b['n_rr']}")
    for var in VARIANTS:
        x = [r[var] for r in rows]
        print(f"{var:8s}: flexion pooled {np.sqrt(sum(y['sq'] for y in x) / sum(y['n'] for y in x)):.3f}"
              f" (not lying {np.sqrt(sum(y['sq_up'] for y in x) / sum(y['n_up'] for y in x)):.3f})"
              f" deg; slips re-referenced within 20 s {sum(y['hit'] for y in x)} of "
              f"{sum(y['n_slips'] for y in x)}; re-references {sum(y['n_rr'] for y in x)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
