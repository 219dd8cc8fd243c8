"""Fuzz every decoder with hypothesis: random bytes, bit flips of valid data, truncation, wrong
length fields and seq/t_us wraps. Only documented errors (FrameError, RecordingError) may
escape, and what was valid before the damage is kept.

10,000 examples per decoder; inputs are small so the whole file runs in about a minute on one
core. Runs are deterministic (derandomize); set KYPHOS_FUZZ_RANDOM=1 to explore new inputs.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kyphos.errors import FrameError, KyphosError, RecordingError
from kyphos.protocol.ble import split_notification
from kyphos.protocol.bulk import decode_bulk, frame_offsets
from kyphos.protocol.frames import (
    Event,
    Frame,
    Imu,
    Quat,
    Status,
    decode_frame,
    decode_frames,
    encode_frame,
)
from kyphos.protocol.serial import SerialDeframer, decode_serial, serial_packet
from kyphos.protocol.stream import StreamDecoder
from kyphos.recording.kyr import header_bytes, new_header, read_kyr, record_bytes
from kyphos.recording.load import load_bytes
from kyphos.recording.synth import demo_info, synth_frames

FUZZ = settings(
    max_examples=10_000,
    deadline=None,
    derandomize=not os.environ.get("KYPHOS_FUZZ_RANDOM"),
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# A pool of valid frames of every type (golden-vector style plus synthetic batches).
_SYNTH = [f for _, f in synth_frames(3.0)]
POOL: list[bytes] = sorted(set(_SYNTH[:12]), key=_SYNTH.index) + [
    encode_frame(Frame(1, 2, Event(8, 1, 0))),
    encode_frame(Frame(3, 4, Status(1, 2, 3, 4, 5, 6, 7, 8, 9, -10))),
]
for name in ("info", "cmd", "ack", "err", "note", "log_chunk", "events"):
    data = (Path(__file__).parent / "vectors" / f"{name}.bin").read_bytes()
    pos = 0
    while pos < len(data):
        ln = struct.unpack_from("<H", data, pos + 2)[0]
        POOL.append(data[pos : pos + 10 + ln])
        pos += 10 + ln

frames_st = st.lists(st.sampled_from(POOL), min_size=1, max_size=4)


@st.composite
def wrapped_frames(draw: st.DrawFn) -> list[bytes]:
    """Valid data frames whose seq and t_us run across their wraps."""
    seq = draw(st.integers(65530, 65535))
    t = draw(st.integers((1 << 32) - 400_000, (1 << 32) - 1))
    out = []
    for k in range(draw(st.integers(1, 4))):
        n = draw(st.integers(1, 3))
        p = Imu(9_615_385, 0, ((k, -k, 1, 2, 3, -32768),) * n) if k % 2 == 0 else Quat(
            9_615_385, 1, ((16384, 0, 0, -1),) * n)
        out.append(encode_frame(Frame((seq + k) % 65536, (t + k * 125_000) % (1 << 32), p)))
    return out


@st.composite
def damaged(draw: st.DrawFn, base: st.SearchStrategy[bytes]) -> tuple[bytes, bytes, int]:
    """(valid data, damaged data, first damaged offset) by flips, cuts, length or junk."""
    good = draw(base)
    kind = draw(st.sampled_from(["flip", "cut", "length", "junk", "none"]))
    data = bytearray(good)
    first = len(good)
    if kind == "flip" and good:
        for _ in range(draw(st.integers(1, 3))):
            i = draw(st.integers(0, len(good) - 1))
            data[i] ^= 1 << draw(st.integers(0, 7))
            first = min(first, i)
    elif kind == "cut" and good:
        first = draw(st.integers(0, len(good) - 1))
        del data[first:]
    elif kind == "length" and len(good) >= 4:
        i = draw(st.integers(0, len(good) - 4))
        struct.pack_into("<H", data, i, draw(st.integers(0, 0xFFFF)))
        first = i
    elif kind == "junk":
        first = draw(st.integers(0, len(good)))
        data[first:first] = draw(st.binary(min_size=1, max_size=40))
    return good, bytes(data), first


joined = frames_st.map(b"".join)
any_input = st.one_of(
    st.binary(max_size=300).map(lambda b: (b"", b, 0)),
    damaged(joined),
    wrapped_frames().map(lambda fs: (b"".join(fs), b"".join(fs), 1 << 30)),
)


@FUZZ
@given(any_input)
def test_fuzz_decode_frame(case: tuple[bytes, bytes, int]) -> None:
    good, data, first = case
    try:
        frame, end = decode_frame(data)
    except FrameError as exc:
        assert 0 <= exc.offset <= len(data)
        return
    assert 10 <= end <= len(data)
    if data == good:
        assert encode_frame(frame) == data[:end]


@FUZZ
@given(any_input, st.integers(1, 50))
def test_fuzz_stream_decoder_keeps_valid_prefix(case: tuple[bytes, bytes, int], step: int) -> None:
    good, data, first = case
    dec = StreamDecoder()
    got = []
    errors = 0
    for i in range(0, len(data), step):
        it = dec.feed(data[i : i + step])
        while True:
            try:
                got.extend(it)
                break
            except FrameError:
                errors += 1
                it = dec.feed()
                if errors > len(data):
                    raise AssertionError("decoder does not make progress") from None
    if data == good:
        assert got == decode_frames(good) and dec.pending == 0
    else:
        # Frames wholly before the first damaged byte all come out first, in order.
        expect = decode_frames(_whole_prefix(good, first))
        assert got[: len(expect)] == expect


def _whole_prefix(good: bytes, first: int) -> bytes:
    pos = 0
    while pos < len(good):
        end = pos + 10 + struct.unpack_from("<H", good, pos + 2)[0]
        if end > first:
            break
        pos = end
    return good[:pos]


@FUZZ
@given(any_input)
def test_fuzz_ble_split_is_all_or_nothing(case: tuple[bytes, bytes, int]) -> None:
    good, data, _ = case
    try:
        frames = split_notification(data)
    except FrameError:
        assert data != good or not data
        return
    offs = frame_offsets(data)  # the header walk covers the notification exactly
    assert len(frames) == len(offs) and offs[0] == 0


@FUZZ
@given(st.lists(st.sampled_from(POOL), min_size=1, max_size=4), st.data())
def test_fuzz_serial_deframer_drops_only_damaged_packets(frames: list[bytes], d: st.DataObject) -> None:
    pkts = [serial_packet(f) for f in frames]
    spans = np.cumsum([0] + [len(p) for p in pkts])
    stream = bytearray(b"".join(pkts))
    kind = d.draw(st.sampled_from(["flip", "cut", "junk", "random"]))
    hit: set[int] = set()  # packets the damage may spoil
    if kind == "flip":
        j = d.draw(st.integers(0, len(stream) - 1))
        stream[j] ^= 1 << d.draw(st.integers(0, 7))
        k = int(np.searchsorted(spans, j, side="right")) - 1
        hit = {k, k + 1} if j == spans[k + 1] - 1 else {k}  # a lost 0x00 merges two packets
    elif kind == "cut":
        j = d.draw(st.integers(0, len(stream) - 1))
        del stream[j:]
        hit = {k for k in range(len(pkts)) if spans[k + 1] > j}
    elif kind == "junk":
        j = d.draw(st.integers(0, len(stream)))
        stream[j:j] = d.draw(st.binary(min_size=1, max_size=30))
        hit = {int(np.searchsorted(spans, j, side="right")) - 1}
    else:
        stream = bytearray(d.draw(st.binary(max_size=200)))
    step = d.draw(st.integers(1, 64))
    de = SerialDeframer()
    got = [encode_frame(f) for i in range(0, len(stream), step) for f in de.feed(stream[i : i + step])]
    try:
        strict = [encode_frame(f) for f in decode_serial(bytes(stream))]
        assert strict == got
    except FrameError as exc:
        assert 0 <= exc.offset <= len(stream)
    if kind != "random":
        # Every packet the damage did not touch comes out, in order.
        intact = iter(got)
        assert all(any(g == f for g in intact) for k, f in enumerate(frames) if k not in hit)


@FUZZ
@given(any_input)
def test_fuzz_bulk_decoder_matches_frame_decoder(case: tuple[bytes, bytes, int]) -> None:
    _, data, _ = case
    try:
        bulk = decode_bulk(data)
    except FrameError as exc:
        assert 0 <= exc.offset <= len(data)
        try:
            decode_frames(data)
        except FrameError:
            return
        # The bulk decoder checks headers and batch counts only; the frame decoder may pass.
        return
    try:
        frames = decode_frames(data)
    except FrameError:
        return  # e.g. bad UTF-8 in a NOTE: the bulk decoder does not read NOTE payloads
    imu = [s for f in frames if isinstance(f.payload, Imu) for s in f.payload.samples]
    assert bulk.imu.values.tolist() == [list(s) for s in imu]
    assert bulk.headers.seq.tolist() == [f.seq for f in frames]


# ---------------------------------------------------------------- .kyr reader and loader


def _kyr(frames: list[bytes]) -> tuple[bytes, list[int]]:
    head = header_bytes(new_header("sim", created_utc="2026-01-01T00:00:00Z",
                                   device={"acc_scale": 0.001, "gyr_scale": 0.001}))
    recs = [record_bytes(f, 1_800_000_000_000_000 + 10_000 * i) for i, f in enumerate(frames)]
    ends = list(np.cumsum([len(head)] + [len(r) for r in recs]))
    return head + b"".join(recs), ends


_INFO = encode_frame(Frame(0, 0, demo_info()))
kyr_st = st.lists(st.sampled_from(POOL), min_size=0, max_size=5).map(
    lambda fs: (fs, *_kyr([_INFO, *fs]))
)


@st.composite
def kyr_case(draw: st.DrawFn) -> tuple[list[bytes], bytes, bytes, int, list[int]]:
    frames, good, ends = draw(kyr_st)
    _, data, first = draw(damaged(st.just(good)))
    return frames, good, data, first, ends


@FUZZ
@given(kyr_case())
def test_fuzz_kyr_reader_keeps_records_before_the_damage(case) -> None:
    frames, good, data, first, ends = case
    try:
        f = read_kyr(data)
    except RecordingError as exc:
        assert first < ends[0] and "\n" not in str(exc)  # only a damaged file head is fatal
        return
    got = [fr for _, fr in f.frames()]
    intact = sum(1 for e in ends[1:] if e <= first)
    assert got[:intact] == [_INFO, *frames][:intact]
    if data == good:
        assert got == [_INFO, *frames] and f.index.damage == []
    for d in f.index.damage:
        assert d.kind in ("torn tail", "corrupt") and d.offset >= ends[0]


@FUZZ
@given(kyr_case())
def test_fuzz_load_raises_only_kyphos_errors(case) -> None:
    _, good, data, first, ends = case
    try:
        s = load_bytes(data)
    except KyphosError:
        return
    assert s.acc.shape == (s.n_samples, 3) and len(s.haptic) == s.n_samples
    if data == good:
        assert s.damage == []


@FUZZ
@given(st.binary(max_size=200))
def test_fuzz_load_random_bytes_after_a_valid_head(junk: bytes) -> None:
    head, _ = _kyr([_INFO])
    try:
        s = load_bytes(head + junk)
    except KyphosError:
        return
    assert s.time.shape == (s.n_samples,)


@st.composite
def crc_valid_records(draw: st.DrawFn) -> bytes:
    """Records with valid CRCs but arbitrary header fields and payloads: reaches the loader's
    logic (counts, periods, wraps, reboots, duplicates) that CRC checks keep bit flips from."""
    frames = [_INFO] if draw(st.booleans()) else []
    for _ in range(draw(st.integers(0, 6))):
        ftype = draw(st.sampled_from([1, 2, 3, 4, 5, 0x20]))
        if ftype in (2, 3) and draw(st.booleans()):
            width = 6 if ftype == 2 else 4
            count = draw(st.integers(0, 5))
            body = struct.pack("<IBB", draw(st.sampled_from([0, 1, 9_615_385, 0xFFFFFFFF])),
                               count, draw(st.integers(0, 255)))
            body += draw(st.binary(min_size=2 * width * count, max_size=2 * width * count + 2))
        elif ftype == 5 and draw(st.booleans()):
            body = struct.pack("<BBh", draw(st.sampled_from([4, 5, 8])), 0, 0)
        else:
            body = draw(st.binary(max_size=40))
        head = struct.pack("<BBHHI", 1, ftype, len(body), draw(st.sampled_from([0, 1, 65535])),
                           draw(st.sampled_from([0, 1, 1 << 31, (1 << 32) - 1])))
        frames.append(head + body)
    hosts = [draw(st.sampled_from([-1, 0, 1_800_000_000_000_000])) for _ in frames]
    head = header_bytes({"format": "kyr", "device": draw(st.sampled_from(
        [None, {"acc_scale": 1, "gyr_scale": 2}, {"acc_scale": "x"}, [1]]))})
    return head + b"".join(record_bytes(f, h) for f, h in zip(frames, hosts, strict=True))


@FUZZ
@given(crc_valid_records())
def test_fuzz_load_valid_records_with_arbitrary_fields(data: bytes) -> None:
    try:
        s = load_bytes(data)
    except KyphosError as exc:
        assert "\n" not in str(exc)
        return
    assert s.acc.shape == (s.n_samples, 3) and s.quat.shape == (len(s.quat_time), 4)
    assert s.gaps.shape[1] == 2
