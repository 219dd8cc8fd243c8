"""Loader speed: ``kyphos.load`` of an 8-hour 104 Hz recording vs ``np.fromfile`` of its bytes.

Usage: .venv/bin/python bench/bench_load.py [--hours 8] [--runs 5] [--dir build/bench]

The recording (IMU at 104 Hz in batches of 13 plus on-device orientation at 104 Hz in batches
of 20, a STATUS a second; ~3.0 M samples of each, ~409 k records, ~72 MB; t_us wraps 6 times)
is generated once with ``kyphos.recording.synth`` and cached. Both timings read the same file
from the page cache (a warm-up read first); best and median of ``--runs`` are printed, with the
ratio load / fromfile, MB/s and samples/s. The target is a load under 1 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import kyphos
import numpy as np
from kyphos.recording.kyr import read_file, read_header, scan_records
from kyphos.recording.synth import write_synth


def _times(fn, runs: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=8.0, help="recording length (default 8)")
    ap.add_argument("--runs", type=int, default=5, help="timed runs of each (default 5)")
    ap.add_argument("--dir", default="build/bench", help="cache folder for the recording")
    args = ap.parse_args()

    path = Path(args.dir) / f"load_{args.hours:g}h_v1.kyr"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        tmp = path.with_suffix(".tmp")
        n = write_synth(tmp, args.hours * 3600, t0_us=(1 << 32) - 30_000_000)
        os.replace(tmp, path)
        print(f"generated {path} ({n:,} records) in {time.perf_counter() - t:.1f} s")
    size = path.stat().st_size
    np.fromfile(path, np.uint8)  # warm the page cache
    s = kyphos.load(path)
    assert not s.damage and len(s.gaps) == 0

    floor = _times(lambda: np.fromfile(path, np.uint8), args.runs)
    buf = read_file(path)
    start = read_header(buf)[1]
    walk = _times(lambda: scan_records(buf, start), args.runs)
    load = _times(lambda: kyphos.load(path), args.runs)

    best, med = min(load), statistics.median(load)
    print(f"file: {size / 1e6:.1f} MB, {s.n_samples:,} IMU samples + {len(s.quat):,} "
          f"orientation samples, {s.duration_s / 3600:.2f} h")
    print(f"np.fromfile (floor):  best {min(floor) * 1e3:7.1f} ms  median "
          f"{statistics.median(floor) * 1e3:7.1f} ms  ({size / min(floor) / 1e6:,.0f} MB/s)")
    print(f"record walk + CRC:    best {min(walk) * 1e3:7.1f} ms  median "
          f"{statistics.median(walk) * 1e3:7.1f} ms")
    print(f"kyphos.load:          best {best * 1e3:7.1f} ms  median {med * 1e3:7.1f} ms  "
          f"({size / best / 1e6:,.0f} MB/s, {s.n_samples / best / 1e6:.1f} M IMU samples/s)")
    print(f"ratio load / fromfile: {best / min(floor):.0f}x (best runs)")
    verdict = "meets" if best < 1.0 else "MISSES"
    print(f"target < 1 s for {args.hours:g} h: {verdict} (best {best:.3f} s, median {med:.3f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
