"""A connected kyphos board: commands, streaming, reconnect with back-fill, clock fit, health.

    import kyphos
    dev = await kyphos.connect("sim")          # or "kyphos-3A4F", "serial:/dev/ttyACM0"
    print(await dev.info())
    await dev.start()                          # IMU + QUAT + STATUS
    async for batch in dev.stream():           # decoded frames with host receive times
        for rec in batch.frames: ...
    await dev.close()

Commands carry a request id; each waits for its ACK or ERR (an ERR becomes a
:class:`DeviceError` naming the device, the command and what to do). Commands that change or
erase state (``config_set``, ``erase_logs``, ``reboot``) are refused by the host before
sending when the link is BLE without encryption (``kyphos pair`` first).

**Never lose data.** While streaming, a dropped link is reconnected with exponential backoff
(rescanning first: BlueZ may forget a device). The board keeps logging to flash while nobody
listens (``start()`` asks for ``log_policy = "always"`` when the link allows config), so after
the reconnect the host lists the logs, reads the part of the newest ones that covers the
missing ``seq`` range (backwards from the end, in windows), and merges those frames into the
stream (``Batch.backfilled``), checked by seq *and* device time so a log of another boot is
never mixed in. Duplicates are dropped by seq.

**One timeline.** Each boot of the board is an *epoch*; a reboot is detected when the board's
clock (a PING after reconnecting) is far from what the clock fit predicts. Each epoch has its
own :class:`~kyphos.link.timesync.ClockFit` (offset + drift) from host receive times; the
recorder writes them as ``NOTE`` records, and the loader places every epoch on the host clock.

**Where each part lives** (each a layer of :class:`Device`, lowest first):
:mod:`~kyphos.link.receiver` (state, receiving, batches, health),
:mod:`~kyphos.link.pairing` (link security, pairing), :mod:`~kyphos.link.commands` (requests and
answers), :mod:`~kyphos.link.logs` (flash logs, download), :mod:`~kyphos.link.backfill`
(gaps from the logs), :mod:`~kyphos.link.reconnect` (drops, reboots); this module: opening and
closing, starting and stopping the stream, :func:`connect` and :func:`scan`.
:mod:`~kyphos.link.errors` holds the errors.
"""

from __future__ import annotations

import asyncio
from typing import Any

from kyphos.link.errors import DeviceError, DeviceTimeout
from kyphos.link.receiver import STREAM_IMU, STREAM_QUAT, STREAM_STATUS, Batch
from kyphos.link.reconnect import Reconnect
from kyphos.protocol.constants import Opcode
from kyphos.transport.base import LinkError, open_transport

__all__ = ["STREAM_IMU", "STREAM_QUAT", "STREAM_STATUS", "SUPPORTED_FW_MAJOR", "Batch", "Device",
           "DeviceError", "DeviceTimeout", "connect", "scan"]

SUPPORTED_FW_MAJOR = 0  # firmware 0.x speaks protocol version 1 as this host does


class Device(Reconnect):
    """One board over one transport (see the module docstring)."""

    # -- life cycle -------------------------------------------------------------------------
    async def open(self, check_firmware: bool = True) -> Device:
        await self.transport.connect()
        self._start_rx()
        self._up.set()
        info = await self.info()
        if check_firmware and info.fw_version[0] != SUPPORTED_FW_MAJOR:
            v = ".".join(map(str, info.fw_version))
            await self.close()
            newer = info.fw_version[0] > SUPPORTED_FW_MAJOR
            raise LinkError(
                self.name,
                f"firmware {v} is {'newer' if newer else 'older'} than this host supports "
                f"({SUPPORTED_FW_MAJOR}.x)",
                "update kyphos on this computer (pip install -U kyphos)" if newer
                else "update the board: kyphos flash",
            )
        return self

    async def close(self) -> None:
        """Stop the supervisor and the receiver, disconnect, and end the stream."""
        self._closing = True
        for t in (self._sup_task, self._ping_task):
            if t is not None and t is not asyncio.current_task():
                t.cancel()
                await asyncio.gather(t, return_exceptions=True)
        await self.transport.disconnect()
        if self._rx_task is not None:
            self._rx_task.cancel()
            await asyncio.gather(self._rx_task, return_exceptions=True)
        shutdown = getattr(self.transport, "shutdown", None)
        if shutdown is not None:
            await shutdown()
        self._end_stream()

    async def __aenter__(self) -> Device:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- streaming --------------------------------------------------------------------------
    async def start(
        self, imu: bool = True, quat: bool = True, status: bool = True, *, log_always: bool = True
    ) -> None:
        """Start streaming. With ``log_always`` (and back-fill on) the board is asked to log
        every frame to flash too, so a link drop can be back-filled; over an unencrypted BLE
        link that config change is not allowed and a warning is kept in ``warnings``."""
        streams = (STREAM_IMU if imu else 0) | (STREAM_QUAT if quat else 0) | (
            STREAM_STATUS if status else 0)
        if self.backfill_enabled and log_always:
            await self._ensure_logging()
        await self._send_start(streams)
        self._streams = streams
        if self.ping_interval_s > 0 and self._ping_task is None:
            self._ping_task = asyncio.get_running_loop().create_task(self._pinger())

    async def _ensure_logging(self) -> None:
        """Ask for ``log_policy = "always"`` where the link may change config. Where it may
        not (an unpaired BLE link), warn only if a drop would lose data: with ``"never"`` the
        board logs nothing while the link is down. With the default ``"disconnected"`` it
        starts logging at the drop and hands the log the frames still queued and copies of the
        last 8 notifications sent (those in flight; docs/firmware.md, "Link drop"), so the
        back-fill finds every frame: measured on the virtual board with 5 s and 20 s drops on
        an unpaired link, 0 missing (tests/test_link_backfill_with_the_default_log_policy.py).
        The warning it gave before was in every unpaired recording, the demo's included."""
        try:
            policy = (await self.config_get("log_policy")).get("log_policy")
        except DeviceError:
            return
        if policy == "always":
            return
        if not await self.link_secure():
            if policy == "disconnected":
                return
            msg = (f"{self.name}: the board does not log to flash (log_policy={policy}) and this "
                   "BLE link is not encrypted, so that cannot be changed: a link drop loses "
                   "the data until the reconnect — run `kyphos pair --device TARGET` once to fix")
            self.warnings.append(msg)
            self.note("warning", message=msg)
            return
        await self.config_set(log_policy="always")

    async def stop(self) -> None:
        """Stop streaming; the stream ends after any last back-fill."""
        self._streams = 0
        if self._ping_task is not None:
            self._ping_task.cancel()
            await asyncio.gather(self._ping_task, return_exceptions=True)
            self._ping_task = None
        sup = self._sup_task
        if sup is not None and not sup.done():
            await asyncio.gather(sup, return_exceptions=True)  # its back-fill finishes first
        if self.transport.connected:
            try:
                await self.command(Opcode.STOP, retries=1)
                if self.backfill_enabled and self.missing_frames():
                    await self.backfill()
            except LinkError:
                pass
        self._flush()

    async def _pinger(self) -> None:
        while True:
            await asyncio.sleep(self.ping_interval_s)
            if self.transport.connected:
                try:
                    await self.ping()
                except LinkError:
                    pass


async def connect(target: str, **kwargs: Any) -> Device:
    """Connect to a board: a BLE name or address, ``"sim"``, ``"serial:PORT"`` or a ``.kyr``
    file to replay. Keyword arguments go to the transport (e.g. ``backend=`` for bleak,
    ``scenario=`` for sim) or to :class:`Device` (``command_timeout_s``, ``auto_reconnect``,
    ``backoff_s``, ``backfill``)."""
    dev_keys = {"command_timeout_s", "auto_reconnect", "backoff_s", "reconnect_timeout_s",
                "backfill", "ping_interval_s", "backfill_window_live", "backfill_window_idle"}
    dkw = {k: kwargs.pop(k) for k in list(kwargs) if k in dev_keys}
    check = kwargs.pop("check_firmware", True)
    transport = open_transport(target, **kwargs)
    dev = Device(transport, **dkw)
    try:
        return await dev.open(check_firmware=check)
    except BaseException:
        shutdown = getattr(transport, "shutdown", None)
        if shutdown is not None:
            await shutdown()
        raise


async def scan(timeout_s: float = 5.0, *, serial: bool = True, **kwargs: Any) -> list[dict[str, Any]]:
    """Boards in reach: BLE advertisers with the kyphos service (name, address, RSSI) and,
    with ``serial``, serial ports (``target`` is what :func:`connect` takes)."""
    out: list[dict[str, Any]] = []
    from kyphos.transport.ble import scan as ble_scan

    for d in await ble_scan(timeout_s, **kwargs):
        out.append({"kind": "ble", "target": d["name"] or d["address"], **d})
    if serial:
        try:
            from kyphos.transport.serial import list_ports

            for p in list_ports():
                out.append({"kind": "serial", "target": f"serial:{p['device']}", **p})
        except ImportError:
            pass
    return out
