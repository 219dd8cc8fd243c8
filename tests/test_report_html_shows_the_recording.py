"""kyphos report → self-contained HTML that shows the recording's own numbers, rendered in
headless Chromium (desktop, phone width, A4 print) and checked pixel by pixel."""

from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pytest
from kyphos.cli import main
from kyphos.views import snapshot
from kyphos.views.samples import write_sim_recording

needs_chromium = pytest.mark.skipif(snapshot.chromium() is None,
                                    reason="chromium not installed (Debian package chromium)")
PLOT_BLUE = np.array([0x1F, 0x77, 0xB4]) / 255  # the timeline's flexion line (plots.py)
SLOUCH = np.array([0xFF, 0x7F, 0x0E]) / 255
ZONE_GREEN = np.array([0x2C, 0xA0, 0x2C]) / 255


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict:
    d = tmp_path_factory.mktemp("report")
    rec = write_sim_recording(d / "visit.kyr", "demo", subject="P-042",
                              start_utc="2026-10-05T08:30:00Z")
    import kyphos

    a = kyphos.load(rec).analysis
    out = d / "visit.html"
    assert main(["report", str(rec), "-o", str(out), "--no-progress"]) == 0
    return {"dir": d, "rec": rec, "html": out, "text": out.read_text(encoding="utf-8"), "a": a}


def _near(img: np.ndarray, rgb: np.ndarray, tol: float = 0.03) -> np.ndarray:
    return np.all(np.abs(img[..., :3] - rgb) < tol, axis=-1)


def test_html_shows_this_recordings_numbers(made: dict) -> None:
    text, a = made["text"], made["a"]
    assert "P-042" in text and "2026-10-05 08:30 UTC" in text
    assert f"{a.posture.score:.0f}/100" in text
    assert f"{a.posture.zones_pct['over_60']:.1f} %" in text
    assert f">{len(a.posture.slouch_episodes)}<" in text and len(a.posture.slouch_episodes) >= 2
    rows = re.findall(r"<tr(?: class=\"(?:bad|fix)\")?><td class=\"n\">(\d+)</td>", text)
    assert len(rows) == len(a.lifts) > 0
    for lf in a.lifts:  # every lift's style, peak and score appear in its row
        assert f"{lf.peak_flexion_deg:.0f}°</td>" in text and f">{lf.score:.0f}</td>" in text
    assert f"{a.risk.index:.2f}" in text
    assert "docs/scoring.md" in text and "Recommendations" in text
    assert "<svg" in text


def test_html_needs_no_network(made: dict) -> None:
    text = made["text"]
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", text)
    assert "@import" not in text and not re.search(r"url\(\s*['\"]?(https?:|//)", text)
    assert "<script" not in text


@needs_chromium
def test_desktop_screenshot_shows_timeline_zones_and_slouches(made: dict) -> None:
    from matplotlib.image import imread

    png = snapshot.screenshot(made["html"], made["dir"] / "desk.png", 1000, 2600)
    img = imread(png)
    assert img.shape[1] == 1000
    assert (img[..., :3] < 0.9).any(axis=-1).mean() > 0.05  # not a blank page
    blue_rows = np.flatnonzero(_near(img, PLOT_BLUE).sum(axis=1) > 0)
    assert len(blue_rows) and blue_rows[-1] - blue_rows[0] > 120  # the timeline's height
    zone_rows = np.flatnonzero(_near(img, ZONE_GREEN).sum(axis=1) > 300)  # the zones bar
    assert len(zone_rows) and zone_rows[0] < blue_rows[0]  # summary first, then the timeline
    slouch = _near(img, SLOUCH)
    slouch_rows = np.flatnonzero(slouch.sum(axis=1) > 10)
    assert len(slouch_rows) and blue_rows[0] - 40 <= slouch_rows[0] <= blue_rows[-1]  # top strip


@needs_chromium
def test_phone_width_keeps_the_summary_readable(made: dict) -> None:
    from matplotlib.image import imread

    img = imread(snapshot.screenshot(made["html"], made["dir"] / "phone.png", 390, 2400))
    zone_rows = np.flatnonzero(_near(img, ZONE_GREEN).sum(axis=1) > 150)
    assert len(zone_rows) and zone_rows[0] < 800  # the zones bar is on the first screen
    rgb = img[..., :3]  # thin lines scaled down blend: look for the plot's blue hue
    bluish = (rgb[..., 2] - rgb[..., 0] > 0.25) & (rgb[..., 2] > rgb[..., 1])
    assert bluish.sum() > 200


@needs_chromium
@pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="pdfinfo not installed (poppler-utils)")
def test_prints_on_a4(made: dict) -> None:
    pdf = snapshot.print_pdf(made["html"], made["dir"] / "printed.pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert size and abs(float(size[1]) - 595.3) < 2 and abs(float(size[2]) - 841.9) < 2
    pages = int(re.search(r"Pages:\s+(\d+)", info)[1])  # type: ignore[index]
    assert 1 <= pages <= 4
