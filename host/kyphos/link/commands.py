"""Commands: a CMD frame with a request id, and its answer — an ACK (parts reassembled by the
receiver) or an ERR, raised as :class:`~kyphos.link.errors.DeviceError` — with a timeout that
restarts while a long answer keeps arriving; then the commands themselves (PING, GET_INFO,
CONFIG_GET/SET, CALIBRATE, MARKER, START, REBOOT)."""

from __future__ import annotations

import asyncio
import json
import struct
from typing import Any

from kyphos.errors import ConfigError
from kyphos.link.errors import DeviceError, DeviceTimeout
from kyphos.link.pairing import Pairing
from kyphos.link.receiver import _Pending
from kyphos.protocol.constants import Opcode
from kyphos.protocol.frames import Ack, Cmd, Err, Frame, Info, make_frame
from kyphos.transport.base import Disconnected, Received


class Commands(Pairing):
    """Request/answer commands of :class:`kyphos.link.Device`."""

    async def command(
        self, opcode: int, args: bytes = b"", *, timeout_s: float | None = None,
        log_id: int | None = None, retries: int = 0,
    ) -> Received:
        """Send a CMD and wait for its ACK (returned); ERR raises :class:`DeviceError`."""
        for attempt in range(retries + 1):
            try:
                return await self._command_once(opcode, args, timeout_s, log_id)
            except DeviceTimeout:
                if attempt == retries:
                    raise
                self._retries += 1
        raise AssertionError("unreachable")

    async def _command_once(
        self, opcode: int, args: bytes, timeout_s: float | None, log_id: int | None
    ) -> Received:
        if not self.transport.connected:
            raise Disconnected(self.name, "not connected", "wait for the reconnect or connect again")
        loop = asyncio.get_running_loop()
        self._rid = (self._rid + 1) & 0xFFFF
        rid = self._rid
        pend = _Pending(opcode, loop.create_future(), loop.time(), log_id)
        if log_id is not None:
            _i, off, length = struct.unpack_from("<HII", args)
            pend.span = (off, off + length)
        self._pending[rid] = pend
        timeout = self.command_timeout_s if timeout_s is None else timeout_s
        t0 = loop.time()
        try:
            self._cmd_seq = (self._cmd_seq + 1) & 0xFFFF
            await self.transport.send(make_frame(Cmd(rid, opcode, args), self._cmd_seq))
            while not pend.future.done():
                left = pend.activity + timeout - loop.time()
                if left <= 0:
                    name = Opcode(opcode).name if opcode in Opcode._value2member_map_ else hex(opcode)
                    raise DeviceTimeout(
                        self.name, f"no answer to {name} within {timeout:g} s",
                        "is the board on and in range? (kyphos info TARGET checks the link)",
                    )
                await asyncio.wait({pend.future}, timeout=left)
            rec = pend.future.result()
        finally:
            self._pending.pop(rid, None)
        if log_id is None:  # a download's time is not latency
            self._latency_ms = (loop.time() - t0) * 1000.0
        p = rec.frame.payload
        if isinstance(p, Err):
            raise DeviceError(self.name, opcode, p.code, p.message)
        if log_id is not None:
            self._chunks = pend.chunks
        return rec

    async def ping(self) -> tuple[Frame, int]:
        """PING: (the ACK frame, whose t_us is the device clock; the host µs of the answer)."""
        rec = await self.command(Opcode.PING, retries=1)
        return rec.frame, rec.host_us

    async def info(self) -> Info:
        rec = await self.command(Opcode.GET_INFO, retries=1)
        from kyphos.protocol.frames import _dec_info  # the ACK data is an INFO payload

        p = rec.frame.payload
        assert isinstance(p, Ack)
        self.info_frame = _dec_info(p.data, 0)
        return self.info_frame

    async def config_get(self, key: str = "") -> dict[str, Any]:
        rec = await self.command(Opcode.CONFIG_GET, key.encode(), retries=1)
        p = rec.frame.payload
        assert isinstance(p, Ack)
        value = json.loads(p.data.decode() or "null")
        return value if isinstance(value, dict) else {key: value}

    async def config_set(self, values: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
        changes = {**(values or {}), **kw}
        if not changes:
            raise ConfigError("config set needs at least one KEY=VALUE")
        await self.require_secure("change its configuration")
        rec = await self.command(Opcode.CONFIG_SET, json.dumps(changes).encode())
        p = rec.frame.payload
        assert isinstance(p, Ack)
        out = json.loads(p.data.decode() or "{}")
        return out if isinstance(out, dict) else {}

    async def reboot(self, maintenance: bool = False) -> None:
        """Restart the board (REBOOT, docs/protocol.md); with ``maintenance`` into the
        maintenance boot (firmware/main.py): for one boot neither the application nor its
        watchdog starts, so mpremote can take as long as it needs at the REPL. The board
        answers before it resets (~0.3 s later), then the link drops."""
        await self.require_secure("reboot it")
        await self.command(Opcode.REBOOT, b"\x01" if maintenance else b"")

    async def calibrate(self) -> None:
        """Set the upright reference now (the wearer stands or sits upright and still)."""
        await self.command(Opcode.CALIBRATE)

    async def marker(self, marker_id: int = 0) -> None:
        await self.command(Opcode.MARKER, struct.pack("<h", marker_id))

    async def _send_start(self, streams: int) -> None:
        await self.command(Opcode.START, bytes([streams]), retries=1)
