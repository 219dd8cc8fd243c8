"""How far the style edges fitted on the sim family move with the wearers' stature draw.

For each realization of a stature design, fit every edge ``bench/fit_thresholds.py`` fits on
``--family sim`` (seeds 100-139, one rate each by the cycle, the note path), and print each
edge's min / max / SD over the realizations:

- ``random``: each seed's standard score an independent N(0, 1) draw (salt k: the rng
  ``[STATURE_SALT_KEY, 1, k, seed]``), i.e. the natural draw's distribution, another
  realization per salt;
- ``stratified``: the seeds take the exact quantiles Φ⁻¹((i + 0.5) / 40) in the permutation of
  salt k (``fit_thresholds.stature_z``; salt 0 is the shipped fit).

The rows of each (seed, rate, stature) are cached in ``--cache`` (JSON), so a realization that
repeats a wearer costs nothing and a re-run only prints.

    PYTHONPATH=$PWD/host python bench/style_stature_spread.py --design stratified --salts 0-5
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fit_thresholds as F  # noqa: E402
from validate_analysis import parse_seeds  # noqa: E402

EDGES = ("SEMI_DROP_M", "SQUAT_DROP_M", "SEMI_DROP_PER_HIP", "SQUAT_DROP_PER_HIP",
         "HIP_SHIFT_WEIGHT", "SEMI_CLOSED_PER_HIP", "SQUAT_CLOSED_PER_HIP", "SEMI_CLOSED_M",
         "SQUAT_CLOSED_M")


def design_z(design: str, seeds: list[int], salt: int) -> dict[int, float]:
    """seed -> the wearer's standard score in realization ``salt`` of ``design``."""
    if design == "stratified":
        return F.stature_z(seeds, salt)
    return {s: float(np.random.default_rng([F.STATURE_SALT_KEY, 1, salt, s]).standard_normal())
            for s in seeds}


def fit_rows(rows: list[list[Any]]) -> dict[str, float]:
    """Every edge fit_thresholds.main fits on ``rows`` (``collect``'s), without its printing."""
    out: dict[str, float] = {}
    for col, names in ((1, EDGES[0:2]), (2, EDGES[2:4])):
        use = [(r[0], float(r[col])) for r in rows if r[col] is not None and np.isfinite(r[col])]
        a, b, _ok = F.fit_edges([u[0] for u in use], np.array([u[1] for u in use]))
        out.update({names[0]: a, names[1]: b})
    closed: dict[str, float] = {}
    with contextlib.redirect_stdout(io.StringIO()):
        _s, w = F.fit_closed_rule([tuple(r) for r in rows], 3, 7, EDGES[5:7], (0.0, 1.0), None,
                                  "", closed)
        F.fit_closed_rule([tuple(r) for r in rows], 5, 6, EDGES[7:9], (0.0, 1.0), w, "", closed)
    out.update({"HIP_SHIFT_WEIGHT": closed["weight"], **{k: closed[k] for k in EDGES[5:]}})
    return out


def realization(design: str, salt: int, seeds: list[int], sd: float, cache: Path
                ) -> list[list[Any]]:
    from kyphos.sim import scenario

    zs = design_z(design, seeds, salt)
    F.draw_statures(sd, zs)
    rows: list[list[Any]] = []
    for s in seeds:
        fs = F.CYCLE[s % 3]
        h = scenario.random_lift_session(s, fs=fs)["subject"]["height_m"]
        f = cache / f"{s}_{fs:g}_{h:.3f}.json"
        if not f.exists():
            f.write_text(json.dumps([list(r) for r in F.collect("sim", s, fs, True)]))
        rows.extend(json.loads(f.read_text()))
    return rows


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--design", choices=("random", "stratified"), default="stratified")
    ap.add_argument("--salts", default="0-5")
    ap.add_argument("--seeds", default="100-139")
    ap.add_argument("--stature-sd", type=float, default=F.STATURE_SD)
    ap.add_argument("--cache", default="/tmp/style6/rows")
    ap.add_argument("--pool", type=int, default=1,
                    help="each seed at this many statures: realization r pools salts r·K … "
                         "r·K + K − 1 (design (b)/(c): several wearers per seed)")
    args = ap.parse_args(argv[1:])
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    seeds = parse_seeds(args.seeds)
    fits = []
    print(f"design {args.design}, sd {args.stature_sd}, seeds {args.seeds}")
    print(f"pool {args.pool}")
    print("salt  " + " ".join(f"{e[:22]:>22s}" for e in EDGES))
    salts = parse_seeds(args.salts)
    for r in range(len(salts) // args.pool):
        group = salts[r * args.pool:(r + 1) * args.pool]
        rows = [x for salt in group
                for x in realization(args.design, salt, seeds, args.stature_sd, cache)]
        fit = fit_rows(rows)
        fits.append(fit)
        tag = f"{group[0]}" if len(group) == 1 else f"{group[0]}-{group[-1]}"
        print(f"{tag:>5s} " + " ".join(f"{fit[e]:22.5f}" for e in EDGES), flush=True)
    a = np.array([[f[e] for e in EDGES] for f in fits])
    for name, v in (("min", a.min(0)), ("max", a.max(0)), ("range", a.max(0) - a.min(0)),
                    ("SD", a.std(0, ddof=1) if len(a) > 1 else 0 * a[0])):
        print(f"{name:>5s}" + " ".join(f"{x:22.5f}" for x in v))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
