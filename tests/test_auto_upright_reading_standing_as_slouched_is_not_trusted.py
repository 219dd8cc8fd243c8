"""An automatic upright reference under which the wearer's still standing reads as a slouch is
not the wearer's upright (validation 15001 without a note: a reclined sit taken as upright,
everything 17 deg flexed, confidence 0.95): the analysis says so instead of scoring."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from kyphos.processing import plausibility
from kyphos.processing.activity import SITTING, STANDING


def _analysis(method: str, standing_deg: float) -> SimpleNamespace:
    n = 1000
    kind = np.full(n, STANDING)
    kind[600:] = SITTING
    flex = np.radians(np.r_[np.full(600, standing_deg), np.full(400, -5.0)])
    return SimpleNamespace(
        calibration=SimpleNamespace(method=method),
        angles=SimpleNamespace(flexion=flex, valid=np.ones(n, bool)),
        activity=SimpleNamespace(kind=kind, still=np.ones(n, bool)),
    )


def test_auto_upright_reading_standing_as_slouched_is_doubted() -> None:
    why = plausibility.auto_upright_doubt(_analysis("auto", 17.0), 8.0)
    assert "still standing as +17°" in why and "not the wearer's upright" in why


def test_auto_upright_reading_standing_near_zero_is_not_doubted() -> None:
    assert plausibility.auto_upright_doubt(_analysis("auto", 2.0), 8.0) == ""


def test_a_given_upright_is_not_second_guessed() -> None:
    assert plausibility.auto_upright_doubt(_analysis("upright+bend", 17.0), 8.0) == ""
