"""Where the flexion error is on sessions whose clip slip is re-referenced within 20 s, and
whether it follows a person or chip parameter (TRACE6, issue 15, seventeenth session).

Usage (per-session results are cached as ``flexion_worst.py --cache`` keeps them, same files):
    PYTHONPATH=$PWD/host .venv/bin/python bench/trace6_study.py --seeds 26000-26029 \
        --rates 104 --cache /tmp/t6/fw --show 26010,26007,26001,26025
    PYTHONPATH=$PWD/host .venv/bin/python bench/trace6_study.py \
        --seeds 0-29,20000-20029,23000-23029,25000-25029 --rates 104 --cache /tmp/t6/fw

Each session's squared flexion error (the whole recording, as ``validate_analysis.py``'s pooled
flexion; the samples of ``flexion_worst.py``) is split into three parts:

* ``slip window``: from the truth slip to the re-reference nearest it (``flexion_worst``'s
  group; every sample of it is off by about the slip angle, so a slip placed ``dt`` seconds off
  costs ~``slip² · dt``);
* ``lying``: the truth lying samples (outside the slip window);
* ``rest``: everything else (standing, sitting, walking, lifts, ...), with its mean error
  (a wrong upright: calibration) and the RMS of its reference (mounting + chip) and VQF-motion
  parts (``flexion_worst``'s components).

It prints per session: RMSE, the placement offset (nearest re-reference - truth slip, s), the
RMSE with the slip window zeroed ("placed exactly"), with lying zeroed too, the rest's RMS and
parts; per set, the pooled RMSE with each part zeroed; then, over every session given, the
correlation of the rest's RMS (the part no placement or lying fix touches) with the person's and
chip's draws (``kyphos.sim.validation.person``, ``imu.draw_unit``; drawn, not generated).

Measured (TRACE6, 2026-12-07, host = ef86090's analysis, 104 Hz; outputs and the proposed fix in
/work/handoff/TRACE6.md): on the check set 26000-26029 (pooled 0.369 deg; slip windows zeroed
0.311; lying zeroed too 0.273) the four sessions of the brief are 26010 1.00 deg (90 % of its
squared error a 12.0-deg slip made on the way back from a 5-s seated reach, placed 3.3 s early at
the reach's middle, ``excursion_mid``; 0.31 placed exactly), 26025 0.58 (77 %: a 10.9-deg slip
0.2 s after a lift's end placed 1.4 s early inside the lift, ``excursion_mid``; 0.28), 26001 0.52
(28 %: a held step blended over its whole gap from 1.9 s before the slip; the rest 0.43) and 26007
0.66 (64 %: a supine lie at +2.15 deg, the chip's gain and misalignment: ``lying_trace.py``'s
oracles +1.48 with the true offset removed, +0.07 with offset, gain and misalignment removed).
Over 150 sessions (0-29, 20000-20029, 23000-23029, 25000-25029, 26000-26029 @104) the rest is
0.27-0.29 deg RMS at every sensor level T2-T8 and follows no person draw (|r| <= 0.18); it
follows the accelerometer offset along body y (r +0.40; the offset fit's blind axis, LIECAL) and
the gain spread (+0.23).

Validation seeds (validate_analysis.HELD_OUT_FROM and on) are refused (held out).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import numpy as np

PARAMS = ("level_frac", "depth_m", "pitch_deg", "abs_yaw_deg", "abs_roll_deg", "wobble_deg",
          "wobble_m", "sit_lean_deg", "hip_share_stoop", "thoracic_m", "lumbar_m",
          "acc_off_mg", "acc_off_body_y_mg", "acc_scale_spread_pct", "gyr_off_dps")


def draws(seed: int) -> dict[str, float]:
    """The person's and the chip unit's draws of validation ``seed`` (as ``generate`` makes
    them: the same SeedSequence children), without generating the session."""
    from kyphos.sim.validation import imu
    from kyphos.sim.validation.generate import mount_rotation
    from kyphos.sim.validation.person import draw_person

    ss = np.random.SeedSequence([int(seed), 0x7A11D])
    r_person, _r_script, r_imu, _r_noise = (np.random.default_rng(x) for x in ss.spawn(4))
    p = draw_person(r_person)
    u = imu.draw_unit(r_imu)
    g0 = 9.80665
    off_body = mount_rotation(p).apply(u.acc_bias)  # the sensor-frame offset in body axes
    return {"level_frac": p.level_frac, "depth_m": p.depth_m,
            "pitch_deg": float(np.degrees(p.mount_pitch)),
            "abs_yaw_deg": abs(float(np.degrees(p.mount_yaw))),
            "abs_roll_deg": abs(float(np.degrees(p.mount_roll))),
            "wobble_deg": float(np.degrees(p.wobble_rad)), "wobble_m": p.wobble_m,
            "sit_lean_deg": float(np.degrees(p.sit_lean)), "hip_share_stoop": p.hip_share_stoop,
            "thoracic_m": p.thoracic_m, "lumbar_m": p.lumbar_m,
            "acc_off_mg": float(np.linalg.norm(u.acc_bias) / g0 * 1e3),
            "acc_off_body_y_mg": abs(float(off_body[1])) / g0 * 1e3,
            "acc_scale_spread_pct": float(np.ptp(np.diag(u.acc_gain)) * 100.0),
            "gyr_off_dps": float(np.degrees(np.linalg.norm(u.gyr_bias))),
            "level": float(12 - round(p.level_frac * 11))}


def split(r: dict[str, Any]) -> dict[str, Any]:
    """One session's squared error by part (see the module docstring)."""
    from flexion_worst import GROUPS

    e = r["comp"].sum(0).astype(np.float64)
    g = r["group"]
    sw = g == GROUPS.index("slip window")
    ly = (g == GROUPS.index("lying")) & ~sw
    rest = ~sw & ~ly
    ref = (r["comp"][1] + r["comp"][2]).astype(np.float64)
    n = len(e)
    rr = r["rr_t"]
    ts = r["slip_t"][0] if r["slip_t"] else float("nan")
    off = min((x - ts for x in rr), key=abs) if rr else float("nan")
    return {"seed": r["seed"], "fs": r["fs"], "n": n, "sq": float(np.sum(e ** 2)),
            "sq_slip": float(np.sum(e[sw] ** 2)), "sq_lying": float(np.sum(e[ly] ** 2)),
            "sq_rest": float(np.sum(e[rest] ** 2)), "n_rest": int(np.sum(rest)),
            "offset_s": off, "slip": r["slips"][0] if r["slips"] else None,
            "lying_mean": float(np.mean(e[ly])) if np.any(ly) else 0.0,
            "rest_mean": float(np.mean(e[rest])) if np.any(rest) else 0.0,
            "rest_ref_rms": float(np.sqrt(np.mean(ref[rest] ** 2))) if np.any(rest) else 0.0,
            "rest_vqf_rms": float(np.sqrt(np.mean(r["comp"][3][rest].astype(np.float64) ** 2)))
            if np.any(rest) else 0.0,
            "rest_stage_rms": float(np.sqrt(np.mean(r["comp"][0][rest].astype(np.float64) ** 2)))
            if np.any(rest) else 0.0}


def _rmse(sq: float, n: int) -> float:
    return float(np.sqrt(sq / max(n, 1)))


def report(rows: list[dict[str, Any]], show: set[int]) -> None:
    print("seed    fs   RMSE  slip (t, deg)      offset s  slip%  lying% (mean)   placed  "
          "+no lie  rest rms mean  ref  vqf  stage")
    for s in sorted(rows, key=lambda x: -x["sq"] / x["n"]):
        if show and s["seed"] not in show:
            continue
        sq, n = s["sq"], s["n"]
        print(f"{s['seed']:5d} {s['fs']:5.0f}  {_rmse(sq, n):5.2f}  {str(s['slip']):17s} "
              f"{s['offset_s']:+7.1f}  {100 * s['sq_slip'] / sq:5.0f}  {100 * s['sq_lying'] / sq:5.0f} "
              f"({s['lying_mean']:+5.2f})  {_rmse(sq - s['sq_slip'], n):5.2f}  "
              f"{_rmse(s['sq_rest'], n):6.2f}   {_rmse(s['sq_rest'], s['n_rest']):5.2f} "
              f"{s['rest_mean']:+5.2f} {s['rest_ref_rms']:4.2f} {s['rest_vqf_rms']:4.2f} "
              f"{s['rest_stage_rms']:5.2f}")
    by_set: dict[int, list[dict[str, Any]]] = {}
    for s in rows:
        by_set.setdefault(s["seed"] // 1000, []).append(s)
    print("\nper set: pooled RMSE; with the slip windows zeroed; and lying zeroed too "
          "(the rest alone); slips > 0.5 s off and their share")
    for k, ss in sorted(by_set.items()):
        sq = sum(x["sq"] for x in ss)
        n = sum(x["n"] for x in ss)
        sl = sum(x["sq_slip"] for x in ss)
        ly = sum(x["sq_lying"] for x in ss)
        far = [x for x in ss if abs(x["offset_s"]) > 0.5]
        print(f"  {1000 * k:5d}-: {len(ss):3d} sessions  {_rmse(sq, n):.3f} -> {_rmse(sq - sl, n):.3f}"
              f" -> {_rmse(sq - sl - ly, n):.3f};  {len(far)} slips > 0.5 s: "
              f"{100 * sum(x['sq_slip'] for x in far) / sq:.0f} % of the set's squared error")
    if len(rows) < 8:
        return
    d = [draws(int(s["seed"])) for s in rows]
    y = np.array([_rmse(s["sq_rest"], s["n_rest"]) for s in rows])
    ly = np.array([abs(s["lying_mean"]) for s in rows])
    print(f"\n{len(rows)} sessions: the rest's RMS (slip window and lying left out) and the lies' "
          f"|mean error| against the person's / chip's draws: Pearson r (|r| > "
          f"{2 / np.sqrt(len(rows)):.2f} ~ 2 sigma)")
    for p in PARAMS:
        x = np.array([dd[p] for dd in d])
        print(f"    {p:22s} rest r {float(np.corrcoef(x, y)[0, 1]):+.2f}   lying r "
              f"{float(np.corrcoef(x, ly)[0, 1]):+.2f}")
    lv = np.array([dd["level"] for dd in d])
    print("    rest RMS by sensor level: " + ", ".join(
        f"T{int(v)} {np.mean(y[lv == v]):.2f} (n {int(np.sum(lv == v))})" for v in np.unique(lv)))


def main(argv: list[str]) -> int:
    sys.path.insert(0, os.path.dirname(__file__))
    from flexion_worst import session_args, session_rows

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    session_args(ap, "26000-26029")  # --cache: flexion_worst.py's per-session cache
    ap.add_argument("--show", default="", help="print only these seeds' lines (comma-separated)")
    args = ap.parse_args(argv[1:])
    rows = [split(r) for r in session_rows(args)]
    print(f"validation family, seeds {args.seeds}, rates {args.rates}")
    report(rows, {int(x) for x in args.show.split(",") if x})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
