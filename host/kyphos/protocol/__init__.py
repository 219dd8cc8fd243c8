"""The kyphos frame protocol of docs/protocol.md, host side.

- :mod:`~kyphos.protocol.frames`: typed payloads, ``encode_frame`` / ``decode_frame``;
- :mod:`~kyphos.protocol.stream`: incremental decoder for frames back to back;
- :mod:`~kyphos.protocol.ble`: packing frames into notifications and splitting them;
- :mod:`~kyphos.protocol.serial`: COBS + CRC-16 framing and an incremental deframer;
- :mod:`~kyphos.protocol.bulk`: vectorised numpy decoding of many frames at once.

Every decoder raises only :class:`kyphos.errors.FrameError` on bad input.
"""

from __future__ import annotations

from kyphos.protocol.ble import NotificationReceiver, pack_notifications, split_notification
from kyphos.protocol.constants import (
    DATA_TYPES,
    HEADER_SIZE,
    MAX_PAYLOAD,
    VERSION,
    EventKind,
    FrameType,
    Opcode,
)
from kyphos.protocol.frames import (
    Ack,
    Cmd,
    Err,
    Event,
    Frame,
    Imu,
    Info,
    LogChunk,
    Note,
    Payload,
    Quat,
    Status,
    decode_frame,
    decode_frames,
    encode_frame,
    make_frame,
)
from kyphos.protocol.serial import SerialDeframer, decode_serial, serial_packet, serial_stream
from kyphos.protocol.stream import StreamDecoder

__all__ = [
    "DATA_TYPES",
    "HEADER_SIZE",
    "MAX_PAYLOAD",
    "VERSION",
    "Ack",
    "Cmd",
    "Err",
    "Event",
    "EventKind",
    "Frame",
    "FrameType",
    "Imu",
    "Info",
    "LogChunk",
    "Note",
    "NotificationReceiver",
    "Opcode",
    "Payload",
    "Quat",
    "SerialDeframer",
    "Status",
    "StreamDecoder",
    "decode_frame",
    "decode_frames",
    "decode_serial",
    "encode_frame",
    "make_frame",
    "pack_notifications",
    "serial_packet",
    "serial_stream",
    "split_notification",
]
