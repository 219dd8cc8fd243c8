"""End-to-end analysis speed: an 8-hour 104 Hz recording, load → all metrics, vs VQF offline alone.

Usage: .venv/bin/python bench/bench_analysis.py [HOURS] [--fs 104] [--file PATH] [--walking-day]
    [--one-wearer] [--no-walk] [--repeat 3] [--in-process] [--trees DIR,DIR]

Writes (once, cached in the temp folder) a synthetic .kyr recording with the recording
package's synthetic board output (upright standing with a 60° forward bend every 12 s), then
times, interleaved ``--repeat`` times (default 3): VQF, end to end, VQF, end to end, ...

1. VQF offline alone on that recording's IMU arrays (the reference; the file is loaded before
   the clock starts);
2. ``kyphos.load(path)`` + ``analyze`` (preprocessing, VQF offline, automatic calibration,
   angles, posture metrics, lifts, risk) = end to end.

Each run is a **fresh process** (this script again with ``--child``), because ``kyphos
analyze`` is one: each run pays its own first touch of fresh memory, and no run inherits the
heap or page state another left. For every run it prints wall time, CPU user and system time
(``getrusage``), minor page faults and the 1-min load average, then per kind the median and
the range, and the ratio end to end / VQF three ways: of the medians, and the median and range
of the ratio within each interleaved pair. Wall time is the target's measure but counts waiting
for the other jobs on the machine's cores; CPU time (user + system) does not, and VQF's **user
time is its steadiest part**: on this 2-core VM it varied 2.04–2.29 s over 35 runs,
its system time (the kernel zeroing its ~120 k fresh 4 KiB pages, ~0.5 GB) 0.31–0.92 s and
its wall time with the load (docs/benchmarks.md, "Why VQF's time swings"). Quote the load.
``--in-process``: the older way, both timed in this one process, the minimum of the runs.
``--trees OLD/host,NEW/host``: before / after, each tree's VQF and end to end on its own
``PYTHONPATH``, round by round (who goes first alternates), each summarised on its own.

``--walking-day``: instead of the synthetic bends, the validation family's development sessions
0–29 and 1000–1029 (never held-out seeds) concatenated until ``HOURS`` (one guided-calibration
NOTE, the first session's), written through the recording package's writer and cached the same
way; the synthetic file has no walking, so it does not see the cost of the walking bouts'
second VQF run (``analysis.walk_angles``). ``--one-wearer``: one validation person (development
seed :data:`ONE_WEARER_SEED`) for ``HOURS``: the validation generator's script with its activity
blocks repeated (one clip slip, no joins between people: the walking day's 56 joins each look
like a slip and inflate the clip-slip search). ``--no-walk`` times ``analyze`` without that run
(bench only: ``walk_angles`` patched to change nothing) to show its share of the ratio.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import kyphos
import numpy as np
from kyphos.analysis import analyze
from kyphos.processing.orientation import orientation_offline
from kyphos.recording.synth import write_synth

WALKING_DAY_SEEDS = [*range(0, 30), *range(1000, 1030)]  # validation development seeds only
ONE_WEARER_SEED = 5  # a validation development seed (never a held-out one)


def write_walking_day(path: Path, hours: float, fs: float) -> float:
    """Write the validation sessions of :data:`WALKING_DAY_SEEDS` back to back until ``hours``
    as one .kyr (BOOT, INFO, IMU batches of 13, the first session's calibration NOTE at the
    end, as ``ValidationSession.write_kyr``); return the truth's walking share."""
    import json

    from kyphos.recording.kyr import new_header
    from kyphos.sim.validation import generate
    from kyphos.sim.validation.generate import write_counts_kyr

    raws: list[np.ndarray] = []
    n = walk_n = 0
    note = None
    for seed in WALKING_DAY_SEEDS:
        v = generate(seed, fs)
        note = note or v.calibration_note()
        raws.append(np.column_stack([v.acc_counts, v.gyr_counts]))
        walk_n += int(np.count_nonzero(v.truth.activity_names == "walking"))
        n += len(raws[-1])
        if n >= hours * 3600.0 * fs:
            break
    share = walk_n / n
    header = new_header("sim", subject="V-day", device=None,
                        simulated={"family": "validation", "seeds": "0-29,1000-1029"})
    write_counts_kyr(path, np.concatenate(raws)[: int(hours * 3600.0 * fs)], fs, header, note)
    path.with_suffix(".json").write_text(json.dumps({"walking_share": share}))
    return share


def write_one_wearer_day(path: Path, hours: float, fs: float) -> float:
    """Write one validation person's day (:data:`ONE_WEARER_SEED`, the script's blocks repeated
    until ``hours``, one clip slip) as one .kyr with its calibration NOTE; return the truth's
    walking share. ~12 s of CPU and ~0.5 GB per hour at 104 Hz."""
    import json

    from kyphos.recording.kyr import new_header
    from kyphos.sim.validation import generate
    from kyphos.sim.validation.generate import write_counts_kyr
    from kyphos.sim.validation.script import BLOCKS

    # a session of the default blocks is ~8-10 min: enough repeats for the hours, then cut
    v = generate(ONE_WEARER_SEED, fs, blocks=BLOCKS * int(np.ceil(hours * 7.5)))
    n = int(hours * 3600.0 * fs)
    if len(v.time) < n:
        raise SystemExit(f"the script ran {len(v.time) / fs / 3600:.2f} h, short of {hours} h")
    share = float(np.mean(v.truth.activity_names[:n] == "walking"))
    header = new_header("sim", subject="V-one-wearer", device=None,
                        simulated={"family": "validation", "seed": ONE_WEARER_SEED,
                                   "blocks": "default x repeats"})
    write_counts_kyr(path, np.column_stack([v.acc_counts, v.gyr_counts])[:n], fs, header,
                     v.calibration_note())
    path.with_suffix(".json").write_text(json.dumps({"walking_share": share}))
    return share


def run_once(kind: str, path: Path, no_walk: bool = False) -> dict[str, float]:
    """Time one run of ``kind`` ("vqf" or "e2e") in this process: wall, CPU user and system
    time (s), minor page faults; for "e2e" also the samples, lifts and posture score."""
    if no_walk:
        from kyphos import analysis

        analysis.walk_angles = lambda *a, **k: None  # type: ignore[assignment]
    out: dict[str, float] = {}
    if kind == "vqf":
        s = kyphos.load(path)
        gyr, acc, fs = np.ascontiguousarray(s.gyr), np.ascontiguousarray(s.acc), s.fs
        del s
    r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    if kind == "vqf":
        orientation_offline(gyr, acc, fs)
    else:
        s = kyphos.load(path)
        a = analyze(s)
        out.update(samples=s.n_samples, hours=s.duration_s / 3600, fs=s.fs,
                   lifts=len(a.lifts), score=a.posture.score)
    wall, r1 = time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF)
    out.update(wall=wall, user=r1.ru_utime - r0.ru_utime, sys=r1.ru_stime - r0.ru_stime,
               faults=r1.ru_minflt - r0.ru_minflt)
    return out


def summarise(runs: list[dict[str, float]]) -> dict[str, dict[str, tuple[float, float, float]]]:
    """Median, min and max of each measure per kind, and of the end-to-end / VQF ratios.

    ``runs`` alternate as (vqf, e2e) pairs, each a dict with "kind", "wall", "user", "sys".
    Returns {"vqf"|"e2e": {measure: (median, min, max)}, "ratio_of_medians": {m: (r, r, r)},
    "pair_ratio": {m: (median, min, max)}} for m in wall, cpu (user + system), user, sys."""
    import statistics

    def stats(v: list[float]) -> tuple[float, float, float]:
        return statistics.median(v), min(v), max(v)

    measures = ("wall", "cpu", "user", "sys")
    val = {k: {m: [r["user"] + r["sys"] if m == "cpu" else r[m]
                   for r in runs if r["kind"] == k] for m in measures} for k in ("vqf", "e2e")}
    out: dict[str, dict[str, tuple[float, float, float]]] = {
        k: {m: stats(val[k][m]) for m in measures} for k in ("vqf", "e2e")}
    ratio = {m: out["e2e"][m][0] / out["vqf"][m][0] for m in measures}
    out["ratio_of_medians"] = {m: (r, r, r) for m, r in ratio.items()}
    out["pair_ratio"] = {m: stats([e / v for v, e in zip(val["vqf"][m], val["e2e"][m], strict=True)])
                         for m in measures}
    return out


def interleaved(path: Path, repeat: int, no_walk: bool, trees: list[str] | None = None) -> int:
    """VQF, end to end, VQF, ... each in a fresh process (this script with ``--child``); print
    every run with the load average, then :func:`summarise`. ``trees``: host folders (each
    put on ``PYTHONPATH`` of its runs) timed round by round, who goes first alternating, each
    summarised on its own (None: the kyphos this script imports)."""
    import json
    import subprocess

    names = trees or [""]
    runs: dict[str, list[dict[str, float]]] = {t: [] for t in names}
    e2e: dict[str, float] = {}
    print(f"{'run':>4s} {'kind':4s} {'wall s':>7s} {'user s':>7s} {'sys s':>6s} {'faults':>7s} "
          f"{'load':>5s}{'  tree' if trees else ''}")
    for i in range(repeat):
        for tree in names if i % 2 == 0 else names[::-1]:
            env = dict(os.environ, PYTHONPATH=tree) if tree else None
            for kind in ("vqf", "e2e"):
                cmd = [sys.executable, __file__, "--child", kind, "--file", str(path),
                       *(["--no-walk"] if no_walk else [])]
                r = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True,
                                              env=env).stdout.splitlines()[-1])
                r["kind"], r["load"] = kind, os.getloadavg()[0]
                runs[tree].append(r)
                e2e = r if kind == "e2e" else e2e
                print(f"{i + 1:4d} {kind:4s} {r['wall']:7.2f} {r['user']:7.2f} {r['sys']:6.2f} "
                      f"{r['faults']:7.0f} {r['load']:5.2f}  {tree}", flush=True)
    print(f"samples {e2e['samples']:.0f} ({e2e['hours']:.2f} h at {e2e['fs']:g} Hz), lifts "
          f"{e2e['lifts']:.0f}, posture score {e2e['score']}")
    for tree in names:
        sm = summarise(runs[tree])
        print(f"{tree + ': ' if tree else ''}median [min-max] of {repeat} fresh processes each, "
              f"interleaved:")
        for m, name in (("wall", "wall"), ("cpu", "CPU (user+sys)"), ("user", "CPU user"),
                        ("sys", "CPU system")):
            v, e, p = sm["vqf"][m], sm["e2e"][m], sm["pair_ratio"][m]
            print(f"  {name:15s} VQF {v[0]:5.2f} [{v[1]:.2f}-{v[2]:.2f}] s, end to end {e[0]:5.2f} "
                  f"[{e[1]:.2f}-{e[2]:.2f}] s, ratio of medians {sm['ratio_of_medians'][m][0]:.2f}, "
                  f"per pair {p[0]:.2f} [{p[1]:.2f}-{p[2]:.2f}]")
        loads = [r["load"] for r in runs[tree]]
        print(f"ratio end-to-end / VQF offline (target <= 3): wall "
              f"{sm['ratio_of_medians']['wall'][0]:.2f}, CPU {sm['ratio_of_medians']['cpu'][0]:.2f}, "
              f"user {sm['ratio_of_medians']['user'][0]:.2f}   (load average 1 min "
              f"{min(loads):.2f}-{max(loads):.2f} on {os.cpu_count()} cores)")
    return 0


def in_process(path: Path, repeat: int) -> int:
    """Both timed in this process, interleaved, the minimum of ``repeat`` runs (the older way)."""
    load_before = os.getloadavg()[0]
    t_vqf = t_load = t_all = float("inf")
    c_vqf = c_all = float("inf")  # CPU time, s
    for _ in range(repeat):  # interleaved; the minimum is the least disturbed run
        s = kyphos.load(path)
        gyr = np.ascontiguousarray(s.gyr)
        acc = np.ascontiguousarray(s.acc)
        t0, c0 = time.perf_counter(), time.process_time()
        orientation_offline(gyr, acc, s.fs)
        t_vqf = min(t_vqf, time.perf_counter() - t0)
        c_vqf = min(c_vqf, time.process_time() - c0)
        del s, gyr, acc
        t0, c0 = time.perf_counter(), time.process_time()
        s = kyphos.load(path)
        t_load = min(t_load, time.perf_counter() - t0)
        a = analyze(s)
        t_all = min(t_all, time.perf_counter() - t0)
        c_all = min(c_all, time.process_time() - c0)
    print(f"samples {s.n_samples} ({s.duration_s / 3600:.2f} h at {s.fs:g} Hz), lifts {len(a.lifts)}, "
          f"posture score {a.posture.score}")
    print(f"VQF offline alone:           {t_vqf:7.2f} s  (min of {repeat})")
    print(f"load:                        {t_load:7.2f} s")
    print(f"end to end (load + analyze): {t_all:7.2f} s")
    print(f"ratio end-to-end / VQF offline: {t_all / t_vqf:.2f}   (target <= 3)")
    print(f"CPU time: VQF offline {c_vqf:.2f} s, end to end {c_all:.2f} s, ratio "
          f"{c_all / c_vqf:.2f}")
    print(f"load average (1 min) before / after: {load_before:.2f} / {os.getloadavg()[0]:.2f} "
          f"on {os.cpu_count()} cores")
    return 0


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description="8-hour end-to-end analysis benchmark")
    ap.add_argument("hours", nargs="?", type=float, default=8.0, help="recording length, h")
    ap.add_argument("--fs", type=float, default=104.0, help="sample rate, Hz")
    ap.add_argument("--file", help="use this recording instead of a synthetic one")
    ap.add_argument("--walking-day", action="store_true",
                    help="validation dev sessions 0-29, 1000-1029 back to back (with walking)")
    ap.add_argument("--one-wearer", action="store_true",
                    help="one validation person's day (blocks repeated, one clip slip)")
    ap.add_argument("--no-walk", action="store_true",
                    help="analyze without the walking bouts' second VQF run (bench only)")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each, interleaved")
    ap.add_argument("--in-process", action="store_true",
                    help="time both in this process, the minimum of the runs (the older way)")
    ap.add_argument("--trees", help="comma-separated host folders (e.g. an older revision's, "
                    "git archive REV host), each timed on its own PYTHONPATH, interleaved")
    ap.add_argument("--child", choices=("vqf", "e2e"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv[1:])
    if args.child:  # one timed run in this fresh process, as a JSON line for the parent
        import json

        print(json.dumps(run_once(args.child, Path(args.file), args.no_walk)))
        return 0
    if args.no_walk and args.in_process:
        from kyphos import analysis

        analysis.walk_angles = lambda *a, **k: None  # type: ignore[assignment]
    if args.file:
        path = Path(args.file)
    elif args.walking_day or args.one_wearer:
        import json

        what = "walkday" if args.walking_day else "onewearer"
        path = Path(tempfile.gettempdir()) / f"kyphos-bench-{what}-{args.hours:g}h-{args.fs:g}hz.kyr"
        if not path.exists():
            t0 = time.perf_counter()
            (write_walking_day if args.walking_day else write_one_wearer_day)(
                path, args.hours, args.fs)
            print(f"wrote {path} ({path.stat().st_size / 1e6:.0f} MB) in "
                  f"{time.perf_counter() - t0:.1f} s")
        share = json.loads(path.with_suffix(".json").read_text())["walking_share"]
        print(f"walking share (truth): {100 * share:.1f} %")
    else:
        path = Path(tempfile.gettempdir()) / f"kyphos-bench-{args.hours:g}h-{args.fs:g}hz.kyr"
        if not path.exists():
            t0 = time.perf_counter()
            write_synth(path, args.hours * 3600.0, fs=args.fs)
            print(f"wrote {path} ({path.stat().st_size / 1e6:.0f} MB) in "
                  f"{time.perf_counter() - t0:.1f} s")
    if args.in_process:
        return in_process(path, args.repeat)
    return interleaved(path, args.repeat, args.no_walk,
                       args.trees.split(",") if args.trees else None)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
