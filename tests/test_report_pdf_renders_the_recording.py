"""kyphos report --pdf → an A4 PDF whose pages, rendered with pdftoppm, show the summary,
the timeline and the lift table of this recording."""

from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pytest
from kyphos.cli import main
from kyphos.views import snapshot
from kyphos.views.samples import write_sim_recording

pytestmark = pytest.mark.skipif(
    shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None,
    reason="pdftoppm/pdftotext not installed (Debian package poppler-utils)")
PLOT_BLUE = np.array([0x1F, 0x77, 0xB4]) / 255


@pytest.fixture(scope="module")
def pdf(tmp_path_factory: pytest.TempPathFactory) -> dict:
    d = tmp_path_factory.mktemp("pdf")
    rec = write_sim_recording(d / "v.kyr", "demo", subject="P-777",
                              start_utc="2026-09-14T13:05:00Z")
    import kyphos

    a = kyphos.load(rec).analysis
    assert main(["report", str(rec), "-o", str(d / "v.html"), "--pdf", "--no-progress"]) == 0
    return {"dir": d, "pdf": d / "v.pdf", "a": a}


def test_pdf_text_is_this_recordings(pdf: dict) -> None:
    text = subprocess.run(["pdftotext", "-layout", str(pdf["pdf"]), "-"], capture_output=True,
                          text=True, check=True).stdout
    a = pdf["a"]
    assert "P-777" in text and "2026-09-14 13:05 UTC" in text
    assert f"{a.posture.score:.0f}/100" in text
    assert f"lifts ({a.lift_rate_per_h:.0f}/h): {len(a.lifts)}" in text
    assert "Recommendations" in text and "docs/scoring.md" in text
    for lf in a.lifts:  # the lift table: one row per lift with its score
        assert re.search(rf"{lf.style}\s+{lf.peak_flexion_deg:.0f}°.*\s{lf.score:.0f}\s", text)


def test_pdf_pages_are_a4_and_show_the_timeline(pdf: dict) -> None:
    from matplotlib.image import imread

    pages = snapshot.pdf_to_png(pdf["pdf"], pdf["dir"] / "page", dpi=50)
    assert len(pages) >= 2
    first = imread(pages[0])
    h, w = first.shape[:2]
    assert abs(h / w - 297 / 210) < 0.01  # A4 portrait
    blue = np.all(np.abs(first[..., :3] - PLOT_BLUE) < 0.08, axis=-1)
    rows = np.flatnonzero(blue.any(axis=1))
    assert len(rows) and rows[-1] - rows[0] > 0.1 * h  # the timeline is drawn, tall enough
    table = imread(pages[1])
    assert (table[..., :3] < 0.5).any(axis=-1).mean() > 0.01  # the lift table has ink
