"""With the wearer's hip height the live view names lift style by the closed-bend knee drop,
as the report does (twelfth session): it fits the lever with the report's
``lever_from_bends(closure=True)`` on the rows it kept of the opening calibration bends, once
it knows they are the calibration, and names each later lift with the same ``restyle``. On a
validation development seed (11001 at 104 Hz, the body's true hip height) streamed frame by
frame, the live lever is the report's within 3 cm and every lift both found has the report's
style. Before: the live view refused the closed rule; with the bend's window ending where its
run above BEND_MIN ends (mid-descent), the lever read (0.185, 0.000) m against the report's
(0.379, 0.117) and 11 of 13 styles agreed."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from style_live_vs_offline import session  # noqa: E402


def test_live_closed_bend_lever_and_styles_are_the_reports_on_a_development_seed() -> None:
    r = session(11001, 104.0, "true")
    assert r["lever_off"] is not None and r["lever_live"] is not None
    assert abs(r["lever_live"][0] - r["lever_off"][0]) < 0.03  # r, m: 0.403 vs 0.379
    assert abs(r["lever_live"][1] - r["lever_off"][1]) < 0.03  # d, m: 0.116 vs 0.117
    assert r["pairs"] == r["n_off"] == r["n_live"] == 13
    assert r["same"] == r["pairs"]
    assert r["right_live"] == r["right_off"] == r["n_truth"] == 13
