"""Trace: a clip slip made at a held posture's release or onset (issue 15, flexion; role RELEASE,
nineteenth session). Validation 29008 (a slip at a standing slouch's release, placed over its
onset 28.6 s early) and 27027 (a slip at a seated slouch's onset, placed over its release 37.9 s
late).

Usage (kept inputs from bench/slip_motion_study.py --part record):
    PYTHONPATH=$PWD/host .venv/bin/python bench/release_study.py --seeds 29008,27027 \
        --rates 52,104,208 --cache /tmp/t9/cache [--variant git:dd6b36c]

``find_slips`` is replayed (bench/slipone_study.py: motion rows, no walking pass) with
``place_slip`` spied. For each placement whose tie left one place, the step into the posture
that showed the slip, the three steps around that posture and the one before it are read:
  - ``into showing``: the step into the showing posture (where the tie's blend puts the slip);
  - ``out of showing``: the step out of it into the next probe;
  - ``into previous``: the step into the posture before the showing one.
Per step: its times, the next posture's kind, the net turn of the sensor across it (deg, the
angle between the ups at the two postures' facing ends), the plain reading
(``_gap_reading``: residual as a fraction of the change, linear acceleration m/s^2), and the
detrended reading with both flanks (``_detrended_read``, half-window and ``SLIP_FLANK_S``; the
larger is what ``_detrended_place`` compares with ``SLIP_MOTION_ERR``).

Validation seeds (validate_analysis.HELD_OUT_FROM and on) are refused (held out).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from kyphos.processing import clipslip as cs  # noqa: E402


def _first(p: Any) -> np.ndarray:
    return p.up_first if p.up_first is not None else p.up


def _final(p: Any) -> np.ndarray:
    return p.up_last if p.up_last is not None else p.up


def read_step(ns: dict[str, Any], motion: Any, still: Any, a: Any, b: Any, m_old: np.ndarray,
              m_new: np.ndarray, fs: float, t: np.ndarray) -> str:
    """One line: the step from posture ``a``'s end to posture ``b``'s start."""
    g0, g1 = a.i1, b.i0
    net = cs.angle_deg(_final(a), _first(b))
    want = ns["_wanted_turn"](m_old, m_new)
    wn = float(np.linalg.norm(want))
    if g1 <= g0:
        return f"{t[g0]:7.2f}: empty gap"
    f = ns["_gap_reading"](motion, g0, g1, m_old, m_new, still, want)
    n = max(2, int(round(cs.SLIP_MOTION_S * fs)))
    rl = ns["_detrended_read"](motion, g0, g1, max(1, n // 2), want, m_old[:, 2], still)
    rs = ns["_detrended_read"](motion, g0, g1, max(1, int(round(cs.SLIP_FLANK_S * fs))), want,
                               m_old[:, 2], still)
    plain = "-" if f is None else f"{f[2] / f[5]:.2f} at {f[4]:.3f} m/s2"
    det = "-" if rl is None or rs is None else \
        f"{rl[0] / wn:.2f} / {rs[0] / wn:.2f} (rows {t[rl[1]]:.2f}-{t[rl[2]]:.2f})"
    return (f"{t[g0]:7.2f}-{t[g1]:7.2f} into {b.kind:8s} net {net:5.2f} deg; plain {plain}; "
            f"detrended {det}")


def trace(r: dict[str, Any], variant: str) -> list[str]:
    import slipone_study as so

    so.placements(r, variant)  # builds the variant's module
    ns = so._MODS[variant].__dict__
    t = r["time"]
    seen: list[tuple[Any, ...]] = []
    orig_place = ns["place_slip"]

    def spy_place(probes: Any, lo: int, hi: int, m_old: Any, m_new: Any, base: Any, still: Any,
                  motion: Any = None, by_turn_only: bool = False) -> Any:
        res = orig_place(probes, lo, hi, m_old, m_new, base, still, motion, by_turn_only)
        if not by_turn_only:
            seen.append((probes, lo, hi, m_old, m_new, still, motion, res))
        return res

    ns["place_slip"] = spy_place
    try:
        out, placed = so.placements(r, variant)
    finally:
        ns["place_slip"] = orig_place
    lines = [f"seed {r['seed']} @{r['fs']:g}: truth slips {[round(x, 1) for x in r['slips']]}; "
             f"re-references {[round(x.t_s, 1) for x in out]} {[p for _, p in placed]}"]
    for probes, lo, hi, m_old, m_new, still, motion, res in seen:
        if motion is None:
            continue
        inside = [p for p in probes if lo <= p.i0 <= hi]
        if len(inside) < 3:
            continue
        last, prev, pp = inside[-1], inside[-2], inside[-3]
        nxt = next((p for p in probes if p.i0 > last.i1), None)
        lines.append(f"  search {t[lo]:.1f}-{t[hi]:.1f} s -> {t[res[0]]:.2f}; showing {last.kind} "
                     f"{t[last.i0]:.1f}-{t[last.i1]:.1f}; slip "
                     f"{cs.rotation_deg(m_new.T @ m_old):.2f} deg")
        lines.append("    into previous  " + read_step(ns, motion, still, pp, prev, m_old, m_new,
                                                         r["fs"], t))
        lines.append("    into showing   " + read_step(ns, motion, still, prev, last, m_old,
                                                         m_new, r["fs"], t))
        if nxt is not None:
            lines.append("    out of showing " + read_step(ns, motion, still, last, nxt, m_old,
                                                             m_new, r["fs"], t))
    return lines


def reach(r: dict[str, Any], variant: str) -> list[dict[str, Any]]:
    """Per call of the variant's ``_release_place``: whether the tie left the one place into
    the showing posture, whether that step turns as the slip does, and per end (a, b): the
    kinds alike, the net turn (deg), the detrended reading (the larger of the two flanks', as
    a fraction of the change)."""
    import slipone_study as so

    so.placements(r, variant)
    ns = so._MODS[variant].__dict__
    orig = ns["_release_place"]
    rows: list[dict[str, Any]] = []

    def det(motion: Any, g0: int, g1: int, m_old: Any, m_new: Any, still: Any) -> float:
        want = ns["_wanted_turn"](m_old, m_new)
        fs = motion[1]
        n = max(2, int(round(cs.SLIP_MOTION_S * fs)))
        rl = ns["_detrended_read"](motion, g0, g1, max(1, n // 2), want, m_old[:, 2], still)
        rs = ns["_detrended_read"](motion, g0, g1, max(1, int(round(cs.SLIP_FLANK_S * fs))),
                                   want, m_old[:, 2], still)
        if rl is None or rs is None:
            return float("nan")
        return max(rl[0], rs[0]) / float(np.linalg.norm(want))

    def spy(probes: Any, seq: Any, ks: Any, m_old: Any, m_new: Any, motion: Any,
            still: Any) -> Any:
        res = orig(probes, seq, ks, m_old, m_new, motion, still)
        n = len(seq)
        d: dict[str, Any] = {"seed": r["seed"], "fs": r["fs"], "res": res,
                             "one": len(ks) == 1 and int(ks[0]) == n - 1 and n >= 2}
        if d["one"]:
            last = seq[-1]
            g0, g1 = seq[-2].i1, last.i0
            d["in_turns"] = g1 <= g0 or ns["_turns_as_slip"](motion, g0, g1, m_old, m_new, still)
            nxt = next((p for p in probes if p.i0 > last.i1), None)
            if nxt is not None and nxt.i0 > last.i1:
                d["a"] = (nxt.kind == last.kind, cs.angle_deg(_final(last), _first(nxt)),
                          det(motion, last.i1, nxt.i0, m_old, m_new, still))
            if n >= 3 and seq[-2].i0 > seq[-3].i1:
                p, pp = seq[-2], seq[-3]
                d["b"] = (p.kind == last.kind and pp.kind == p.kind,
                          cs.angle_deg(_final(pp), _first(p)),
                          det(motion, pp.i1, p.i0, m_old, m_new, still))
        rows.append(d)
        return res

    ns["_release_place"] = spy
    try:
        so.placements(r, variant)
    finally:
        ns["_release_place"] = orig
    return rows


def main(argv: list[str]) -> int:
    import slipone_study as so
    import validate_analysis as va

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", default="29008,27027")
    ap.add_argument("--rates", default="52,104,208")
    ap.add_argument("--cache", default="/tmp/t9/cache", help="comma-separated kept inputs")
    ap.add_argument("--variant", default="worktree", help="worktree | file:PATH | git:REV")
    ap.add_argument("--part", choices=("trace", "reach"), default="trace")
    a = ap.parse_args(argv)
    seeds = va.parse_seeds(a.seeds)
    held = [s for s in seeds if s >= va.HELD_OUT_FROM]
    if held:
        raise SystemExit(f"held-out seeds refused: {held}")
    for fs in (float(x) for x in a.rates.split(",")):
        for seed in seeds:
            r = so._load("validation", seed, fs, a.cache.split(","))
            if a.part == "trace":
                print("\n".join(trace(r, a.variant)))
                continue
            for d in reach(r, a.variant):
                print(f"{d['seed']} @{d['fs']:g}: one place into the showing posture {d['one']}"
                      + (f"; its step turns as the slip {d['in_turns']}" if d["one"] else "")
                      + "".join(f"; ({e}) alike {d[e][0]} net {d[e][1]:.2f} det {d[e][2]:.2f}"
                                for e in ("a", "b") if e in d)
                      + f" -> {d['res']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
