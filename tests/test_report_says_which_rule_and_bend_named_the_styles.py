"""The HTML (and PDF) report says, in one line by the lifts table, which rule named the lift
styles and from which calibration bend its lever came; after a later calibration's guided bend
(the wearer re-seated the clip and pressed ``c`` again) also from when that bend's lever named
them (the JSON's ``style_rule``: ``by``, ``later_bends_from_s``)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from kyphos.analysis import analyze
from kyphos.sim.validation import generate
from kyphos.views.report import html_document, pdf_pages
from kyphos.views.summary import summarize_session


def _line(html: str) -> str:
    (line,) = re.findall(r'<p id="style-rule">([^<]*)</p>', html)
    return line


@pytest.fixture(scope="module")
def reclipped() -> Any:
    """Validation 2 @104, two lifts blocks, the clip re-seated and calibrated again (upright
    from about 52 s, bend at 62 s): the session without and with the second calibration note."""
    v = generate(2, fs=104.0, blocks=("lifts", "lifts"), reclip=True)
    ses = v.to_session()
    one = summarize_session(ses, "s.kyr", analysis=analyze(ses))
    c = v.script.reclip.calibration
    ses.notes = list(ses.notes) + [(float(v.truth.time[-1]), {
        "kind": "calibration", "method": "guided",
        "upright": [round(x, 4) for x in c["upright"]], "bend": [round(x, 4) for x in c["bend"]]})]
    a = analyze(ses)
    return one, summarize_session(ses, "s.kyr", analysis=a), a


def test_report_names_the_style_rule_and_the_bend_of_its_lever(reclipped: Any) -> None:
    one, _two, _a = reclipped
    assert one.style_rule is not None and "later_bends_from_s" not in one.style_rule
    line = _line(html_document([one]))
    assert line.startswith("Lift styles named by the closed-bend knee drop (no hip height)")
    assert line.endswith("with the lever of the calibration bend at 0:00:07.")
    assert "later" not in line
    texts = [t.get_text() for f in pdf_pages(one) for t in f.texts]
    assert any(t.startswith("Lift styles named by the closed-bend") for t in texts)


def test_report_says_from_when_a_later_calibrations_bend_named_the_styles(
        reclipped: Any) -> None:
    _one, two, a = reclipped
    ((t_from, _lever),) = a.wearer.later_levers
    later_bend = [b for b in two.calibration["calibration_bends_s"] if b[0] >= t_from]
    assert len(later_bend) == 1  # the later c's guided bend, after its upright
    clock = lambda t: f"{int(t) // 3600}:{int(t) % 3600 // 60:02d}:{int(t) % 60:02d}"  # noqa: E731
    line = _line(html_document([two])).replace("&#x27;", "'")
    assert line == ("Lift styles named by the closed-bend knee drop (no hip height), with the "
                    "lever of the calibration bend at 0:00:07; from "
                    f"{clock(t_from)} on, with the lever of the later calibration's bend at "
                    f"{clock(later_bend[0][0])}.")
    texts = [t.get_text() for f in pdf_pages(two) for t in f.texts]
    assert any("with the lever of the later calibration's bend" in t for t in texts)
