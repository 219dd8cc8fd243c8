"""``kyphos compare FILE... -o progress.html``: one subject's progress across visits."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from kyphos.cli.cmd_report import add_analysis_options, add_parallel_options, options
from kyphos.cli.options import add_force
from kyphos.errors import KyphosError

EPILOG = """examples:
  kyphos compare visit1.kyr visit2.kyr visit3.kyr -o progress.html
  kyphos compare visits/ -o progress.html
  kyphos compare visits/ -o progress.html --scheduler tcp://scheduler-host:8786

Trends of posture score, time bent > 60°, slouch episodes and the share of good-form lifts,
in date order. Details: docs/report.md."""


def _default_output(inputs: list[str]) -> Path:
    first = Path(inputs[0])
    if first.is_dir():
        first = first.resolve()
        return first.parent / f"{first.name}-progress.html"
    return first.parent / "progress.html"


def run(args: argparse.Namespace) -> int:
    from kyphos.fileio import check_output, write_text
    from kyphos.views import batch, compare

    files = batch.expand_inputs(args.files)
    out = Path(args.output) if args.output else _default_output(args.files)
    if out.suffix.lower() != ".html":
        raise KyphosError(f"-o {out}: give a .html file name")
    check_output(out, force=args.force, inputs=files)  # before the work (kyphos.fileio)
    t0 = time.perf_counter()
    jobs = [batch.Job(f, None, None, *options(args, f)) for f in files]
    summaries = batch.run(jobs, workers=args.workers, scheduler=args.scheduler,
                          progress=not args.no_progress)
    if all(not s.ok for s in summaries):  # nothing readable: one line, no empty page written
        first = summaries[0]
        more = f" (and {len(summaries) - 1} more)" if len(summaries) > 1 else ""
        raise KyphosError(f"{first.file}: {first.error}{more}; nothing compared")
    html = compare.html_document(summaries, args.allow_mixed_subjects)
    write_text(out, html, force=args.force, inputs=files)  # temp name, renamed when complete
    bad = [s for s in summaries if not s.ok]
    for w in compare.trend_warnings(summaries):
        print(f"kyphos: warning: {w}", file=sys.stderr)
    n = sum(1 for s in summaries if compare.usable(s))
    print(f"compared {n} visit(s) in {time.perf_counter() - t0:.1f} s → {out}")
    return 1 if bad else 0


def register(sub: Any) -> None:
    p = sub.add_parser(
        "compare",
        help="progress of one subject across visits (HTML with trends)",
        description="Compare one subject's recordings from several visits: trends of posture "
        "score, time bent over 60°, slouch episodes and good-form lifts, with dates.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("files", nargs="+", metavar="FILE",
                   help="recordings (.kyr, .csv) of the visits, or folders of them")
    p.add_argument("-o", "--output", default=None,
                   help="output HTML file (default: progress.html beside the first recording; "
                        "FOLDER-progress.html beside a FOLDER)")
    add_force(p, "an existing output HTML")
    p.add_argument("--allow-mixed-subjects", action="store_true",
                   help="compare even if the recordings name different subjects")
    add_analysis_options(p)
    add_parallel_options(p)
    p.set_defaults(func=run)
