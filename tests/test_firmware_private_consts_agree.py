"""Issue 14 item 9 (heap): the firmware's protocol numbers are private ``const()`` names (a
public const name is stored in its module's globals and costs ~40 bytes of heap on the board;
bench/bench_upy_heap.py), so a module that needs one keeps its own ``_NAME = const(...)`` copy
instead of reading ``frames.NAME`` at run time. These checks stop the copies from drifting:
every private copy of a protocol number equals the public name in firmware/frametools.py, and
frametools agrees with the host's protocol
(kyphos.protocol.constants, the decoder of everything the board sends)."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest
from kyphos.protocol import constants as host
from kyphos.sim.shims import FIRMWARE_DIR

_CONST = re.compile(r"^(_?[A-Z][A-Z0-9_]*) = const\((.+?)\)(?:\s*#.*)?$", re.M)


def _consts(path: Path) -> dict[str, int]:
    """NAME -> value of every ``NAME = const(expr)`` at the top level of a firmware file."""
    out = {}
    for name, expr in _CONST.findall(path.read_text()):
        value = eval(compile(ast.parse(expr, mode="eval"), str(path), "eval"), {"__builtins__": {}})
        out[name] = value
    return out


def _all() -> dict[str, dict[str, int]]:
    return {p.stem: _consts(p) for p in sorted(FIRMWARE_DIR.glob("*.py"))}


@pytest.fixture(scope="module")
def frametools(firmware_shims: Any) -> Any:
    import frametools

    return frametools


def test_every_private_copy_equals_the_public_name(frametools: Any) -> None:
    checked = 0
    for module, consts in _all().items():
        for name, value in consts.items():
            public = name[1:]
            if name.startswith("_") and isinstance(getattr(frametools, public, None), int):
                assert value == getattr(frametools, public), f"{module}.{name}"
                checked += 1
    # frames.py alone has 62; commands, control, sampling, routing, powerpolicy and app more.
    assert checked >= 100, checked


# Modules split for the heap (a lazily imported part and the part that stays) and modules that
# keep a copy of another's number: the names they share must have one value.
_PAIRS = [("devbuild", "sampling"), ("devbuild", "powerpolicy"), ("app", "powerpolicy"),
          ("blesetup", "ble"), ("usb", "ble"), ("cmdstore", "commands"), ("logread", "flashlog"),
          ("lsm6cfg", "lsm6"), ("imuprobe", "imu")]


def test_split_modules_share_their_values() -> None:
    consts = _all()
    shared = 0
    for a, b in _PAIRS:
        ca = {n.lstrip("_"): v for n, v in consts[a].items()}
        cb = {n.lstrip("_"): v for n, v in consts[b].items()}
        for name in set(ca) & set(cb):
            assert ca[name] == cb[name], f"{a}.{name} != {b}.{name}"
            shared += 1
    assert shared >= 20, shared


def test_frames_keeps_no_public_constant(frametools: Any) -> None:
    import frames

    public = [n for n in _consts(FIRMWARE_DIR / "frames.py") if not n.startswith("_")]
    assert public == []
    assert not hasattr(frames, "OP_PING") and frametools.OP_PING == 0x0F


def test_frametools_agrees_with_the_host_protocol(frametools: Any) -> None:
    assert frametools.VERSION == host.VERSION
    assert frametools.HEADER_LEN == host.HEADER_SIZE
    assert frametools.MAX_PAYLOAD == host.MAX_PAYLOAD
    assert frametools.MAX_FRAME == host.HEADER_SIZE + host.MAX_PAYLOAD
    assert frametools.IMU_MAX_COUNT == host.MAX_IMU_COUNT
    assert frametools.QUAT_MAX_COUNT == host.MAX_QUAT_COUNT
    assert frametools.INFO_MAX_NAME == host.MAX_NAME_LEN
    for t in host.FrameType:
        assert getattr(frametools, t.name) == t.value, t
    for op in host.Opcode:
        assert getattr(frametools, "OP_" + op.name) == op.value, op
    for ev in host.EventKind:
        assert getattr(frametools, "EV_" + ev.name) == ev.value, ev
    errs = {"BAD_ARGUMENTS": "BAD_ARGS", "UNKNOWN_CONFIG_KEY": "UNKNOWN_KEY",
            "CONFIG_OUT_OF_RANGE": "OUT_OF_RANGE", "NOT_PERMITTED_UNENCRYPTED": "NOT_PERMITTED",
            "IMU_ERROR": "IMU"}
    for e in host.ErrCode:
        assert getattr(frametools, "E_" + errs.get(e.name, e.name)) == e.value, e


def test_log_copies_agree(firmware_shims: Any) -> None:
    import kyrfile

    fl = _consts(FIRMWARE_DIR / "flashlog.py")
    assert fl["_DEVICE_HOST_US"] == kyrfile.DEVICE_HOST_US
    assert _consts(FIRMWARE_DIR / "logread.py")["_MAX_RECORD"] == fl["_MAX_RECORD"]
