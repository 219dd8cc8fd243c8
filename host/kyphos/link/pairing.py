"""Link security: whether the link may change or erase the board's state (USB and replay are
trusted; BLE when the board says so: an authenticated bond or one made in its pairing window,
docs/firmware.md section 12), and bonding with LE Secure Connections (``kyphos pair``)."""

from __future__ import annotations

import asyncio

from kyphos.link.receiver import Receiver
from kyphos.protocol.constants import STATUS_TRUSTED
from kyphos.protocol.frames import Status
from kyphos.transport.base import LinkError, TransportKind

_STALE_READS = 5  # 0.1 s apart; the board refreshes STATUS within a link pass (10 ms)


class Pairing(Receiver):
    """Security checks and pairing of :class:`kyphos.link.Device`."""

    async def link_secure(self) -> bool:
        """USB and replay links are trusted; BLE when the board's STATUS says this link may
        change it (flags bit12). An encrypted link is not enough: a Just Works pairing made
        without the button (Windows, BlueZ without an agent) streams and reads only. Without
        a STATUS to read, the backend's "encrypted" is all there is."""
        t = self.transport
        kind = t.kind
        if kind is TransportKind.SIM:
            kind = TransportKind.SERIAL if getattr(t, "via", "") == "serial" else TransportKind.BLE
        if kind is not TransportKind.BLE:
            return True
        read_status = getattr(t, "read_status", None)
        if read_status is None:
            return bool(t.encrypted)
        try:
            raw = await read_status()
            from kyphos.protocol.frames import decode_frame

            frame, _ = decode_frame(raw)
            return isinstance(frame.payload, Status) and bool(frame.payload.flags & STATUS_TRUSTED)
        except Exception:
            return False

    async def require_secure(self, what: str) -> None:
        """Refuse ``what`` unless the link is trusted. An encrypted link whose STATUS says
        "not trusted" is asked again for up to 0.5 s: right after a bonded host reconnects,
        the board rewrites its status characteristic on the link pass after the encryption
        change (firmware/app.py ``_links``, every ``_LINK_MS``), so a read racing it, or a
        stalled board, can still show the link's flags from before."""
        secure = await self.link_secure()
        for _ in range(_STALE_READS if not secure and self.transport.encrypted else 0):
            await asyncio.sleep(0.1)
            if secure := await self.link_secure():
                break
        if not secure:
            raise LinkError(
                self.name, f"will not {what} over an unencrypted Bluetooth link, or one paired "
                "without the board's button",
                "pair first: press the board's button, then kyphos pair --device TARGET (or "
                "connect by USB serial)",
            )

    async def pair(self) -> None:
        """Bond with LE Secure Connections (BLE). The board accepts pairing only while its
        pairing window is open: press its button once (or send PAIR from a trusted link)."""
        t = self.transport
        pair = getattr(t, "pair", None)
        if pair is None or (t.kind is TransportKind.SIM and getattr(t, "via", "") == "serial"):
            raise LinkError(self.name, "pairing is for Bluetooth links", "USB serial needs no pairing")
        await pair()
        for _ in range(10):  # the board updates STATUS within a link pass of the pairing
            if await self.link_secure():
                return
            await asyncio.sleep(0.1)
        raise LinkError(self.name, "paired, but the board does not trust this pairing (made "
                        "without its button, or not encrypted)",
                        "press the board's button, remove the board in the system's Bluetooth "
                        "settings, and pair again within 60 s")
