"""Link security: whether the link may change or erase the board's state (USB and replay are
trusted; BLE only when encrypted), and bonding with LE Secure Connections (``kyphos pair``)."""

from __future__ import annotations

from kyphos.link.receiver import Receiver
from kyphos.protocol.constants import STATUS_ENCRYPTED
from kyphos.protocol.frames import Status
from kyphos.transport.base import LinkError, TransportKind


class Pairing(Receiver):
    """Security checks and pairing of :class:`kyphos.link.Device`."""

    async def link_secure(self) -> bool:
        """USB and replay links are trusted; BLE only when encrypted (the backend says so, or
        the board's STATUS flags do)."""
        t = self.transport
        kind = t.kind
        if kind is TransportKind.SIM:
            kind = TransportKind.SERIAL if getattr(t, "via", "") == "serial" else TransportKind.BLE
        if kind is not TransportKind.BLE:
            return True
        if t.encrypted:
            return True
        read_status = getattr(t, "read_status", None)
        if read_status is None:
            return False
        try:
            raw = await read_status()
            from kyphos.protocol.frames import decode_frame

            frame, _ = decode_frame(raw)
            return isinstance(frame.payload, Status) and bool(frame.payload.flags & STATUS_ENCRYPTED)
        except Exception:
            return False

    async def require_secure(self, what: str) -> None:
        if not await self.link_secure():
            raise LinkError(
                self.name, f"will not {what} over an unencrypted Bluetooth link",
                "pair first: kyphos pair --device TARGET (or connect by USB serial)",
            )

    async def pair(self) -> None:
        """Bond with LE Secure Connections (BLE). The board accepts pairing only while its
        pairing window is open: press its button once (or send PAIR from a trusted link)."""
        t = self.transport
        pair = getattr(t, "pair", None)
        if pair is None or (t.kind is TransportKind.SIM and getattr(t, "via", "") == "serial"):
            raise LinkError(self.name, "pairing is for Bluetooth links", "USB serial needs no pairing")
        await pair()
        if not await self.link_secure():
            raise LinkError(self.name, "paired, but the link is not encrypted",
                            "remove the board in the system's Bluetooth settings and pair again")
