"""How much of the 8-hour analysis is the kernel zeroing fresh memory, by page policy.

Usage: .venv/bin/python bench/bench_page_policy.py [--rounds 3] [--hours 8] [--fs 104]

Runs ``kyphos.load`` + ``analyze`` of the synthetic recording of ``bench_analysis.py`` once in
a fresh process per variant (a first run, what ``kyphos analyze`` pays), the variants
interleaved round after round, and prints wall time, CPU user and system time and minor page
faults of each (minimum and median over the rounds):

- ``default``: numpy asks for transparent huge pages for large arrays (``madvise``);
- ``small-pages``: ``NUMPY_MADVISE_HUGEPAGE=0`` (4 KiB pages);
- ``keep-freed``: glibc keeps freed memory (``MALLOC_TRIM_THRESHOLD_`` and
  ``MALLOC_MMAP_THRESHOLD_`` at 4 GB: no array is handed back to the kernel and faulted in again);
- ``both``.

This is a study of the environment, not of kyphos: the analysis itself is the same code in
every variant. On a VM whose freed memory is handed back to the host (free page reporting), a
fresh 2 MB page costs far more to zero than a recycled 4 KiB one; on bare metal huge pages are
usually the cheaper. Quote the load average: the other jobs on the same cores move every time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: (name, environment) of each variant; 4 GB: larger than any array of an 8 h analysis.
VARIANTS = (
    ("default", {}),
    ("small-pages", {"NUMPY_MADVISE_HUGEPAGE": "0"}),
    ("keep-freed", {"MALLOC_TRIM_THRESHOLD_": "4000000000", "MALLOC_MMAP_THRESHOLD_": "4000000000"}),
    ("both", {"NUMPY_MADVISE_HUGEPAGE": "0", "MALLOC_TRIM_THRESHOLD_": "4000000000",
              "MALLOC_MMAP_THRESHOLD_": "4000000000"}),
)


def child(path: Path) -> int:
    """One load + analyze; prints wall, user, sys (s) and minor faults as JSON."""
    import kyphos
    from kyphos.analysis import analyze

    t0, o0 = time.perf_counter(), os.times()
    f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    analyze(kyphos.load(path))
    o1, t1 = os.times(), time.perf_counter()
    f1 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    print(json.dumps({"wall": t1 - t0, "user": o1.user - o0.user, "sys": o1.system - o0.system,
                      "faults": f1 - f0}))
    return 0


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description="page policy vs the 8 h analysis (first runs)")
    ap.add_argument("--rounds", type=int, default=3, help="runs of each variant, interleaved")
    ap.add_argument("--hours", type=float, default=8.0, help="recording length, h")
    ap.add_argument("--fs", type=float, default=104.0, help="sample rate, Hz")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv[1:])
    if args.child:
        return child(Path(args.child))
    path = Path(tempfile.gettempdir()) / f"kyphos-bench-{args.hours:g}h-{args.fs:g}hz.kyr"
    if not path.exists():  # the same file as bench_analysis.py
        from kyphos.recording.synth import write_synth

        write_synth(path, args.hours * 3600.0, fs=args.fs)
    rows: dict[str, list[dict[str, float]]] = {name: [] for name, _ in VARIANTS}
    load_before = os.getloadavg()[0]
    for _ in range(args.rounds):  # interleaved: each round runs every variant once
        for name, env in VARIANTS:
            out = subprocess.run([sys.executable, __file__, "--child", str(path)], check=True,
                                 capture_output=True, text=True, env={**os.environ, **env})
            rows[name].append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"{path.name}, {args.rounds} first runs of load + analyze per variant "
          f"(min / median)")
    for name, _ in VARIANTS:
        r = rows[name]

        def col(k: str, r: list[dict[str, float]] = r) -> str:
            v = [x[k] for x in r]
            return f"{min(v):6.2f} / {statistics.median(v):6.2f}"

        cpu = [x["user"] + x["sys"] for x in r]
        print(f"  {name:12s} wall {col('wall')} s  user {col('user')} s  sys {col('sys')} s  "
              f"cpu {min(cpu):5.2f} / {statistics.median(cpu):5.2f} s  "
              f"faults {int(statistics.median(x['faults'] for x in r)) // 1000}k")
    print(f"load average (1 min) before / after: {load_before:.2f} / {os.getloadavg()[0]:.2f} "
          f"on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
