"""Semi-squat against squat: does a second lift feature beside the closed-bend knee drop help
in both families? (STYLE2, fourteenth session; docs/accuracy.md section 7.)

Usage:
    .venv/bin/python bench/style_study.py --family sim --seeds 100-139 --cache C   # fill the cache
    .venv/bin/python bench/style_study.py --family validation --seeds 16000-16029 --rates 104 --cache C
    .venv/bin/python bench/style_feature_study.py --cache C \
        --sets "sim:0-29:52,104,208;validation:14000-14029:104;validation:16000-16029:52,104,208"

From the windows ``bench/style_study.py`` caches (the matched lifts of each session as
``kyphos analyze`` finds them) it computes, per lift:

- ``closed``: the shipped closed-bend knee drop, m (the lift's drop over its speed bounds ±
  0.5 s less ``r·(1 − cos τ) − d·sin τ`` with the wearer's closed-bend lever:
  :func:`kyphos.metrics.style.lift_knee_drop_lever`, as ``style_study``'s
  ``lever2_dhc_1_speed_window``);
- ``tilt``: the peak trunk tilt, rad (a squat drops more with less trunk tilt);
- ``rx``: the sensor's forward excursion at peak tilt less the lever's own
  ``r·sin τ + d·(1 − cos τ)``, m (the hips shift backward as the pelvis rotates forward, and
  a knee bend moves them too); ``rh``: the same with the horizontal excursion's length (no
  forward axis needed).

Each rule names the style by the shipped stoop / semi-squat edge and a squat edge on
``closed + b·g`` (over the hip height, or in metres without one), ``g`` the second feature.
For each ``b`` of a grid the squat edge is fitted on the simulator family's seeds 100–139 (the
rate by seed, as ``bench/fit_thresholds.py``; the same exhaustive midpoint search); the ``b``
kept are those whose fit-set score is the best (a plateau: its ends and its middle, the
weight a fit would ship by ``bench/fit_thresholds.py``'s midpoint convention, are printed). Every other
set is only scored. Hip modes: ``true`` (the body's own), ``err3`` (the validation's 3 %
error draw, ``validate_analysis.hip_height_input``) and ``none`` (metres, the no-hip-height
edges). Validation seeds (validate_analysis.HELD_OUT_FROM and on) are refused (held out).
"""

from __future__ import annotations

import argparse
import pickle
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fit_thresholds import CYCLE  # noqa: E402
from style_study import _disp, _library_lever, _tilt  # noqa: E402
from validate_analysis import development_seeds  # noqa: E402

STYLES = ("stoop", "semi-squat", "squat")
HIP_MODES = ("err3", "true", "none")
#: the second features and their grids of b (per unit of the feature)
SECOND = {"none": np.array([0.0]),
          "tilt": np.round(np.linspace(-0.10, 0.10, 41), 4),
          "rx": np.round(np.linspace(-0.30, 0.30, 121), 4),
          "rh": np.round(np.linspace(-0.30, 0.30, 121), 4)}


def lift_features(r: dict[str, Any]) -> dict[str, float]:
    """``closed`` (m), ``tilt`` (rad), ``rx`` (m) of one cached lift (module docstring)."""
    from kyphos.metrics.style import LINK_M, trunk_drop

    tilt = _tilt(r["flex"], r["lat"])
    p = _disp(r["acc_e"], tilt, r["fs"])
    k = int(np.argmax(tilt))
    t = float(tilt[k])
    lever = _library_lever(r, closure=True)
    f = np.array([r["fwd"][0], r["fwd"][1], 0.0])
    f /= np.linalg.norm(f)
    if lever is None:
        trunk, ahead = LINK_M * (1 - np.cos(t)), LINK_M * np.sin(t)
    else:
        trunk = float(trunk_drop(t, lever))
        ahead = lever[0] * np.sin(t) + lever[1] * (1 - np.cos(t))
    return {"closed": float(np.max(-p[:, 2]) - trunk), "tilt": t,
            "rx": float(p[k] @ f - ahead),
            "rh": float(np.hypot(p[k, 0], p[k, 1]) - ahead)}


def load(cache: Path, family: str, seeds: str, rates: str) -> list[dict[str, Any]]:
    """Every cached matched lift of ``family`` / ``seeds`` / ``rates`` ("cycle": the rate by
    seed) with its features, truth style, seed and hip heights (true and err3)."""
    rows = []
    for s in development_seeds(seeds, family):
        for fs in ([CYCLE[s % 3]] if rates == "cycle" else [float(x) for x in rates.split(",")]):
            f = cache / f"{family}_{s}_{fs:g}.pkl"
            if not f.exists():
                raise SystemExit(f"not cached: {f} (run bench/style_study.py first)")
            for r in pickle.loads(f.read_bytes()):
                d = lift_features(r)
                hip = float(r["hip_m"]) if np.isfinite(r["hip_m"]) else 0.94
                z = float(np.random.default_rng([s, 0x41B]).standard_normal())
                d.update(style=r["style"], seed=s, fs=fs, found=r["found_style"],
                         twist=bool(r["twist"]), lateral=bool(r["lateral"]),
                         hip_true=hip, hip_err3=hip * (1 + 0.03 * z) if family == "validation"
                         else hip)
                rows.append(d)
    return rows


def _value(rows: list[dict[str, Any]], mode: str, second: str, b: float) -> np.ndarray:
    x = np.array([r["closed"] for r in rows])
    if second != "none":
        x = x + b * np.array([r[second] for r in rows])
    if mode == "none":
        return x
    return x / np.array([r[f"hip_{mode}"] for r in rows])


def _semi_edge(mode: str) -> float:
    from kyphos.metrics import style as S

    return S.SEMI_CLOSED_M if mode == "none" else S.SEMI_CLOSED_PER_HIP


def _shipped_squat_edge(mode: str) -> float:
    from kyphos.metrics import style as S

    return S.SQUAT_CLOSED_M if mode == "none" else S.SQUAT_CLOSED_PER_HIP


def name(x0: np.ndarray, x: np.ndarray, semi: float, squat: float) -> np.ndarray:
    """Squat by ``x`` (the rule's value), else semi-squat or stoop by ``x0`` (the closed drop
    alone: the second feature moves only the squat edge)."""
    return np.where(x >= squat, "squat", np.where(x0 >= semi, "semi-squat", "stoop"))


def fit_squat_edge(x0: np.ndarray, x: np.ndarray, truth: np.ndarray, semi: float
                   ) -> tuple[float, int]:
    """The squat edge (a midpoint between sorted values) that names the most lifts right with
    the stoop edge ``semi`` fixed; (edge, correct). Ties: the lowest such edge."""
    xs = np.unique(x)
    cands = np.concatenate([[xs[0] - 1.0], 0.5 * (xs[1:] + xs[:-1]), [xs[-1] + 1.0]])
    best = (float(cands[0]), -1)
    for e in cands:  # a few hundred lifts: plain loop
        c = int(np.sum(name(x0, x, semi, e) == truth))
        if c > best[1]:
            best = (float(e), c)
    return best


def score(rows: list[dict[str, Any]], mode: str, second: str, b: float, semi: float,
          squat: float) -> tuple[int, int, int, np.ndarray]:
    """(correct, N, semi-squats named squat, confusion 3 x 3)."""
    truth = np.array([r["style"] for r in rows])
    got = name(_value(rows, mode, "none", 0.0), _value(rows, mode, second, b), semi, squat)
    conf = np.array([[int(np.sum((truth == a) & (got == b))) for b in STYLES] for a in STYLES])
    return int(np.trace(conf)), len(rows), int(conf[1, 2]), conf


def _split(rows: list[dict[str, Any]], got: np.ndarray) -> str:
    truth = np.array([r["style"] for r in rows])
    tw = np.array([r["twist"] for r in rows])
    la = np.array([r["lateral"] for r in rows])
    out = []
    for what, m in (("twist", tw), ("lean", la), ("neither", ~tw & ~la)):
        out.append(f"{what} {int(np.sum(got[m] == truth[m]))}/{int(m.sum())}")
    return ", ".join(out)


def candidate(spec: str, modes: list[str], fit_rows: list[dict[str, Any]],
              sets: list[tuple[str, list[dict[str, Any]]]]) -> int:
    """The shipped rule against ``FEATURE:B`` per set and hip mode: correct, confusion
    (rows truth stoop / semi-squat / squat, columns found) and twist / lean splits."""
    second, b = spec.split(":")[0], float(spec.split(":")[1])
    truth_fit = np.array([r["style"] for r in fit_rows])
    for mode in modes:
        semi = _semi_edge(mode)
        e, c = fit_squat_edge(_value(fit_rows, mode, "none", 0.0),
                              _value(fit_rows, mode, second, b), truth_fit, semi)
        print(f"\n== hip height {mode}: {second} b={b:+.3f}, squat edge {e:.5f} (fit {c}/"
              f"{len(fit_rows)}); shipped {_shipped_squat_edge(mode):.5f}")
        for spec_s, rows in sets:
            for tag, sec, bb, ee in (("shipped", "none", 0.0, _shipped_squat_edge(mode)),
                                     ("candidate", second, b, e)):
                cc, n, _, conf = score(rows, mode, sec, bb, semi, ee)
                got = name(_value(rows, mode, "none", 0.0), _value(rows, mode, sec, bb), semi, ee)
                rows_txt = "; ".join(" ".join(str(v) for v in row) for row in conf)
                print(f"  {spec_s:28s} {tag:9s} {cc}/{n} = {cc / n:.3f}  confusion {rows_txt};  "
                      f"{_split(rows, got)}")
    return 0


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cache", required=True, help="bench/style_study.py's cache folder")
    ap.add_argument("--fit", default="sim:100-139:cycle", help="family:seeds:rates of the fit")
    ap.add_argument("--sets", required=True,
                    help="';'-separated family:seeds:rates to score (rates '52,104,208')")
    ap.add_argument("--modes", default=",".join(HIP_MODES))
    ap.add_argument("--second", default=",".join(SECOND))
    ap.add_argument("--candidate", metavar="FEATURE:B",
                    help="instead: the shipped rule and this one (its squat edge fitted on the "
                         "fit set) per set, with confusions and twist / lean splits")
    args = ap.parse_args(argv)
    cache = Path(args.cache)
    fam, seeds, rates = args.fit.split(":")
    fit_rows = load(cache, fam, seeds, rates)
    sets = []
    for spec in args.sets.split(";"):
        f, s, r = spec.split(":")
        sets.append((spec, load(cache, f, s, r)))
    print(f"fit {args.fit}: {len(fit_rows)} lifts")
    truth_fit = np.array([r["style"] for r in fit_rows])
    if args.candidate:
        return candidate(args.candidate, args.modes.split(","), fit_rows, sets)
    for mode in args.modes.split(","):
        semi = _semi_edge(mode)
        shipped = _shipped_squat_edge(mode)
        print(f"\n== hip height {mode}: stoop edge {semi:g} (shipped), squat edge fitted per rule")
        for second in args.second.split(","):
            fits = []
            for b in SECOND[second]:
                e, c = fit_squat_edge(_value(fit_rows, mode, "none", 0.0),
                                      _value(fit_rows, mode, second, float(b)), truth_fit, semi)
                fits.append((c, float(b), e))
            top = max(c for c, _, _ in fits)
            plateau = [(b, e) for c, b, e in fits if c == top]
            # the plateau's ends and its middle (fit_thresholds.fit_edges' convention)
            ends = [plateau[0]] if len(plateau) == 1 else [
                plateau[0], plateau[(len(plateau) - 1) // 2], plateau[-1]]
            if second == "none":
                ends = [(0.0, plateau[0][1]), (0.0, shipped)]
            for b, e in ends:
                tag = ("shipped" if second == "none" and e == shipped else
                       f"{second} b={b:+.3f}")
                fit_c, fit_n, _, _ = score(fit_rows, mode, second, b, semi, e)
                line = [f"  {tag:16s} squat edge {e:.5f}  fit {fit_c}/{fit_n}"]
                for spec, rows in sets:
                    c, n, ss, _ = score(rows, mode, second, b, semi, e)
                    line.append(f"{spec} {c}/{n}={c / n:.3f} (semi->squat {ss})")
                print(";  ".join(line))
            if second != "none":
                print(f"    plateau of b with the best fit score ({top}): "
                      f"{plateau[0][0]:+.3f} … {plateau[-1][0]:+.3f} ({len(plateau)} of "
                      f"{len(fits)})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
