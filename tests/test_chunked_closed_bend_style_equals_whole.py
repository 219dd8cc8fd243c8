"""With the wearer's hip height (the closed-bend style, the default since the twelfth
session) the chunked analysis names the same styles with the same closed-bend drops as the
whole-recording one (validation development seed 5 at 104 Hz, 120-s chunks, as
tests/test_chunked_analysis_equals_whole.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import kyphos
import pytest
from kyphos.analysis import analyze
from kyphos.chunked import analyze_chunked

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_chunked_analysis_equals_whole import FS, _same  # noqa: E402


def test_chunked_closed_bend_styles_equal_the_whole_recordings(
        tmp_path: Path) -> None:
    from kyphos.sim.validation import generate

    path = tmp_path / "v5.kyr"
    generate(5, fs=FS).write_kyr(path)
    whole = analyze(kyphos.load(path), hip_height_m=0.9)
    c = analyze_chunked(path, chunk_s=120.0, hip_height_m=0.9)
    assert whole.wearer is not None and c.wearer is not None
    assert whole.wearer.drop == c.wearer.drop == "closed" and whole.wearer.lever is not None
    assert c.wearer.lever == pytest.approx(whole.wearer.lever, abs=1e-6)
    assert [lf.style for lf in c.lifts] == [lf.style for lf in whole.lifts]
    assert _same(whole.to_dict(), c.to_dict()) == []
