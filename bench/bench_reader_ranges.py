"""What reading a long recording an hour at a time costs (issue 17, bounded memory).

Usage: .venv/bin/python bench/bench_reader_ranges.py FILE [--hours 3] [--chunk-s 3600]

Builds a :class:`kyphos.recording.load.KyrReader` for FILE (the whole file's record index, once),
prints its time and the resident memory it holds (``/proc/self/status`` VmRSS, after glibc's
``malloc_trim`` so that freed heap is not counted), then for the first ``--hours`` chunks reads
the chunk's session (``reader.session(start, end)``) and analyses it (``kyphos.analysis.analyze``),
printing each step's time, the lifts found and the resident memory. Ends with the process's
peak RSS (``ru_maxrss``). The recordings of bench/bench_memory.py fit (e.g.
``/tmp/kyphos-bench-24h-104hz.kyr``). Linux only (``/proc``, ``libc.so.6``).
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import resource
import sys
import time

import kyphos.analysis
import vqf  # noqa: F401  (imported as analyze's run would, so the RSS baseline matches)
from kyphos.recording.load import KyrReader


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1e3
    return float("nan")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--hours", type=int, default=3, help="chunks to read and analyse")
    ap.add_argument("--chunk-s", type=float, default=3600.0, help="chunk length, s")
    a = ap.parse_args()
    r0 = rss_mb()
    t = time.perf_counter()
    reader = KyrReader(a.file)
    t_index = time.perf_counter() - t
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    print(f"imports {r0:.0f} MB; index {t_index:.2f} s, then {rss_mb():.0f} MB resident "
          f"(after malloc_trim); recording {reader.end_s / 3600:.2f} h")
    for h in range(a.hours):
        t = time.perf_counter()
        s = reader.session(h * a.chunk_s, (h + 1) * a.chunk_s)
        t_load = time.perf_counter() - t
        t = time.perf_counter()
        res = kyphos.analysis.analyze(s)
        t_an = time.perf_counter() - t
        print(f"chunk {h}: {s.n_samples:,} samples; session {t_load:.2f} s, analyze {t_an:.2f} s, "
              f"{len(res.lifts)} lifts; {rss_mb():.0f} MB resident")
        del s, res
        gc.collect()
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
