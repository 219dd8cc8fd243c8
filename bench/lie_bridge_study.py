"""Lies' inclination bridged from the upright by the gyro, one component at a time (study).

Usage:
    PYTHONPATH=$PWD/host .venv/bin/python bench/lie_bridge_study.py --seeds 9000-9029 --rates 104 --jobs 2

Why (bench/lying_trace.py): lying supine puts the body-frame up direction 2° from the pole
of the Z-Y-X flexion (truth −88°), where a *lateral* tilt error L is read as flexion
sqrt(2² + L²) − 2 (validation seed 9016: L 5.2° → +3.6°). The accelerometer's lateral error
there is its y offset, which the offset fit cannot see in a wearer who only lies on the back
(gravity never has a y component), plus misalignment. Across the lie-down the gyro carries the
upright's gravity into the lie; its error there is its own misalignment (σ 0.4° × ~90°
≈ 0.6°), which the pole reads only quadratically. LIE (lying_study ``bridge``) applied the whole
bridged correction and lost: along the other directions the gyro's scale / misalignment err as
much as the accelerometer.

Variants, applied after the shipped analysis to the orientation of each still lie (lying
study's ``lie_corrections``; gyro bias: the gyro's median over the analysis' still samples of
the lie and the upright posture bridged from), angles then recomputed as the analysis does:

* ``shipped``;
* ``full``: the whole bridged correction (LIE's);
* ``lat``: only the part that moves up along body y (the calibrated mounting's lateral axis);
* ``lat6``: ``lat`` with bridges that disagree by up to 6° kept (3° otherwise).

Scored against the truth on truth-lying samples and on the whole recording.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))

VARIANTS = ("shipped", "full", "lat", "lat6")


def _corrected(a: Any, variant: str) -> np.ndarray:
    import lying_study as ls
    from kyphos.processing import activity as act

    p = a.prepared
    q = a.quat.copy()
    if variant == "shipped":
        return q
    ls.MAX_CORR_DEG = 6.0 if variant.endswith("6") else 3.0
    still = a.activity.still & p.valid
    lying = a.activity.kind == act.KINDS.index("lying")
    # the gyro's offset: its median over still samples that are lying or within 30 s of a lie
    near = np.convolve(lying.astype(float), np.ones(int(60 * p.fs) + 1), "same") > 0
    sel = still & near
    if np.count_nonzero(sel) < p.fs:
        return q
    bias = np.broadcast_to(np.median(p.gyr[sel], axis=0), p.gyr.shape)
    corr = ls.lie_corrections(p.time, p.acc, p.gyr, bias, p.fs, p.valid)
    for c in corr:
        m = a.calibration.sensor_from_body
        for rr in a.re_references:
            if rr.index <= c.r0:
                m = rr.sensor_from_body
        if variant.startswith("lat"):
            y = m[:, 1]
            u = np.mean(ls._unit(p.acc[c.r0:c.r1]), axis=0)
            u /= np.linalg.norm(u)
            d = np.cross(c.rotvec, u)  # how far the correction moves up (small angles)
            c.rotvec = np.cross(u, (d @ y) * y)
    return ls.apply_corrections(q, corr)


def run(job: tuple[int, float]) -> dict[str, Any]:
    from kyphos.analysis import _angles_of, analyze
    from kyphos.processing import activity as act
    from kyphos.processing.orientation import walk_tilt
    from kyphos.sim.validation import generate

    seed, fs = job
    v = generate(seed, fs)
    a = analyze(v.to_session())
    p, tr = a.prepared, v.truth
    out: dict[str, Any] = {"seed": seed, "fs": fs}
    for name in VARIANTS:
        q = _corrected(a, name)
        qw = walk_tilt(q, p.gyr, p.acc, p.fs, p.segments,
                       a.activity.kind == act.KINDS.index("walking"), a.activity.still)
        ang = _angles_of(p, q if qw is None else qw, a.calibration, a.re_references)
        ok = ang.valid & np.isfinite(ang.flexion)
        if name == "shipped":
            assert np.allclose(ang.flexion[ok], a.angles.flexion[ok]), "replay differs"
        tt = ang.time[ok]
        e = np.degrees(ang.flexion[ok] - np.interp(tt, tr.time, tr.flexion))
        lie = tr.activity_names[np.clip(np.searchsorted(tr.time, tt), 0, len(tr.time) - 1)] \
            == "lying"
        out[name] = (float(np.sum(e[lie] ** 2)), int(lie.sum()), float(np.sum(e[~lie] ** 2)),
                     int((~lie).sum()))
    return out


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="9000-9029")
    ap.add_argument("--rates", default="104")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--per-seed", action="store_true")
    args = ap.parse_args(argv[1:])
    from lying_study import _rms
    from validate_analysis import development_seeds, run_jobs

    seeds = development_seeds(args.seeds)
    rows = run_jobs(run, [(s, float(fs)) for fs in args.rates.split(",") for s in seeds], args.jobs)
    if args.per_seed:
        for r in rows:
            print(f"seed {r['seed']:5d} fs {r['fs']:4.0f} lying RMSE " + "  ".join(
                f"{k} {np.sqrt(r[k][0] / r[k][1]) if r[k][1] else float('nan'):.2f}"
                for k in VARIANTS))
    print(f"seeds {args.seeds}, rates {args.rates}: flexion RMSE, deg (pooled)")
    print(f"{'variant':10s} {'all':>7s} {'lying':>7s} {'not lying':>9s}")
    for k in VARIANTS:
        print(f"{k:10s} {_rms(rows, k, 'all'):7.3f} {_rms(rows, k, 'lie'):7.3f} "
              f"{_rms(rows, k, 'up'):9.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
