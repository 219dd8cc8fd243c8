"""A repeat of the guided calibration bend lasts about as long as the first: without a note, a
task bend held ~17 s or a quick lift right after the one guided bend was taken for its repeat
(validation 19003 / 19008 / 19010 ... @104: the held bend lost as a sustained bend; 19007 /
19019 / 19020 and 24 / 25 / 26: the lift lost), and the guided bend alone is the calibration
(its opening quiet standing). The simulator's three repeats still form a sequence."""

from __future__ import annotations

from kyphos.processing.calibration import calibration_sequence


def test_a_held_task_bend_after_the_guided_bend_is_no_repeat_of_it() -> None:
    # 19008 @104: guided bend 8.8 s (+4.2 s), task bend held from 18.8 s (+17 s), peaks 5 deg apart
    bends, peaks = [(8.8, 13.0), (18.8, 36.2), (90.0, 92.0)], [55.0, 50.0, 70.0]
    assert calibration_sequence(bends, peaks) == []
    assert calibration_sequence(bends, peaks, opening_quiet_end_s=8.2) == [0]


def test_a_quick_lift_after_the_guided_bend_is_no_repeat_of_it() -> None:
    # 26 @104: guided bend 3.4 s beyond 35 deg, a lift of 1.3 s 5.8 s later, peaks 1 deg apart
    bends, peaks = [(6.9, 10.3), (16.1, 17.4), (21.1, 21.8)], [61.0, 62.0, 35.0]
    assert calibration_sequence(bends, peaks, opening_quiet_end_s=6.3) == [0]


def test_repeats_of_the_same_length_are_still_a_sequence() -> None:
    # sim 100 @104: three 2.5-s repeats 6 s apart
    bends = [(11.1, 13.6), (17.1, 19.6), (23.1, 25.6), (42.7, 46.0)]
    assert calibration_sequence(bends, [48.0, 48.0, 48.0, 70.0], 10.6) == [0, 1, 2]
