"""`kyphos demo` runs the protocol round trip and writes a loadable recording."""

from __future__ import annotations

from pathlib import Path

import kyphos
import numpy as np
from kyphos.cli import main


def test_demo_writes_a_recording_and_prints_its_summary(tmp_path: Path, capsys) -> None:
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--duration", "30"]) == 0
    text = capsys.readouterr().out
    path = out / "demo.kyr"
    assert str(path) in text and "both arrived intact" in text and "damage     none" in text
    s = kyphos.load(path)
    assert s.n_samples == 30 * 104 and s.fs == 104.0 and len(s.gaps) == 0
    # The synthetic wearer bends forward: the accelerometer tilts from x towards z.
    tilt = np.degrees(np.arctan2(s.acc[:, 2], s.acc[:, 0]))
    assert abs(np.median(tilt)) < 5 and tilt.max() > 50


def test_demo_rejects_a_silly_duration(tmp_path: Path, capsys) -> None:
    assert main(["demo", "--out", str(tmp_path), "--duration", "0"]) == 1
    assert "duration" in capsys.readouterr().err
