"""Incremental decoder for a plain byte stream of frames back to back (no serial framing),
e.g. notification payloads joined together or a LOG_CHUNK's data."""

from __future__ import annotations

from collections.abc import Iterator

from kyphos.errors import FrameError
from kyphos.protocol.constants import HEADER_SIZE
from kyphos.protocol.frames import Frame, check_header, decode_frame


class StreamDecoder:
    """Feed bytes, get whole frames; a partial frame waits in the buffer for more bytes.

    ``feed(data)`` returns an iterator of the frames completed so far. On a damaged frame it
    raises FrameError (offset counted from the start of the stream) after yielding every good
    frame before it; the decoder has then skipped one byte, so calling ``feed(b"")`` again goes
    on scanning for the next valid frame. Iterate each ``feed`` result before the next
    ``feed``: the frames are taken out of the buffer as they are yielded.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self._base = 0  # stream offset of _buf[0]

    @property
    def pending(self) -> int:
        """Bytes buffered that do not yet make a whole frame."""
        return len(self._buf)

    def feed(self, data: bytes | bytearray | memoryview = b"") -> Iterator[Frame]:
        self._buf += data
        return self._drain()

    def _drain(self) -> Iterator[Frame]:
        buf = self._buf
        pos = 0
        try:
            while len(buf) - pos >= HEADER_SIZE:
                try:
                    _t, length = check_header(buf, pos)
                    if len(buf) - pos < HEADER_SIZE + length:
                        break
                    frame, end = decode_frame(buf, pos)
                except FrameError as exc:
                    bad = self._base + exc.offset
                    reason = exc.reason
                    pos += 1  # resync: next call scans from the following byte
                    raise FrameError(reason, bad) from None
                pos = end
                yield frame
        finally:
            del buf[:pos]
            self._base += pos
