"""The host side of a live link: a connected :class:`Device` (commands, streaming, reconnect
with back-fill from the board's flash log, clock fit, health) and :func:`connect` /
:func:`scan`."""

from __future__ import annotations

from kyphos.link.device import Batch, Device, DeviceError, DeviceTimeout, connect, scan
from kyphos.link.health import Health
from kyphos.link.timesync import ClockFit

__all__ = ["Batch", "ClockFit", "Device", "DeviceError", "DeviceTimeout", "Health", "connect", "scan"]
