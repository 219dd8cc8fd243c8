"""Shared by the clip-slip tests on one validation-family development session: where its slip
was re-referenced against where it was made, and what a lie after it reads."""

from __future__ import annotations

import numpy as np
from kyphos.analysis import analyze


def slip_and_re_references(seed: int, fs: float) -> tuple[float, list[float]]:
    """Validation seed ``seed`` at ``fs`` Hz analysed with its calibration note: the truth
    slip's time (its first) and the re-references after the start, s."""
    from kyphos.sim.validation import generate

    v = generate(seed, fs)
    a = analyze(v.to_session(calibration_note=True))
    return v.script.slips[0].t, [r.t_s for r in a.re_references if r.t_s > 0.0]


def lying_flexion_error(seed: int, fs: float, t0: float, t1: float,
                        calibration_note: bool | None = None) -> float:
    """Validation seed ``seed`` at ``fs`` Hz analysed (``calibration_note``: as
    ``to_session``'s, None its default): the mean flexion error, deg, over the valid rows in
    (``t0``, ``t1``) s, which the truth must call lying."""
    from kyphos.sim.validation import generate

    v = generate(seed, fs)
    a = analyze(v.to_session() if calibration_note is None
                else v.to_session(calibration_note=calibration_note))
    t = a.angles.time
    k = (t > t0) & (t < t1) & a.angles.valid
    err = np.degrees(a.angles.flexion[k] - np.interp(t[k], v.truth.time, v.truth.flexion))
    assert np.all(v.truth.activity_names[np.searchsorted(v.truth.time, t[k])] == "lying")
    return float(np.mean(err))
