"""``kyphos report FILE... -o OUT.html [--pdf OUT.pdf]``: review reports for physical therapists.

One recording → one HTML report (and optionally a PDF). Several recordings with ``-o X.html`` →
one document with a report per recording. A folder (or several files without ``-o X.html``) →
a batch: one report per recording in the output folder plus ``index.html``, in parallel on all
local cores, or on a Dask cluster with ``--scheduler``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from kyphos.cli.cmd_analyze import add_csv_unit_options, csv_load_options
from kyphos.cli.options import add_force
from kyphos.errors import KyphosError

EPILOG = """examples:
  kyphos report session.kyr -o session.html --pdf session.pdf
  kyphos report monday.kyr tuesday.kyr -o week.html
  kyphos report study/ --pdf                 # one report per recording in study-reports/
  kyphos report study/ -o reports/ --workers 8
  kyphos report study/ -o reports/ --scheduler tcp://scheduler-host:8786
  kyphos report imu.csv --acc-unit g --gyr-unit deg/s -o imu.html

A recording that cannot be read or analysed still gets a report that says why; the command
then exits with status 1. An existing report is kept unless --force; a batch goes to a new (or
empty) folder. Every file is written under a temporary name and renamed when complete.
Contents and recommendation rules: docs/report.md."""


def add_analysis_options(p: argparse.ArgumentParser) -> None:
    """Options that change how recordings are loaded and analysed (report, compare)."""
    p.add_argument("--calibration", default="session", choices=["session", "auto", "nominal"],
                   help="session: the recording's calibration (else automatic); auto: from the "
                        "data; nominal: assume ideal mounting (default session)")
    p.add_argument("--load-kg", type=float, help="typical load lifted, kg (risk moment term)")
    p.add_argument("--distance-m", type=float,
                   help="typical horizontal distance of the load from the spine, m")
    add_wearer_options(p)
    add_csv_unit_options(p, "time column")


def add_wearer_options(p: argparse.ArgumentParser) -> None:
    """--hip-height-m / --height-m: the wearer's leg length, which names the lift style by the
    closed-bend knee drop per leg length (analyze, report, compare, live; docs/scoring.md
    section 7)."""
    who = p.add_mutually_exclusive_group()
    who.add_argument("--hip-height-m", type=float, metavar="M",
                     help="the wearer's standing hip height (floor to the bony point at the side "
                          "of the hip, the greater trochanter), m: lift style (stoop / "
                          "semi-squat / squat) is then named by the knee drop per leg length, "
                          "with the trunk lever from the calibration bend; without it the style "
                          "is less certain and the output says so (docs/scoring.md section 7)")
    who.add_argument("--height-m", type=float, metavar="M",
                     help="the wearer's body height, m (hip height taken as 0.530 x height, "
                          "Drillis & Contini in Winter); instead of --hip-height-m")


def add_parallel_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--workers", type=int, default=None,
                   help="local worker processes (default: one per core)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on an existing Dask cluster, e.g. tcp://host:8786 "
                        "(needs kyphos[dask]; workers must see the same paths)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def options(args: argparse.Namespace, file: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """(analysis options, load options) for one file from the command line."""
    an: dict[str, Any] = {}
    if args.calibration != "session":
        an["calibration"] = args.calibration
    if args.load_kg is not None:
        an["load_kg"] = args.load_kg
    if args.distance_m is not None:
        an["distance_m"] = args.distance_m
    if args.hip_height_m is not None or args.height_m is not None:
        from kyphos.metrics.style import wearer_from

        wearer_from(args.hip_height_m, args.height_m)  # one line now, not one per report
        an["hip_height_m"], an["height_m"] = args.hip_height_m, args.height_m
    return an, csv_load_options(args, file.suffix.lower() == ".csv")


def _warn_failed(summaries: list[Any]) -> int:
    """Say on the terminal what the reports say about the data; 1 if any could not be read."""
    bad = [s for s in summaries if not s.ok]
    for s in bad:
        print(f"kyphos: {s.file}: {s.error} (the report says so)", file=sys.stderr)
    for s in summaries:
        if not s.ok or not getattr(s, "warnings", None):
            continue
        what = "warning" if getattr(s, "valid", True) else "warning: not a valid assessment"
        print(f"kyphos: {what}: {s.file}: {s.warnings[0]}"
              + (f" (+{len(s.warnings) - 1} more in the report)" if len(s.warnings) > 1 else ""),
              file=sys.stderr)
    return 1 if bad else 0


def default_batch_folder(inputs: list[str]) -> Path:
    """Where a batch goes without -o: beside the input, named from it (``study/`` →
    ``study-reports/``; several files → ``kyphos-reports/`` beside the first)."""
    first = Path(inputs[0])
    if len(inputs) == 1 and first.is_dir():
        first = first.resolve()
        return first.parent / f"{first.name}-reports"
    return first.parent / "kyphos-reports"


def run(args: argparse.Namespace) -> int:
    from kyphos.fileio import atomic_path, check_output, new_folder
    from kyphos.views import batch
    from kyphos.views.report import write_html, write_pdf

    files = batch.expand_inputs(args.files)
    any_dir = any(Path(f).is_dir() for f in args.files)
    out = Path(args.output) if args.output else None
    single_doc = not any_dir and (len(files) == 1 or (out is not None and out.suffix == ".html"))
    t0 = time.perf_counter()
    if args.workers is not None and args.workers < 1:
        raise KyphosError("--workers must be at least 1")
    if single_doc:
        html_out = out or files[0].with_suffix(".html")  # beside the input, named from it
        if html_out.suffix.lower() != ".html":
            raise KyphosError(f"-o {html_out}: give a .html file name for a report")
        pdf_out = None
        if args.pdf:
            pdf_out = html_out.with_suffix(".pdf") if args.pdf is True else Path(args.pdf)
            if pdf_out.suffix.lower() != ".pdf":
                raise KyphosError(f"--pdf {pdf_out}: give a .pdf file name")
        check_output(html_out, force=args.force, inputs=files)
        if pdf_out is not None:
            check_output(pdf_out, force=args.force, inputs=files)
        jobs = [batch.Job(f, None, None, *options(args, f)) for f in files]
        summaries = batch.run(jobs, workers=args.workers, scheduler=args.scheduler,
                              progress=not args.no_progress, task=batch.report_one)
        with atomic_path(html_out, force=args.force, inputs=files) as tmp:
            write_html(summaries, tmp)
        written = [html_out]
        if pdf_out is not None:
            with atomic_path(pdf_out, force=args.force, inputs=files) as tmp:
                write_pdf(summaries, tmp)
            written.append(pdf_out)
        print(batch.summary_line(summaries, time.perf_counter() - t0,
                                 ", ".join(str(w) for w in written)))
        return _warn_failed(summaries)
    out_dir = out or default_batch_folder(args.files)
    if out_dir.suffix.lower() in (".html", ".pdf"):
        raise KyphosError(f"-o {out_dir}: a folder of recordings needs an output folder")
    if args.pdf not in (None, True):
        raise KyphosError("--pdf takes no file name for a folder: PDFs go beside the HTML files")
    new_folder(out_dir, force=args.force, inputs=[*args.files, *files])
    htmls = batch.output_names(files, out_dir, ".html")
    jobs = [batch.Job(f, h, h.with_suffix(".pdf") if args.pdf else None, *options(args, f))
            for f, h in zip(files, htmls, strict=True)]
    summaries = batch.run(jobs, workers=args.workers, scheduler=args.scheduler,
                          progress=not args.no_progress)
    batch.index_html(summaries, htmls, out_dir / "index.html")
    print(batch.summary_line(summaries, time.perf_counter() - t0, f"{out_dir}/index.html"))
    return _warn_failed(summaries)


def register(sub: Any) -> None:
    p = sub.add_parser(
        "report",
        help="HTML/PDF review reports of recordings (one, several, or a folder in parallel)",
        description="Write a report a physical therapist can read in two minutes: posture score, "
        "time in zones, flexion timeline with slouch episodes and lifts, the lift table, lifting "
        "risk, recommendations and the method's limits. The HTML is self-contained (no network); "
        "the PDF is A4.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("files", nargs="+", metavar="FILE",
                   help="recordings (.kyr, .csv) or folders of recordings")
    p.add_argument("-o", "--output",
                   help="OUT.html for one document; a new folder for a batch (default: FILE.html "
                        "beside FILE for one file; FOLDER-reports/ beside a FOLDER, "
                        "kyphos-reports/ beside the first of several files)")
    p.add_argument("--pdf", nargs="?", const=True, default=None, metavar="OUT.pdf",
                   help="also write a PDF (default name: the HTML's with .pdf; in a batch, one "
                        "beside each HTML)")
    add_force(p, "an existing report (or a batch folder that is not empty)")
    add_analysis_options(p)
    add_parallel_options(p)
    p.set_defaults(func=run)
