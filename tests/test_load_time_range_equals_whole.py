"""kyphos.load(path, start_s=, end_s=) gives, to the bit, the whole load's samples in that range
(times on the recording's own clock, acceleration, rotation, haptic mask, host times, on-device
quaternions) and the events, status, notes and gaps inside it — with a device-clock wrap, a
lost stretch and back-filled frames — while decoding only the frames in the range; a KyrReader
indexes the file once and gives the same ranges (issue 17, bounded memory: the building block
for reading a long recording a piece at a time)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kyphos
import numpy as np
import pytest
from kyphos.errors import RecordingError
from kyphos.protocol.constants import EventKind, FrameType
from kyphos.protocol.frames import Event, Frame, Note, encode_frame
from kyphos.recording.kyr import KyrWriter, new_header
from kyphos.recording.load import KyrReader
from kyphos.recording.synth import synth_frames

T0_US = (1 << 32) - 20_000_000  # device clock wraps 20 s in


def _recording(path: Path, seconds: float = 80.0) -> Path:
    items = list(synth_frames(seconds, t0_us=T0_US))
    data = [i for i, (_h, f) in enumerate(items) if f[1] in (FrameType.IMU, FrameType.QUAT)]
    lost = set(data[400:406])  # a lost stretch (~0.5 s)
    late = set(data[200:260])  # missed live, back-filled from the flash log after the rest
    out = [it for i, it in enumerate(items) if i not in lost and i not in late]
    host = items[300][0]
    out.insert(310, (host, encode_frame(Frame(9000, (T0_US + 30_000_000) & 0xFFFFFFFF,
                                              Event(EventKind.HAPTIC_ON, 0, 0)))))
    out.insert(330, (host + 2_000_000, encode_frame(Frame(
        9001, (T0_US + 32_000_000) & 0xFFFFFFFF, Event(EventKind.HAPTIC_OFF, 0, 0)))))
    out.append((host, encode_frame(Frame(0, 0, Note({"kind": "marker", "label": "m"})))))
    out += [(-1, items[i][1]) for i in sorted(late)]
    with KyrWriter(path, new_header("sim"), fsync_interval_s=None) as w:
        for h, f in out:
            w.write(f, h)
    return path


def _eq(a: np.ndarray, b: np.ndarray) -> None:
    assert a.shape == b.shape and a.dtype == b.dtype
    np.testing.assert_array_equal(a, b)  # NaN == NaN here; values to the bit


@pytest.fixture(scope="module")
def rec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _recording(tmp_path_factory.mktemp("range") / "r.kyr")


@pytest.mark.parametrize("lo,hi", [(None, 12.5), (7.3, 33.1), (29.99, 31.7), (33.1, None),
                                   (0.0, 1e9), (-5.0, 0.004)])
def test_range_equals_the_whole_load_sliced(rec: Path, lo: float | None, hi: float | None) -> None:
    whole = kyphos.load(rec)
    part = kyphos.load(rec, start_s=lo, end_s=hi)
    a, b = -np.inf if lo is None else lo, np.inf if hi is None else hi
    sel = (whole.time >= a) & (whole.time < b)
    assert 0 < sel.sum() and part.n_samples == sel.sum()
    for name in ("time", "acc", "gyr", "haptic", "host_time"):
        _eq(getattr(part, name), getattr(whole, name)[sel])
    qsel = (whole.quat_time >= a) & (whole.quat_time < b)
    _eq(part.quat_time, whole.quat_time[qsel])
    _eq(part.quat, whole.quat[qsel])
    assert part.fs == whole.fs and part.info == whole.info
    for name in ("events", "status"):
        t = getattr(whole, name)["time"]
        _eq(getattr(part, name), getattr(whole, name)[(t >= a) & (t < b)])
    assert part.notes == [(t, d) for t, d in whole.notes if a <= t < b]
    t0, t1 = part.time[0], part.time[-1]
    _eq(part.gaps, whole.gaps[(whole.gaps[:, 0] >= t0) & (whole.gaps[:, 1] <= t1)])


def test_the_recording_has_what_the_ranges_must_handle(rec: Path) -> None:
    whole = kyphos.load(rec)
    assert len(whole.gaps) >= 1 and whole.haptic.any() and np.isnan(whole.host_time).any()
    assert len(whole.notes) == 1 and whole.time[-1] > 70
    part = kyphos.load(rec, start_s=29.99, end_s=31.7)
    assert part.haptic.any() and len(part.events) >= 1


def test_an_empty_range_is_one_clear_error_and_csv_refuses(rec: Path, tmp_path: Path) -> None:
    with pytest.raises(RecordingError, match="empty time range"):
        kyphos.load(rec, start_s=5.0, end_s=5.0)
    csv = tmp_path / "a.csv"
    csv.write_text("t,ax,ay,az,gx,gy,gz\n0,0,0,9.8,0,0,0\n")
    with pytest.raises(TypeError, match=".kyr recordings only"):
        kyphos.load(csv, start_s=0.0)


def test_only_the_frames_in_the_range_are_decoded(rec: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kyphos.recording.load as load_mod

    decoded: list[int] = []
    real = load_mod.decode_batches

    def spy(*a: Any, **kw: Any) -> Any:
        b = real(*a, **kw)
        decoded.append(len(b.values))
        return b

    monkeypatch.setattr(load_mod, "decode_batches", spy)
    whole = kyphos.load(rec)
    n_whole = sum(decoded)
    decoded.clear()
    part = kyphos.load(rec, start_s=40.0, end_s=48.0)
    assert n_whole >= whole.n_samples + whole.n_quat_samples
    # the range's IMU and quaternion samples plus at most two batches on each side
    assert sum(decoded) <= part.n_samples + part.n_quat_samples + 2 * 2 * (13 + 20)
    assert sum(decoded) < 0.15 * n_whole


def test_a_reader_indexes_once_and_gives_the_same_ranges(rec: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kyphos.recording.load as load_mod

    scans: list[int] = []
    real = load_mod.scan_records
    monkeypatch.setattr(load_mod, "scan_records", lambda *a: scans.append(1) or real(*a))
    reader = KyrReader(rec)
    whole = kyphos.load(rec)
    assert abs(reader.end_s - (whole.time[-1] + 1 / whole.fs)) < 1e-3
    for lo, hi in ((0.0, 20.0), (20.0, 40.0), (40.0, None)):
        a, b = reader.session(lo, hi), kyphos.load(rec, start_s=lo, end_s=hi)
        for name in ("time", "acc", "gyr", "haptic", "host_time", "quat", "quat_time", "gaps"):
            _eq(getattr(a, name), getattr(b, name))
        _eq(a.events, b.events)
        assert a.notes == b.notes and a.path == b.path
    assert len(scans) == 1 + 1 + 3  # the reader once; each kyphos.load once
    joined = np.concatenate([reader.session(lo, hi).time for lo, hi in ((0, 20), (20, 40), (40, None))])
    _eq(joined, whole.time)  # ranges that meet cover every sample once


def test_reader_errors_are_the_loaders(tmp_path: Path) -> None:
    empty = tmp_path / "empty.kyr"
    empty.write_bytes(b"")
    for p in (empty, tmp_path / "missing.kyr", tmp_path):
        with pytest.raises(RecordingError) as a:
            KyrReader(p)
        with pytest.raises(RecordingError) as b:
            kyphos.load(p)
        assert str(a.value) == str(b.value)
