# Checks for firmware/lazy.py (issue 14 item 9, heap): a rare command imports its module on
# first use (cmdstore, config, logread), the housekeeping's drop_idle forgets it after IDLE_MS
# unused, and the command answers the same after the drop (imported again). Run on CPython with
# the shims and on real MicroPython (WebAssembly). That the drop gives the heap back is checked
# on the MicroPython unix port, whose gc.mem_alloc() is a board's: tests/test_upy_lazy_heap.py.
import sys
from struct import pack, unpack_from

import checkenv
import commands
import frametools
import lazy
from cmdenv import _Dev, _drive, _Link

from time import ticks_add, ticks_ms

_RARE = ("cmdstore", "config", "logread", "kyrfile")


def _forget_all():
    for name in lazy.loaded() + list(_RARE):  # other checks' devices may have used some
        lazy.drop(name)


def _answer(cmds, link, op, args=b""):
    payload = pack("<HB", 7, op) + args
    f = pack("<BBHHI", 1, frametools.CMD, len(payload), 0, 0) + payload
    before = len(link.sent)
    _drive(cmds.handle(link, f, len(f)))
    a = link.sent[-1]
    assert len(link.sent) == before + 1 and a[1] == frametools.ACK, (op, link.sent[before:])
    return bytes(a[13:10 + unpack_from("<H", a, 2)[0]])


def _setup():
    dev = _Dev(checkenv.tmpdir("check_lazy"))
    return commands.Commands(dev), _Link("usb")


def check_a_rare_command_imports_its_module_then_it_is_dropped_and_imported_again():
    cmds, link = _setup()
    _forget_all()
    assert lazy.loaded() == [] and "cmdstore" not in sys.modules and "config" not in sys.modules
    first = _answer(cmds, link, frametools.OP_CONFIG_GET)
    assert b'"odr_hz":104' in first
    assert lazy.loaded() == ["cmdstore", "config"], lazy.loaded()
    lazy.drop_idle(ticks_ms())  # just used: kept
    assert "config" in sys.modules and "cmdstore" in sys.modules
    lazy.drop_idle(ticks_add(ticks_ms(), lazy.IDLE_MS))
    assert lazy.loaded() == [] and "config" not in sys.modules and "cmdstore" not in sys.modules
    assert _answer(cmds, link, frametools.OP_CONFIG_GET) == first  # imported again
    assert _answer(cmds, link, frametools.OP_LOG_LIST) == b"[]"
    assert "logread" in lazy.loaded()
    lazy.drop_idle(ticks_add(ticks_ms(), lazy.IDLE_MS))
    assert lazy.loaded() == []
