"""Peak memory and time of the analysis against the recording's length (issue 17 item 3).

Usage: .venv/bin/python bench/bench_memory.py [--hours 1,8,24] [--fs 104]

For each length it writes (once, cached in the temp folder) a synthetic .kyr recording with
``kyphos.recording.synth.write_synth`` (upright standing, a 60° forward bend every 12 s; the
same recordings as bench/bench_analysis.py), then runs, each in a fresh Python process so that
its peak resident set size is its own (``os.wait4`` rusage ``ru_maxrss``, Linux: KiB):

1. ``imports``: importing kyphos, the analysis and vqf only (the fixed part of every run);
2. ``VQF offline alone``: ``kyphos.load`` + VQF offline on the IMU arrays (the reference);
3. ``whole``: ``kyphos.load`` + ``kyphos.analysis.analyze`` + ``to_dict``, the whole
   recording in memory (what ``kyphos analyze`` did before kyphos.chunked);
4. ``chunked``: ``kyphos.chunked.analyze_chunked`` + ``to_dict`` (30-min cores, the default);
5. with ``--cli``: ``kyphos analyze FILE --json`` and ``kyphos report FILE -o r.html``, the
   commands a user runs (chunked above ``kyphos.chunked.AUTO_ABOVE_S``, 1 h).

Prints, per length, samples, peak RSS (MB = 10**6 bytes) and the time of the work inside the
child (s, after the imports), and the ratios whole / VQF and chunked / VQF (time). The issue's
targets are peak RSS ≤ 400 MB at 8 h and ≤ 1 GB at 24 h, time ≤ 3× VQF offline alone.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = {
    "imports": """
import time, kyphos, kyphos.analysis, vqf
t0 = time.perf_counter()
print(0, time.perf_counter() - t0)
""",
    "vqf": """
import sys, time, kyphos, kyphos.analysis, vqf
import numpy as np
from kyphos.processing.orientation import orientation_offline
t0 = time.perf_counter()
s = kyphos.load(sys.argv[1])
q = orientation_offline(np.ascontiguousarray(s.gyr), np.ascontiguousarray(s.acc), s.fs)
print(s.n_samples, time.perf_counter() - t0)
""",
    "analyze": """
import contextlib, io, sys, time, kyphos, kyphos.analysis, vqf
from kyphos.cli import main
t0 = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()) as out:
    code = main(["analyze", sys.argv[1], "--json"])
assert code == 0, code
import json
n = json.loads(out.getvalue()).get("duration_s")
print(n, time.perf_counter() - t0)
""",
    "whole": """
import sys, time, kyphos, kyphos.analysis, vqf
from kyphos.analysis import analyze
t0 = time.perf_counter()
s = kyphos.load(sys.argv[1])
d = analyze(s).to_dict()
print(s.n_samples, time.perf_counter() - t0)
""",
    "chunked": """
import sys, time, kyphos, kyphos.analysis, vqf
from kyphos.chunked import analyze_chunked
t0 = time.perf_counter()
d = analyze_chunked(sys.argv[1]).to_dict()
print(d["duration_s"], time.perf_counter() - t0)
""",
    "report": """
import contextlib, io, os, sys, tempfile, time, kyphos, kyphos.analysis, vqf
from kyphos.cli import main
t0 = time.perf_counter()
with tempfile.TemporaryDirectory() as tmp, contextlib.redirect_stdout(io.StringIO()):
    code = main(["report", sys.argv[1], "-o", os.path.join(tmp, "r.html")])
assert code == 0, code
print(0, time.perf_counter() - t0)
""",
}
LABEL = {"imports": "imports only", "vqf": "load + VQF offline alone",
         "analyze": "kyphos analyze --json", "whole": "load + analyze (whole)",
         "chunked": "analyze_chunked (30-min cores)", "report": "kyphos report -o r.html"}


def measure(kind: str, path: Path) -> tuple[float, float, str]:
    """(peak RSS in MB, seconds of work, first output field) of one child process."""
    proc = subprocess.Popen([sys.executable, "-c", CHILD[kind], str(path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _pid, status, ru = os.wait4(proc.pid, 0)
    out = proc.stdout.read() if proc.stdout else ""
    err = proc.stderr.read() if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{kind} on {path} failed ({proc.returncode}): {err.strip()[-2000:]}")
    first, secs = out.split()[-2:]
    return ru.ru_maxrss * 1024 / 1e6, float(secs), first


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", default="1,8,24", help="comma-separated lengths, h (default 1,8,24)")
    ap.add_argument("--fs", type=float, default=104.0, help="sample rate, Hz (default 104)")
    ap.add_argument("--skip-whole-above", type=float, default=None, metavar="H",
                    help="do not run the whole-recording analysis above H hours (it needs ~0.3 kB "
                    "per sample)")
    ap.add_argument("--cli", action="store_true", help="also run kyphos analyze FILE --json")
    a = ap.parse_args()
    hours = [float(h) for h in a.hours.split(",")]
    print(f"{'h':>5} {'samples':>11}  {'run':<32} {'peak RSS MB':>11} {'time s':>8}")
    for h in hours:
        path = Path(tempfile.gettempdir()) / f"kyphos-bench-{h:g}h-{a.fs:g}hz.kyr"
        if not path.exists():
            # Written by a child too: a parent that grew while writing would pass its size on
            # to the children's ru_maxrss (fork before exec). Renamed when whole.
            t0 = time.perf_counter()
            part = path.with_suffix(".part")
            code = ("import sys; from kyphos.recording.synth import write_synth; "
                    "write_synth(sys.argv[1], float(sys.argv[2]), fs=float(sys.argv[3]))")
            subprocess.run([sys.executable, "-c", code, str(part), str(h * 3600.0), str(a.fs)],
                           check=True)
            part.replace(path)
            print(f"wrote {path} ({path.stat().st_size / 1e6:.0f} MB) in "
                  f"{time.perf_counter() - t0:.1f} s")
        kinds = ["imports", "vqf", "whole", "chunked"]
        if a.skip_whole_above is not None and h > a.skip_whole_above:
            kinds.remove("whole")
        if a.cli:
            kinds += ["analyze", "report"]
        if h * 3600.0 <= 1800.0 + 240.0:  # one chunk: analyze_chunked declines
            kinds.remove("chunked")
        res = {k: measure(k, path) for k in kinds}
        n = int(res["vqf"][2])
        for k in kinds:
            rss, secs, _first = res[k]
            print(f"{h:5g} {n:11,}  {LABEL[k]:<32} {rss:11.0f} {secs:8.2f}")
        for k in ("whole", "chunked", "analyze", "report"):
            if k in res:
                print(f"{h:5g} {'':11}  {'ratio ' + k + ' / VQF (time)':<32} {'':11} "
                      f"{res[k][1] / res['vqf'][1]:8.2f}")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
