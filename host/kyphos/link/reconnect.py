"""Reconnect: while streaming, a dropped link is reconnected with exponential backoff and
jitter (the transport rescans first: BlueZ may forget a device), streaming is started again,
and the hole is back-filled from the flash log. A reboot of the board in the meantime is found
by a PING (its clock far from what the clock fit predicts) and starts a new epoch."""

from __future__ import annotations

import asyncio
import random

from kyphos.errors import KyphosError
from kyphos.link.backfill import Backfill
from kyphos.transport.base import LinkError

_T_MOD = 1 << 32
_REBOOT_TOLERANCE_US = 2_000_000


class Reconnect(Backfill):
    """Reconnect with back-fill for :class:`kyphos.link.Device`."""

    def _after_drop(self) -> None:
        if self._streams and self.auto_reconnect and self.transport.can_reconnect:
            self._sup_task = asyncio.get_running_loop().create_task(self._recover())
        else:
            super()._after_drop()

    async def _recover(self) -> None:
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        delay, most = self.backoff_s
        attempts = 0
        while not self._closing:
            attempts += 1
            try:
                await self.transport.connect()
                break
            except KyphosError as exc:
                self._retries += 1
                if self.reconnect_timeout_s is not None and loop.time() - t0 > self.reconnect_timeout_s:
                    self.note("gave_up", attempts=attempts, error=str(exc))
                    self._end_stream()
                    return
            await asyncio.sleep(delay * (0.8 + 0.4 * random.random()))
            delay = min(delay * 2, most)
        if self._closing:
            return
        self._start_rx()
        self._up.set()
        self.note("reconnect", attempts=attempts, down_s=round(loop.time() - t0, 3))
        try:
            await self._check_reboot()
            self._live.clear()
            await self._send_start(self._streams)
            if self.backfill_enabled:
                # The gap closes with the first live frame after START: wait for it.
                await asyncio.wait_for(self._live.wait(), self.command_timeout_s)
                await self.backfill()
        except (LinkError, asyncio.TimeoutError) as exc:
            self.note("recover_failed", error=str(exc) or type(exc).__name__)  # dropped again: the next _link_down starts over (the gaps are remembered)
        self._flush()

    async def _check_reboot(self) -> None:
        """A new epoch if the board's clock is far from where the fit says it should be.
        After a reboot the new boot's first frames (from its BOOT event on) are read from the
        flash log *before* streaming starts again, so a recording holds them in order."""
        ep = self.epoch
        if ep.high is None or ep.clock.n < 2:
            return
        ack, host_us = await self.ping()
        expected = ep.clock.to_device(host_us)
        d = (ack.t_us - int(expected) + (1 << 31)) % _T_MOD - (1 << 31)
        if abs(d) > _REBOOT_TOLERANCE_US + abs(ep.clock.mad_us) * 10:
            self._new_epoch(start_at=0)
            if self.backfill_enabled:
                await self._backfill_boot(ack.t_us)
