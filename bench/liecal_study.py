"""Lying flexion error per lie against the calibration's turn about body z, the offset fit's error
along body y, and the lie's posture (LIECAL, eleventh session).

For each lie (run of truth "lying" samples) of validation development sessions (seeds from validate_analysis.HELD_OUT_FROM on
are refused) this prints, besides ``lying_trace.py``'s split of the lie's mean error:

* ``pos``: supine / side+ / side- (the script's lumbar inclination and lean); ``when``: before
  the truth slip, after it, or in the slip window (truth slip -> nearest re-reference);
  ``handled``: a re-reference within 1 s of the slip;
* ``cal_z``: the calibration's own turn about body z against the true mounting (deg, the
  guided bend's sagittal axis); ``lie_z``: the same for the mounting in force during the lie
  (after a slip: the slip's stretch, which starts from the calibration's bends);
* ``ey``: the offset fit's error along body y, as a tilt (deg, ``asin(err / g)``);
  ``ex``, ``ez`` likewise;
* ``ltilt``: the lie's mean lateral error of the body-frame up direction (deg; ``lying_trace``);
* ``pole``: the error the Z-Y-X pitch gives for that lateral error at the lie's true distance
  ``d`` from the pole, ``hypot(d, ltilt) - d`` (supine only; 0 for side lies);
* ``off``: the lie's mean error with the unit's true accelerometer offset removed before the
  analysis (oracle, one re-run; ``--no-oracle`` skips it).

The summary fits ``ltilt ~ a * ey + b * lie_z`` over supine lies (least squares, R^2) and says
how much of lying's squared error ``pole`` and the ``off`` oracle account for, per group.

    PYTHONPATH=$PWD/host .venv/bin/python bench/liecal_study.py --seeds 12001-12030 --rates 104 \
        --json /tmp/liecal/12k.jsonl
    .venv/bin/python bench/liecal_study.py --summary /tmp/liecal/12k.jsonl

Measured at 4b72c6e, 104 Hz, on 12001-12030, 6000-8029 and 9000-11029 (210 sessions, one lie
each; rows in /work/handoff/LIECAL_lies_104.jsonl): 120 supine lies outside the slip window,
lie mean error RMS 1.23 deg; their lateral tilt ltilt = -0.98 ey - 0.96 lie_z (R^2 0.952) and its
pole reading leaves 0.43 deg; the calibration's own turn follows the offset error (corr(cal_z,
ey) +0.77, slope +0.55 ~ tan(th/2)), so the two add. 12029 / 12015 / 12019: +2.87 / +3.25 / +2.75
deg, true body-y offsets +41 / -53 / +50 mg, the fit's error there -2.2 / +2.8 / -2.7 deg of tilt,
with the true offset removed +0.26 / +0.25 / +0.06 deg.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))

G = 9.80665


def _yaw_deg(m_true: np.ndarray, m_an: np.ndarray) -> float:
    """Turn about body z of ``m_an`` against ``m_true`` (deg; both sensor-from-body)."""
    d = m_true.T @ m_an
    return float(np.degrees(np.arctan2(d[1, 0] - d[0, 1], d[0, 0] + d[1, 1])))


def study(job: tuple[int, float, bool]) -> dict[str, Any]:
    from flexion_budget import _m_per_sample, _true_m
    from kyphos.analysis import analyze
    from kyphos.sim.validation import generate
    from lying_trace import _flex_errors, _lie_runs

    seed, fs, oracle = job
    v = generate(seed, fs)
    a = analyze(v.to_session())
    ang, tr = a.angles, v.truth
    ok = np.flatnonzero(ang.valid & np.isfinite(ang.flexion))
    act = tr.activity_names[np.clip(np.searchsorted(tr.time, ang.time[ok]), 0, len(tr.time) - 1)]
    comp = _flex_errors(v, a, ok)
    off = None
    if oracle:
        ses = v.to_session()
        ses.acc = v.acc - v.unit.acc_bias
        ao = analyze(ses)
        off = np.interp(ang.time[ok], ao.angles.time, ao.angles.flexion) - comp["truth"]
    m_cal = np.asarray(a.calibration.sensor_from_body)
    m_true0 = _true_m(v.script, np.array([0.0]), wobble=False)[0]
    cal_z = _yaw_deg(m_true0, m_cal)
    eb = (np.asarray(a.calibration.acc_bias) - v.unit.acc_bias) @ m_cal  # body axes, m/s^2
    e_deg = np.degrees(np.arcsin(np.clip(eb / G, -1, 1)))
    m_an = _m_per_sample(a, len(ang.time))[ok]
    rr = [x.t_s for x in a.re_references if x.t_s > 0]
    slips = [float(c.t) for c in tr.clip_slips]
    near = [min(rr, key=lambda x: abs(x - s), default=1e9) for s in slips]
    lies = []
    for r0, r1 in _lie_runs(act):
        t0, t1 = float(comp["t"][r0]), float(comp["t"][r1 - 1])
        tm = 0.5 * (t0 + t1)
        pel = float(np.degrees(v.script.tracks["pel"].at(np.array([tm]))[0]))
        lam = float(np.degrees(v.script.tracks["lam"].at(np.array([tm]))[0]))
        pos = "supine" if abs(pel) > 45 else ("side+" if lam > 0 else "side-")
        win = any(min(s, n) - 1.0 < t1 and t0 < max(s, n) for s, n in zip(slips, near, strict=True))
        when = "slipwin" if win else ("after" if any(s < t0 for s in slips) else "before")
        sl = slice(r0, r1)
        im = (r0 + r1) // 2
        lie_z = _yaw_deg(_true_m(v.script, np.array([comp["t"][im]]), wobble=False)[0], m_an[im])
        truth = float(np.degrees(np.mean(comp["truth"][sl])))
        ltilt = float(np.degrees(np.mean(comp["ltilt"][sl])))
        d = 90.0 - abs(truth)
        row = {"seed": seed, "fs": fs, "t0": t0, "dur": t1 - t0, "pos": pos, "when": when,
               "handled": bool(slips) and all(abs(n - s) < 1.0 for s, n in zip(slips, near,
                                                                                  strict=True)),
               "truth": truth, "n": r1 - r0,
               "err": float(np.degrees(np.mean(comp["err"][sl]))),
               "sq": float(np.sum(np.degrees(comp["err"][sl]) ** 2)),
               "cal_z": cal_z, "lie_z": lie_z, "ex": float(e_deg[0]), "ey": float(e_deg[1]),
               "ez": float(e_deg[2]), "ltilt": ltilt,
               "pole": float(np.hypot(d, ltilt) - d) if pos == "supine" else 0.0,
               "true_y_mg": float((v.unit.acc_bias @ m_cal)[1] / G * 1e3)}
        for k in ("mount", "mz", "chip", "fold"):
            row[k] = float(np.degrees(np.mean(comp[k][sl])))
        if off is not None:
            row["off"] = float(np.degrees(np.mean(off[sl])))
            row["off_sq"] = float(np.sum(np.degrees(off[sl]) ** 2))
        lies.append(row)
    lie = act == "lying"
    return {"seed": seed, "fs": fs, "lies": lies, "n": len(ok),
            "sq": float(np.sum(np.degrees(comp["err"]) ** 2)),
            "sq_up": float(np.sum(np.degrees(comp["err"][~lie]) ** 2))}


def summary(rows: list[dict[str, Any]]) -> None:
    lies = sorted((x for r in rows for x in r["lies"]), key=lambda x: -x["sq"])
    n_all = sum(r["n"] for r in rows)
    sq_all = sum(r["sq"] for r in rows)
    sq_lie = sum(x["sq"] for x in lies)
    print(f"{len(rows)} sessions, {len(lies)} lies; pooled flexion {np.sqrt(sq_all / n_all):.3f}, "
          f"lies zeroed {np.sqrt((sq_all - sq_lie) / n_all):.3f}; lying RMS "
          f"{np.sqrt(sq_lie / max(sum(x['n'] for x in lies), 1)):.2f}")
    print("seed     fs  pos    when    hand  err    off   | cal_z  lie_z  ey     ex     ltilt  "
          "pole  | mz     chip   (deg)  true y mg")
    for x in lies[:40]:
        o = f"{x['off']:+5.2f}" if "off" in x else "  -  "
        print(f"{x['seed']:6d} {x['fs']:4.0f}  {x['pos']:6s} {x['when']:7s} {str(x['handled'])[0]}  "
              f"{x['err']:+5.2f} {o} | {x['cal_z']:+5.2f} {x['lie_z']:+5.2f} {x['ey']:+5.2f} "
              f"{x['ex']:+5.2f} {x['ltilt']:+5.2f} {x['pole']:+5.2f} | {x['mz']:+5.2f} "
              f"{x['chip']:+5.2f}        {x['true_y_mg']:+6.1f}")
    groups = {"supine, not slip window": lambda x: x["pos"] == "supine" and x["when"] != "slipwin",
              "side, not slip window": lambda x: x["pos"] != "supine" and x["when"] != "slipwin",
              "slip window": lambda x: x["when"] == "slipwin",
              "supine, before the slip": lambda x: x["pos"] == "supine" and x["when"] == "before",
              "supine, after a handled slip": lambda x: x["pos"] == "supine"
              and x["when"] == "after" and x["handled"],
              "  of them the slip's turn right": lambda x: x["pos"] == "supine"
              and x["when"] == "after" and x["handled"] and abs(x["lie_z"] - x["cal_z"]) < 0.5,
              "supine, outside the slip window, the slip's turn right (<0.5 deg)":
              lambda x: x["pos"] == "supine" and x["when"] != "slipwin"
              and abs(x["lie_z"] - x["cal_z"]) < 0.5}
    for name, f in groups.items():
        sel = [x for x in lies if f(x)]
        if not sel:
            continue
        n = sum(x["n"] for x in sel)
        sq = sum(x["sq"] for x in sel)
        line = (f"{name:30s} {len(sel):3d} lies, RMS {np.sqrt(sq / n):.2f}, "
                f"{100 * sq / max(sq_lie, 1e-12):3.0f} % of lying's sq. error; mean err "
                f"{np.average([x['err'] for x in sel], weights=[x['n'] for x in sel]):+.2f}; "
                f"RMS |cal_z| {np.sqrt(np.mean([x['cal_z'] ** 2 for x in sel])):.2f} "
                f"|lie_z| {np.sqrt(np.mean([x['lie_z'] ** 2 for x in sel])):.2f} "
                f"|ey| {np.sqrt(np.mean([x['ey'] ** 2 for x in sel])):.2f}")
        if all("off" in x for x in sel):
            line += f"; off-oracle RMS {np.sqrt(sum(x['off_sq'] for x in sel) / n):.2f}"
        print(line)
        if all(x["pos"] == "supine" for x in sel):
            # the lie's mean error with a part of its lateral tilt taken out, read at the pole
            # (ltilt ~ -(ey + lie_z), the fit below): the error the rest would leave
            w = np.array([x["n"] for x in sel])
            e = np.array([x["err"] for x in sel])
            d = 90.0 - np.abs([x["truth"] for x in sel])
            lt = np.array([x["ltilt"] for x in sel])
            ey = np.array([x["ey"] for x in sel])
            lz = np.array([x["lie_z"] for x in sel])
            pole = np.hypot(d, lt) - d
            parts = {"no ey": lt + ey, "no lie_z": lt + lz, "neither": lt + ey + lz}
            print("      lie mean error RMS " + f"{np.sqrt(np.average(e ** 2, weights=w)):.2f}; "
                  + "; ".join(f"{k} {np.sqrt(np.average((e - pole + np.hypot(d, v) - d) ** 2, weights=w)):.2f}"
                              for k, v in parts.items()))
    sup_all = [x for x in lies if x["pos"] == "supine" and x["when"] != "slipwin"]
    if sup_all and all("off" in x for x in sup_all):
        sq_off = sq_all - sum(x["sq"] for x in sup_all) + sum(x["off_sq"] for x in sup_all)
        print(f"pooled flexion with every supine lie outside the slip window at the true-offset "
              f"oracle: {np.sqrt(sq_all / n_all):.3f} -> {np.sqrt(sq_off / n_all):.3f}")
    if len(lies) >= 3:  # the calibration's turn about z is made by the same unseen offset
        cz = np.array([x["cal_z"] for x in lies])
        ey_all = np.array([x["ey"] for x in lies])
        print(f"all lies: corr(cal_z, ey) {np.corrcoef(cz, ey_all)[0, 1]:+.3f}, slope "
              f"{np.polyfit(ey_all, cz, 1)[0]:+.2f} (tan(th/2) of the guided bend), same sign "
              f"{int(np.sum(np.sign(cz) == np.sign(ey_all)))}/{len(lies)}")
    sup = [x for x in lies if x["pos"] == "supine" and x["when"] != "slipwin"]
    if len(sup) >= 3:
        X = np.array([[x["ey"], x["lie_z"]] for x in sup])
        y = np.array([x["ltilt"] for x in sup])
        coef, *_ = np.linalg.lstsq(X, y, rcond=None)
        r2 = 1 - np.sum((y - X @ coef) ** 2) / np.sum((y - y.mean()) ** 2)
        print(f"supine lies outside the slip window: ltilt = {coef[0]:+.2f} * ey {coef[1]:+.2f} * "
              f"lie_z  (R^2 {r2:.3f}, n {len(sup)})")
        for k in ("ey", "lie_z"):
            c = np.corrcoef([x[k] for x in sup], y)[0, 1]
            print(f"  corr(ltilt, {k}) {c:+.3f}")
        e = np.array([x["err"] for x in sup])
        p = np.array([x["pole"] for x in sup])
        w = np.array([x["n"] for x in sup])
        print(f"  mean error explained by the pole reading of ltilt: RMS of (err - pole) "
              f"{np.sqrt(np.average((e - p) ** 2, weights=w)):.2f} against RMS err "
              f"{np.sqrt(np.average(e ** 2, weights=w)):.2f}")
        for nm, col in (("ey alone", 0), ("lie_z alone", 1)):
            lt = X[:, col] * coef[col]
            d = 90.0 - np.abs([x["truth"] for x in sup])
            pp = np.hypot(d, lt) - d
            print(f"  pole reading of {nm} (fitted part): RMS of (err - it) "
                  f"{np.sqrt(np.average((e - pp) ** 2, weights=w)):.2f}")


def model_table(eps_mg: float = 50.0) -> None:
    """The mechanism on a synthetic unit: an offset ``eps`` along body y the fit left, a guided
    bend of ``th`` read with ``calibration.frame_from_axes`` / the cross product of the two up
    directions (both carry the offset), then postures read through that frame. The lie's lateral
    error is ``eps * (1 + tan(th / 2))`` (supine lies on the other side of upright from the
    bend, so the calibration's turn about z adds to the offset's own tilt), read at the pole as
    ``hypot(d, L) - d`` of flexion (d = 2 deg from the pole)."""
    from kyphos.processing.calibration import frame_from_axes

    e = eps_mg * 1e-3

    def up(f: float) -> np.ndarray:
        return np.array([-np.sin(f), 0.0, np.cos(f)])

    print(f"offset along body y {eps_mg:.0f} mg = {np.degrees(np.arcsin(e)):.2f} deg of tilt")
    for th_deg in (45.0, 60.0, 75.0, 90.0):
        th = np.radians(th_deg)
        ua, ub = up(0.0) + [0, e, 0], up(th) + [0, e, 0]
        ua, ub = ua / np.linalg.norm(ua), ub / np.linalg.norm(ub)
        c = np.cross(ub, ua)
        m = frame_from_axes(ua, c / np.linalg.norm(c))
        out = []
        for f_deg in (-88.0, th_deg, 30.0):
            u = up(np.radians(f_deg)) + [0, e, 0]
            b = (u / np.linalg.norm(u)) @ m
            fl = np.degrees(np.arctan2(-b[0], np.hypot(b[1], b[2])))
            out.append(f"{f_deg:+4.0f}: flex err {fl - f_deg:+5.2f} lat tilt "
                       f"{np.degrees(np.arcsin(b[1])):+5.2f}")
        lt = np.degrees(np.arcsin(e)) * (1 + np.tan(th / 2))
        print(f"bend {th_deg:3.0f}: turn about z {np.degrees(np.arcsin(e)) * np.tan(th / 2):+5.2f}"
              f" | " + " | ".join(out) + f" | eps(1+tan(th/2)) {lt:.2f}, pole "
              f"{np.hypot(2.0, lt) - 2.0:+.2f}")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="12029,12015,12019")
    ap.add_argument("--rates", default="104")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--no-oracle", action="store_true")
    ap.add_argument("--json", help="append one row per session (JSON lines)")
    ap.add_argument("--summary", nargs="+", help="only summarise these JSON-lines files")
    ap.add_argument("--model", action="store_true", help="only the synthetic mechanism table")
    args = ap.parse_args(argv[1:])
    if args.model:
        model_table()
        return 0
    if args.summary:
        rows = [json.loads(ln) for f in args.summary for ln in open(f) if ln.strip()]
        summary(rows)
        return 0
    from validate_analysis import development_seeds, run_jobs

    seeds = development_seeds(args.seeds)
    jobs = [(s, float(fs), not args.no_oracle) for fs in args.rates.split(",") for s in seeds]
    rows = run_jobs(study, jobs, args.jobs)
    if args.json:
        with open(args.json, "a") as fh:
            for r in rows:
                fh.write(json.dumps(r) + "\n")
    summary(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
