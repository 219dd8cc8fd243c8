"""The guided calibration's turn about body z, and what it costs while lying (study; the
variants are not shipped: see below).

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
quadratically near its pole when lying on the back (bench/lying_trace.py). Variants, each
a full analysis with ``calibration.from_windows`` replaced by :func:`from_windows_variant`:

* ``up``: as shipped;
* ``rotvec``: body y from the axis of the bend's rotation, the gyro integrated from the
  bend window's start to its peak (offset: the gyro's median over the upright window). An
  offset along the bend's axis is carried by the rotation unchanged, so the axis is not turned;
  but it has the gyro's misalignment, and a twist τ about the vertical turns it by ~τ/2;
* ``blend``: the two axes weighed by the share of the offset prior's variance the offset fit
  left along the bend axis (0: pinned down, the cross product; ~1: no still posture had
  gravity along it, every supine-only wearer);
* ``--gyro-sd D``: ``blend`` with inverse-variance weights instead, the cross product's error
  ``sd·tan(θ/2)/g`` against a rotation axis error of D degrees (fitted on simday 100–119 with
  ``fit_thresholds.py``-style sweeps: 0.25 / 0.5 / 1 / 2 / 90° gave pooled flexion 0.2607 /
  0.2584 / 0.2567 / 0.2562 / 0.2561°: the fit family never wants the rotation axis).

Results (LYING, 2026-12-06, code 3138f8f): validation 6000–9029 at 104 Hz with ``blend``
0.594 → 0.574° pooled (42 sessions better, 16 worse by > 0.005°; without lying 0.495 the
same); simday 0–29 at 52/104/208 Hz 0.248 → 0.252° (23 better, 24 worse; seed 13 0.23 →
0.35°: its rotation axis 1.75° off); simday 100–119: 0.2561 → 0.2615°. The two families'
gyros differ (cross-axis ±1 % in ``kyphos.sim``, σ 0.4° misalignment in the validation
family), and so does the answer.

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
GYRO_SD_DEG: float | None = None  # --gyro-sd
_CTX: dict[str, Any] = {}  # the session's prepared gyro and offset fit, for the variant


def gyro_axis(gyr: np.ndarray, dt: float) -> np.ndarray:
    """Unit axis (sensor coords at the first row) of the rotation the (n, 3) rates integrate
    to (rad/s, offset removed), zeros if none: increments multiplied pairwise."""
    from kyphos.processing.orientation import quat_multiply

    rate = np.linalg.norm(gyr, axis=1)
    half = 0.5 * rate * dt
    q = np.column_stack([np.cos(half), gyr / np.maximum(rate, 1e-12)[:, None]
                         * np.sin(half)[:, None]])
    while len(q) > 1:
        if len(q) % 2:
            q = np.vstack([q, [1.0, 0.0, 0.0, 0.0]])
        q = quat_multiply(q[0::2], q[1::2])
    if not len(q):
        return np.zeros(3)
    v = q[0, 1:] * np.sign(q[0, 0] if q[0, 0] != 0 else 1.0)
    n = float(np.linalg.norm(v))
    return v / n if n > 1e-9 else np.zeros(3)


def from_windows_variant(time: np.ndarray, acc: np.ndarray, quat: np.ndarray,
                         upright_s: tuple[float, float],
                         bend_s: tuple[float, float] | None = None) -> Any:
    """``calibration.from_windows`` with body y taken as ``_CTX["mode"]`` says."""
    from kyphos.processing import calibration as cal

    c = _CTX["orig"](time, acc, quat, upright_s, bend_s)
    mode = _CTX["mode"]
    if bend_s is None or mode == "up" or c.sagittal_confidence <= 0:
        return c
    t = np.nan_to_num(time, nan=-np.inf)
    iu = (t >= upright_s[0]) & (t <= upright_s[1])
    up = cal._unit(np.mean(acc[iu], axis=0))
    ib = np.flatnonzero((t >= bend_s[0]) & (t <= bend_s[1]))
    dev = np.arccos(np.clip(cal._unit(acc[ib] + 0.0) @ up, -1, 1))
    ipeak = ib[int(np.nanargmax(np.nan_to_num(dev)))]
    axis, angle = cal.bend_axis(quat[ib[0]], quat[ipeak])
    gyr = _CTX["gyr"]
    if ipeak <= ib[0] or len(gyr) != len(time):
        return c
    dt = float(np.median(np.diff(time[ib])))
    rv = gyro_axis(gyr[ib[0]:ipeak] - np.median(gyr[iu], axis=0), dt)
    rv = rv if float(rv @ axis) >= 0 else -rv
    sd = _CTX["sd"]
    if mode == "rotvec":
        w = 1.0
    elif GYRO_SD_DEG is None:
        w = float(np.clip(np.sum((axis * sd) ** 2) / cal.BIAS_PRIOR**2, 0.0, 1.0))
    else:
        v_up = (float(np.sqrt(np.sum((axis * sd) ** 2))) / cal.G * np.tan(0.5 * angle)) ** 2
        w = v_up / (v_up + np.radians(GYRO_SD_DEG) ** 2)
    mix = (1.0 - w) * axis + w * rv
    c.sensor_from_body = cal.frame_from_axes(up, mix / np.linalg.norm(mix))
    return c


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
    from kyphos.analysis import prepare_session

    p = prepare_session(case.session)
    fit = cal.estimate_acc_bias(p.time, p.acc, p.gyr, p.fs, p.valid)
    _CTX.update(gyr=p.gyr, sd=fit.sd, orig=_CTX.get("orig", cal.from_windows))
    cal.from_windows = from_windows_variant
    for name in VARIANTS:
        _CTX["mode"] = name
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
    cal.from_windows = _CTX["orig"]
    return out


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--family", default="validation", choices=("validation", "simday", "sim"))
    ap.add_argument("--seeds", default="0-29")
    ap.add_argument("--rates", default="104")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--per-seed", action="store_true")
    ap.add_argument("--gyro-sd", type=float, default=None,
                    help="blend: inverse-variance weights with this rotation-axis error, deg")
    args = ap.parse_args(argv[1:])
    from validate_analysis import development_seeds, run_jobs

    global GYRO_SD_DEG
    GYRO_SD_DEG = args.gyro_sd

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
