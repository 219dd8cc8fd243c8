"""Fuzz the firmware's parsers on CPython (issue 14 item 10): ``frames.parse_cmd``,
``serialframe.Deframer`` and the command handler (every opcode with random arguments), 10,000
cases each: 1,000 hypothesis examples of 10 cases (hypothesis' own cost per example is what
makes 10,000 single-case examples take a minute each on a loaded 2-core machine). The properties
live in tests/firmware/on_device/check_fuzz.py, which also runs a seeded sample of them on the
real MicroPython (tests/firmware/test_on_device.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ON_DEVICE = Path(__file__).resolve().parent / "firmware" / "on_device"
PER_EXAMPLE = 10
EXAMPLES = 1_000  # x PER_EXAMPLE = 10,000 cases per property
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same cases on every run: a failure here is reproducible
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)


@pytest.fixture(scope="module")
def fz(firmware_shims: Any) -> Any:
    if str(ON_DEVICE) not in sys.path:
        sys.path.insert(0, str(ON_DEVICE))
    import check_fuzz

    return check_fuzz


_OPS = st.one_of(st.integers(0, 16), st.integers(0, 255))


@st.composite
def cmd_frames(draw: st.DrawFn) -> bytes:
    """CMD-shaped frames (every opcode, argument lengths right or wrong) and damaged ones."""
    import frames

    op = draw(_OPS)
    want = frames._ARGS_LEN[op] if 0 < op < len(frames._ARGS_LEN) else 0xFF
    if want != 0xFF and draw(st.booleans()):
        args = draw(st.binary(min_size=want, max_size=want))
    elif draw(st.integers(0, 4)) == 0:
        args = draw(
            st.sampled_from([b'{"slouch_dwell_s": 30}', b'{"odr_hz": 9999}', b'{"x": 1}', b"{",
                             b"slouch_dwell_s", b"name", b"\xff\xfe", b"[]", b"null"])
        )
    else:
        args = draw(st.binary(max_size=64))
    f = bytearray(
        bytes((draw(st.sampled_from([1, 1, 1, 0, 2])), draw(st.sampled_from([0x10] * 6 + [0x11, 0x12, 0])))
              )
        + (3 + len(args)).to_bytes(2, "little")
        + draw(st.binary(min_size=6, max_size=6))
        + draw(st.integers(0, 0xFFFF)).to_bytes(2, "little")
        + bytes((op,))
        + args
    )
    if draw(st.integers(0, 9)) == 0:
        f[2:4] = draw(st.integers(0, 0xFFFF)).to_bytes(2, "little")  # length field lies
    if draw(st.integers(0, 9)) == 0:
        f = f[: draw(st.integers(0, len(f)))]  # cut short
    return bytes(f)


def _batch(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[list[Any]]:
    return st.lists(strategy, min_size=PER_EXAMPLE, max_size=PER_EXAMPLE)


@FUZZ
@given(batch=_batch(st.one_of(st.binary(max_size=80), cmd_frames())))
def test_fuzz_parse_cmd(fz: Any, batch: list[bytes]) -> None:
    for data in batch:
        fz.prop_parse_cmd(data)


@st.composite
def serial_streams(draw: st.DrawFn) -> tuple[list[bytes], list[bytes], list[int]]:
    chunks: list[bytes] = []
    good: list[bytes] = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.integers(0, 3))
        if kind == 0:
            chunks.append(draw(st.binary(max_size=40)))  # junk, zeros included
        else:
            import check_fuzz

            frame = draw(cmd_frames())
            pkt = check_fuzz.packet(frame) if len(frame) <= 1034 else b""
            if kind == 3 and len(pkt) > 2:
                bad = bytearray(pkt)
                bad[draw(st.integers(0, len(bad) - 2))] ^= draw(st.integers(1, 255))
                chunks.append(b"\x00" + bytes(bad) + b"\x00")  # a damaged packet
            elif pkt:
                chunks.append(b"\x00" + pkt)
                # Only frames whose header is self-consistent come out whole.
                if len(frame) >= 10 and int.from_bytes(frame[2:4], "little") == len(frame) - 10:
                    good.append(frame)
    chunks.append(b"\x00")
    total = sum(len(c) for c in chunks)
    splits = draw(st.lists(st.integers(0, total), max_size=4))
    return chunks, good, splits


@FUZZ
@given(batch=_batch(serial_streams()))
def test_fuzz_serial_deframer(
    fz: Any, batch: list[tuple[list[bytes], list[bytes], list[int]]]
) -> None:
    for case in batch:
        fz.prop_deframer(*case)


@pytest.fixture(scope="module")
def handler(fz: Any) -> Any:
    return fz.new_handler()


_LINK_SPECS = st.sampled_from([("ble", False, 23), ("ble", False, 185), ("ble", True, 185),
                               ("ble", True, 247), ("usb", False, 0)])


@FUZZ
@given(batch=_batch(st.tuples(_LINK_SPECS, st.one_of(cmd_frames(), st.binary(max_size=40)))))
def test_fuzz_command_handler(
    fz: Any, handler: Any, batch: list[tuple[tuple[str, bool, int], bytes]]
) -> None:
    cmds, _dev = handler
    for spec, data in batch:
        fz.prop_command(cmds, fz.make_link(spec), data)
