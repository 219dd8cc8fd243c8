# Modules the firmware needs only at boot or for rare commands, imported on first use and
# forgotten when unused, so their bytecode does not hold heap while the board streams (issue 14
# item 9; the figures are in docs/firmware.md, "Heap on real MicroPython").
#
# An imported module stays in sys.modules, and with it every function's bytecode, which on a
# board loaded from a .mpy file lives on the heap (only frozen modules run from flash:
# docs.micropython.org reference/constrained.html, "Frozen bytecode"). Dropping the entry frees
# the bytecode at the next collect once nothing else refers to the module (its qstrs stay:
# MicroPython never frees interned strings). So a lazy module must be stateless: callers keep
# no object of it (no instance of its classes, no function of it) past the call.
#
#   m = lazy.use("logread")     # import (again) if needed; marks it used now
#   lazy.drop("boards")         # forget it now (boot-only modules, after boot)
#   lazy.drop_idle(t_ms)        # forget every module unused for IDLE_MS (housekeeping)
import sys

from micropython import const

from time import ticks_diff, ticks_ms

IDLE_MS = const(15000)  # a download asks LOG_READ every few ms: the module stays meanwhile

_last = {}  # type: dict[str, int]  # module name -> ticks_ms of its last use


def use(name):
    m = __import__(name)
    _last[name] = ticks_ms()
    return m


def drop(name):
    _last.pop(name, None)
    sys.modules.pop(name, None)


def drop_idle(t):
    if not _last:
        return
    for name in list(_last):
        if ticks_diff(t, _last[name]) >= IDLE_MS:
            drop(name)


def loaded():
    """Names of the lazy modules in use now (tests and the heap bench)."""
    return sorted(_last)
