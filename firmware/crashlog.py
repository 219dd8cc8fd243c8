# The last crash's traceback, kept on flash and reported on the next connection.
#
#   crashlog.save(exc, path)   # from main.py's except clause: the traceback, written with
#                              # sys.print_exception, replaces any earlier one (temp + rename)
#   crashlog.present(path)     # STATUS flags bit10 "crash log present"
#   crashlog.read(path)        # bytes for GET_CRASH (b"" if none)
#   crashlog.mark_reported(path)   # after GET_CRASH answered: kept as path + ".old", flag off
#
# Saving must work when little else does (out of memory, filesystem trouble): it allocates
# little, never raises, and clips the text to MAX_BYTES.
import io
import os
import sys

from micropython import const

PATH = "/crash.txt"
_MAX_BYTES = const(1000)  # one ACK on USB; GET_CRASH over BLE sends it in ACK parts


def _print_exception(exc, stream):
    pe = getattr(sys, "print_exception", None)
    if pe is not None:
        pe(exc, stream)  # MicroPython
        return
    import traceback  # type: ignore[import-not-found]  # CPython (the virtual board)

    stream.write("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))


def save(exc, path=PATH, header=""):
    """Write exc's traceback (after an optional header line) to path. Returns True if saved."""
    tmp = path + ".tmp"
    try:
        try:
            buf = io.StringIO()
            if header:
                buf.write(header + "\n")
            _print_exception(exc, buf)
            text = buf.getvalue().encode()
            with open(tmp, "wb") as f:
                f.write(text[:_MAX_BYTES])
        except MemoryError:  # no heap for the text: print straight into the file
            with open(tmp, "w") as f:
                _print_exception(exc, f)
        try:
            os.remove(path)
        except OSError:
            pass
        os.rename(tmp, path)
        return True
    except Exception:  # a crash handler must not crash
        return False


def present(path=PATH):
    try:
        os.stat(path)
        return True
    except OSError:
        return False


def read(path=PATH):
    try:
        with open(path, "rb") as f:
            return f.read(_MAX_BYTES)
    except OSError:
        return b""


def mark_reported(path=PATH):
    """Keep the report as path + '.old' (one generation) so the flag goes off."""
    try:
        try:
            os.remove(path + ".old")
        except OSError:
            pass
        os.rename(path, path + ".old")
    except OSError:
        pass
