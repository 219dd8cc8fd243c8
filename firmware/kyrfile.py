# The .kyr recording file (docs/protocol.md section 5): file header and records with CRC-32
# (zlib's). The board's flash logger writes its logs with it; the host reads them with the
# same loader as its own recordings. Records are built in the caller's buffer, in place.
from struct import pack_into, unpack_from

from micropython import const

MAGIC = b"\x89KYR\r\n\x1a\n"
VERSION = const(1)
RECORD_OVERHEAD = const(12)  # i64 host_us before the frame, u32 CRC after it
DEVICE_HOST_US = const(-1)  # host_us of records the device writes to its own flash
_FRAME_HEADER = const(10)
_MAX_PAYLOAD = const(1024)

try:
    from binascii import crc32 as _crc32

    _HAVE_CRC32 = True
except ImportError:  # a build without binascii.crc32: crc32_sw gives the same result
    _HAVE_CRC32 = False

_table = None


def crc32(buf, start=0, end=-1, crc=0):
    """CRC-32 (zlib.crc32) of buf[start:end], continuing from crc."""
    if end < 0:
        end = len(buf)
    if not _HAVE_CRC32:
        return crc32_sw(buf, start, end, crc)
    if start == 0 and end == len(buf):
        return _crc32(buf, crc)
    if not isinstance(buf, memoryview):
        buf = memoryview(buf)
    return _crc32(buf[start:end], crc)


def crc32_sw(buf, start, end, crc=0):
    """Table-driven CRC-32, equal to zlib.crc32 (the table is built on first use)."""
    global _table
    t = _table
    if t is None:
        from array import array

        t = array("I", [0] * 256)
        for i in range(256):
            c = i
            for _ in range(8):
                c = (c >> 1) ^ 0xEDB88320 if c & 1 else c >> 1
            t[i] = c
        _table = t
    c = crc ^ 0xFFFFFFFF
    for i in range(start, end):
        c = t[(c ^ buf[i]) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


_tlo = None
_thi = None


def crc32_into(buf, start, end, out, at):
    """Write the CRC-32 (zlib.crc32) of buf[start:end] little-endian at out[at:at + 4].

    Table-driven, with the 32-bit register kept as two 16-bit halves: no value ever reaches
    2**30, so nothing is allocated on any port (binascii.crc32 returns a heap-allocated big int
    for results >= 2**30 on 32-bit ports: ~3 in 4 records). Not used by the flash log: it is
    ~100x slower than binascii.crc32 (bench/bench_flashlog_crc.py, docs/firmware.md), which
    costs more than collecting ~16 bytes of garbage per record. Kept for a port whose
    binascii has no crc32, and measured so the choice can be revisited."""
    global _tlo, _thi
    tlo = _tlo
    thi = _thi
    if tlo is None:
        from array import array

        tlo = array("H", bytes(512))
        thi = array("H", bytes(512))
        for i in range(256):
            lo = i
            hi = 0
            for _ in range(8):  # the reflected polynomial 0xEDB88320 as 0xEDB8, 0x8320
                if lo & 1:
                    lo = ((lo >> 1) | ((hi & 1) << 15)) ^ 0x8320
                    hi = (hi >> 1) ^ 0xEDB8
                else:
                    lo = (lo >> 1) | ((hi & 1) << 15)
                    hi >>= 1
            tlo[i] = lo
            thi[i] = hi
        _tlo = tlo
        _thi = thi
    lo = 0xFFFF
    hi = 0xFFFF
    for i in range(start, end):
        k = (lo ^ buf[i]) & 0xFF
        lo = ((lo >> 8) | ((hi & 0xFF) << 8)) ^ tlo[k]
        hi = (hi >> 8) ^ thi[k]
    lo ^= 0xFFFF
    hi ^= 0xFFFF
    out[at] = lo & 0xFF
    out[at + 1] = lo >> 8
    out[at + 2] = hi & 0xFF
    out[at + 3] = hi >> 8


class KyrError(ValueError):
    """A damaged .kyr header or record; the message says what is wrong."""


def header_bytes(header_json):
    """The file's first bytes for a header JSON text (str or UTF-8 bytes)."""
    if isinstance(header_json, str):
        header_json = header_json.encode()
    n = len(header_json)
    out = bytearray(18 + n)
    out[0:8] = MAGIC
    pack_into("<HI", out, 8, VERSION, n)
    out[14 : 14 + n] = header_json
    pack_into("<I", out, 14 + n, crc32(header_json))
    return out


def frame_offset(off):
    """Where the frame of a record starting at off goes (encode it there, then put_record)."""
    return off + 8


def put_record(buf, off, host_us, frame_len):
    """Finish the record at off whose frame (frame_len bytes) is already at off + 8: writes
    host_us (DEVICE_HOST_US on the device) and the CRC. Returns the offset after the record.

    Allocates a little per record on MicroPython: the CRC-32 result is a big int when it is
    2**30 or more, and binascii.crc32 needs a slice (pass buf as a memoryview to save one
    object)."""
    pack_into("<q", buf, off, host_us)
    end = off + 8 + frame_len
    pack_into("<I", buf, end, crc32(buf, off, end))
    return end + 4


def parse_header(buf, end=-1):
    """Validate a file header at buf[0:]; returns (json_start, json_end): the header JSON is
    buf[json_start:json_end] and records start at json_end + 4."""
    if end < 0:
        end = len(buf)
    if end < 18:
        raise KyrError("file shorter than a .kyr header")
    if bytes(buf[0:8]) != MAGIC:
        raise KyrError("not a .kyr file (bad magic)")
    version, n = unpack_from("<HI", buf, 8)
    if version != VERSION:
        raise KyrError("unknown .kyr version %d" % version)
    if 18 + n > end:
        raise KyrError("header runs past the end of the file")
    if unpack_from("<I", buf, 14 + n)[0] != crc32(buf, 14, 14 + n):
        raise KyrError("header CRC mismatch")
    return 14, 14 + n


def parse_record(buf, off, end=-1):
    """Validate the record at buf[off:end]; returns (host_us, frame_len, next_off): the frame
    is buf[off + 8 : off + 8 + frame_len]. Raises KyrError: 'torn' when it runs past end,
    otherwise damage (bad frame header or CRC)."""
    if end < 0:
        end = len(buf)
    if end - off < 8 + _FRAME_HEADER:
        raise KyrError("torn record at %d" % off)
    length = unpack_from("<H", buf, off + 10)[0]
    if buf[off + 8] != 1 or length > _MAX_PAYLOAD:
        raise KyrError("bad frame header in record at %d" % off)
    frame_len = _FRAME_HEADER + length
    stop = off + 8 + frame_len
    if stop + 4 > end:
        raise KyrError("torn record at %d" % off)
    if unpack_from("<I", buf, stop)[0] != crc32(buf, off, stop):
        raise KyrError("record CRC mismatch at %d" % off)
    return unpack_from("<q", buf, off)[0], frame_len, stop + 4
