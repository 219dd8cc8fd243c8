"""Powering a virtual board off right after the host disconnects (``SimTransport.shutdown``,
``kyphos.connect("sim")`` then ``close()``) logged asyncio's "Exception in callback
Host.on_packet ... InvalidStateError" every time: the firmware advertises again at the
disconnect, and the bluetooth shim's worker was cancelled between an HCI command and its
answer. The shim now lets the operation in flight finish before it stops."""

from __future__ import annotations

import asyncio
import logging

import pytest
from kyphos.transport.sim import SimTransport


def test_power_off_after_a_disconnect_logs_no_error(caplog: pytest.LogCaptureFixture) -> None:
    async def run() -> None:
        for _ in range(2):
            t = SimTransport()
            await t.connect()
            await t.shutdown()

    with caplog.at_level(logging.ERROR):
        asyncio.run(run())
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []
