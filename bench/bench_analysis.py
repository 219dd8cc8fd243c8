"""End-to-end analysis speed: an 8-hour 104 Hz recording, load → all metrics, vs VQF offline alone.

Usage: .venv/bin/python bench/bench_analysis.py [HOURS] [--fs 104] [--file PATH]

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


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description="8-hour end-to-end analysis benchmark")
    ap.add_argument("hours", nargs="?", type=float, default=8.0, help="recording length, h")
    ap.add_argument("--fs", type=float, default=104.0, help="sample rate, Hz")
    ap.add_argument("--file", help="use this recording instead of a synthetic one")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each; the minimum is shown")
    args = ap.parse_args(argv[1:])
    if args.file:
        path = Path(args.file)
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
