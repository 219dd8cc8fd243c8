"""The board's flash log (firmware/flashlog.py, run on CPython with the shims) is read by the
host's own .kyr reader and loader, whole, rotated into parts, and cut by a power loss at any
byte: every whole record survives and the torn one is reported as a torn tail."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from kyphos.recording.kyr import read_kyr
from kyphos.recording.load import load

_ODR_HZ = 104
_PERIOD_NS = 9_615_385
_PER_BATCH = 10
_ACC_SCALE = 9.80665 / 4096  # ±8 g on an LSM6DSOX
_GYR_SCALE = math.radians(0.035)  # ±1000 °/s

INFO = {
    "fw_version": [0, 1, 0], "imu_model": 1, "board": 0, "flags": 3, "odr_chz": _ODR_HZ * 100,
    "acc_fs_g": 8, "gyr_fs_dps": 1000, "acc_scale": _ACC_SCALE, "gyr_scale": _GYR_SCALE,
    "device_id": "a1b2c3d4e5f6", "name": "kyphos-test",
}


def _device_frames(fw: Any, batches: int) -> list[bytes]:
    """What the runtime would log: BOOT, then IMU batches with a haptic buzz in the middle."""
    frames = fw["frames"]
    frametools = fw["frametools"]
    buf = bytearray(frametools.MAX_FRAME)
    out = []
    seq = 0
    t_us = 1_000_000

    def event(kind: int, arg: int, value: int) -> None:
        nonlocal seq
        end = frames.put_event(buf, 0, seq, t_us, kind, arg, value)
        out.append(bytes(buf[:end]))
        seq += 1

    event(frametools.EV_BOOT, 1, 0)
    for b in range(batches):
        if b == batches // 2:
            event(frametools.EV_HAPTIC_ON, 2, 0)
        if b == batches // 2 + 2:
            event(frametools.EV_HAPTIC_OFF, 0, 0)
        samples = []
        for i in range(_PER_BATCH):
            k = b * _PER_BATCH + i
            # upright and still: +1 g on x, a slow sway on the gyro
            samples += [4096, 30, -20, int(200 * math.sin(k / 50)), 0, 5]
        end = frametools.put_imu(buf, 0, seq, t_us, _PERIOD_NS, 0, samples, _PER_BATCH)
        out.append(bytes(buf[:end]))
        seq += 1
        t_us += _PER_BATCH * _PERIOD_NS // 1000
    return out


@pytest.fixture
def fw(firmware_shims: Any) -> dict[str, Any]:
    import flashlog
    import frames
    import frametools

    return {"flashlog": flashlog, "frames": frames, "frametools": frametools}


def _write_log(fw: Any, root: Path, sent: list[bytes], max_file_bytes: int) -> list[Path]:
    log = fw["flashlog"].FlashLog(str(root), max_file_bytes, 16 * 1024)
    log.start(INFO)
    for fr in sent:
        assert log.append(memoryview(fr))
    log.stop()
    return [root / f"{i:05d}.kyr" for i in log.ids()]


def test_host_reads_every_frame_of_a_rotated_device_log(fw: Any, tmp_path: Path) -> None:
    sent = _device_frames(fw, 300)
    parts = _write_log(fw, tmp_path / "logs", sent, 16 * 1024)
    assert len(parts) >= 3
    got: list[bytes] = []
    for n, part in enumerate(parts, start=1):
        k = read_kyr(part)
        assert k.index.damage == []
        assert k.header["source"] == "flash"
        assert k.header["part"] == n and k.header["session"] == 1
        assert k.header["device"] == INFO
        for host_us, frame in k.frames():
            assert host_us == -1
            got.append(frame)
    assert got == sent


def test_host_loader_turns_a_device_log_into_si_samples(fw: Any, tmp_path: Path) -> None:
    sent = _device_frames(fw, 50)
    (part,) = _write_log(fw, tmp_path / "logs", sent, 512 * 1024)
    s = load(part)
    assert s.damage == []
    assert len(s.time) == 50 * _PER_BATCH
    assert s.fs == pytest.approx(_ODR_HZ)
    np.testing.assert_allclose(s.acc[:, 0], 4096 * _ACC_SCALE, rtol=1e-6)
    np.testing.assert_allclose(np.diff(s.time), _PERIOD_NS / 1e9, atol=2e-6)
    assert s.haptic.any() and not s.haptic.all()


def test_power_cut_at_any_byte_loses_at_most_the_last_frame(fw: Any, tmp_path: Path) -> None:
    sent = _device_frames(fw, 40)
    (part,) = _write_log(fw, tmp_path / "logs", sent, 512 * 1024)
    data = part.read_bytes()
    whole = read_kyr(data)
    ends = [int(o) + 12 + len(f) for o, f in zip(whole.index.offsets, sent, strict=True)]
    assert ends[-1] == len(data)
    rng = np.random.default_rng(7)
    cuts = rng.integers(whole.data_start, len(data), 60).tolist() + ends[:3] + [ends[0] - 1]
    for cut in cuts:
        k = read_kyr(data[:cut])
        n_whole = int(np.searchsorted(ends, cut, side="right"))
        assert [f for _, f in k.frames()] == sent[:n_whole], cut
        if cut in ends:
            assert k.index.damage == []
        else:
            (d,) = k.index.damage
            assert d.kind == "torn tail"
            assert d.offset == (ends[n_whole - 1] if n_whole else whole.data_start)
            assert d.offset + d.length == cut
        cut_path = tmp_path / "cut.kyr"
        cut_path.write_bytes(data[:cut])
        s = load(cut_path)  # the loader keeps everything before the tear
        imu_whole = sum(1 for f in sent[:n_whole] if f[1] == 0x02)
        assert len(s.time) == imu_whole * _PER_BATCH
