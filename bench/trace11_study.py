"""The analysis' mounting against the truth, split into its turn about body z and its tilt,
per phase of a session (TRACE11, issue 15, nineteenth session; a study, no analysis change).

Usage:
    PYTHONPATH=$PWD/host .venv/bin/python bench/trace11_study.py --seeds 31029 --rates 104

Per session: the truth slip (time, deg, axis in body coords), the re-references (time, why),
then for each phase (after calibration / after each re-reference) the analysis' M's error
M_trueᵀ·M_an as a yaw about body z (deg) and a tilt (the angle between the analysis' body z and
the true one, deg), and per phase and truth activity the flexion error's mean and RMS (deg) and
seconds (lying scored, as validate_analysis.py's pooled flexion; "after slip" = from slip + 90 s,
not lying, as validate_analysis.py's after-slip reading). Also the calibration's guided bend
(truth flexion at its deepest) and the person's mounting draws.

Validation seeds (validate_analysis.HELD_OUT_FROM and on) are refused (held out).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))


def _yaw_tilt(d: np.ndarray) -> tuple[float, float]:
    yaw = np.degrees(np.arctan2(d[1, 0] - d[0, 1], d[0, 0] + d[1, 1]))
    tilt = np.degrees(np.arccos(np.clip(d[2, 2], -1, 1)))
    return float(yaw), float(tilt)


def run(seed: int, fs: float) -> None:
    from flexion_budget import _m_per_sample, _true_m
    from flexion_worst import analyzed

    v, a, ok, t, e, act = analyzed(seed, fs)
    ang, tr = a.angles, v.truth
    m_an = _m_per_sample(a, len(ang.time))[ok]
    m_tr = _true_m(v.script, t, wobble=False)
    d = np.einsum("nji,njk->nik", m_tr, m_an)
    p = v.script.person
    print(f"\nseed {seed} fs {fs:g}: RMSE {np.sqrt(np.mean(e ** 2)):.2f}; person "
          + " ".join(f"{k}={getattr(p, k):.3g}" for k in ("level_frac", "depth_m", "pitch_deg",
                                                            "yaw_deg", "roll_deg")
                     if hasattr(p, k)))
    for sl in tr.clip_slips:
        print(f"  truth slip t {sl.t:.1f} s {sl.deg:+.1f} deg axis {np.round(sl.axis, 3).tolist()}")
    print(f"  calibration: {getattr(a.calibration, 'method', '')} "
          + str({k: getattr(a.calibration, k) for k in ("bend_deg", "quality", "yaw_deg")
                 if hasattr(a.calibration, k)}))
    edges = [0.0] + [x.t_s for x in a.re_references if x.t_s > 0] + [1e9]
    whys = ["calibration"] + [f"reref {x.t_s:.1f} s {x.deg:+.1f} ({x.why})"
                              for x in a.re_references if x.t_s > 0]
    slip_t = tr.clip_slips[0].t if tr.clip_slips else 1e9
    for k in range(len(edges) - 1):
        sel = (t >= edges[k]) & (t < edges[k + 1])
        if not np.any(sel):
            continue
        i = np.flatnonzero(sel)
        yt0 = _yaw_tilt(d[i[0]])
        yt1 = _yaw_tilt(d[i[-1]])
        print(f"  phase {whys[k]}: {t[i[0]]:.1f}-{t[i[-1]]:.1f} s  M error yaw/tilt at start "
              f"{yt0[0]:+.2f}/{yt0[1]:.2f}  at end {yt1[0]:+.2f}/{yt1[1]:.2f} deg")
        _by_activity(e, act, sel, fs, np.sum(e ** 2), "sq share")
    _bends(v, a, fs)
    k = (t >= slip_t + 90.0) & (act != "lying")
    if np.any(k):
        print(f"  after slip (+90 s, not lying): {np.count_nonzero(k) / fs:.0f} s rms "
              f"{np.sqrt(np.mean(e[k] ** 2)):.2f}; by activity:")
        _by_activity(e, act, k, fs, np.sum(e[k] ** 2), "share")


def _by_activity(e: np.ndarray, act: np.ndarray, sel: np.ndarray, fs: float, sq_total: float,
                 label: str) -> None:
    """One line per truth activity inside ``sel``: time, mean and RMS error, share of
    ``sq_total``."""
    for name in np.unique(act[sel]):
        s2 = sel & (act == name)
        print(f"      {name:12s} {np.count_nonzero(s2) / fs:6.0f} s  mean {np.mean(e[s2]):+6.2f}"
              f"  rms {np.sqrt(np.mean(e[s2] ** 2)):6.2f}  {label} "
              f"{100 * np.sum(e[s2] ** 2) / sq_total:5.1f} %")


def _bends(v: Any, a: Any, fs: float) -> None:
    """The held forward bends each stretch's turn about body z is read from
    (``clipslip._held_bends`` through the stretch's mounting before the turn), with the truth
    at each (flexion, lateral lean, the lift it is the bottom of), the walks' heading
    (``_gait_dirs``), and the session re-run without ``_turn_by_held_bends``."""
    from kyphos.analysis import analyze
    from kyphos.processing import clipslip as cs

    cap: dict[str, Any] = {}
    orig = cs._turn_by_held_bends

    def keep(out: Any, probes: Any, m0: Any, motion: Any = None) -> Any:
        cap.update(out=out, probes=probes, m0=m0, motion=motion)
        return orig(out, probes, m0, motion)

    try:
        cs._turn_by_held_bends = keep  # type: ignore[assignment]
        analyze(v.to_session())
        cs._turn_by_held_bends = lambda out, *_: out  # type: ignore[assignment]
        a0 = analyze(v.to_session())
    finally:
        cs._turn_by_held_bends = orig  # type: ignore[assignment]
    if not cap or not cap["out"]:
        return
    out, probes, m0, motion = cap["out"], cap["probes"], cap["m0"], cap["motion"]
    tr = v.truth
    edges = [0] + [rr.index for rr in out if rr.index > 0] + [1 << 62]
    mats = [m0] + [rr.sensor_from_body for rr in out if rr.index > 0]
    for lo, hi, m in zip(edges[:-1], edges[1:], mats, strict=True):
        print(f"  stretch rows {lo}-{hi if hi < 1 << 62 else 'end'}: walks' heading "
              f"{cs._gait_dirs(probes, lo, hi, m, motion)}")
        for x in probes:
            if x.kind not in cs._HELD_KINDS or not lo <= x.i0 < hi:
                continue
            ub = m.T @ x.up
            tilt = float(np.degrees(np.arccos(np.clip(ub[2], -1, 1))))
            if tilt <= cs.HELD_BEND_DEG or ub[0] >= 0:
                continue
            tm = 0.5 * (x.start_s + x.end_s)
            i = min(int(np.searchsorted(tr.time, tm)), len(tr.time) - 1)
            lift = next((f"{lf.style} lift, lean {lf.lateral_deg:+.1f}" for lf in tr.lifts
                         if lf.start - 1 <= tm <= lf.end + 1), "no lift")
            print(f"      held bend {x.start_s:6.1f}-{x.end_s:6.1f} s {x.kind:8s} tilt {tilt:5.1f} "
                  f"dir {np.degrees(np.arctan2(ub[1], -ub[0])):+6.1f}  truth flex "
                  f"{np.degrees(tr.flexion[i]):5.1f} lat {np.degrees(tr.lateral[i]):+6.1f} ({lift})")
    ang = a0.angles
    ok = ang.valid & np.isfinite(ang.flexion)
    e = np.degrees(ang.flexion[ok] - np.interp(ang.time[ok], tr.time, tr.flexion))
    print(f"  without the held-bend turn: RMSE {np.sqrt(np.mean(e ** 2)):.2f}")


def main(argv: list[str]) -> int:
    from validate_analysis import HELD_OUT_FROM

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="31029")
    ap.add_argument("--rates", default="104")
    args = ap.parse_args(argv)
    seeds: list[int] = []
    for part in args.seeds.split(","):
        lo, _, hi = part.partition("-")
        seeds += list(range(int(lo), int(hi or lo) + 1))
    if any(s >= HELD_OUT_FROM for s in seeds):
        print(f"seeds >= {HELD_OUT_FROM} are held out", file=sys.stderr)
        return 2
    for s in seeds:
        for fs in (float(x) for x in args.rates.split(",")):
            run(s, fs)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
