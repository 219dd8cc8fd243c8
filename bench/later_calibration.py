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

``--reclip``: the session is drawn with ``generate(reclip=True)`` instead: before its last
lifts the wearer moves the clip to another thoracic level (another depth, turned 5–15°) and
makes the guided calibration again (upright and bend: ``script.reclip.calibration``). Printed
per session and pooled: the style accuracy of the truth lifts after that calibration's bend
(matched as ``validate_analysis.py`` does), named with the first calibration's lever for
every lift ("first lever": the analysis before each later guided bend had its own,
``kyphos.analysis.later_levers`` returning nothing) and with the later bend's lever ("own
lever"); ``--hip`` a hip-height mode of ``validate_analysis.py`` (none, true, err3);
``--drop knee``: the styles named by the knee rule (``analyze(style_drop="knee")``), whose
link is then the later bend's ("own") or the first calibration's ("first":
``kyphos.analysis.later_links`` returning nothing too).

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


def reclip_row(seed: int, rate: float, hip: str, drop: str = "closed"
               ) -> tuple[list[tuple[str, str, str]], str]:
    """(truth, first lever, own lever) styles of the matched lifts after the later guided
    bend of the reclip session ``seed``, and a printed row."""
    import kyphos.analysis as an
    from validate_analysis import HIP_HEIGHT_MODES, hip_height_input, match, validation_case

    assert hip in HIP_HEIGHT_MODES
    v = generate(seed, fs=rate, reclip=True)
    rc = v.script.reclip
    assert rc is not None
    case = validation_case(seed, rate, True)  # its hip height (the same person)
    ses = v.to_session()
    ses.notes = list(ses.notes) + [(float(v.truth.time[-1]), {
        "kind": "calibration", "method": "guided",
        "upright": [round(x, 4) for x in rc.calibration["upright"]],
        "bend": [round(x, 4) for x in rc.calibration["bend"]]})]
    t_bend = rc.calibration["bend"][1]
    truth = [lf for lf in v.truth.lifts if lf.start > t_bend]
    hh = hip_height_input(case, hip)
    styles: dict[str, list[str | None]] = {}
    levers = ""
    real, real_links = an.later_levers, an.later_links
    for name in ("first", "own"):
        if name == "first":  # the analysis before later bends had their own lever (link)
            an.later_levers = lambda *_a, **_k: ()  # type: ignore[assignment]
            an.later_links = lambda *_a, **_k: ()  # type: ignore[assignment]
        try:
            a = an.analyze(ses, hip_height_m=hh, style_drop=drop)
        finally:
            an.later_levers, an.later_links = real, real_links  # type: ignore[assignment]
        found = [(lf.start_s, lf.end_s) for lf in a.lifts]
        pairs = dict(match([(lf.start, lf.end) for lf in truth], found, half=False))
        styles[name] = [a.lifts[pairs[i]].style if i in pairs else None
                        for i in range(len(truth))]
        if name == "own":
            w = a.wearer
            lv = [w.lever] + [x[1] for x in w.later_levers] if w is not None else []
            levers = " ".join("-" if x is None else f"({x[0]:.2f},{x[1]:.2f})" for x in lv)
            if drop == "knee":  # the knee rule's links: the first calibration's, the later
                lk = [a.link_m] + ([x[1] for x in w.later_links] if w is not None else [])
                levers = " ".join("-" if x is None else f"{x:.3f}" for x in lk)
    rows = [(lf.style, f, o) for lf, f, o in zip(truth, styles["first"], styles["own"],
                                                   strict=True) if f is not None and o is not None]
    p = v.truth.person
    first_ok = sum(t == f for t, f, _o in rows)
    own_ok = sum(t == o for t, _f, o in rows)
    line = (f"{seed} level {p['level_frac']:.2f}->{rc.level_frac:.2f} depth {p['depth_m']:.3f}->"
            f"{rc.depth_m:.3f} bend_end {t_bend:.0f} lifts after {len(truth)} matched {len(rows)}"
            f" first {first_ok} own {own_ok} levers {levers} "
            + " ".join(f"{t[:4]}:{f[:4]}>{o[:4]}" for t, f, o in rows if f != o or t != o))
    return rows, line


def main_reclip(seeds: list[int], rate: float, hip: str, drop: str = "closed") -> int:
    allrows: list[tuple[str, str, str]] = []
    for seed in seeds:
        rows, line = reclip_row(seed, rate, hip, drop)
        allrows += rows
        print(line, flush=True)
    n = max(len(allrows), 1)
    first = sum(t == f for t, f, _o in allrows)
    own = sum(t == o for t, _f, o in allrows)
    print(f"pooled style accuracy after the later guided bend ({len(allrows)} lifts, hip {hip}, "
          f"drop {drop}): "
          f"first lever {first / n:.3f} ({first}), own lever {own / n:.3f} ({own})")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", required=True)
    ap.add_argument("--rate", type=float, default=104.0)
    ap.add_argument("--after", type=float, default=0.0, help="s after the slip's end (0)")
    ap.add_argument("--reclip", action="store_true",
                    help="re-clipped sessions with a second guided calibration: lift styles")
    ap.add_argument("--hip", default="none", help="hip height mode with --reclip (none)")
    ap.add_argument("--drop", default="closed", choices=("closed", "knee"),
                    help="style rule with --reclip: analyze's style_drop (closed)")
    args = ap.parse_args()
    seeds = _seeds(args.seeds)
    from validate_analysis import HELD_OUT_FROM
    if any(s >= HELD_OUT_FROM for s in seeds):
        sys.exit(f"validation seeds >= {HELD_OUT_FROM} are held out")
    if args.reclip:
        return main_reclip(seeds, args.rate, args.hip, args.drop)
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
