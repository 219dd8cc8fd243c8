#!/usr/bin/env python3
"""Trace: the slip's turn about body z on validation sessions — the true slip (axis, size, its
turn about body z), the held bends after it, the turn the analysis set, and the flexion the
session reads with the shipped turn, with no turn, and with the true one.

    PYTHONPATH=$PWD/host .venv/bin/python bench/after_turn_trace.py --seeds 11021 --rates 104

Per session: ``slip`` the true slip (deg, axis in site coordinates, and its turn about body z
between the true mountings before and after); ``pre-turn`` the re-referenced mounting before
``_turn_by_held_bends`` against the true one (tilt, turn about z); ``set`` the turn it applied;
``after`` the shipped mounting's turn error; the held bends of each stretch as ``_bend_dirs``
sees them (direction, seconds held, true lean from the script); then flexion RMSE (all, lying,
from 90 s after the slip not lying — ``validate_analysis.score``) for three variants:
``shipped``, ``none`` (no turn about z after the slip) and ``oracle`` (the true mounting's turn).
Refuses held-out seeds (validate_analysis.HELD_OUT_FROM and on) like the other studies.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import numpy as np
from scipy.spatial.transform import Rotation

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from validate_analysis import development_seeds, run_jobs  # noqa: E402


def _turn_z(m_a: np.ndarray, m_b: np.ndarray) -> float:
    """Turn about body z (deg) taking mounting m_a to m_b (body coordinates)."""
    return float(np.degrees(Rotation.from_matrix(m_a.T @ m_b).as_rotvec()[2]))


def _flex(case: Any, variant: str, m_true: np.ndarray) -> tuple[float, float, float]:
    from kyphos.processing import clipslip as cs
    from validate_analysis import score

    orig = cs._turn_by_held_bends

    def none(out: list[Any], probes: list[Any], m0: np.ndarray, *rest: Any) -> list[Any]:
        return out

    def oracle(out: list[Any], probes: list[Any], m0: np.ndarray, *rest: Any) -> list[Any]:
        res = []
        for rr in out:  # turn each re-referenced mounting to the true one's turn about z
            if rr.index == 0:
                res.append(rr)
                continue
            tz = np.radians(_turn_z(rr.sensor_from_body, m_true))
            rz = Rotation.from_rotvec([0.0, 0.0, tz]).as_matrix()
            res.append(cs.ReReference(rr.t_s, rr.deg, rr.why, rr.sensor_from_body @ rz,
                                      rr.index, rr.index_end))
        return res

    if variant != "shipped":
        cs._turn_by_held_bends = none if variant == "none" else oracle  # type: ignore[assignment]
    try:
        r = score(case)
    finally:
        cs._turn_by_held_bends = orig  # type: ignore[assignment]
    sq, n = r["flex_sq_n"]
    squ, nu = r["flex_up_sq_n"]
    lie = float(np.sqrt((sq - squ) / max(n - nu, 1)))
    return r["flex_rmse"], lie, float(r["after_slip"][0][1])


def trace(job: tuple[int, float]) -> str:
    from flexion_budget import _true_m
    from kyphos import analysis as an
    from kyphos.processing import clipslip as cs
    from validate_analysis import validation_case

    seed, fs = job
    case = validation_case(seed, fs, note=True)
    from kyphos.sim.validation import generate

    v = generate(seed, fs)
    sl = v.truth.clip_slips[0]
    t_end = float(v.time[-1])
    m_true = _true_m(v.script, np.array([0.0, t_end]), wobble=False)
    lines = [f"seed {seed} fs {fs:g}: slip {sl.t:.1f} s {sl.deg:+.1f} deg axis "
             f"{np.round(sl.axis, 3).tolist()}, true turn about body z {_turn_z(m_true[0], m_true[1]):+.2f} deg"]
    pre: list[Any] = []
    orig = cs._turn_by_held_bends

    def keep(out: list[Any], probes: list[Any], m0: np.ndarray, *rest: Any) -> list[Any]:
        pre[:] = [out, probes, m0]
        return orig(out, probes, m0, *rest)  # rest: the motion (gait heading, TURNLIE)

    cs._turn_by_held_bends = keep  # type: ignore[assignment]
    try:
        a = an.analyze(case.session)
    finally:
        cs._turn_by_held_bends = orig  # type: ignore[assignment]
    out, probes, m0 = pre
    lines.append(f"  calibration turn vs true {_turn_z(m0, m_true[0]):+.2f}")
    edges = [0] + [rr.index for rr in out if rr.index > 0] + [len(a.prepared.time)]
    mats = [m0] + [rr.sensor_from_body for rr in out if rr.index > 0]
    shipped = [m0] + [rr.sensor_from_body for rr in a.re_references if rr.index > 0]
    t = a.prepared.time
    lifts = [(x.start, x.end, x.lateral_deg, x.twist_deg) for x in v.truth.lifts]
    for k, (m, ms) in enumerate(zip(mats, shipped, strict=False)):
        mt = m_true[0] if k == 0 else m_true[1]
        tilt = np.degrees(np.arccos(np.clip((m.T @ mt)[2, 2], -1, 1)))
        lines.append(f"  stretch {k} {t[edges[k]]:.1f}-{t[edges[k + 1] - 1]:.1f} s: pre-turn tilt "
                     f"{tilt:.2f} turn {_turn_z(m, mt):+.2f}; set {_turn_z(m, ms):+.2f}; after "
                     f"{_turn_z(ms, mt):+.2f}")
        sel = [x for x in probes if x.kind in ("standing", "sitting")
               and edges[k] <= x.i0 < edges[k + 1]]
        for x in sel:
            ub = m.T @ x.up
            tl = np.degrees(np.arccos(np.clip(ub[2], -1, 1)))
            if tl <= cs.HELD_BEND_DEG or ub[0] >= 0:
                continue
            d = np.degrees(np.arctan2(ub[1], -ub[0]))
            dt = np.degrees(np.arctan2((mt.T @ x.up)[1], -(mt.T @ x.up)[0]))
            what = [f"lift lat {la:+.0f} tw {tw:+.0f}" for s0, s1, la, tw in lifts
                    if s0 - 1 <= x.start_s <= s1 + 1]
            lines.append(f"    bend {x.start_s:.1f} s {x.end_s - x.start_s:.1f} s tilt {tl:.0f} dir "
                         f"{d:+.1f} (true mounting {dt:+.1f}) {what[0] if what else ''}")
    for var in ("shipped", "none", "oracle"):
        f, lie, aft = _flex(case, var, m_true[1])
        lines.append(f"  {var:8s} flexion all {f:.3f} lying {lie:.2f} after-slip {aft:.3f}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", default="11021")
    ap.add_argument("--rates", default="104")
    ap.add_argument("--jobs", type=int, default=1)
    args = ap.parse_args(argv)
    seeds = development_seeds(args.seeds)
    jobs = [(s, float(r)) for s in seeds for r in args.rates.split(",")]
    for text in run_jobs(trace, jobs, args.jobs):
        print(text, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
