"""kyphos report A B -o X.html: one document with a report section per recording, in the
order given, each with its own subject and numbers; a bad one among them says so."""

from __future__ import annotations

from pathlib import Path

from kyphos.cli import main
from kyphos.views.samples import visit_scenario, write_sim_recording
from kyphos.views.summary import summarize


def test_one_document_with_a_section_per_recording(tmp_path: Path) -> None:
    a = write_sim_recording(tmp_path / "mon.kyr", visit_scenario(0.0, "mon"), subject="P-1",
                            start_utc="2026-10-05T08:00:00Z")
    b = write_sim_recording(tmp_path / "tue.kyr", visit_scenario(1.0, "tue"), subject="P-1",
                            start_utc="2026-10-06T08:00:00Z")
    bad = tmp_path / "wed.kyr"
    bad.write_bytes(b"")
    out = tmp_path / "week.html"
    assert main(["report", str(a), str(b), str(bad), "-o", str(out), "--no-progress",
                 "--workers", "2"]) == 1
    text = out.read_text(encoding="utf-8")
    sections = text.split('<section class="report">')[1:]
    assert len(sections) == 3
    for sec, rec in zip(sections[:2], (a, b), strict=True):
        s = summarize(rec)
        assert s.date in sec and f"{s.posture_score:.0f}/100" in sec and rec.name in sec
    assert "could not be analysed" in sections[2] and "wed.kyr" in sections[2]
