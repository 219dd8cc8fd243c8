"""Where the closed-bend knee drop's error comes from, per lift, against the validation family's
kinematic truth (issue 15, STYLEEST, sixteenth session).

Usage:
    PYTHONPATH=$PWD/host .venv/bin/python bench/style_est_study.py --seeds 19000-19029 \
        --rates 104 --cache /tmp/styleest/cache [--jobs 1]

Each development session (seeds below ``validate_analysis.HELD_OUT_FROM`` only) is analysed
once as ``bench/validate_analysis.py --hip-height err3`` does; every matched lift's closed-bend
knee drop ``kd = D_m − T(τ_m; r, d)`` (``kyphos.metrics.style.lift_closed_features``: the sensor's
integrated drop D_m over the lift's window, less the trunk's own drop at the peak tilt τ_m with
the wearer's calibration lever (r, d)) is split against the generator's sensor position and
hip height (``kyphos.sim.validation.generate.evaluate``, same window) into

* ``e_int = D_m − D_t``: the double integration's error (D_t: the true sensor drop);
* ``e_tau``: the trunk term's change from the tilt's error, ``T(τ_t) − T(τ_m)``;
* ``e_lev = T_cal(τ_t) − T(τ_t)``: the calibration lever's fit error, T_cal the trunk drop
  of the lever fitted by the same least squares to the **true** calibration-bend trajectory;
* ``e_coord = (D_t − K_t) − T_cal(τ_t)``: what the lift's trunk lowers the sensor beyond what
  the calibration bend's coordination says (K_t the true hip drop at that instant): the
  generator's bent-knee lifts take the hips' share + 0.1 of the trunk's tilt;
* ``e_time``: the rest (the drop's and the tilt's peaks at different instants).

``kd − hip_drop = e_int + e_tau + e_lev + e_coord + e_time`` exactly (hip_drop: the scripted
drop). Printed: the median / 95th pct of each term by style and their correlation with the
person's and the lift's parameters; the generator's share + 0.1 term against ``e_coord``; the
style with the shipped edges if one term were taken out (an oracle: a diagnostic, not a rule).
No edge or constant is fitted here. :func:`lever_joint`: a prototype calibration lever that
fits the integration's error terms with the lever (measured, not shipped).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from validate_analysis import (  # noqa: E402
    development_seeds,
    hip_height_input,
    match,
    run_jobs,
    validation_case,
)


def _true_lever(t: np.ndarray, zs: np.ndarray, xs: np.ndarray, tilt: np.ndarray
                ) -> tuple[float, float]:
    """(r, d) of ``style.lever_from_bends``' model fitted to a true bend trajectory (no bounds)."""
    dth = tilt - tilt[0]
    a = np.vstack([np.c_[1 - np.cos(dth), -np.sin(dth)], np.c_[np.sin(dth), 1 - np.cos(dth)]])
    y = np.concatenate([-(zs - zs[0]), xs])
    return tuple(np.linalg.lstsq(a, y, rcond=None)[0])  # type: ignore[return-value]


def lift_rows(job: tuple[int, float]) -> list[dict[str, Any]]:
    """Every matched lift of one session with its estimate and its truth decomposition."""
    from kyphos.analysis import analyze
    from kyphos.metrics import style as L
    from kyphos.sim.validation.generate import evaluate
    from kyphos.sim.validation.script import leg_hip
    from style_study import _val_script

    seed, fs = job
    case = validation_case(seed, fs, True)
    hip = hip_height_input(case, "err3")
    a = analyze(case.session, hip_height_m=hip, style_drop="closed")
    lever = a.wearer.lever if a.wearer is not None else None
    sc = _val_script(seed)
    p = sc.person
    ez = np.array([0.0, 0.0, 1.0])

    def truth_at(t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        pose = evaluate(sc, t)
        up = pose.r_site.apply(ez)
        tilt = np.arccos(np.clip(up[:, 2], -1, 1))
        z_leg, _ = leg_hip(p, sc.tracks["knee"].at(t))
        return pose.p_sensor[:, 2], pose.p_sensor[:, :2], tilt, z_leg

    c0, c1 = sc.calibration["bend"]
    tc = np.arange(c0 - 0.5, c1 + 0.5, 0.005)
    zc, xyc, tiltc, _ = truth_at(tc)
    lev_t = _true_lever(tc, zc, np.hypot(*(xyc - xyc[0]).T), tiltc)
    found = [(lf.start_s, lf.end_s) for lf in a.lifts]
    pairs = match([(t["start"], t["end"]) for t in case.lifts], found, half=False)
    rows = []
    for i, j in pairs:  # per matched lift
        lf, ev = a.lifts[j], sc.lifts[i]
        assert ev.style == case.lifts[i]["style"]
        kd = lf.knee_drop_closed_m
        if kd is None or lever is None:
            continue
        w0 = L.window_start(lf) - L.LIFT_PAD_S
        w1 = lf.end_s + L.LIFT_PAD_S
        ang = a.angles
        sl = slice(int(np.searchsorted(ang.time, w0)), int(np.searchsorted(ang.time, w1)))
        tt = ang.time[sl]
        zs, xy, tilt, zl = truth_at(tt)
        drop_t = -(zs - zs[0])
        km = int(np.argmax(drop_t))
        kt = int(np.argmax(tilt))
        d_true, tau_t = float(drop_t[km]), float(tilt[kt] - tilt[0])
        # the estimator's own pieces (as lift_closed_features)
        tilt_m = np.arccos(np.clip(np.cos(ang.flexion[sl]) * np.cos(ang.lateral[sl]), -1, 1))
        # the rows rotated with the orientation half a sample back, as the analysis' (STYLE7)
        ea = L.aligned_earth_acc(a.quat, a.prepared.acc, np.arange(sl.start, sl.stop))
        got = L.window_drop_reach(ea, tilt_m, fs)
        if got is None:
            continue
        d_m, tau_m, _reach = got
        t_m = float(L.trunk_drop(tau_m, lever))
        t_t = float(L.trunk_drop(tau_t, lever))
        t_cal = float(L.trunk_drop(tau_t, lev_t))
        k_t = float(zl[0] - zl[km])
        trunk_true = d_true - k_t
        rows.append({
            "seed": seed, "fs": fs, "style": ev.style, "kd": kd, "kd_check": d_m - t_m,
            "shift": lf.hip_shift_m, "hip": hip, "hip_drop": ev.hip_drop_m, "k_t": k_t,
            "e_int": d_m - d_true, "e_tau": t_t - t_m, "e_lev": t_cal - t_t,
            "e_coord": trunk_true - t_cal, "d_true": d_true, "d_m": d_m,
            "tau_m": float(np.degrees(tau_m)), "tau_t": float(np.degrees(tau_t)),
            "peak_gap_s": float(tt[km] - tt[kt]), "r": lever[0], "d": lever[1],
            "r_t": float(lev_t[0]), "d_t": float(lev_t[1]),
            "level_frac": p.level_frac, "depth": p.depth_m, "lumbar": p.lumbar_m,
            "thoracic": p.thoracic_m, "hip_share": p.hip_share_stoop,
            "knee_lead": p.knee_lead_s, "trunk_deg": ev.trunk_deg,
            "twist": abs(ev.twist_deg), "lean": abs(ev.lateral_deg),
            "dur": lf.end_s - lf.start_s, "reported": lf.style,
        })
    return rows


TERMS = ("e_int", "e_tau", "e_lev", "e_coord")


def share_term(r: dict[str, Any]) -> float:
    """What the generator's coordination rule alone adds to a lift's trunk drop, m: a bent-knee
    lift takes the hips' share ``h + 0.1`` of the trunk's tilt θ (``script.Builder.lift``), the
    calibration bend ``h``, so the hip → T12 link (``lumbar``) lowers the sensor by
    ``lumbar·(cos hθ − cos (h + 0.1)θ)`` more than the calibration bend's lever says."""
    if r["style"] == "stoop":
        return 0.0
    th, h = np.radians(r["trunk_deg"]), r["hip_share"]
    return float(r["lumbar"] * (np.cos(h * th) - np.cos(min(0.95, h + 0.1) * th)))


def accuracy(rows: list[dict[str, Any]], kd: Any, hip: bool) -> tuple[float, dict[str, int]]:
    """Style accuracy of ``rows`` with the knee drop ``kd(row)`` by the shipped closed rule
    (``classify_style_closed_m``, or ``classify_style_per_hip`` over the err3 hip height) and
    the lift's own hip shift; and the confusions."""
    from kyphos.metrics import style as L

    ok, wrong = 0, {}  # type: ignore[var-annotated]
    for r in rows:  # per lift
        k, sh = kd(r), r["shift"] or 0.0
        got = (L.classify_style_per_hip(k / r["hip"], "closed", sh / r["hip"]) if hip else
               L.classify_style_closed_m(k, sh))
        ok += got == r["style"]
        if got != r["style"]:
            key = f"{r['style']}->{got}"
            wrong[key] = wrong.get(key, 0) + 1
    return ok / max(1, len(rows)), dict(sorted(wrong.items()))
FEATS = ("fs", "tau_t", "trunk_deg", "level_frac", "depth", "lumbar", "thoracic", "hip_share",
         "knee_lead", "twist", "lean", "dur", "r", "d", "r_t", "d_t", "peak_gap_s")


def summarise(rows: list[dict[str, Any]]) -> None:
    err = np.array([r["kd"] - r["hip_drop"] for r in rows])
    chk = np.array([r["kd"] - r["kd_check"] for r in rows])
    print(f"{len(rows)} lifts; kd recomputed: max |diff| {np.max(np.abs(chk)):.2e} m")
    for st in ("stoop", "semi-squat", "squat"):
        m = np.array([r["style"] == st for r in rows])
        if not m.any():
            continue
        parts = [f"kd−hip {np.median(err[m]) * 100:+.1f} cm (95th {np.percentile(err[m], 95) * 100:+.1f})"]
        rest = err[m].copy()
        for t in TERMS:
            v = np.array([r[t] for r in rows])[m]
            rest -= v
            parts.append(f"{t} {np.median(v) * 100:+.1f} [{np.percentile(v, 5) * 100:+.1f}, "
                         f"{np.percentile(v, 95) * 100:+.1f}]")
        parts.append(f"e_time {np.median(rest) * 100:+.1f}")
        print(f"  {st:10s} n={m.sum():4d}: " + "; ".join(parts))
    for st in ("semi-squat", "squat", "stoop"):
        m = np.array([r["style"] == st for r in rows])
        print(f"  correlation with the error, {st} (r over {m.sum()} lifts):")
        for t in ("kd−hip", *TERMS):
            v = err[m] if t == "kd−hip" else np.array([r[t] for r in rows])[m]
            cs = []
            for f in FEATS:
                x = np.array([r[f] for r in rows], float)[m]
                if np.std(x) > 0 and np.std(v) > 0:
                    cs.append((abs(np.corrcoef(x, v)[0, 1]), f, np.corrcoef(x, v)[0, 1]))
            top = sorted(cs, reverse=True)[:5]
            print(f"    {t:8s}: " + ", ".join(f"{f} {c:+.2f}" for _, f, c in top))
    print("  the generator's coordination rule (share + 0.1) against e_coord (cm):")
    for st in ("semi-squat", "squat"):
        sel = [r for r in rows if r["style"] == st]
        e = np.array([r["e_coord"] for r in sel])
        pr = np.array([share_term(r) for r in sel])
        print(f"    {st:10s}: e_coord median {np.median(e) * 100:+.2f}, share term "
              f"{np.median(pr) * 100:+.2f}, rest {np.median(e - pr) * 100:+.2f} "
              f"[{np.percentile(e - pr, 5) * 100:+.2f}, {np.percentile(e - pr, 95) * 100:+.2f}]")
    print("  style with the shipped edges if one term of the error were taken out (oracle, "
          "a diagnostic; none / err3):")
    for nm, kd in [("shipped", lambda r: r["kd"]),
                  ("− e_int", lambda r: r["kd"] - r["e_int"]),
                  ("− e_lev", lambda r: r["kd"] - r["e_lev"]),
                  ("− e_coord", lambda r: r["kd"] - r["e_coord"]),
                  ("− share term", lambda r: r["kd"] - share_term(r)),
                  ("truth hip drop", lambda r: r["hip_drop"])]:
        a0, w0 = accuracy(rows, kd, False)
        a1, w1 = accuracy(rows, kd, True)
        print(f"    {nm:15s} {a0:.3f} {w0} / {a1:.3f} {w1}")
    semi = [r for r in rows if r["style"] == "semi-squat"]
    miss = [r for r in semi if r["reported"] == "squat"]
    print(f"  semi-squats named squat with err3: {len(miss)} of {len(semi)}; their terms (cm):")
    for r in sorted(miss, key=lambda r: -r["kd"])[:25]:
        print(f"    {r['seed']} @{r['fs']:g} t {r['trunk_deg']:.0f}° hip {r['hip_drop']:.3f} "
              f"kd {r['kd']:.3f} int {r['e_int'] * 100:+.1f} tau {r['e_tau'] * 100:+.1f} "
              f"lev {r['e_lev'] * 100:+.1f} coord {r['e_coord'] * 100:+.1f} "
              f"hs {r['hip_share']:.2f} r/d {r['r']:.2f}/{r['d']:.2f} true {r['r_t']:.2f}/{r['d_t']:.2f}")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", required=True)
    ap.add_argument("--rates", default="104")
    ap.add_argument("--cache", help="directory: keep each session's rows there (reused)")
    ap.add_argument("--jobs", type=int, default=1)
    args = ap.parse_args(argv[1:])
    jobs = [(s, float(fs)) for fs in args.rates.split(",")
            for s in development_seeds(args.seeds)]
    cache = Path(args.cache) if args.cache else None

    def name(j: tuple[int, float]) -> str:
        return f"est_{j[0]}_{j[1]:g}.json"

    todo = [j for j in jobs if cache is None or not (cache / name(j)).exists()]
    got = run_jobs(lift_rows, todo, args.jobs)
    fresh = dict(zip(todo, got, strict=True))
    rows: list[dict[str, Any]] = []
    for j in jobs:
        if j in fresh:
            rs = fresh[j]
            if cache is not None:
                cache.mkdir(parents=True, exist_ok=True)
                (cache / name(j)).write_text(json.dumps(rs))
        else:
            rs = json.loads((cache / name(j)).read_text())  # type: ignore[operator]
        rows.extend(rs)
    summarise(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))


def lever_joint(time: np.ndarray, tilt: np.ndarray, earth_acc: np.ndarray,
                bend_s: tuple[float, float], fs: float) -> tuple[float, float] | None:
    """Prototype (not used by the analysis): the calibration lever (r, d) fitted **jointly**
    with the integration's error terms instead of after them. ``closed_displacement`` takes the
    accelerometer's offset ``k0`` from the first and last 0.15 s as if the sensor were at rest
    there; a standing wearer sways (the validation generator: pelvis pitch 0.1–0.35° at
    0.08–0.6 Hz), so those rows carry the sway's acceleration, and the lever moves by up to
    0.1 m (sim of 19003: 0.486/0.200 m against 0.385/0.136 without sway). Here the twice
    integrated acceleration, vertical and along the bend's horizontal direction, is the lever's
    own path (``-r·(1 − cos Δτ) + d·sin Δτ`` and ``r·sin Δτ + d·(1 − cos Δτ)``, sway included:
    it is the same rotation about the hip) plus, per column, ``k0·t²/2 + v0·t + k1·∬sin τ +
    k2·∬s`` — one least squares, r and d within their bounds.

    Measured (STYLEEST, docs/accuracy.md section 7; not shipped): wired into
    ``style.lever_from_bends(closure=True)`` (one block of drift terms per bend), the lever's
    error against the true path's on 19000–19029 @104 fell from r +0.029 m median, 95th pct
    |err| 0.137 m (d +0.012, 0.077; 4 wearers at the 0.2 m depth bound) to r −0.007 / 0.033 m
    (d +0.005 / 0.020; none at a bound), and the closed knee drop's spread with it (semi-squat
    IQR 1.9 → 1.5 cm, stoop 3.3 → 2.2 cm); but its semi-squats read 0.6 cm higher, the sim fit
    named 464/479 against 469 (refit: w 0.080, m 0.03890/0.21551, /H 0.04135/0.22924), and
    with those edges 19000 / 20000 / 23000 @104 read 0.959 / 0.964 / 0.978 without a hip
    height (0.959 / 0.972 / 0.966 before; err3 0.5 points worse pooled): the coordination term,
    not the lever, decides the semi-squats."""
    from kyphos.metrics import style as L
    from scipy.optimize import lsq_linear

    i0, i1 = np.searchsorted(time, [bend_s[0] - L.LEVER_PAD_S, bend_s[1] + L.LEVER_PAD_S])
    th, a = tilt[i0:i1], np.asarray(earth_acc[i0:i1], float)
    n = len(th)
    if n < 10 or not (np.all(np.isfinite(a)) and np.all(np.isfinite(th))):
        return None
    dt = 1.0 / fs

    def integral(x: np.ndarray) -> np.ndarray:
        return L.running_integral(x, dt)

    pa = integral(integral(a))
    closed = L.closed_displacement(a, th, fs)
    if closed is None:
        return None
    k = int(np.argmax(th))
    u = closed[k, :2] / max(1e-9, float(np.hypot(*closed[k, :2])))
    t = np.arange(n) * dt
    shapes = np.c_[0.5 * t**2, t, integral(integral(np.sin(np.clip(th, 0, None)))),
                   integral(integral(np.linspace(-1.0, 1.0, n)))]
    dth = th - th[0]
    z = np.zeros_like(shapes)
    rows = np.vstack([np.c_[-(1 - np.cos(dth)), np.sin(dth), shapes, z],
                      np.c_[np.sin(dth), 1 - np.cos(dth), z, shapes]])
    y = np.concatenate([pa[:, 2], pa[:, :2] @ u])
    lo = [L.LINK_RANGE_M[0], L.LEVER_DEPTH_RANGE_M[0]] + [-np.inf] * 8
    hi = [L.LINK_RANGE_M[1], L.LEVER_DEPTH_RANGE_M[1]] + [np.inf] * 8
    x = lsq_linear(rows, y, bounds=(lo, hi)).x
    return float(x[0]), float(x[1])
