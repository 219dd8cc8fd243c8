"""random_lift_session(stature_sd=): the wearer's stature is drawn (after every other draw, so
the rest of the session is unchanged) only when asked; the default stays the one 1.75 m body the
style edges are fitted on (STYLE5, seventeenth session)."""

from __future__ import annotations

import json

import numpy as np
from kyphos.sim.scenario import random_lift_session


def _without_subject(scn: dict) -> str:
    return json.dumps({k: v for k, v in scn.items() if k != "subject"}, sort_keys=True)


def test_default_session_keeps_the_one_175_m_wearer() -> None:
    for seed in (100, 117, 139):
        assert random_lift_session(seed)["subject"]["height_m"] == 1.75


def test_stature_draw_changes_the_wearer_and_nothing_else() -> None:
    for seed in (100, 117, 139):
        a, b = random_lift_session(seed), random_lift_session(seed, stature_sd=0.041)
        assert _without_subject(a) == _without_subject(b)
        assert b["subject"]["height_m"] != 1.75


def test_stature_draw_spreads_as_asked() -> None:
    h = np.array([random_lift_session(s, stature_sd=0.041)["subject"]["height_m"]
                  for s in range(100, 140)])
    assert 0.02 < np.std(h) / 1.75 < 0.06
    assert abs(np.mean(h) - 1.75) < 0.03

