"""Repeated similar bends are a calibration sequence only in a recording that opens with quiet
standing (the guided calibration's "stand still, then bend"): without it two similar lifts at the
start were taken for calibration bends and their axis trusted (14016 without its guided bend: a
semi-squat leaning 17 deg sideways and a squat, 4.0 deg RMS shown as valid)."""

from __future__ import annotations

from kyphos.processing.calibration import calibration_sequence


def test_similar_bends_without_opening_standing_are_not_a_calibration_sequence() -> None:
    # 14016 cropped after its guided bend: two lifts 3 s apart, peaks 37 / 38 deg
    bends = [(3.7, 5.1), (8.0, 9.2), (164.6, 180.9), (214.3, 230.7)]
    peaks = [37.0, 38.0, 48.0, 47.0]
    assert calibration_sequence(bends, peaks) == []
    assert calibration_sequence(bends, peaks, 3.0) == [0, 1]  # after quiet standing: guided
