"""The one exception family kyphos raises; the CLI prints these as one line."""

from __future__ import annotations


class KyphosError(Exception):
    """Root of every error kyphos raises on purpose."""


class FrameError(KyphosError, ValueError):
    """A frame, packet or record could not be decoded.

    ``offset`` is the byte offset of the problem in the input that was being decoded.
    """

    def __init__(self, reason: str, offset: int = 0) -> None:
        self.reason = reason
        self.offset = offset
        super().__init__(f"{reason} at byte {offset}")


class RecordingError(KyphosError):
    """A recording file cannot be read or written (not a .kyr file, bad header, disk full)."""


class ConfigError(KyphosError, ValueError):
    """A configuration key is unknown or its value is out of range."""
