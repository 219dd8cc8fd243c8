"""Trace the flexion error of each lie (truth activity "lying") of validation sessions.

Usage:
    PYTHONPATH=$PWD/host .venv/bin/python bench/lying_trace.py --seeds 9020,9012,9016 --rates 104
    PYTHONPATH=$PWD/host .venv/bin/python bench/lying_trace.py --seeds 9000-9029 --rates 104 --worst 8

Per lying interval (a run of truth "lying" samples): how the person lies (``supine``, ``side+``
or ``side-``: the script's lumbar inclination and lateral lean in the middle of the lie), its
duration, the truth flexion and lateral angles (mean), our flexion (mean), the error's mean and
RMS, and what the error is made of (deg, each the mean over the lie):

* ``stage``: the analysis' flexion minus the pitch of R(q)·M with its own q and M;
* ``mount``: that pitch minus the pitch with the true mounting M (calibration, slip handling);
  split further into ``mz`` (the analysis' M turned by its error about body z only) and the
  rest (its tilt error);
* ``chip``: VQF on the chip's signals minus VQF on its error-free signals (true M both);
* ``vqf``: VQF on error-free signals minus the true sensor orientation (true M);
* ``wob``: the true sensor orientation with the true M minus the truth (soft-tissue wobble);
* ``fold``: the part of the error that is not linear in the tilt error of the body-frame up
  direction (the Z-Y-X pitch near ±90° reads a lateral error quadratically);
* oracles (the whole analysis re-run): ``off`` with the unit's true accelerometer offset
  removed from its samples, ``acc`` with offset, scale and misalignment removed: the lie's mean
  error then.

Also per session: the truth slip, the re-references, the offset estimate's error (mg, sensor
axes) and the unit's true offset.

Validation seeds (validate_analysis.HELD_OUT_FROM and on) are refused (held out).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))


def _lie_runs(act: np.ndarray) -> list[tuple[int, int]]:
    on = np.r_[0, (act == "lying").astype(np.int8), 0]
    d = np.diff(on)
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist(), strict=True))


def _up_b(flex: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Earth up in body coordinates for Z-Y-X angles (flex, lat)."""
    return np.column_stack([-np.sin(flex), np.cos(flex) * np.sin(lat), np.cos(flex) * np.cos(lat)])


def _up_of(q: np.ndarray, m: np.ndarray) -> np.ndarray:
    w, x, y, z = q.T
    up_s = np.column_stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)])
    return up_s @ m if m.ndim == 2 else np.einsum("nij,ni->nj", m, up_s)


def _flex(q: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Flexion (rad) of R(q)·M as the analysis reads it (``angles.euler_from_quat``: of the two
    Z-Y-X solutions the one with the smaller |flex| + |lat|, so past ±90° too); ``m`` (3, 3)
    or (N, 3, 3)."""
    b20, b21, b22 = _up_of(q, m).T  # the third row of R(q)·M
    flex = np.arctan2(-b20, np.hypot(b21, b22))
    lat = np.arctan2(b21, b22)
    alt = np.abs(flex) + np.abs(lat) > np.pi
    flex[alt] = np.sign(-b20[alt]) * np.pi - flex[alt]
    return flex


def _flex_errors(v: Any, a: Any, ok: np.ndarray) -> dict[str, np.ndarray]:
    """Per scored sample of ``ok`` rows: the error and its components (rad)."""
    from flexion_budget import _m_per_sample, _true_m
    from kyphos.processing.orientation import orientation_offline
    from kyphos.sim.validation.generate import evaluate

    ang, tr = a.angles, v.truth
    t = ang.time[ok]
    truth = np.interp(t, tr.time, tr.flexion)
    lat_t = np.interp(t, tr.time, tr.lateral)
    m_an = _m_per_sample(a, len(ang.time))[ok]
    m_true = _true_m(v.script, t, wobble=False)
    q = a.quat[ok]
    q_clean = orientation_offline(v.gyr_true, v.acc_true, v.fs)
    q_clean = q_clean[np.clip(np.searchsorted(v.time, t), 0, len(v.time) - 1)]
    q_true = evaluate(v.script, t).r_sensor.as_quat(scalar_first=True)
    # the analysis' M with only its turn about body z wrong: the true M turned by that turn
    d = np.einsum("nji,njk->nik", m_true, m_an)  # M_trueᵀ·M_an: the error in body coords
    yaw = np.arctan2(d[:, 1, 0] - d[:, 0, 1], d[:, 0, 0] + d[:, 1, 1])
    c, s = np.cos(yaw), np.sin(yaw)
    rz = np.zeros((len(t), 3, 3))
    rz[:, 0, 0], rz[:, 0, 1], rz[:, 1, 0], rz[:, 1, 1], rz[:, 2, 2] = c, -s, s, c, 1.0
    m_z = np.einsum("nij,njk->nik", m_true, rz)
    f_own = _flex(q, m_an)
    f_tm = _flex(q, m_true)
    f_mz = _flex(q, m_z)
    f_clean = _flex(q_clean, m_true)
    f_trs = _flex(q_true, m_true)
    e = ang.flexion[ok] - truth
    # the linear part: the body-frame up direction's error along d(up)/d(flexion)
    up_est = _up_of(q, m_an)
    up_tru = _up_b(truth, lat_t)
    dfl = np.column_stack([-np.cos(truth), -np.sin(truth) * np.sin(lat_t),
                           -np.sin(truth) * np.cos(lat_t)])
    lin = np.einsum("ni,ni->n", up_est - up_tru, dfl)
    dla = np.column_stack([np.zeros(len(t)), np.cos(lat_t), -np.sin(lat_t)])  # d(up)/d(lat)/cos f
    return {"t": t, "truth": truth, "lat": lat_t, "ours": ang.flexion[ok], "err": e,
            "stage": ang.flexion[ok] - f_own, "mount": f_own - f_tm, "mz": f_mz - f_tm,
            "chip": f_tm - f_clean, "vqf": f_clean - f_trs, "wob": f_trs - truth,
            "fold": (f_own - truth) - lin, "ltilt": np.einsum("ni,ni->n", up_est - up_tru, dla),
            "tilt": np.arccos(np.clip(
                np.einsum("ni,ni->n", up_est, up_tru) / np.linalg.norm(up_est, axis=1), -1, 1))}


def trace(job: tuple[int, float, bool]) -> dict[str, Any]:
    from kyphos.analysis import analyze
    from kyphos.sim.validation import generate

    seed, fs, oracles = job
    v = generate(seed, fs)
    a = analyze(v.to_session())
    ang, tr = a.angles, v.truth
    ok = np.flatnonzero(ang.valid & np.isfinite(ang.flexion))
    act = tr.activity_names[np.clip(np.searchsorted(tr.time, ang.time[ok]), 0, len(tr.time) - 1)]
    comp = _flex_errors(v, a, ok)
    orc: dict[str, np.ndarray] = {}
    if oracles:
        u = v.unit
        for name, acc in (("off", v.acc - u.acc_bias),
                          ("acc", (v.acc - u.acc_bias) @ np.linalg.inv(u.acc_gain).T)):
            ses = v.to_session()
            ses.acc = acc
            ao = analyze(ses)
            fo = np.interp(ang.time[ok], ao.angles.time, ao.angles.flexion)
            orc[name] = fo - comp["truth"]
    rr = [x.t_s for x in a.re_references if x.t_s > 0]
    lies = []
    for r0, r1 in _lie_runs(act):
        tm = 0.5 * (comp["t"][r0] + comp["t"][r1 - 1])
        pel = float(np.degrees(v.script.tracks["pel"].at(np.array([tm]))[0]))
        lam = float(np.degrees(v.script.tracks["lam"].at(np.array([tm]))[0]))
        kind = "supine" if abs(pel) > 45 else ("side+" if lam > 0 else "side-")
        sl = slice(r0, r1)
        row = {"t0": float(comp["t"][r0]), "dur": float(comp["t"][r1 - 1] - comp["t"][r0]),
               "kind": kind, "pel": pel, "lam": lam,
               "truth": float(np.degrees(np.mean(comp["truth"][sl]))),
               "lat": float(np.degrees(np.mean(comp["lat"][sl]))),
               "ours": float(np.degrees(np.mean(comp["ours"][sl]))),
               "rms": float(np.degrees(np.sqrt(np.mean(comp["err"][sl] ** 2)))),
               "sq": float(np.sum(np.degrees(comp["err"][sl]) ** 2)), "n": r1 - r0,
               "tilt": float(np.degrees(np.mean(comp["tilt"][sl]))),
               # the lie lies between the truth slip and the re-reference nearest to it
               "slipwin": any(min(c.t, near) - 1.0 < comp["t"][r1 - 1] and comp["t"][r0]
                              < max(c.t, near) for c in tr.clip_slips
                              for near in [min(rr, key=lambda x: abs(x - c.t), default=1e9)])}
        for k in ("err", "stage", "mount", "mz", "chip", "vqf", "wob", "fold", "ltilt"):
            row[k] = float(np.degrees(np.mean(comp[k][sl])))
        for k, e in orc.items():
            row[k] = float(np.degrees(np.mean(e[sl])))
            row[k + "_sq"] = float(np.sum(np.degrees(e[sl]) ** 2))
        lies.append(row)
    n_all = len(comp["err"])
    lie = act == "lying"
    return {"seed": seed, "fs": fs, "lies": lies,
            "sq": float(np.sum(np.degrees(comp["err"]) ** 2)), "n": n_all,
            "sq_up": float(np.sum(np.degrees(comp["err"][~lie]) ** 2)), "n_up": int(np.sum(~lie)),
            "slip": [(round(c.t, 1), round(c.deg, 1)) for c in tr.clip_slips],
            "rerefs": [(round(x.t_s, 1), round(x.deg, 1), x.why) for x in a.re_references
                       if x.t_s > 0],
            "bias_err_mg": np.round((a.calibration.acc_bias - v.unit.acc_bias) / 9.80665e-3,
                                    1).tolist(),
            "bias_mg": np.round(v.unit.acc_bias / 9.80665e-3, 1).tolist()}


def report(rows: list[dict[str, Any]], worst: int) -> None:
    rows = sorted(rows, key=lambda r: -sum(x["sq"] for x in r["lies"]) / max(r["n"], 1))
    keys = ("err", "stage", "mount", "mz", "chip", "vqf", "wob", "fold", "ltilt")
    for r in rows[:worst]:
        print(f"\nseed {r['seed']} fs {r['fs']:g}: RMSE {np.sqrt(r['sq'] / r['n']):.2f} (not lying "
              f"{np.sqrt(r['sq_up'] / r['n_up']):.2f}); slip {r['slip']}; re-refs {r['rerefs']}; "
              f"acc offset {r['bias_mg']} mg, estimate's error {r['bias_err_mg']} mg")
        for x in r["lies"]:
            orc = "".join(f" {k} {x[k]:+.2f}" for k in ("off", "acc") if k in x)
            print(f"  lie {x['t0']:6.1f} s {x['dur']:4.0f} s {x['kind']:6s} (pel {x['pel']:+.0f} "
                  f"lam {x['lam']:+.0f}) truth {x['truth']:+7.2f} lat {x['lat']:+7.2f} ours "
                  f"{x['ours']:+7.2f}{' SLIPWIN' if x['slipwin'] else ''}  rms {x['rms']:5.2f} tilt {x['tilt']:4.2f} | "
                  + " ".join(f"{k} {x[k]:+.2f}" for k in keys) + " |" + orc)
    lies = [x for r in rows for x in r["lies"]]
    n_all = sum(r["n"] for r in rows)
    sq_all = sum(r["sq"] for r in rows)
    print(f"\n{len(rows)} sessions, {len(lies)} lies; pooled flexion RMSE {np.sqrt(sq_all / n_all):.3f}"
          f", not lying {np.sqrt(sum(r['sq_up'] for r in rows) / sum(r['n_up'] for r in rows)):.3f}")
    sq_lie = sum(x["sq"] for x in lies)
    n_lie = sum(x["n"] for x in lies)
    print(f"lying: {n_lie} samples, RMS {np.sqrt(sq_lie / max(n_lie, 1)):.2f}; pooled with every lie's "
          f"error zeroed {np.sqrt((sq_all - sq_lie) / n_all):.3f}")
    for kind in ("slip window", "supine", "side+", "side-"):
        sel = [x for x in lies if (x["slipwin"] if kind == "slip window"
                                   else x["kind"] == kind and not x["slipwin"])]
        if not sel:
            continue
        n = sum(x["n"] for x in sel)
        sq = sum(x["sq"] for x in sel)
        line = (f"  {kind:11s} {len(sel):3d} lies, RMS {np.sqrt(sq / n):.2f}, "
                f"{100 * sq / max(sq_lie, 1e-12):3.0f} % of lying's squared error")
        line += "; mean |mean| " + " ".join(
            f"{k} {np.mean([abs(x[k]) for x in sel]):.2f}" for k in keys)
        for k in ("off", "acc"):
            if k in sel[0]:
                line += f"; {k} RMS {np.sqrt(sum(x[k + '_sq'] for x in sel) / n):.2f}"
        print(line)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="9020,9012,9016")
    ap.add_argument("--rates", default="104")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--worst", type=int, default=100, help="sessions printed, worst lying first")
    ap.add_argument("--no-oracles", action="store_true", help="skip the two re-runs")
    args = ap.parse_args(argv[1:])
    from validate_analysis import development_seeds, run_jobs

    seeds = development_seeds(args.seeds)
    jobs = [(s, float(fs), not args.no_oracles) for fs in args.rates.split(",") for s in seeds]
    report(run_jobs(trace, jobs, args.jobs), args.worst)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
