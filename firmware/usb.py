# USB serial link: the same frames as BLE, each one CRC-16 + COBS framed (docs/protocol.md
# section 4), so a board streams without BLE. Commands arrive the same way.
#
#   s = Serial(reader, writer, ring)   # reader.readinto(buf) -> n, 0 or None, never blocking;
#                                      # writer.write(buf) -> bytes written (or None = all)
#   s.poll()          # read what arrived; whole CMD frames are queued in s.commands
#   s.put(frame)      # queue one frame (encoded into the ring: no allocation)
#   await s.send(buf, n)
#   s.pump(t_ms)      # write queued packets to the writer; notices a host that went away
#
# On a board, reader and writer are BoardStdio(): sys.stdin/sys.stdout through select.poll,
# with Ctrl-C disabled while kyphos owns the port (a CMD frame may contain 0x03). The REPL
# stays reachable: "\r\x03" or "\x03\x03" at a packet boundary (what mpremote and a person at
# a terminal send; never the start of a valid packet) raises KeyboardInterrupt, which stops the
# application. The virtual board passes any objects with these two methods (e.g. a
# pseudo-terminal's non-blocking file descriptor).
#
# A host that goes away (or opens the port and never reads) must cost the sample loop nothing:
# BoardStdio.write only writes what the USB FIFO takes now (and says when a write had to wait),
# and pump() counts how long nothing could be written while packets wait. A write that waited,
# or HOST_GONE_MS without progress, means the host is gone: connected clears, streaming to it
# stops (the host sends START again) and the queued packets are dropped (counted in `gone`).
# A host that does not stream and has sent nothing for HOST_IDLE_MS counts as gone too (it no
# longer keeps the board awake); one that streams from a port it closed is not noticed on a
# native USB port, which takes writes whether or not the port is open.
import serialframe
from micropython import const
from time import ticks_diff, ticks_ms

_RX = const(256)
_MAX_COMMANDS = const(4)
_SEND_WAIT_MS = const(5000)  # ble.py's: longest wait for room for a command answer
_HOST_GONE_MS = const(3000)  # nothing written for this long while packets wait: host gone
_HOST_IDLE_MS = const(60000)  # no frame from a host that does not stream: no longer connected
_USB_PIECE = const(64)  # a full-speed USB CDC packet: the FIFO frees space in these steps
_BLOCKED_MS = const(50)  # a piece of _USB_PIECE bytes that took this long waited for the host


class Serial:
    def __init__(self, reader, writer, ring):
        self.link = "usb"
        self.reader = reader
        self.writer = writer
        self.ring = ring
        self.mtu = 0
        self.streams = 0
        self.connected = False  # a host has sent a valid frame and has not gone away since
        self.gone = 0  # times the host stopped reading (HOST_GONE_MS) and was dropped
        self._stalled_at = -1  # ticks_ms when writing stopped making progress; -1 = it does
        self._last_rx = 0  # ticks_ms of the last valid frame from the host
        self.commands = []
        self.lost = 0  # frames refused: ring full (the host is not reading)
        self.escapes = 0
        self._rx = bytearray(_RX)
        self._deframer = serialframe.Deframer(self._on_frame)
        self._boundary = True  # the next byte starts a packet
        self._ctrl = 0  # 0x0D or 0x03 seen at a boundary

    # --- link interface (commands.py, app.py) ------------------------------------------
    def trusted(self):
        return True  # physical access

    def refusal(self):
        return ""  # never refused

    def mtu_ok(self):
        return True

    def limit(self):
        return serialframe.MAX_FRAME

    @property
    def crc_errors(self):
        d = self._deframer
        return d.crc_errors + d.cobs_errors + d.length_errors

    def put(self, frame, n=-1):
        """Queue frame[0:n] (all of it if n < 0) as one serial packet; False if no room, or
        no host is connected."""
        if not self.connected and not self.streams:
            return False  # no host (never came, or went away): nothing to queue for
        if n < 0:
            n = len(frame)
        ring = self.ring
        off = ring.reserve(n + n // 254 + 4)
        if off < 0:
            self.lost += 1
            return False
        end = serialframe.encode_packet(frame, 0, n, ring.buf, off)
        ring.commit(off, end - off)
        return True

    async def send(self, buf, n):
        from ble import sleep_ms

        waited = 0
        while not self.put(buf, n):
            if waited >= _SEND_WAIT_MS:
                return False  # nobody reads the port (counted in lost)
            self.lost -= 1  # a wait, not a loss
            self.pump()
            await sleep_ms(5)
            waited += 5
        return True

    def pump(self, t_ms=-1):
        """Write what the writer takes now; returns bytes written. If nothing could be written
        for _HOST_GONE_MS while packets wait, the host is gone (see the top of this file)."""
        ring = self.ring
        total = 0
        blocked = False
        while ring.used:
            off, n = ring.run()
            w = self.writer.write(ring.mv[off:off + n])
            if getattr(self.writer, "blocked", False):
                blocked = True
            if w is None:
                w = n
            if w <= 0:
                break
            ring.drop(w)
            total += w
            if w < n or blocked:
                break
        if blocked:
            self._stalled_at = -1
            self.host_gone()  # a write had to wait for the host: it does not read
            return total
        t = ticks_ms() if t_ms < 0 else t_ms
        if self.connected and not self.streams and ticks_diff(t, self._last_rx) >= _HOST_IDLE_MS:
            # A host that sent a command once and closed the port (a native USB port takes
            # writes whether or not anyone has it open): it no longer keeps the board awake.
            self.connected = False
        if total or not ring.used:
            self._stalled_at = -1
            return total
        if self._stalled_at < 0:
            self._stalled_at = t
        elif ticks_diff(t, self._stalled_at) >= _HOST_GONE_MS:
            self._stalled_at = -1
            self.host_gone()
        return 0

    def host_gone(self):
        """Nobody reads the port: stop streaming to it and forget what waits for it."""
        self.connected = False
        self.streams = 0
        self.ring.clear()
        self.gone += 1

    # --- input ---------------------------------------------------------------------------
    def poll(self):
        """Read and deframe what has arrived; returns the byte count."""
        n = self.reader.readinto(self._rx)
        if not n:
            return 0
        rx = self._rx
        for i in range(n):
            b = rx[i]
            if self._ctrl:
                if b == 3:
                    self.escapes += 1
                    raise KeyboardInterrupt
                self._ctrl = 0
            elif self._boundary and (b == 0x0D or b == 3):
                self._ctrl = b
            self._boundary = b == 0
        self._deframer.feed(rx, n)
        return n

    def _on_frame(self, buf, n):
        self.connected = True
        self._stalled_at = -1
        self._last_rx = ticks_ms()
        if buf[1] == 0x10 and len(self.commands) < _MAX_COMMANDS:  # CMD
            self.commands.append((self, bytes(buf[:n])))


class BoardStdio:
    """sys.stdin / sys.stdout of a MicroPython board as a non-blocking reader and writer.

    Writing never waits for the host. On a board's native USB (TinyUSB CDC,
    shared/tinyusb/mp_usbd_cdc.c) a write to a port the host has open but does not read blocks
    up to MICROPY_HW_USB_CDC_TX_TIMEOUT (500 ms) per call, stalling every task; poll() reports
    POLLOUT only while the FIFO has room (mp_usbd_cdc_poll_interfaces). So write() hands over
    _USB_PIECE bytes at a time, each only after POLLOUT, and returns what it wrote (0: none).
    Some ports report POLLOUT always (ports/esp32/mphalport.c mp_hal_stdio_poll, before the
    shared TinyUSB code), so a piece that still took _BLOCKED_MS or more sets `blocked`: a
    reading host takes 64 bytes in well under a millisecond, and Serial.pump drops the host.
    """

    def __init__(self, stdin=None, stdout=None, poll=None):
        import select
        import sys

        import micropython

        sin = sys.stdin if stdin is None else stdin
        sout = sys.stdout if stdout is None else stdout
        mk = select.poll if poll is None else poll
        self._in = getattr(sin, "buffer", sin)
        self._out = getattr(sout, "buffer", sout)
        self._poll = mk()
        self._poll.register(sin, select.POLLIN)
        self._wpoll = mk()
        self._wpoll.register(sout, select.POLLOUT)
        self.blocked = False  # the last write waited for the host (Serial.pump: host gone)
        self._one = bytearray(1)
        micropython.kbd_intr(-1)  # raw bytes; Serial.poll gives the REPL escape

    def _ready(self):
        for _ in self._poll.ipoll(0):  # ipoll: no list per call
            return True
        return False

    def readinto(self, buf):
        n = 0
        while n < len(buf) and self._ready():
            if not self._in.readinto(self._one):
                break
            buf[n] = self._one[0]
            n += 1
        return n

    def _writable(self):
        for _ in self._wpoll.ipoll(0):
            return True
        return False

    def write(self, data):
        n = len(data)
        done = 0
        mv = memoryview(data)
        self.blocked = False
        while done < n and self._writable():
            k = n - done
            if k > _USB_PIECE:
                k = _USB_PIECE
            t0 = ticks_ms()
            w = self._out.write(mv[done:done + k])
            if ticks_diff(ticks_ms(), t0) >= _BLOCKED_MS:
                self.blocked = True
            if w is None:
                w = k
            if w <= 0:
                break
            done += w
            if w < k or self.blocked:
                break
        return done

    def close(self):
        import micropython

        micropython.kbd_intr(3)

