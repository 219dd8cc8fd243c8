"""The guided calibration's turn about body z, and what it costs while lying (study).

Usage:
    PYTHONPATH=$PWD/host .venv/bin/python bench/cal_yaw_study.py --seeds 0-29 --rates 104 --jobs 2
    PYTHONPATH=$PWD/host .venv/bin/python bench/cal_yaw_study.py --family simday --seeds 100-119

The calibration takes body y from the guided bend. As shipped (``up``) it is the cross product
of the earth-up directions seen from the sensor at the bend's start and peak
(:func:`~kyphos.processing.calibration.bend_axis`). Those directions are VQF's, which follow the
accelerometer: an offset ε along body y (the one axis the offset fit cannot see in a wearer who
only stands, sits, bends and lies on the back) tilts both by ε, and their cross product turns
about body z by about ε·tan(θ/2) for a bend of θ. A turn ψ of the mounting about body z is read
as flexion ψ when lying on the side, and as a lateral error that the Z-Y-X pitch reads
quadratically near its pole when lying on the back (bench/lying_trace.py). ``swing`` takes body
y from the rotation between the two orientations less its twist about the earth vertical
(:func:`~kyphos.processing.calibration.swing_axis`): an offset along the bend's own axis is
carried by that rotation unchanged, so it does not turn the axis.

Per variant: the calibration's turn about body z and its tilt against the true mounting (before
any slip), RMS over sessions; flexion RMSE pooled, lying and not lying (validation truth
activity; simday: its own truth), the full analysis re-run with the variant.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))

VARIANTS = ("up", "rotvec", "blend")


def _yaw_tilt(m_true: np.ndarray, m_an: np.ndarray) -> tuple[float, float]:
    d = m_true.T @ m_an  # the analysis' mounting in true body coordinates
    yaw = float(np.degrees(np.arctan2(d[1, 0] - d[0, 1], d[0, 0] + d[1, 1])))
    tilt = float(np.degrees(np.arccos(np.clip(d[2, 2], -1.0, 1.0))))
    return yaw, tilt


def run(job: tuple[str, int, float]) -> dict[str, Any]:
    from kyphos.analysis import analyze
    from kyphos.processing import calibration as cal
    from validate_analysis import family_case

    fam, seed, fs = job
    out: dict[str, Any] = {"seed": seed, "fs": fs}
    case = family_case(fam, seed, fs)
    m_true = None
    if fam == "validation":
        from flexion_budget import _true_m
        from kyphos.sim.validation import generate

        v = generate(seed, fs)
        m_true = _true_m(v.script, np.array([0.0]), wobble=False)[0]
        out["bias_y_mg"] = float(v.unit.acc_bias[1] / 9.80665e-3)
    for name in VARIANTS:
        cal.SAGITTAL_FROM = name
        a = analyze(case.session)
        ang = a.angles
        ok = ang.valid & np.isfinite(ang.flexion)
        tt = ang.time[ok]
        e = np.degrees(ang.flexion[ok] - np.interp(tt, case.time, case.flexion))
        act = case.activity[np.clip(np.searchsorted(case.time, tt), 0, len(case.time) - 1)] \
            if case.activity is not None else np.full(len(tt), "")
        lie = act == "lying"
        out[name] = {"sq_lie": float(np.sum(e[lie] ** 2)), "n_lie": int(lie.sum()),
                     "sq_up": float(np.sum(e[~lie] ** 2)), "n_up": int((~lie).sum()),
                     "rerefs": [round(x.t_s, 1) for x in a.re_references if x.t_s > 0]}
        if m_true is not None:
            out[name]["yaw"], out[name]["tilt"] = _yaw_tilt(m_true, a.calibration.sensor_from_body)
            out[name]["bias_err_y_mg"] = float(
                (a.calibration.acc_bias[1] - v.unit.acc_bias[1]) / 9.80665e-3)
    cal.SAGITTAL_FROM = "blend"
    return out


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--family", default="validation", choices=("validation", "simday", "sim"))
    ap.add_argument("--seeds", default="0-29")
    ap.add_argument("--rates", default="104")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--per-seed", action="store_true")
    args = ap.parse_args(argv[1:])
    from validate_analysis import development_seeds, run_jobs

    seeds = development_seeds(args.seeds, args.family)
    rows = run_jobs(run, [(args.family, s, float(fs)) for fs in args.rates.split(",")
                          for s in seeds], args.jobs)
    if args.per_seed:
        for r in rows:
            line = f"seed {r['seed']:5d} fs {r['fs']:4.0f}"
            if "bias_y_mg" in r:
                line += f" y offset {r['bias_y_mg']:+6.1f} mg (fit's error {r['up']['bias_err_y_mg']:+6.1f})"
            for k in VARIANTS:
                x = r[k]
                line += (f" | {k}: lying {np.sqrt(x['sq_lie'] / x['n_lie']) if x['n_lie'] else 0:.2f}"
                         f" not {np.sqrt(x['sq_up'] / x['n_up']):.2f}")
                if "yaw" in x:
                    line += f" yaw {x['yaw']:+.2f} tilt {x['tilt']:.2f}"
            print(line)
    print(f"{args.family} {args.seeds} @ {args.rates}: flexion RMSE (deg) pooled / lying / not lying;"
          " calibration's turn about body z and tilt, RMS (deg)")
    for k in VARIANTS:
        sl = sum(r[k]["sq_lie"] for r in rows)
        nl = sum(r[k]["n_lie"] for r in rows)
        su = sum(r[k]["sq_up"] for r in rows)
        nu = sum(r[k]["n_up"] for r in rows)
        line = (f"{k:6s} {np.sqrt((sl + su) / (nl + nu)):.3f} / "
                f"{np.sqrt(sl / nl) if nl else float('nan'):.3f} / {np.sqrt(su / nu):.3f}")
        if "yaw" in rows[0][k]:
            line += (f"; yaw RMS {np.sqrt(np.mean([r[k]['yaw'] ** 2 for r in rows])):.2f}, tilt RMS "
                     f"{np.sqrt(np.mean([r[k]['tilt'] ** 2 for r in rows])):.2f}")
        print(line)
    diff = [r for r in rows if any(r["up"]["rerefs"] != r[k]["rerefs"] for k in VARIANTS)]
    print(f"sessions whose re-references moved: {len(diff)} "
          + ", ".join(f"{r['seed']}@{r['fs']:g}" for r in diff[:20]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
