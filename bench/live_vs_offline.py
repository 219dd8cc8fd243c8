"""Live vs offline on the same recording: the live view's causal chain (``LiveState``, what
``kyphos live`` runs) against ``kyphos.analysis.analyze`` on validation-family sessions with
their chip errors on (issue 15, item 3).

    .venv/bin/python bench/live_vs_offline.py --seeds 0-29 --rate 52
    .venv/bin/python bench/live_vs_offline.py --seeds 1000-1009 --rate 104 --per-seed

Each session is streamed frame by frame (13-sample IMU frames, encoded and decoded as the board
sends them) into a ``LiveState``; the wearer presses ``c`` at the end of the guided upright
window (``LiveState.calibrate_now``: the last second as upright). Twice: with the live
accelerometer-offset estimate (``acc_bias="live"``, the default) and without (``None``, the
live view before it). The offline side is the analysis of the same session in two ways:

* **same calibration**: ``analyze(s, calibration={"upright": window, "bend": bend})`` with the
  window the live ``c`` took (the second before the press) and the opening bend the live view
  took for the calibration (its sagittal axis; none: the nominal axis): what is left is the
  chain (causal vs zero-phase, VQF online vs offline) and the offset;
* **the report**: ``analyze(s)`` as ``kyphos analyze`` runs it (the guided calibration note:
  upright and the sagittal axis from the guided bend; clip slips re-referenced).

Flexion differences |live − offline| (degrees) are taken from the latest of the ``c`` press,
the end of the guided bend (the live view's sagittal axis) and the live offset's first fit (``CausalProcessor.bias_since_s``; the same rows for the run
without it) to the first clip slip of the script or the analysis's first re-reference, if
earlier, lying left out; "deep" is offline flexion > 40°, "deep still" those
rows with offline |flexion velocity| < 5°/s (held bends: where an offset shows; while moving,
the causal filters' lag dominates). After the slip (the live view re-references causally,
``causal.LiveClipSlip``): the rows from 90 s after the script's slip, and from 2 s after the
live re-reference's detection; and the re-references' timing against the script's slips:
detection delay (detected − slip), placement error (placed − slip; the report's beside it) and
false ones (not detected after a slip and placed at most ``MATCH_EARLY_S`` before it). Lifts,
seated reaches, slouch alerts and the sitting upright are compared against the report. Seeds
(validate_analysis.HELD_OUT_FROM and on) of the validation family are held out: refused.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
from kyphos.analysis import analyze
from kyphos.protocol.frames import Frame, Imu, Info, decode_frame, encode_frame
from kyphos.sim.validation import ValidationSession, generate
from kyphos.sim.validation import imu as vimu
from kyphos.transport.base import Received
from kyphos.views.live_state import LiveState

DEEP_DEG = 40.0
STILL_DEG_S = 5.0


def frames(v: ValidationSession) -> Iterator[tuple[float, Received]]:
    """(time of the frame's last sample, the frame as received) for the session's INFO and
    its 13-sample IMU frames."""
    def rec(fr: Frame) -> Received:
        raw = encode_frame(fr)
        return Received(-1, raw, decode_frame(raw)[0])

    yield -1.0, rec(Frame(0, 0, Info((0, 1, 0), 1, 0, 0x07, round(v.fs * 100), 4, 500,
                                     vimu.ACC_SCALE, vimu.GYR_SCALE, bytes(6), "validation")))
    raw = np.column_stack([v.acc_counts, v.gyr_counts]).astype(int)
    period_ns = round(1e9 / v.fs)
    for seq, i in enumerate(range(0, len(raw), 13)):
        t_us = round(v.time[i] * 1e6)
        samples = tuple(tuple(int(x) for x in row) for row in raw[i : i + 13])
        yield float(v.time[min(i + 12, len(raw) - 1)]), rec(
            Frame((seq + 1) & 0xFFFF, t_us, Imu(period_ns, 0, samples)))  # type: ignore[arg-type]


def stream(v: ValidationSession, st: LiveState, guided: bool = True
           ) -> Iterator[tuple[float, int]]:
    """Feed ``v`` frame by frame into ``st``, the wearer pressing ``c`` at the end of the guided
    upright (after the frame that reaches it has been read) and, with ``guided``, the guided
    calibration giving its bend's window (the note's, what the report takes) once the bend has
    ended (``LiveState.guided_bend``); yields (time of the frame's last sample, rows it added)
    after each frame."""
    up_end = float(v.truth.calibration["upright"][1])
    bend = v.truth.calibration.get("bend") if guided else None
    pressed = False
    for t_last, r in frames(v):
        yield t_last, st.ingest([r])
        if not pressed and t_last >= up_end:
            st.calibrate_now()
            pressed = True
        if bend is not None and t_last >= bend[1]:
            st.guided_bend(float(bend[0]), float(bend[1]))
            bend = None


def run_live(v: ValidationSession, acc_bias: str | None, snap_s: float = np.inf,
             guided: bool = True) -> dict[str, Any]:
    """Stream ``v`` through a LiveState; returns its per-sample flexion and what it counted
    (the sitting upright also as it stood at ``snap_s``)."""
    st = LiveState(30.0, acc_bias=acc_bias)
    alerts: list[float] = []
    st.on_alert = lambda: alerts.append(st._t_last_s or 0.0)
    up_end = float(v.truth.calibration["upright"][1])
    bend = v.truth.calibration.get("bend") if guided else None
    flex = np.full(len(v.time), np.nan)
    lat = np.full(len(v.time), np.nan)
    cal_t: float | None = None
    cpu = 0.0
    per: list[float] = []  # CPU per frame ingested (13 samples)
    n = 0
    sit_snap: float | None = None
    for t_last, r in frames(v):
        if t_last < snap_s:
            sit_snap = st.sitting_upright_deg
        c0 = time.process_time()
        got = st.ingest([r])
        per.append(time.process_time() - c0)
        cpu += per[-1]
        if got:
            flex[n : n + got] = st._ring.last(got)[:, 1]
            lat[n : n + got] = st._ring.last(got)[:, 2]
            n += got
        if cal_t is None and t_last >= up_end:
            st.calibrate_now()
            cal_t = t_last
        if bend is not None and t_last >= bend[1]:  # as stream() gives it
            st.guided_bend(float(bend[0]), float(bend[1]))
            bend = None
    proc = st.proc
    assert proc is not None
    return {"flex": flex, "lat": lat, "cal_t": cal_t, "since": proc.bias_since_s, "lifts": st.lifts,
            "rerefs": getattr(st, "re_references", []),  # none before the live re-reference
            "cal_bends": list(st.calibration_bends_s),
            "reaches": st.seated_reaches, "alerts": alerts, "sit_up": st.sitting_upright_deg,
            "sit_up_snap": sit_snap,
            "bias_mg": (proc.acc_bias / 9.80665 * 1e3).tolist(), "cpu_s": cpu,
            "frame_ms_p99": 1e3 * float(np.percentile(per, 99)), "frame_ms_max": 1e3 * max(per)}


def _stats(d: np.ndarray) -> dict[str, float]:
    d = np.abs(d[np.isfinite(d)])
    if not len(d):
        return {"n": 0, "rms": float("nan"), "p95": float("nan"), "max": float("nan")}
    return {"n": int(len(d)), "rms": float(np.sqrt(np.mean(d**2))),
            "p95": float(np.percentile(d, 95)), "max": float(np.max(d))}


def _match(live: list[Any], off: list[Any], tol_s: float = 1.0) -> tuple[int, int]:
    """(matched, same style) between live lift infos (end_s) and offline lifts."""
    used: set[int] = set()
    m = same = 0
    for lf in live:
        for k, o in enumerate(off):
            if k not in used and abs(o.end_s - lf.end_s) <= tol_s:
                used.add(k)
                m += 1
                same += lf.style == o.style
                break
    return m, same


def _events(lifts: list[Any], off: list[Any], reaches: list[Any], off_reaches: list[Any],
            alerts: list[float], eps: list[Any]) -> dict[str, Any]:
    m, s_same = _match(lifts, off)
    hit = sum(any(e.start_s <= a <= e.end_s + 1.0 for e in eps) for a in alerts)
    return {"lifts_live": len(lifts), "lifts_offline": len(off), "lifts_matched": m,
            "style_same": s_same, "reaches_live": len(reaches), "reaches_offline": len(off_reaches),
            "alerts": len(alerts), "alerts_in_episode": hit, "episodes": len(eps)}


#: A live re-reference is matched to a slip of the script when it was detected after it and
#: placed no more than this before it (s); the others are false re-references.
MATCH_EARLY_S = 60.0


def _rerefs(live: list[dict[str, Any]], report: list[Any], slips: list[float]
            ) -> dict[str, Any]:
    """Re-reference timing against the script's slips: the live view's (placement ``t_s``,
    detection ``detected_s``) and the report's (placement)."""
    out: dict[str, Any] = {"slips": len(slips), "live": len(live), "report": len(report),
                           "live_found": 0, "delay_s": [], "place_err_s": [], "live_false": 0,
                           "report_found": 0, "report_place_err_s": [], "report_false": 0}
    # (placed, detected) per re-reference; the report's is detected with the whole recording
    # a live one undone later (``withdrawn_s``) is counted apart, with how long it was in force
    wd = [r for r in live if "withdrawn_s" in r]
    out["live_withdrawn"] = len(wd)
    out["withdrawn_shown_s"] = [r["withdrawn_s"] - r["detected_s"] for r in wd]
    live = [r for r in live if "withdrawn_s" not in r]
    out["live"] = len(live)
    cands = {"live": [(r["t_s"], r["detected_s"]) for r in live],
             "report": [(r.t_s, np.inf) for r in report]}
    for kind, rr in cands.items():
        used: set[int] = set()
        for s in slips:  # per slip of the script (one or two)
            k = next((k for k, (t_s, det) in enumerate(rr) if k not in used and det >= s
                      and t_s >= s - MATCH_EARLY_S), None)
            if k is None:
                continue
            used.add(k)
            out[f"{kind}_found"] += 1
            if kind == "live":
                out["delay_s"].append(rr[k][1] - s)
                out["place_err_s"].append(rr[k][0] - s)
            else:
                out["report_place_err_s"].append(rr[k][0] - s)
        out[f"{kind}_false"] = len(rr) - len(used)
    return out


def session(seed: int, fs: float, before: bool = True) -> dict[str, Any]:
    v = generate(seed, fs)
    report = analyze(v.to_session())
    slips = sorted(s.t for s in v.script.slips)
    slip = min(slips, default=np.inf)
    # events are also compared up to the slip or the report's first re-reference (pre-slip
    # rows: what the live view's offset and chain give, apart from the re-reference)
    cut = min([slip, *[r.t_s for r in report.re_references]])
    live = {k: run_live(v, k, cut) for k in (("live", None) if before else ("live",))}
    if not before:
        live[None] = live["live"]
    t_c = live["live"]["cal_t"]  # the live upright: the second before the c press
    bends = live["live"]["cal_bends"]  # the bend the live view took for the calibration
    same = analyze(v.to_session(), calibration={
        "upright": (t_c - 1.0 + 0.5 / fs, t_c), "bend": bends[0] if bends else None,
        "auto_bend": False})
    t = v.time
    # from when the live view has its calibration (c, and the guided bend's axis) and its
    # first offset fit
    start = max(live["live"]["cal_t"] or 0.0, live["live"]["since"] or np.inf,
                *[b1 for _b0, b1 in bends])
    rows = (t >= start) & (v.truth.activity_names != "lying")
    pre = rows & (t < slip)
    post = rows & (t >= slip + 90.0)
    # from the live view's first re-reference after the slip on (2 s: the chain settles)
    det = min([r["detected_s"] for r in live["live"]["rerefs"] if r["detected_s"] >= slip
               and "withdrawn_s" not in r], default=np.inf)
    post_det = rows & (t >= det + 2.0)
    out: dict[str, Any] = {"seed": seed, "slips_s": slips, "fs": fs, "start_s": start,
                           "slip_s": float(slip),
                           "chip_bias_mg": (v.unit.acc_bias / 9.80665 * 1e3).round(1).tolist(),
                           "offline_bias_mg": report.to_dict()["calibration"]["acc_bias_mg"],
                           "live_bias_mg": np.round(live["live"]["bias_mg"], 1).tolist(),
                           "rerefs": _rerefs(live["live"]["rerefs"], report.re_references, slips),
                           "live_rerefs": live["live"]["rerefs"],
                           "report_rerefs": [r.to_dict() for r in report.re_references]}
    for name, off in (("same", same), ("report", report)):
        f_off = np.degrees(off.angles.flexion)
        l_off = np.degrees(off.angles.lateral)
        # up to the slip, or the analysis's first re-reference if it placed one earlier
        pre = rows & (t < min([slip, *[r.t_s for r in off.re_references]]))
        deep = pre & (f_off > DEEP_DEG)
        held = deep & (np.abs(np.degrees(off.angles.flexion_velocity)) < STILL_DEG_S)
        for mode, key in (("live", "after"), (None, "before")):
            d = live[mode]["flex"] - f_off
            dl = live[mode]["lat"] - l_off
            out[f"{name}_{key}"] = {"all": _stats(d[pre]), "deep": _stats(d[deep]),
                                    "deep_still": _stats(d[held]), "after_slip": _stats(d[post]),
                                    "after_slip_deep": _stats(d[post & (f_off > DEEP_DEG)]),
                                    "after_detection": _stats(d[post_det]),
                                    "after_detection_deep": _stats(d[post_det & (f_off > DEEP_DEG)]),
                                    "after_slip_lateral": _stats(dl[post]),
                                    "after_slip_deep_lateral": _stats(dl[post & (f_off > DEEP_DEG)]),
                                    "after_detection_lateral": _stats(dl[post_det])}
    for mode, key in (("live", "after"), (None, "before")):
        lv = live[mode]
        out[f"events_{key}_preslip"] = _events(
            [x for x in lv["lifts"] if x.end_s < cut], [x for x in report.lifts if x.end_s < cut],
            [x for x in lv["reaches"] if x.end_s < cut],
            [x for x in report.seated_reaches if x.end_s < cut],
            [a for a in lv["alerts"] if a < cut],
            [e for e in report.posture.slouch_episodes if e.start_s + 10.0 < cut])
        out[f"events_{key}_preslip"].update(
            sit_upright_live=lv["sit_up_snap"], sit_upright_offline=report.posture.sitting_upright_deg,
            cpu_s=lv["cpu_s"], duration_s=float(t[-1] - t[0]), frame_ms_p99=lv["frame_ms_p99"],
            frame_ms_max=lv["frame_ms_max"])
        m, s_same = _match(lv["lifts"], report.lifts)
        eps = report.posture.slouch_episodes
        hit = sum(any(e.start_s <= a <= e.end_s + 1.0 for e in eps) for a in lv["alerts"])
        out[f"events_{key}"] = {
            "lifts_live": len(lv["lifts"]), "lifts_offline": len(report.lifts),
            "lifts_matched": m, "style_same": s_same,
            "reaches_live": len(lv["reaches"]), "reaches_offline": len(report.seated_reaches),
            "alerts": len(lv["alerts"]), "alerts_in_episode": hit, "episodes": len(eps),
            "sit_upright_live": lv["sit_up"],
            "sit_upright_offline": report.posture.sitting_upright_deg,
            "cpu_s": lv["cpu_s"], "duration_s": float(t[-1] - t[0]),
            "frame_ms_p99": lv["frame_ms_p99"], "frame_ms_max": lv["frame_ms_max"],
        }
    return out


def _pool(res: list[dict[str, Any]], key: str, part: str) -> str:
    xs = [r[key][part] for r in res if r[key][part]["n"]]
    if not xs:
        return "–"
    n = np.array([x["n"] for x in xs], float)
    rms = float(np.sqrt(np.sum(n * np.array([x["rms"] for x in xs]) ** 2) / n.sum()))
    return (f"RMS {rms:.2f}° (per session max {max(x['rms'] for x in xs):.2f}°), 95th pct "
            f"median {np.median([x['p95'] for x in xs]):.2f}° / max {max(x['p95'] for x in xs):.2f}°")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", default="0-9", help="validation seeds, A-B or a,b,c (below validate_analysis.HELD_OUT_FROM)")
    ap.add_argument("--rate", type=float, default=52.0)
    ap.add_argument("--per-seed", action="store_true")
    ap.add_argument("--json", metavar="FILE", help="write every session's numbers here")
    ap.add_argument("--no-before", action="store_true",
                    help="skip the run without the live offset (half the time; its rows then "
                         "repeat the run with it)")
    args = ap.parse_args()
    from validate_analysis import development_seeds

    seeds = development_seeds(args.seeds)
    res = []
    for s in seeds:
        r = session(s, args.rate, not args.no_before)
        res.append(r)
        if args.per_seed:
            print(json.dumps({k: r[k] for k in ("seed", "chip_bias_mg", "offline_bias_mg",
                                                 "live_bias_mg", "start_s")}),
                  f"same before/after deep rms {r['same_before']['deep']['rms']:.2f} / "
                  f"{r['same_after']['deep']['rms']:.2f}, deep still "
                  f"{r['same_before']['deep_still']['rms']:.2f} / "
                  f"{r['same_after']['deep_still']['rms']:.2f}; report deep "
                  f"{r['report_before']['deep']['rms']:.2f} / {r['report_after']['deep']['rms']:.2f}; "
                  f"from 90 s after the slip vs report all {r['report_after']['after_slip']['rms']:.2f}"
                  f" deep {r['report_after']['after_slip_deep']['rms']:.2f} lateral "
                  f"{r['report_after']['after_slip_lateral']['rms']:.2f} deep lateral "
                  f"{r['report_after']['after_slip_deep_lateral']['rms']:.2f}; slips "
                  f"{[round(x, 1) for x in r['slips_s']]} live "
                  f"{[(x['t_s'], x['detected_s'], x['deg']) for x in r['live_rerefs']]} report "
                  f"{[(x['t_s'], x['deg']) for x in r['report_rerefs']]}",
                  flush=True)
    print(f"validation seeds {args.seeds} at {args.rate:g} Hz, {len(res)} sessions; |live − offline| "
          "flexion from the c press, the guided bend and the first offset fit to the clip slip, lying left out")
    for name in ("same", "report"):
        for key in ("before", "after"):
            print(f"  {name:6s} {key:6s} all:  {_pool(res, f'{name}_{key}', 'all')}")
            print(f"  {name:6s} {key:6s} deep: {_pool(res, f'{name}_{key}', 'deep')}")
            print(f"  {name:6s} {key:6s} deep still: {_pool(res, f'{name}_{key}', 'deep_still')}")
        print(f"  {name:6s} after  from 90 s after the slip: {_pool(res, f'{name}_after', 'after_slip')}")
        print(f"  {name:6s} after  from 90 s after the slip, deep: "
              f"{_pool(res, f'{name}_after', 'after_slip_deep')}")
        print(f"  {name:6s} after  from the live re-reference on: "
              f"{_pool(res, f'{name}_after', 'after_detection')}")
        print(f"  {name:6s} after  from the live re-reference on, deep: "
              f"{_pool(res, f'{name}_after', 'after_detection_deep')}")
        for part in ("after_slip_lateral", "after_slip_deep_lateral", "after_detection_lateral"):
            print(f"  {name:6s} after  lateral bend, {part}: {_pool(res, f'{name}_after', part)}")
    rr = [r["rerefs"] for r in res]
    tot = {k: sum(x[k] for x in rr) for k in ("slips", "live", "report", "live_found",
                                              "live_false", "report_found", "report_false",
                                              "live_withdrawn")}
    shown = [d for x in rr for d in x["withdrawn_shown_s"]]
    dl = np.array([d for x in rr for d in x["delay_s"]])
    pe = np.abs([d for x in rr for d in x["place_err_s"]])
    rpe = np.abs([d for x in rr for d in x["report_place_err_s"]])
    none = [r["seed"] for r, x in zip(res, rr, strict=True) if not x["slips"] and not x["report"]]
    fa = sum(x["live"] for r, x in zip(res, rr, strict=True) if r["seed"] in none)

    def _q(a: np.ndarray) -> str:
        return (f"median {np.median(a):.1f} s, 90th pct {np.percentile(a, 90):.1f} s, max "
                f"{np.max(a):.1f} s") if len(a) else "–"

    print(f"  re-references: {tot['slips']} slips in the script; live found {tot['live_found']}, "
          f"false {tot['live_false']} (of {tot['live']}); report found {tot['report_found']}, "
          f"false {tot['report_false']} (of {tot['report']}); sessions without a slip and no "
          f"report re-reference: {len(none)}, live re-references on them {fa}; live ones undone "
          f"later {tot['live_withdrawn']} (in force {', '.join(f'{d:.1f}' for d in shown) or '–'} s)")
    print(f"    live detection delay (detected − slip): {_q(dl)}")
    print(f"    live placement |t_s − slip|: {_q(pe)}; report placement: {_q(rpe)}")
    for key in ("before", "after", "before_preslip", "after_preslip"):
        ev = [r[f"events_{key}"] for r in res]
        tot = {k: sum(e[k] for e in ev) for k in ("lifts_live", "lifts_offline", "lifts_matched",
                                                  "style_same", "reaches_live", "reaches_offline",
                                                  "alerts", "alerts_in_episode", "episodes")}
        sit = [abs(e["sit_upright_live"] - e["sit_upright_offline"]) for e in ev
               if e["sit_upright_live"] is not None and e["sit_upright_offline"] is not None]
        cpu = sum(e["cpu_s"] for e in ev) / sum(e["duration_s"] for e in ev)
        print(f"  events {key}: lifts live {tot['lifts_live']} / report {tot['lifts_offline']}, "
              f"matched (end within 1 s) {tot['lifts_matched']}, same style {tot['style_same']}; "
              f"seated reaches {tot['reaches_live']} / {tot['reaches_offline']}; slouch alerts "
              f"{tot['alerts']} ({tot['alerts_in_episode']} inside a report episode) / episodes "
              f"{tot['episodes']}; sitting upright |Δ| max "
              f"{max(sit) if sit else float('nan'):.2f}° ({len(sit)} sessions); live ingest "
              f"{1e3 * cpu:.1f} ms CPU per s of data, per 13-sample frame p99 "
              f"{max(e['frame_ms_p99'] for e in ev):.1f} ms / max {max(e['frame_ms_max'] for e in ev):.1f} ms "
              "(worst session)")
    if args.json:
        from pathlib import Path

        p = Path(args.json)
        if p.exists():
            raise SystemExit(f"{p} exists: not overwritten")
        p.write_text(json.dumps(res, indent=1, default=float))


if __name__ == "__main__":
    main()
