"""A calibration sequence's repeats start after the previous bend has ended: two deep excursions
from the same start (one lift dipping under the bend threshold and back) are one movement, not a
repeated calibration bend whose axis the automatic calibration would trust (15014 without its
guided bend: 8.1 deg RMS shown as valid)."""

from __future__ import annotations

from kyphos.processing.calibration import calibration_sequence


def test_excursions_from_one_start_are_not_a_calibration_sequence() -> None:
    # 15014 cropped after its guided bend: one lift's two excursions, same start row
    assert calibration_sequence([(4.2, 5.2), (4.2, 6.3), (29.2, 31.5)], [36, 36, 89]) == []
    # a real repeat (the second starts after the first ended) is still one
    assert calibration_sequence([(4.2, 6.3), (8.0, 10.5), (29.2, 31.5)], [50, 52, 89]) == [0, 1]


def test_a_split_calibration_bend_does_not_end_its_sequence() -> None:
    # the first bend's second excursion (same start) is skipped, the real repeats still count
    bends = [(10.0, 11.0), (10.0, 13.0), (15.0, 18.0), (20.0, 23.0)]
    assert calibration_sequence(bends, [60, 61, 62, 58]) == [0, 2, 3]
