"""A later ``c`` after the clip slip: the report with the wearer's second calibration vs without.

Usage:
    .venv/bin/python bench/later_calibration.py --seeds 0-29 --rate 104 [--after 30]

Per validation session with a truth clip slip, the wearer presses ``c`` again in the first
quiet stand after it: the first truth-standing stretch of at least 4 s, starting ``--after`` s
or more after the slip's end, in which the error-free gyro stays below ``QUIET_GYR`` and the
specific force within ``QUIET_ACC`` of g (standing still, as for ``c``), overlapping no lift,
slouch, task bend or seated reach; the upright is its 3rd second. The session is analysed with the
simulator's guided note alone ("one note": the clip-slip detector alone) and with a second
calibration note holding that upright ("two notes"). Printed per session and pooled: flexion
RMSE over the whole recording and from the second calibration on (valid samples, lying
included, as ``validate_analysis.py`` pools it), the re-references, the lift counts. The truth
flexion at the stand is what the wearer calls upright there (not 0 in general): printed too.

Validation seeds (validate_analysis.HELD_OUT_FROM and on) are refused (held out).
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
from kyphos.analysis import analyze
from kyphos.processing.calibration import QUIET_ACC, QUIET_GYR, G
from kyphos.sim.validation import generate


def _seeds(spec: str) -> list[int]:
    out: list[int] = []
    for part in spec.split(","):
        a, _, b = part.partition("-")
        out += list(range(int(a), int(b or a) + 1))
    return out


def _stand(v, after_s: float) -> tuple[float, float] | None:  # noqa: ANN001 (a ValidationSession)
    tr, t = v.truth, v.truth.time
    busy = [(lf.start, lf.end) for lf in tr.lifts] + [(x.start, x.end) for x in tr.slouches] \
        + [(x.start, x.end) for x in tr.sustained_bends] \
        + [(x.start, x.end) for x in tr.seated_reaches]
    # standing still, as a wearer does for ``c``: the sensor turns slower than the calibration's
    # quiet rule (calibration.QUIET_GYR) and its specific force is near g
    quiet = (np.linalg.norm(v.gyr_true, axis=1) < QUIET_GYR) \
        & (np.abs(np.linalg.norm(v.acc_true, axis=1) - G) < QUIET_ACC)
    ok = (tr.activity_names == "standing") & (t >= after_s) & quiet
    for a, b in busy:
        ok &= ~((t >= a - 1.0) & (t <= b + 1.0))
    d = np.diff(np.r_[0, ok.astype(np.int8), 0])
    for i, j in zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1), strict=True):
        if t[j - 1] - t[i] >= 4.0:
            return float(t[i] + 2.0), float(t[i] + 3.0)
    return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", required=True)
    ap.add_argument("--rate", type=float, default=104.0)
    ap.add_argument("--after", type=float, default=0.0, help="s after the slip's end (0)")
    args = ap.parse_args()
    seeds = _seeds(args.seeds)
    from validate_analysis import HELD_OUT_FROM
    if any(s >= HELD_OUT_FROM for s in seeds):
        sys.exit(f"validation seeds >= {HELD_OUT_FROM} are held out")
    pooled = {k: [0.0, 0] for k in ("one all", "two all", "one after", "two after",
                                    "two after re-zeroed")}
    print("seed  slip_s  c_s  truth_at_c  one: all after rerefs lifts | two: all after "
          "re-zeroed rerefs lifts")
    for seed in seeds:
        v = generate(seed, fs=args.rate)
        if not v.truth.clip_slips:
            continue
        sl = v.truth.clip_slips[0]
        up = _stand(v, sl.t + sl.dur_s + args.after)
        if up is None:
            print(f"{seed}: no quiet stand after the slip")
            continue
        t_true = v.truth.time
        f_true = np.degrees(v.truth.flexion)
        one = v.to_session()
        two = v.to_session()
        two.notes = list(two.notes) + [(float(t_true[-1]), {
            "kind": "calibration", "method": "live", "upright": [round(up[0], 4), round(up[1], 4)]})]
        at_c = float(np.mean(np.interp(np.linspace(up[0], up[1], 20), t_true, f_true)))
        row = []
        for name, ses in (("one", one), ("two", two)):
            a = analyze(ses)
            f = np.degrees(a.angles.flexion)
            ok = a.angles.valid & np.isfinite(f)
            e = f - np.interp(a.angles.time, t_true, f_true)
            late = ok & (a.angles.time >= up[1])
            # re-zeroed: against the truth whose zero is the wearer's posture at the second c
            # (what that c declares upright), not the first calibration's
            parts = [("all", e, ok), ("after", e, late)] + (
                [("after re-zeroed", e + at_c, late)] if name == "two" else [])
            for part, x, m in parts:
                pooled[f"{name} {part}"][0] += float(np.sum(x[m] ** 2))
                pooled[f"{name} {part}"][1] += int(np.count_nonzero(m))
            rr = ",".join(f"{r.t_s:.0f}{'c' if r.why.startswith('calibration') else ''}"
                          for r in a.re_references)
            rz = f" {np.sqrt(np.mean((e[late] + at_c) ** 2)):.3f}" if name == "two" else ""
            row.append(f"{np.sqrt(np.mean(e[ok] ** 2)):.3f} {np.sqrt(np.mean(e[late] ** 2)):.3f}"
                       f"{rz} [{rr}] {len(a.lifts)}")
        print(f"{seed} {sl.t:.1f} {up[1]:.1f} {at_c:+.2f}  one: {row[0]} | two: {row[1]}",
              flush=True)
    print("pooled RMSE (deg): " + ", ".join(
        f"{k} {np.sqrt(s / max(n, 1)):.3f}" for k, (s, n) in pooled.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
