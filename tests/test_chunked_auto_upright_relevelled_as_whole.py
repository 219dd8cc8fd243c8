"""The chunked analysis (8-h recordings) re-levels an automatic upright to the still standing as
the whole-recording analysis does: validation 15001 @52 without a calibration note first takes a
reclined sit after the clip slip as upright (the still standing read ~+17° flexed, which the
thirteenth session's rule reported as ``valid: false``); both now take the wearer's still
standing as upright, with the same calibration and the same verdict."""

from __future__ import annotations

from pathlib import Path

import kyphos
import numpy as np
from kyphos.analysis import analyze
from kyphos.chunked import analyze_chunked


def test_chunked_analysis_relevels_a_wrong_automatic_upright_as_the_whole_does(tmp_path: Path) -> None:
    from kyphos.sim.validation import generate

    path = generate(15001, 52.0).write_kyr(tmp_path / "v15001.kyr", calibration_note=False)
    whole = analyze(kyphos.load(path))
    assert whole.calibration.method == "auto"
    assert whole.validity.valid, whole.validity.warnings
    part = analyze_chunked(path, chunk_s=120.0)
    assert part.validity.valid == whole.validity.valid
    assert part.validity.warnings == whole.validity.warnings
    assert np.allclose(part.calibration.sensor_from_body, whole.calibration.sensor_from_body,
                       atol=1e-6)
    assert len(part.lifts) == len(whole.lifts)
