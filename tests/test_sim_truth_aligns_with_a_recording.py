"""Comparing a recording with its truth: the recording starts later than the scenario, and
align_truth finds and removes that offset; random lift depths overlap across styles."""

from __future__ import annotations

import numpy as np
import pytest
from kyphos.session import Session
from kyphos.sim.scenario import align_truth, random_lift_session, simulate, truth_offset


@pytest.fixture(scope="module")
def sim() -> object:
    return simulate(random_lift_session(3, fs=104.0, n_lifts=4), seed=3)


def test_simulated_session_needs_no_shift(sim: object) -> None:
    assert truth_offset(sim.truth, sim.to_session()) == pytest.approx(0.0, abs=0.002)  # type: ignore[attr-defined]


def test_recording_starting_late_is_aligned(sim: object) -> None:
    s = sim.to_session()  # type: ignore[attr-defined]
    k = 26  # first recorded sample 0.25 s after scenario t = 0 (`kyphos demo`: about 0.2 s)
    late = Session(time=s.time[k:] - s.time[k], acc=s.acc[k:], gyr=s.gyr[k:], fs=s.fs)
    tr = sim.truth  # type: ignore[attr-defined]
    assert truth_offset(tr, late) == pytest.approx(0.25, abs=0.003)
    al = align_truth(tr, late)
    assert al.lifts[0].start == pytest.approx(tr.lifts[0].start - 0.25, abs=0.003)
    assert al.movements[0].hold_end == pytest.approx(tr.movements[0].hold_end - 0.25, abs=0.003)
    assert np.allclose(al.time, tr.time - al.meta["aligned_offset_s"])
    assert tr.lifts[0].start != al.lifts[0].start  # the original is not modified
    given = align_truth(tr, late, offset_s=0.25)
    assert given.lifts[0].peak_time == pytest.approx(tr.lifts[0].peak_time - 0.25)


def test_random_lift_depths_overlap_across_styles() -> None:
    depth: dict[str, list[float]] = {}
    for seed in range(6):
        for seg in random_lift_session(seed)["segments"]:
            if seg["kind"] == "lift":
                depth.setdefault(seg["style"], []).append(seg["flexion_deg"])
    # peak flexion alone cannot separate the styles: the deepest squat is deeper than the
    # shallowest stoop
    assert max(depth["squat"]) > min(depth["stoop"])
    assert max(depth["semi-squat"]) > min(depth["stoop"])
    assert max(depth["squat"]) > min(depth["semi-squat"])
