"""kyphos.load turns .kyr frames into a Session in SI units: times, scaling, wraps, epochs,
duplicates, gaps, haptic mask, events, status, notes."""

from __future__ import annotations

from pathlib import Path

import kyphos
import numpy as np
import pytest
from kyphos.errors import RecordingError
from kyphos.protocol.constants import EventKind
from kyphos.protocol.frames import Event, Frame, Imu, Info, Note, Quat, Status, encode_frame
from kyphos.recording.kyr import new_header, write_kyr

PERIOD = 9_615_385  # ns, 104 Hz
INFO = Info((1, 0, 0), 1, 1, 7, 10400, 4, 500, 0.001, 0.0005, bytes(6), "t")
HOST0 = 1_800_000_000_000_000


def _raw(i0: int, n: int = 13) -> tuple[tuple[int, ...], ...]:
    return tuple((i, -i, 2 * i, 3, -3, i % 7) for i in range(i0, i0 + n))


def _imu_stream(n_frames: int, t0: int = 0, seq0: int = 1, flags: dict[int, int] | None = None):
    """(host_us, Frame) for consecutive 13-sample IMU frames with wrapping seq and t_us."""
    out = []
    for k in range(n_frames):
        t = t0 + k * 13 * PERIOD // 1000
        f = Frame((seq0 + k) % 65536, t % (1 << 32),
                  Imu(PERIOD, (flags or {}).get(k, 0), _raw(13 * k)))
        out.append((HOST0 + t - t0 + 5000, f))
    return out


def _write(path: Path, items, header=None) -> Path:
    write_kyr(path, header or new_header("ble"), [encode_frame(f) for _, f in items],
              [h for h, _ in items])
    return path


def _boot(t: int = 0, host: int = HOST0, seq: int = 0) -> list:
    return [(host, Frame(seq, t, Event(EventKind.BOOT, 1, 0))), (host, Frame(0, t, INFO))]


def test_si_scaling_fields_and_times(tmp_path: Path) -> None:
    items = _boot() + _imu_stream(4)
    items.append((HOST0 + 600_000, Frame(5, 500_000, Quat(PERIOD, 1, ((16384, 0, -8192, 4096),) * 3))))
    items.append((HOST0 + 600_000, Frame(6, 510_000, Status(3900, 80, 2, 0x20, 1, 2, 3, 4, 5, 2500))))
    items.append((HOST0 + 700_000, Frame(0, 0, Note({"kind": "marker", "label": "x"}))))
    s = kyphos.load(_write(tmp_path / "a.kyr", items))
    raw = np.array(_raw(0, 52))
    np.testing.assert_allclose(s.acc, raw[:, :3] * np.float32(0.001))
    np.testing.assert_allclose(s.gyr, raw[:, 3:] * np.float32(0.0005))
    np.testing.assert_allclose(s.time, np.arange(52) * 1 / 104, atol=2e-6)
    assert s.fs == 104.0 and s.info and s.info["name"] == "t"
    np.testing.assert_allclose(s.quat, [[1, 0, -0.5, 0.25]] * 3)
    np.testing.assert_allclose(s.quat_time, 0.5 + np.arange(3) * PERIOD * 1e-9)
    assert s.status["battery_mv"][0] == 3900 and s.status["temp_cc"][0] == 2500
    assert s.status["time"][0] == pytest.approx(0.51)
    assert s.events["kind"].tolist() == [EventKind.BOOT]
    assert s.notes[0][1] == {"kind": "marker", "label": "x"} and s.notes[0][0] == pytest.approx(0.695, abs=1e-5)
    np.testing.assert_allclose(s.host_time, HOST0 * 1e-6 + 0.005 + s.time, atol=1e-5)
    assert len(s.gaps) == 0 and s.damage == [] and not s.haptic.any()
    assert s.header["source"] == "ble" and s.path == tmp_path / "a.kyr"


def test_t_us_and_seq_wraps_are_unwrapped(tmp_path: Path) -> None:
    items = _boot(t=(1 << 32) - 300_000, seq=65529) + _imu_stream(10, t0=(1 << 32) - 300_000, seq0=65530)
    s = kyphos.load(_write(tmp_path / "w.kyr", items))
    assert s.n_samples == 130 and len(s.gaps) == 0
    np.testing.assert_allclose(np.diff(s.time), 1 / 104, atol=2e-6)


def test_duplicate_frames_from_log_backfill_are_dropped_and_fill_gaps(tmp_path: Path) -> None:
    stream = _imu_stream(12)
    live = _boot() + stream[:5] + stream[7:]  # frames 5 and 6 lost on the link
    backfill = [(-1, f) for _, f in stream[3:9]]  # the log has 3…8, some already received
    s = kyphos.load(_write(tmp_path / "d.kyr", live + backfill))
    assert s.n_samples == 12 * 13 and len(s.gaps) == 0
    np.testing.assert_allclose(s.acc[:, 0], np.arange(156) * np.float32(0.001))
    assert np.isnan(s.host_time[65:91]).all() and np.isfinite(s.host_time[:65]).all()
    gap = kyphos.load(_write(tmp_path / "g.kyr", live))
    assert gap.n_samples == 10 * 13
    (g,) = gap.gaps
    assert g[0] == pytest.approx(64 / 104, abs=1e-5) and g[1] == pytest.approx(91 / 104, abs=1e-5)


def test_overrun_flag_marks_a_gap(tmp_path: Path) -> None:
    s = kyphos.load(_write(tmp_path / "o.kyr", _boot() + _imu_stream(4, flags={2: 0x02})))
    (g,) = s.gaps
    assert g[0] == pytest.approx(25 / 104, abs=1e-5) and g[1] == pytest.approx(26 / 104, abs=1e-5)


def test_reboot_starts_an_epoch_placed_by_host_time(tmp_path: Path) -> None:
    first = _boot(t=50_000_000) + _imu_stream(5, t0=50_000_000)
    # The device reboots; its clock restarts at 0, the host receives 10 s after the start.
    second = [(h + 10_000_000, f) for h, f in _boot(t=0) + _imu_stream(5, t0=0)]
    s = kyphos.load(_write(tmp_path / "e.kyr", first + second))
    assert s.n_samples == 130
    assert np.all(np.diff(s.time) > 0)
    assert s.time[65] == pytest.approx(10.0, abs=1e-3)
    (g,) = s.gaps
    assert g[1] == pytest.approx(10.0, abs=1e-3)
    assert (s.events["kind"] == EventKind.BOOT).sum() == 2


def test_haptic_mask_from_events_and_flag(tmp_path: Path) -> None:
    stream = _imu_stream(6, flags={5: 0x01})
    on = (HOST0, Frame(20, 13 * PERIOD // 1000, Event(EventKind.HAPTIC_ON, 1, 0)))
    off = (HOST0, Frame(21, 26 * PERIOD // 1000, Event(EventKind.HAPTIC_OFF, 0, 0)))
    s = kyphos.load(_write(tmp_path / "h.kyr", _boot() + stream + [on, off]))
    expect = np.zeros(78, bool)
    expect[13:26] = True
    expect[65:] = True
    np.testing.assert_array_equal(s.haptic, expect)


def test_scales_from_header_device_without_info_frame(tmp_path: Path) -> None:
    dev = {"acc_scale": 0.01, "gyr_scale": 0.02, "odr_chz": 5200}
    s = kyphos.load(_write(tmp_path / "n.kyr", _imu_stream(2), new_header("flash", device=dev)))
    np.testing.assert_allclose(s.acc[:, 0], np.arange(26) * 0.01)
    assert s.fs == 52.0 and np.isnan(s.host_time).sum() == 0
    with pytest.raises(RecordingError, match="INFO"):
        kyphos.load(_write(tmp_path / "m.kyr", _imu_stream(2)))


def test_flash_log_has_nan_host_times(tmp_path: Path) -> None:
    items = [(-1, f) for _, f in _boot() + _imu_stream(3)]
    s = kyphos.load(_write(tmp_path / "f.kyr", items, new_header("flash")))
    assert s.n_samples == 39 and np.isnan(s.host_time).all()


def test_empty_recording_loads_as_empty_session(tmp_path: Path) -> None:
    s = kyphos.load(_write(tmp_path / "z.kyr", []))
    assert s.n_samples == 0 and s.acc.shape == (0, 3) and s.duration_s == 0.0


def test_csv_path_goes_to_the_csv_loader(tmp_path: Path) -> None:
    p = tmp_path / "x.csv"
    rows = "\n".join(f"{i / 100},0,0,9.8,0,0,0" for i in range(300))
    p.write_text("t_s,ax,ay,az,gx,gy,gz\n" + rows + "\n")
    assert kyphos.load(p).n_samples == 300


def test_unreadable_paths_are_recording_errors(tmp_path: Path) -> None:
    with pytest.raises(RecordingError, match="no such file"):
        kyphos.load(tmp_path / "nope.kyr")
    with pytest.raises(RecordingError, match="directory"):
        kyphos.load(tmp_path)
    (tmp_path / "t.kyr").write_text("hello")
    with pytest.raises(RecordingError, match="not a .kyr"):
        kyphos.load(tmp_path / "t.kyr")


def test_backfilled_log_with_its_boot_rejoins_the_live_epoch(tmp_path: Path) -> None:
    stream = _imu_stream(8)
    live = _boot() + stream[:3] + stream[6:]
    log = [(-1, f) for _, f in _boot() + stream]  # the whole log, BOOT included
    s = kyphos.load(_write(tmp_path / "b.kyr", live + log))
    assert s.n_samples == 8 * 13 and len(s.gaps) == 0
    assert (s.events["kind"] == EventKind.BOOT).sum() == 1


def test_two_reboots_with_identical_boot_frames_stay_separate_epochs(tmp_path: Path) -> None:
    one = _boot() + _imu_stream(3)
    two = [(h + 5_000_000, f) for h, f in _boot() + _imu_stream(3)]
    s = kyphos.load(_write(tmp_path / "r.kyr", one + two))
    assert s.n_samples == 78 and len(s.gaps) == 1
    assert s.time[39] == pytest.approx(5.0, abs=1e-3)
