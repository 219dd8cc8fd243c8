"""`kyphos sim` in one process is found and used by bleak (the bumble backend over TCP) and by
pyserial (its pseudo-terminal) in another, as `kyphos scan` / `kyphos live` would use it: through
``kyphos.connect`` and ``kyphos.link.Device``."""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import kyphos
from _vboard_link import Listener
from kyphos.protocol.constants import Opcode
from kyphos.sim.scenario import read_truth
from kyphos.transport.bumble_backend import BumbleAdapter, BumbleClient, BumbleScanner

PLAIN = {"auto_reconnect": False, "backfill": False, "ping_interval_s": 0}

ROOT = Path(__file__).resolve().parents[1]


def _start_sim(tmp_path: Path) -> tuple[subprocess.Popen[str], dict[str, str]]:
    log = tmp_path / "sim.out"
    cmd = [sys.executable, "-c", "import sys; from kyphos.cli import main; sys.exit(main())",
           "sim", "--speed", "2", "--serial", "--tcp-port", "0", "--duration", "600",
           "--fault", "low_battery@500", "--truth", str(tmp_path / "truth.json")]
    proc = subprocess.Popen(cmd, stdout=log.open("w"), stderr=subprocess.STDOUT, text=True,
                            cwd=ROOT)
    seen: dict[str, str] = {}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        text = log.read_text()
        m = re.search(r"virtual board (\S+).*\nBLE radio\s+(\S+).*\nUSB serial\s+(\S+)", text)
        if m:
            seen = {"name": m[1], "transport": m[2], "pty": m[3], "log": str(log)}
            break
        time.sleep(0.1)
    assert seen, f"kyphos sim did not start: {log.read_text()}"
    return proc, seen


def test_bleak_and_pyserial_in_this_process_use_kyphos_sim_in_another(tmp_path: Path) -> None:
    proc, seen = _start_sim(tmp_path)
    try:
        async def main() -> tuple[Listener, Listener]:
            adapter = await BumbleAdapter.open(seen["transport"], tmp_path / "keys.json")
            try:
                ble = Listener(await kyphos.connect(
                    seen["name"], backend=BumbleClient, scanner_backend=BumbleScanner,
                    bumble_adapter=adapter, scan_timeout_s=20, **PLAIN))
                await ble.command(Opcode.START, bytes([0b111]))
                await asyncio.sleep(1.5)  # 3 simulated seconds at --speed 2
                await ble.command(Opcode.STOP)
                await ble.close()
            finally:
                await adapter.close()
            ser = Listener(await kyphos.connect(f"serial:{seen['pty']}", **PLAIN))
            await ser.command(Opcode.START, bytes([0b111]))
            await asyncio.sleep(1.5)
            await ser.command(Opcode.STOP)
            await ser.close()
            return ble, ser

        ble, ser = asyncio.run(main())
        assert ble.imu_samples > 104 and ble.lost_frames == 0 and ble.corrupt == 0
        assert ser.imu_samples > 104 and ser.lost_frames == 0 and ser.corrupt == 0
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=20)
    out = Path(seen["log"]).read_text()
    assert code == 0, out
    assert "boot 1 (cause 1)" in out  # the event log printed on the way out
    truth = read_truth(tmp_path / "truth.json")
    assert truth.meta["scenario"] == "demo" and len(truth.lifts) == 6
    assert truth.meta["board"]["faults"] == ["low_battery at 500 s mv=3300"]


def test_kyphos_scan_info_and_record_find_kyphos_sim_in_another_process(tmp_path: Path) -> None:
    """The user's view: `kyphos sim` in one terminal, the device commands in another."""
    import os

    proc, seen = _start_sim(tmp_path)
    env = {**os.environ, "KYPHOS_BUMBLE_TRANSPORT": seen["transport"],
           "KYPHOS_BUMBLE_KEYS": str(tmp_path / "keys.json")}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        code = "import sys; from kyphos.cli import main; sys.exit(main())"
        return subprocess.run([sys.executable, "-c", code, *args], capture_output=True,
                              text=True, timeout=90, cwd=ROOT, env=env)

    try:
        scan = cli("scan", "--timeout", "2")
        assert scan.returncode == 0 and seen["name"] in scan.stdout, scan.stdout + scan.stderr
        info = cli("info", seen["name"])
        assert info.returncode == 0 and "link         ble" in info.stdout, info.stderr
        rec = cli("record", "--device", seen["name"], "-o", str(tmp_path / "b.kyr"),
                  "--duration", "2")
        assert rec.returncode == 0, rec.stderr
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
    import kyphos

    s = kyphos.load(tmp_path / "b.kyr")
    assert s.n_samples > 104 and len(s.gaps) == 0
