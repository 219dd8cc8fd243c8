"""The rate a status line shows (``kyphos record``, the live view) is the recent window's rate
from the second batch on, not the window's share of it (issue 16: "22 Hz" at the start of a
104 Hz recording)."""

from __future__ import annotations

import pytest
from kyphos.link.health import RateMeter


def _feed(m: RateMeter, t_us: float, seconds: float, fs: float, batch: int = 10) -> float:
    """Batches of ``batch`` samples at ``fs`` from ``t_us`` for ``seconds``; the end time."""
    step = batch / fs * 1e6
    for _ in range(int(seconds * 1e6 / step)):
        t_us += step
        m.add(int(t_us), batch)
    return t_us


def test_the_rate_is_right_from_the_start() -> None:
    m = RateMeter(window_s=5.0)
    t = _feed(m, 0.0, 0.5, 104.0)  # half a second of a 104 Hz board
    assert m.rate(int(t)) == pytest.approx(104.0, rel=0.02)


def test_the_rate_follows_a_change_within_the_window_and_drops_when_data_stop() -> None:
    m = RateMeter(window_s=5.0)
    t = _feed(m, 0.0, 20.0, 104.0)
    assert m.rate(int(t)) == pytest.approx(104.0, rel=0.02)
    t = _feed(m, t, 6.0, 52.0)  # the board halves its rate: the window holds only the new rate
    assert m.rate(int(t)) == pytest.approx(52.0, rel=0.03)
    assert m.rate(int(t + 2e6)) < 52.0 * 0.75  # no data for 2 s: it falls
    assert m.rate(int(t + 6e6)) == 0.0  # nothing within the window
