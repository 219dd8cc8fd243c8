"""``kyphos deploy``: put the firmware on a board running MicroPython, safely.

    report = deploy("/dev/ttyACM0", name="kyphos-anna")

Steps (each one talks to the board through mpremote's serial transport, as mpremote does):

0. Reboot the board into a maintenance boot (``firmware/main.py``): the application armed an
   8 s ``machine.WDT``, which on the ESP32 cannot be stopped, survives Ctrl-C and soft resets,
   and resets the chip when it fires (ports/esp32/machine_wdt.c) — copying takes longer than
   that. Deploy writes the flag file ``/.kyphos_maint`` and calls ``machine.reset()``; a hard
   reset stops the watchdog and ``main.py`` then starts neither the application nor the
   watchdog. A board whose ``main.py`` differs from the new one gets the new ``main.py`` first
   (staged, hash-checked, renamed: it needs only ``app.run()`` of the old firmware), so that
   even the first deploy over an older kyphos finds a maintenance boot.
1. Ask the board for its ``sys.implementation`` (``.mpy`` version and arch, MicroPython
   version, chip).
2. Compile ``firmware/*.py`` with the matching mpy-cross (``main.py`` stays source: MicroPython
   runs only ``main.py`` itself at boot).
3. Hash the board's files with SHA-256 *on the board*; only files whose hash differs are sent.
4. Write them into the staging folder ``/.kyphos_new``, hash them there again and compare: a
   failed or corrupted copy stops here and the previous firmware is untouched and bootable.
5. Swap: rename each staged file over the old one (LittleFS renames are atomic per file), remove
   a stale ``X.py`` that would shadow a new ``X.mpy`` (MicroPython imports ``.py`` first), write
   the board profile and name into ``/config.json`` (the keys ``board`` and ``name`` that
   firmware/config.py reads) and the manifest ``/kyphos.json`` (version and file list; files a
   previous deploy installed that the new firmware lacks are removed) the same way.
6. Reset the board (the flag is gone: a normal boot, the application runs), reconnect, and
   confirm the running firmware reports the version of the firmware just built
   (``app.FW_TEXT``).
"""

from __future__ import annotations

import ast
import errno
import hashlib
import importlib.util
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kyphos.board import mpy
from kyphos.errors import KyphosError
from kyphos.resources import firmware_dir

STAGING = "/.kyphos_new"
MANIFEST = "kyphos.json"  # what the last deploy installed: {"firmware": version, "files": [...]}
SOURCE_ONLY = ("main.py", "boot.py")  # run by MicroPython as source, never as .mpy
MAINT_FLAG = "/.kyphos_maint"  # firmware/main.py MAINT_FLAG: the next boot is a maintenance boot

# Board-side: flag the next boot as a maintenance boot, then a hard reset (which also stops a
# running watchdog; a soft reset would not).
_MAINT_CODE = """f=open(%r,'w')
f.close()
import machine
machine.reset()
"""

# Board-side: remove the flag (main.py does on the maintenance boot; an older main.py or a
# board that did not run main.py leaves it).
_UNFLAG_CODE = """import os
try:
 os.remove(%r)
except OSError:
 pass
"""

# Board-side helper: SHA-256 of each named file (None if missing), in 256-byte reads so it
# needs no more RAM than mpremote's own sha256sum.
_HASH_CODE = """import hashlib,binascii
def _kh(p):
 try:
  h=hashlib.sha256();b=bytearray(256);m=memoryview(b)
  with open(p,'rb') as f:
   while 1:
    n=f.readinto(b)
    if not n:break
    h.update(m[:n])
  return binascii.hexlify(h.digest()).decode()
 except OSError:
  return None
print(repr([_kh(p) for p in %r]))
"""

# Board-side: an empty staging folder (left-overs of an interrupted deploy are removed).
_STAGE_CODE = """import os
try:
 os.mkdir(%r)
except OSError:
 pass
for _e in os.ilistdir(%r):
 os.remove('%s/'+_e[0])
"""

_INFO_CODE = """import sys,os
print(repr((getattr(sys.implementation,'_mpy',0),tuple(sys.implementation.version),
getattr(sys.implementation,'_machine',''),[e[0] for e in os.ilistdir('/')])))
"""


@dataclass
class BoardInfo:
    fmt: mpy.MpyFormat
    version: str
    machine: str
    files: list[str]


@dataclass
class DeployReport:
    port: str
    board: BoardInfo
    profile: str
    name: str | None
    copied: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    bytes_copied: int = 0
    fw_version: str = ""
    seconds: float = 0.0


def firmware_version(fw_dir: Path) -> str:
    """``FW_TEXT`` from ``fw_dir/app.py`` (read, not run)."""
    app = fw_dir / "app.py"
    if not app.is_file():
        raise KyphosError(f"{fw_dir} has no app.py: point --firmware at kyphos's firmware/ folder")
    for node in ast.parse(app.read_text()).body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name) and node.targets[0].id == "FW_TEXT"
                and isinstance(node.value, ast.Constant)):
            return str(node.value.value)
    raise KyphosError(f"{app} defines no FW_TEXT")


def firmware_boards(fw_dir: Path | None = None) -> Any:
    """The firmware's ``boards`` module (board profiles), loaded on CPython with the shims."""
    from kyphos.sim import shims

    if "micropython" not in sys.modules:
        sys.path.insert(0, str(shims.SHIMS_DIR))
        try:
            import micropython  # noqa: F401
        finally:
            sys.path.remove(str(shims.SHIMS_DIR))
    path = (fw_dir or firmware_dir()) / "boards.py"
    spec = importlib.util.spec_from_file_location("kyphos_fw_boards", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def build(fw_dir: Path, fmt: mpy.MpyFormat) -> dict[str, bytes]:
    """Board file name -> bytes: each firmware module as .mpy, ``main.py`` as source."""
    out: dict[str, bytes] = {}
    sources = sorted(fw_dir.glob("*.py"))
    if not sources:
        raise KyphosError(f"no .py files in {fw_dir}")
    for src in sources:
        if src.name in SOURCE_ONLY:
            out[src.name] = src.read_bytes()
        else:
            out[src.stem + ".mpy"] = mpy.compile_source(src, fmt)
    return out


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _connect(port: str, wait_s: float = 0.0) -> Any:
    from mpremote.transport import TransportError
    from mpremote.transport_serial import SerialTransport

    deadline = time.monotonic() + wait_s
    while True:
        try:
            t = SerialTransport(port, baudrate=115200)
            t.enter_raw_repl(soft_reset=False, timeout_overall=5)
            return t
        except (TransportError, OSError) as exc:
            if time.monotonic() >= deadline:
                raise KyphosError(f"no MicroPython REPL on {port} ({exc}): check the port with "
                                  "`kyphos doctor`, close other programs using it, or flash "
                                  "MicroPython with `kyphos flash`") from None
            time.sleep(0.3)


def _eval(t: Any, code: str, what: str) -> Any:
    from mpremote.transport import TransportError

    try:
        out = t.exec(code)
    except TransportError as exc:
        raise KyphosError(f"board failed while {what}: {_last_line(exc)}") from None
    return ast.literal_eval(out.decode().strip())


def _last_line(exc: Exception) -> str:
    if isinstance(exc, OSError) and exc.errno is not None and exc.errno in errno.errorcode:
        return f"{errno.errorcode[exc.errno]}: {os.strerror(exc.errno)}"
    text = str(getattr(exc, "error_output", "") or exc).strip().splitlines()
    return text[-1] if text else type(exc).__name__


def release(t: Any) -> None:
    """Leave the board running its application again and close the port. Entering the raw
    REPL stopped main.py (Ctrl-C); a soft reset from the friendly REPL (Ctrl-D) runs it again,
    as at power-on."""
    try:
        t.exit_raw_repl()
        t.serial.write(b"\x04")
        t.serial.flush()
    except OSError:
        pass
    finally:
        _close_quietly(t)


def _close_quietly(t: Any) -> None:
    try:
        t.close()
    except OSError:
        pass


def _reboot_and_reconnect(t: Any, port: str, code: str, wait_s: float) -> Any:
    """Send ``code``, which reboots the board, without waiting for its output; close ``t``
    (even if sending failed) and return a new transport once the board is back."""
    try:
        t.exec_raw_no_follow(code)
    finally:
        _close_quietly(t)
    time.sleep(0.5)
    return _connect(port, wait_s=wait_s)


def maintenance_boot(t: Any, port: str, main_py: bytes | None = None,
                     wait_s: float = 10.0) -> tuple[Any, bool]:
    """Reboot the board at ``t`` into a maintenance boot; returns a new transport to it (``t``
    is closed) and whether ``main.py`` was installed. ``main_py``: the new firmware's
    ``main.py``, installed first if the board's differs (deploy); with None the board's own
    ``main.py`` must know the flag, else the board is left as it is and ``t`` returned (doctor
    on an older firmware)."""
    from mpremote.transport import TransportError

    installed = False
    if main_py is None:
        try:
            current = bytes(t.fs_readfile("/main.py"))
        except (OSError, TransportError):
            return t, False
        if MAINT_FLAG.encode() not in current:
            return t, False
    elif board_hashes(t, ["/main.py"])["/main.py"] != sha256_hex(main_py):
        staged = f"{STAGING}/main.py"
        try:
            t.exec(_STAGE_CODE % (STAGING, STAGING, STAGING))
            t.fs_writefile(staged, main_py)
            if board_hashes(t, [staged])[staged] != sha256_hex(main_py):
                raise KyphosError("SHA-256 mismatch on the board for main.py; the previous "
                                  "firmware is untouched: retry (check the USB cable)")
            t.exec(f"import os\nos.rename({staged!r},'/main.py')\nos.rmdir({STAGING!r})")
            installed = True
        except (OSError, TransportError) as exc:
            raise KyphosError(f"copy to {port} failed ({_last_line(exc)}); the board still has "
                              "its previous firmware: free flash space or retry") from None
    t = _reboot_and_reconnect(t, port, _MAINT_CODE % MAINT_FLAG, wait_s)
    t.exec(_UNFLAG_CODE % MAINT_FLAG)
    return t, installed


def board_info(t: Any) -> BoardInfo:
    sys_mpy, ver, machine, files = _eval(t, _INFO_CODE, "reporting its MicroPython version")
    if not sys_mpy:
        raise KyphosError("the board's MicroPython cannot load .mpy files (no "
                          "sys.implementation._mpy): flash a current build with `kyphos flash`")
    return BoardInfo(mpy.MpyFormat.from_sys_mpy(sys_mpy), ".".join(str(v) for v in ver[:3]),
                     machine, sorted(files))


def board_hashes(t: Any, paths: list[str]) -> dict[str, str | None]:
    if not paths:
        return {}
    got = _eval(t, _HASH_CODE % (paths,), "hashing its files")
    return dict(zip(paths, got, strict=True))


def _progress(enabled: bool, total: int) -> Callable[[str, int], None]:
    done = [0]

    def show(name: str, n: int) -> None:
        if not enabled:
            return
        done[0] += n
        width = 30
        filled = int(width * done[0] / max(total, 1))
        sys.stdout.write(f"\r[{'#' * filled}{'.' * (width - filled)}] "
                         f"{done[0] / 1024:6.1f}/{total / 1024:.1f} kB  {name:<16}")
        sys.stdout.flush()

    return show


def _read_json(t: Any, path: str) -> dict[str, Any]:
    """A JSON object file on the board; {} if it is missing or not a JSON object (the firmware
    then uses its defaults too). A failed read is an error: guessing {} would overwrite the
    wearer's settings."""
    from mpremote.transport import TransportError

    try:
        raw = bytes(t.fs_readfile(path))
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            return {}
        raise KyphosError(f"cannot read {path} on the board ({_last_line(exc)}): retry") from None
    except TransportError as exc:
        raise KyphosError(f"cannot read {path} on the board ({_last_line(exc)}): retry") from None
    try:
        loaded = json.loads(raw.decode() or "{}")
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _config_json(t: Any, profile: str | None, name: str | None) -> bytes | None:
    """The board's /config.json with board and name set, or None if nothing changes."""
    current = _read_json(t, "/config.json")  # missing/unreadable: the firmware uses defaults
    new = dict(current)
    if profile is not None:
        new["board"] = profile
    if name is not None:
        new["name"] = name
    if new == current:
        return None
    return json.dumps(new, sort_keys=True).encode()


def check_name(name: str) -> str:
    if len(name.encode()) > 29 or any(ord(c) < 32 or c == "\x7f" for c in name):
        raise KyphosError(f"--name {name!r}: at most 29 UTF-8 bytes, no control characters")
    return name


def check_options(board: str, name: str | None, fw_dir: Path | None = None) -> Any:
    """Refuse an unknown board profile or a bad name before anything touches a board; the
    firmware's ``boards`` module."""
    boards = firmware_boards(fw_dir)
    if board != "auto" and board not in boards.PROFILES:
        raise KyphosError(f"unknown board {board!r}; known: auto, {', '.join(boards.names())}")
    if name is not None:
        check_name(name)
    return boards


def deploy(port: str, fw_dir: Path | None = None, board: str = "auto", name: str | None = None,
           progress: bool = False, force: bool = False, reset_wait_s: float = 10.0,
           log: Callable[[str], None] = print) -> DeployReport:
    """Compile, copy (only what changed), verify, swap, configure, reset and confirm."""
    from mpremote.transport import TransportError

    t0 = time.monotonic()
    fw_dir = fw_dir or firmware_dir()
    want_version = firmware_version(fw_dir)
    boards = check_options(board, name, fw_dir)

    t = _connect(port)
    try:
        info = board_info(t)
        mpy.compiler(info.fmt)  # a board this mpy-cross cannot compile for: stop before a reboot
        main_py = (fw_dir / "main.py").read_bytes()
        t, main_installed = maintenance_boot(t, port, main_py, reset_wait_s)
        profile = boards.detect(info.machine) if board == "auto" else board
        log(f"board: MicroPython {info.version}, .mpy {info.fmt}, {info.machine or 'unknown'}"
            f" -> profile {profile}")
        files = build(fw_dir, info.fmt)
        local = {n: sha256_hex(b) for n, b in files.items()}
        remote = board_hashes(t, sorted(files))
        changed = sorted(n for n in files if force or remote.get(n) != local[n])
        report = DeployReport(port, info, profile, name)
        report.unchanged = sorted(set(files) - set(changed))
        # A stale source module shadows its new .mpy; an old .mpy of a source-only file is dead.
        stale = [n[:-4] + ".py" for n in files if n.endswith(".mpy")
                 and n[:-4] + ".py" in info.files]
        stale += [n[:-3] + ".mpy" for n in files if n.endswith(".py")
                  and n[:-3] + ".mpy" in info.files]
        # Modules an earlier deploy installed that this firmware no longer has (the manifest
        # names only kyphos's own files, so the wearer's files are never touched).
        old = _read_json(t, "/" + MANIFEST)
        old_files = old.get("files", []) if isinstance(old.get("files"), list) else []
        stale += sorted(str(n) for n in old_files
                        if n not in files and n in info.files and n not in stale)
        cfg = _config_json(t, profile, name)
        staged = {n: files[n] for n in changed}
        if cfg is not None:
            staged["config.json"] = cfg
        manifest = {"firmware": want_version, "files": sorted(files)}
        if manifest != {k: old.get(k) for k in manifest}:
            staged[MANIFEST] = json.dumps(manifest, sort_keys=True).encode()
        total = sum(len(b) for b in staged.values())

        # Stage and verify: nothing the board boots from is touched until every file checks.
        if staged:
            try:
                t.exec(_STAGE_CODE % (STAGING, STAGING, STAGING))
                show = _progress(progress, total)
                for n, data in staged.items():
                    sent = [0]

                    def cb(written: int, _size: int, n: str = n, sent: list[int] = sent) -> None:
                        show(n, written - sent[0])
                        sent[0] = written

                    t.fs_writefile(f"{STAGING}/{n}", data, progress_callback=cb)
                if progress:
                    sys.stdout.write("\n")
            except (OSError, TransportError) as exc:
                raise KyphosError(f"copy to {port} failed ({_last_line(exc)}); the board still "
                                  f"has its previous firmware (staged files are in {STAGING}): "
                                  "free flash space or retry") from None
            paths = [f"{STAGING}/{n}" for n in staged]
            on_board = board_hashes(t, paths)
            bad = [n for n, p in zip(staged, paths, strict=True)
                   if on_board[p] != sha256_hex(staged[n])]
            if bad:
                raise KyphosError(f"SHA-256 mismatch on the board for {', '.join(bad)}; the "
                                  "previous firmware is untouched: retry (check the USB cable)")
            swap = ["import os"]
            swap += [f"os.rename({STAGING + '/' + n!r},{'/' + n!r})" for n in staged]
            swap += [f"os.remove({'/' + n!r})" for n in stale]
            swap.append(f"os.rmdir({STAGING!r})")
            try:
                t.exec("\n".join(swap))
            except TransportError as exc:
                raise KyphosError(f"swapping in the new files failed ({_last_line(exc)}): run "
                                  "deploy again to finish") from None
            after = board_hashes(t, [f"/{n}" for n in changed])
            if any(after[f"/{n}"] != local[n] for n in changed):
                raise KyphosError("files on the board differ after the swap: run deploy again")
        report.copied = sorted([*changed, "main.py"]) if main_installed else changed
        report.removed = stale
        report.bytes_copied = total + (len(main_py) if main_installed else 0)
        if main_installed:
            report.unchanged.remove("main.py")  # installed before the maintenance boot
        log(f"copied {len(staged) + main_installed} file(s), {report.bytes_copied} bytes; "
            f"{len(report.unchanged)} unchanged"
            + (f"; removed {', '.join(stale)}" if stale else ""))
    except BaseException:
        _close_quietly(t)
        raise
    t = _reboot_and_reconnect(t, port, "import machine\nmachine.reset()", reset_wait_s)
    try:
        running = _eval(t, "import app\nprint(repr(app.FW_TEXT))", "importing the new firmware")
    finally:
        release(t)
    if running != want_version:
        raise KyphosError(f"the board runs firmware {running} after reset, expected "
                          f"{want_version}: run deploy with --force")
    report.fw_version = running
    report.seconds = time.monotonic() - t0
    log(f"kyphos firmware {running} running on {port} ({profile}"
        + (f", name {name!r}" if name else "") + f") in {report.seconds:.1f} s")
    return report
