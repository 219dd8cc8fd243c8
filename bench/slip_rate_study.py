"""The reading of each truth slip's own window (``clipslip.slip_motion_windows`` over the moving
stretch that holds it, against the mounting change the analysis found) at several sample
rates: the turn residual as a fraction of the change, the linear acceleration (m/s²), and the
turn's rows in seconds. Written for the RATE work (tenth session): the same slip read 0.14
m/s² at 52 Hz and 0.03 at 104 (validation 10013) before the trapezoid turn and the
fixed-span mean.

    PYTHONPATH=host .venv/bin/python bench/slip_rate_study.py --seeds 10013,11001 --rates 52,104,208

Development seeds only (validation below validate_analysis.HELD_OUT_FROM)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fit_thresholds import analyze_with_slip_calls  # noqa: E402
from validate_analysis import HELD_OUT_FROM, family_case, parse_seeds  # noqa: E402

HELD_OUT = HELD_OUT_FROM


def readings(family: str, seed: int, fs: float) -> list[tuple[float, ...]]:
    """(slip s, slip deg, residual / change, linear acceleration m/s², turn start s, end s)
    per truth slip the analysis placed (as ``fit_thresholds.slip_motion_rows``)."""
    from kyphos.processing import clipslip as cs

    case = family_case(family, seed, fs)
    res, calls = analyze_with_slip_calls(case)
    p = res.prepared
    t = p.time
    out: list[tuple[float, ...]] = []
    seen: set[tuple[float, int]] = set()
    for probes, lo, hi, m_old, m_new, *rest in calls:
        seq = [pr for pr in probes if lo <= pr.i0 <= hi]
        gaps = [(lo, seq[0].i0)] if seq else []
        gaps += [(seq[k - 1].i1, seq[k].i0) for k in range(1, len(seq))]
        for ts, deg in case.slips:
            for g0, g1 in gaps:
                if t[g0] - 0.3 <= ts <= t[min(g1, len(t) - 1)] + 0.3:
                    if (ts, g0) not in seen:
                        seen.add((ts, g0))
                        f = cs.slip_motion_windows(p.gyr, p.acc, p.fs, g0, g1, m_old, m_new,
                                                   rest[1])
                        if f is not None:
                            out.append((ts, deg, f[2] / f[5], f[4], t[f[0]], t[f[1]]))
                    break
    return out


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--family", choices=("validation", "sim", "simday"), default="validation")
    ap.add_argument("--seeds", default="10013,11001")
    ap.add_argument("--rates", default="52,104,208")
    args = ap.parse_args(argv[1:])
    seeds = parse_seeds(args.seeds)
    if args.family == "validation" and max(seeds) >= HELD_OUT:
        print(f"validation seeds >= {HELD_OUT} are held out", file=sys.stderr)
        return 2
    for s in seeds:
        for fs in (float(r) for r in args.rates.split(",")):
            for r in readings(args.family, s, fs):
                print(f"{args.family} {s} @{fs:g}: slip {r[0]:.1f} s {r[1]:.1f} deg  "
                      f"residual/change {r[2]:.3f}  lin {r[3]:.3f} m/s2  turn {r[4]:.2f}-{r[5]:.2f} s",
                      flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
