"""USB serial transport: pyserial plus the protocol's framing (COBS(frame + CRC-16) + 0x00).

A reader thread does blocking reads and hands the bytes to the event loop (it only queues);
packets are split, checked and decoded when the consumer takes frames. A packet whose COBS,
CRC or frame fails, or that holds more than one frame (docs/protocol.md section 4), is dropped
and counted (``counters.corrupt``); the stream resyncs at the next 0x00.
"""

from __future__ import annotations

import errno
import threading
from typing import Any

from kyphos.errors import FrameError
from kyphos.protocol.serial import decode_packet_raw, serial_packet
from kyphos.transport.base import LinkError, Received, Transport, TransportKind

_READ_TIMEOUT_S = 0.05
_MAX_PACKET = 2048


def _open_error(port: str, exc: BaseException) -> LinkError:
    """A one-line error for a port that cannot be opened, with what to do."""
    code = getattr(exc, "errno", None)
    text = str(exc)
    if code == errno.EACCES or "Permission denied" in text:
        return LinkError(
            port,
            "permission denied on the serial port",
            "add yourself to the dialout group (sudo usermod -aG dialout $USER) and log in again",
        )
    if code == errno.ENOENT or "No such file" in text or "could not open port" in text and (
        "FileNotFoundError" in text or "cannot find" in text
    ):
        return LinkError(
            port, "no such serial port", "is the board plugged in? `kyphos scan` lists ports"
        )
    if code == errno.EBUSY or "busy" in text.lower():
        return LinkError(port, "serial port is busy", "close the other program that uses it")
    return LinkError(port, f"cannot open serial port ({text})", "check the cable and the port name")


class SerialTransport(Transport):
    kind = TransportKind.SERIAL

    def __init__(self, port: str, *, baudrate: int = 115200, **_: Any) -> None:
        super().__init__(port)
        self.port = port
        self.baudrate = baudrate  # ignored by USB CDC; a real UART bridge would need it
        self._serial: Any = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._buf = bytearray()

    async def _open(self) -> None:
        import serial

        try:
            self._serial = serial.Serial(self.port, self.baudrate, timeout=_READ_TIMEOUT_S)
        except (OSError, serial.SerialException) as exc:
            raise _open_error(self.port, exc) from None
        self._buf.clear()
        self._stop.clear()
        self._thread = threading.Thread(target=self._reader, name=f"kyphos-serial-{self.port}",
                                        daemon=True)
        self._thread.start()

    def _reader(self) -> None:
        s = self._serial
        while not self._stop.is_set():
            try:
                data = s.read(max(1, s.in_waiting))
            except Exception:  # unplugged: SerialException / OSError EIO
                if not self._stop.is_set() and self._loop is not None and not self._loop.is_closed():
                    self._loop.call_soon_threadsafe(self._lost)
                return
            if data:
                self._enqueue_threadsafe(data)

    async def _close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1.0)
            self._thread = None
        if self._serial is not None:
            try:
                self._serial.close()
            except Exception:
                pass
            self._serial = None

    async def _write(self, frame: bytes) -> None:
        try:
            self._serial.write(serial_packet(frame))
        except Exception as exc:
            self._lost()
            raise LinkError(self.port, f"write failed ({exc})", "is the board still plugged in?") from None

    def _decode(self, host_us: int, data: bytes) -> list[Received]:
        buf = self._buf
        buf += data
        out: list[Received] = []
        start = 0
        while True:
            end = buf.find(0, start)
            if end < 0:
                break
            if end > start:
                out += self._packet(host_us, bytes(buf[start:end]))
            start = end + 1
        del buf[:start]
        if len(buf) > _MAX_PACKET:  # no delimiter for too long: garbage, resync later
            self.counters.corrupt += 1
            buf.clear()
        self.counters.frames_in += len(out)
        return out

    def _packet(self, host_us: int, packet: bytes) -> list[Received]:
        try:
            raw, frame = decode_packet_raw(packet)
        except FrameError:
            self.counters.corrupt += 1
            return []
        return [Received(host_us, raw, frame)]


def list_ports() -> list[dict[str, str]]:
    """Serial ports that may be a board: device, description, hardware id."""
    from serial.tools import list_ports as lp

    return [
        {"device": p.device, "description": p.description or "", "hwid": p.hwid or ""}
        for p in lp.comports()
    ]
