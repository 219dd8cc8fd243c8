"""Reports for many recordings at once: local worker processes (standard library) or an
existing Dask cluster.

``report_one`` is the unit of work: load, analyse, write the HTML (and PDF) report of one
recording and return its :class:`~kyphos.views.summary.Summary`. :func:`run` maps it over the
jobs with ``concurrent.futures.ProcessPoolExecutor`` (one process per core by default) or, with
``scheduler="tcp://host:8786"``, with ``distributed.Client`` (``pip install kyphos[dask]``; the
workers need kyphos installed and must see the same paths). A progress bar is drawn on stderr
only when it is a terminal; a summary line is always printed at the end.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from kyphos.errors import KyphosError
from kyphos.views.summary import Summary, summarize

RECORDING_SUFFIXES = (".kyr", ".csv")


@dataclass(frozen=True)
class Job:
    """One recording and where its report goes (``pdf`` None: no PDF)."""

    file: Path
    html: Path | None
    pdf: Path | None = None
    analysis_options: dict[str, Any] = field(default_factory=dict)
    load_options: dict[str, Any] = field(default_factory=dict)


def expand_inputs(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Files as given, folders replaced by the recordings (.kyr, .csv) inside them, recursively."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.suffix.lower() in RECORDING_SUFFIXES
                           and f.is_file())
            if not found:
                raise KyphosError(f"no recordings (.kyr, .csv) in folder {p}")
            out.extend(found)
        elif p.exists():
            out.append(p)
        else:
            raise KyphosError(f"no such file or folder: {p}")
    return out


def output_names(files: Sequence[Path], out_dir: Path, suffix: str) -> list[Path]:
    """``out_dir/<stem><suffix>``, made unique with the parent folder's name where stems clash."""
    stems = [f.stem for f in files]
    names = []
    for f, stem in zip(files, stems, strict=True):
        name = stem if stems.count(stem) == 1 else f"{f.parent.name}_{stem}"
        names.append(out_dir / f"{name}{suffix}")
    return names


def report_one(job: Job) -> Summary:
    """Summarise one recording and write its report(s). Never raises for a bad recording.

    Each file is written under a temporary name and renamed when complete
    (:func:`kyphos.fileio.atomic_path`); the batch folder was checked before the jobs ran
    (:func:`kyphos.fileio.new_folder`: new, empty, or ``--force``), so names in it are replaced."""
    from kyphos.fileio import atomic_path
    from kyphos.views.report import write_html, write_pdf

    s = summarize(job.file, analysis_options=job.analysis_options or None,
                  load_options=job.load_options or None)
    if job.html is not None:
        with atomic_path(job.html, force=True, inputs=[job.file]) as tmp:
            write_html([s], tmp)
    if job.pdf is not None:
        with atomic_path(job.pdf, force=True, inputs=[job.file]) as tmp:
            write_pdf([s], tmp)
    return s


class Progress:
    """``[#####.....] 12/40 file.kyr`` on a terminal; nothing otherwise."""

    def __init__(self, total: int, stream: TextIO | None = None, enabled: bool = True) -> None:
        self.total = total
        self.done = 0
        self.stream = stream or sys.stderr
        self.enabled = enabled and self.stream.isatty()

    def step(self, label: str) -> None:
        self.done += 1
        if self.enabled:
            n = 30 * self.done // max(1, self.total)
            self.stream.write(f"\r[{'#' * n}{'.' * (30 - n)}] {self.done}/{self.total} "
                              f"{label[:40]:40s}")
            self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\r" + " " * 80 + "\r")
            self.stream.flush()


def default_workers() -> int:
    return os.cpu_count() or 1


def run(
    jobs: Sequence[Job],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    task: Callable[[Job], Summary] = report_one,
    connect_timeout_s: float = 10.0,
) -> list[Summary]:
    """Run ``task`` over ``jobs``; return the Summaries in job order.

    ``workers``: local processes (default: all cores); 1 runs in this process. ``scheduler``:
    address of a running Dask scheduler; the cluster's workers do the work instead
    (``connect_timeout_s``: how long to try to reach it).
    """
    bar = Progress(len(jobs), enabled=progress)
    results: dict[int, Summary] = {}
    try:
        if scheduler:
            _run_dask(jobs, scheduler, task, results, bar, connect_timeout_s)
        elif (workers or default_workers()) <= 1 or len(jobs) <= 1:
            for i, job in enumerate(jobs):
                results[i] = task(job)
                bar.step(job.file.name)
        else:
            n = min(workers or default_workers(), len(jobs))
            with ProcessPoolExecutor(max_workers=n, mp_context=_mp_context()) as pool:
                futs = {pool.submit(task, job): i for i, job in enumerate(jobs)}
                for fut in as_completed(futs):
                    i = futs[fut]
                    results[i] = fut.result()
                    bar.step(jobs[i].file.name)
    finally:
        bar.close()
    return [results[i] for i in range(len(jobs))]


def _mp_context() -> Any:
    """forkserver: workers fork from a clean server process, never from this one, which may
    hold threads (a Dask client, a GUI) whose locks a plain fork would copy mid-use. The
    analysis and report modules are imported once in the server, so workers start warm."""
    import multiprocessing as mp

    if "forkserver" not in mp.get_all_start_methods():
        return None  # Windows: spawn, the default there
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["kyphos.views.batch", "kyphos.views.report", "kyphos.analysis"])
    return ctx


def _run_dask(jobs: Sequence[Job], scheduler: str, task: Callable[[Job], Summary],
              results: dict[int, Summary], bar: Progress, timeout_s: float) -> None:
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError as exc:
        raise KyphosError("--scheduler needs Dask: pip install 'kyphos[dask]' "
                          "(dask[distributed])") from exc
    try:
        client = Client(scheduler, timeout=f"{timeout_s}s")
    except (OSError, TimeoutError) as exc:
        raise KyphosError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    try:
        futs = client.map(task, list(jobs), pure=False)
        index = {f.key: i for i, f in enumerate(futs)}
        for fut in dask_completed(futs):
            i = index[fut.key]
            results[i] = fut.result()
            bar.step(jobs[i].file.name)
    finally:
        client.close()


def summary_line(summaries: Sequence[Summary], seconds: float, where: str) -> str:
    bad = sum(1 for s in summaries if not s.ok)
    rate = len(summaries) / seconds if seconds > 0 else float("inf")
    return (f"reported {len(summaries)} recording(s)" + (f", {bad} could not be analysed" if bad
            else "") + f" in {seconds:.1f} s ({rate:.2f}/s) → {where}")


def index_html(summaries: Sequence[Summary], links: Sequence[Path], out: Path) -> Path:
    """A table of every report in a batch, linking to each."""
    import html

    from kyphos.views.report import CSS, _fmt

    rows = []
    for s, link in zip(summaries, links, strict=True):
        name = html.escape(link.name)
        status = "could not be analysed: " + html.escape(s.error or "") if not s.ok else ""
        if s.ok and not s.valid:  # processing.plausibility: no score below the bar
            status = "not valid: " + html.escape(s.warnings[0] if s.warnings else "")
        rows.append(
            f'<tr><td><a href="{name}">{html.escape(s.file)}</a></td>'
            f"<td>{html.escape(s.subject)}</td><td>{html.escape(s.date)}</td>"
            f'<td class="n">{s.duration_s / 60:.0f} min</td>'
            f'<td class="n">{_fmt(s.posture_score, 0)}</td>'
            f'<td class="n">{_fmt(s.over_60_pct, 1, " %")}</td>'
            f'<td class="n">{len(s.slouch_episodes) if s.ok else "–"}</td>'
            f'<td class="n">{len(s.lifts) if s.ok else "–"}</td>'
            f'<td class="n">{_fmt(s.good_form_pct, 0, " %")}</td><td>{status}</td></tr>'
        )
    doc = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>kyphos reports</title><style>{CSS}</style></head><body><main>"
        f"<h1>kyphos reports ({len(summaries)})</h1><div class=\"tablewrap\"><table><thead><tr>"
        "<th>recording</th><th>subject</th><th>date</th><th class=\"n\">length</th>"
        '<th class="n">posture score</th><th class="n">bent &gt; 60°</th>'
        '<th class="n">slouch episodes</th><th class="n">lifts</th>'
        '<th class="n">good form</th><th>notes</th></tr></thead><tbody>'
        + "".join(rows) + "</tbody></table></div></main></body></html>\n"
    )
    from kyphos.fileio import write_text

    return write_text(out, doc, force=True)
