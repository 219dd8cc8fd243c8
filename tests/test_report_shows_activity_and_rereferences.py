"""The report's timeline carries the day's activity as a band above the flexion trace and
each clip-slip re-reference as a labelled line (issue 15, items 1 and 5)."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
from kyphos.views import plots
from kyphos.views.report import html_document
from kyphos.views.summary import summarize_session
from test_processing_clip_slip_rereferences import _run

matplotlib.use("Agg")


def _rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]) / 255.0


def test_activity_band_and_rereference_on_the_timeline(tmp_path: Path) -> None:
    res, a = _run(10.0)
    s = summarize_session(res.to_session(), "day.kyr", analysis=a)
    kinds = {k for _, _, k in s.activity}
    assert {"standing", "sitting", "walking", "transition"} <= kinds
    assert s.steps and s.re_references and abs(s.re_references[-1]["deg"] - 10.0) < 2.0
    fig = plots.timeline_figure(s)
    png = tmp_path / "t.png"
    fig.savefig(png)
    img = matplotlib.image.imread(png)[:, :, :3]
    # the band's colours are drawn (each kind present covers a stretch of pixels)
    for kind in ("standing", "sitting", "walking"):
        hit = np.all(np.abs(img - _rgb(plots.ACTIVITY_COLORS[kind])) < 0.02, axis=2)
        assert hit.sum() > 200, kind
    # the re-reference line is drawn in its colour
    assert np.all(np.abs(img - _rgb(plots.REREF_COLOR)) < 0.08, axis=2).sum() > 20
    html = html_document([s])
    assert "re-ref 10°" in html and "steps" in html
