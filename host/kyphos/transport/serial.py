"""USB serial transport: pyserial plus the protocol's framing (COBS(frame + CRC-16) + 0x00).

A reader thread does blocking reads and hands the bytes to the event loop (it only queues);
packets are split, checked and decoded when the consumer takes frames. With
``read_in_loop=True`` (POSIX; the virtual board's pseudo-terminal) the event loop reads the port
itself instead: a :class:`kyphos.sim.clock.VirtualTimeLoop` in fast mode moves its clock
whenever it has nothing ready, and cannot see bytes a thread has yet to hand over, so a command's
5 s timeout (simulated) could pass in ~20 ms of real time while the reader thread waited for a
CPU on a loaded machine. A packet whose COBS,
CRC or frame fails, or that holds more than one frame (docs/protocol.md section 4), is dropped
and counted (``counters.corrupt``); the stream resyncs at the next 0x00.
"""

from __future__ import annotations

import errno
import os
import threading
from typing import Any

from kyphos.errors import FrameError
from kyphos.protocol.serial import decode_packet_raw, serial_packet
from kyphos.transport.base import LinkError, Received, Transport, TransportKind

_READ_TIMEOUT_S = 0.05
_MAX_PACKET = 2048
_LOOP_READ = 4096  # bytes per read when the loop reads (as kyphos.sim.pty reads its side)


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

    def __init__(self, port: str, *, baudrate: int = 115200, read_in_loop: bool = False,
                 **_: Any) -> None:
        super().__init__(port)
        self.port = port
        self.baudrate = baudrate  # ignored by USB CDC; a real UART bridge would need it
        self.read_in_loop = read_in_loop  # the event loop reads the port, no thread (module doc)
        self._reader_fd: int | None = None
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
        if self.read_in_loop:
            assert self._loop is not None
            self._reader_fd = self._serial.fileno()  # pyserial opens it O_NONBLOCK on POSIX
            self._loop.add_reader(self._reader_fd, self._on_readable)
            return
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

    def _on_readable(self) -> None:
        # read_in_loop: what the port holds now, in the loop's thread (no hand-over to wait for)
        assert self._reader_fd is not None
        try:
            data = os.read(self._reader_fd, _LOOP_READ)
        except BlockingIOError:
            return
        except OSError:  # unplugged (EIO), as the thread's read fails
            self._stop_loop_reader()
            self._lost()
            return
        if data:
            self._enqueue(data)

    def _stop_loop_reader(self) -> None:
        fd, self._reader_fd = self._reader_fd, None
        if fd is not None and self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(fd)

    async def _close(self) -> None:
        self._stop_loop_reader()
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
