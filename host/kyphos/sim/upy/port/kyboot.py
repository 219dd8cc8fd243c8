# mypy: ignore-errors
# ruff: noqa: UP031, I001
# (MicroPython code: %-formatting and imports in boot order, as in firmware/)
# Boot of the firmware on the MicroPython unix port, in place of the board's main.py (which
# calls app.run() with the filesystem root as the flash): here the flash is a host folder, so
# app.main() gets it as fs_root, as on the CPython virtual board. Everything else is the board's
# path: bluetooth.BLE() is MicroPython's own (NimBLE over HCI on $MICROPYBTUART), asyncio is the
# frozen one, and machine/esp32 are the stand-ins next to this file.
#
#   micropython -X heapsize=120wK kyboot.py SOCKET FS_ROOT WDT_MS [usb] [buffers]
#
# With "usb", stdin/stdout are the board's USB serial (usb.BoardStdio, as app.run() uses);
# with "buffers", the Device's bytearrays/arrays are listed to the host (5 BUFFERS).
#
# Reports to the host over the bridge (kyb.note): 0 READY (device name), 1 HEAP
# (mem_free now, lowest seen, lowest right after a collect, samples, lost, ENOMEM retries,
# IMU FIFO overruns, samples the IMU dropped),
# 2 CRASH (the traceback), 4 FOOTPRINT (stage, mem_alloc after a collect; stage 3 "running"
# every 2 s while the firmware runs: the live heap then, rare commands' modules included).
import gc
import sys
from array import array

import kyb

kyb.connect(sys.argv[1])
FS = sys.argv[2]
WDT_MS = int(sys.argv[3])


def footprint(stage):
    gc.collect()
    kyb.note(4, (stage, gc.mem_alloc(), gc.mem_free()))


import esp32  # noqa: E402,F401 - the stand-ins: built in on a board, counted apart here
import machine  # noqa: E402,F401

footprint(0)  # the interpreter, this runner and the stand-ins
import bluetooth  # noqa: E402

ble = bluetooth.BLE()
import app  # noqa: E402
import asyncio  # noqa: E402
import crashlog  # noqa: E402

footprint(1)  # + the firmware's modules
_dev = [None]
_low = [1 << 30, 1 << 30]


def buffers(dev):
    """'path bytes' lines: every bytearray/array one attribute level below the Device and
    its parts (what the heap bench lists as the Device's big buffers)."""
    out = []
    seen = {}
    todo = [("dev", dev)]
    for name in ("ble", "usb", "log", "cmds", "fusion", "coach", "haptic", "hw", "cfg", "power"):
        o = getattr(dev, name, None)
        if o is not None:
            todo.append(("dev." + name, o))
    for path, o in todo:
        d = getattr(o, "__dict__", None)
        if not d:
            continue
        for k in d:
            v = d[k]
            if isinstance(v, (bytearray, array)) and id(v) not in seen:
                seen[id(v)] = 1
                n = len(v) if isinstance(v, bytearray) else len(bytes(v))
                out.append("%s.%s %d" % (path, k, n))
            elif k == "ring" and hasattr(v, "buf") and id(v.buf) not in seen:
                seen[id(v.buf)] = 1
                out.append("%s.ring.buf %d" % (path, len(v.buf)))
    return "\n".join(out)


def on_device(dev):
    _dev[0] = dev
    footprint(2)  # + the Device, its buffers and the BLE GATT server
    if "buffers" in sys.argv[4:]:
        kyb.note(5, buffers(dev))
    kyb.note(0, dev.name)


def statvfs(path="/"):
    raw = kyb.get_bytes(2)
    out = []
    for i in range(0, 40, 4):
        out.append(raw[i] | (raw[i + 1] << 8) | (raw[i + 2] << 16) | (raw[i + 3] << 24))
    return tuple(out)


async def monitor():
    # The lowest free heap: gc.mem_free() every 20 ms (what is free at that moment, garbage
    # included, as the sample loop would see it) and after a gc.collect() every 2 s (the live
    # data). Reported to the host once a second.
    n = 0
    while True:
        f = gc.mem_free()
        if f < _low[0]:
            _low[0] = f
        n += 1
        if n % 100 == 0:
            gc.collect()
            f = gc.mem_free()
            if f < _low[1]:
                _low[1] = f
            kyb.note(4, (3, gc.mem_alloc(), f))  # footprint "running": what is live now
        if n % 50 == 0:
            d = _dev[0]
            b = d.ble if d is not None else None
            m = d.hw.imu if d is not None else None
            kyb.note(1, (f, _low[0], _low[1], d.samples if d else 0,
                         d.lost_samples if d else 0, b.retried if b is not None else 0,
                         m.overruns if m is not None else 0, m.dropped if m is not None else 0))
        await asyncio.sleep_ms(20)


SERIAL = None
if "usb" in sys.argv[4:]:  # stdin/stdout are the board's USB serial
    import usb

    stdio = usb.BoardStdio()  # as app.run()
    SERIAL = (stdio, stdio)


async def main():
    asyncio.create_task(monitor())
    await app.main(fs_root=FS, serial=SERIAL, ble=ble, wdt_ms=WDT_MS, on_device=on_device,
                   statvfs=statvfs)


try:
    asyncio.run(main())
except Exception as e:  # as main.py: record the crash, then the board resets
    crashlog.save(e, FS + "/crash.txt")
    sys.print_exception(e, sys.stderr)
    import io

    s = io.StringIO()
    sys.print_exception(e, s)
    kyb.note(2, s.getvalue())
    sys.exit(1)
