"""The height track's zero-velocity window after a movement starts where the raw vertical
acceleration has settled, not inside the skin's ring after a landing that the 2-Hz still test
already calls still (TRACE12 / ZUPT, validation 32007 @52: a sit-down read 0.296 m for 0.353);
the ring's rows carry the settled level (a ring sampled a few times a cycle does not integrate to
its zero net velocity)."""

from __future__ import annotations

import numpy as np
import pytest
from kyphos.processing import activity as act

FS = 52.0
DROP_M = 0.35


def _height(x: np.ndarray, kick: float | None, f_hz: float) -> np.ndarray:
    """A 0.35-m minimum-jerk sit-down over 3.0–5.0 s; ``kick``: the seat landing starts a
    ζ 0.31 skin wobble of ``f_hz`` there (peak ~2–4 m/s², as 32007's rows at 185.1 s)."""
    u = np.clip((x - 3.0) / 2.0, 0.0, 1.0)
    z = -DROP_M * (10 * u**3 - 15 * u**4 + 6 * u**5)
    if kick is not None:
        w = 2 * np.pi * f_hz
        tt = np.clip(x - kick, 0.0, None)
        z = z + 0.0006 * (10.8 / f_hz) * tt * w * np.exp(-0.31 * w * tt) * np.sin(w * tt)
    return z


def _sit_down(kick: float | None, f_hz: float = 10.8
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """az (m/s², + up; the height's second derivative point-sampled at the rows), tilt (rad)
    and the still mask (still before 3.0 s and from 5.0 s: the ring is inside the still run)."""
    t = np.arange(0.0, 12.0, 1.0 / FS)
    dt = 1e-4
    az = (_height(t + dt, kick, f_hz) - 2 * _height(t, kick, f_hz)
          + _height(t - dt, kick, f_hz)) / dt**2
    return az, np.full_like(t, 0.1), (t < 3.0) | (t >= 5.0)


@pytest.mark.parametrize("f_hz", [8.0, 10.8])
def test_landing_ring_inside_the_still_run_does_not_change_the_drop(f_hz: float) -> None:
    errs = []
    for kick in (5.0, 5.02, 5.05, 5.1):  # the ring's phase against the rows and the window
        az, tilt, still = _sit_down(kick, f_hz)
        assert np.max(np.abs(az[int(5.0 * FS):])) > 1.5  # the ring, inside the still run
        az0 = az.copy()
        h, _ = act.vertical_track(az, tilt, still, FS)
        np.testing.assert_array_equal(az, az0)  # the caller's rows are left as they were
        errs.append(abs((h[-1] - h[0]) + DROP_M))
    assert max(errs) < 0.015  # 9d8ce98 (7-row window at the still start): 0.044 m at 8 Hz


def test_settled_still_end_keeps_the_window_at_the_still_start() -> None:
    """Without a ring the first window is settled: the track is the one-by-one integration with
    the window at the still run's start (as before)."""
    az, tilt, still = _sit_down(None)
    h, v = act.vertical_track(az, tilt, still, FS)
    a = int(np.argmin(still))
    b = a + int(np.argmax(still[a:]))
    k = max(2, int(0.15 * FS))
    ph, pv = act.integrate_movement(az[a - k : b + k], tilt[a - k : b + k], FS, k, k)
    np.testing.assert_allclose(v[a - k : b + k], pv, atol=1e-9)
    np.testing.assert_allclose(np.diff(h[a - k : b + k]), np.diff(ph), atol=1e-9)
    assert abs((h[-1] - h[0]) + DROP_M) < 0.01
