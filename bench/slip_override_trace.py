"""Trace: the decision points of ``clipslip.place_slip``'s held-step override, per placement
(issue 15, flexion; role TRACE5B: validation 25014 at 208 Hz, a slip re-referenced 30 s late
while 52 and 104 Hz place it within 0.1 s).

Usage (kept inputs from bench/slip_motion_study.py --part record):
    PYTHONPATH=host .venv/bin/python bench/slip_motion_study.py --part record \
        --seeds 25014 --rates 52,104,208 --jobs 1 --cache /tmp/trace5b/cache
    PYTHONPATH=host .venv/bin/python bench/slip_override_trace.py --seeds 25014 \
        --rates 52,104,208 --cache /tmp/trace5b/cache [--near 1.0] [--all]

``find_slips`` is replayed (as bench/slipone_study.py: the motion rows, no walking pass) with
``place_slip``'s locals kept where its tie set ``ks`` is formed. For each placement it prints
what the rules after that point read: the best-fitting step ``kb`` (the held step) and whether
the override may run (``kb`` over an excursion, after a lie, or its own movement not turning as
the slip does: ``_turns_as_slip``); the walks' and stands' tie ``kv`` (``by_votes`` within
1e-9 of its best) and ``_motion_place`` over it, with the veto (a walk, stand or sit after the
found place reading as the old mounting: any end); then the same over the places within
``--near`` votes of the best (what a looser tie would see). For each place in the near set:
its gap (times), ``by_votes``, the posture's walks'/stands' vote and its ends' angles from its
baseline in the old and new mountings, and the gap's plain turn reading (residual as a fraction
of the change, linear acceleration, PASS when within SLIP_MOTION_ERR and SLIP_MOTION_LIN).
``--all``: every placement, not only those whose override did not place the slip.

Measured (TRACE5B, 2026-12-07, host at ca6f75d): 25014 (slip 10.8 deg at 327.0 s, 1.1 s into
a 17-deg standing slouch held to 357.8 s) at 104 Hz: kb = the slouch's release (357.0-358.4 s,
size 13.1, undone to 3.9 deg, its movement 0.56 of the change: not the slip's turn) -> override;
kv = {the slouch's onset gap, the release}; the onset gap's window at 327.0 s reads 0.01 of the
change at 0.04 m/s^2 -> placed there (override_turn, 0.06 s). At 208 Hz the slouched stand
(327.3-357.1 s) ends 4.9 deg from upright in the old mounting (104 Hz: 5.3; SLIP_MIN_DEG 5.0):
half a vote for the old mounting, so the release leads by one vote, kv = {release} alone, its
gap holds no slip turn, and the held step places the slip at 357.1 s (30.1 s late). The veto
would also refuse the onset gap at 208 Hz (that half vote is after it).

Validation seeds (validate_analysis.HELD_OUT_FROM and on) are refused (held out).
"""

from __future__ import annotations

import argparse
import inspect
import os
import sys
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from kyphos.processing import clipslip as cs  # noqa: E402

_ANCHOR = "    ks = np.flatnonzero(score >= score.max() - 1e-9)\n"


def spied(anchor: str = _ANCHOR) -> tuple[Any, list[dict[str, Any]]]:
    """``place_slip`` with its locals kept after the line ``anchor`` (default: where the tie
    set is formed); the list of them."""
    src = inspect.getsource(cs.place_slip)
    if src.count(anchor) != 1:
        raise SystemExit("place_slip changed: update the anchor")
    src = src.replace(anchor, anchor + "    _SEEN.append(dict(locals()))\n")
    seen: list[dict[str, Any]] = []
    ns = dict(vars(cs))
    ns["_SEEN"] = seen
    exec(compile(src, "<place_slip spied>", "exec"), ns)
    return ns["place_slip"], seen


def _over(kv: np.ndarray, d: dict[str, Any], gap: list[tuple[int, int]], sitv: np.ndarray,
          t: np.ndarray) -> str:
    """``_motion_place`` over the places ``kv`` and place_slip's veto on what it found."""
    f = cs._motion_place(d["motion"], [gap[k] for k in kv], d["m_old"], d["m_new"], d["still"])
    if f is None:
        return "no single matching turn"
    kf = int(kv[f[2]])
    worst = float(np.min(sitv[kf:]))
    return (f"turn at {t[f[0]]:.1f} (place {kf}){' in an excursion' if kf in d['span'] else ''}"
            f"{f' VETOED: {worst:+.1f}' if worst < 0.0 else ''}")


def spied_find_slips(r: dict[str, Any], anchor: str = _ANCHOR
                     ) -> tuple[list[Any], list[tuple[dict[str, Any] | None,
                                                     tuple[int, int | None], tuple[Any, ...],
                                                     dict[str, Any]]]]:
    """``find_slips`` replayed on kept session ``r`` (motion rows, no walking pass) with
    ``place_slip`` spied at ``anchor``: its re-references and, per ``place_slip`` call, the
    locals kept (None when the anchor was not reached), its result, args and keywords."""
    inner, seen = spied(anchor)
    calls: list[tuple[dict[str, Any] | None, tuple[int, int | None], tuple[Any, ...],
                      dict[str, Any]]] = []

    def spy(*a: Any, **k: Any) -> tuple[int, int | None]:
        n0 = len(seen)
        res = inner(*a, **k)
        calls.append((seen[-1] if len(seen) > n0 else None, res, a, k))
        return res

    orig = cs.place_slip
    cs.place_slip = spy
    try:
        motion = (lambda r0, r1: (r["gyr"][r0:r1], r["acc"][r0:r1]), r["fs"])
        out = cs.find_slips(r["refs"], r["m"], r["time"], r["still"], r["probes"], motion)
    finally:
        cs.place_slip = orig
    return out, calls


def trace(r: dict[str, Any], near: float, every: bool) -> list[str]:
    """Lines describing each placement's override decision (see the module docstring)."""
    out, calls = spied_find_slips(r)
    t = r["time"]
    lines = [f"seed {r['seed']} @{r['fs']:g}: truth slips {[round(x, 1) for x in r['slips']]}"
             f" re-references {[(round(x.t_s, 1), round(x.deg, 1)) for x in out]}"]
    for d, (j, j1), a, _ in calls:
        placed = f"{t[j]:.1f}" + ("" if j1 is None else f"-{t[j1]:.1f}") if j >= 0 else "-1"
        if d is None or d.get("motion") is None:
            lines.append(f" place_slip {t[a[1]]:.1f}-{t[min(a[2], len(t) - 1)]:.1f} -> {placed}"
                         " (no tie set formed, or no motion)")
            continue
        seq, by_votes, v_conf = d["seq"], d["by_votes"], d["v_conf"]
        resid, span, still, mo = d["resid"], d["span"], d["still"], d["motion"]
        m_old, m_new, lo, after_lie = d["m_old"], d["m_new"], d["lo"], d["after_lie"]
        ks = d["ks"]
        fit = ks[np.isfinite(resid[ks])]
        kb = int(fit[np.argmin(resid[fit])]) if len(fit) else -1
        gap = [(seq[k - 1].i1 if k else lo, seq[k].i0) for k in range(len(seq))]
        own = None if kb < 1 else cs._turns_as_slip(mo, seq[kb - 1].i1, seq[kb].i0, m_old,
                                                     m_new, still)
        override = kb >= 0 and (kb in span or kb - 1 in after_lie or own is False)
        sitv = np.minimum(d["votes"](("sitting",)), v_conf)

        kv = np.flatnonzero(by_votes >= by_votes.max() - 1e-9)
        kn = np.flatnonzero(by_votes >= by_votes.max() - near - 1e-9)
        truth = [s for s in r["slips"] if t[lo] <= s <= t[min(a[2], len(t) - 1)]]
        off = min((abs(t[j] - s) for s in truth), default=float("nan")) if j >= 0 else float("nan")
        if not every and not (override and off > 2.0):
            continue
        lines.append(f" place_slip {t[lo]:.1f}-{t[min(a[2], len(t) - 1)]:.1f} -> {placed}"
                     f" (truth {truth}, |off| {off:.1f} s); slip {cs.rotation_deg(m_new.T @ m_old):.1f} deg")
        if kb >= 0:
            lines.append(f"  kb={kb} held step {t[gap[kb][0]]:.1f}-{t[gap[kb][1]]:.1f} resid "
                         f"{resid[kb]:.2f}; own turn as the slip: {own}; override: {override}")
        lines.append(f"  kv (exact tie) {kv.tolist()}: {_over(kv, d, gap, sitv, t)}")
        lines.append(f"  near tie (within {near:g}) {kn.tolist()}: {_over(kn, d, gap, sitv, t)}")
        for k in kn:
            pr = seq[k]
            bk = d["base"].get(pr.kind, d["base"].get("standing"))
            e = d["ends"][k]
            ang = [cs.angle_deg(mm.T @ u, bk) for mm in (m_old, m_new) for u in e]
            g0, g1 = gap[k]
            rd = ""
            if g1 > g0:
                f = cs.slip_motion_windows(r["gyr"], r["acc"], r["fs"], g0, g1, m_old, m_new, still)
                if f is not None:
                    ok = f[2] <= cs.SLIP_MOTION_ERR * f[5] and f[4] <= cs.SLIP_MOTION_LIN
                    rd = f" win {t[f[0]]:.1f} rel {f[2] / f[5]:.2f} lin {f[4]:.2f}{' PASS' if ok else ''}"
            lines.append(f"   k={k:3d} gap {t[g0]:7.1f}-{t[g1]:7.1f} by_votes {by_votes[k]:+5.1f} "
                         f"then {pr.kind:8s} {pr.start_s:6.1f}-{pr.end_s:6.1f} vote {v_conf[k]:+.1f} "
                         f"old {ang[0]:4.1f}/{ang[1]:4.1f} new {ang[2]:4.1f}/{ang[3]:4.1f}{rd}")
    return lines


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--family", choices=("validation", "sim", "simday"), default="validation")
    ap.add_argument("--seeds", default="25014", help="validation seeds (held-out seeds refused)")
    ap.add_argument("--rates", default="104,208")
    ap.add_argument("--cache", required=True, help="bench/slip_motion_study.py --part record's cache")
    ap.add_argument("--near", type=float, default=1.0, help="votes below the best a looser tie takes")
    ap.add_argument("--all", action="store_true", help="every placement, not only late overrides")
    args = ap.parse_args(argv)
    import slip_motion_study as sms
    from validate_analysis import development_seeds

    for seed in development_seeds(args.seeds, args.family):
        for fs in (float(x) for x in args.rates.split(",")):
            r = sms.load((args.family, seed, fs, args.cache))
            print("\n".join(trace(r, args.near, args.all)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
