"""The validation targets with and without the chip's sampling chain (CHIP study).

Usage (from the repository root, ``PYTHONPATH=host``)::

    python bench/chip_filter_study.py --part run --seeds 28000-28029 --rates 52,104,208 \\
        --cache /tmp/chip --jobs 2
    python bench/chip_filter_study.py --part report --seeds 28000-28029 --rates 52,104,208 \\
        --cache /tmp/chip

``run`` generates each validation (seed, rate) once per chain (``generate(...,
chip_filter="none" | "lsm6dsox")``, :mod:`kyphos.sim.validation.chip_filter`) and scores it as
``bench/validate_analysis.py`` does, with no hip height and with ``--hip-height err3``; one
pickle per (seed, rate, chain) in ``--cache`` (a rerun skips what is there). ``report`` prints
``validate_analysis.summary`` for each chain and hip mode (all rates and per rate), then the
session-rates whose flexion RMSE / after-slip RMSE / lift start error moved most, and the
better / worse counts (by more than 0.005°). Development seeds only (refuses
``validate_analysis.HELD_OUT_FROM`` and above).
"""

from __future__ import annotations

import argparse
import pickle
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import validate_analysis as va  # noqa: E402

CHAINS = ("none", "lsm6dsox")
HIPS = ("none", "err3")


def _path(cache: Path, seed: int, fs: float, chain: str) -> Path:
    return cache / f"{seed}_{fs:g}_{chain}.pkl"


def _job(job: tuple[int, float, str, str]) -> str:
    seed, fs, chain, cache = job
    p = _path(Path(cache), seed, fs, chain)
    if p.exists():
        return str(p)
    case = va.family_case("validation", seed, fs, True, 1.0, None, chain)
    rows = {hip: va.score(case, hip, "closed") for hip in HIPS}
    tmp = p.with_suffix(".part")
    tmp.write_bytes(pickle.dumps(rows))
    tmp.replace(p)
    return str(p)


def _load(cache: Path, seeds: list[int], rates: list[float]) -> dict[tuple[int, float, str], Any]:
    out = {}
    for s in seeds:
        for fs in rates:
            for ch in CHAINS:
                p = _path(cache, s, fs, ch)
                if p.exists():
                    out[(s, fs, ch)] = pickle.loads(p.read_bytes())
    return out


def _after(r: dict[str, Any]) -> float:
    x = [a[1] for a in r.get("after_slip", []) if np.isfinite(a[1])]
    return float(np.mean(x)) if x else float("nan")


def report(cache: Path, seeds: list[int], rates: list[float]) -> None:
    got = _load(cache, seeds, rates)
    pairs = [(s, fs) for s in seeds for fs in rates
             if (s, fs, "none") in got and (s, fs, "lsm6dsox") in got]
    print(f"{len(pairs)} session-rates with both chains")
    for ch in CHAINS:
        for hip in HIPS:
            rows = [got[(s, fs, ch)][hip] for s, fs in pairs]
            print(f"\n##### chain {ch}, hip {hip}")
            va.summary(rows, "all rates")
            for fs in rates:
                sub = [got[(s, f, ch)][hip] for s, f in pairs if f == fs]
                if sub:
                    va.summary(sub, f"{fs:g} Hz")
    print("\n##### per session-rate, no hip: chain none -> lsm6dsox")
    for key, name in (("flex_rmse", "flexion RMSE"), ("after", "after-slip RMSE")):
        d = []
        for s, fs in pairs:
            a, b = got[(s, fs, "none")]["none"], got[(s, fs, "lsm6dsox")]["none"]
            x, y = (_after(a), _after(b)) if key == "after" else (a[key], b[key])
            d.append((y - x, s, fs, x, y))
        fin = [t for t in d if np.isfinite(t[0])]
        for fs in rates:
            sub = [t for t in fin if t[2] == fs]
            better = sum(t[0] < -0.005 for t in sub)
            worse = sum(t[0] > 0.005 for t in sub)
            print(f"{name} @{fs:g}: {better} better, {worse} worse (> 0.005 deg) of {len(sub)}")
        fin.sort()
        print(f"{name}: most improved", [f"{s}@{fs:g} {x:.3f}->{y:.3f}" for _, s, fs, x, y in fin[:8]])
        print(f"{name}: most worsened", [f"{s}@{fs:g} {x:.3f}->{y:.3f}" for _, s, fs, x, y in fin[::-1][:8]])


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=("run", "report"), required=True)
    ap.add_argument("--seeds", required=True)
    ap.add_argument("--rates", default="52,104,208")
    ap.add_argument("--cache", required=True)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--chains", default=",".join(CHAINS))
    args = ap.parse_args(argv[1:])
    seeds = va.development_seeds(args.seeds)
    rates = [float(x) for x in args.rates.split(",")]
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    if args.part == "run":
        jobs = [(s, fs, ch, str(cache)) for s in seeds for fs in rates
                for ch in args.chains.split(",")]
        if args.jobs <= 1:
            for j in jobs:
                print(_job(j), flush=True)
            return 0
        from multiprocessing import Pool

        with Pool(args.jobs) as pool:
            for p in pool.imap_unordered(_job, jobs, chunksize=1):
                print(p, flush=True)
        return 0
    report(cache, seeds, rates)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
