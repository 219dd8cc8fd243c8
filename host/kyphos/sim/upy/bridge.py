"""The host side of the bridge between the firmware on the MicroPython unix port and the
virtual board's hardware models.

The MicroPython stand-ins (``port/machine.py``, ``port/esp32.py``, ``port/kyb.py``) send each
hardware call over an AF_UNIX socket; :class:`Bridge` applies it to the *same* objects the
CPython runtime uses — the ``machine`` and ``esp32`` shims of :mod:`kyphos.sim.shims` with the
chip models of :mod:`kyphos.sim.chips` attached by the board — so one set of rules (and their
cited sources, in those modules' docstrings) holds on both runtimes. The shims' clock is the
board's (real time on the MicroPython runtime).

Wire format (little-endian; ``port/kyb.py`` is the other end)::

    request  <BBHHHQ op, a, b, c, n, t   then n bytes of data (t: the port's ticks_us)
    answer   <BBH    errno (0 = ok; 255 ValueError, 254 other, text in the data), 0, n
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

I2C_READ, I2C_WRITE, I2C_SCAN, I2C_READFROM, I2C_WRITETO, CALL, BYTES, NOTE = range(1, 9)
PIN, PWM, ADC, WDT, MACH, ESP = range(1, 7)
NONE = -(1 << 31)
_REQ = struct.Struct("<BBHHHQ")
_ANS = struct.Struct("<BBH")
_EIO = 5
_EINVAL = 22
ERR_VALUE = 255  # answer status: ValueError(text in the data) on the port
ERR_OTHER = 254  # answer status: RuntimeError(text) on the port

NOTE_READY, NOTE_HEAP, NOTE_CRASH, NOTE_FOOTPRINT, NOTE_BUFFERS = 0, 1, 2, 4, 5
# "running": the latest one, every 2 s while the firmware runs (port/kyboot.py monitor).
FOOTPRINT_STAGES = ("interpreter", "firmware imported", "device built", "running")


@dataclass
class PortState:
    """What the firmware on the port reported (one boot)."""

    name: str | None = None
    mem_free: int = 0
    lowest_free: int | None = None  # lowest gc.mem_free() seen (garbage included)
    lowest_live_free: int | None = None  # lowest gc.mem_free() right after gc.collect()
    samples: int = 0
    lost_samples: int = 0
    retried: int = 0  # gatts_notify ENOMEM retries (ble.Peripheral.retried)
    imu_overruns: int = 0  # IMU FIFO overruns seen by the driver (imu.IMU.overruns)
    imu_dropped: int = 0  # samples the IMU's FIFO lost (imu.IMU.dropped)
    footprint: dict[str, tuple[int, int]] = field(default_factory=dict)  # stage: alloc, free
    crash: str | None = None
    buffers: dict[str, int] = field(default_factory=dict)  # Device buffer path: bytes
    reset: int | None = None  # the method of a machine.reset()/soft_reset()/deepsleep()
    slept_ms: int = 0
    sleeps: int = 0


def _int(v: int) -> int | None:
    return None if v == NONE else v


def _mask_pins(lo: int | None, hi: int | None) -> list[int]:
    if lo is None:
        return []
    pins = [g for g in range(31) if lo >> g & 1]
    pins += [31 + g for g in range(31) if (hi or 0) >> g & 1]
    return pins


class Bridge:
    """Serves one MicroPython process at a time on ``path``; ``on_note`` hears its reports."""

    def __init__(self, path: str, statvfs: Callable[[], tuple[int, ...]],
                 on_reset: Callable[[int], None] | None = None,
                 on_sleep: Callable[[bool], None] | None = None,
                 on_first_i2c: Callable[[], None] | None = None,
                 io_time: Callable[[int | None], None] | None = None) -> None:
        self.path = path
        self.on_first_i2c = on_first_i2c  # called once, before the first I2C write
        self.io_time = io_time  # told the request's ticks_us before each call, None after
        self.statvfs = statvfs
        self.state = PortState()
        self.on_reset = on_reset
        self.on_sleep = on_sleep
        self.calls = 0
        self._server: asyncio.AbstractServer | None = None
        self._i2c: dict[int, Any] = {}
        self._pwm: dict[int, Any] = {}
        self._adc: dict[int, Any] = {}
        self._wdt: list[Any] = []
        self.ready = asyncio.Event()

    async def start(self) -> None:
        self._server = await asyncio.start_unix_server(self._serve, path=self.path)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None

    def new_boot(self) -> None:
        """A fresh process: its objects are gone (the models' state stays with the board)."""
        self.state = PortState()
        self._i2c.clear()
        self._pwm.clear()
        self._adc.clear()
        self._wdt.clear()
        self.ready = asyncio.Event()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readexactly(_REQ.size)
                op, a, b, c, n, t_us = _REQ.unpack(head)
                data = await reader.readexactly(n) if n else b""
                self.calls += 1
                if self.io_time is not None:
                    self.io_time(t_us)
                try:
                    out = self.handle(op, a, b, c, data)
                    err = 0
                except OSError as exc:  # the shims raise OSError(errno): errno is args[0]
                    code = exc.errno or (exc.args[0] if exc.args and isinstance(exc.args[0], int)
                                         else _EIO)
                    out, err = b"", code if 0 < code < ERR_OTHER else _EIO
                except ValueError as exc:  # e.g. machine.WDT(id=1): the port raises it too
                    out, err = str(exc).encode()[:200], ERR_VALUE
                except Exception as exc:  # a model's own failure: the port sees RuntimeError
                    out, err = repr(exc).encode()[:200], ERR_OTHER
                finally:
                    if self.io_time is not None:
                        self.io_time(None)
                writer.write(_ANS.pack(err, 0, len(out)) + out)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    # -- dispatch --------------------------------------------------------------------------
    def handle(self, op: int, a: int, b: int, c: int, data: bytes) -> bytes:
        import machine  # the CPython shim (the board installed it)

        if op in (I2C_WRITE, I2C_WRITETO) and self.on_first_i2c is not None:
            first, self.on_first_i2c = self.on_first_i2c, None
            first()
        if op == I2C_READ:
            return bytes(self._bus(a).readfrom_mem(b & 0xFF, b >> 8, c))
        if op == I2C_WRITE:
            self._bus(a).writeto_mem(b & 0xFF, b >> 8, data)
            return b""
        if op == I2C_SCAN:
            return bytes(self._bus(a).scan())
        if op == I2C_READFROM:
            return bytes(self._bus(a).readfrom(b, c))
        if op == I2C_WRITETO:
            self._bus(a).writeto(b, data)
            return b""
        if op == CALL:
            args = [_int(v) for v in struct.unpack(f"<{len(data) // 4}i", data)]
            v = self._call(machine, a, b, c, args)
            return struct.pack("<i", NONE if v is None else int(v))
        if op == BYTES:
            return self._bytes(machine, a)
        if op == NOTE:
            self._note(a, data)
            return b""
        raise OSError(_EINVAL)

    def _bus(self, bus_id: int) -> Any:
        import machine

        i2c = self._i2c.get(bus_id)
        if i2c is None:
            i2c = self._i2c[bus_id] = machine.I2C(bus_id)
        return i2c

    def _call(self, machine: Any, cls: int, oid: int, method: int, args: list[Any]) -> Any:
        if cls == PIN:
            if method == 0:
                mode, pull, value = args
                return machine.Pin(oid, -1 if mode is None else mode,
                                   pull, value=value) and None
            pin = machine._pin_obj(oid)
            if method == 1:
                return pin.value()
            pin.value(args[0])
            return None
        if cls == PWM:
            if method == 0:
                freq, du16, dns, duty = args
                self._pwm[oid] = machine.PWM(machine._pin_obj(oid), freq=freq, duty=duty,
                                             duty_u16=du16, duty_ns=dns)
                return None
            pwm = self._pwm[oid]
            if method == 6:
                freq, du16, dns, duty = args
                pwm.init(freq=freq, duty=duty, duty_u16=du16, duty_ns=dns)
                return None
            if method == 5:
                pwm.deinit()
                return None
            if 1 <= method <= 4:
                return (pwm.freq, pwm.duty_u16, pwm.duty, pwm.duty_ns)[method - 1](args[0])
            raise OSError(_EINVAL)
        if cls == ADC:
            if method == 0:
                self._adc[oid] = machine.ADC(machine._pin_obj(oid), atten=args[0])
                return None
            adc = self._adc[oid]
            if method == 1:
                adc.atten(args[0])
                return None
            if 2 <= method <= 4:
                return (adc.read_uv, adc.read_u16, adc.read)[method - 2]()
            raise OSError(_EINVAL)
        if cls == WDT:
            if method == 0:
                self._wdt.append(machine.WDT(args[1] or 0, timeout=args[0]))
                return len(self._wdt) - 1
            self._wdt[oid].feed()
            return None
        if cls == MACH:
            if method == 0:
                return machine.reset_cause()
            if method in (1, 2, 6):  # reset, soft_reset, deepsleep: the process ends next
                cause = {1: machine.HARD_RESET, 2: machine.SOFT_RESET,
                         6: machine.DEEPSLEEP_RESET}[method]
                machine.set_reset_cause(cause)
                self.state.reset = cause
                if self.on_reset is not None:
                    self.on_reset(cause)
                return None
            if method == 3:
                return machine.freq(args[0])
            if method == 4:  # light sleep begins
                if self.on_sleep is not None:
                    self.on_sleep(True)
                return None
            if method == 5:  # light sleep ended after args[0] ms (args[1]: a pin woke it)
                self.state.sleeps += 1
                self.state.slept_ms += int(args[0] or 0)
                stats = machine._sleep_stats
                stats["calls"] += 1
                stats["slept_ms"] += int(args[0] or 0)
                stats["pin_wakes"] += 1 if args[1] else 0
                if self.on_sleep is not None:
                    self.on_sleep(False)
                return None
        if cls == ESP:
            import esp32  # the CPython shim

            if method == 0:
                pin, level = args
                esp32.wake_on_ext0(None if pin is None else machine._pin_obj(pin), level)
                return None
            if method in (1, 2):
                lo, hi, level = args
                pins = [machine._pin_obj(g) for g in _mask_pins(lo, hi)]
                fn = esp32.wake_on_ext1 if method == 1 else esp32.wake_on_gpio
                fn(pins or None, bool(level))
                return None
            if method == 3:
                return 1 if esp32.awake(machine._level) else 0
        raise OSError(_EINVAL)

    def _bytes(self, machine: Any, what: int) -> bytes:
        if what == 0:
            return bytes(machine.unique_id())
        if what == 1:
            import esp32

            names = [n for n in ("wake_on_ext0", "wake_on_ext1", "wake_on_gpio")
                     if hasattr(esp32, n)]
            return ",".join(names).encode()
        if what == 2:
            st = self.statvfs()
            return struct.pack("<10i", *st)
        raise OSError(_EINVAL)

    def _note(self, what: int, data: bytes) -> None:
        s = self.state
        if what == NOTE_READY:
            s.name = data.decode()
            self.ready.set()
        elif what == NOTE_HEAP:
            (s.mem_free, s.lowest_free, s.lowest_live_free, s.samples, s.lost_samples,
             s.retried, s.imu_overruns, s.imu_dropped) = struct.unpack("<8i", data)
        elif what == NOTE_CRASH:
            s.crash = data.decode(errors="replace")
        elif what == NOTE_BUFFERS:
            for line in data.decode().splitlines():
                path, _, n = line.rpartition(" ")
                s.buffers[path] = int(n)
        elif what == NOTE_FOOTPRINT:
            stage, alloc, free = struct.unpack("<3i", data)
            s.footprint[FOOTPRINT_STAGES[stage]] = (alloc, free)
