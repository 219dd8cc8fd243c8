"""Semi-squats named squats: where each misnamed lift sits against the style edges, in truth and
as measured (issue 15, SEMISQ, thirteenth session).

Usage:
    .venv/bin/python bench/style_study.py --family validation --seeds 14000-14029 --rates 104 --cache /tmp/semisq/cache
    .venv/bin/python bench/style_semisq_study.py --cache /tmp/semisq/cache --sets "14000-14029:104;13000-13029:104"

Reads ``bench/style_study.py``'s cached lift windows (validation family only; seeds (validate_analysis.HELD_OUT_FROM and on)
are refused by ``development_seeds``). No edge is fitted here: every rule uses the shipped
edges (``kyphos.metrics.style``), fitted on sim 100–139 by ``bench/fit_thresholds.py``.
Per set it prints:

1. the with-hip-height rule (closed-bend knee drop / H, the default with a hip height) and the
   no-hip rule (the shipped knee drop in m, as cached from the analysis), with a 3 % error H
   (``validate_analysis.hip_height_input(.., "err3")``) and the true H: confusion matrices;
2. every misnamed lift: its truth hip drop and truth drop / H against the edge, the measured
   drop, its error, the 3 % H factor, and the person's hip share and the lift's trunk angle
   (the generator tilts the pelvis by ``hip_share_stoop + 0.1`` of the trunk in a bent-knee
   lift and by ``hip_share_stoop`` in the calibration bend: ``sim.validation.script``);
3. the closed drop's error against the truth hip drop by style, and its correlation with the
   features a general measurement fault would show in (rate, peak tilt, twist, lean, window
   length, the lever's r and d, lever at a bound);
4. the edge margins: how far above / below the edges each class's truth and measurement sit.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from style_closed_study import add_features, err3_hip, load  # noqa: E402
from validate_analysis import STYLES  # noqa: E402


def _cm(y: list[str], p: list[str]) -> str:
    cm = np.zeros((3, 3), int)
    for t, q in zip(y, p, strict=True):
        cm[STYLES.index(t), STYLES.index(q)] += 1
    ok = int(np.trace(cm))
    return (f"{ok}/{len(y)} = {ok / max(1, len(y)):.3f}; confusion "
            + "; ".join(" ".join(str(v) for v in row) for row in cm))


def _script_truth(rows: list[dict[str, Any]]) -> None:
    """Per lift, in place: the person's hip share and knee lead, the lift's truth trunk and knee
    angles (matched to the script's lift by its truth hip drop, unique per session)."""
    from style_study import _val_script

    scripts: dict[int, Any] = {}
    for r in rows:
        s = r["seed"]
        if s not in scripts:
            scripts[s] = _val_script(s)
        sc = scripts[s]
        lf = min(sc.lifts, key=lambda e: abs(float(e.hip_drop_m) - r["hip_drop_m"]))
        r["hip_share"] = float(sc.person.hip_share_stoop)
        r["knee_lead_s"] = float(sc.person.knee_lead_s)
        r["trunk_deg"] = float(lf.trunk_deg)
        r["knee_deg"] = float(lf.knee_deg)
        r["dur_s"] = len(r["flex"]) / r["fs"]


def classify_rel(x: float) -> str:
    from kyphos.metrics.style import SEMI_CLOSED_PER_HIP, SQUAT_CLOSED_PER_HIP

    return STYLES[2 if x >= SQUAT_CLOSED_PER_HIP else 1 if x >= SEMI_CLOSED_PER_HIP else 0]


def report(name: str, rows: list[dict[str, Any]]) -> None:
    from kyphos.metrics.style import (
        SEMI_CLOSED_PER_HIP,
        SQUAT_CLOSED_PER_HIP,
        classify_style,
    )

    y = [r["style"] for r in rows]
    for r in rows:
        r["h3"] = err3_hip(r)
        r["rel_true"] = r["hip_drop_m"] / r["hip_m"]
        r["rel_meas"] = r["closed"] / r["hip_m"]
        r["rel_meas3"] = r["closed"] / r["h3"]
        r["err_cm"] = 100 * (r["closed"] - r["hip_drop_m"])
    print(f"\n== {name}: {len(rows)} matched lifts")
    print("1. closed / H, err3:  " + _cm(y, [classify_rel(r["rel_meas3"]) for r in rows]))
    print("   closed / H, true:  " + _cm(y, [classify_rel(r["rel_meas"]) for r in rows]))
    print("   truth drop / H:    " + _cm(y, [classify_rel(r["rel_true"]) for r in rows]))
    print("   no hip height (analysis): " + _cm(y, [r["found_style"] for r in rows]))
    print("   no hip height (classify_style(knee_drop_m)): "
          + _cm(y, [classify_style(r["peak_deg"], r["knee_drop_m"]) for r in rows]))
    print(f"2. misnamed with H (err3), edges {SEMI_CLOSED_PER_HIP} / {SQUAT_CLOSED_PER_HIP}:")
    print("   seed   fs  truth->found  H m   H3/H  drop_true rel_true  closed rel_meas3 err_cm"
          "  tau°  trunk° knee°  hs    r     d    tw la")
    for r in rows:
        got = classify_rel(r["rel_meas3"])
        if got == r["style"]:
            continue
        lv = r["lever"] or (np.nan, np.nan)
        print(f"  {r['seed']:5d} {r['fs']:4g} {r['style'][:4]}->{got[:4]}  {r['hip_m']:.3f} "
              f"{r['h3'] / r['hip_m']:.3f}  {r['hip_drop_m']:.3f}    {r['rel_true']:.3f}   "
              f"{r['closed']:.3f}  {r['rel_meas3']:.3f}   {r['err_cm']:+5.1f}  "
              f"{np.degrees(r['tau']):5.1f} {r['trunk_deg']:5.1f} {r['knee_deg']:5.1f} "
              f"{r['hip_share']:.2f} {lv[0]:.3f} {lv[1]:.3f}  {int(r['twist'])}  "
              f"{int(r['lateral'])}")
    print("   misnamed without H (the analysis's knee drop, m; edges SEMI_DROP_M / SQUAT_DROP_M):")
    print("   seed   fs  truth->found  drop_true knee_drop err_cm  tau°  trunk° knee°  link_m tw la")
    for r in rows:
        if r["found_style"] == r["style"]:
            continue
        kd = r["knee_drop_m"] if r["knee_drop_m"] is not None else np.nan
        print(f"  {r['seed']:5d} {r['fs']:4g} {r['style'][:4]}->{r['found_style'][:4]}  "
              f"{r['hip_drop_m']:.3f}    {kd:+.3f}    {100 * (kd - r['hip_drop_m']):+5.1f}  "
              f"{r['peak_tilt_deg']:5.1f} {r['trunk_deg']:5.1f} {r['knee_deg']:5.1f}  "
              f"{r['link_m'] if r['link_m'] is not None else np.nan:.3f}  {int(r['twist'])}  "
              f"{int(r['lateral'])}")
    # diagnostic only (a number read off validation, never a rule): the closed drop with the
    # bent-knee lifts' median bias taken out
    bias = float(np.median([r["err_cm"] for r in rows if r["style"] != "stoop"])) / 100
    print(f"   diagnostic: closed − {bias:.3f} m (this set's bent-knee median bias) / H3: "
          + _cm(y, [classify_rel((r["closed"] - bias) / r["h3"]) for r in rows]))
    print("3. closed drop less truth hip drop, cm: median [5th, 95th]")
    for st in STYLES:
        e = np.array([r["err_cm"] for r in rows if r["style"] == st])
        if len(e):
            print(f"   {st:10s} n={len(e):4d} {np.median(e):+.1f} [{np.percentile(e, 5):+.1f}, "
                  f"{np.percentile(e, 95):+.1f}]")
        if len(e) > 2:
            tau = np.degrees([r["tau"] for r in rows if r["style"] == st])
            k, c0 = np.polyfit(tau, e, 1)
            print(f"     against peak tilt: {10 * k:+.2f} cm per 10° (at 30° {c0 + 30 * k:+.1f}, "
                  f"at 60° {c0 + 60 * k:+.1f}, at 90° {c0 + 90 * k:+.1f} cm)")
    semi = [r for r in rows if r["style"] != "stoop"]
    e = np.array([r["err_cm"] for r in semi])
    feats = {
        "peak tilt (deg)": np.degrees([r["tau"] for r in semi]),
        "truth trunk (deg)": np.array([r["trunk_deg"] for r in semi]),
        "truth knee (deg)": np.array([r["knee_deg"] for r in semi]),
        "hip share": np.array([r["hip_share"] for r in semi]),
        "knee lead (s)": np.array([r["knee_lead_s"] for r in semi]),
        "window (s)": np.array([r["dur_s"] for r in semi]),
        "lever r (m)": np.array([(r["lever"] or (np.nan, np.nan))[0] for r in semi]),
        "lever d (m)": np.array([(r["lever"] or (np.nan, np.nan))[1] for r in semi]),
        "twist": np.array([float(r["twist"]) for r in semi]),
        "lean": np.array([float(r["lateral"]) for r in semi]),
        "truth drop (m)": np.array([r["hip_drop_m"] for r in semi]),
    }
    print("   bent-knee lifts (semi-squat + squat): Pearson r of the error with")
    for k, x in feats.items():
        ok = np.isfinite(x)
        c = np.corrcoef(x[ok], e[ok])[0, 1] if ok.sum() > 2 and np.std(x[ok]) > 0 else np.nan
        print(f"     {k:18s} r = {c:+.2f}")
    from kyphos.metrics.style import LEVER_DEPTH_RANGE_M, LINK_RANGE_M

    dd = feats["lever d (m)"]
    ok = np.isfinite(dd)
    if ok.sum() > 2:
        k, _c = np.polyfit(dd[ok], e[ok], 1)
        print(f"   error against the lever's d: {k / 100:+.2f} cm per cm of d (sin 45° = 0.71 "
              f"would be d's own lever at a 45° tilt)")
    bound = np.array([r["lever"] is not None and (
        np.isclose(r["lever"][0], LINK_RANGE_M).any()
        or np.isclose(r["lever"][1], LEVER_DEPTH_RANGE_M).any()) for r in semi])
    if bound.any():
        print(f"   lever at a bound: {int(bound.sum())} of {len(semi)} bent-knee lifts, median "
              f"error {np.median(e[bound]):+.1f} cm (others {np.median(e[~bound]):+.1f} cm)")
    for st in ("semi-squat", "squat"):
        for lab, m in (("twist", lambda r: r["twist"]), ("lean", lambda r: r["lateral"]),
                       ("neither", lambda r: not r["twist"] and not r["lateral"])):
            ee = np.array([r["err_cm"] for r in rows if r["style"] == st and m(r)])
            if len(ee):
                print(f"   {st:10s} {lab:7s} n={len(ee):3d} median {np.median(ee):+.1f} cm")
    print("4. margins to the squat edge (drop / H less the edge), semi-squats: "
          "truth max, measured (err3) max")
    rel_t = np.array([r["rel_true"] for r in rows if r["style"] == "semi-squat"])
    rel_m = np.array([r["rel_meas3"] for r in rows if r["style"] == "semi-squat"])
    sq_t = np.array([r["rel_true"] for r in rows if r["style"] == "squat"])
    print(f"   semi truth drop/H {rel_t.min():.3f}–{rel_t.max():.3f} (max − edge "
          f"{rel_t.max() - SQUAT_CLOSED_PER_HIP:+.3f}); within 0.02 of the edge: "
          f"{int(np.sum(rel_t >= SQUAT_CLOSED_PER_HIP - 0.02))}/{len(rel_t)}; squat truth "
          f"min {sq_t.min():.3f}; the gap's middle {(rel_t.max() + sq_t.min()) / 2:.3f}")
    miss = rel_m >= SQUAT_CLOSED_PER_HIP
    for lo, hi in ((0.0, 0.2), (0.2, 0.222), (0.222, 1.0)):
        b = (rel_t >= lo) & (rel_t < hi)
        print(f"   semi-squats with truth drop/H in [{lo}, {hi}): {int(b.sum())}, named squat "
              f"{int((b & miss).sum())}")
    from kyphos.metrics.style import LINK_RANGE_M

    deep = [r for r in rows if r["link_m"] is not None and np.isclose(r["link_m"], LINK_RANGE_M[0])]
    print(f"   without H: lifts of wearers whose own lever is at its lower bound "
          f"({LINK_RANGE_M[0]} m): {len(deep)}; semi-squats named stoop "
          f"{sum(r['style'] == 'semi-squat' and r['found_style'] == 'stoop' for r in deep)} of "
          f"{sum(r['style'] == 'semi-squat' and r['found_style'] == 'stoop' for r in rows)} "
          f"such misses in all")
    print(f"   semi measured/H3 above the edge: {int(np.sum(rel_m >= SQUAT_CLOSED_PER_HIP))}; "
          f"95th pct of (measured − truth)/H: "
          f"{np.percentile(rel_m - rel_t, 95):+.3f}")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", default="/tmp/semisq/cache")
    ap.add_argument("--sets", default="14000-14029:104", help="seeds:rates;... (validation)")
    ap.add_argument("--pooled", action="store_true", help="also all sets pooled")
    args = ap.parse_args(argv[1:])
    allrows: list[dict[str, Any]] = []
    for spec in args.sets.split(";"):
        seeds, rates = spec.split(":")
        rows = load(Path(args.cache), "validation", seeds, rates)
        add_features(rows)
        _script_truth(rows)
        report(f"validation {seeds} @{rates}", rows)
        allrows += rows
    if args.pooled:
        report("pooled", allrows)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
