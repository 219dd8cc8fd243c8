# mypy: ignore-errors
# ruff: noqa: UP031, I001
# (MicroPython code: %-formatting and imports in boot order, as in firmware/)
# The MicroPython side of the bridge to the virtual board (runs on the MicroPython unix port).
#
# One AF_UNIX stream socket to the host process (kyphos.sim.upy.board); every call is one
# request and one answer, blocking, as an I2C transfer blocks on the board:
#
#   request  <BBHHHQ op, a, b, c, n, t   then n bytes of data; t = time.ticks_us() when the
#                    call was made (CLOCK_MONOTONIC on the unix port, ports/unix/unix_mphal.c),
#                    so the chip models run to the moment of the call, not of its arrival
#   answer   <BBH    errno (0 = ok; 255 ValueError, 254 RuntimeError: text in the data), 0, n
#
# Buffers are made once: a call allocates nothing unless it returns new bytes (only the
# start-up calls do) or raises. The unix port's stream readinto()/write() loop until the whole
# buffer is done (py/stream.c mp_stream_rw without MP_STREAM_RW_ONCE).
import socket
import struct
import time

# ops (kyphos.sim.upy.bridge has the same table)
I2C_READ = 1
I2C_WRITE = 2
I2C_SCAN = 3
I2C_READFROM = 4
I2C_WRITETO = 5
CALL = 6  # a = class, b = object id, c = method; data = int32 arguments; answer = int32
BYTES = 7  # a = what; answer = raw bytes
NOTE = 8  # a = what; data = text or int32s (reports to the host)

NONE = -2147483648  # None as an int32 argument or answer
# CALL classes
PIN = 1
PWM = 2
ADC = 3
WDT = 4
MACH = 5
ESP = 6
BOARD = 7

_s = None
_hdr = bytearray(16)
_ans = bytearray(4)
_args = bytearray(4 * 8)
_argv = memoryview(_args)
_out = bytearray(256)
_outv = memoryview(_out)


def connect(path):
    global _s
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    # struct sockaddr_un: sa_family (host byte order), then the NUL-terminated path
    s.connect(struct.pack("H", socket.AF_UNIX) + path.encode() + b"\0")
    _s = s


def _send(op, a, b, c, data, n):
    struct.pack_into("<BBHHHQ", _hdr, 0, op, a, b, c, n, time.ticks_us())
    _s.write(_hdr)
    if n:
        _s.write(data, n)
    _s.readinto(_ans)
    return _ans[2] | (_ans[3] << 8)


def _fail():
    e = _ans[0]
    if e >= 254:  # the host's model raised something else than OSError: its text follows
        text = bytes(_outv[:_ans[2] | (_ans[3] << 8)]).decode()
        raise ValueError(text) if e == 255 else RuntimeError(text)
    raise OSError(e)


def xfer(op, a, b, c, data=None, into=None):
    """An I2C-style transfer: data out (buffer or None), answer into `into` (its length)."""
    n = _send(op, a, b, c, data, 0 if data is None else len(data))
    if n:
        _s.readinto(_out if (_ans[0] or into is None) else into, n)  # an error's text: _out
    if _ans[0]:
        _fail()
    return n


def call(cls, oid, method, nargs=0, a0=0, a1=0, a2=0, a3=0):
    """An int32 call on a host object (up to 4 arguments, None allowed); returns an int or
    None. Fixed arguments, no *args: a varargs tuple would be a heap allocation per call."""
    struct.pack_into("<iiii", _args, 0, NONE if a0 is None else a0, NONE if a1 is None else a1,
                     NONE if a2 is None else a2, NONE if a3 is None else a3)
    n = _send(CALL, cls, oid & 0xFFFF, method, _argv, 4 * nargs)
    if n:
        _s.readinto(_out, n)
    if _ans[0]:
        _fail()
    v = _out[0] | (_out[1] << 8) | (_out[2] << 16) | (_out[3] << 24)
    if v & 0x80000000:
        v -= 0x100000000
    return None if v == NONE else v


def get_bytes(what, arg=0):
    struct.pack_into("<i", _args, 0, arg)
    n = _send(BYTES, what, 0, 0, _argv, 4)
    if n:
        _s.readinto(_out, n)
    if _ans[0]:
        _fail()
    return bytes(_outv[:n])


def note(what, data):
    """Report to the host: `data` is bytes/str or a tuple of ints."""
    if isinstance(data, tuple):
        i = 0
        for v in data:
            struct.pack_into("<i", _args, i, v)
            i += 4
        _send(NOTE, what, 0, 0, _argv, i)
    else:
        if isinstance(data, str):
            data = data.encode()
        _send(NOTE, what, 0, 0, data, len(data))
    if _ans[2] | (_ans[3] << 8):
        _s.readinto(_out, _ans[2] | (_ans[3] << 8))
