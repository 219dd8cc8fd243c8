"""Link health: what a wearer or PT needs to trust a recording while it runs.

``sample_rate_hz`` (IMU samples received per second over the last ``window_s``), ``loss_pct``
(data frames still missing / expected, after back-fill), ``backfilled`` frames, ``retries``
(reconnect attempts and command retries), ``latency_ms`` (round trip of the latest command or
ping), ``rssi_dbm`` (where the platform gives it), ``drops`` and ``connected``.
"""

from __future__ import annotations

from collections import deque
from dataclasses import asdict, dataclass


@dataclass
class Health:
    connected: bool = False
    sample_rate_hz: float = 0.0
    loss_pct: float = 0.0
    missing_frames: int = 0
    expected_frames: int = 0
    backfilled: int = 0
    duplicates: int = 0
    corrupt: int = 0
    retries: int = 0
    drops: int = 0
    latency_ms: float | None = None
    rssi_dbm: int | None = None
    mtu: int | None = None
    epochs: int = 1

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    def line(self) -> str:
        """One status line for a terminal."""
        lat = "–" if self.latency_ms is None else f"{self.latency_ms:.0f} ms"
        rssi = "" if self.rssi_dbm is None else f", RSSI {self.rssi_dbm} dBm"
        state = "connected" if self.connected else "reconnecting"
        return (
            f"{state}: {self.sample_rate_hz:.1f} Hz, loss {self.loss_pct:.2f}% "
            f"({self.missing_frames} frames), back-filled {self.backfilled}, "
            f"retries {self.retries}, latency {lat}{rssi}"
        )


class RateMeter:
    """Samples per second over a sliding window of (host_us, count) entries.

    The rate is taken over the time the entries actually cover, not the full window: the
    samples after the oldest entry divided by the time from it to ``now`` (the oldest entry's
    own samples were gathered before it arrived, so they are left out). A fresh link therefore
    shows its real rate after two batches, instead of climbing from 1/5 of it over the first
    5 s (`kyphos record` showed "22 Hz" at the start on a 104 Hz board, issue 16)."""

    def __init__(self, window_s: float = 5.0) -> None:
        self.window_us = int(window_s * 1e6)
        self._items: deque[tuple[int, int]] = deque()
        self._sum = 0

    def add(self, host_us: int, count: int) -> None:
        self._items.append((host_us, count))
        self._sum += count
        self._expire(host_us)

    def rate(self, now_us: int) -> float:
        self._expire(now_us)
        if len(self._items) < 2:
            return 0.0
        t0, n0 = self._items[0]
        span_us = max(now_us, self._items[-1][0]) - t0
        return (self._sum - n0) / (span_us / 1e6) if span_us > 0 else 0.0

    def _expire(self, now_us: int) -> None:
        """Forget entries older than the window before ``now_us``."""
        cut = now_us - self.window_us
        while self._items and self._items[0][0] < cut:
            self._sum -= self._items.popleft()[1]
