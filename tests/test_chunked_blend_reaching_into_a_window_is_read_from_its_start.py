"""A re-reference blended across a tie's stretch (SLIP4) can outlast the chunked analysis'
margin. A window that starts inside such a blend reads it from the blend's start, as the whole
analysis does, instead of switching to the new mounting at the window's first row
(development seed 14001: an 11.9° slip blended over 167.1–208.3 s, across a lie; 100-s cores
with 20-s margins start a window at 180 s, inside it)."""

from __future__ import annotations

from pathlib import Path

import kyphos
import numpy as np
import pytest
from kyphos.analysis import analyze
from kyphos.chunked import analyze_chunked


def test_chunked_window_starting_inside_a_blend_reads_it_as_the_whole(tmp_path: Path) -> None:
    from kyphos.sim.validation import generate

    path = tmp_path / "v14001.kyr"
    generate(14001, fs=104.0).write_kyr(path)
    whole = analyze(kyphos.load(path))
    blends = [r for r in whole.re_references if r.index_end is not None]
    assert blends, "the session's slip is no longer blended: pick another"
    rr = blends[0]
    t0, t1 = rr.index / 104.0, rr.index_end / 104.0
    assert t0 < 180.0 < t1 - 20.0 / 104.0  # the 200-s core's window starts inside the blend
    c = analyze_chunked(path, chunk_s=100.0, margin_s=20.0, overlap_s=60.0)
    t = np.asarray(whole.angles.time)
    sel = (t >= 180.0) & (t < t1)
    # before: switched at the window's first row, 0.0034° off in the blend's rows
    assert np.nanmax(np.abs(whole.angles.flexion[sel] - c.angles.flexion[sel])) == pytest.approx(0.0, abs=5e-4)
    assert c.to_dict()["re_references"] == whole.to_dict()["re_references"]
