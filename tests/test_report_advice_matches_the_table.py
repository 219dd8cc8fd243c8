"""The report's advice and colours follow the lift table (issue 16 item 6): a lift whose
reasons ask for a correction is not green, the risk index has a band, the twist scatter is
signed like the table, calibration is labelled on the timeline, and `compare` draws its axes
from the data and warns when there is no trend to draw."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from kyphos.cli import main
from kyphos.metrics.lifts import form_score
from kyphos.processing.synthetic import lift_session, mounting
from kyphos.views import plots
from kyphos.views.report import html_document
from kyphos.views.summary import Summary
from matplotlib.figure import Figure


def _lift(t: float, style: str, peak: float, twist: float = 0.0, lat: float = 0.0,
          vel: float = 60.0) -> dict:
    score, reasons = form_score(style, peak, vel, twist, lat)
    return {"start_s": t, "end_s": t + 2, "peak_s": t + 1, "style": style,
            "peak_flexion_deg": peak, "peak_flexion_velocity_dps": vel, "twist_deg": twist,
            "lateral_deg": lat, "duration_s": 2.0, "score": score, "reasons": reasons,
            "knee_drop_m": 0.1}


def _summary(lifts: list[dict], **kw: object) -> Summary:
    t = np.linspace(0, 7200, 200)
    s = Summary(file="x.kyr", subject="P", start_utc=None, duration_s=7200, wear_s=7200,
                calibration={"method": "auto", "confidence": 0.9, "upright_s": [1.0, 9.0],
                             "calibration_bends_s": [[10.0, 14.0], [16.0, 20.0]]},
                posture_score=90, zones_pct={"extension": 0, "0_20": 95, "20_60": 5,
                                             "over_60": 0},
                risk={"index": 0.42}, lifts=lifts, timeline_t=t.tolist(),
                timeline_min=[0.0] * 200, timeline_mean=[5.0] * 200, timeline_max=[10.0] * 200)
    for k, v in kw.items():
        setattr(s, k, v)
    return s


def test_a_lift_that_must_bend_the_knees_is_not_green() -> None:
    semi = _lift(100, "semi-squat", 55.0)  # scores 92: ≥ 70, but "bend the knees more"
    good = _lift(200, "squat", 40.0)
    assert semi["score"] >= 70 and "bend the knees" in semi["reasons"][0]
    html = html_document([_summary([semi, good, semi, semi])])
    rows = html.split('<table id="lifts">', 1)[1].split("</table>", 1)[0].split("<tr")
    by_time = {r.split("<td>", 1)[1][:7]: r for r in rows[2:]}
    assert by_time["0:01:40"].startswith(' class="fix"')
    assert by_time["0:03:20"].startswith(">")  # nothing to correct: the plain (green) row
    timeline = html.split('id="timeline">', 1)[1].split("</div>", 1)[0]
    assert "lift, score ≥ 70 with a correction" in timeline
    assert "lift, nothing to correct" in timeline
    # the advice covers the reason: 3 of 4 lifts say "bend the knees"
    rec = html.split("<h2>Recommendations</h2>", 1)[1].split("</ul>", 1)[0]
    assert "R6" in rec and "Keep it up" not in rec


def test_every_recurring_reason_gets_its_advice() -> None:
    lifts = ([_lift(100 + i, "stoop", 80.0) for i in range(3)]
             + [_lift(200 + i, "squat", 40.0, twist=-30.0) for i in range(3)]
             + [_lift(300 + i, "squat", 40.0, lat=18.0) for i in range(3)]
             + [_lift(400 + i, "squat", 40.0, vel=190.0) for i in range(3)])
    rec = html_document([_summary(lifts)]).split("<h2>Recommendations</h2>", 1)[1]
    rec = rec.split("</ul>", 1)[0]
    for rid in ("R6", "R7", "R8", "R9"):
        assert f"[{rid}:" in rec


def test_risk_index_has_its_band_and_source() -> None:
    html = html_document([_summary([_lift(100, "squat", 40.0)] * 3)])
    assert "0.42 moderate" in html
    risk = html.split("<h3>Lifting risk summary</h3>", 1)[1].split("</table>", 1)[0]
    assert "low below 0.3, moderate 0.3–0.5, high from 0.5" in risk and "docs/scoring.md" in risk


def test_twist_scatter_is_signed_like_the_table() -> None:
    s = _summary([_lift(100, "squat", 40.0, twist=-32.0), _lift(200, "squat", 50.0, twist=25.0)])
    fig = Figure()
    ax = fig.add_axes((0.1, 0.1, 0.8, 0.8))
    plots.draw_lifts(ax, s)
    ys = ax.collections[0].get_offsets()[:, 1]
    assert sorted(ys.tolist()) == [-32.0, 25.0]
    lo, hi = ax.get_ylim()
    assert lo < -32 and hi > 25


def test_calibration_is_labelled_on_the_timeline() -> None:
    s = _summary([])
    fig = Figure()
    ax = fig.add_axes((0.1, 0.2, 0.8, 0.7))
    plots.draw_timeline(ax, s)
    texts = [t.get_text() for t in ax.texts]
    assert texts.count("cal") == 2  # the two calibration bends (auto: no explicit window)
    assert "calibration" in [t.get_text() for t in ax.get_legend().get_texts()]
    s.calibration["method"] = "upright+bend"
    ax2 = Figure().add_subplot()
    plots.draw_timeline(ax2, s)
    assert [t.get_text() for t in ax2.texts].count("cal") == 3  # + the upright window


def test_compare_axes_come_from_the_data() -> None:
    assert plots.trend_limits(np.array([0.0, 0.0])) == (0.0, 1.0)
    lo, hi = plots.trend_limits(np.array([0.5, 2.0]))
    assert lo == 0.0 and 2.0 < hi < 2.5
    lo, hi = plots.trend_limits(np.array([88.0, 92.0]))
    assert lo == 0.0 and hi == pytest.approx(92.6)
    fig = plots.trend_figure(["a", "b"], [0.0, 0.0], "Slouch episodes per hour", "per hour")
    assert fig.axes[0].get_ylim()[0] >= 0.0


def test_compare_with_one_visit_warns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    s = lift_session(90, 104, n_lifts=4, mount=mounting(5, 10, 0), seed=4)
    p = tmp_path / "v1.csv"
    np.savetxt(p, np.column_stack([s.time, s.acc, s.gyr]), delimiter=",",
               header="t_s,ax,ay,az,gx,gy,gz", comments="", fmt="%.7g")
    out = tmp_path / "progress.html"
    assert main(["compare", str(p), "-o", str(out), "--workers", "1", "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert "only 1 usable visit" in err and err.count("\n") == 1
    assert "only 1 usable visit" in out.read_text()


def test_lifts_of_an_invalid_recording_are_grey_not_red() -> None:
    """No score, no verdict: a lift without a score is neither 'needs work' nor green."""
    lifts = [{**_lift(100 + 10 * i, "stoop", 80.0), "score": None} for i in range(3)]
    s = _summary(lifts, valid=False, warnings=["only 45 s of the recording could be measured"],
                 posture_score=None, risk={})
    html = html_document([s])
    timeline = html.split('id="timeline">', 1)[1].split("</div>", 1)[0]
    assert "lift (not scored: not valid)" in timeline
    assert "lift, needs work" not in timeline and "nothing to correct" not in timeline
    table = html.split('<table id="lifts">', 1)[1].split("</table>", 1)[0]
    assert 'class="bad"' not in table and 'class="fix"' not in table
    assert "Not a valid assessment" in html and "Keep it up" not in html


def test_pdf_page_one_fits_a_long_text() -> None:
    """Many warnings and recommendations push the timeline down; the figures keep a positive
    size (a negative lift-plot height was an internal error in batch reports)."""
    from kyphos.views.report import pdf_pages

    lifts = ([_lift(100 + i, "stoop", 80.0, twist=-30.0, lat=18.0, vel=190.0) for i in range(6)])
    s = _summary(lifts, warnings=[f"note {i}: " + "a long sentence about the data " * 4
                                  for i in range(12)],
                 zones_pct={"extension": 20, "0_20": 10, "20_60": 40, "over_60": 30},
                 slouch_pct=30.0, holding_violations=3, wear_s=600.0)
    page = pdf_pages(s)[0]
    assert all(ax.get_position().height > 0.1 for ax in page.axes)


def test_review_colours_lifts_like_the_report(tmp_path: Path) -> None:
    """kyphos review's overview: a lift that scores ≥ 70 with a reason to correct is amber,
    as in the report, not green."""
    from kyphos.views.recommend import lift_class
    from kyphos.views.review import Review
    from kyphos.views.samples import write_sim_recording
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import to_hex

    rec = write_sim_recording(tmp_path / "r.kyr", "demo")
    fig = Figure(figsize=(13, 8))
    FigureCanvasAgg(fig)
    r = Review(rec, figure=fig, notes_path=tmp_path / "notes.json")
    want = {round(float(p) * r._scale, 6): plots.LIFT_CLASSES[
        lift_class({"score": lf.score, "reasons": lf.reasons})][0]
        for p, lf in zip(r.peaks, r.lifts, strict=True)}
    assert "#e69500" in want.values()  # the demo has such a lift
    got = {}
    for c in r.ax_over.collections:
        offs = c.get_offsets()
        if len(offs) and c.get_facecolor().shape[0]:
            for x, _y in offs:
                got[round(float(x), 6)] = to_hex(c.get_facecolor()[0])
    for x, col in want.items():
        assert got[x] == col
