"""Write the golden vectors (NAME.bin + NAME.json) from the host encoder.

Run: .venv/bin/python tests/vectors/make_vectors.py   (then review `git diff tests/vectors`)
Format: tests/vectors/README.md.
"""

from __future__ import annotations

import json
import math
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "host"))

from kyphos.protocol.ble import pack_notifications  # noqa: E402
from kyphos.protocol.constants import EventKind, Opcode  # noqa: E402
from kyphos.protocol.fields import frame_to_json  # noqa: E402
from kyphos.protocol.frames import (  # noqa: E402
    Ack,
    Cmd,
    Err,
    Event,
    Frame,
    Imu,
    Info,
    LogChunk,
    Note,
    Quat,
    Status,
    encode_frame,
    note_bytes,
)
from kyphos.protocol.serial import serial_stream  # noqa: E402
from kyphos.recording.kyr import write_kyr  # noqa: E402


def _f32(x: float) -> float:
    import struct

    return float(struct.unpack("<f", struct.pack("<f", x))[0])


ACC_SCALE = _f32(9.80665 * 4 / 32768)  # ±4 g
GYR_SCALE = _f32(math.radians(500) / 32768)  # ±500 °/s
PERIOD_104 = 9_615_385


def info(name: str = "kyphos-3A4F", **kw: Any) -> Info:
    base = dict(
        fw_version=(1, 2, 3), imu_model=1, board=1, flags=0x07, odr_chz=10400, acc_fs_g=4,
        gyr_fs_dps=500, acc_scale=ACC_SCALE, gyr_scale=GYR_SCALE,
        device_id=bytes.fromhex("24ec4a3a4f00"), name=name,
    )
    base.update(kw)
    return Info(**base)  # type: ignore[arg-type]


def imu_samples(count: int, seed: int = 0) -> tuple[tuple[int, ...], ...]:
    """Deterministic raw samples: upright-ish acc on x, small gyro, some negative values."""
    rows = []
    for i in range(count):
        k = i + seed
        rows.append((
            8192 + (k * 37) % 200 - 100, (k * 53) % 300 - 150, -((k * 71) % 400),
            (k * 13) % 64 - 32, -((k * 29) % 90), (k * 7) % 50 - 25,
        ))
    return tuple(rows)


def quat_samples(count: int, seed: int = 0) -> tuple[tuple[int, ...], ...]:
    rows = []
    for i in range(count):
        a = 0.01 * (i + seed)
        w, y = math.cos(a / 2), math.sin(a / 2)
        rows.append((round(w * 16384), round(0.01 * 16384), round(y * 16384), -round(0.02 * 16384)))
    return tuple(rows)


STATUS = Status(3912, 87, 2, 0x0228, 0, 0, 3, 0, 1_048_576, 2875)


def vectors() -> dict[str, dict[str, Any]]:
    v: dict[str, dict[str, Any]] = {}

    def add(name: str, description: str, frames: list[Frame], kind: str = "frames") -> None:
        v[name] = {"description": description, "kind": kind, "frames": frames}

    add("info", "INFO of a XIAO ESP32-S3 with an LSM6DSOX", [Frame(0, 1_000_000, info())])
    add("info_empty_name", "INFO with an empty name and no features (virtual board, no IMU)",
        [Frame(1, 0, info("", imu_model=0, board=0, flags=0, odr_chz=0, acc_fs_g=0,
                          gyr_fs_dps=0, acc_scale=0.0, gyr_scale=0.0,
                          device_id=bytes(6)))])
    add("info_utf8_name", "INFO with a 32-byte UTF-8 name (multi-byte characters)",
        [Frame(2, 5, info("kyphos-Zoë-背中-ñandú-ü€"))])
    add("imu_one_sample", "IMU batch of 1 with int16 extremes and all flags",
        [Frame(0, 0, Imu(PERIOD_104, 0x07, ((-32768, 32767, -1, 0, 1, -2),)))])
    add("imu_batch_13", "IMU batch of 13 at 104 Hz (the BLE batch size)",
        [Frame(1234, 123_456_789, Imu(PERIOD_104, 0, imu_samples(13)))])
    add("imu_max_count", "IMU batch of 84 samples, the largest allowed",
        [Frame(65535, 4_294_967_000, Imu(PERIOD_104, 0x02, imu_samples(84, 5)))])
    add("quat_batch_20", "QUAT batch of 20 (the BLE batch size), bias converged",
        [Frame(77, 2_000_000, Quat(PERIOD_104, 0x01, quat_samples(20)))])
    add("quat_max_count", "QUAT batch of 127 samples, the largest allowed, with negative values",
        [Frame(78, 4_294_000_000, Quat(PERIOD_104, 0x03,
                                       quat_samples(126) + ((-16384, 0, -1, 16384),)))])
    add("status", "STATUS streaming, calibrated, USB powered", [Frame(9, 3_000_000, STATUS)])
    add("status_extremes", "STATUS with unknown battery/temperature and u32 counters at max",
        [Frame(10, 0xFFFFFFFF, Status(0, 255, 5, 0x07FF, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF,
                                      0xFFFFFFFF, 0, -32768))])
    events = [
        Event(EventKind.SLOUCH_START, 0, 352), Event(EventKind.SLOUCH_END, 0, 32767),
        Event(EventKind.BUTTON, 2, 0), Event(EventKind.HAPTIC_ON, 3, 0),
        Event(EventKind.HAPTIC_OFF, 0, 0), Event(EventKind.MARKER, 0, -7),
        Event(EventKind.CALIBRATED, 0, 0), Event(EventKind.BOOT, 5, 0),
        Event(EventKind.SLEEP, 0, 0), Event(EventKind.WAKE, 1, 0),
        Event(EventKind.LOW_BATTERY, 0, 340),
    ]
    add("events", "one EVENT of every kind, seq 100…110",
        [Frame(100 + i, 10_000 * i, e) for i, e in enumerate(events)])
    add("log_chunk", "LOG_CHUNK with a few bytes of a log file",
        [Frame(3, 42, LogChunk(2, 4096, 123_456, b"\x89KYR\r\n\x1a\n\x01\x00"))])
    add("log_chunk_max", "LOG_CHUNK of 1014 data bytes: payload length 1024, the maximum",
        [Frame(4, 43, LogChunk(0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, bytes(range(256)) * 3
                               + bytes(range(246))))])
    add("log_chunk_empty", "LOG_CHUNK with no data (end of a log)",
        [Frame(5, 44, LogChunk(1, 0, 0, b""))])
    add("cmd", "CMD frames: GET_INFO, START all streams, CONFIG_SET, LOG_READ, MARKER −1, PING",
        [Frame(1, 0, Cmd(1, Opcode.GET_INFO)),
         Frame(2, 0, Cmd(2, Opcode.START, b"\x07")),
         Frame(3, 0, Cmd(3, Opcode.CONFIG_SET, b'{"slouch_deg":25}')),
         Frame(4, 0, Cmd(4, Opcode.LOG_READ, bytes.fromhex("0200") + (4096).to_bytes(4, "little")
                         + (2048).to_bytes(4, "little"))),
         Frame(5, 0, Cmd(65535, Opcode.MARKER, (-1).to_bytes(2, "little", signed=True))),
         Frame(6, 0, Cmd(0, Opcode.PING))])
    info_payload = encode_frame(Frame(0, 0, info()))[10:]
    add("ack", "ACK frames: GET_INFO with an INFO payload, START with no data, PING",
        [Frame(7, 5_000, Ack(1, Opcode.GET_INFO, info_payload)),
         Frame(8, 5_100, Ack(2, Opcode.START)),
         Frame(9, 5_200, Ack(6, Opcode.PING))])
    add("err", "ERR frames: unknown config key with a message, MTU too small with none",
        [Frame(10, 6_000, Err(3, Opcode.CONFIG_SET, 3, "unknown config key 'slouch_dg'")),
         Frame(11, 6_100, Err(2, Opcode.START, 10, ""))])
    add("note", "NOTE written by the host (seq 0), with a non-ASCII string",
        [Frame(0, 0, Note({"kind": "annotation", "text": "Knie gebeugt, gut — ok", "n": 3}))])
    # Sequence wrap 65535 → 0 and t_us wrap 2^32 → 0 across data frames.
    period_us = PERIOD_104 / 1000
    wrap = []
    t = 4_294_967_296 - 2 * 125_000
    for i, seq in enumerate((65534, 65535, 0, 1)):
        wrap.append(Frame(seq, int(t + i * 13 * period_us) % (1 << 32),
                          Imu(PERIOD_104, 0, imu_samples(13, i * 13))))
    add("seq_wrap", "IMU frames across the seq 65535→0 and t_us 2^32→0 wraps", wrap)
    ble = [Frame(200, 9_000_000, Event(EventKind.HAPTIC_ON, 1, 0)),
           Frame(201, 9_000_100, Quat(PERIOD_104, 1, quat_samples(5))),
           Frame(202, 9_000_200, Event(EventKind.HAPTIC_OFF, 0, 0)),
           Frame(203, 9_000_300, STATUS)]
    add("ble_notification", "one BLE notification (≤ 182 bytes) carrying 4 whole frames", ble)
    serial = [Frame(0, 0, Event(EventKind.BOOT, 1, 0)),
              Frame(0, 256, info()),
              Frame(1, 65536, Imu(PERIOD_104, 0, ((0, 0, 0, 0, 0, 0), (256, -256, 0, 1, 0, -1)))),
              Frame(2, 0x01000000, Quat(PERIOD_104, 0, ((16384, 0, 0, 0),))),
              Frame(0, 0, LogChunk(0, 0, 300, bytes(range(1, 256)) + bytes(45))),
              Frame(3, 70_000, Ack(0, Opcode.PING))]
    add("serial_stream", "USB serial stream: COBS + CRC-16 packets, frame data full of 0x00 "
        "and a 255-byte run without 0x00", serial, kind="serial")
    kyr_frames = [
        Frame(0, 0, Event(EventKind.BOOT, 1, 0)),
        Frame(0, 100, info()),
        Frame(1, 1_000, Imu(PERIOD_104, 0, imu_samples(13))),
        Frame(2, 1_000, Quat(PERIOD_104, 1, quat_samples(20))),
        Frame(3, 126_000, Imu(PERIOD_104, 1, imu_samples(13, 13))),
        Frame(4, 130_000, STATUS),
        Frame(0, 0, Note({"kind": "marker", "label": "lift 1"})),
    ]
    v["recording"] = {
        "description": "a small .kyr recording: BOOT, INFO, IMU, QUAT, IMU, STATUS, NOTE; "
        "the last IMU frame arrived from the flash log (host_us −1)",
        "kind": "kyr",
        "header": {
            "format": "kyr", "version": 1, "created_utc": "2026-11-30T04:00:00Z",
            "source": "ble", "subject": "P-017", "device": None,
            "host": {"kyphos": "0.1.0"}, "calibration": None,
        },
        "host_us": [1_796_000_000_000_000 + 1_000 * i for i in range(4)]
        + [-1]
        + [1_796_000_000_200_000, 1_796_000_000_300_000],
        "frames": kyr_frames,
    }
    v["recording"]["header"]["device"] = {
        k: val for k, val in frame_to_json(kyr_frames[1])["fields"].items()
    }
    return v


def write_all(out: Path = HERE) -> list[str]:
    names = []
    for name, vec in vectors().items():
        frames: list[Frame] = vec["frames"]
        raw = [encode_frame(f) for f in frames]
        if vec["kind"] == "frames":
            data = b"".join(raw)
            if name == "ble_notification":
                packed = pack_notifications(raw, 182)
                assert len(packed) == 1, "the BLE vector must fit one notification"
        elif vec["kind"] == "serial":
            data = serial_stream(raw)
            assert any(0 in r for r in raw)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                p = Path(tmp) / "x.kyr"
                write_kyr(p, vec["header"], raw, vec["host_us"])
                data = p.read_bytes()
        doc = dict(vec)
        doc["frames"] = [frame_to_json(f) for f in frames]
        (out / f"{name}.bin").write_bytes(data)
        (out / f"{name}.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
        names.append(name)
    return names


if __name__ == "__main__":
    assert note_bytes({"b": 1, "a": "é"}) == '{"a":"é","b":1}'.encode()
    for n in write_all():
        print(n)
