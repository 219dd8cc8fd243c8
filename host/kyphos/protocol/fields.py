"""Frames as plain JSON values, in the form of tests/vectors/README.md (``type``, ``seq``,
``t_us``, ``fields``). Used by the golden vectors and by anything that prints frames."""

from __future__ import annotations

from typing import Any

from kyphos.errors import FrameError
from kyphos.protocol.constants import FrameType
from kyphos.protocol.frames import (
    Ack,
    Cmd,
    Err,
    Event,
    Frame,
    Imu,
    Info,
    LogChunk,
    Note,
    Payload,
    Quat,
    Status,
)


def payload_to_fields(p: Payload) -> dict[str, Any]:
    if isinstance(p, Info):
        return {
            "fw_version": list(p.fw_version),
            "imu_model": p.imu_model,
            "board": p.board,
            "flags": p.flags,
            "odr_chz": p.odr_chz,
            "acc_fs_g": p.acc_fs_g,
            "gyr_fs_dps": p.gyr_fs_dps,
            "acc_scale": p.acc_scale,
            "gyr_scale": p.gyr_scale,
            "device_id": bytes(p.device_id).hex(),
            "name": p.name,
        }
    if isinstance(p, Imu):
        return {"period_ns": p.period_ns, "flags": p.flags, "samples": [list(s) for s in p.samples]}
    if isinstance(p, Quat):
        return {"period_ns": p.period_ns, "flags": p.flags, "quats": [list(q) for q in p.quats]}
    if isinstance(p, Status):
        return dict(p.__dict__)
    if isinstance(p, Event):
        return {"kind": p.kind, "arg": p.arg, "value": p.value}
    if isinstance(p, LogChunk):
        return {"log_id": p.log_id, "offset": p.offset, "total": p.total, "data": p.data.hex()}
    if isinstance(p, Cmd):
        return {"request_id": p.request_id, "opcode": p.opcode, "args": p.args.hex()}
    if isinstance(p, Ack):
        return {"request_id": p.request_id, "opcode": p.opcode, "data": p.data.hex()}
    if isinstance(p, Err):
        return {"request_id": p.request_id, "opcode": p.opcode, "code": p.code, "message": p.message}
    if isinstance(p, Note):
        return {"note": p.note}
    raise TypeError(f"not a frame payload: {type(p).__name__}")


def payload_from_fields(ftype: FrameType, f: dict[str, Any]) -> Payload:
    if ftype == FrameType.INFO:
        return Info(
            tuple(f["fw_version"]),  # type: ignore[arg-type]
            f["imu_model"], f["board"], f["flags"], f["odr_chz"], f["acc_fs_g"],
            f["gyr_fs_dps"], float(f["acc_scale"]), float(f["gyr_scale"]),
            bytes.fromhex(f["device_id"]), f["name"],
        )
    if ftype == FrameType.IMU:
        return Imu(f["period_ns"], f["flags"], tuple(tuple(s) for s in f["samples"]))
    if ftype == FrameType.QUAT:
        return Quat(f["period_ns"], f["flags"], tuple(tuple(q) for q in f["quats"]))
    if ftype == FrameType.STATUS:
        return Status(**f)
    if ftype == FrameType.EVENT:
        return Event(f["kind"], f["arg"], f["value"])
    if ftype == FrameType.LOG_CHUNK:
        return LogChunk(f["log_id"], f["offset"], f["total"], bytes.fromhex(f["data"]))
    if ftype == FrameType.CMD:
        return Cmd(f["request_id"], f["opcode"], bytes.fromhex(f["args"]))
    if ftype == FrameType.ACK:
        return Ack(f["request_id"], f["opcode"], bytes.fromhex(f["data"]))
    if ftype == FrameType.ERR:
        return Err(f["request_id"], f["opcode"], f["code"], f["message"])
    if ftype == FrameType.NOTE:
        return Note(f["note"])
    raise FrameError(f"unknown frame type {ftype}", 0)


def frame_to_json(frame: Frame) -> dict[str, Any]:
    return {
        "type": frame.type.name,
        "seq": frame.seq,
        "t_us": frame.t_us,
        "fields": payload_to_fields(frame.payload),
    }


def frame_from_json(d: dict[str, Any]) -> Frame:
    return Frame(d["seq"], d["t_us"], payload_from_fields(FrameType[d["type"]], d["fields"]))
