"""BLE notifications (docs/protocol.md section 3): whole frames only, concatenated.

The device packs frames greedily into notifications of at most ``ATT_MTU − 3`` bytes (182 until
a larger MTU is negotiated); the receiver splits a notification by walking frame headers and
rejects it whole if it does not split exactly.
"""

from __future__ import annotations

from collections.abc import Iterable

from kyphos.errors import FrameError
from kyphos.protocol.constants import BLE_DEFAULT_PAYLOAD
from kyphos.protocol.frames import Frame, decode_frames


def max_notification_payload(att_mtu: int | None) -> int:
    """Bytes per notification: ``ATT_MTU − 3``, or 182 when no MTU has been negotiated."""
    if att_mtu is None:
        return BLE_DEFAULT_PAYLOAD
    return att_mtu - 3


def pack_notifications(
    frames: Iterable[bytes], max_payload: int = BLE_DEFAULT_PAYLOAD
) -> list[bytes]:
    """Concatenate encoded frames, in order, into as few notifications as fit ``max_payload``.

    Raises FrameError if a single frame is larger than ``max_payload`` (it cannot be sent).
    """
    out: list[bytes] = []
    cur = bytearray()
    for i, frame in enumerate(frames):
        if len(frame) > max_payload:
            raise FrameError(
                f"frame {i} of {len(frame)} bytes does not fit a {max_payload}-byte notification",
                0,
            )
        if len(cur) + len(frame) > max_payload:
            out.append(bytes(cur))
            cur.clear()
        cur += frame
    if cur:
        out.append(bytes(cur))
    return out


def split_notification(data: bytes | bytearray | memoryview) -> list[Frame]:
    """The frames in one notification; FrameError (nothing returned) if it is not whole frames."""
    if len(data) == 0:
        raise FrameError("empty notification", 0)
    return decode_frames(data)


class NotificationReceiver:
    """Splits notifications as they arrive, counting (not raising on) corrupt ones."""

    def __init__(self) -> None:
        self.corrupt = 0
        self.last_error: FrameError | None = None

    def feed(self, data: bytes | bytearray | memoryview) -> list[Frame]:
        try:
            return split_notification(data)
        except FrameError as exc:
            self.corrupt += 1
            self.last_error = exc
            return []
