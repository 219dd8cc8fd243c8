"""kyphos compare: one subject's visits in date order, with trends that show each visit's own
numbers; mixed subjects are refused; a bad visit is listed and left out."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from kyphos.cli import main
from kyphos.errors import KyphosError
from kyphos.views import compare, snapshot
from kyphos.views.samples import visit_scenario, write_sim_recording
from kyphos.views.summary import summarize

DATES = ["2026-09-01T09:00:00Z", "2026-09-15T09:00:00Z", "2026-10-06T09:30:00Z"]


@pytest.fixture(scope="module")
def visits(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("visits")
    # written out of date order: the page must sort them
    for name, q, date in [("c.kyr", 1.0, DATES[2]), ("a.kyr", 0.0, DATES[0]),
                          ("b.kyr", 0.5, DATES[1])]:
        write_sim_recording(d / name, visit_scenario(q, name), subject="P-042", start_utc=date)
    return d


def test_progress_page_has_trends_and_visits_in_date_order(visits: Path, tmp_path: Path) -> None:
    out = tmp_path / "progress.html"
    assert main(["compare", str(visits), "-o", str(out), "--no-progress"]) == 0
    text = out.read_text(encoding="utf-8")
    rows = re.findall(r"<tr><td>(2026-[^<]+)</td><td>([abc])\.kyr</td>", text)
    assert [f for _, f in rows] == ["a", "b", "c"]
    sums = [summarize(visits / f"{f}.kyr") for f in "abc"]
    for s in sums:  # each visit's own numbers are in the table
        m = compare.measures(s)
        assert f">{m['posture_score']:.0f}</td>" in text
        assert f">{m['over_60_pct']:.1f} %</td>" in text
    assert sums[2].posture_score > sums[0].posture_score  # the scenario improves
    assert "first → last: +" in text and "(better)" in text
    for m in compare.MEASURES:
        assert f'id="trend-{m.key}"' in text
    assert text.count("<svg") == len(compare.MEASURES)
    assert "Posture score" in text and "2026-09-01 09:00" in text


def test_progress_page_renders(visits: Path, tmp_path: Path) -> None:
    if snapshot.chromium() is None:
        pytest.skip("chromium not installed (Debian package chromium)")
    from matplotlib.image import imread

    out = tmp_path / "p.html"
    main(["compare", *sorted(map(str, visits.glob("*.kyr"))), "-o", str(out), "--no-progress"])
    img = imread(snapshot.screenshot(out, tmp_path / "p.png", 1000, 1200))
    blue = np.all(np.abs(img[..., :3] - np.array([0x1F, 0x77, 0xB4]) / 255) < 0.05, axis=-1)
    cols = np.flatnonzero(blue.any(axis=0))
    assert blue.sum() > 300 and cols[-1] - cols[0] > 400  # trend lines across the page


def test_mixed_subjects_are_refused_unless_allowed(visits: Path, tmp_path: Path) -> None:
    other = write_sim_recording(tmp_path / "o.kyr", "demo", subject="P-999")
    args = ["compare", str(visits / "a.kyr"), str(other), "-o", str(tmp_path / "x.html"),
            "--no-progress", "--workers", "1"]
    with pytest.raises(KyphosError, match="2 subjects"):
        compare.order_visits([summarize(visits / "a.kyr"), summarize(other)])
    assert main(args) == 1
    assert main([*args, "--allow-mixed-subjects"]) == 0


def test_a_bad_visit_is_listed_and_left_out(visits: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.kyr"
    bad.write_bytes(b"\0" * 64)
    out = tmp_path / "p.html"
    assert main(["compare", str(visits / "a.kyr"), str(visits / "b.kyr"), str(bad), "-o",
                 str(out), "--no-progress", "--workers", "1"]) == 1
    text = out.read_text(encoding="utf-8")
    assert "bad.kyr: could not be analysed" in text and "left out of the trends" in text
