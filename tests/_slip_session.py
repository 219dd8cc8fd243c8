"""Shared by the clip-slip tests on one validation-family development session: where its slip
was re-referenced against where it was made."""

from __future__ import annotations

from kyphos.analysis import analyze


def slip_and_re_references(seed: int, fs: float) -> tuple[float, list[float]]:
    """Validation seed ``seed`` at ``fs`` Hz analysed with its calibration note: the truth
    slip's time (its first) and the re-references after the start, s."""
    from kyphos.sim.validation import generate

    v = generate(seed, fs)
    a = analyze(v.to_session(calibration_note=True))
    return v.script.slips[0].t, [r.t_s for r in a.re_references if r.t_s > 0.0]
