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

    old, old_speeds = lifts_mod.SPEED_PAD_S, lifts_mod._speeds
    calls: list[tuple[Any, ...]] = []

    def spy(*args: Any) -> np.ndarray:  # the batch's windows, read back in _windows
        calls.append(args)
        return np.asarray(old_speeds(*args))

    try:
        if pad is not None:
            lifts_mod.SPEED_PAD_S = pad
        lifts_mod._speeds = spy  # type: ignore[assignment]
        a = analyze(case.session, hip_height_m=None, style_drop="closed")
    finally:
        lifts_mod.SPEED_PAD_S, lifts_mod._speeds = old, old_speeds
    doc = [dict(d) for d in a.to_dict().get("lifts", [])]
    win = _windows(calls, a.angles.time, a.angles.fs) if pad is None else {}
    return doc, [{"peak_s": lf.peak_s, "found_by": lf.found_by, "context": lf.context,
                  **win.get(round(lf.start_s, 4), {})} for lf in a.lifts]


def _windows(calls: list[tuple[Any, ...]], t: np.ndarray, fs: float) -> dict[float, dict[str, float]]:
    """Per speed-rule window of the batch, keyed by its detected start (s): ``half_h`` = the
    horizontal size of half the difference of the earth-frame free acceleration's first and
    last 0.15-s means (m/s², what k0 = their average leaves as a constant over the pre-motion
    pad; ``half`` its 3-D size), ``end_std_h`` its horizontal std over the last 0.15 s (the clip still ringing),
    ``ramp`` = half · (rule start − window start) / peak speed (the share of the peak the
    residual's velocity ramp reaches before the rule's start; > ONSET_SPEED_FRACTION: the
    start is read early)."""
    import kyphos.metrics.lifts as lm

    out: dict[float, dict[str, float]] = {}
    for earth_acc, quat, acc, flex, lat, j0, j1, i0, i1, _fs, *_ in calls:
        res = np.asarray(lm._speeds(earth_acc, quat, acc, flex, lat, j0, j1, i0, i1, fs))
        k = max(2, int(0.15 * fs))
        for c in range(len(j0)):
            if res[c, 0] < 0:
                continue
            a, b = int(j0[c]), int(j1[c])
            e = (earth_acc[a:b] if earth_acc is not None
                 else lm.earth_free_acceleration(quat[a:b], acc[a:b]))
            tilt = np.arccos(np.clip(np.cos(flex[a:b]) * np.cos(lat[a:b]), -1, 1))
            v = lm._rest_to_rest_velocity(e, tilt, fs)
            if v is None:
                continue
            peak = float(np.sqrt((v * v).sum(axis=1)).max())
            half = 0.5 * (e[:k].mean(axis=0) - e[-k:].mean(axis=0))
            out[round(float(t[res[c, 0]]), 4)] = {
                "half_h": float(np.hypot(half[0], half[1])), "half": float(np.linalg.norm(half)),
                "end_std_h": float(np.hypot(*e[-k:, :2].std(axis=0))), "peak": peak,
                "ramp": float(np.linalg.norm(half)) * (int(i0[c]) - a) / fs / peak}
    return out


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
            **{key: extra[j].get(key, float("nan")) for key in ("half_h", "half", "end_std_h",
                                                               "peak", "ramp")},
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
          "            up tw la found_by ctx      before              prev(gap s) | half "
          "end_std_h peak ramp")
    for r in sorted(rows, key=lambda r: -abs(r["err"]))[: args.worst]:
        print(f"{r['seed']} {r['fs']:4.0f} {r['truth']:8.2f} {r['det']:8.2f} {r['err']:+.3f} "
              f"{r['rule']:+.3f} {r['path']:<11} {r['onset']:+.2f} "
              f"{r['style'] + '->' + r['got']:<22} {int(r['upright'])}  {int(r['twist'])}  "
              f"{int(r['lateral'])} {r['found_by']:<8} {r['context']:<8} {r['before']:<19} "
              f"{r['prev']}({r['gap']:.1f}) | {r['half']:.3f} {r['end_std_h']:.2f} "
              f"{r['peak']:.2f} {r['ramp']:.3f}")
    # the pre-motion residual of the rest-to-rest model against the start error
    ramp = np.array([r["ramp"] for r in rows])
    ok = np.isfinite(ramp)
    for lo_, hi_ in ((0.0, 0.03), (0.03, 0.05), (0.05, 0.08), (0.08, np.inf)):
        m = ok & (ramp >= lo_) & (ramp < hi_)
        if m.any():
            print(f"ramp in [{lo_:.2f}, {hi_:.2f}): {int(m.sum())} lifts, |err| > "
                  f"{args.threshold}: {int(np.sum(np.abs(err[m]) > args.threshold))}, "
                  f"median err {np.median(err[m]):+.3f} s")
    # how slowly the body starts: scripted motion onset - truth start (s); a long slow start
    # keeps the true speed at a few % of its peak for longer, where a residual tips it over 5 %
    ons = np.array([r["onset"] for r in rows])
    for lo_, hi_ in ((-np.inf, -0.3), (-0.3, -0.2), (-0.2, np.inf)):
        for rl, rh in ((0.0, 0.03), (0.03, np.inf)):
            m = ok & (ons >= lo_) & (ons < hi_) & (ramp >= rl) & (ramp < rh)
            if m.any():
                print(f"onset-start in [{lo_:+.1f}, {hi_:+.1f}) s, ramp in [{rl:.2f}, {rh:.2f}): "
                      f"{int(m.sum())} lifts, |err| > {args.threshold}: "
                      f"{int(np.sum(np.abs(err[m]) > args.threshold))}")
    ring = np.array([r["end_std_h"] for r in rows])
    for lo_, hi_ in ((0.0, 0.1), (0.1, 0.3), (0.3, np.inf)):
        m = np.isfinite(ring) & (ring >= lo_) & (ring < hi_)
        if m.any():
            print(f"end std_h in [{lo_:.1f}, {hi_:.1f}) m/s^2 (ringing): {int(m.sum())} lifts, "
                  f"|err| > {args.threshold}: {int(np.sum(np.abs(err[m]) > args.threshold))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
