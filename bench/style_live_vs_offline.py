"""Live lift style against the report's with the wearer's hip height or without (closed bend).

Usage:
    PYTHONPATH=$PWD/host .venv/bin/python bench/style_live_vs_offline.py --seeds 11000-11004 \
        --rates 104 [--hip-height true|err3|none]

Each validation session is analysed as ``kyphos analyze --hip-height-m`` does (the report) and
streamed frame by frame through ``LiveState(wearer=wearer_from(hip_height_m))`` as
``bench/live_vs_offline.py`` streams it (``c`` pressed at the end of the guided upright). Per
session: the closed-bend lever (r, d) live and offline, and over the lifts both found (the same
lift: ends within 1 s, one-to-one) how many styles agree live/report, and each against
the truth. Held-out seeds (validate_analysis.HELD_OUT_FROM and on) are refused.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from live_vs_offline import stream  # noqa: E402
from validate_analysis import (  # noqa: E402
    development_seeds,
    family_case,
    hip_height_input,
    match,
)


def session(seed: int, fs: float, hip: str = "true") -> dict[str, Any]:
    """Live and report styles of one validation session with the wearer's hip height."""
    from kyphos.analysis import analyze
    from kyphos.metrics.style import wearer_from
    from kyphos.sim.validation import generate
    from kyphos.views.live_state import LiveState

    case = family_case("validation", seed, fs)
    h = hip_height_input(case, hip)
    off = analyze(case.session, hip_height_m=h)
    st = LiveState(30.0, wearer=wearer_from(hip_height_m=h))
    for _ in stream(generate(seed, fs), st):
        pass
    live = st.lifts
    return {"seed": seed, "fs": fs, "hip_m": h,
            "lever_off": None if off.wearer is None else off.wearer.lever,
            "lever_live": None if st.wearer is None else st.wearer.lever,
            "n_off": len(off.lifts), "n_live": len(live),
            **style_agreement(case.lifts, off.lifts, live)}


def style_agreement(truth_lifts: list[dict[str, Any]], off: list[Any], live: list[Any]
                    ) -> dict[str, int]:
    """Live lifts paired with the report's (the live view keeps each lift's end,
    ``LiftInfo.end_s``: the same lift ends within 1 s), how many of the pairs name the same
    style, and, of the pairs whose report lift matches a truth lift, how many each names right."""
    pairs = match([(lf.end_s - 1.0, lf.end_s + 1.0) for lf in off],
                  [(lf.end_s - 1.0, lf.end_s + 1.0) for lf in live], half=True)
    truth = [(t["start"], t["end"]) for t in truth_lifts]
    t_by_off = {j: i for i, j in match(truth, [(lf.start_s, lf.end_s) for lf in off], half=False)}
    right_off = right_live = n_t = 0
    for i, j in pairs:
        if i in t_by_off:
            n_t += 1
            ts = truth_lifts[t_by_off[i]]["style"]
            right_off += off[i].style == ts
            right_live += live[j].style == ts
    return {"pairs": len(pairs), "same": sum(off[i].style == live[j].style for i, j in pairs),
            "n_truth": n_t, "right_off": right_off, "right_live": right_live}


def _lv(x: Any) -> str:
    return "-" if x is None else f"({x[0]:.3f}, {x[1]:.3f})"


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="11000-11004")
    ap.add_argument("--rates", default="104")
    ap.add_argument("--hip-height", choices=("true", "err3", "err5", "none"), default="true",
                    help="none: no hip height, the closed-bend drop in metres live and offline")
    args = ap.parse_args(argv[1:])
    rows = []
    for s in development_seeds(args.seeds, "validation"):  # held-out seeds refused
        for fs in (float(r) for r in args.rates.split(",")):
            r = session(s, fs, args.hip_height)
            rows.append(r)
            print(f"seed {s} {fs:g} Hz: lever report {_lv(r['lever_off'])} live "
                  f"{_lv(r['lever_live'])}; lifts report {r['n_off']} live {r['n_live']} both "
                  f"{r['pairs']}: style same {r['same']}/{r['pairs']}; right report "
                  f"{r['right_off']}/{r['n_truth']} live {r['right_live']}/{r['n_truth']}",
                  flush=True)
    tot = {k: sum(r[k] for r in rows) for k in ("pairs", "same", "n_truth", "right_off",
                                                 "right_live")}
    print(f"pooled: style same live/report {tot['same']}/{tot['pairs']}; right report "
          f"{tot['right_off']}/{tot['n_truth']} live {tot['right_live']}/{tot['n_truth']}")
    dl = [np.subtract(r["lever_live"], r["lever_off"]) for r in rows
          if r["lever_live"] is not None and r["lever_off"] is not None]
    if dl:
        d = np.abs(np.array(dl))
        print(f"lever live - report: |dr| median {np.median(d[:, 0]):.3f} max {d[:, 0].max():.3f} m, "
              f"|dd| median {np.median(d[:, 1]):.3f} max {d[:, 1].max():.3f} m "
              f"({len(dl)} of {len(rows)} sessions with both)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
