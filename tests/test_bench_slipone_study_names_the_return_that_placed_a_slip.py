"""bench/slipone_study.py: the instrumented copy of clipslip names each of ``place_slip``'s own
returns (not those of its nested helpers) and records which one placed a slip, and a copy whose
``place_slip`` has a return the study does not name is refused rather than mislabelled."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import slipone_study as st  # noqa: E402

UP = np.array([0.0, 0.0, 1.0])


def _probe(mod: object, i0: int, i1: int, kind: str, up: np.ndarray) -> object:
    return mod.RefPosture(i0 / 100.0, (i1 - 1) / 100.0, kind, up, i0, i1, up, up)  # type: ignore[attr-defined]


def test_the_return_that_placed_a_slip_is_named() -> None:
    mod = st.instrumented(st._source("worktree"))
    tilt = np.array([np.sin(np.radians(10.0)), 0.0, np.cos(np.radians(10.0))])
    probes = [_probe(mod, 0, 1000, "standing", UP), _probe(mod, 1200, 2200, "walking", UP),
              _probe(mod, 2400, 3400, "standing", UP), _probe(mod, 3600, 4600, "standing", tilt)]
    m_new = mod._rotation_between(tilt, UP).T  # type: ignore[attr-defined]
    mod.__dict__["_TAG"].clear()
    j, j1 = mod.place_slip(probes, 0, 3600, np.eye(3), m_new,  # type: ignore[attr-defined]
                           {"standing": UP, "walking": UP}, None)
    assert (j, j1) == (3400, 3600)  # the step between the two stands
    assert mod.__dict__["_TAG"] == ["held_step"]


def test_an_unnamed_return_is_refused() -> None:
    src = st._source("worktree").replace(
        "    n = len(seq)\n", "    n = len(seq)\n    if n < 0:\n        return -1, None\n", 1)
    with pytest.raises(SystemExit):
        st.instrumented(src)
