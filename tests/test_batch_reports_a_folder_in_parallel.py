"""kyphos report DIR/: every recording in a folder, in worker processes or on a Dask cluster,
each report showing its own recording, an index of all, bad files reported not fatal."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from kyphos.cli import main
from kyphos.errors import KyphosError
from kyphos.views import batch
from kyphos.views.samples import visit_scenario, write_sim_recording

SUBJECTS = ["P-101", "P-102", "P-103"]


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("study")
    for i, (subj, q) in enumerate(zip(SUBJECTS, (0.0, 0.5, 1.0), strict=True)):
        sub = d / f"site{i % 2}"
        sub.mkdir(exist_ok=True)
        write_sim_recording(sub / f"{subj}.kyr", visit_scenario(q, subj), subject=subj,
                            start_utc=f"2026-10-0{i + 1}T10:00:00Z")
    (d / "site1" / "broken.kyr").write_bytes(b"\x00not a recording")
    (d / "notes.txt").write_text("not a recording: ignored")
    return d


def _check_outputs(out: Path) -> None:
    index = (out / "index.html").read_text(encoding="utf-8")
    for subj in SUBJECTS:
        page = (out / f"{subj}.html").read_text(encoding="utf-8")
        assert f"Subject <b>{subj}</b>" in page  # each report is its own recording's
        assert f'href="{subj}.html"' in index
        assert (out / f"{subj}.pdf").stat().st_size > 1000
    assert "could not be analysed" in (out / "broken.html").read_text(encoding="utf-8")
    assert re.search(r"broken\.kyr</a>.*could not be analysed", index)


def test_local_processes(study: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "reports"
    assert main(["report", str(study), "-o", str(out), "--pdf", "--workers", "2",
                 "--no-progress"]) == 1  # the broken file makes the exit status 1
    _check_outputs(out)
    io_ = capsys.readouterr()
    assert "reported 4 recording(s), 1 could not be analysed" in io_.out
    assert "broken.kyr" in io_.err


def test_parallel_and_serial_agree(study: Path) -> None:
    files = batch.expand_inputs([study])
    assert [f.name for f in files] == ["P-101.kyr", "P-103.kyr", "P-102.kyr", "broken.kyr"]
    jobs = [batch.Job(f, None) for f in files]
    serial = batch.run(jobs, workers=1, progress=False)
    parallel = batch.run(jobs, workers=2, progress=False)
    assert [s.to_dict() for s in serial] == [s.to_dict() for s in parallel]


def test_dask_cluster(study: Path, tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed", reason="dask[distributed] not installed")
    out = tmp_path / "dask"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, host="127.0.0.1") as cluster:
        assert main(["report", str(study), "-o", str(out), "--pdf", "--scheduler",
                     cluster.scheduler_address, "--no-progress"]) == 1
    _check_outputs(out)


def test_unreachable_scheduler_is_one_clear_error(study: Path, tmp_path: Path) -> None:
    pytest.importorskip("distributed", reason="dask[distributed] not installed")
    with pytest.raises(KyphosError, match="cannot reach the Dask scheduler"):
        batch.run([batch.Job(study / "site0" / "P-101.kyr", None)],
                  scheduler="tcp://127.0.0.1:1", progress=False, connect_timeout_s=1.0)


def test_progress_bar_only_on_a_terminal() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty, pipe = Tty(), io.StringIO()
    for stream in (tty, pipe):
        bar = batch.Progress(4, stream)
        bar.step("a.kyr")
        bar.step("b.kyr")
        bar.close()
    assert "2/4 b.kyr" in tty.getvalue() and "#" in tty.getvalue()
    assert pipe.getvalue() == ""


def test_missing_inputs_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(KyphosError, match="no such file or folder"):
        batch.expand_inputs([tmp_path / "nope"])
    with pytest.raises(KyphosError, match="no recordings"):
        batch.expand_inputs([tmp_path])
