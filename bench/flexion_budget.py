"""Error budget of the trunk flexion on the validation family (issue 15, "flexion RMSE").

Usage:
    .venv/bin/python bench/flexion_budget.py --seeds 1000-1009 --rates 104
    .venv/bin/python bench/flexion_budget.py --seeds 1000-1029 --rates 52,104,208 --error-scale 0

Flexion depends only on the earth-up direction seen in the body frame (the Z-Y-X pitch of
``R_s · M``), so its error has three sources: the sensor's inclination (``R_s``, from VQF), the
sensor-to-body mounting ``M`` (calibration, and re-referencing after a clip slip), and the
soft-tissue wobble (the sensor turns against the trunk; the truth, the trunk frame at the
sensor site, does not). Each line of the budget swaps one estimate for the generator's truth
(``kyphos.sim.validation.generate.evaluate``) and scores flexion on the same samples as
``bench/validate_analysis.py`` (valid, not lying):

* ``analysis``: ``kyphos.analysis.analyze`` as shipped (what validate_analysis scores);
* ``true M``: the analysis' orientation with the true mounting, the slip included from its
  start (perfect calibration and re-referencing): orientation + wobble error;
* ``true M, error-free chip``: VQF offline on the chip's error-free signals (``acc_true``,
  ``gyr_true``: the motion and the wobble, no noise, offsets, scale, misalignment, drift) with
  the true mounting: orientation error from motion alone + wobble;
* ``true R_s, true M``: the true sensor orientation (wobble included) with the true mounting
  without wobble: the wobble alone;
* ``true R_s, analysis M``: the true sensor orientation with the analysis' own mounting and
  re-references: calibration + slip handling error alone (+ wobble).

Columns: all scored samples, before the slip, from 90 s after it, and per truth activity.
Also printed per session: the angle between the analysis' upright and the true body z in the
sensor frame (deg), split into its sagittal (flexion) and lateral parts.

``--sources`` instead runs only the analysis and says, per session, where the flexion error
comes from: the seconds with |error| > 2° (scored samples) between the truth slip and the
re-reference nearest to it (``placement``, within 20 s; ``late`` beyond: a slip found but
placed far off, or ``missed``: none), elsewhere (``other``; false re-references are counted),
and the pooled RMSE with that re-reference moved to the truth slip's time (same mounting):
what a perfect placement would give::

    .venv/bin/python bench/flexion_budget.py --seeds 0-29 --rates 104 --sources
"""

from __future__ import annotations

import argparse
import sys
import time as _time
from typing import Any

import numpy as np
from scipy.spatial.transform import Rotation

COLS = ("all", "before slip", "slip+90 s", "standing", "sitting", "walking", "transition")
ROWS = ("analysis", "true M", "true M, error-free chip", "true R_s, true M",
        "true R_s, analysis M")


def _flex(quat_wxyz: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Z-Y-X pitch (rad) of R(q)·M; ``m`` (3, 3) or (N, 3, 3). Only the third row of R(q)·M
    matters: up in body coordinates = Mᵀ · (up in sensor coordinates)."""
    w, x, y, z = quat_wxyz.T
    up_s = np.column_stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)])
    up_b = up_s @ m if m.ndim == 2 else np.einsum("nij,ni->nj", m, up_s)
    return np.asarray(np.arcsin(np.clip(-up_b[:, 0], -1.0, 1.0)))


def _true_m(script: Any, t: np.ndarray, wobble: bool) -> np.ndarray:
    """(N, 3, 3) true sensor-from-body (M) per sample: the clip, the slips as they happen, and
    optionally the wobble (exactly evaluate()'s r_sensor = r_site · wob · slip · mount)."""
    from kyphos.sim.validation.generate import mount_rotation
    from kyphos.sim.validation.motion import ease

    rv = np.zeros((len(t), 3))
    for sl in script.slips:
        rv += (np.radians(sl.deg) * ease((t - sl.t) / sl.dur_s))[:, None] * sl.axis[None, :]
    r = Rotation.from_rotvec(rv) * mount_rotation(script.person)
    if wobble:
        r = Rotation.from_rotvec(script.wobble.at(t)[:, 3:]) * r
    return np.asarray(r.inv().as_matrix())


def _m_per_sample(a: Any, n: int) -> np.ndarray:
    """(N, 3, 3) the analysis' mounting per sample (calibration, then each re-reference)."""
    m = np.broadcast_to(a.calibration.sensor_from_body, (n, 3, 3)).copy()
    for rr in a.re_references:
        m[rr.index:] = rr.sensor_from_body
    return m


def budget(seed: int, fs: float, error_scale: float) -> dict[str, Any]:
    from kyphos.analysis import analyze
    from kyphos.processing.orientation import orientation_offline
    from kyphos.sim.validation import generate
    from kyphos.sim.validation.generate import evaluate

    v = generate(seed, fs, error_scale=error_scale)
    a = analyze(v.to_session())
    ang = a.angles
    ok = ang.valid & np.isfinite(ang.flexion)
    t = ang.time[ok]
    tr = v.truth
    idx = np.clip(np.searchsorted(tr.time, t), 0, len(tr.time) - 1)
    truth = np.interp(t, tr.time, tr.flexion)
    act = tr.activity_names[idx]
    keep = act != "lying"
    t, truth, act = t[keep], truth[keep], act[keep]
    rows_ok = np.flatnonzero(ok)[keep]
    m_true = _true_m(v.script, t, wobble=False)
    q_true = evaluate(v.script, t).r_sensor.as_quat(scalar_first=True)
    q_clean_chip = orientation_offline(v.gyr_true, v.acc_true, fs)
    q_clean_chip = q_clean_chip[np.clip(np.searchsorted(v.time, t), 0, len(v.time) - 1)]
    m_an = _m_per_sample(a, len(ang.time))[rows_ok]
    est = {
        "analysis": ang.flexion[rows_ok],
        "true M": _flex(a.quat[rows_ok], m_true),
        "true M, error-free chip": _flex(q_clean_chip, m_true),
        "true R_s, true M": _flex(q_true, m_true),
        "true R_s, analysis M": _flex(q_true, m_an),
    }
    ts = v.script.slips[0].t if v.script.slips else np.inf
    cols = {"all": np.ones(len(t), bool), "before slip": t < ts, "slip+90 s": t >= ts + 90.0}
    for k in ("standing", "sitting", "walking", "transition"):
        cols[k] = act == k
    out: dict[str, Any] = {"seed": seed, "fs": fs, "sq": {}, "n": {}}
    for name, f in est.items():
        e2 = np.degrees(f - truth) ** 2
        out["sq"][name] = {c: float(np.sum(e2[s])) for c, s in cols.items()}
    out["n"] = {c: int(np.count_nonzero(s)) for c, s in cols.items()}
    # the calibration's upright vs the true body z (sensor coords), before any slip
    z_true = _true_m(v.script, np.array([0.0]), wobble=False)[0][:, 2]
    m0 = a.calibration.sensor_from_body
    b = m0.T @ z_true  # true up in the estimated body frame
    out["up_err_deg"] = (float(np.degrees(np.arctan2(b[0], b[2]))),
                         float(np.degrees(np.arctan2(b[1], b[2]))))
    out["rerefs"] = [(round(rr.t_s, 1), round(rr.deg, 1)) for rr in a.re_references]
    out["slip"] = (round(ts, 1), round(v.script.slips[0].deg, 1)) if v.script.slips else None
    out["acc_bias_mg"] = v.unit.to_dict()["acc_bias_mg"]
    return out


def sources(seed: int, fs: float, error_scale: float) -> dict[str, Any]:
    """Where the flexion error of one session comes from (see ``--sources``)."""
    from kyphos.analysis import analyze
    from kyphos.processing.clipslip import ReReference, reref_angles
    from kyphos.sim.validation import generate

    v = generate(seed, fs, error_scale=error_scale)
    a = analyze(v.to_session())
    ang, tr = a.angles, v.truth
    ok = ang.valid & np.isfinite(ang.flexion)
    idx = np.clip(np.searchsorted(tr.time, ang.time), 0, len(tr.time) - 1)
    ok &= tr.activity_names[idx] != "lying"
    t = ang.time[ok]
    truth = np.interp(t, tr.time, tr.flexion)
    e = np.degrees(ang.flexion[ok] - truth)
    big = np.abs(e) > 2.0
    dt = 1.0 / fs
    ts = v.script.slips[0].t if v.script.slips else None
    rr = [x for x in a.re_references if x.t_s > 0.0]
    out: dict[str, Any] = {"seed": seed, "fs": fs, "sq": float(np.sum(e**2)), "n": int(len(e)),
                           "big_s": float(np.sum(big) * dt), "slip": ts,
                           "rerefs": [round(x.t_s, 1) for x in rr], "sq_ideal": float(np.sum(e**2))}
    near = min(rr, key=lambda x: abs(x.t_s - ts)) if ts is not None and rr else None
    false = [x for x in rr if ts is None or abs(x.t_s - ts) > 20.0]
    out["false"] = len(false)
    w = np.zeros(len(t), bool)
    if ts is not None:
        t1 = near.t_s if near is not None else np.inf
        w = (t >= min(ts, t1)) & (t < max(ts, t1))
        kind = "missed" if near is None else "placement" if abs(t1 - ts) <= 20.0 else "late"
        out["where"] = {kind: float(np.sum(big & w) * dt)}
    else:
        out["where"] = {}
    out["where"]["other"] = float(np.sum(big & ~w) * dt)
    if near is not None:  # the same mountings, the nearest one from the truth slip's time on
        j = int(np.searchsorted(ang.time, ts))
        moved = [ReReference(ts, x.deg, x.why, x.sensor_from_body, j) if x is near else x
                 for x in a.re_references]
        moved.sort(key=lambda x: x.index)
        p = a.prepared
        ideal = reref_angles(p.time, a.quat, a.calibration.sensor_from_body, moved, p.fs,
                             p.valid, masked=p.masked)
        out["sq_ideal"] = float(np.sum(np.degrees(ideal.flexion[ok] - truth) ** 2))
    return out


def _sources_report(rows: list[dict[str, Any]]) -> None:
    for r in rows:
        rm = np.sqrt(r["sq"] / max(r["n"], 1))
        ri = np.sqrt(r["sq_ideal"] / max(r["n"], 1))
        where = ", ".join(f"{k} {s:.0f} s" for k, s in r["where"].items())
        slip = f"{r['slip']:.1f} s" if r["slip"] is not None else "none"
        print(f"seed {r['seed']:4d} fs {r['fs']:4.0f}: RMSE {rm:.2f} (slip placed at its time: "
              f"{ri:.2f}); |error| > 2 deg for {r['big_s']:.0f} s: {where}; slip {slip}, "
              f"re-references {r['rerefs']} ({r['false']} false)")
    n = sum(r["n"] for r in rows)
    print(f"pooled flexion RMSE (not lying) {np.sqrt(sum(r['sq'] for r in rows) / n):.3f} deg; "
          f"with each slip placed at its time {np.sqrt(sum(r['sq_ideal'] for r in rows) / n):.3f}"
          f" deg; |error| > 2 deg: " + ", ".join(
              f"{k} {sum(r['where'].get(k, 0.0) for r in rows):.0f} s"
              for k in ("placement", "late", "missed", "other")))


def _table(rows: list[dict[str, Any]], title: str) -> None:
    print(f"== {title}: {len(rows)} sessions; flexion RMSE, deg (samples not lying)")
    print(f"{'':26s}" + "".join(f"{c:>13s}" for c in COLS))
    n = {c: sum(r["n"][c] for r in rows) for c in COLS}
    for name in ROWS:
        line = f"{name:26s}"
        for c in COLS:
            s = sum(r["sq"][name][c] for r in rows)
            line += f"{np.sqrt(s / n[c]) if n[c] else float('nan'):13.3f}"
        print(line)
    print(f"{'share of samples':26s}" + "".join(f"{n[c] / max(n['all'], 1):13.3f}" for c in COLS))


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="1000-1009",
                    help="e.g. 0-29 (held-out seeds refused: validate_analysis.HELD_OUT_FROM)")
    ap.add_argument("--rates", default="104")
    ap.add_argument("--error-scale", type=float, default=1.0)
    ap.add_argument("--per-seed", action="store_true")
    ap.add_argument("--sources", action="store_true",
                    help="instead: where each session's error comes from (slip placement or not)")
    args = ap.parse_args(argv[1:])
    from validate_analysis import development_seeds

    seeds = development_seeds(args.seeds)
    rates = [float(x) for x in args.rates.split(",")]
    t0 = _time.perf_counter()
    if args.sources:
        _sources_report([sources(s, fs, args.error_scale) for fs in rates for s in seeds])
        print(f"{_time.perf_counter() - t0:.0f} s")
        return 0
    rows = [budget(s, fs, args.error_scale) for fs in rates for s in seeds]
    print(f"validation family, seeds {args.seeds}, rates {args.rates}, chip error scale "
          f"{args.error_scale:g}; {_time.perf_counter() - t0:.0f} s")
    if args.per_seed:
        for r in rows:
            rm = {k: np.sqrt(r["sq"][k]["all"] / max(r["n"]["all"], 1)) for k in ROWS}
            print(f"seed {r['seed']:4d} fs {r['fs']:4.0f}: " + ", ".join(
                f"{k} {x:.2f}" for k, x in rm.items())
                  + f"; upright error sagittal/lateral {r['up_err_deg'][0]:+.2f}/"
                  f"{r['up_err_deg'][1]:+.2f} deg; slip {r['slip']}; re-refs {r['rerefs']}; "
                  f"acc bias {r['acc_bias_mg']} mg")
    _table(rows, "all rates")
    if len(rates) > 1:
        for fs in rates:
            _table([r for r in rows if r["fs"] == fs], f"{fs:g} Hz")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, __import__("os").path.dirname(__file__))
    sys.exit(main(sys.argv))
