"""A corrupted, empty or damaged recording gives a report that says so — never a crash."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from kyphos.cli import main
from kyphos.recording.kyr import new_header, write_kyr
from kyphos.views import snapshot
from kyphos.views.samples import write_sim_recording
from kyphos.views.summary import summarize


def _cases(d: Path) -> dict[str, Path]:
    garbage = d / "garbage.kyr"
    garbage.write_bytes(b"this is not a recording\n" * 20)
    empty = d / "empty.kyr"
    write_kyr(empty, new_header("ble", subject="P-9"), [])
    zero = d / "zero.kyr"
    zero.write_bytes(b"")
    return {"garbage": garbage, "empty": empty, "zero": zero}


@pytest.mark.parametrize("case", ["garbage", "empty", "zero"])
def test_report_says_the_recording_could_not_be_analysed(tmp_path: Path, case: str,
                                                         capsys: pytest.CaptureFixture) -> None:
    rec = _cases(tmp_path)[case]
    out = tmp_path / f"{case}.html"
    pdf = tmp_path / f"{case}.pdf"
    assert main(["report", str(rec), "-o", str(out), "--pdf", str(pdf), "--no-progress"]) == 1
    text = out.read_text(encoding="utf-8")
    assert "could not be analysed" in text and rec.name in text
    reason = summarize(rec).error
    assert reason and reason.split(":")[0] in text
    assert pdf.stat().st_size > 1000
    assert f"{rec.name}:" in capsys.readouterr().err


def test_damaged_tail_is_reported_as_a_warning(tmp_path: Path) -> None:
    rec = write_sim_recording(tmp_path / "cut.kyr", "demo")
    data = rec.read_bytes()
    rec.write_bytes(data[: len(data) * 2 // 3 + 7])  # torn mid-record, as after a crash
    s = summarize(rec)
    assert s.ok and s.warnings and "damaged" in s.warnings[0]
    out = tmp_path / "cut.html"
    assert main(["report", str(rec), "-o", str(out), "--no-progress"]) == 0
    assert 'class="warn"' in out.read_text(encoding="utf-8")


@pytest.mark.skipif(snapshot.chromium() is None or shutil.which("pdftoppm") is None,
                    reason="chromium or pdftoppm not installed (Debian chromium, poppler-utils)")
def test_error_report_renders_with_its_red_box(tmp_path: Path) -> None:
    from matplotlib.image import imread

    rec = _cases(tmp_path)["garbage"]
    main(["report", str(rec), "-o", str(tmp_path / "g.html"), "--pdf", "--no-progress"])
    img = imread(snapshot.screenshot(tmp_path / "g.html", tmp_path / "g.png", 800, 600))
    red = np.all(np.abs(img[..., :3] - np.array([0xBB, 0, 0]) / 255) < 0.05, axis=-1)
    assert red.sum() > 500  # the error box border
    page = imread(snapshot.pdf_to_png(tmp_path / "g.pdf", tmp_path / "gp", dpi=40)[0])
    assert (page[..., :3] < 0.5).any(axis=-1).sum() > 200  # the PDF says it too
