"""The parametric enclosure builds: OpenSCAD renders each part to a non-empty, closed STL of the
expected size, and a parameter change changes the model. Needs Debian's `openscad`."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

SCAD = Path(__file__).resolve().parents[1] / "hardware" / "enclosure" / "kyphos_clip.scad"
OPENSCAD = shutil.which("openscad")

if OPENSCAD is None and not os.environ.get("CI"):
    pytest.skip("openscad not installed (apt-get install openscad)", allow_module_level=True)


def render(tmp_path: Path, part: str, **params: float) -> np.ndarray:
    assert OPENSCAD is not None, "CI needs Debian's openscad package"
    out = tmp_path / f"{part}.stl"
    args = [OPENSCAD, "-o", str(out), "-D", f'part="{part}"']
    for k, v in params.items():
        args += ["-D", f"{k}={v}"]
    r = subprocess.run([*args, str(SCAD)], capture_output=True, text=True, timeout=120,
                       check=False, env={**os.environ, "HOME": str(tmp_path)})
    assert r.returncode == 0, r.stderr[-2000:]
    text = out.read_text()
    assert "ERROR" not in r.stderr, r.stderr[-2000:]
    v = [list(map(float, ln.split()[1:])) for ln in text.splitlines()
         if ln.strip().startswith("vertex")]
    return np.array(v).reshape(-1, 3, 3)


def closed(tris: np.ndarray) -> bool:
    """Every edge is shared by exactly two triangles (a watertight solid)."""
    edges: dict[tuple[tuple[float, ...], ...], int] = {}
    for t in np.round(tris, 4):
        for a, b in ((0, 1), (1, 2), (2, 0)):
            key = tuple(sorted((tuple(t[a]), tuple(t[b]))))
            edges[key] = edges.get(key, 0) + 1
    return all(n == 2 for n in edges.values())


def test_base_and_lid_render_to_closed_stl(tmp_path: Path) -> None:
    base = render(tmp_path, "base")
    lo, hi = base.reshape(-1, 3).min(0), base.reshape(-1, 3).max(0)
    assert len(base) > 100 and closed(base)
    assert hi[0] - lo[0] == pytest.approx(46 + 2 * 1.8, abs=0.01)  # inner_l + 2 walls
    assert lo[2] == pytest.approx(-(2.2 + 2.0), abs=0.01)  # clip tongue under the floor
    assert hi[2] == pytest.approx(14 + 1.6, abs=0.01)
    lid = render(tmp_path, "lid")
    assert len(lid) > 50 and closed(lid)
    lo, hi = lid.reshape(-1, 3).min(0), lid.reshape(-1, 3).max(0)
    assert hi[0] - lo[0] == pytest.approx(49.6, abs=0.01)
    assert lo[2] == pytest.approx(-0.6, abs=0.01)  # the raised arrow


def test_parameters_change_the_model(tmp_path: Path) -> None:
    big = render(tmp_path, "base", inner_l=60, clip=0, strap_loops=0)
    lo, hi = big.reshape(-1, 3).min(0), big.reshape(-1, 3).max(0)
    assert hi[0] - lo[0] == pytest.approx(63.6, abs=0.01)
    assert lo[2] == pytest.approx(0, abs=0.01)  # no clip
    assert hi[1] - lo[1] == pytest.approx(30 + 3.6, abs=0.01)  # no strap loops
