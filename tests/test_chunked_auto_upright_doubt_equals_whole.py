"""The chunked analysis (8-h recordings) doubts a wrong automatic upright as the whole-recording
analysis does: validation 15001 @52 without a calibration note takes a reclined sit after the
clip slip as upright (the still standing reads ~+17° flexed), and both say ``valid: false`` with
the same one-line reason instead of scoring it."""

from __future__ import annotations

from pathlib import Path

import kyphos
from kyphos.analysis import analyze
from kyphos.chunked import analyze_chunked


def test_chunked_analysis_doubts_a_wrong_automatic_upright_as_the_whole_does(tmp_path: Path) -> None:
    from kyphos.sim.validation import generate

    path = generate(15001, 52.0).write_kyr(tmp_path / "v15001.kyr", calibration_note=False)
    whole = analyze(kyphos.load(path))
    assert whole.calibration.method == "auto"
    assert not whole.validity.valid
    assert "automatic upright reference reads the wearer's still standing" in whole.validity.warnings[0]
    part = analyze_chunked(path, chunk_s=120.0)
    assert not part.validity.valid
    assert part.validity.warnings[0] == whole.validity.warnings[0]
