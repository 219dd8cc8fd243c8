"""The real firmware on the virtual board streams through bleak on the virtual radio and through
pyserial on a pseudo-terminal: no sample lost, the same frames on both links, and the samples are
the scenario's motion (right axes, scale and time). The host side is the user's:
``kyphos.connect`` -> ``kyphos.link.Device``, and the recorder behind ``kyphos record``."""

from __future__ import annotations

import asyncio
import struct
from pathlib import Path
from typing import Any

import kyphos
import numpy as np
import pytest
from _vboard_link import Listener, connect_sim, listen
from kyphos.protocol.constants import Opcode
from kyphos.protocol.frames import decode_frame
from kyphos.recording.recorder import record
from kyphos.sim.board import running_board
from kyphos.sim.clock import run
from kyphos.sim.scenario import simulate

ALL_STREAMS = bytes([0b111])  # IMU, QUAT, STATUS


def test_three_simulated_minutes_over_ble_lose_nothing_and_match_the_scenario(tmp_path: Path) -> None:
    path = tmp_path / "ble.kyr"

    async def main() -> dict:
        async with running_board("warehouse", seed=3) as (board, radio, _adapter):
            # The recorder of `kyphos record` on a plain link (no reconnect, no back-fill,
            # no keep-alive pings: nothing may need repairing).
            dev = await connect_sim(board, radio)
            t0 = board.now_s()
            res = await record(dev, path, duration_s=180.0, fsync_interval_s=60.0)
            t1 = board.now_s()
            health = dev.health()
            await dev.close()
            return {"t": t1 - t0, "lost": health.missing_frames, "corrupt": health.corrupt,
                    "samples": res.imu_samples, "truth": board.truth(),
                    "notifications": dev.transport.counters.packets_in,
                    "crashes": list(board.crashes)}

    r = run(main())
    assert r["crashes"] == [] and r["lost"] == 0 and r["corrupt"] == 0
    assert abs(r["samples"] - 104 * r["t"]) <= 104 * 0.1  # about one FIFO read either side
    assert r["notifications"] <= 20 * r["t"]  # the protocol's notification budget
    s = kyphos.load(path)
    assert s.n_samples == r["samples"] and len(s.gaps) == 0
    # The firmware's samples are the scenario's: compare with the error-free truth at the
    # same device times (session time 0 = first sample; truth time = device time).
    from kyphos.protocol.constants import FrameType
    from kyphos.recording.kyr import read_kyr

    first = next(raw for _, raw in read_kyr(path).frames() if raw[1] == FrameType.IMU)
    t_dev = s.time - s.time[0] + int.from_bytes(first[6:10], "little") / 1e6
    truth = r["truth"]
    acc_true = np.column_stack([np.interp(t_dev, truth.time, truth.acc[:, i]) for i in range(3)])
    gyr_true = np.column_stack([np.interp(t_dev, truth.time, truth.gyr[:, i]) for i in range(3)])
    assert np.median(np.abs(s.acc - acc_true)) < 0.3  # m/s²: chip errors and noise only
    assert np.median(np.abs(s.gyr - gyr_true)) < 0.05  # rad/s
    assert np.percentile(np.abs(s.acc - acc_true), 99) < 2.0


def test_pyserial_on_the_pty_gets_the_same_frames_as_bleak() -> None:
    async def main() -> tuple[Listener, Listener, str]:
        async with running_board("demo", seed=2, serial=True) as (board, radio, _adapter):
            path = board.serial.path
            ble = await listen(board, radio)
            # pyserial opens the pty as /dev/ttyACM0; the loop reads it (not a thread), so fast
            # simulated time cannot pass the 5 s command timeout while a reader thread waits
            # for a CPU (test_sim_serial_answers_however_late_the_host_reader_runs.py)
            ser = await listen(board, radio, "serial")
            info_ser = await ser.command(Opcode.GET_INFO)
            info_ble = await ble.command(Opcode.GET_INFO)
            assert info_ser == info_ble
            await ble.command(Opcode.START, ALL_STREAMS)
            await ser.command(Opcode.START, ALL_STREAMS)
            await asyncio.sleep(30.0)
            await ser.command(Opcode.STOP)
            await ble.command(Opcode.STOP)
            await asyncio.sleep(0.5)
            await ble.close()
            await ser.close()
            return ble, ser, path

    ble, ser, path = run(main())
    assert path.startswith("/dev/pts/")
    data = {0x02, 0x03}  # IMU and QUAT frames: the same seq means the same bytes
    by_seq_ble = {raw[4:6]: raw for _, raw in ble.frames if raw[1] in data}
    by_seq_ser = {raw[4:6]: raw for _, raw in ser.frames if raw[1] in data}
    common = set(by_seq_ble) & set(by_seq_ser)
    assert len(common) > 200
    assert all(by_seq_ble[k] == by_seq_ser[k] for k in common)
    assert ser.corrupt == 0 and ser.lost_frames == 0 and ble.lost_frames == 0
    assert ser.imu_samples > 29 * 104


@pytest.mark.parametrize(("chip", "model", "odr_chz"), [
    ("LSM6DSOX", 1, 10400), ("LSM6DS3TR-C", 2, 10400), ("MPU-6050", 3, 10000),
    ("MPU-6500", 4, 10000)])
def test_every_supported_chip_streams_through_the_firmware_driver(
        chip: str, model: int, odr_chz: int) -> None:
    async def main() -> tuple[Any, Listener, Any]:
        async with running_board("calibration", seed=1, chip=chip) as (board, radio, _adapter):
            link = await listen(board, radio)
            data = await link.command(Opcode.GET_INFO)
            head = struct.pack("<BBHHI", 1, 0x01, len(data), 0, 0)
            info = decode_frame(head + data)[0].payload
            await link.command(Opcode.START, ALL_STREAMS)
            await asyncio.sleep(10.0)
            await link.command(Opcode.STOP)
            await link.close()
            # what the chip measures (its errors included), before its own quantisation
            return info, link, simulate(board.scenario, seed=board.seed, chip=chip)

    info, link, sim = run(main())
    assert (info.imu_model, info.odr_chz) == (model, odr_chz)  # the driver found and set it
    assert link.lost_frames == 0 and abs(link.imu_samples - odr_chz / 10) <= 30
    rows = []
    for _, raw in link.frames:
        if raw[1] == 0x02:
            f = decode_frame(raw)[0]
            period = f.payload.period_ns / 1e9
            rows += [(f.t_us / 1e6 + i * period, *s) for i, s in enumerate(f.payload.samples)]
    a = np.array(rows)
    acc = a[:, 1:4] * info.acc_scale
    acc_chip = np.column_stack([np.interp(a[:, 0], sim.time, sim.acc_analog[:, i])
                                for i in range(3)])
    assert np.median(np.abs(acc - acc_chip)) < 0.05  # m/s²: same axes, scale and time
