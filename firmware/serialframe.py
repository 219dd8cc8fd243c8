# USB serial framing (docs/protocol.md section 4): frame + CRC-16/CCITT-FALSE (u16 LE),
# COBS-encoded, terminated by one 0x00. Encoding writes into a caller's buffer; the deframer
# reassembles incoming bytes in its own preallocated buffer. No allocation per frame or byte.
from array import array

from micropython import const

_HEADER_LEN = const(10)
_MAX_PAYLOAD = const(1024)
MAX_FRAME = const(1034)  # header + largest payload
# frame + CRC (1036 bytes) + one COBS code byte per started 254-byte block (5) + the 0x00
MAX_PACKET = const(1042)


def _make_table():
    t = array("H", [0] * 256)
    for i in range(256):
        c = i << 8
        for _ in range(8):
            c = ((c << 1) ^ 0x1021) if c & 0x8000 else (c << 1)
        t[i] = c & 0xFFFF
    return t


_CRC_TABLE = _make_table()


def crc16(buf, start, end, crc=0xFFFF):
    """CRC-16/CCITT-FALSE of buf[start:end] (poly 0x1021, init 0xFFFF, no reflection, no xor)."""
    t = _CRC_TABLE
    for i in range(start, end):
        crc = ((crc << 8) & 0xFFFF) ^ t[((crc >> 8) ^ buf[i]) & 0xFF]
    return crc


_tail = bytearray(2)  # the CRC of the packet being encoded


def encode_packet(src, start, end, dst, doff):
    """Write the serial packet for the frame src[start:end] into dst at doff.

    Appends the CRC (little-endian), COBS-encodes frame + CRC and the 0x00 terminator.
    src is not modified. Returns the offset in dst after the terminator; dst needs
    MAX_PACKET bytes of room for the largest frame.
    """
    crc = crc16(src, start, end)
    _tail[0] = crc & 0xFF
    _tail[1] = crc >> 8
    d = _cobs(src, start, end, _tail, 2, dst, doff)
    dst[d] = 0
    return d + 1


def cobs_encode(src, start, end, dst, doff):
    """COBS-encode src[start:end] into dst at doff (no terminator); returns the end offset."""
    return _cobs(src, start, end, _tail, 0, dst, doff)


def _cobs(src, start, end, tail, ntail, dst, doff):
    # COBS (Cheshire & Baker) over src[start:end] + tail[0:ntail], in the common form where a
    # full 254-byte block that ends the input is not followed by an empty block.
    ci = doff  # where the current block's code byte goes
    d = doff + 1
    code = 1
    i = start
    stop = end + ntail
    while i < stop:
        b = src[i] if i < end else tail[i - end]
        i += 1
        if b == 0:
            dst[ci] = code
            ci = d
            d += 1
            code = 1
        else:
            dst[d] = b
            d += 1
            code += 1
            if code == 0xFF:
                dst[ci] = 0xFF
                if i == stop:
                    return d
                ci = d
                d += 1
                code = 1
    dst[ci] = code
    return d


def cobs_decode(buf, start, end, dst, doff):
    """COBS-decode buf[start:end] (no 0x00 terminator) into dst at doff; may be in place
    (dst is buf, doff <= start). Returns the end offset in dst, or -1 if the input is not
    valid COBS."""
    r = start
    w = doff
    while r < end:
        code = buf[r]
        r += 1
        if code == 0 or r + code - 1 > end:
            return -1
        for _ in range(code - 1):
            b = buf[r]
            if b == 0:
                return -1
            dst[w] = b
            w += 1
            r += 1
        if code != 0xFF and r < end:
            dst[w] = 0
            w += 1
    return w


class Deframer:
    """Reassembles frames from serial bytes.

    feed(data) calls on_frame(buf, n) for every packet that decodes, passes its CRC and whose
    header length matches: the frame (without CRC) is buf[0:n], valid only during the call.
    Damaged packets are dropped and counted; the deframer resyncs at the next 0x00.
    """

    def __init__(self, on_frame):
        self.on_frame = on_frame
        self._buf = bytearray(MAX_PACKET)
        self._n = 0
        self._overflow = False
        self.frames = 0
        self.crc_errors = 0
        self.cobs_errors = 0  # bad COBS, or longer than the largest frame
        self.length_errors = 0  # shorter than a header, or header len disagrees

    def feed(self, data, n=-1):
        """Feed the first n bytes of data (all of them if n < 0)."""
        if n < 0:
            n = len(data)
        buf = self._buf
        cap = MAX_PACKET - 1
        for i in range(n):
            b = data[i]
            if b != 0:
                if self._n < cap:
                    buf[self._n] = b
                    self._n += 1
                else:
                    self._overflow = True
                continue
            m = self._n
            self._n = 0
            if self._overflow:
                self._overflow = False
                self.cobs_errors += 1
            elif m:
                self._packet(m)

    def _packet(self, m):
        buf = self._buf
        n = cobs_decode(buf, 0, m, buf, 0)
        if n < 0:
            self.cobs_errors += 1
            return
        if n < _HEADER_LEN + 2:
            self.length_errors += 1
            return
        n -= 2
        if crc16(buf, 0, n) != buf[n] | (buf[n + 1] << 8):
            self.crc_errors += 1
            return
        if buf[2] | (buf[3] << 8) != n - _HEADER_LEN or n - _HEADER_LEN > _MAX_PAYLOAD:
            self.length_errors += 1
            return
        self.frames += 1
        self.on_frame(buf, n)
