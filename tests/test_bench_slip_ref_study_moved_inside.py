"""bench/slip_ref_study.py's ``ends`` variant: a still reference whose two ends differ by more
than the limit is one whose posture moved (a slouch setting in slowly), not a reference; a walk
is never dropped (its ends are the halves of a split walk)."""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import slip_ref_study as st  # noqa: E402
from kyphos.processing.clipslip import RefPosture  # noqa: E402


def _ref(kind: str, deg: float) -> RefPosture:
    a = np.radians(deg)
    u0, u1 = np.array([0.0, 0.0, 1.0]), np.array([np.sin(a), 0.0, np.cos(a)])
    return RefPosture(0.0, 30.0, kind, u0, 0, 3000, u0, u1)


def test_a_sit_that_slouched_while_still_is_no_reference() -> None:
    assert st.moved_inside(_ref("sitting", 13.3), 5.0)  # validation seed 3020's sit
    assert not st.moved_inside(_ref("sitting", 1.0), 5.0)


def test_a_walk_is_kept_whatever_its_halves() -> None:
    assert not st.moved_inside(_ref("walking", 13.3), 5.0)
