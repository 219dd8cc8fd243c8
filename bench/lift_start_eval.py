"""Lift start / end error and style, before and after a change to the speed rule, per session.

Usage (from a worktree, PYTHONPATH=$PWD/host):
    git show 388e951:host/kyphos/metrics/lifts.py > /tmp/lifts_old.py
    .venv/bin/python bench/lift_start_eval.py --seeds 25000-25029 --rates 52,104,208 \\
        --baseline /tmp/lifts_old.py

Each session is simulated once and scored (:func:`validate_analysis.score`, no hip height,
closed drop) with this worktree's ``kyphos.metrics.lifts`` and, with ``--baseline``, once more
with the speed-bound functions (``_speed_bounds``, ``_speed_bounds_rows``) of another
``lifts.py`` patched in (the old rule), so the two differ only in the lift's start and end
(the closed style window reads ``Lift.window_start_s``, the rest-to-rest start, in both).
Development seeds only.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import validate_analysis as va  # noqa: E402


def _load(path: str) -> Any:
    spec = importlib.util.spec_from_file_location("lifts_baseline", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["lifts_baseline"] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


def _score(case: va.Case, base: Any | None) -> dict[str, Any]:
    import kyphos.metrics.lifts as lm

    saved = (lm._speed_bounds, lm._speed_bounds_rows)

    def one(*args: Any) -> Any:  # a (start, end) baseline: its start is the window's too
        sb = base._speed_bounds(*args)
        return sb if sb is None or len(sb) == 3 else (sb[0], sb[1], sb[0])

    def rows(*args: Any) -> np.ndarray:
        sb = np.asarray(base._speed_bounds_rows(*args))
        return sb if sb.shape[1] == 3 else np.c_[sb, sb[:, 0]]

    try:
        if base is not None:
            lm._speed_bounds, lm._speed_bounds_rows = one, rows  # type: ignore[assignment]
        return va.score(case)
    finally:
        lm._speed_bounds, lm._speed_bounds_rows = saved  # type: ignore[assignment]


def _line(name: str, rows: list[dict[str, Any]]) -> str:
    nt = sum(r["n_lifts"] for r in rows)
    nf = sum(r["n_found"] for r in rows)
    tp = sum(r["tp"] for r in rows)
    se = np.concatenate([np.asarray(r["start_err"], float) for r in rows])
    ee = np.concatenate([np.asarray(r["end_err"], float) for r in rows])
    st = [x for r in rows for x in r["style"]]
    ok = np.array([t == d for t, d, *_ in st])
    return (f"{name:<10} P {tp / max(nf, 1):.3f} R {tp / max(nt, 1):.3f}  start 95th "
            f"{np.percentile(np.abs(se), 95):.3f} (>0.1: early {int(np.sum(se < -0.1))} late "
            f"{int(np.sum(se > 0.1))})  end 95th {np.percentile(np.abs(ee), 95):.3f}  "
            f"style {ok.mean():.3f} ({int(ok.sum())}/{len(ok)})")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="25000-25029")
    ap.add_argument("--rates", default="52,104,208")
    ap.add_argument("--baseline", help="a lifts.py whose speed-bound functions are the 'old'")
    args = ap.parse_args()
    seeds = va.development_seeds(args.seeds)
    base = _load(args.baseline) if args.baseline else None
    variants: list[tuple[str, Any]] = [("new", None)]
    if base is not None:
        variants.insert(0, ("old", base))
    rows: dict[str, list[dict[str, Any]]] = {v[0]: [] for v in variants}
    for fs in (float(r) for r in args.rates.split(",")):
        for s in seeds:
            case = va.family_case("validation", s, fs)
            for name, b in variants:
                rows[name].append(_score(case, b))
        print(f"-- {fs:g} Hz", flush=True)
        for name in rows:
            print(_line(name, [r for r in rows[name] if r["fs"] == fs]), flush=True)
    print(f"== pooled {args.seeds} @ {args.rates}")
    for name in rows:
        print(_line(name, rows[name]))
    if base is not None:  # the lifts whose start moved most
        moved = []
        for ro, rn in zip(rows["old"], rows["new"], strict=True):
            if len(ro["start_err"]) == len(rn["start_err"]):
                for eo, en in zip(ro["start_err"], rn["start_err"], strict=True):
                    if abs(en - eo) > 0.05:
                        moved.append((ro["seed"], ro["fs"], eo, en))
        print(f"starts moved > 0.05 s: {len(moved)}; worse: "
              f"{sum(abs(n) > abs(o) for *_, o, n in moved)}")
        for s, fs, eo, en in sorted(moved, key=lambda m: -abs(m[3]))[:15]:
            print(f"  {s} {fs:4.0f} old {eo:+.3f} new {en:+.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
