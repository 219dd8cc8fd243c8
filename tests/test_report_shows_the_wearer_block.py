"""The HTML (and PDF) report shows the JSON's ``"wearer"`` block when ``--hip-height-m`` /
``--height-m`` was given: the hip height, where it came from, and the style rule it drove;
without it the report says the lift style is less certain (no hip height)."""

from __future__ import annotations

from kyphos.analysis import analyze
from kyphos.processing.synthetic import lift_session, mounting
from kyphos.session import Session
from kyphos.views.report import html_document, pdf_pages
from kyphos.views.summary import summarize_session


def test_report_shows_the_hip_height_its_source_and_the_style_rule() -> None:
    s = lift_session(90, 104, n_lifts=6, mount=mounting(5, 15, 0), seed=8)
    session = Session(time=s.time, acc=s.acc, gyr=s.gyr, fs=s.fs)
    plain = summarize_session(session, "s.kyr", analysis=analyze(session))
    assert plain.wearer is None
    # without a hip height: no wearer, and the style said to be less certain
    html = html_document([plain])
    assert 'id="wearer"' in html and "Lift style less certain" in html
    assert "hip height 0." not in html
    by_height = summarize_session(session, "s.kyr", analysis=analyze(session, height_m=1.75))
    html = html_document([by_height])
    assert 'id="wearer"' in html
    assert "hip height 0.93 m (from the body height 1.75 m × 0.530)" in html
    assert "knee drop / hip height" in html
    by_hip = summarize_session(session, "s.kyr", analysis=analyze(session, hip_height_m=0.93))
    html = html_document([by_hip])
    assert "hip height 0.93 m (given as the hip height)" in html
    texts = [t.get_text() for f in pdf_pages(by_hip) for t in f.texts]
    assert any("hip height 0.93 m" in t for t in texts)
    plain_texts = [x.get_text() for f in pdf_pages(plain) for x in f.texts]
    assert not any("hip height 0." in t for t in plain_texts)
    assert any("less certain" in t for t in plain_texts)
