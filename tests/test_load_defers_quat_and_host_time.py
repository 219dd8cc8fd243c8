"""kyphos.load keeps the on-device quaternions as int16 counts and the host times as one offset
per frame, and builds the float64 arrays only when they are read (issue 17, bounded memory):
the values are those of a frame-by-frame decoding, in order and after back-filled frames are
sorted in; the session holds ~57 B per sample until then; a loaded session still pickles."""

from __future__ import annotations

import pickle
from pathlib import Path

import kyphos
import numpy as np
from kyphos.protocol.constants import FrameType
from kyphos.protocol.frames import Imu, decode_frame
from kyphos.recording.kyr import KyrWriter, new_header
from kyphos.recording.synth import synth_frames

T0_US = (1 << 32) - 30_000_000  # device clock wraps 30 s into the recording


def _write(path: Path, items: list[tuple[int, bytes]]) -> Path:
    with KyrWriter(path, new_header("sim"), fsync_interval_s=None) as w:
        for host_us, frame in items:
            w.write(frame, host_us)
    return path


def _expected(items: list[tuple[int, bytes]]) -> dict[str, np.ndarray]:
    """Frame by frame, with no shared code: sample times t_frame + i·period (device clock
    unwrapped, 0 at the first IMU sample in time), quaternions counts / 16384, host times
    host_us − t_frame + sample time (NaN for host_us −1)."""
    imu, quat = [], []
    last, wraps = None, 0
    dev = []
    for host_us, raw in items:
        f, _ = decode_frame(raw, 0)
        dev.append((host_us, f))
    # unwrap in file order (all frames here belong to one boot)
    for host_us, f in dev:
        if f.type not in (FrameType.IMU, FrameType.QUAT):
            continue
        t = f.t_us + wraps * (1 << 32)
        if last is not None and t - last < -(1 << 31):
            wraps += 1
            t += 1 << 32
        elif last is not None and t - last > (1 << 31):
            t -= 1 << 32
        last = t
        (imu if isinstance(f.payload, Imu) else quat).append((t * 1e-6, host_us, f.payload))
    imu.sort(key=lambda r: r[0])
    quat.sort(key=lambda r: r[0])
    t0 = imu[0][0]
    host, qt, qv = [], [], []
    for t, h, p in imu:
        for i in range(len(p.samples)):
            ts = t + i * p.period_ns * 1e-9
            host.append(h * 1e-6 - t + ts if h >= 0 else np.nan)
    for t, _h, p in quat:
        for i, s in enumerate(p.quats):
            qt.append(t + i * p.period_ns * 1e-9 - t0)
            qv.append(np.array(s) / 16384.0)
    return {"host_time": np.array(host), "quat_time": np.array(qt), "quat": np.array(qv)}


def _check(s: kyphos.Session, exp: dict[str, np.ndarray]) -> None:
    assert s.is_deferred("quat") and s.is_deferred("quat_time") and s.is_deferred("host_time")
    assert s.n_quat_samples == len(exp["quat"]) and s.is_deferred("quat")
    held = sum(v.nbytes for v in vars(s).values() if isinstance(v, np.ndarray))
    assert held < 60 * s.n_samples  # time, acc, gyr, haptic: 57 B per sample (was 105)
    np.testing.assert_allclose(s.quat, exp["quat"], rtol=0, atol=1e-15)
    np.testing.assert_allclose(s.quat_time, exp["quat_time"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(s.host_time, exp["host_time"], rtol=0, atol=1e-6)
    assert np.array_equal(np.isnan(s.host_time), np.isnan(exp["host_time"]))
    assert not s.is_deferred("quat") and s.quat is s.quat  # built once, then kept


def test_deferred_arrays_equal_a_frame_by_frame_decoding(tmp_path: Path) -> None:
    items = list(synth_frames(90.0, t0_us=T0_US))
    s = kyphos.load(_write(tmp_path / "a.kyr", items))
    assert s.n_samples == 90 * 104
    _check(s, _expected(items))


def test_back_filled_frames_sorted_in_and_nan_host_times(tmp_path: Path) -> None:
    items = list(synth_frames(60.0, t0_us=T0_US))
    # frames 300..420 (IMU and QUAT) missed live, read back from the flash log after the rest
    cut = [(h, f) for h, f in items[300:420] if f[1] in (FrameType.IMU, FrameType.QUAT)]
    rest = items[:300] + [(h, f) for h, f in items[300:420] if f[1] not in (FrameType.IMU, FrameType.QUAT)]
    items = rest + items[420:] + [(-1, f) for _, f in cut]
    s = kyphos.load(_write(tmp_path / "b.kyr", items))
    exp = _expected(items)
    assert np.isnan(exp["host_time"]).sum() > 500
    _check(s, exp)


def test_assigning_replaces_and_a_loaded_session_pickles(tmp_path: Path) -> None:
    s = kyphos.load(_write(tmp_path / "c.kyr", list(synth_frames(20.0))))
    back = pickle.loads(pickle.dumps(s))  # batch workers get sessions this way
    assert back.is_deferred("quat")
    np.testing.assert_array_equal(back.quat, s.quat)
    np.testing.assert_array_equal(back.host_time, s.host_time)
    s.host_time = np.zeros(s.n_samples)
    assert not s.is_deferred("host_time") and not s.host_time.any()
