"""The virtual board on the MicroPython runtime: the unmodified ``firmware/`` on the real
MicroPython 1.28 unix port built with NimBLE (:mod:`kyphos.sim.upy.build`).

:class:`UpyBoard` is a :class:`kyphos.sim.board.VirtualBoard` (same scenario, body, chip model,
battery, flash folder, button, faults and ground truth) whose firmware runs in a MicroPython
process instead of on CPython:

- hardware calls from the stand-in ``machine``/``esp32`` modules (``port/``) come over a socket
  to :class:`kyphos.sim.upy.bridge.Bridge`, which applies them to the CPython shims' models;
- ``bluetooth`` is MicroPython's own on the NimBLE host stack; its HCI UART
  (``$MICROPYBTUART``, ``ports/unix/mpbthciport.c``) is a pseudo-terminal served by a bumble
  ``Controller`` on the board's :class:`~kyphos.sim.radio.VirtualRadio` link, so a host connects
  with bleak (the bumble backend) exactly as to the CPython board;
- the flash filesystem is the board's folder (``fs_root``), free space from the board's
  ``FlashFolder.statvfs`` over the bridge;
- the heap is fixed (``-X heapsize=120wK`` by default: ``w`` counts machine words, so on this
  64-bit build it holds about as many objects as 120 KB on a 32-bit ESP32), and
  ``port/kyboot.py`` reports the lowest ``gc.mem_free()`` seen.

The event loop must run in real time (a plain asyncio loop): MicroPython's ticks are the
host's clock. A reset (``machine.reset()``, a crash, the watchdog, the ``reboot`` fault) ends
the process; the board starts a fresh one, as a chip resets.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from kyphos.sim import shims
from kyphos.sim.board import (
    _WDT_MS,
    VirtualBoard,
    booted_on_a_fresh_radio,
    drop_links,
)
from kyphos.sim.upy.bridge import Bridge, PortState
from kyphos.sim.upy.build import Binaries, cache_dir, ensure_built, ensure_m32

PORT_DIR = Path(__file__).resolve().parent / "port"
DEFAULT_HEAP = "120wK"
_BOOT_S = 0.3  # as the CPython board: ESP32 + MicroPython boot time
_CRASH_WAIT_S = 2.0  # main.py waits 2 s before machine.reset()
_TICKS_PERIOD_32 = 1 << 30  # divides both builds' ticks periods (2**30, 2**62)


class UpyBoard(VirtualBoard):
    """A virtual board whose firmware runs on the MicroPython unix port (module docstring).

    ``floats``: ``"float32"`` (as the ESP32 port) or ``"double"``; ``heap``: the ``-X heapsize``
    value; ``binaries``: prebuilt ones (default: :func:`~kyphos.sim.upy.build.ensure_built`);
    ``serial`` or ``usb_serial``: the board's USB serial on a pty (``self.serial.path``), as
    ``app.run()`` has it on a board (its buffers count in the heap); ``bits=32``: the 32-bit
    build (:func:`~kyphos.sim.upy.build.ensure_m32`).
    """

    def __init__(self, scenario: Any = "demo", *, floats: str = "float32",
                 heap: str = DEFAULT_HEAP, binaries: Binaries | None = None,
                 progress: Any = None, bits: int = 64, usb_serial: bool = False,
                 report_buffers: bool = False, **kwargs: Any) -> None:
        serial = bool(kwargs.pop("serial", False)) or usb_serial  # usb_serial: even over BLE
        super().__init__(scenario, **kwargs)
        self.serial = PortSerial() if serial else None  # type: ignore[assignment]
        self.floats = floats
        self.heap = heap
        if bits == 32:  # kyphos.sim.upy.build.ensure_m32: ESP32-sized objects (benchmarks)
            if floats != "float32":
                from kyphos.errors import KyphosError

                raise KyphosError("the 32-bit MicroPython build has float32 floats only")
            self.binary = ensure_m32(progress)
        else:
            self.binary = (binaries or ensure_built(progress)).for_floats(floats)
        self.bits = bits
        self.report_buffers = report_buffers  # the port lists the Device's buffers at boot
        self.workdir = Path(tempfile.mkdtemp(prefix="kyphos-upy-"))
        self.fw_dir = deploy_files(self.binary, self.workdir / "fw")
        self.bridge = Bridge(str(self.workdir / "bridge.sock"), self.flash.statvfs,
                             on_reset=self._on_reset, on_first_i2c=self._power_chip,
                             io_time=self._io_time)
        self.proc: asyncio.subprocess.Process | None = None
        self.ports: list[PortState] = []  # what each boot reported (heap, counters)
        self._hci: Any = None
        self._controller: Any = None
        self._reset_pending = False
        self._chip_powered = False
        self._pending: list[tuple[float, Any]] = []
        self._call_s: float | None = None  # loop time of the bridge call being served

    # -- scenario time ----------------------------------------------------------------------
    # The CPython runtime boots the firmware in no simulated time, so it configures the IMU at
    # scenario time 0. Starting MicroPython, importing the firmware and starting NimBLE (the
    # Device starts BLE before it configures the IMU) take about a second of real time, so
    # here scenario time 0 (the chip's power-up, the scenario's first sample, the times of
    # faults and button presses) is the first I2C *write* of the first boot, the start of the
    # IMU's configuration: both runtimes then start the FIFO at the same sample and their
    # filters start from the same data. (With the first transfer, the WHO_AM_I probe before
    # BLE starts, the port's stream began 2 samples later and its heading never caught up.)
    # Before it, now_s() is negative.
    def _power_chip(self) -> None:
        if self._chip_powered:
            return
        self._chip_powered = True
        self._power_t0 = self._call_s if self._call_s is not None else self.loop.time()
        pending, self._pending = self._pending, []
        for t_s, fn in pending:
            super().at(t_s, fn)

    def _io_time(self, t_us: int | None) -> None:
        # The port's ticks_us is CLOCK_MONOTONIC in us (ports/unix/unix_mphal.c), the clock of
        # asyncio's loop.time(), wrapped at its ticks period (2**62 on the 64-bit build, 2**30
        # on the 32-bit one): unwrapped to the latest matching moment, the call's own.
        if t_us is None:
            self._call_s = None
            return
        now_us = int(self.loop.time() * 1e6)
        self._call_s = (now_us - ((now_us - t_us) % _TICKS_PERIOD_32)) / 1e6

    def power_us(self) -> float:
        """Chip time: since scenario time 0, at the moment the port made the current bridge
        call (a transfer on a real bus happens when the firmware makes it, not after the
        socket round trip; without this the chip's timestamps jittered by the host's latency
        and the firmware's period estimate, and with it the fusion gains, wandered)."""
        t = self._call_s if self._call_s is not None else self.loop.time()
        return (t - self._power_t0) * 1e6

    def at(self, t_s: float, fn: Any) -> None:
        if not self._chip_powered:
            self._pending.append((t_s, fn))
            return
        super().at(t_s, fn)

    # -- life cycle -----------------------------------------------------------------------
    async def start(self, radio: Any) -> None:
        await self.bridge.start()
        await super().start(radio)

    async def _boot(self) -> None:
        import machine

        assert self.radio is not None and self.clock is not None
        self.clock.boot_us = int(self.loop.time() * 1e6)
        self.device = None
        self._reset_pending = False
        self.bridge.new_boot()
        self.ports.append(self.bridge.state)
        uart = await self._radio_on()
        self.boots += 1
        log = open(self.workdir / f"boot{self.boots}.log", "wb")  # noqa: SIM115
        env = dict(os.environ, MICROPYBTUART=uart,
                   MICROPYPATH=os.pathsep.join([".frozen", str(self.fw_dir)]))
        args = [str(self.binary), "-X", f"heapsize={self.heap}", str(self.fw_dir / "kyboot.py"),
                self.bridge.path, str(self.fs_root), str(_WDT_MS)]
        if self.report_buffers:
            args.append("buffers")
        if self.serial is not None:  # the board's USB serial: stdin/stdout on a pty
            self.proc = await asyncio.create_subprocess_exec(
                *args, "usb", env=env, stdin=self.serial.master, stdout=self.serial.master,
                stderr=log)
        else:
            self.proc = await asyncio.create_subprocess_exec(
                *args, env=env, stdout=log, stderr=asyncio.subprocess.STDOUT)
        log.close()
        self.events.append((self.now_s(), f"boot {self.boots} (cause {machine.reset_cause()}, "
                            f"MicroPython {self.floats})"))
        self.task = self.loop.create_task(self._watch(self.proc, self.bridge.state))

    async def _watch(self, proc: asyncio.subprocess.Process, state: PortState) -> None:
        ready = asyncio.ensure_future(state_ready(self.bridge))
        done = asyncio.ensure_future(proc.wait())
        await asyncio.wait([ready, done], return_when=asyncio.FIRST_COMPLETED)
        if ready.done() and not ready.cancelled():
            self.device = state
        else:
            ready.cancel()
        rc = await done
        if self._stopping or proc is not self.proc:
            return
        if state.reset is not None:
            self.loop.create_task(self._reboot(None))
            return
        exc = RuntimeError(state.crash or f"MicroPython exited with status {rc}: "
                           + self.log_tail())
        self.crashes.append(exc)
        self.events.append((self.now_s(), f"crash: {exc!r}"))
        self.loop.call_later(_CRASH_WAIT_S, lambda: self.loop.create_task(
            self._reboot(self._hard_reset())) if not self._stopping else None)

    @staticmethod
    def _hard_reset() -> int:
        import machine

        return int(machine.HARD_RESET)

    def _on_reset(self, cause: int) -> None:
        self._reset_pending = True

    def log_tail(self, lines: int = 15) -> str:
        """The end of the current boot's MicroPython output."""
        path = self.workdir / f"boot{self.boots}.log"
        try:
            text = path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    async def _kill(self) -> None:
        proc = self.proc
        if proc is None or proc.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGKILL)
        await proc.wait()

    async def _reboot(self, cause: int | None) -> None:
        """Reset: the process ends, BLE links drop, a fresh process boots."""
        import machine

        old = self.proc
        self.proc = None  # its _watch must not react to this exit
        if old is not None and old.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                old.send_signal(signal.SIGKILL)
            await old.wait()
        await self._radio_off()
        if cause is not None:
            machine.set_reset_cause(cause)
        machine.reset_state()
        self._wire_hardware()
        await asyncio.sleep(_BOOT_S)
        if not self._stopping:
            await self._boot()

    async def _radio_on(self) -> str:
        """A bumble controller for this boot, its HCI on a pty; returns the pty's path. (As
        bumble's ``pty:`` transport, bumble/transport/pty.py, keeping the read side so that
        :meth:`congest` can pause it.)"""
        import pty
        import tty

        from bumble.transport.common import StreamPacketSink, StreamPacketSource

        from kyphos.sim.radio import _RadioController

        primary, replica = pty.openpty()
        tty.setraw(primary)
        tty.setraw(replica)
        uart = os.ttyname(replica)
        loop = self.loop
        rfile = open(primary, "rb", closefd=False)  # noqa: SIM115
        wfile = open(primary, "wb", closefd=False)  # noqa: SIM115
        read_t, source = await loop.connect_read_pipe(StreamPacketSource, rfile)
        write_t, _ = await loop.connect_write_pipe(asyncio.BaseProtocol, wfile)
        self._hci = (read_t, write_t, primary, replica)
        self._controller = _RadioController(
            f"board-{self.address}", host_source=source, host_sink=StreamPacketSink(write_t),
            link=self.radio.link, public_address=self.address)
        return uart

    def congest(self, seconds: float) -> None:
        """The radio takes nothing from the host stack for ``seconds``: the controller reads no
        HCI, so it sends nothing and reports no completed packets, NimBLE's ACL buffers and its
        mbuf pool fill, and ``gatts_notify`` raises ``OSError(ENOMEM)``, as when a central's
        connection interval cannot drain the notifications (notes/feasibility.md)."""
        if self._hci is None:
            return
        read_t = self._hci[0]
        read_t.pause_reading()
        self.events.append((self.now_s(), f"radio congested for {seconds:g} s"))
        self.loop.call_later(seconds, lambda: read_t.resume_reading()
                             if not read_t.is_closing() else None)

    async def _radio_off(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            link = self.radio.link
            drop_links(link, controller)
            if controller in link.controllers:
                link.remove_controller(controller)
        hci, self._hci = self._hci, None
        if hci is not None:
            read_t, write_t, primary, replica = hci
            write_t.close()
            read_t.close()
            await asyncio.sleep(0)
            for fd in (primary, replica):
                with contextlib.suppress(OSError):
                    os.close(fd)

    async def settle_bonds(self, timeout_s: float = 5.0) -> bool:
        """The port's firmware state is in another process, so this waits two of its
        housekeeping passes (``_HOUSE_MS`` = 250 ms in ``firmware/app.py``), which write new
        bond keys to flash, instead of watching the dirty flag."""
        await asyncio.sleep(min(timeout_s, 0.6))
        return True

    async def stop(self) -> None:
        self._stopping = True
        await self._kill()
        await super().stop()
        await self.bridge.close()

    def cleanup(self) -> None:
        super().cleanup()
        shutil.rmtree(self.workdir, ignore_errors=True)

    @property
    def runtime_text(self) -> str:
        """What runs the firmware, for summaries."""
        return (f"MicroPython 1.28 unix port + NimBLE, {self.bits}-bit, {self.floats} floats, "
                f"heap {self.heap}")

    # -- what the port reported -----------------------------------------------------------
    def lowest_free(self) -> int | None:
        """The lowest gc.mem_free() any boot reported (garbage included)."""
        vals = [p.lowest_free for p in self.ports if p.lowest_free is not None]
        return min(vals) if vals else None


class PortSerial:
    """The board's USB serial on the MicroPython runtime: a pseudo-terminal whose master is the
    process's stdin and stdout, as a board's USB CDC is MicroPython's sys.stdin/sys.stdout
    (app.run() passes usb.BoardStdio()); pyserial opens ``path`` like /dev/ttyACM0. Output the
    port prints (a traceback) goes there too, as on a board."""

    def __init__(self) -> None:
        import pty
        import tty

        self.master, self.slave = pty.openpty()
        tty.setraw(self.master)
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)

    def attach(self, loop: Any) -> None:
        pass  # the port reads and writes the pty itself

    def close(self) -> None:
        for fd in (self.master, self.slave):
            with contextlib.suppress(OSError):
                os.close(fd)


def sys_mpy(binary: Path) -> int:
    """``sys.implementation._mpy`` of a MicroPython binary (its .mpy format)."""
    out = subprocess.run([str(binary), "-c", "import sys;print(sys.implementation._mpy)"],
                         capture_output=True, text=True, timeout=30, check=True)
    return int(out.stdout.strip())


def deploy_files(binary: Path, dest: Path) -> Path:
    """Put on ``dest`` what the board would hold: the firmware compiled to .mpy for this
    binary's format as ``kyphos deploy`` does (:func:`kyphos.board.deploy.build`; main.py is not
    run here), the stand-ins compiled the same way (on a board they are built in, so their
    heap cost is reported apart: footprint stage "interpreter"), and ``kyboot.py`` as source.
    Compiled files are cached by content under the build cache."""
    from kyphos.board import deploy, mpy

    fmt = mpy.MpyFormat.from_sys_mpy(sys_mpy(binary))
    cache = cache_dir() / "mpy"
    cache.mkdir(parents=True, exist_ok=True)
    dest.mkdir(parents=True, exist_ok=True)
    sources = [p for p in sorted(shims.FIRMWARE_DIR.glob("*.py"))
               if p.name not in deploy.SOURCE_ONLY]
    sources += [p for p in sorted(PORT_DIR.glob("*.py")) if p.name != "kyboot.py"]
    for src in sources:
        key = hashlib.sha256(src.read_bytes() + str(fmt).encode()).hexdigest()[:32]
        hit = cache / f"{key}.mpy"
        if not hit.is_file():
            data = mpy.compile_source(src, fmt)
            tmp = hit.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, hit)
        shutil.copyfile(hit, dest / f"{src.stem}.mpy")
    shutil.copyfile(PORT_DIR / "kyboot.py", dest / "kyboot.py")
    return dest


async def state_ready(bridge: Bridge) -> None:
    await bridge.ready.wait()


@contextlib.asynccontextmanager
async def running_upy_board(
    scenario: Any = "demo", **kwargs: Any
) -> AsyncIterator[tuple[UpyBoard, Any, Any]]:
    """As :func:`kyphos.sim.board.running_board`, on the MicroPython runtime (real time)."""
    async with booted_on_a_fresh_radio(UpyBoard(scenario, **kwargs)) as running:
        yield running
