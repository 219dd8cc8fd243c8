"""A virtual board's MicroPython REPL on a pseudo-terminal, for mpremote and ``kyphos deploy``.

    python -m kyphos.sim.rawrepl --flash DIR [--mpy 6.3 --arch xtensawin --version 1.24.1]

prints ``port /dev/pts/N`` and serves until killed. The real ``mpremote`` (and ``kyphos
deploy``, which drives mpremote's transport) talks to it as to a board: friendly and raw REPL,
raw-paste mode with flow control, Ctrl-C, soft reset (Ctrl-D) and ``machine.reset()``.

Why CPython and not the MicroPython WebAssembly interpreter: what deploy must prove is the
board-side protocol and the flash contents — files written in 256-byte chunks, listed with
``os.ilistdir``, hashed with ``hashlib.sha256`` on the board, renamed from a staging folder,
then the new firmware imported after a reset. Code runs here on CPython with the board shims
(``kyphos.sim.shims``) and a board-like ``os``/``open``/``sys`` over a host folder (the flash),
so the folder is a file tree a test can inspect, errors read like MicroPython's
(``OSError: [Errno 2] ENOENT``) and Ctrl-C interrupts running code. The WebAssembly build
would run real bytecode, but it has no host-folder mount, blocks on raw-paste, needs the host to
emulate soft reset, and is fixed at MicroPython 1.27 — so it could not play boards of other
``.mpy`` versions. An ``.mpy`` on this board is checked like MicroPython does (version, arch)
and then run from the source it was compiled from: the board recompiles ``NAME.py`` from each
``--source`` folder with the same mpy-cross and runs the one whose bytes are identical, else the
import fails. So a corrupted, stale or wrong-version ``.mpy`` fails here as it would on a board.
``main.py`` is not run after a reset (the application needs the simulated IMU: ``kyphos demo``
runs it). ``--flash-limit`` makes the flash fill up (ENOSPC) for fault tests.

The watchdog is the ESP32's (the ``machine`` shim's ``WDT``, ports/esp32/machine_wdt.c): once
code here arms it (``machine.WDT(timeout=ms)``, as the application does) it keeps counting at
the REPL and across a soft reset (Ctrl-D), has no ``deinit``, and when it is not fed in time
the board resets (``event hard-reset wdt``; ``machine.reset_cause()`` is then ``WDT_RESET``),
ending whatever code was running, exactly as a deploy that is too slow meets it on a board.
A hard reset (``machine.reset()``, or the watchdog's) stops it.
"""

from __future__ import annotations

import argparse
import builtins
import ctypes
import errno
import hashlib
import os
import select
import sys
import threading
import time
import traceback
import tty
import types
from collections import deque
from pathlib import Path
from typing import Any

from kyphos.board import mpy

_BANNER_RAW = b"raw REPL; CTRL-B to exit\r\n>"
_PASTE_WINDOW = 128


class _Reset(BaseException):
    """machine.reset() on the virtual board: ends the running code and reboots."""


class _WatchdogReset(_Reset):
    """The watchdog fired: ends the running code and reboots."""


def _oserror(code: int) -> OSError:
    return OSError(code, errno.errorcode.get(code, str(code)))


class Flash:
    """The board's filesystem: board paths ("/a/b.py", relative to cwd) on a host folder."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.cwd = "/"

    def board_path(self, path: str) -> str:
        p = path if path.startswith("/") else self.cwd.rstrip("/") + "/" + path
        parts: list[str] = []
        for part in p.split("/"):
            if part in ("", "."):
                continue
            if part == "..":
                if parts:
                    parts.pop()
                continue
            parts.append(part)
        return "/" + "/".join(parts)

    def host(self, path: str) -> Path:
        return self.root.joinpath(*self.board_path(path).split("/")[1:])


class _LimitedFile:
    """A file on a flash of ``limit`` bytes: a write past it raises ENOSPC (flash full)."""

    def __init__(self, f: Any, root: Path, limit: int) -> None:
        self._f = f
        self._root = root
        self._limit = limit

    def write(self, data: Any) -> int:
        self._f.flush()
        used = sum(p.stat().st_size for p in self._root.rglob("*") if p.is_file())
        if used + len(data) > self._limit:
            raise _oserror(errno.ENOSPC)
        return int(self._f.write(data))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._f, name)

    def __enter__(self) -> _LimitedFile:
        return self

    def __exit__(self, *exc: Any) -> None:
        self._f.close()


def _board_os(flash: Flash, version: str, machine: str) -> types.ModuleType:
    """MicroPython's ``os`` over ``flash``; CPython errors become ``OSError(errno)``."""
    m = types.ModuleType("os")

    def wrap(fn: Any) -> Any:
        def inner(*a: Any) -> Any:
            try:
                return fn(*a)
            except OSError as exc:
                raise _oserror(exc.errno or errno.EIO) from None
        return inner

    def ilistdir(path: str = "") -> Any:
        for e in sorted(os.scandir(flash.host(path or flash.cwd)), key=lambda e: e.name):
            kind = 0x4000 if e.is_dir() else 0x8000
            yield (e.name, kind, 0, 0 if e.is_dir() else e.stat().st_size)

    def stat_(path: str) -> tuple[int, ...]:
        st = os.stat(flash.host(path))
        kind = 0x4000 if os.path.isdir(flash.host(path)) else 0x8000
        t = int(st.st_mtime)
        return (kind, 0, 0, 0, 0, 0, 0 if kind == 0x4000 else st.st_size, t, t, t)

    def chdir(path: str) -> None:
        if not flash.host(path).is_dir():
            raise _oserror(errno.ENOENT)
        flash.cwd = flash.board_path(path)

    def rename(a: str, b: str) -> None:
        os.replace(flash.host(a), flash.host(b))  # LittleFS renames over an existing file

    m.__dict__.update(
        ilistdir=wrap(lambda p="": list(ilistdir(p))),
        listdir=wrap(lambda p="": [e[0] for e in ilistdir(p)]),
        stat=wrap(stat_),
        mkdir=wrap(lambda p: os.mkdir(flash.host(p))),
        rmdir=wrap(lambda p: os.rmdir(flash.host(p))),
        remove=wrap(lambda p: os.remove(flash.host(p))),
        rename=wrap(rename),
        chdir=wrap(chdir),
        getcwd=lambda: flash.cwd,
        statvfs=lambda p="/": (4096, 4096, 512, 400, 400, 0, 0, 0, 0, 255),
        sync=lambda: None,
        urandom=os.urandom,
        uname=lambda: types.SimpleNamespace(sysname="esp32", nodename="esp32",
                                            release=version, version=version, machine=machine),
        dupterm=lambda *a: None,
    )
    m.__dict__["unlink"] = m.__dict__["remove"]
    return m


class Board:
    """The interpreter state of one virtual board: globals, modules, flash, identity."""

    def __init__(self, flash_dir: Path, fmt: mpy.MpyFormat, version: str, machine: str,
                 source_dirs: list[Path], out: Any, flash_limit: int | None = None) -> None:
        from kyphos.sim import shims

        shims.install()
        fw = str(shims.FIRMWARE_DIR)
        while fw in sys.path:  # firmware comes from the flash here, never from the checkout
            sys.path.remove(fw)
        import machine as machine_shim

        self.machine_shim = machine_shim
        self.flash = Flash(flash_dir)
        self.fmt = fmt
        self.version = version
        self.machine = machine
        self.source_dirs = source_dirs
        self.flash_limit = flash_limit
        self.out = out
        self._mpy_cache: dict[str, bytes] = {}
        self.boot()

    # -- state ----------------------------------------------------------------------
    def boot(self) -> None:
        self.flash.cwd = "/"
        self.modules: dict[str, types.ModuleType] = {}
        vt = tuple(int(x) for x in self.version.split("."))
        impl = types.SimpleNamespace(name="micropython", version=vt + (0,) * (3 - len(vt)),
                                     _machine=self.machine, _mpy=self.fmt.to_sys_mpy())
        s = types.ModuleType("sys")
        s.__dict__.update(
            implementation=impl, platform="esp32", version="3.4.0; MicroPython v" + self.version,
            path=["", ".frozen", "/lib"], modules=self.modules, maxsize=2**31 - 1,
            byteorder="little", stdout=sys.stdout, exit=sys.exit,
            print_exception=lambda e, f=None: self.out(self.format_exc(e).encode()),
        )
        self.sys = s
        self.os = _board_os(self.flash, self.version, self.machine)
        mach = types.ModuleType("machine")
        mach.__dict__.update({k: v for k, v in vars(self.machine_shim).items()
                              if not k.startswith("__")})
        mach.__dict__.update(reset=self._reset, soft_reset=self._reset)
        self.mach = mach
        self.builtins = dict(vars(builtins))
        self.builtins["open"] = self._open
        self.builtins["print"] = self._print
        self.builtins["__import__"] = self._import
        self.builtins["input"] = lambda prompt="": ""
        self.globals: dict[str, Any] = {"__name__": "__main__", "__builtins__": self.builtins}

    def _reset(self) -> None:
        raise _Reset()

    def hard_reset(self, cause: int | None = None) -> None:
        """The chip restarts: the watchdog stops, the interpreter starts afresh."""
        self.machine_shim.hard_reset()
        self.machine_shim.set_reset_cause(self.machine_shim.HARD_RESET if cause is None
                                          else cause)
        self.boot()

    def _open(self, path: str, mode: str = "r", *a: Any, **kw: Any) -> Any:
        try:
            f = open(self.flash.host(path), mode, *a, **kw)  # noqa: SIM115
        except OSError as exc:
            raise _oserror(exc.errno or errno.EIO) from None
        if self.flash_limit is not None and ("w" in mode or "a" in mode):
            return _LimitedFile(f, self.flash.root, self.flash_limit)
        return f

    def _print(self, *args: Any, sep: str = " ", end: str = "\n", file: Any = None,
               **_: Any) -> None:
        text = sep.join(str(a) for a in args) + end
        if file is not None and file is not sys.stdout and hasattr(file, "write"):
            file.write(text)
            return
        self.out(text.replace("\n", "\r\n").encode())

    # -- imports: flash first, then built-in modules ----------------------------------
    def _import(self, name: str, globals_: Any = None, locals_: Any = None,
                fromlist: Any = (), level: int = 0) -> types.ModuleType:
        if name in self.modules:
            return self.modules[name]
        special = {"os": self.os, "uos": self.os, "sys": self.sys, "machine": self.mach,
                   "hashlib": hashlib}
        if name in special:
            return special[name]  # type: ignore[return-value]
        mod = self._load_from_flash(name)
        if mod is not None:
            return mod
        return builtins.__import__(name, globals_, locals_, fromlist, level)

    def _load_from_flash(self, name: str) -> types.ModuleType | None:
        for folder in ("/", "/lib/"):
            py = self.flash.host(folder + name + ".py")
            if py.is_file():
                return self._exec_module(name, py.read_text(), folder + name + ".py")
            mpy_file = self.flash.host(folder + name + ".mpy")
            if mpy_file.is_file():
                return self._exec_module(name, self._mpy_source(name, mpy_file.read_bytes()),
                                         folder + name + ".mpy")
        return None

    def _mpy_source(self, name: str, data: bytes) -> str:
        problem = mpy.header_ok(data, self.fmt)
        if problem:
            raise ValueError(problem)
        for folder in self.source_dirs:
            src = folder / f"{name}.py"
            if not src.is_file():
                continue
            text = src.read_text()
            key = hashlib.sha256(text.encode()).hexdigest()
            if key not in self._mpy_cache:
                self._mpy_cache[key] = mpy.compile_source(src, self.fmt)
            if self._mpy_cache[key] == data:
                return text
        raise ImportError(f"{name}.mpy is not the compiled form of any {name}.py in "
                          f"{', '.join(map(str, self.source_dirs)) or '(no --source)'}")

    def _exec_module(self, name: str, text: str, path: str) -> types.ModuleType:
        mod = types.ModuleType(name)
        mod.__dict__["__builtins__"] = self.builtins
        mod.__file__ = path
        self.modules[name] = mod
        try:
            exec(compile(text, path, "exec"), mod.__dict__)
        except BaseException:
            del self.modules[name]
            raise
        return mod

    # -- running code -----------------------------------------------------------------
    def format_exc(self, exc: BaseException) -> str:
        lines = ["Traceback (most recent call last):"]
        for fr in traceback.extract_tb(exc.__traceback__):
            if fr.filename != __file__:
                lines.append(f'  File "{fr.filename}", line {fr.lineno}, in {fr.name}')
        if isinstance(exc, OSError) and exc.errno is not None:
            msg = f"OSError: [Errno {exc.errno}] {errno.errorcode.get(exc.errno, exc.errno)}"
        else:
            text = str(exc)
            msg = type(exc).__name__ + (f": {text}" if text else "")
        lines.append(msg)
        return "\r\n".join(lines) + "\r\n"

    def run(self, source: bytes) -> tuple[str, bool]:
        """Execute ``source``; returns (error text or "", reset requested)."""
        try:
            code = compile(source.decode(), "<stdin>", "exec")
            exec(code, self.globals)
        except _Reset:  # machine.reset() or the watchdog (_WatchdogReset)
            return "", True
        except self.machine_shim.ResetRequested:
            return "", True
        except SyntaxError as exc:
            return (f'Traceback (most recent call last):\r\n  File "<stdin>", line '
                    f"{exc.lineno}\r\nSyntaxError: invalid syntax\r\n"), False
        except BaseException as exc:  # noqa: BLE001 - everything is reported like a board
            return self.format_exc(exc), False
        return "", False


class ReplServer:
    """The REPL protocol on the master side of a pty."""

    def __init__(self, board_args: dict[str, Any]) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        os.set_blocking(self.master, False)
        self.path = os.ttyname(self.slave)
        self._lock = threading.Lock()
        self.dropped = 0  # output bytes lost while no host was reading
        self.board = Board(out=self.write, **board_args)
        self.mode = "friendly"
        self.buf = bytearray()
        self.paste_left = 0
        self.pending: deque[int] = deque()
        self._wdt_fired = False
        self.worker: threading.Thread | None = None
        self._finished = threading.Event()
        self._wake_r, self._wake_w = os.pipe()  # a finished worker wakes the select loop

    def write(self, data: bytes) -> None:
        """Board output. When no host reads the port the pty buffer fills; like a USB CDC port
        with nobody listening, output that cannot be sent within 0.25 s is dropped."""
        with self._lock:
            view = memoryview(data)
            while view:
                try:
                    n = os.write(self.master, view)
                except BlockingIOError:
                    if not select.select([], [self.master], [], 0.25)[1]:
                        self.dropped += len(view)
                        return
                    continue
                view = view[n:]

    def banner(self) -> bytes:
        b = self.board
        return (f"MicroPython v{b.version} on 2026-01-01; {b.machine}\r\n"
                'Type "help()" for more information.\r\n').encode()

    def serve(self) -> None:
        while True:
            armed = self.board.machine_shim.wdt_armed()
            r, _, _ = select.select([self.master, self._wake_r], [], [], 0.05 if armed else 0.5)
            if armed and self.board.machine_shim.wdt_expired():
                self.watchdog_reset()
            if self._wake_r in r:
                os.read(self._wake_r, 64)
                r.remove(self._wake_r)
            if self.worker is not None and self._finished.is_set():
                self.worker = None
                while self.pending and self.worker is None:
                    self.feed(self.pending.popleft())
            if not r:
                continue
            try:
                data = os.read(self.master, 4096)
            except BlockingIOError:
                continue
            except OSError as exc:  # EIO: no host has the port open right now
                if exc.errno == errno.EIO:
                    select.select([], [], [], 0.05)
                    continue
                raise
            for byte in data:
                if self.worker is not None:
                    if byte == 3:
                        self.interrupt()
                    else:
                        self.pending.append(byte)
                else:
                    self.feed(byte)

    def watchdog_reset(self) -> None:
        """The watchdog fired: stop the running code (if any) and reset the board."""
        self._wdt_fired = True
        t = self.worker
        if t is not None and t.ident is not None:
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(t.ident),
                                                       ctypes.py_object(_WatchdogReset))
            self.board.machine_shim.hard_reset()  # once: the worker reports the reset
            return
        self._after_reset()

    def _after_reset(self) -> None:
        wdt = self._wdt_fired
        self._wdt_fired = False
        print("event hard-reset", "wdt" if wdt else "runs-main", flush=True)
        self.board.hard_reset(self.board.machine_shim.WDT_RESET if wdt else None)
        self.mode = "friendly"
        self.buf = bytearray()
        rst = b"rst:0x7 (TG0WDT_SYS_RESET)" if wdt else b"rst:0xc (SW_CPU_RESET)"
        self.write(b"ets Jun  8 2016 00:22:57\r\n\r\n" + rst + b"\r\n" + self.banner() + b">>> ")

    def interrupt(self) -> None:
        t = self.worker
        if t is not None and t.ident is not None:
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(t.ident),
                                                       ctypes.py_object(KeyboardInterrupt))

    def soft_reset(self) -> None:
        # On a board, a soft reset from the friendly REPL runs main.py (the application);
        # from the raw REPL it does not. Logged on stdout for tests.
        print("event soft-reset", "runs-main" if self.mode == "friendly" else "raw", flush=True)
        self.board.boot()
        self.write(b"MPY: soft reboot\r\n")

    def feed(self, byte: int) -> None:
        if self.mode == "paste":
            self.feed_paste(byte)
        elif self.mode == "raw":
            self.feed_raw(byte)
        else:
            self.feed_friendly(byte)

    def feed_friendly(self, byte: int) -> None:
        if byte == 1:
            self.mode, self.buf = "raw", bytearray()
            self.write(b"\r\n" + _BANNER_RAW)
        elif byte == 3:
            self.buf = bytearray()
            self.write(b"\r\n>>> ")
        elif byte == 4:
            self.soft_reset()
            self.write(self.banner() + b">>> ")
        elif byte == 13:
            line, self.buf = bytes(self.buf), bytearray()
            self.write(b"\r\n")
            if line.strip():
                self.start(line, raw=False)
            else:
                self.write(b">>> ")
        elif byte >= 32:
            self.buf.append(byte)
            self.write(bytes([byte]))

    def feed_raw(self, byte: int) -> None:
        if byte == 1 and self.buf == b"\x05A":  # raw-paste request: \x05 A \x01
            self.buf = bytearray()
            self.mode = "paste"
            self.paste_left = _PASTE_WINDOW
            self.write(b"R\x01" + _PASTE_WINDOW.to_bytes(2, "little") + b"\x01")
        elif byte == 1:
            self.buf = bytearray()
            self.write(b"\r\n" + _BANNER_RAW)
        elif byte == 2:
            self.mode, self.buf = "friendly", bytearray()
            self.write(b"\r\n" + self.banner() + b">>> ")
        elif byte == 3:
            self.buf = bytearray()
        elif byte == 4:
            if not self.buf:
                self.write(b"OK\r\n")
                self.soft_reset()
                self.write(_BANNER_RAW)
                return
            code, self.buf = bytes(self.buf), bytearray()
            self.write(b"OK")
            self.start(code, raw=True)
        else:
            self.buf.append(byte)

    def feed_paste(self, byte: int) -> None:
        if byte == 4:
            code, self.buf = bytes(self.buf), bytearray()
            self.mode = "raw"
            self.write(b"\x04")
            self.start(code, raw=True)
            return
        if byte == 3:
            self.mode, self.buf = "raw", bytearray()
            return
        self.buf.append(byte)
        self.paste_left -= 1
        if self.paste_left == 0:
            self.paste_left = _PASTE_WINDOW
            self.write(b"\x01")

    def start(self, code: bytes, raw: bool) -> None:
        def work() -> None:
            try:
                err, reset = self.board.run(code)
            except KeyboardInterrupt:
                err, reset = "Traceback (most recent call last):\r\nKeyboardInterrupt: \r\n", False
            if reset:
                self._after_reset()
                return
            if raw:
                self.write(b"\x04" + err.encode() + b"\x04>")
            else:
                self.write(err.encode() + b">>> ")

        def work_then_wake() -> None:
            try:
                work()
            finally:
                self._finished.set()
                os.write(self._wake_w, b"w")

        self._finished.clear()
        self.worker = threading.Thread(target=work_then_wake, daemon=True)
        self.worker.start()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m kyphos.sim.rawrepl",
                                 description="A virtual MicroPython board's REPL on a pty.")
    ap.add_argument("--flash", required=True, type=Path, help="host folder that is the flash")
    ap.add_argument("--source", type=Path, action="append", default=[],
                    help="folder of .py sources that .mpy files on the flash may come from "
                    "(repeatable: old and new firmware)")
    ap.add_argument("--mpy", default="6.3", help=".mpy version.sub the board runs (6.3)")
    ap.add_argument("--arch", default="xtensawin", help="native arch (xtensawin, rv32imc)")
    ap.add_argument("--version", default="1.24.1", help="MicroPython version reported")
    ap.add_argument("--machine", default="Seeed XIAO ESP32S3 with ESP32S3",
                    help="sys.implementation._machine")
    ap.add_argument("--flash-limit", type=int, default=None,
                    help="flash size in bytes; writes past it fail with ENOSPC (fault tests)")
    a = ap.parse_args(argv)
    a.flash.mkdir(parents=True, exist_ok=True)
    ver, _, sub = a.mpy.partition(".")
    fmt = mpy.MpyFormat(int(ver), int(sub or 0), a.arch or None)
    server = ReplServer({"flash_dir": a.flash, "fmt": fmt, "version": a.version,
                         "machine": a.machine, "source_dirs": a.source,
                         "flash_limit": a.flash_limit})
    print("port", server.path, flush=True)
    server.write(server.banner() + b">>> ")
    server.serve()
    return 0



class Spawned:
    """A virtual board REPL in a child process: ``with Spawned(flash_dir) as b: b.port``."""

    def __init__(self, flash: Path, *args: str, timeout_s: float = 10.0) -> None:
        import subprocess

        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kyphos.sim.rawrepl", "--flash", str(flash), *args],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self._buf = b""
        first = self._lines(1, timeout_s)
        if not first or not first[0].startswith("port "):
            self.close()
            raise RuntimeError(f"virtual board did not start: {first!r}")
        self.port = first[0].split()[1]

    def _lines(self, count: int, timeout_s: float) -> list[str]:
        # Raw reads on the pipe: a buffered readline could hide lines from select().
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        out: list[str] = []
        deadline = time.monotonic() + timeout_s
        while True:
            while b"\n" in self._buf and (not count or len(out) < count):
                line, self._buf = self._buf.split(b"\n", 1)
                out.append(line.decode().strip())
            if count and len(out) >= count:
                return out
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return out
            chunk = os.read(fd, 4096)
            if not chunk:
                return out
            self._buf += chunk

    def events(self, count: int = 0, timeout_s: float = 5.0) -> list[str]:
        """Reset events the board logged (``soft-reset runs-main``, ``hard-reset …``): wait up
        to ``timeout_s`` for ``count`` of them, or with count 0 take what arrives in 0.3 s."""
        lines = self._lines(count, timeout_s if count else 0.3)
        return [ln.removeprefix("event ") for ln in lines]

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except Exception:  # noqa: BLE001
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    def __enter__(self) -> Spawned:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


if __name__ == "__main__":
    sys.exit(main())
