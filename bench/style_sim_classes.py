"""Do the simulator's semi-squat and squat classes touch in true hip drop, and why (issue 15,
STYLE5, seventeenth session)?

Usage:
    PYTHONPATH=$PWD/host .venv/bin/python bench/style_sim_classes.py [--seeds 100-139]

No session is simulated: every lift of ``random_lift_session(seed)`` (the fit family) is drawn
and its true hip drop computed as ``bench/style_study._sim_hip_drops`` does (the style's ankle
and the lift's knee on the subject's legs, as ``kyphos.sim.body.pose`` places the hip). Printed
per variant: each style's hip-drop range, the semi-squat/squat overlap (semi max − squat min,
> 0: the classes touch) and the best any single squat edge on the **truth** can do (the
ceiling of a fit on these labels). Variants, all diagnostics (nothing here is shipped):

* ``shipped``: ``scenario.STYLES`` ankles (stoop 3°, semi-squat 15°, squat 25°, own
  assumptions) and every wearer 1.75 m (``random_lift_session`` draws no height);
* ``stature``: each session's wearer drawn with a stature spread (segments scale with height,
  ``Anthropometry.from_height``) as ``random_lift_session(seed, stature_sd=)`` draws it. The
  spread is ``--stature-sd`` of 1.75 m; default 0.041, the
  within-sex SD of adult stature, men 2.85 in (7.2 cm) and women 2.58 in (6.6 cm) (NCHS, Vital
  and Health Statistics Series 11 No. 8, US adults 1960–62, estimated SDs as quoted by a
  public copy of the report): 7.2 / 175 = 0.041;
* ``one ankle``: every bent-knee lift with the same ankle (the semi-squat's and squat's mean,
  20°): shows how much of the touch the per-style ankle constants make.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable

import numpy as np
from kyphos.sim.scenario import STYLES, random_lift_session

#: within-sex SD of adult stature over 1.75 m (NCHS Series 11 No. 8: men 2.85 in = 7.2 cm)
STATURE_SD = 0.041
STYLE_NAMES = ("stoop", "semi-squat", "squat")


def lifts(seeds: Iterable[int]) -> list[tuple[int, str, float]]:
    """(seed, style, knee_deg) of every lift of the fit family's sessions, in order."""
    out = []
    for seed in seeds:
        for seg in random_lift_session(seed)["segments"]:
            if seg["kind"] == "lift":
                out.append((seed, str(seg["style"]), float(seg["knee_deg"])))
    return out


def hip_drops(rows: list[tuple[int, str, float]], height_m: np.ndarray | float = 1.75,
              ankle_deg: dict[str, float] | None = None) -> np.ndarray:
    """True hip drop (m) of each lift: ``(shank + thigh) − (shank·cos a + thigh·cos(a − k))``
    with shank = thigh = 0.43 m × height / 1.75 (``Anthropometry.from_height``), a the style's
    ankle (``STYLES`` unless ``ankle_deg`` overrides it), k the lift's knee angle."""
    a = np.radians([(ankle_deg or {}).get(st, STYLES[st]["ankle"]) for _, st, _ in rows])
    k = np.radians([kd for _, _, kd in rows])
    seg = 0.43 * np.broadcast_to(np.asarray(height_m, float), a.shape) / 1.75
    return seg * (2.0 - np.cos(a) - np.cos(a - k))


def best_squat_edge(style: list[str], drop: np.ndarray) -> tuple[float, int, int]:
    """The squat edge on the truth drop that names the most semi-squats and squats right:
    (edge at the middle of the best run, right, total). Stoops do not enter (their edge is
    the other one)."""
    m = np.isin(style, ("semi-squat", "squat"))
    x, sq = drop[m], np.asarray(style)[m] == "squat"
    # an edge at u[i] names x >= u[i] squat; the plateau of the best edges runs from the value
    # below the first best one to the last best one, and the edge is its middle
    u = np.unique(x)
    right = np.array([int(np.sum((x >= e) == sq)) for e in u])
    best = np.flatnonzero(right == right.max())
    lo = u[best[0] - 1] if best[0] > 0 else u[0] - 1e-3
    return float((lo + u[best[-1]]) / 2), int(right.max()), int(m.sum())


def summary(style: list[str], drop: np.ndarray) -> dict[str, float]:
    st = np.asarray(style)
    out: dict[str, float] = {}
    for name in STYLE_NAMES:
        out[f"{name}_min"], out[f"{name}_max"] = (float(drop[st == name].min()),
                                                  float(drop[st == name].max()))
    out["overlap_m"] = out["semi-squat_max"] - out["squat_min"]
    out["edge_m"], right, n = best_squat_edge(style, drop)
    out["right"], out["n"] = right, n
    return out


def variants(seeds: list[int], stature_sd: float = STATURE_SD) -> dict[str, dict[str, float]]:
    rows = lifts(seeds)
    style = [st for _, st, _ in rows]
    # each session's wearer as random_lift_session(stature_sd=) draws them (the fit's sessions
    # under bench/fit_thresholds.py --stature-sd)
    per_seed = {s: random_lift_session(s, stature_sd=stature_sd)["subject"]["height_m"]
                for s in seeds}
    h = np.array([per_seed[s] for s, _, _ in rows])
    mean_ankle = (STYLES["semi-squat"]["ankle"] + STYLES["squat"]["ankle"]) / 2
    return {
        "shipped": summary(style, hip_drops(rows)),
        f"stature sd {stature_sd:.3f}": summary(style, hip_drops(rows, h)),
        f"one ankle {mean_ankle:g} deg": summary(
            style, hip_drops(rows, ankle_deg={"semi-squat": mean_ankle, "squat": mean_ankle})),
    }


def _parse_seeds(text: str) -> list[int]:
    a, _, b = text.partition("-")
    return list(range(int(a), int(b or a) + 1))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", default="100-139", help="fit-family seeds (default 100-139)")
    ap.add_argument("--stature-sd", type=float, default=STATURE_SD)
    args = ap.parse_args(argv)
    seeds = _parse_seeds(args.seeds)
    print(f"random_lift_session seeds {args.seeds}: true hip drop (m) per style")
    for name, s in variants(seeds, args.stature_sd).items():
        rng = ", ".join(f"{st} {s[st + '_min']:.4f}–{s[st + '_max']:.4f}" for st in STYLE_NAMES)
        print(f"  {name:>20s}: {rng}; semi max − squat min {100 * s['overlap_m']:+.2f} cm; "
              f"best squat edge on the truth {s['edge_m']:.4f} m names {s['right']:g} of "
              f"{s['n']:g} bent-knee lifts right")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
