"""`kyphos doctor`: each check finds its problem and prints the fix; the board check talks to a
virtual board's REPL on a pseudo-terminal."""

from __future__ import annotations

import os
import subprocess
import sys
import types
from pathlib import Path

from kyphos.board import doctor
from kyphos.board.deploy import firmware_dir, firmware_version
from kyphos.sim.rawrepl import Spawned

KYPHOS = [sys.executable, "-c", "import sys; from kyphos.cli import main; sys.exit(main())"]


def kyphos(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "KYPHOS_PORT"}
    return subprocess.run([*KYPHOS, *args], capture_output=True, text=True, timeout=60,
                          check=False, env=env)


def test_port_owned_by_dialout_tells_how_to_join(tmp_path: Path) -> None:
    dev = tmp_path / "ttyACM0"
    dev.write_bytes(b"")
    os.chmod(dev, 0o660)
    st = os.stat(dev)
    # A normal user (uid 1000) outside the device's group cannot open it.
    f = doctor.port_access_problem(str(dev), st, uid=1000, groups={12345}, system="Linux")
    assert f is not None and f.status == doctor.FAIL
    assert "sudo usermod -aG" in f.fix and "log out" in f.fix
    # In the group: fine. World-writable: fine. Root: fine.
    assert doctor.port_access_problem(str(dev), st, 1000, {st.st_gid}) is None
    assert doctor.port_access_problem(str(dev), st, 0, set()) is None
    os.chmod(dev, 0o666)
    assert doctor.port_access_problem(str(dev), os.stat(dev), 1000, set()) is None


def test_ports_listed_with_bridge_kind_and_no_ports_warns(tmp_path: Path) -> None:
    dev = tmp_path / "ttyACM0"
    dev.write_bytes(b"")
    os.chmod(dev, 0o660)
    port = types.SimpleNamespace(device=str(dev), description="USB JTAG/serial", vid=0x303A)
    [f] = doctor.check_ports([port], uid=1000, groups={os.stat(dev).st_gid}, system="Linux")
    assert f.status == doctor.OK and "Espressif native USB" in f.message
    [f] = doctor.check_ports([], system="Linux")
    assert f.status == doctor.WARN and "data USB cable" in f.fix
    assert doctor.likely_board_port([port]) == str(dev)
    assert doctor.likely_board_port([port, port]) is None


def test_bluetooth_adapter_rfkill_and_bluez(tmp_path: Path) -> None:
    sysfs = tmp_path / "sys"
    out = doctor.check_bluetooth("Linux", sysfs, service_state="missing")
    assert [f.status for f in out] == [doctor.FAIL, doctor.FAIL]
    assert "apt install bluez" in out[1].fix
    (sysfs / "class" / "bluetooth" / "hci0").mkdir(parents=True)
    rf = sysfs / "class" / "rfkill" / "rfkill0"
    rf.mkdir(parents=True)
    (rf / "type").write_text("bluetooth\n")
    (rf / "soft").write_text("1\n")
    out = doctor.check_bluetooth("Linux", sysfs, service_state="inactive")
    fixes = [f.fix for f in out if f.status == doctor.FAIL]
    assert fixes == ["rfkill unblock bluetooth", "sudo systemctl enable --now bluetooth"]
    (rf / "soft").write_text("0\n")
    out = doctor.check_bluetooth("Linux", sysfs, service_state="active")
    assert all(f.status == doctor.OK for f in out)
    assert doctor.check_bluetooth("Darwin")[0].status == doctor.OK


def test_missing_python_package_gets_pip_fix() -> None:
    out = doctor.check_python([("numpy", "numpy", "arrays"),
                               ("kyphos_no_such_mod", "kyphos-no-such", "test")])
    assert out[0].status == doctor.OK and out[0].message.startswith("numpy ")
    assert out[1].status == doctor.FAIL and "pip install 'kyphos-no-such'" in out[1].fix


def test_doctor_checks_the_board_micropython_and_firmware(tmp_path: Path) -> None:
    flash = tmp_path / "flash"
    with Spawned(flash, "--version", "1.19.1", "--mpy", "6.0") as b:
        r = kyphos("doctor", "--port", b.port)
    assert r.returncode == 1
    assert "MicroPython 1.19.1 on" in r.stdout and "older than 1.20.0" in r.stdout
    assert f"kyphos flash --port {b.port}" in r.stdout
    with Spawned(flash, "--source", str(firmware_dir())) as b:
        r = kyphos("doctor", "--port", b.port)
        assert "ok    board     MicroPython 1.24.1 (.mpy v6.3 (xtensawin))" in r.stdout
        assert "no working kyphos firmware" in r.stdout
        assert f"kyphos deploy --port {b.port}" in r.stdout
        assert kyphos("deploy", "--port", b.port).returncode == 0
        b.events(0)
        r = kyphos("doctor", "--port", b.port)
        assert f"kyphos firmware {firmware_version(firmware_dir())} (up to date)" in r.stdout
        # Checked in a maintenance boot (out of the application watchdog's reach), then left
        # running kyphos.
        assert b.events(2) == ["hard-reset runs-main", "soft-reset runs-main"]
        assert not (flash / ".kyphos_maint").exists()


def test_doctor_on_a_port_without_micropython() -> None:
    r = kyphos("doctor", "--port", "/dev/kyphos-no-such-port", "--json")
    import json

    found = json.loads(r.stdout)
    board = [f for f in found if f["check"] == "board"]
    assert board[0]["status"] == "fail" and "kyphos flash" in board[0]["fix"]
    assert r.returncode == 1


def test_doctor_help_has_examples() -> None:
    r = kyphos("doctor", "--help")
    assert r.returncode == 0 and "kyphos doctor --port /dev/ttyACM0" in r.stdout
