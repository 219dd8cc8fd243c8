"""Device clock → host clock: offset and drift by robust linear regression, one fit per epoch.

The device's ``t_us`` is the truth for sample times; the host receive time is kept beside it.
Receive times carry one-sided, bursty delays (batching, connection events, retries), so an
ordinary least-squares fit would be pulled by every stall. The fit here is Theil–Sen: the
slope is the median of pairwise slopes and the intercept the median residual, computed on the
lower envelope (the least-delayed point in each of ``bins`` stretches of device time, since a
stall only ever adds delay), vectorised. Per the feasibility notes, device
clocks drift by seconds a day; never infer time from the nominal rate.

    fit = ClockFit()
    fit.add(device_us, host_us)       # unwrapped device µs, host µs since the Unix epoch
    host = fit.to_host(device_us)     # host µs of a device time
    fit.offset_us, fit.drift_ppm      # host_us = offset_us + device_us · (1 + drift_ppm·1e-6)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

_MAX_T_US = 1 << 32


@dataclass
class ClockFit:
    """Theil–Sen fit of host receive time against unwrapped device time for one epoch.

    Adding a point only stores it; the fit is computed when it is next read (after a
    reconnect, at the end of a recording), not every few frames of a long stream.
    """

    max_points: int = 4000
    bins: int = 200
    device_us: list[int] = field(default_factory=list)
    host_us: list[int] = field(default_factory=list)
    _fit: tuple[float, float, float] = field(default=(1.0, 0.0, 0.0), init=False, repr=False)
    _fitted_n: int = field(default=0, init=False, repr=False)  # points behind ``_fit``

    @property
    def n(self) -> int:
        return len(self.device_us)

    def _current(self) -> tuple[float, float, float]:
        """(slope, intercept_us, mad_us), refitted if points were added since the last fit."""
        if self._fitted_n != self.n:
            self.refit()
        return self._fit

    @property
    def slope(self) -> float:
        return self._current()[0]

    @property
    def intercept_us(self) -> float:
        """Host µs at device time 0 (after the slope is applied)."""
        return self._current()[1]

    @property
    def mad_us(self) -> float:
        """Median absolute residual."""
        return self._current()[2]

    @property
    def offset_us(self) -> float:
        return self.intercept_us

    @property
    def drift_ppm(self) -> float:
        return (self.slope - 1.0) * 1e6

    def add(self, device_us: int, host_us: int) -> None:
        self.device_us.append(int(device_us))
        self.host_us.append(int(host_us))

    def refit(self) -> None:
        n = self.n
        self._fitted_n = n
        if n == 0:
            return
        d = np.asarray(self.device_us, dtype=np.float64)
        h = np.asarray(self.host_us, dtype=np.float64)
        if n > self.max_points:
            idx = np.linspace(0, n - 1, self.max_points).astype(np.int64)
            d, h = d[idx], h[idx]
        d0, h0 = d[0], h[0]  # work relative to the first point: no float64 rounding at 1e15
        dx, hy = d - d0, h - h0
        bins = min(self.bins, len(d) // 4)
        if bins >= 3:
            # Delays are one-sided (a stalled link only ever adds): fit the lower envelope,
            # the least-delayed point of each stretch of device time.
            edges = np.linspace(dx[0], dx[-1] + 1.0, bins + 1)
            which = np.clip(np.searchsorted(edges, dx, side="right") - 1, 0, bins - 1)
            r = hy - dx
            order = np.lexsort((r, which))
            first = np.r_[True, which[order][1:] != which[order][:-1]]
            keep = order[first]
            dx, hy = dx[keep], hy[keep]
        slope = 1.0
        if len(dx) >= 3 and dx[-1] - dx[0] > 0:
            i, j = np.triu_indices(len(dx), 1)
            den = dx[j] - dx[i]
            ok = den > 0
            if ok.any():
                slope = float(np.median((hy[j] - hy[i])[ok] / den[ok]))
                if not 0.9 < slope < 1.1:  # nonsense (a stall over a short span): assume rate 1
                    slope = 1.0
        resid = hy - slope * dx
        c = float(np.median(resid))
        self._fit = (slope, h0 + c - slope * d0, float(np.median(np.abs(resid - c))))

    def to_host(self, device_us: float | np.ndarray) -> float | np.ndarray:
        return self.intercept_us + self.slope * np.asarray(device_us, dtype=np.float64)

    def to_device(self, host_us: float) -> float:
        return (host_us - self.intercept_us) / self.slope

    def summary(self) -> dict[str, float | int]:
        """For a NOTE: offset, drift, spread and point count."""
        return {
            "offset_us": round(self.intercept_us),
            "drift_ppm": round(self.drift_ppm, 3),
            "mad_us": round(self.mad_us, 1),
            "n": self.n,
        }


def unwrap_t_us(last_unwrapped: int | None, t_us: int) -> int:
    """Unwrap a u32 µs counter given the previous unwrapped value (a step back of more than
    2³¹ µs is a wrap, as in docs/protocol.md)."""
    if last_unwrapped is None:
        return t_us
    last = last_unwrapped % _MAX_T_US
    d = (t_us - last + (1 << 31)) % _MAX_T_US - (1 << 31)
    return last_unwrapped + d
