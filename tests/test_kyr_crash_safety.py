"""The .kyr writer only appends and syncs on its policy; the reader keeps every whole record
before a cut, reports torn tails and corrupt stretches, and resyncs."""

from __future__ import annotations

import os
import random
from pathlib import Path

import kyphos
import numpy as np
import pytest
from kyphos.errors import RecordingError
from kyphos.recording import kyr
from kyphos.recording.kyr import KyrWriter, new_header, read_kyr, write_kyr
from kyphos.recording.synth import synth_frames


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[int, bytes]]]:
    sent = list(synth_frames(5.0))
    path = tmp_path_factory.mktemp("kyr") / "r.kyr"
    write_kyr(path, new_header("sim"), [f for _, f in sent], [h for h, _ in sent])
    return path, sent


def test_header_and_records_round_trip(recording) -> None:
    path, sent = recording
    f = read_kyr(path)
    assert f.header["format"] == "kyr" and f.header["source"] == "sim"
    assert f.frames() == sent and f.index.damage == []


def test_writer_refuses_to_overwrite(tmp_path: Path) -> None:
    p = tmp_path / "a.kyr"
    KyrWriter(p, new_header("sim")).close()
    with pytest.raises(RecordingError, match="exists"):
        KyrWriter(p, new_header("sim"))


def test_writer_flushes_every_record_and_fsyncs_at_most_once_a_second(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    real = os.fsync
    monkeypatch.setattr(kyr.os, "fsync", lambda fd: (calls.append(fd), real(fd)))
    clock = [100.0]
    monkeypatch.setattr(kyr.time, "monotonic", lambda: clock[0])
    p = tmp_path / "b.kyr"
    w = KyrWriter(p, new_header("sim"))
    assert len(calls) == 1  # the header
    frames = [f for _, f in synth_frames(2.0)][:20]
    for i, frame in enumerate(frames):
        w.write(frame, 1)
        clock[0] += 0.25
        # flushed: another reader sees every whole record at once
        assert len(read_kyr(p).index.offsets) == i + 1
    assert len(calls) == 1 + 4  # 20 writes over 4.75 simulated seconds: one sync a second
    w.close()
    assert len(calls) == 1 + 4 + 1


def _record_ends(path: Path) -> list[int]:
    f = read_kyr(path)
    lens = [len(fr) + 12 for _, fr in f.frames()]
    return list(f.data_start + np.cumsum(lens))


def test_cut_at_every_byte_of_the_last_records_keeps_all_whole_ones(recording, tmp_path) -> None:
    path, sent = recording
    data = path.read_bytes()
    ends = _record_ends(path)
    start = ends[-4]  # every byte offset of the last 3 records, plus random ones
    cuts = list(range(start, len(data))) + random.Random(1).sample(range(ends[0], start), 40)
    for cut in cuts:
        f = read_kyr(data[:cut])
        whole = sum(1 for e in ends if e <= cut)
        assert f.frames() == sent[:whole], cut
        if cut in ends:
            assert f.index.damage == []
        else:
            (d,) = f.index.damage
            assert d.kind == "torn tail" and d.offset == max(e for e in [f.data_start, *ends] if e <= cut)
            assert d.offset + d.length == cut


def test_load_of_a_truncated_file_keeps_samples_and_reports_torn_tail(recording, tmp_path) -> None:
    path, _ = recording
    full = kyphos.load(path)
    cut = tmp_path / "cut.kyr"
    cut.write_bytes(path.read_bytes()[:-500])
    s = kyphos.load(cut)
    assert 0 < s.n_samples < full.n_samples
    np.testing.assert_array_equal(s.acc, full.acc[: s.n_samples])
    assert [d.kind for d in s.damage] == ["torn tail"]


def test_corrupt_record_in_the_middle_is_skipped_and_reading_resyncs(recording) -> None:
    path, sent = recording
    data = bytearray(path.read_bytes())
    ends = _record_ends(path)
    data[ends[10] + 30] ^= 0xFF  # inside record 11
    data[ends[20] + 9] = 0x77  # record 21's frame type
    f = read_kyr(bytes(data))
    assert f.frames() == sent[:11] + sent[12:21] + sent[22:]
    assert [(d.kind, d.offset) for d in f.index.damage] == [
        ("corrupt", ends[10]), ("corrupt", ends[20])
    ]
    assert "CRC" in f.index.damage[0].reason and "type" in f.index.damage[1].reason


def test_garbage_inserted_between_records_is_one_corrupt_stretch(recording) -> None:
    path, sent = recording
    data = path.read_bytes()
    ends = _record_ends(path)
    bad = data[: ends[5]] + bytes(range(256)) * 3 + data[ends[5] :]
    f = read_kyr(bad)
    assert f.frames() == sent
    (d,) = f.index.damage
    assert (d.offset, d.length, d.kind) == (ends[5], 768, "corrupt")


@pytest.mark.parametrize(
    "data, words",
    [
        (b"", "bad magic"),
        (b"hello world, not kyr", "bad magic"),
        (kyr.MAGIC + b"\x02\x00" + bytes(4), "version"),
        (kyr.MAGIC + b"\x01\x00" + (50).to_bytes(4, "little") + b"{}", "truncated"),
    ],
)
def test_bad_file_head_is_a_one_line_recording_error(data: bytes, words: str) -> None:
    with pytest.raises(RecordingError, match=words) as err:
        read_kyr(data)
    assert "\n" not in str(err.value)


def test_header_crc_and_json_are_checked() -> None:
    head = bytearray(kyr.header_bytes({"format": "kyr"}))
    head[15] ^= 1
    with pytest.raises(RecordingError, match="CRC"):
        read_kyr(bytes(head))
    body = b"[1,2]"
    import struct
    import zlib

    raw = kyr.MAGIC + struct.pack("<HI", 1, len(body)) + body + struct.pack("<I", zlib.crc32(body))
    with pytest.raises(RecordingError, match="object"):
        read_kyr(raw)
