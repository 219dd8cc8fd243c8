"""End-to-end analysis speed: an 8-hour 104 Hz recording, load → all metrics, vs VQF offline alone.

Usage: .venv/bin/python bench/bench_analysis.py [HOURS] [--fs 104] [--file PATH] [--walking-day]
    [--one-wearer] [--no-walk]

Writes (once, cached in the temp folder) a synthetic .kyr recording with the recording
package's synthetic board output (upright standing with a 60° forward bend every 12 s), then
times, in this order and in the same process:

1. VQF offline alone on that recording's IMU arrays (the reference);
2. ``kyphos.load(path)`` + ``analyze`` (preprocessing, VQF offline, automatic calibration,
   angles, posture metrics, lifts, risk) = end to end.

Each is run ``--repeat`` times (default 3), interleaved, and the minimum time is kept: the
machine is shared, and the minimum is the least disturbed run. Prints both times, the ratio
(target ≤ 3), the number of samples and lifts, and the machine's load average before and after
(other jobs on the same cores slow the memory-bound analysis more than VQF: quote it).
``--walking-day``: instead of the synthetic bends, the validation family's development sessions
0–29 and 1000–1029 (never held-out seeds) concatenated until ``HOURS`` (one guided-calibration
NOTE, the first session's), written through the recording package's writer and cached the same
way; the synthetic file has no walking, so it does not see the cost of the walking bouts'
second VQF run (``analysis.walk_angles``). ``--one-wearer``: one validation person (development
seed :data:`ONE_WEARER_SEED`) for ``HOURS``: the validation generator's script with its activity
blocks repeated (one clip slip, no joins between people: the walking day's 56 joins each look
like a slip and inflate the clip-slip search). ``--no-walk`` times ``analyze`` without that run
(bench only: ``walk_angles`` patched to change nothing) to show its share of the ratio.

The same for the process's CPU time (user + system, ``time.process_time``), which another
job's share of the cores does not add to (the cache and memory bandwidth it takes still do).
"""

from __future__ import annotations

import argparse
import os
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
    ap.add_argument("--repeat", type=int, default=3, help="runs of each; the minimum is shown")
    args = ap.parse_args(argv[1:])
    if args.no_walk:
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
    load_before = os.getloadavg()[0]
    t_vqf = t_load = t_all = float("inf")
    c_vqf = c_all = float("inf")  # CPU time, s
    for _ in range(args.repeat):  # interleaved; the minimum is the least disturbed run
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
    print(f"VQF offline alone:           {t_vqf:7.2f} s  (min of {args.repeat})")
    print(f"load:                        {t_load:7.2f} s")
    print(f"end to end (load + analyze): {t_all:7.2f} s")
    print(f"ratio end-to-end / VQF offline: {t_all / t_vqf:.2f}   (target <= 3)")
    print(f"CPU time: VQF offline {c_vqf:.2f} s, end to end {c_all:.2f} s, ratio "
          f"{c_all / c_vqf:.2f}")
    print(f"load average (1 min) before / after: {load_before:.2f} / {os.getloadavg()[0]:.2f} "
          f"on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
