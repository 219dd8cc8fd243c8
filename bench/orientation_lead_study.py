"""Does the analysis' orientation lead the truth by half a sample on real data? (LEAD study)

Usage (from the repository root, ``PYTHONPATH=host``)::

    python bench/orientation_lead_study.py --part broad [--trials undisturbed|all]
    python bench/orientation_lead_study.py --part sim --seeds 100-102 [--native 416]
    python bench/orientation_lead_study.py --part validation --seeds 28000-28002 [--native 416]
    python bench/orientation_lead_study.py --part theory

What it measures. The orientation is computed as the analysis does ("kyphos":
:func:`kyphos.processing.preprocess.prepare`'s grid and 25 Hz zero-phase low-pass, then VQF
offline per segment, :func:`kyphos.processing.orientation.orientation_segments`; also plain VQF
offline, "vqf") from a recording at its native rate and after decimating it by k:

- ``point``: every k-th sample (point sampling: what our two simulators do at 52/104/208 Hz);
- ``box``: the mean of the k native samples that end at the kept one (a causal averaging
  filter: an ODR-synchronous averaging/integrating front end; group delay (k-1)/2 native
  samples);
- ``zp``: ``scipy.signal.decimate(x, k, ftype="fir", zero_phase=True)`` (an ideal anti-alias
  filter without delay);
- ``iir``: a causal 2nd-order Butterworth at 0.25 x the output rate, then every k-th sample
  (a chip's digital low-pass: delay ~0.9 output samples at low frequency).

Filters are applied to gyro and accelerometer alike. For each result it finds the lead L (in
samples of the decimated rate) that minimises the inclination RMSE of the estimate at t_j against
the truth at t_j + L (the truth is interpolated on its native grid by normalised linear
interpolation; grid -1.5..1.5 in 0.02 steps, then a parabola through the three best), and
prints the inclination RMSE at L = 0 and at L = 0.5 (= the estimate delayed half a sample).
Error convention as the BROAD README (``bench/bench_orientation.py``): q_err = q_est ⊗ q_opt⁻¹,
inclination 2·acos(√(w²+z²)), over ``movement`` samples with finite truth.

Sources. BROAD: Laidig, Caruso, Cereatti, Seel, Data 6(7):72, 2021 (the .mat's ``info``: IMU
myon aktos-t, optical Optitrack with eight Flex13 cameras, "synchronized and aligned optical
reference data"). ``sim``: ``kyphos.sim.scenario.random_lift_session`` simulated at the native
rate, truth ``truth.sensor_quat``. ``validation``: ``kyphos.sim.validation.generate`` at the
native rate, truth ``evaluate(script, time).r_sensor``. Development seeds only: the script
refuses validation seeds from validate_analysis.HELD_OUT_FROM on.

``--part flexshift --seeds 28000-28029 --rates 52,104,208``: what delaying the analysis'
flexion output by s samples would do (``--shifts``, default 0,0.25,0.5): the analysis as
``bench/validate_analysis.py`` runs it (validation family, calibration note), flexion RMSE over
every valid sample against the truth at t + s/fs (= the angles' time stamps moved s samples
later; no per-sample cost), pooled per rate and per session; sessions better / worse by
> 0.005 deg. ``--chip-delay d``: first delay the session's accelerometer and gyroscope rows by
d samples (x[i] <- (1 - d) x[i] + d x[i-1], a 2-tap fractional delay: a proxy of a chip
low-pass with that group delay, e.g. the MPU-6050's DLPF as ``firmware/mpu6.py`` configures
it, 4.8-8.5 ms = 0.44-0.60 output samples at 52-208 Hz, RM-MPU-6000A register 26 table).

``--part chip --seeds 28000-28002 --rates 52,104,208``: the validation family generated at each
rate with point sampling and through the LSM6DSOX sampling chain
(``generate(..., chip_filter="lsm6dsox")``, CHIP); the lead against the truth on an 8× grid.
``--part flexshift --chip-filter lsm6dsox``: flexshift on that chain's sessions.

``--part theory``: the same on a synthetic noiseless single-axis swing (gyro and accelerometer
exact at t_i), the strapdown step alone and VQF, to separate the integrator's lead from the rest.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from scipy import signal

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_orientation import BROAD, broad_trial, kyphos_pipeline, quat_mul  # noqa: E402
from kyphos.processing.orientation import orientation_offline  # noqa: E402

GRID = np.round(np.arange(-1.5, 1.5001, 0.02), 4)


def _nlerp_at(q: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Quaternions of ``q`` (N, 4) at fractional row indices ``idx`` (NaN outside)."""
    n = len(q)
    i0 = np.floor(idx).astype(int)
    f = (idx - i0)[:, None]
    ok = (i0 >= 0) & (i0 + 1 < n)
    i0c = np.clip(i0, 0, n - 2)
    a, b = q[i0c], q[i0c + 1]
    b = b * np.where(np.sum(a * b, axis=1) < 0, -1.0, 1.0)[:, None]
    m = (1 - f) * a + f * b
    m /= np.linalg.norm(m, axis=1, keepdims=True)
    m[~ok] = np.nan
    return m


def incl_err(q_est: np.ndarray, q_true: np.ndarray) -> np.ndarray:
    e = quat_mul(q_est, q_true * np.array([1, -1, -1, -1]))
    w, z = e[:, 0], e[:, 3]
    return np.arccos(np.clip(np.sqrt(w * w + z * z), 0, 1)) * 2


def rmse_at(q_est: np.ndarray, q_nat: np.ndarray, keep: np.ndarray, k: int, lead: float,
            mask: np.ndarray) -> float:
    qt = _nlerp_at(q_nat, keep + lead * k)
    e = incl_err(q_est, qt)
    ok = mask & np.isfinite(e)
    return float(np.degrees(np.sqrt(np.mean(e[ok] ** 2))))


def best_lead(q_est: np.ndarray, q_nat: np.ndarray, keep: np.ndarray, k: int,
              mask: np.ndarray) -> tuple[float, float, float, float]:
    """(lead in decimated samples, RMSE at the lead, RMSE at 0, RMSE at 0.5)."""
    r = np.array([rmse_at(q_est, q_nat, keep, k, float(g), mask) for g in GRID])
    i = int(np.clip(np.argmin(r), 1, len(GRID) - 2))
    y0, y1, y2 = r[i - 1 : i + 2]
    den = y0 - 2 * y1 + y2
    off = 0.5 * (y0 - y2) / den if den > 0 else 0.0
    lead = float(GRID[i] + off * (GRID[1] - GRID[0]))
    return lead, float(r.min()), rmse_at(q_est, q_nat, keep, k, 0.0, mask), \
        rmse_at(q_est, q_nat, keep, k, 0.5, mask)


def decimate(x: np.ndarray, k: int, model: str, fs_out: float) -> tuple[np.ndarray, np.ndarray]:
    """(decimated rows, native index each row stands at)."""
    n = len(x)
    if k == 1:
        return x.copy(), np.arange(n, dtype=float)
    keep = np.arange(k - 1, n, k)
    if model == "point":
        return x[keep].copy(), keep.astype(float)
    if model == "box":
        c = np.cumsum(np.vstack([np.zeros((1, x.shape[1])), x]), axis=0)
        return (c[keep + 1] - c[keep + 1 - k]) / k, keep.astype(float)
    if model == "zp":
        y = signal.decimate(x, k, ftype="fir", axis=0, zero_phase=True)
        idx = np.arange(len(y)) * k
        return y, idx.astype(float)
    if model == "iir":
        b, a = signal.butter(2, 0.25 * fs_out, fs=fs_out * k)
        zi = signal.lfilter_zi(b, a)[:, None] * x[:1]
        y, _ = signal.lfilter(b, a, x, axis=0, zi=zi)
        return y[keep], keep.astype(float)
    raise ValueError(model)


def run_case(name: str, gyr: np.ndarray, acc: np.ndarray, q_nat: np.ndarray, mov: np.ndarray,
             fs: float, ks: list[int], models: list[str], methods: list[str],
             rows: list[dict]) -> None:
    for k in ks:
        for model in (["native"] if k == 1 else models):
            fs_out = fs / k
            g, keep = decimate(gyr, k, model, fs_out)
            a, _ = decimate(acc, k, model, fs_out)
            m = mov[np.round(keep).astype(int)]
            for meth in methods:
                q = kyphos_pipeline(g, a, fs_out) if meth == "kyphos" else orientation_offline(g, a, fs_out)
                lead, rbest, r0, r5 = best_lead(q, q_nat, keep, k, m)
                row = {"case": name, "k": k, "fs": fs_out, "model": model, "method": meth,
                       "lead": lead, "rmse_best": rbest, "rmse0": r0, "rmse05": r5}
                rows.append(row)
                print(f"{name:42s} {fs_out:7.1f} {model:6s} {meth:6s} lead {lead:+.3f} smp "
                      f"RMSE@0 {r0:.3f} @0.5 {r5:.3f} best {rbest:.3f}", flush=True)


def summary(rows: list[dict]) -> None:
    print("\nmean over cases (lead in output samples; RMSE deg, mean of per-case):")
    keys = sorted({(r["k"], r["model"], r["method"]) for r in rows})
    for k, model, meth in keys:
        sel = [r for r in rows if (r["k"], r["model"], r["method"]) == (k, model, meth)]
        ld = np.array([r["lead"] for r in sel])
        print(f"  k {k} ({sel[0]['fs']:.1f} Hz) {model:6s} {meth:6s} n {len(sel):2d} lead mean "
              f"{ld.mean():+.3f} (SD {ld.std():.3f}, min {ld.min():+.3f}, max {ld.max():+.3f}) "
              f"RMSE@0 {np.mean([r['rmse0'] for r in sel]):.3f} @0.5 "
              f"{np.mean([r['rmse05'] for r in sel]):.3f} best "
              f"{np.mean([r['rmse_best'] for r in sel]):.3f}")


def part_broad(args: argparse.Namespace, rows: list[dict]) -> None:
    files = sorted(BROAD.glob("*.mat"))
    if args.trials == "undisturbed":
        files = [f for f in files if "undisturbed" in f.stem]
    for f in files:
        gyr, acc, q, mov, fs = broad_trial(f)
        run_case(f.stem, gyr, acc, q, mov, fs, [1, 3, 5], args.models, args.methods, rows)


def _seeds(s: str) -> list[int]:
    """The seeds ``s`` ("100-102,28000"), refusing ``validate_analysis.HELD_OUT_FROM`` and on
    (held out) for either family."""
    from validate_analysis import development_seeds

    return development_seeds(s, "validation")

def part_sim(args: argparse.Namespace, rows: list[dict]) -> None:
    from kyphos.sim.scenario import random_lift_session, simulate

    for s in _seeds(args.seeds):
        res = simulate(random_lift_session(s, fs=args.native), seed=s)
        q = np.asarray(res.truth.sensor_quat, float)
        mov = np.ones(len(q), bool)
        run_case(f"sim {s} @{args.native:g}", res.gyr, res.acc, q, mov, args.native,
                 [1, 2, 4, 8], args.models, args.methods, rows)


def part_validation(args: argparse.Namespace, rows: list[dict]) -> None:
    from kyphos.sim.validation.generate import evaluate, generate

    for s in _seeds(args.seeds):
        v = generate(s, args.native)
        q = evaluate(v.script, v.time).r_sensor.as_quat(scalar_first=True)
        mov = np.ones(len(q), bool)
        run_case(f"validation {s} @{args.native:g}", v.gyr, v.acc, q, mov, args.native,
                 [1, 2, 4, 8], args.models, args.methods, rows)


def part_chip(args: argparse.Namespace, rows: list[dict]) -> None:
    """The validation family generated at each of ``--rates`` through ``--chip-filter``'s
    sampling chain (``generate(..., chip_filter=...)``, CHIP) and with point sampling; the
    truth on the grid of 8 × the rate (output sample i at its row 8·i)."""
    from kyphos.sim.validation.generate import evaluate, generate

    k = 8
    for s in _seeds(args.seeds):
        for fs in [float(x) for x in args.rates.split(",")]:
            for chain in ("none", "lsm6dsox" if args.chip_filter == "none" else args.chip_filter):
                v = generate(s, fs, chip_filter=chain)
                t_nat = np.arange(len(v.time) * k) / (k * fs)
                q_nat = evaluate(v.script, t_nat).r_sensor.as_quat(scalar_first=True)
                keep = np.arange(len(v.time), dtype=float) * k
                mask = np.ones(len(v.time), bool)
                for meth in args.methods:
                    q = (kyphos_pipeline(v.gyr, v.acc, fs) if meth == "kyphos"
                         else orientation_offline(v.gyr, v.acc, fs))
                    lead, rbest, r0, r5 = best_lead(q, q_nat, keep, k, mask)
                    rows.append({"case": f"validation {s}", "k": int(round(416 / fs)), "fs": fs,
                                 "model": "point" if chain == "none" else chain[:6],
                                 "method": meth, "lead": lead, "rmse_best": rbest,
                                 "rmse0": r0, "rmse05": r5})
                    print(f"validation {s} {fs:7.1f} {chain:8s} {meth:6s} lead {lead:+.3f} smp "
                          f"RMSE@0 {r0:.3f} @0.5 {r5:.3f} best {rbest:.3f}", flush=True)


def part_theory(args: argparse.Namespace, rows: list[dict]) -> None:
    """A noiseless swing about x (40 deg, 0.5 Hz, 120 s) at 1040 Hz native, exact samples."""
    fs = 1040.0
    t = np.arange(0, 120, 1 / fs)
    th = np.radians(40) * np.sin(2 * np.pi * 0.5 * t) * np.clip(t / 10 - 1, 0, 1)
    thd = np.gradient(th, t)
    # sensor-to-earth: rotation by th about x; gravity in sensor frame
    q = np.column_stack([np.cos(th / 2), np.sin(th / 2), 0 * t, 0 * t])
    gyr = np.column_stack([thd, 0 * t, 0 * t])
    acc = 9.81 * np.column_stack([0 * t, np.sin(th), np.cos(th)])
    # the strapdown step alone (q_i = q_{i-1} ⊗ exp(ω_i dt), as VQF's gyro update)
    for k in (10, 20):
        g, keep = decimate(gyr, k, "point", fs / k)
        dt = k / fs
        ang = th[int(keep[0])] - g[0, 0] * dt + np.cumsum(g[:, 0]) * dt
        qs = np.column_stack([np.cos(ang / 2), np.sin(ang / 2), 0 * ang, 0 * ang])
        lead, rb, r0, r5 = best_lead(qs, q, keep, k, np.ones(len(keep), bool))
        print(f"strapdown only @{fs / k:.0f} Hz: lead {lead:+.3f} samples "
              f"RMSE@0 {r0:.3f} @0.5 {r5:.3f}")
    run_case("theory swing @1040", gyr, acc, q, np.ones(len(q), bool), fs, [10, 20],
             args.models, args.methods, rows)


def part_flexshift(args: argparse.Namespace, rows: list[dict]) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import validate_analysis as V
    from kyphos.analysis import analyze

    shifts = [float(x) for x in args.shifts.split(",")]
    rates = [float(x) for x in args.rates.split(",")]
    ss: dict[tuple[float, float], list[float]] = {}
    per: dict[tuple[int, float], list[float]] = {}
    for s in _seeds(args.seeds):
        for fs in rates:
            case = V.family_case(args.family, s, fs, True, 1.0, None, args.chip_filter)
            if args.chip_delay:
                d = args.chip_delay
                for x in (case.session.acc, case.session.gyr):
                    x[1:] = (1 - d) * x[1:] + d * x[:-1]
            ang = analyze(case.session, hip_height_m=None, style_drop="closed").angles
            v = ang.valid
            tt = ang.time[v]
            out = []
            for sh in shifts:
                e = np.degrees(ang.flexion[v] - np.interp(tt + sh / fs, case.time, case.flexion))
                acc = ss.setdefault((fs, sh), [0.0, 0.0])
                acc[0] += float(np.sum(e**2))
                acc[1] += len(e)
                out.append(float(np.sqrt(np.mean(e**2))))
            per[(s, fs)] = out
            print(f"{args.family} {s} @{fs:g}: flexion RMSE " + " ".join(
                f"s={sh:g} {r:.3f}" for sh, r in zip(shifts, out, strict=True)), flush=True)
    for fs in rates:
        print(f"@{fs:g} pooled: " + " ".join(
            f"s={sh:g} {np.sqrt(ss[(fs, sh)][0] / ss[(fs, sh)][1]):.3f}" for sh in shifts))
    for j, sh in enumerate(shifts[1:], 1):
        tot = [sum(ss[(fs, sh)][0] for fs in rates), sum(ss[(fs, sh)][1] for fs in rates)]
        d = np.array([per[k][j] - per[k][0] for k in per])
        print(f"s={sh:g}: all rates pooled {np.sqrt(tot[0] / tot[1]):.3f} (s=0 "
              f"{np.sqrt(sum(ss[(fs, 0.0)][0] for fs in rates) / sum(ss[(fs, 0.0)][1] for fs in rates)):.3f}); "
              f"session-rates better {int(np.sum(d < -0.005))}, worse {int(np.sum(d > 0.005))} of {len(d)}; "
              f"max worse {d.max():+.3f}, max better {d.min():+.3f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=["broad", "sim", "validation", "chip", "theory", "flexshift"],
                    required=True)
    ap.add_argument("--chip-filter", choices=["none", "lsm6dsox"], default="none",
                    help="the validation family's IMU sampling chain for --part flexshift "
                         "(default none: point sampling); --part chip compares it (lsm6dsox when "
                         "none) with point sampling")
    ap.add_argument("--trials", choices=["undisturbed", "all"], default="undisturbed")
    ap.add_argument("--seeds", default="100-102")
    ap.add_argument("--rates", default="52,104,208")
    ap.add_argument("--chip-delay", type=float, default=0.0)
    ap.add_argument("--shifts", default="0,0.25,0.5")
    ap.add_argument("--family", choices=["validation", "sim"], default="validation")
    ap.add_argument("--native", type=float, default=416.0)
    ap.add_argument("--models", default="point,box,zp,iir")
    ap.add_argument("--methods", default="kyphos,vqf")
    args = ap.parse_args(argv)
    args.models = args.models.split(",")
    args.methods = args.methods.split(",")
    rows: list[dict] = []
    t0 = time.perf_counter()
    {"broad": part_broad, "sim": part_sim, "validation": part_validation,
     "chip": part_chip, "theory": part_theory, "flexshift": part_flexshift}[args.part](args, rows)
    if rows:
        summary(rows)
    print(f"({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
