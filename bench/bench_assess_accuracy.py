"""Accuracy of the guided assessment and exercise sessions against the simulator's truth.

For each seed (default 20) and each bundled scenario (assessment, exercise_*): speed (all
move/hold durations × 0.6–1.6), mounting error (pitch 5–30°, yaw ±15°, roll ±10°) and noise
(0.5–2×) are drawn; the simulated IMU stream is fed through the live runner (GuidedRun, in
0.125-s chunks) and the offline analysis. Prints ROM error per direction, rep count exactness
and hold-time error.

    .venv/bin/python bench/bench_assess_accuracy.py [--seeds 20]
"""

from __future__ import annotations

import argparse
import copy
import time
from collections import defaultdict

import numpy as np
from kyphos.assess.live import GuidedRun, program_phases
from kyphos.assess.program import load_program
from kyphos.assess.protocol import ASSESSMENT
from kyphos.metrics.exercise import sides
from kyphos.sim.scenario import load_scenario, simulate, validate

PROGRAMS = ["seated_thoracic_extension", "seated_rotation", "cat_camel", "side_bends"]


def vary(scn: dict, rng: np.random.Generator) -> dict:
    s = copy.deepcopy(scn)
    k = rng.uniform(0.6, 1.6)
    for seg in s["segments"]:
        if seg["kind"] == "bend":
            for key in ("down_s", "up_s"):
                seg[key] = round(float(np.clip(seg[key] * k * rng.uniform(0.9, 1.1), 0.5, 10)), 2)
            seg["hold_s"] = round(float(seg["hold_s"] * rng.uniform(0.7, 1.4)), 2)
    s["mount"] = {"pitch_deg": float(rng.uniform(5, 30)), "yaw_deg": float(rng.uniform(-15, 15)),
                  "roll_deg": float(rng.uniform(-10, 10))}
    s["sensor"]["noise_scale"] = float(rng.uniform(0.5, 2.0))
    return validate(s, s["name"])


def truth_rom(m) -> float:  # noqa: ANN001
    return float(np.degrees(max(abs(m.peak_flexion), abs(m.peak_lateral), abs(m.peak_axial))))


def nearest(movements, t_s):  # noqa: ANN001, ANN201
    """The scripted movement whose hold centre is nearest ``t_s``."""
    return min(movements, key=lambda m: abs(0.5 * (m.hold_start + m.hold_end) - t_s))


def run_one(phases, targets, scn, seed):  # noqa: ANN001, ANN201
    res = simulate(scn, seed=seed)
    run = GuidedRun(phases, res.fs, targets)
    n = 13
    for i in range(0, len(res.time), n):
        run.feed(res.time[i:i + n], res.acc[i:i + n], res.gyr[i:i + n])
        if run.finished:
            break
    run.finish()
    return res.truth, run.result()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--first", type=int, default=0, help="first seed")
    ap.add_argument("--only", default=None, help="run only this programme (or 'assessment')")
    args = ap.parse_args()
    t0 = time.monotonic()
    rom_err: dict[str, list[float]] = defaultdict(list)
    hold_err: list[float] = []
    sets = 0
    exact = 0
    max_off = 0
    misses: list[str] = []
    hold_where: list[str] = []
    rom_where: list[tuple[float, str]] = []
    for seed in range(args.first, args.first + args.seeds):
        rng = np.random.default_rng(1000 + seed)
        # assessment
        scn = vary(load_scenario("assessment"), rng)
        skip = args.only not in (None, "assessment")
        truth, out = (None, None) if skip else run_one(list(ASSESSMENT), None, scn, seed)
        for d, r in ({} if out is None else out.rom).items():
            tm = [m for m in truth.movements if m.label == d]
            sets += 1
            exact += len(r.repeats) == len(tm)
            max_off = max(max_off, abs(len(r.repeats) - len(tm)))
            if len(r.repeats) != len(tm):
                misses.append(f"seed {seed} assessment/{d}: {len(r.repeats)} of {len(tm)}")
            for rep in r.repeats:
                m = nearest(tm, 0.5 * (rep.hold_start_s + rep.hold_end_s))
                rom_err[d].append(rep.rom_deg - truth_rom(m))
                rom_where.append((rep.rom_deg - truth_rom(m),
                                  f"seed {seed} assessment {d} at {rep.hold_start_s:.1f} s"))
                hold_err.append(rep.hold_s - (m.hold_end - m.hold_start))
                hold_where.append(f"seed {seed} assessment {d} at {rep.hold_start_s:.1f} s")
        # exercise programmes
        for name in PROGRAMS:
            prog = load_program(name)
            phases, targets = program_phases(prog)
            scn = vary(load_scenario(prog.scenario), rng)  # drawn always: same scenarios
            if args.only not in (None, name):
                continue
            truth, out = run_one(phases, targets, scn, seed)
            for ex, e in zip(prog.exercises, out.exercises, strict=True):
                labels = sides(ex.movement)
                tm = [m for m in truth.movements if m.label in labels]
                want = len(tm) // len(labels)
                sets += 1
                exact += e["reps_done"] == want
                max_off = max(max_off, abs(e["reps_done"] - want))
                if e["reps_done"] != want:
                    misses.append(f"seed {seed} {name}/{ex.name}: {e['reps_done']} of {want}")
                for rep in e["reps"]:
                    for d, rg, hs, h0 in zip(rep["directions"], rep["range_deg"],
                                             rep["hold_s"], rep["hold_start_s"], strict=True):
                        m = nearest([x for x in tm if x.label == d], h0 + hs / 2)
                        rom_err["exercise:" + d].append(rg - truth_rom(m))
                        rom_where.append((rg - truth_rom(m), f"seed {seed} {name} {d} at {h0:.1f} s"))
                        hold_err.append(hs - (m.hold_end - m.hold_start))
                        hold_where.append(f"seed {seed} {name} {d} at {h0:.1f} s")
    print(f"{args.seeds} seeds; speed ×0.6–1.6, mounting pitch 5–30°, yaw ±15°, roll ±10°, "
          f"noise ×0.5–2; {time.monotonic() - t0:.0f} s")
    print(f"{'direction':28s} {'n':>4s} {'mean err':>9s} {'RMS':>6s} {'max |err|':>9s}  (target ≤ 2°)")
    for d, e in sorted(rom_err.items()):
        x = np.array(e)
        print(f"{d:28s} {len(x):4d} {x.mean():9.2f} {np.sqrt((x ** 2).mean()):6.2f} "
              f"{np.abs(x).max():9.2f}  {int(np.sum(np.abs(x) > 2.0))} above 2°")
    for err, where in sorted(rom_where, key=lambda x: -abs(x[0]))[:3]:
        print(f"  worst ROM error {err:+.2f}°: {where}")
    h = np.array(hold_err)
    print(f"hold time error: n {len(h)}, mean {h.mean():.2f} s, RMS {np.sqrt((h ** 2).mean()):.2f} s, "
          f"max |err| {np.abs(h).max():.2f} s, {int(np.sum(np.abs(h) > 0.5))} above 0.5 s "
          f"(target ≤ 0.5 s)")
    print(f"rep count: {exact}/{sets} sets exact ({100.0 * exact / sets:.1f} %, target ≥ 95 %), "
          f"max off by {max_off} (target ≤ 1)")
    for i in np.argsort(-np.abs(h))[:3]:
        print(f"  worst hold error {h[i]:+.2f} s: {hold_where[i]}")
    for line in misses:
        print("  miss:", line)


if __name__ == "__main__":
    main()
