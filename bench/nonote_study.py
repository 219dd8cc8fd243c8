"""Where the flexion error without a calibration note comes from, against the same session with it.

Usage:
    PYTHONPATH=host .venv/bin/python bench/nonote_study.py --seeds 19000-19029 --rates 104 \
        --jobs 1 --cache /tmp/nonote

Each validation session is analysed twice, with its calibration note and without it
(``--no-note``: ``calibration.method`` "auto", the upright re-levelled to the still standing,
``calibration.standing_upright``). Per session it prints both flexion RMSEs (every valid sample,
as ``validate_analysis.py``), the no-note path's extra squared error and how it splits:

* ``level``: the pitch between the two paths' opening mountings (the no-note upright's level
  less the note's, about the body's left axis), ``roll`` / ``yaw`` the other two body-axis
  angles of that turn (a lateral tilt of the upright, a sagittal axis turned about vertical);
* ``stand_true``: the truth's median flexion over the samples the no-note path re-levels to
  (its still standing), ``stand_note``: the note path's median error there -- the level the
  re-levelling takes is the truth's plus the note path's error on those samples;
* the extra squared error (no-note minus note, summed over the samples both score, in deg²·s)
  split by the truth's activity (lying, slip window: truth slip to its nearest re-reference of
  the no-note path, calibration, slouch, other) and into its constant part (the no-note path's
  error minus the note path's, its mean over the common samples, squared, and its cross term)
  and the rest.

Oracles (from the cached traces, no new analysis; a constant taken off the no-note error stands
for a pitch turn of its upright): ``const`` = the note path's error plus the mean difference of
the two (the paths differing by a level only); ``shorth`` = the level the median of the shortest
half of the still standing's reading gives (:func:`shorth_median`); ``zone`` = the median of the
still standing within ``SLOUCH_THRESHOLD_DEG`` (8) of its median; ``truelevel`` = the no-note
error's median over the still standing that is truly upright (|truth| < 2 deg): the best a level
read from the still standing can do.

Per-session results are cached (``--cache DIR``, one pickle per seed and rate). Validation seeds
>= ``validate_analysis.HELD_OUT_FROM`` are refused (held out).
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from validate_analysis import development_seeds, run_jobs, validation_case  # noqa: E402


def _body_angles(m_note: np.ndarray, m_auto: np.ndarray) -> tuple[float, float, float]:
    """The turn from the note's body frame to the automatic one, as (pitch about body y, roll
    about body x, yaw about body z) in deg (scipy 'YXZ' intrinsic: small-angle readable)."""
    from scipy.spatial.transform import Rotation

    turn = np.linalg.solve(m_note, m_auto)  # note body -> auto body
    y, x, z = Rotation.from_matrix(turn).as_euler("YXZ", degrees=True)
    return float(y), float(x), float(z)


def _one(seed: int, fs: float, note: bool) -> dict[str, Any]:
    import kyphos.processing.calibration as cal
    from kyphos.analysis import analyze
    from kyphos.processing.activity import STANDING

    seen: dict[str, Any] = {}
    orig = cal.standing_upright

    def spy(c: Any, standing_flexion: np.ndarray, f: float) -> Any:
        seen["standing"] = np.degrees(np.asarray(standing_flexion, float))
        seen["m_before"] = c.sensor_from_body.copy()
        out = orig(c, standing_flexion, f)
        seen["deg"] = out[1]
        return out

    cal.standing_upright = spy  # type: ignore[assignment]
    try:
        case = validation_case(seed, fs, note=note)
        a = analyze(case.session)
    finally:
        cal.standing_upright = orig  # type: ignore[assignment]
    ang = a.angles
    v = ang.valid & np.isfinite(ang.flexion)
    true = np.interp(ang.time, case.time, case.flexion)
    e = np.where(v, np.degrees(ang.flexion - true), np.nan).astype(np.float32)
    stand = a.activity.still & (a.activity.kind == STANDING) & v
    return {
        "t": ang.time.astype(float), "e": e, "true": np.degrees(true).astype(np.float32),
        "stand": stand,
        "m": a.calibration.sensor_from_body.copy(),
        "rr": [(float(r.t_s), float(r.deg), str(r.why)) for r in a.re_references],
        "valid": bool(a.validity.valid), "upright_s": a.calibration.upright_s,
        "cal_bends": list(a.calibration.calibration_bends_s),
        "sag_conf": float(a.calibration.sagittal_confidence),
        "relevel_deg": seen.get("deg", 0.0), "standing_in": seen.get("standing"),
        "m_before": seen.get("m_before"),
    }


def session_row(seed: int, fs: float) -> dict[str, Any]:
    case = validation_case(seed, fs, note=False)
    lab = case.activity
    assert lab is not None
    n = _one(seed, fs, True)
    x = _one(seed, fs, False)
    from kyphos.sim.validation import generate

    tr = generate(seed, fs).truth
    cal_win = (float(tr.calibration["upright"][0]), float(tr.calibration["bend"][1]))
    t = n.pop("t")
    assert len(t) == len(x.pop("t"))
    li = np.clip(np.searchsorted(case.time, t), 0, len(case.time) - 1)
    return {"seed": seed, "fs": fs, "t": t, "lab": lab[li], "note": n,
            "nonote": x, "slips": case.slips, "slouches": case.slouches, "cal_win": cal_win,
            "bends": case.bends}


def _cached(job: tuple[int, float, str | None]) -> dict[str, Any]:
    seed, fs, cache = job
    path = os.path.join(cache, f"nn{seed}_{fs:g}.pkl") if cache else None
    if path and os.path.exists(path):
        with open(path, "rb") as f:
            return pickle.load(f)  # type: ignore[no-any-return]
    r = session_row(seed, fs)
    if path:
        with open(path, "wb") as f:
            pickle.dump(r, f)
    return r


def groups(r: dict[str, Any]) -> dict[str, np.ndarray]:
    """Masks of the samples by cause, first match wins: lying, slip window, calibration,
    slouch, other."""
    t = r["t"]
    used = np.zeros(len(t), bool)
    out: dict[str, np.ndarray] = {}

    def take(name: str, m: np.ndarray) -> None:
        nonlocal used
        out[name] = m & ~used
        used = used | m

    take("lying", r["lab"] == "lying")
    rr = [x[0] for x in r["nonote"]["rr"]]
    m = np.zeros(len(t), bool)
    for ts, _deg in r["slips"]:
        near = min(rr, key=lambda x: abs(x - ts)) if rr else float(t[-1])
        m |= (t >= min(ts, near)) & (t < max(ts, near))
    take("slip window", m)
    take("calibration", (t >= r["cal_win"][0]) & (t <= r["cal_win"][1]))
    m = np.zeros(len(t), bool)
    for a, b in r["slouches"]:
        m |= (t >= a) & (t <= b)
    take("slouch", m)
    take("other", np.ones(len(t), bool))
    return out


def shorth_median(x: np.ndarray) -> float:
    """The median of the shortest half of ``x`` (the densest half: the mode of a mixture whose
    main cluster holds more than half of it)."""
    x = np.sort(np.asarray(x, float))
    n = len(x)
    h = n // 2 + 1
    i = int(np.argmin(x[h - 1:] - x[:n - h + 1]))
    return float(np.median(x[i:i + h]))


def analyse(r: dict[str, Any]) -> dict[str, Any]:
    en, ex = r["note"]["e"].astype(float), r["nonote"]["e"].astype(float)
    both = np.isfinite(en) & np.isfinite(ex)
    d = ex - en
    dt = 1.0 / r["fs"]
    c = float(np.mean(d[both])) if both.any() else 0.0
    g = groups(r)
    extra = {k: float(np.sum((ex**2 - en**2)[m & both]) * dt) for k, m in g.items()}
    p, ro, y = _body_angles(r["note"]["m"], r["nonote"]["m"])
    stand = r["nonote"]["stand"] & both
    tr = r["note"]["true"].astype(float)
    meas = ex + tr
    # oracle levels (a constant taken off the no-note error: a pitch turn near upright)
    sh = shorth_median(meas[stand]) if stand.any() else 0.0
    m0 = float(np.median(meas[stand])) if stand.any() else 0.0
    zk = stand & (np.abs(meas - m0) < 8.0)  # SLOUCH_THRESHOLD_DEG about the median
    zn = float(np.median(meas[zk])) if zk.any() else 0.0
    up = stand & (np.abs(tr) < 2.0)
    tl = float(np.median(ex[up])) if up.any() else 0.0
    # the automatic upright after the clip slip: the opening mounting is a folded re-reference
    # (analysis.opening_reref_folded), far from the automatic calibration turned by the level
    mb = r["nonote"]["m_before"]
    fold = False
    if mb is not None:
        from scipy.spatial.transform import Rotation

        ang_deg = float(np.degrees(Rotation.from_matrix(np.linalg.solve(mb, r["nonote"]["m"])).magnitude()))
        fold = ang_deg > abs(float(r["nonote"]["relevel_deg"])) + 3.0
    return {
        "fold": fold, "seq_n": len(r["nonote"]["cal_bends"]),
        "seed": r["seed"], "fs": r["fs"],
        "rmse_note": float(np.sqrt(np.nanmean(en**2))), "rmse_nn": float(np.sqrt(np.nanmean(ex**2))),
        "sq_note": float(np.nansum(en**2)), "n_note": int(np.isfinite(en).sum()),
        "sq_nn": float(np.nansum(ex**2)), "n_nn": int(np.isfinite(ex).sum()),
        "extra": extra, "extra_sum": float(sum(extra.values())),
        "d_mean": c, "d_sd": float(np.std(d[both])) if both.any() else 0.0,
        "pitch": p, "roll": ro, "yaw": y, "relevel": r["nonote"]["relevel_deg"],
        "stand_true": float(np.median(r["note"]["true"][stand])) if stand.any() else np.nan,
        "stand_note": float(np.median(en[stand])) if stand.any() else np.nan,
        "stand_s": float(stand.sum() * dt),
        "rr_note": [(round(a), round(b, 1)) for a, b, _ in r["note"]["rr"]],
        "rr_nn": [(round(a), round(b, 1)) for a, b, _ in r["nonote"]["rr"]],
        "slips": [(round(a), round(b, 1)) for a, b in r["slips"]],
        "valid": (r["note"]["valid"], r["nonote"]["valid"]),
        # oracles: the no-note error with its level made the note path's mean level
        "sq_const": float(np.sum((en[both] + c) ** 2)),
        "sq_nn_both": float(np.sum(ex[both] ** 2)), "sq_note_both": float(np.sum(en[both] ** 2)),
        "n_both": int(both.sum()),
        "shorth": sh, "truelevel": tl, "stand_med_meas": float(np.median(meas[stand])) if stand.any() else 0.0,
        "zone": zn, "sq_zone": float(np.nansum((ex - zn) ** 2)),
        "sq_shorth": float(np.nansum((ex - sh) ** 2)), "sq_truelevel": float(np.nansum((ex - tl) ** 2)),
        "stand_bent_share": float(np.mean(np.abs(tr[stand]) > 2.0)) if stand.any() else 0.0,
    }


def report(rows: list[dict[str, Any]]) -> None:
    names = ("lying", "slip window", "calibration", "slouch", "other")
    for s in rows:
        ex = " ".join(f"{k[:5]} {s['extra'][k]:+7.0f}" for k in names)
        print(f"{s['seed']:5d} @{s['fs']:3.0f}: note {s['rmse_note']:5.2f} nonote {s['rmse_nn']:5.2f} "
              f"d {s['d_mean']:+5.2f}±{s['d_sd']:4.2f} turn p{s['pitch']:+5.2f} r{s['roll']:+5.2f} "
              f"y{s['yaw']:+5.2f} relevel {s['relevel']:+5.2f} stand true {s['stand_true']:+5.2f} "
              f"note-err {s['stand_note']:+5.2f} ({s['stand_s']:4.0f} s, bent {s['stand_bent_share']:.2f}) "
              f"shorth {s['shorth']:+5.2f} zone {s['zone']:+5.2f} truelevel {s['truelevel']:+5.2f} | extra deg²s {ex} "
              f"| opening re-ref {'yes' if s['fold'] else 'no '} cal bends {s['seq_n']} "
              f"| rr note {s['rr_note']} nonote {s['rr_nn']} slips {s['slips']}")
    sqn = sum(s["sq_note"] for s in rows) / sum(s["n_note"] for s in rows)
    sqx = sum(s["sq_nn"] for s in rows) / sum(s["n_nn"] for s in rows)
    nb = sum(s["n_both"] for s in rows)
    print(f"{len(rows)} sessions: pooled note {np.sqrt(sqn):.3f}, no note {np.sqrt(sqx):.3f}; on the "
          f"common samples note {np.sqrt(sum(s['sq_note_both'] for s in rows) / nb):.3f}, no note "
          f"{np.sqrt(sum(s['sq_nn_both'] for s in rows) / nb):.3f}, no note with the paths' "
          f"difference made its mean (a level only) {np.sqrt(sum(s['sq_const'] for s in rows) / nb):.3f}")
    nx = sum(s["n_nn"] for s in rows)
    print(f"oracles (a constant off the no-note error): shortest-half level "
          f"{np.sqrt(sum(s['sq_shorth'] for s in rows) / nx):.3f}, upright-zone level "
          f"{np.sqrt(sum(s['sq_zone'] for s in rows) / nx):.3f}, the level of the truly upright "
          f"still standing {np.sqrt(sum(s['sq_truelevel'] for s in rows) / nx):.3f}")
    for lab, sel in (("opening re-reference (upright after the slip)", lambda s: s["fold"]),
                     ("calibration sequence of > 1 bend", lambda s: s["seq_n"] > 1)):
        k = [s for s in rows if sel(s)]
        print(f"{lab}: {len(k)} sessions, their extra {sum(s['extra_sum'] for s in k):+.0f} deg²·s "
              f"(lying {sum(s['extra']['lying'] for s in k):+.0f})")
    tot = {k: sum(s["extra"][k] for s in rows) for k in names}
    print("extra squared error by group, deg²·s: " + ", ".join(f"{k} {v:+.0f}" for k, v in tot.items())
          + f"; total {sum(tot.values()):+.0f}")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="19000-19029")
    ap.add_argument("--rates", default="104")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--cache", default=None, help="directory for per-session results")
    args = ap.parse_args(argv[1:])
    seeds = development_seeds(args.seeds)
    if args.cache:
        os.makedirs(args.cache, exist_ok=True)
    raw = run_jobs(_cached, [(s, float(fs), args.cache) for fs in args.rates.split(",")
                             for s in seeds], args.jobs)
    report([analyse(r) for r in raw])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
