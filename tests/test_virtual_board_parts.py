"""The virtual board's parts: simulated-time event loop, raw pseudo-terminal, the chip feed's
axis mapping (the inverse of the firmware's remap), the flash capacity, and ground truth
exported for every bundled scenario."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import numpy as np
import pytest
import serial
from kyphos.sim.board import FlashFolder, SensorFeed, VirtualBoard
from kyphos.sim.clock import VirtualTimeLoop, run
from kyphos.sim.pty import PtySerial
from kyphos.sim.scenario import Simulator, list_scenarios, read_truth


def test_fast_mode_jumps_idle_time_and_keeps_timer_order() -> None:
    order: list[tuple[str, float]] = []

    async def main() -> float:
        loop = asyncio.get_running_loop()

        async def at(name: str, delay: float) -> None:
            await asyncio.sleep(delay)
            order.append((name, loop.time()))

        t0 = time.monotonic()
        await asyncio.gather(at("hour", 3600), at("minute", 60), at("second", 1))
        return time.monotonic() - t0

    wall = run(main())
    assert [n for n, _ in order] == ["second", "minute", "hour"]
    assert [t for _, t in order] == pytest.approx([1, 60, 3600])
    assert wall < 60  # an hour of waiting did not take an hour


def test_speed_mode_scales_real_time() -> None:
    loop = VirtualTimeLoop(speed=50.0)
    try:
        t0 = loop.time()
        loop.run_until_complete(asyncio.sleep(5.0))  # 0.1 s of real time
        assert loop.time() - t0 >= 5.0
        loop.advance(10.0)
        assert loop.time() - t0 >= 15.0
    finally:
        loop.close()
    with pytest.raises(ValueError):
        VirtualTimeLoop(speed=0)


def test_pty_is_raw_both_ways_for_pyserial() -> None:
    async def main() -> tuple[bytes, bytes]:
        port = PtySerial()
        port.attach(asyncio.get_running_loop())
        host = serial.Serial(port.path, 115200, timeout=1)
        try:
            payload = bytes(range(256)) * 4  # CR, LF, 0x03, 0x00 … all pass untouched
            port.write(payload)
            got = b""
            while len(got) < len(payload):
                await asyncio.sleep(0.01)
                got += host.read(host.in_waiting or 1)
            host.write(b"\r\n\x03\x00abc")
            host.flush()
            for _ in range(100):
                await asyncio.sleep(0.01)
                if port.any() >= 7:
                    break
            buf = bytearray(16)
            n = port.readinto(buf)
            assert port.readinto(bytearray(4)) is None  # nothing more: no echo came back
            return got, bytes(buf[: n or 0])
        finally:
            host.close()
            port.close()

    got, back = asyncio.run(main())
    assert got == bytes(range(256)) * 4 and back == b"\r\n\x03\x00abc"


@pytest.mark.parametrize("remap", [(1, 2, 3), (2, -1, 3), (-3, 2, 1)])
def test_chip_feed_is_undone_by_the_firmware_remap(remap: tuple[int, int, int]) -> None:
    sim = Simulator("calibration", seed=1)
    ref = Simulator("calibration", seed=1).read(300)
    feed = SensorFeed(sim, remap)
    chip = np.array([feed(i / sim.fs) for i in range(300)])
    # firmware (imu.py): sensor axis i = sign(remap[i]) * chip axis |remap[i]|
    sensor = np.column_stack([np.sign(r) * chip[:, abs(r) - 1] for r in remap]
                             + [np.sign(r) * chip[:, 3 + abs(r) - 1] for r in remap])
    np.testing.assert_allclose(sensor[:, :3], ref.acc_analog)
    np.testing.assert_allclose(sensor[:, 3:], ref.gyr_analog)
    assert feed(1e6) == feed(2e6)  # after the scenario the last sample holds


def test_flash_folder_reports_its_capacity_and_fills(tmp_path: Path) -> None:
    flash = FlashFolder(tmp_path, capacity=1024 * 1024)
    bsize, _, blocks, free, *_ = flash.statvfs("/")
    assert bsize == 4096 and blocks == 256 and free == 256
    (tmp_path / "a.kyr").write_bytes(os.urandom(5000))  # two blocks
    assert flash.statvfs("/")[3] == 254
    flash.fill()
    assert flash.statvfs("/")[3] == 0


@pytest.mark.parametrize("name", list_scenarios())
def test_ground_truth_is_exported_for_every_scenario(name: str, tmp_path: Path) -> None:
    board = VirtualBoard(name, seed=5)
    try:
        path = board.write_truth(tmp_path / f"{name}.json", samples=False)
    finally:
        board.cleanup()
    truth = read_truth(path)
    assert truth.meta["scenario"] == name and truth.meta["seed"] == 5
    assert truth.meta["board"]["device_t0_s"] == 0.0
    expect = Simulator(name, seed=5).built
    assert len(truth.lifts) == len(expect.lifts) and len(truth.slouches) == len(expect.slouches)
