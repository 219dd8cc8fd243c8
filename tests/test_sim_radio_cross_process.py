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

import pytest
from bleak import BleakClient, BleakScanner
from bleak.exc import BleakError
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
                await bumble_backend.close_default_adapter()

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


def test_host_going_away_disconnects_the_board_and_a_new_host_finds_it(tmp_path):
    from kyphos.sim.radio import VirtualRadio
    from test_sim_radio_peripheral import ADDRESS, Peripheral

    async def run() -> None:
        radio = VirtualRadio()
        per = Peripheral(await radio.peripheral(ADDRESS))
        port = await radio.serve(0)
        spec = f"tcp-client:127.0.0.1:{port}"
        reachable = await asyncio.to_thread(bumble_backend.radio_reachable, spec)
        assert reachable
        try:
            adapter = await bumble_backend.BumbleAdapter.open(spec, tmp_path / "k.json")
            device = await BleakScanner.find_device_by_name(
                per.name, timeout=5, backend=BumbleScanner, bumble_adapter=adapter
            )
            client = BleakClient(device, backend=BumbleClient, bumble_adapter=adapter)
            await client.connect()
            assert per.conn is not None
            assert adapter._transport is not None
            await adapter._transport.close()  # the host process dies without goodbye
            async with asyncio.timeout(5):
                while per.conn is not None:
                    await asyncio.sleep(0.01)
            assert per.events[-1][0] == 2  # _IRQ_CENTRAL_DISCONNECT

            again = await bumble_backend.BumbleAdapter.open(spec, tmp_path / "k.json")
            try:
                found = await BleakScanner.find_device_by_name(
                    per.name, timeout=5, backend=BumbleScanner, bumble_adapter=again
                )
                assert found is not None
            finally:
                await again.close()
        finally:
            await radio.close()

    asyncio.run(run())


def test_no_virtual_radio_running_is_a_clear_bleak_error(monkeypatch):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        free = s.getsockname()[1]
    monkeypatch.setenv("KYPHOS_BUMBLE_TRANSPORT", f"tcp-client:127.0.0.1:{free}")

    assert not bumble_backend.radio_reachable()

    async def run() -> None:
        try:
            await BleakScanner.discover(timeout=0.1, backend=BumbleScanner)
        finally:
            await bumble_backend.close_default_adapter()

    with pytest.raises(BleakError, match="kyphos sim"):
        asyncio.run(run())
