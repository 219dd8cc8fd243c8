"""Study: where each clip slip is placed, how far from the truth, and which path decided (issue 15,
flexion RMSE; role SLIPONE).

Usage (kept inputs from bench/slip_motion_study.py --part record; several caches may be given,
the first holding a session wins):
    PYTHONPATH=host .venv/bin/python bench/slip_motion_study.py --part record \
        --seeds 0-29,...,15000-15029 --rates 104 --cache /tmp/slipone/cache
    PYTHONPATH=host .venv/bin/python bench/slipone_study.py --seeds 0-29,...,15000-15029 \
        --rates 104 --cache /tmp/slipone/cache [--variants file:PATH|git:REV] [--per-slip]

``find_slips`` is replayed with the motion rows (as the analysis calls it; the replay leaves out
the walking pass, so it is a placement comparison, not the analysis' own number) on a copy of
clipslip (the worktree's, or ``git:REV`` / ``file:PATH``) whose ``place_slip`` names the
return that decided each call. For each truth slip: the nearest re-reference, |placed − true|,
the path that decided (``first:<path>`` — the search up to the reference that showed it; or
``late:<path>`` — a sit-shown slip's search up to the confirming walk or stand, taken by
``place_shown_slip``), the session's squared flexion error and that in the slip window (from
the truth slip to the re-reference). Prints the distribution of |offset|, the slips more than
2 s and 5 s off, the squared-error share they carry, and per path: count, median and largest
offset, share.

Part ``gaps``: for each first-search placement, every place of the walks' and stands' tie with
the plain reading of its moving stretch (``clipslip._gap_reading``: residual as a fraction of
the change, linear acceleration) and a detrended one (:func:`detrended`: the window's turn less
the trunk's own turn, its mean rate over the half windows either side times the window); then
how often the chain, and each single rule (the argmin over the tie), places the slip within 2 s.

Measured (SLIPONE, 2026-12-07; kept inputs at f3b0936 = cb19573's host — 0-11029 recorded
earlier, identical inputs on 13 spot-checked sessions —, 104 Hz, replay without the walking
pass). Validation 0-29 ... 15000-15029 (480 sessions, one slip each): pooled flexion 0.4937
deg; |placed - true| median 0.09 s, p90 1.48, p99 17.6, max 45.6; 33 slips > 2 s and 7 > 5 s,
whose slip windows hold 26.0 % and 21.3 % of the squared flexion error (all slip windows
34.0 %). By path: ``tie_mid`` (the middle of a tie) 40 slips, 12 > 2 s, 5 > 5 s, 25.6 % of the
squared error; ``excursion_mid`` 27, 2, 1, 4.9 %; ``held_step`` 199, 19 (blended over the
movement from its start), 1, 3.4 %; every turn-placed path (``multistep_turn`` 183,
``tie_turn`` 24, ``override_turn`` 2, late 5) within 0.3 s. Single rules over the tie (part
gaps, 0-15029, 453 placements whose truth is in the tie): the chain 423 within 2 s, the plain
reading with its acceleration 388, the detrended reading 402. Variants (commits kept on branch s14-slipone, reverted): 8e05697
(the detrended turn before both middles) 0.4937 -> 0.4457, 51 sessions better, 9 worse (13009
0.52 -> 2.06, 3026 0.92 -> 2.09, 5027 0.60 -> 1.25, ...); 167796b (only the tie's middle)
0.4937 -> 0.4350, 33 better, 2 worse (3017 0.375 -> 0.689, 5027 0.602 -> 1.253). Check sets
16000 / 17000 / 18000 @104: 0.458 / 0.612 / 0.446 -> 0.467 / 0.480 / 0.380 (8e05697, 4
sessions worse) and 0.446 / 0.488 / 0.389 (167796b, none worse). 167796b was later shipped
(SLIPB, re-applied by e76b6bd; chosen after 8e05697's check-set replay, so those sets are no
independent check of it): 5027 and 3017 are worse, and the detrended reading cannot tell a
slip from a trunk movement about the same axis (/work/handoff/SLIPONE.md has the numbers).

HELDSTEP (2026-12-07; kept inputs at c42e517, ``--variants git:0f382bf``): a held step blended
over its own turn (``held_step_turn``) instead of its whole gap: @104 12000-19029, 21000-22029,
28000-28029 and @52/@208 20000, 23000, 25000, 28000: 146 session-rates change, all better
(22002 @104 0.81 -> 0.34 deg, 21016 0.61 -> 0.36, 23013 @208 0.52 -> 0.27), none worse.

HELDSTEP2 (2026-12-07; ``--variants git:697f2f8,worktree`` through trace8b_study --part replay):
a held step whose own movement is no slip's turn refused by a posture after it that reads the old
mounting at both ends (``held_veto``): 31019 @52/104/208 1.556/1.542/1.537 -> 0.443/0.378/0.386,
31020 @52 1.309 -> 0.330; nothing else changes on 988 sessions @104 and 268 each @52/@208.
Variant D (``PATHS_I``, not shipped): the get-up into the sit after a lie instead of the step out
of it: 31003 0.906 -> 0.434 @104, but 6027, 14011, 15002 @104 worse (slips made in that rise).

Validation seeds (validate_analysis.HELD_OUT_FROM and on) are refused (held out).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import types
from typing import Any

import numpy as np

#: place_slip's returns in source order (the nested helpers' returns left out), named for the
#: rule that decides there (docs/accuracy.md section 7 names the sections that added them)
PATHS = ("few_probes", "multistep_turn", "override_turn", "late_held_step_turn", "late_none",
         "excursion_mid", "held_step", "tie_turn", "late_none2", "tie_mid_nostill", "tie_mid")
#: the same since SLIPONE (the detrended turn before each middle)
PATHS_ONE = ("few_probes", "multistep_turn", "override_turn", "late_held_step_turn", "late_none",
             "excursion_det", "excursion_mid", "held_step", "tie_turn", "late_none2", "tie_det",
             "tie_mid_nostill", "tie_mid")
#: shipped (SLIPB, variant B): the detrended turn only before a tie's middle
PATHS_B = ("few_probes", "multistep_turn", "override_turn", "late_held_step_turn", "late_none",
           "excursion_mid", "held_step", "tie_turn", "late_none2", "tie_det", "tie_mid_nostill",
           "tie_mid")

#: SLIP4's excursion-side variant (not shipped: /work/handoff/SLIP4.md), kept so its file replays
PATHS_C = ("few_probes", "multistep_turn", "override_turn", "late_held_step_turn", "late_none",
           "excursion_side", "excursion_mid", "held_step", "tie_turn", "late_none2", "tie_det",
           "tie_mid_nostill", "tie_mid")
#: SLIP4: a tie's stretch blended across (the middle only when the stretch is empty)
PATHS_D = ("few_probes", "multistep_turn", "override_turn", "late_held_step_turn", "late_none",
           "excursion_mid", "held_step", "tie_turn", "late_none2", "tie_det", "tie_mid_nostill",
           "tie_blend", "tie_mid")

#: HELDSTEP: a held step blended over its own turn when a window of its gap turns as the slip
#: does (``held_step_turn``), else over the whole gap (``held_step``)
PATHS_E = ("few_probes", "multistep_turn", "override_turn", "late_held_step_turn", "late_none",
           "excursion_mid", "held_step_turn", "held_step", "tie_turn", "late_none2", "tie_det",
           "tie_mid_nostill", "tie_blend", "tie_mid")
#: RELEASE: after the tie's detrended turn, the exit of the standing posture that shows the
#: slip when the step into it is no slip's turn (``tie_release``)
PATHS_F = ("few_probes", "multistep_turn", "override_turn", "late_held_step_turn", "late_none",
           "excursion_mid", "held_step_turn", "held_step", "tie_turn", "late_none2", "tie_det",
           "tie_release", "tie_mid_nostill", "tie_blend", "tie_mid")
#: RELEASE2: a held excursion's way back when its way out is no slip's turn and the way back
#: turns as the slip does detrended (``excursion_release``, clipslip._end_turn)
PATHS_G = ("few_probes", "multistep_turn", "override_turn", "late_held_step_turn", "late_none",
           "excursion_release", "excursion_mid", "held_step_turn", "held_step", "tie_turn",
           "late_none2", "tie_det", "tie_release", "tie_mid_nostill", "tie_blend", "tie_mid")

#: HELDSTEP2: a held step whose own movement is no slip's turn, refused by a posture after it
#: that reads the old mounting at both ends; the gap after the last such posture, over its turn
#: (``held_veto_turn``) or whole (``held_veto``)
PATHS_H = ("few_probes", "multistep_turn", "override_turn", "late_held_step_turn", "late_none",
           "excursion_release", "excursion_mid", "held_veto_turn", "held_veto",
           "held_step_turn", "held_step", "tie_turn", "late_none2", "tie_det", "tie_release",
           "tie_mid_nostill", "tie_blend", "tie_mid")

#: HELDSTEP2's variant D (not shipped): the step out of the sit after a lie refused, the get-up
#: into that sit taken (``after_lie_getup``)
PATHS_I = ("few_probes", "multistep_turn", "override_turn", "after_lie_getup",
           "late_held_step_turn", "late_none", "excursion_release", "excursion_mid",
           "held_veto_turn", "held_veto", "held_step_turn", "held_step", "tie_turn",
           "late_none2", "tie_det", "tie_release", "tie_mid_nostill", "tie_blend", "tie_mid")

#: RISE: the get-up into the sit after a lie over the step out of it, when the get-up's best
#: window turns more nearly as the slip does and with less linear acceleration than the step's
#: (``after_lie_getup_turn``)
PATHS_J = ("few_probes", "multistep_turn", "override_turn", "after_lie_getup_turn",
           "late_held_step_turn", "late_none", "excursion_release", "excursion_mid",
           "held_veto_turn", "held_veto", "held_step_turn", "held_step", "tie_turn",
           "late_none2", "tie_det", "tie_release", "tie_mid_nostill", "tie_blend", "tie_mid")

#: RISE (1de2536, clipslip._getup_place): the same comparison also where the tie holds both the
#: get-up and the step out of the sit after a lie, before the detrended reading
#: (``tie_getup_turn``; its first form, variant E, inline)
PATHS_K = ("few_probes", "multistep_turn", "override_turn", "after_lie_getup_turn",
           "late_held_step_turn", "late_none", "excursion_release", "excursion_mid",
           "held_veto_turn", "held_veto", "held_step_turn", "held_step", "tie_turn",
           "late_none2", "tie_getup_turn", "tie_det", "tie_release", "tie_mid_nostill",
           "tie_blend", "tie_mid")


#: TIDY (clipslip._gap_turn / _gap_place) on RISE: the late held step's turn or none is one
#: return (``late_held_step``), the held veto's and the held step's turn-or-gap one each
#: (``held_veto``, ``held_step``)
PATHS_L = ("few_probes", "multistep_turn", "override_turn", "after_lie_getup_turn",
           "late_held_step", "excursion_release", "excursion_mid", "held_veto", "held_step",
           "tie_turn", "late_none2", "tie_getup_turn", "tie_det", "tie_release",
           "tie_mid_nostill", "tie_blend", "tie_mid")

def _paths_for(src: str) -> tuple[str, ...]:
    """The return names for ``src``: the chain (cb19573), variant A (8e05697: the detrended
    turn before both middles), 167796b (B with a dead excursion return) or B as shipped."""
    if "return _gap_place(motion, seq, k, m_old, m_new, still)" in src:  # TIDY on RISE
        return PATHS_L
    if "the get-up into the sit after a lie and the step out of it both tied" in src \
            or "getup = _getup_place(motion, seq, kt," in src:
        return PATHS_K  # RISE's variant E, and as _getup_place
    if "rise = _gap_reading(motion, seq[kb - 1].i1" in src \
            or "getup = _getup_place(motion, seq, kb - 1" in src:  # RISE
        return PATHS_J
    if "and by_votes[kb - 1] >= by_votes.max() - 1e-9:" in src:  # HELDSTEP2, variant D
        return PATHS_I
    if "if doubted and motion is not None:" in src:  # HELDSTEP2
        return PATHS_H
    if "end = _end_turn(" in src:  # RELEASE2
        return PATHS_G
    if "rel = _release_place(" in src:  # RELEASE
        return PATHS_F
    if "a held step: the posture held and the clip turned" in src:  # HELDSTEP
        return PATHS_E
    if "return a0, seq[ks[-1]].i0" in src:  # SLIP4's tie blend
        return PATHS_D
    if "_excursion_side(motion" in src:
        return PATHS_C
    calls = src.count("_detrended_place(")
    if calls >= 3 or (calls == 2 and "if False:  # the excursion part left out" in src):
        return PATHS_ONE
    return PATHS_B if calls == 2 else PATHS


def instrumented(src: str) -> types.ModuleType:
    """clipslip's source ``src`` with each of ``place_slip``'s own returns recording its name
    in the module list ``_TAG`` first."""
    lines = src.splitlines()
    paths = _paths_for(src)
    out: list[str] = []
    inside = nested = False
    k = 0
    for line in lines:
        if line.startswith("def "):
            inside = line.startswith("def place_slip(")
            nested = False
        elif inside and re.match(r"^    def ", line):
            nested = True
        elif inside and nested and re.match(r"^    \S", line):
            nested = False
        if inside and line == "    steps = np.flatnonzero(np.isfinite(resid) | undone)":
            # the candidates as place_slip sees them, before any motion rule reads them
            out.append("    _CAP.append(dict(seq=seq, lo=lo, hi=hi, by_votes=by_votes.copy(), "
                       "score=score.copy(), resid=resid.copy(), m_old=m_old, m_new=m_new, "
                       "by_turn_only=by_turn_only))")
        m = re.match(r"^(\s+)return\b", line)
        if inside and not nested and m:
            name = paths[k] if k < len(paths) else "?"
            out.append(f"{m.group(1)}_TAG.append({name!r})")
            k += 1
        out.append(line)
    if k != len(paths):
        raise SystemExit(f"place_slip has {k} returns, the study names {len(paths)}: update PATHS")
    mod = types.ModuleType(f"clipslip_one_{abs(hash(src))}")
    sys.modules[mod.__name__] = mod  # dataclasses look their module up
    mod.__dict__["_TAG"] = []
    mod.__dict__["_CAP"] = []
    exec(compile("\n".join(out) + "\n", "<clipslip instrumented>", "exec"), mod.__dict__)
    return mod


def _source(variant: str) -> str:
    import subprocess

    here = os.path.dirname(os.path.abspath(__file__))
    if variant == "worktree":
        path = os.path.join(here, "..", "host", "kyphos", "processing", "clipslip.py")
        with open(path) as f:
            return f.read()
    kind, rev = variant.split(":", 1)
    if kind == "file":
        with open(rev) as f:
            return f.read()
    return subprocess.run(["git", "show", f"{rev}:host/kyphos/processing/clipslip.py"],
                          capture_output=True, text=True, check=True, cwd=here).stdout


_MODS: dict[str, types.ModuleType] = {}


def placements(r: dict[str, Any], variant: str) -> tuple[list[Any], list[tuple[int, str]]]:
    """find_slips' answer for kept session ``r`` and, per placement, (row, path)."""
    if variant not in _MODS:
        _MODS[variant] = instrumented(_source(variant))
    mod = _MODS[variant]
    ns = mod.__dict__
    tags: list[str] = ns["_TAG"]
    del ns["_CAP"][:]  # this session's placements only
    orig_place, orig_shown = ns["place_slip"], ns["place_shown_slip"]
    calls: list[tuple[bool, tuple[int, int | None], str]] = []
    placed: list[tuple[int, str]] = []

    def place(*a: Any, **kw: Any) -> Any:
        del tags[:]
        res = orig_place(*a, **kw)
        calls.append((bool(kw.get("by_turn_only", a[9] if len(a) > 9 else False)), res,
                      tags[-1] if tags else "?"))
        return res

    def shown(*a: Any, **kw: Any) -> Any:
        del calls[:]
        j, j1 = orig_shown(*a, **kw)
        first = calls[0]
        late = calls[1] if len(calls) > 1 else None
        path = "first:" + first[2] if (j, j1) == first[1] or late is None \
            else "late:" + late[2]
        placed.append((j, path))
        return j, j1

    ns["place_slip"], ns["place_shown_slip"] = place, shown
    try:
        refs = r.get("refs")
        if refs is not None:  # the variant's own references (its is_reference may differ)
            refs = [p for p in r["probes"] if ns["is_reference"](p, r["fs"])]
        gyr, acc = r["gyr"], r["acc"]
        motion = (lambda r0, r1: (gyr[r0:r1], acc[r0:r1]), r["fs"])
        out = [] if refs is None else ns["find_slips"](refs, r["m"], r["time"], r["still"],
                                                        r["probes"], motion)
    finally:
        ns["place_slip"], ns["place_shown_slip"] = orig_place, orig_shown
    return out, placed


def study(r: dict[str, Any], variant: str) -> dict[str, Any]:
    """Per truth slip: offset (s), path, slip-window squared error; and the session's sums."""
    sys.path.insert(0, os.path.dirname(__file__))
    import slip_motion_study as sms

    out, placed = placements(r, variant)
    sc = sms.scored_replay(r, out)
    time = r["time"]
    ok = r["ok"]
    t = time[ok]
    from kyphos.processing import clipslip

    ang = clipslip.reref_angles(time, r["quat"], r["m"], out, r["fs"], r["valid"],
                                masked=r["masked"])
    e2 = np.degrees(ang.flexion[ok] - r["truth"][ok]) ** 2
    by_t = {round(float(time[j]), 6): p for j, p in placed}
    slips = []
    for ts, off in zip(r["slips"], sc["off"], strict=True):
        path = "none"
        if np.isfinite(off):
            rr = ts + off
            path = next((p for tt, p in by_t.items() if abs(tt - rr) < 1e-3), "calib/other")
            win = (t >= min(ts, rr)) & (t < max(ts, rr))
            sq_win = float(np.sum(e2[win]))
        else:
            sq_win = float("nan")
        slips.append({"t": float(ts), "off": float(off), "path": path, "sq_win": sq_win})
    return {"sq": sc["sq"], "n": sc["n"], "sq_up": sc["sq_up"], "n_up": sc["n_up"],
            "slips": slips, "n_rr": sc["n_rr"]}


def detrended(gyr: np.ndarray, fs: float, g0: int, g1: int, want: np.ndarray, v: np.ndarray,
              still: np.ndarray | None) -> tuple[float, int]:
    """The smallest residual (fraction of the wanted turn; the part about the body vertical
    ``v`` left out) over the windows of ``SLIP_MOTION_S`` starting in [g0 - n/2, g1 + n/2) of
    the window's gyro turn less the trunk's own turn carried through it: the mean rate over
    ``_FLANK_S`` before and after the window, times the window. A clip turns in 0.15-0.5 s on
    top of the trunk's movement; a movement that lasts longer reads as its flanks' rate."""
    from kyphos.processing import clipslip as cs

    n = max(2, int(round(cs.SLIP_MOTION_S * fs)))
    nb = max(1, int(round(_FLANK_S * fs)))
    a, b = max(0, g0 - n // 2 - nb), min(len(gyr), g1 + n // 2 + n + nb)
    if b - a < n + 2 * nb + 1:
        return float("inf"), g0
    g = np.nan_to_num(gyr[a:b])
    if still is not None:
        w0, w1 = max(0, g0 - int(cs.SLIP_OFFSET_S * fs)), min(len(gyr), g1 + int(cs.SLIP_OFFSET_S * fs))
        keep = still[w0:w1] & np.isfinite(gyr[w0:w1]).all(axis=1)
        keep[max(0, g0 - w0):max(0, g1 - w0)] = False
        if keep.any():
            g = g - np.median(gyr[w0:w1][keep], axis=0)
    c = np.concatenate([np.zeros((1, 3)), np.cumsum((g[1:] + g[:-1]) * (0.5 / fs), axis=0)])
    i = np.arange(nb, len(c) - n - nb)
    rot = c[i + n] - c[i]
    trend = (c[i] - c[i - nb] + c[i + n + nb] - c[i + n]) * (n / (2.0 * nb))
    d = rot - trend - want
    d -= np.outer(d @ v, v)
    e = np.linalg.norm(d, axis=1)
    j = int(np.argmin(e))
    return float(e[j]) / max(float(np.linalg.norm(want)), 1e-12), a + int(i[j])


_FLANK_S = 0.3  # study's choice: the trunk's rate either side of a window


def gaps(r: dict[str, Any]) -> list[dict[str, Any]]:
    """Per first-search placement (worktree clipslip): every place's gap with the walks' and
    stands' score, the step fit, the standard reading (residual fraction, linear acceleration)
    and the detrended residual; which gap holds the truth slip and which the chain chose."""
    out, _ = placements(r, "worktree")
    mod = _MODS["worktree"]
    ns = mod.__dict__
    fs = r["fs"]
    gyr, acc, still = r["gyr"], r["acc"], r["still"]
    motion = (lambda r0, r1: (gyr[r0:r1], acc[r0:r1]), fs)
    time = r["time"]
    h = int(round(0.3 * fs))
    res = []
    placed_t = [x.t_s for x in out if x.t_s > 0.0]
    caps = [c for c in ns["_CAP"] if not c["by_turn_only"]]
    for c in caps:
        seq, lo = c["seq"], c["lo"]
        m_old, m_new = c["m_old"], c["m_new"]
        want = ns["_wanted_turn"](m_old, m_new)
        t_lo, t_hi = time[c["lo"]], time[min(c["hi"], len(time) - 1)]
        truth = [ts for ts in r["slips"] if t_lo - 1.0 <= ts <= t_hi + 1.0]
        rows = []
        for k in range(len(seq)):
            g0 = seq[k - 1].i1 if k else lo
            g1 = seq[k].i0
            f = ns["_gap_reading"](motion, g0, g1, m_old, m_new, still, want)
            det, jd = detrended(gyr, fs, g0, g1, want, m_old[:, 2], still)
            rows.append({"k": k, "t0": float(time[g0]), "t1": float(time[min(g1, len(time) - 1)]),
                         "by_votes": float(c["by_votes"][k]), "score": float(c["score"][k]),
                         "resid": float(c["resid"][k]),
                         "err": float("inf") if f is None else f[2] / max(f[5], 1e-9),
                         "lin": float("inf") if f is None else f[4],
                         "t_turn": float("nan") if f is None else float(time[f[0]]),
                         "det": det, "t_det": float(time[min(jd, len(time) - 1)]),
                         "truth": any(time[max(g0 - h, 0)] <= ts <= time[min(g1 + h, len(time) - 1)]
                                      for ts in truth)})
        res.append({"rows": rows, "truth": truth, "placed": placed_t,
                    "slip_deg": float(np.degrees(np.linalg.norm(want)))})
    return res


def _gaps_job(job: tuple[str, int, float, tuple[str, ...]]) -> dict[str, Any]:
    family, seed, fs, caches = job
    r = _load(family, seed, fs, list(caches))
    return {"seed": seed, "fs": fs, "caps": gaps(r)}


def rule_table(rows: list[dict[str, Any]]) -> None:
    """For each first-search placement with one truth slip: is the truth's gap among the walks'
    and stands' tie, did the chain's placement fall in it, and would each single scoring rule
    (argmin over the tie) pick it."""
    rules = {
        "std err+lin": lambda g: (g["err"] / 0.3) ** 2 + (g["lin"] / 0.1) ** 2,
        "std err": lambda g: g["err"],
        "detrended": lambda g: g["det"],
        "detrended+lin": lambda g: (g["det"] / 0.3) ** 2 + (g["lin"] / 0.1) ** 2,
        "min(std,det)+lin": lambda g: (min(g["err"], g["det"]) / 0.3) ** 2 + (g["lin"] / 0.1) ** 2,
    }
    tally: dict[str, list[int]] = {k: [0, 0] for k in ("chain", *rules)}
    n_in = n_all = 0
    lines = []
    for r in rows:
        for c in r["caps"]:
            if len(c["truth"]) != 1:
                continue
            ts = c["truth"][0]
            g = c["rows"]
            n_all += 1
            bv = np.array([x["by_votes"] for x in g])
            tie = [x for x in g if x["by_votes"] >= bv.max() - 1e-9]
            tk = [x for x in tie if x["truth"]]
            if not tk:
                continue
            n_in += 1
            pl = min(c["placed"], key=lambda x: abs(x - ts)) if c["placed"] else np.inf
            ok_chain = abs(pl - ts) <= 2.0
            tally["chain"][0] += ok_chain
            tally["chain"][1] += 1
            picks = {}
            for name, f in rules.items():
                best = min(tie, key=f)
                tb = best["t_det"] if name.startswith("det") else best["t_turn"]
                if name.startswith("min"):
                    tb = best["t_det"] if best["det"] < best["err"] else best["t_turn"]
                good = bool(abs(tb - ts) <= 2.0) if np.isfinite(f(best)) else False
                tally[name][0] += good
                tally[name][1] += 1
                picks[name] = good
            if len(tie) > 1 and (not ok_chain or not all(picks.values())):
                t = tk[0]
                lines.append(f"    {r['seed']:5d} @{r['fs']:3.0f} slip {ts:7.1f} s: tie of {len(tie):2d}; "
                             f"chain {'ok ' if ok_chain else 'BAD'} ({pl - ts:+6.1f} s); truth gap "
                             f"err {t['err']:.2f} lin {t['lin']:.2f} det {t['det']:.2f}; "
                             f"best other err {min((x['err'] for x in tie if not x['truth']), default=np.inf):.2f}"
                             f" det {min((x['det'] for x in tie if not x['truth']), default=np.inf):.2f}; "
                             + " ".join(f"{k}={'ok' if v else 'x'}" for k, v in picks.items()))
    print(f"first-search placements with one truth slip: {n_all}; truth gap in the walks' and "
          f"stands' tie: {n_in}")
    for k, (a, b) in tally.items():
        print(f"  {k:18s} placed within 2 s of the truth slip: {a} of {b}")
    print("  placements where the chain or a rule misses (ties of more than one place):")
    print("\n".join(lines))


def _load(family: str, seed: int, fs: float, caches: list[str]) -> dict[str, Any]:
    sys.path.insert(0, os.path.dirname(__file__))
    import slip_motion_study as sms

    for c in caches:
        if os.path.exists(os.path.join(c, f"{family}{seed}_{fs:g}.pkl")):
            return sms.load((family, seed, fs, c))
    return sms.load((family, seed, fs, caches[0]))  # recorded into the first


def _job(job: tuple[str, int, float, tuple[str, ...], tuple[str, ...]]) -> dict[str, Any]:
    family, seed, fs, caches, variants = job
    r = _load(family, seed, fs, list(caches))
    return {"seed": seed, "fs": fs, **{v: study(r, v) for v in variants}}


def summary(rows: list[dict[str, Any]], var: str) -> None:
    x = [r[var] for r in rows]
    sq = sum(y["sq"] for y in x)
    n = sum(y["n"] for y in x)
    sl = [(r["seed"], r["fs"], s) for r in rows for s in r[var]["slips"]]
    o = np.array([abs(s["off"]) for _, _, s in sl])
    w = np.array([s["sq_win"] for _, _, s in sl])
    w = np.where(np.isfinite(w), w, 0.0)
    print(f"== {var}: {len(x)} sessions, {len(sl)} slips; flexion pooled {np.sqrt(sq / n):.4f} deg "
          f"(not lying {np.sqrt(sum(y['sq_up'] for y in x) / sum(y['n_up'] for y in x)):.4f})")
    qs = np.percentile(o[np.isfinite(o)], [50, 75, 90, 95, 99]) if len(o) else []
    print("  |placed - true| s: median / p75 / p90 / p95 / p99 "
          + " / ".join(f"{v:.2f}" for v in qs) + f"; max {np.max(o):.1f}")
    for lim in (0.5, 1.0, 2.0, 5.0, 20.0):
        sel = o > lim
        print(f"  > {lim:4.1f} s: {int(sel.sum()):3d} slips; their slip windows hold "
              f"{w[sel].sum() / sq:6.1%} of the squared flexion error (all slip windows "
              f"{w.sum() / sq:.1%})")
    print("  by path: count, |offset| median / max s, > 2 s, > 5 s, share of squared error")
    for p in sorted({s["path"] for _, _, s in sl}):
        sel = np.array([s["path"] == p for _, _, s in sl])
        print(f"    {p:28s} {int(sel.sum()):4d}  {np.median(o[sel]):6.2f} / {np.max(o[sel]):6.1f}"
              f"  {int(np.sum(o[sel] > 2)):3d} {int(np.sum(o[sel] > 5)):3d}  "
              f"{w[sel].sum() / sq:6.1%}")
    big = sorted(((seed, fs, s) for seed, fs, s in sl if abs(s["off"]) > 2.0),
                 key=lambda z: -abs(z[2]["off"]))
    print("  slips more than 2 s off: seed @Hz offset s, path, slip-window share of the set's "
          "squared error")
    for seed, fs, s in big:
        print(f"    {seed:5d} @{fs:3.0f} {s['off']:+7.1f} {s['path']:28s} {s['sq_win'] / sq:6.2%}")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--family", choices=("validation", "sim", "simday"), default="validation")
    ap.add_argument("--seeds", default="0-29", help="validation seeds (held-out seeds refused: validate_analysis.HELD_OUT_FROM)")
    ap.add_argument("--rates", default="104")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--cache", required=True, help="directories of kept inputs, comma-separated")
    ap.add_argument("--variants", default="", help="git:REV or file:PATH, comma-separated")
    ap.add_argument("--part", choices=("paths", "gaps"), default="paths")
    ap.add_argument("--per-set", action="store_true", help="pooled flexion per 1000-seed set")
    args = ap.parse_args(argv[1:])
    sys.path.insert(0, os.path.dirname(__file__))
    from validate_analysis import development_seeds, run_jobs

    seeds = development_seeds(args.seeds, args.family)
    rates = [float(v) for v in args.rates.split(",")]
    if args.part == "gaps":
        rows = run_jobs(_gaps_job, [(args.family, s, fs, tuple(args.cache.split(",")))
                                    for fs in rates for s in seeds], args.jobs)
        rule_table(rows)
        return 0
    names = ("worktree", *[v for v in args.variants.split(",") if v])
    caches = tuple(args.cache.split(","))
    rows = run_jobs(_job, [(args.family, s, fs, caches, names) for fs in rates for s in seeds],
                    args.jobs)
    print(f"{args.family} family, seeds {args.seeds}, rates {args.rates}, with motion (replay)")
    for var in names:
        summary(rows, var)
    if args.per_set:
        for var in names:
            print(f"{var:10s} per set: " + ", ".join(
                f"{k * 1000}@{fs:g}: " + "{:.3f}".format(np.sqrt(
                    sum(r[var]["sq"] for r in rows if r["seed"] // 1000 == k and r["fs"] == fs)
                    / sum(r[var]["n"] for r in rows if r["seed"] // 1000 == k and r["fs"] == fs)))
                for fs in rates for k in sorted({r["seed"] // 1000 for r in rows})))
    for var in names[1:]:
        print(f"== {var} against the worktree: sessions that change (RMSE deg; offsets s; paths)")
        for r in rows:
            a, b = r["worktree"], r[var]
            if abs(a["sq"] - b["sq"]) > 1e-6 * max(a["sq"], 1.0):
                print(f"    {r['seed']:5d} @{r['fs']:3.0f}: {np.sqrt(a['sq'] / a['n']):.3f} -> "
                      f"{np.sqrt(b['sq'] / b['n']):.3f}; "
                      f"{[round(s['off'], 1) for s in a['slips']]} -> "
                      f"{[round(s['off'], 1) for s in b['slips']]}; "
                      f"{[s['path'] for s in a['slips']]} -> {[s['path'] for s in b['slips']]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
