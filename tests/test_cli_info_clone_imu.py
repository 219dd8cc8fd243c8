"""`kyphos info` warns when the recording's INFO frame says the IMU is a clone part (INFO flags
bit3: a WHO_AM_I no genuine InvenSense part reports, firmware/mpu6.py; docs/protocol.md)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from kyphos.cli import main
from kyphos.protocol.frames import Frame, Info, decode_frame, encode_frame
from kyphos.recording.kyr import KyrWriter, new_header
from kyphos.recording.synth import synth_frames


def _write(path: Path, imu_model: int, extra_flags: int) -> None:
    header = new_header("sim", subject="clone-test", device=None, note="clone IMU")
    with KyrWriter(path, header, fsync_interval_s=None, overwrite=True) as w:
        for host_us, data in synth_frames(5.0):
            frame, _ = decode_frame(data)
            if isinstance(frame.payload, Info):
                info = dataclasses.replace(frame.payload, imu_model=imu_model,
                                           flags=frame.payload.flags | extra_flags)
                data = encode_frame(Frame(frame.seq, frame.t_us, info))
            w.write(data, host_us)


@pytest.mark.parametrize(("model", "flags", "warned"), [(3, 8, True), (4, 8, True), (3, 0, False)])
def test_info_warns_of_a_clone_imu(tmp_path: Path, capsys, model: int, flags: int,
                                   warned: bool) -> None:
    p = tmp_path / "s.kyr"
    _write(p, model, flags)
    assert main(["info", str(p)]) == 0
    out = capsys.readouterr().out
    assert ("MPU-6050" if model == 3 else "MPU-6500") in out
    assert ("clone part" in out) is warned, out
