"""The founders' decision (twelfth session): with the wearer's hip height the lift style is
named by the closed-bend knee drop over it everywhere (``analyze``, ``analyze_chunked``, the
CLI, the report; the live view: tests/test_live_wearer_names_the_lift_style_as_the_report.py),
and without it the JSON, the CLI text and the report say that the style is less certain."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest
from kyphos.analysis import analyze
from kyphos.chunked import analyze_chunked
from kyphos.cli import main
from kyphos.metrics.style import STYLE_NO_HIP_NOTE, wearer_from
from kyphos.processing.synthetic import lift_session, mounting
from kyphos.recording.csv import write_csv
from kyphos.session import Session


@pytest.fixture(scope="module")
def session() -> Session:
    s = lift_session(90, 104, n_lifts=6, mount=mounting(5, 15, 0), seed=8)
    return Session(time=s.time, acc=s.acc, gyr=s.gyr, fs=s.fs)


def test_a_hip_height_names_the_style_by_the_closed_bend_by_default(session: Session) -> None:
    a = analyze(session, hip_height_m=0.93)
    assert a.wearer is not None and a.wearer.drop == "closed"
    assert wearer_from(hip_height_m=0.93) is not None
    assert wearer_from(hip_height_m=0.93).drop == "closed"  # type: ignore[union-attr]
    assert inspect.signature(analyze_chunked).parameters["style_drop"].default == "closed"
    d = a.to_dict()
    assert d["style_rule"]["hip_height_given"] is True and d["style_rule"]["note"] is None
    assert d["style_rule"]["by"] == d["wearer"]["style_by"]
    assert d["lifts"] and all("knee_drop_closed_per_hip" in lf for lf in d["lifts"])
    # the closed rule named them: each lift's style is its closed drop's class where it has one
    from kyphos.metrics.style import classify_style_per_hip

    for lf in a.lifts:
        if lf.knee_drop_closed_per_hip is not None:
            assert lf.style == classify_style_per_hip(lf.knee_drop_closed_per_hip, "closed")


def test_without_a_hip_height_the_style_is_said_to_be_less_certain(
        session: Session, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = analyze(session).to_dict()
    # (since the thirteenth session named by the closed-bend drop in metres: still less certain)
    assert d["style_rule"] == {"by": "closed-bend knee drop (no hip height)",
                               "hip_height_given": False, "note": STYLE_NO_HIP_NOTE}
    assert "less certain" in STYLE_NO_HIP_NOTE
    p = tmp_path / "s.csv"
    write_csv(p, session)
    assert main(["analyze", str(p)]) == 0
    out = capsys.readouterr().out
    assert "style by closed-bend knee drop (no hip height) (less certain" in out
    assert main(["analyze", str(p), "--json", "--hip-height-m", "0.93"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["style_rule"]["hip_height_given"] is True
    assert got["wearer"]["style_by"].startswith(("closed-bend", "knee drop (no calibration"))
