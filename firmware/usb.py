# USB serial link: the same frames as BLE, each one CRC-16 + COBS framed (docs/protocol.md
# section 4), so a board streams without BLE. Commands arrive the same way.
#
#   s = Serial(reader, writer, ring)   # reader.readinto(buf) -> n, 0 or None, never blocking;
#                                      # writer.write(buf) -> bytes written (or None = all)
#   s.poll()          # read what arrived; whole CMD frames are queued in s.commands
#   s.put(frame)      # queue one frame (encoded into the ring: no allocation)
#   await s.send(buf, n)
#   s.pump()          # write queued packets to the writer
#
# On a board, reader and writer are BoardStdio(): sys.stdin/sys.stdout through select.poll,
# with Ctrl-C disabled while kyphos owns the port (a CMD frame may contain 0x03). The REPL
# stays reachable: "\r\x03" or "\x03\x03" at a packet boundary (what mpremote and a person at
# a terminal send; never the start of a valid packet) raises KeyboardInterrupt, which stops the
# application. The virtual board passes any objects with these two methods (e.g. a
# pseudo-terminal's non-blocking file descriptor).
import serialframe
from micropython import const

_RX = const(256)
_MAX_COMMANDS = const(4)


class Serial:
    def __init__(self, reader, writer, ring):
        self.link = "usb"
        self.reader = reader
        self.writer = writer
        self.ring = ring
        self.mtu = 0
        self.streams = 0
        self.connected = False  # a host has sent a valid frame
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
        """Queue frame[0:n] (all of it if n < 0) as one serial packet; False if no room."""
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
        from ble import SEND_WAIT_MS, sleep_ms

        waited = 0
        while not self.put(buf, n):
            if waited >= SEND_WAIT_MS:
                return False  # nobody reads the port (counted in lost)
            self.lost -= 1  # a wait, not a loss
            self.pump()
            await sleep_ms(5)
            waited += 5
        return True

    def pump(self):
        """Write queued packets; returns bytes written."""
        ring = self.ring
        total = 0
        while ring.used:
            off, n = ring.run()
            w = self.writer.write(ring.mv[off:off + n])
            if w is None:
                w = n
            if w <= 0:
                break
            ring.drop(w)
            total += w
            if w < n:
                break
        return total

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
        if buf[1] == 0x10 and len(self.commands) < _MAX_COMMANDS:  # CMD
            self.commands.append((self, bytes(buf[:n])))


class BoardStdio:
    """sys.stdin / sys.stdout of a MicroPython board as a non-blocking reader and writer."""

    def __init__(self):
        import select
        import sys

        import micropython

        self._in = sys.stdin.buffer
        self._out = sys.stdout.buffer
        self._poll = select.poll()
        self._poll.register(sys.stdin, select.POLLIN)
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

    def write(self, data):
        return self._out.write(data)

    def close(self):
        import micropython

        micropython.kbd_intr(3)

