"""Report speed: an 8-hour recording → HTML + PDF report; batch throughput with 1 vs 2 workers.

Usage: .venv/bin/python bench/bench_report.py [--hours 8] [--batch 8] [--repeat 2]

1. Writes (once, cached in the temp folder, the same file bench_analysis.py uses) an 8 h,
   104 Hz synthetic .kyr (upright with a 60° bend every 12 s: 2,400 lifts), then times, in the
   same process: ``kyphos.load`` + ``analyze`` alone (the reference: what any report must do),
   and ``summarize`` + HTML + PDF (the whole ``kyphos report FILE -o X.html --pdf``). Prints
   both, the report's own share, and the ratio. Target: whole report ≤ 10 s.
2. Writes ``--batch`` synthetic recordings (``--batch-min`` minutes each, different seeds)
   and runs the batch (``kyphos.views.batch.run``: HTML report per file) with 1 and 2 worker
   processes; prints recordings per second and the speed-up.

Each timing is the minimum of ``--repeat`` runs (the machine is shared; the minimum is the
least disturbed run).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path


def _min_time(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description="report and batch benchmark")
    ap.add_argument("--hours", type=float, default=8.0, help="long recording, h")
    ap.add_argument("--batch", type=int, default=8, help="recordings in the batch run")
    ap.add_argument("--batch-min", type=float, default=20.0, help="length of each, min")
    ap.add_argument("--repeat", type=int, default=2, help="runs of each; the minimum is shown")
    args = ap.parse_args(argv[1:])

    import kyphos
    from kyphos.analysis import analyze
    from kyphos.recording.synth import write_synth
    from kyphos.views import batch
    from kyphos.views.report import write_html, write_pdf
    from kyphos.views.summary import summarize

    print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}")
    path = Path(tempfile.gettempdir()) / f"kyphos-bench-{args.hours:g}h-104hz.kyr"
    if not path.exists():
        write_synth(path, args.hours * 3600.0, fs=104.0)
    out = Path(tempfile.mkdtemp(prefix="kyphos-bench-report-"))
    parts: dict[str, float] = {}

    def whole() -> None:
        t0 = time.perf_counter()
        s = summarize(path)
        t1 = time.perf_counter()
        write_html([s], out / "long.html")
        t2 = time.perf_counter()
        write_pdf([s], out / "long.pdf")
        t3 = time.perf_counter()
        parts.update(summary=t1 - t0, html=t2 - t1, pdf=t3 - t2, n_lifts=len(s.lifts))

    t_ref = t_all = float("inf")
    for _ in range(args.repeat):  # interleaved, so that both see the same machine load
        t_ref = min(t_ref, _min_time(lambda: analyze(kyphos.load(path)), 1))
        t_all = min(t_all, _min_time(whole, 1))
    print(f"{args.hours:g} h recording ({path.stat().st_size / 1e6:.0f} MB, "
          f"{parts['n_lifts']:.0f} lifts):")
    print(f"  load + analyze alone (reference)      {t_ref:6.2f} s")
    print(f"  report: summary {parts['summary']:.2f} s + HTML {parts['html']:.2f} s + PDF "
          f"{parts['pdf']:.2f} s (last run)")
    print(f"  whole report, HTML + PDF              {t_all:6.2f} s  (target ≤ 10 s: "
          f"{'met' if t_all <= 10 else 'NOT met'}); ratio to reference {t_all / t_ref:.2f}")
    print(f"  HTML {os.path.getsize(out / 'long.html') / 1e3:.0f} kB, PDF "
          f"{os.path.getsize(out / 'long.pdf') / 1e3:.0f} kB")

    recs = []
    for i in range(args.batch):
        p = out / f"rec{i}.kyr"
        write_synth(p, args.batch_min * 60.0, fs=104.0, seed=i)
        recs.append(p)
    jobs = [batch.Job(p, out / f"rec{i}.html") for i, p in enumerate(recs)]
    rates = {}
    for w in (1, 2):
        t = _min_time(lambda w=w: batch.run(jobs, workers=w, progress=False), args.repeat)
        rates[w] = len(jobs) / t
        print(f"batch of {len(jobs)} recordings, {w} worker(s): {t:6.2f} s, "
              f"{rates[w]:.2f} recordings/s")
    print(f"speed-up 2 vs 1 workers: {rates[2] / rates[1]:.2f}x")
    import shutil

    shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
