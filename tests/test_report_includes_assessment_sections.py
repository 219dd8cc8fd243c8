"""Recordings made by kyphos assess / exercise get their section (ROM, adherence) in the report
and on the progress page; a section that fails becomes a warning, never a failed report."""

from __future__ import annotations

from pathlib import Path

import pytest
from kyphos.assess import report as assess_report
from kyphos.cli import main
from kyphos.views.samples import write_sim_recording
from kyphos.views.summary import summarize


@pytest.fixture(scope="module")
def marked(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    d = tmp_path_factory.mktemp("assess")
    return [write_sim_recording(d / f"a{i}.kyr", "demo", subject="P-5", seed=i,
                                start_utc=f"2026-10-0{i + 1}T09:00:00Z",
                                header_extra={"assess": {"kind": "assessment"}})
            for i in range(2)]


def test_a_failing_section_is_a_warning(marked: list[Path], tmp_path: Path) -> None:
    # marked as an assessment but with no phase NOTEs: the real section code refuses it
    s = summarize(marked[0])
    assert s.ok and s.kind == "assessment" and not s.sections
    assert any("assessment section could not be made" in w for w in s.warnings)
    out = tmp_path / "r.html"
    assert main(["report", str(marked[0]), "-o", str(out), "--no-progress"]) == 0
    assert "no assessment or exercise phases" in out.read_text(encoding="utf-8")


def test_sections_appear_in_report_and_progress(marked: list[Path], tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(assess_report, "report_section", lambda ses: assess_report.Section(
        f'<p id="rom">ROM of {ses.path.name}</p>', {}))
    monkeypatch.setattr(assess_report, "compare_section", lambda sessions, labels:
                        assess_report.Section(f'<p id="romtrend">{" | ".join(labels)}</p>', {}))
    out = tmp_path / "r.html"
    assert main(["report", str(marked[0]), "-o", str(out), "--no-progress"]) == 0
    assert '<p id="rom">ROM of a0.kyr</p>' in out.read_text(encoding="utf-8")
    prog = tmp_path / "p.html"
    assert main(["compare", *map(str, marked), "-o", str(prog), "--no-progress",
                 "--workers", "1"]) == 0
    assert '<p id="romtrend">2026-10-01 09:00 | 2026-10-02 09:00</p>' in prog.read_text(
        encoding="utf-8")


def test_unmarked_recordings_get_no_section(tmp_path: Path) -> None:
    s = summarize(write_sim_recording(tmp_path / "plain.kyr", "demo"))
    assert s.kind is None and not s.sections and not s.warnings
