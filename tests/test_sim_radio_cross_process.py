"""Across processes: an air on 127.0.0.1, the MicroPython-API peripheral in another
process, and a host here that makes plain bleak calls (adapter from the environment)."""

from __future__ import annotations

import asyncio
import os
import select
import struct
import subprocess
import sys
import time
from pathlib import Path

from bleak import BleakClient, BleakScanner
from kyphos.transport import bumble_backend
from kyphos.transport.bumble_backend import BumbleClient, BumbleScanner

ROOT = Path(__file__).resolve().parents[1]
DATA = "6b790002-0000-4000-8000-6b7970686f73"
CONTROL = "6b790003-0000-4000-8000-6b7970686f73"


def _read_line(proc: subprocess.Popen[str], timeout_s: float = 15.0) -> str:
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.1)
        if ready:
            return proc.stdout.readline().strip()
        if proc.poll() is not None:
            break
    raise AssertionError(f"no output from {proc.args} (exit {proc.poll()})")


def _start(args: list[str]) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "host"))
    return subprocess.Popen(
        [sys.executable, *args], stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT
    )


def test_sim_in_one_process_is_found_and_streams_to_bleak_in_another(tmp_path, monkeypatch):
    procs = []
    try:
        air = _start(["-m", "kyphos.sim.radio", "--port", "0"])
        procs.append(air)
        port = int(_read_line(air).rsplit(":", 1)[1])
        spec = f"tcp-client:127.0.0.1:{port}"
        board = _start([str(ROOT / "tests" / "test_sim_radio_peripheral.py"), spec])
        procs.append(board)
        assert _read_line(board) == "ready"

        monkeypatch.setenv("KYPHOS_BUMBLE_TRANSPORT", spec)
        monkeypatch.setenv("KYPHOS_BUMBLE_KEYS", str(tmp_path / "keys.json"))

        async def host() -> list[int]:
            try:
                device = await BleakScanner.find_device_by_name(
                    "kyphos-ABCD", timeout=10.0, backend=BumbleScanner
                )
                assert device is not None
                got: list[bytes] = []
                async with BleakClient(device, backend=BumbleClient, timeout=10.0) as client:
                    assert client.mtu_size == 247
                    await client.start_notify(DATA, lambda _c, d: got.append(bytes(d)))
                    await client.write_gatt_char(CONTROL, struct.pack("<H", 300), response=True)
                    async with asyncio.timeout(20):
                        while len(got) < 300:
                            await asyncio.sleep(0.01)
                assert all(len(g) == 180 for g in got)
                return [struct.unpack_from("<I", g)[0] for g in got]
            finally:
                adapter = await bumble_backend.get_adapter()
                await adapter.close()
                bumble_backend.use_adapter(None)

        assert asyncio.run(host()) == list(range(300))
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
