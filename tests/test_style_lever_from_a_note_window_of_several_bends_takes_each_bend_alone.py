"""The closed-bend lever (``kyphos.metrics.style.lever_from_recording``) of a guided-calibration
note whose bend window holds several bends (the simulator's three calibration bends) is fitted
on each bend alone, as the automatic calibration finds them, not on the whole window at once
with the stands between (which put the simulator's lever 18 cm deep instead of 6 cm: FITPATH,
docs/accuracy.md section 7). A window with one bend, dipping or not, is kept as given."""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from kyphos.metrics.style import split_bend_windows  # noqa: E402

FS = 52.0


def _tilt(*bends: tuple[float, float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Time and flexion (rad) of a stand with raised-cosine bends (start s, length s, peak deg)."""
    t = np.arange(0.0, 30.0, 1 / FS)
    f = np.zeros_like(t)
    for s, n, deg in bends:
        on = (t >= s) & (t < s + n)
        f[on] = np.radians(deg) * 0.5 * (1 - np.cos(2 * np.pi * (t[on] - s) / n))
    return t, f


def test_a_window_of_three_bends_is_split_into_them() -> None:
    t, f = _tilt((10.0, 3.0, 60.0), (16.0, 3.0, 60.0), (22.0, 3.0, 60.0))
    got = split_bend_windows(t, np.ones(len(t), bool), f, np.zeros_like(f), FS, [(9.5, 26.5)])
    assert len(got) == 3
    for (a, b), s in zip(got, (10.0, 16.0, 22.0), strict=True):
        assert s - 0.1 < a < s + 0.6 and s + 2.4 < b < s + 3.1  # each from and back to 15 deg


def test_a_window_of_one_bend_or_one_dipping_bend_is_kept() -> None:
    t, f = _tilt((10.0, 6.0, 60.0))
    dip = f - np.radians(30.0) * np.exp(-0.5 * ((t - 13.0) / 0.3) ** 2)  # 30 deg at 13 s
    assert 15 < np.degrees(dip[(t > 12) & (t < 14)]).min() < 35  # two excursions over 35 deg
    win = [(9.5, 16.5)]
    for tilt in (f, dip):
        assert split_bend_windows(t, np.ones(len(t), bool), tilt, np.zeros_like(t), FS,
                                  win) == win


def test_fit_family_note_lever_matches_the_lever_of_its_bends_found_alone() -> None:
    from kyphos.analysis import analyze
    from validate_analysis import family_case

    lev = [analyze(family_case("sim", 109, 52.0, note).session, hip_height_m=0.94,
                   style_drop="closed").wearer.lever for note in (True, False)]
    assert lev[0] is not None and lev[1] is not None
    assert abs(lev[0][0] - lev[1][0]) < 0.02 and abs(lev[0][1] - lev[1][1]) < 0.02
