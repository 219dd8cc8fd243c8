"""Where the validation family's large lift start errors come from (a trace, no fix).

Usage (from a worktree, PYTHONPATH=$PWD/host):
    .venv/bin/python bench/lift_start_trace.py --seeds 25000-25029 --rates 52,104,208 --worst 30

Per (seed, rate) it analyses the session as ``bench/validate_analysis.py`` does (no hip
height; the same one-to-one lift matching, :func:`validate_analysis.match`), then once more
with ``kyphos.metrics.lifts.SPEED_PAD_S = 0``, which turns the speed rule off and leaves the
flexion / height rule's bounds (the candidate span the speed window is built on). Each matched
lift gets:

* ``err`` = detected start − truth start (s); ``rule`` = the rule's start − truth start;
  ``path``: ``speed`` (the start was moved by the speed rule), ``rule`` (speed rule gave the
  rule's start or was skipped), ``close`` marks a previous detection ending less than
  SPEED_PAD_S before the rule's start (the window is cut: ``_speed_bounds`` alone);
* truth: style, upright squat, twist / lateral lean, ``onset`` (the scripted motion's first
  instant) − truth start, and what precedes it: the truth activity over the 2 s before the
  start and the nearest earlier truth event (lift / task bend / seated reach / walk /
  transition) with the gap from its end to this start;
* detection: style, ``found_by`` (flexion / height / both), context.

Development seeds only (the bench's held-out rule applies); ``--jobs`` is not offered (one
process: the machine is shared).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import validate_analysis as va  # noqa: E402


def _analyze(case: va.Case, pad: float | None
             ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    import kyphos.metrics.lifts as lifts_mod
    from kyphos.analysis import analyze

    old = lifts_mod.SPEED_PAD_S
    try:
        if pad is not None:
            lifts_mod.SPEED_PAD_S = pad
        a = analyze(case.session, hip_height_m=None, style_drop="closed")
    finally:
        lifts_mod.SPEED_PAD_S = old
    doc = [dict(d) for d in a.to_dict().get("lifts", [])]
    return doc, [{"peak_s": lf.peak_s, "found_by": lf.found_by, "context": lf.context}
                 for lf in a.lifts]


def _preceding(case: va.Case, t0: float) -> tuple[str, str, float]:
    """Truth activity over [t0 − 2 s, t0) and the nearest earlier truth event (kind, gap s)."""
    i0, i1 = np.searchsorted(case.time, (t0 - 2.0, t0))
    lab = case.activity[i0:i1] if case.activity is not None else np.array([])
    labels, cnt = np.unique(lab, return_counts=True) if len(lab) else ([], [])
    act = "/".join(f"{lb}" for lb, _c in
                   sorted(zip(labels, cnt, strict=True), key=lambda x: -x[1]))
    ev: list[tuple[float, str]] = []
    for lf in case.lifts:
        if lf["end"] < t0 - 1e-6:
            ev.append((lf["end"], "lift"))
    for kind, ivs in case.excluded.items():
        ev += [(b, kind) for _a, b in ivs if b < t0]
    ev += [(b, "slouch") for _a, b in case.slouches if b < t0]
    if not ev:
        return act, "none", float("nan")
    end, kind = max(ev)
    return act, kind, t0 - end


def trace(seed: int, fs: float) -> list[dict[str, Any]]:
    case = va.family_case("validation", seed, fs)
    det, extra = _analyze(case, None)
    rule_det, rule_extra = _analyze(case, 0.0)
    rule_pk = np.array([e["peak_s"] for e in rule_extra])
    found = [(float(d["start_s"]), float(d["end_s"])) for d in det]
    truth = [(t["start"], t["end"]) for t in case.lifts]
    out = []
    ends = np.array([f[1] for f in found])
    for i, j in va.match(truth, found, half=False):
        t = case.lifts[i]
        k = int(np.argmin(np.abs(rule_pk - extra[j]["peak_s"]))) if len(rule_pk) else -1
        rs = float(rule_det[k]["start_s"]) if k >= 0 else float("nan")
        s = found[j][0]
        prev_end = ends[j - 1] if j > 0 else -np.inf
        act, kind, gap = _preceding(case, t["start"])
        out.append({
            "seed": seed, "fs": fs, "truth": t["start"], "det": s, "err": s - t["start"],
            "rule": rs - t["start"], "path": ("rule" if abs(s - rs) < 0.5 / fs else "speed")
            + ("+close" if prev_end >= rs - va_pad() else ""),
            "onset": t["onset"] - t["start"], "style": t["style"], "got": det[j]["style"],
            "upright": t["upright_squat"], "twist": t["twist"], "lateral": t["lateral"],
            "found_by": extra[j]["found_by"], "context": extra[j]["context"],
            "before": act, "prev": kind, "gap": gap, "dur": t["end"] - t["start"],
        })
    return out


def va_pad() -> float:
    import kyphos.metrics.lifts as lifts_mod

    return float(lifts_mod.SPEED_PAD_S)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="25000-25029")
    ap.add_argument("--rates", default="52,104,208")
    ap.add_argument("--worst", type=int, default=30)
    ap.add_argument("--threshold", type=float, default=0.1, help="|err| counted as large, s")
    args = ap.parse_args()
    a, _, b = args.seeds.partition("-")
    seeds = range(int(a), int(b or a) + 1)
    if any(s >= 26000 for s in seeds):
        raise SystemExit("held-out seeds (>= 26000): not run here")
    rows: list[dict[str, Any]] = []
    for fs in (float(r) for r in args.rates.split(",")):
        for s in seeds:
            rows += trace(s, fs)
    err = np.array([r["err"] for r in rows])
    print(f"{len(rows)} matched lifts; 95th pct |err| {np.percentile(np.abs(err), 95):.3f} s; "
          f"|err| > {args.threshold}: {int(np.sum(np.abs(err) > args.threshold))}")
    big = [r for r in rows if abs(r["err"]) > args.threshold]
    for key in ("seed", "fs", "style", "upright", "twist", "lateral", "found_by", "path",
                "prev", "before"):
        vals: dict[Any, list[int]] = {}
        for r in rows:
            vals.setdefault(r[key], [0, 0])
            vals[r[key]][0] += 1
            vals[r[key]][1] += abs(r["err"]) > args.threshold
        txt = ", ".join(f"{k}: {v[1]}/{v[0]}" for k, v in
                        sorted(vals.items(), key=lambda kv: -kv[1][1]) if v[1])
        print(f"large by {key}: {txt}")
    print(f"sign of large errors: early {sum(r['err'] < 0 for r in big)}, "
          f"late {sum(r['err'] > 0 for r in big)}")
    print("seed   fs    truth_s   det_s    err    rule  path        onset style->got"
          "            up tw la found_by ctx      before              prev(gap s)")
    for r in sorted(rows, key=lambda r: -abs(r["err"]))[: args.worst]:
        print(f"{r['seed']} {r['fs']:4.0f} {r['truth']:8.2f} {r['det']:8.2f} {r['err']:+.3f} "
              f"{r['rule']:+.3f} {r['path']:<11} {r['onset']:+.2f} "
              f"{r['style'] + '->' + r['got']:<22} {int(r['upright'])}  {int(r['twist'])}  "
              f"{int(r['lateral'])} {r['found_by']:<8} {r['context']:<8} {r['before']:<19} "
              f"{r['prev']}({r['gap']:.1f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
