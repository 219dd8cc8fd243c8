"""Synthetic device output: the frames a board would send while its wearer bends forward now
and then. Used by ``kyphos demo`` (until the virtual board replaces it), tests and benchmarks.

Sensor frame as in docs/protocol.md (x to the head, y left, z out of the back). A forward bend by
θ turns the sensor about +y: specific force ``g·(cos θ, 0, sin θ)``, rate ``(0, dθ/dt, 0)``,
orientation ``Ry(θ − 90°)`` sensor-to-earth (earth z up).
"""

from __future__ import annotations

import math
import os
import struct
from collections.abc import Iterator

import numpy as np

from kyphos.protocol.constants import EventKind
from kyphos.protocol.frames import Event, Frame, Info, Status, encode_frame
from kyphos.recording.kyr import KyrWriter, new_header

G = 9.80665
ACC_SCALE = float(np.float32(G * 4 / 32768))  # ±4 g
GYR_SCALE = float(np.float32(math.radians(500) / 32768))  # ±500 °/s
IMU_BATCH = 13  # 172-byte frames: fit one 182-byte notification
QUAT_BATCH = 20  # 176-byte frames
_HEAD = struct.Struct("<BBHHI")
_BATCH = struct.Struct("<IBB")


def demo_info(fs: float = 104.0) -> Info:
    return Info((0, 1, 0), 1, 0, 0x07, round(fs * 100), 4, 500, ACC_SCALE, GYR_SCALE,
                bytes.fromhex("02c0ffee0001"), "kyphos-virtual")


def flexion(t: np.ndarray, period_s: float = 12.0, peak_deg: float = 60.0) -> np.ndarray:
    """Flexion angle in rad: upright, then a smooth forward bend every ``period_s`` seconds."""
    phase = (t % period_s) / period_s
    bend = np.where(phase < 0.4, np.sin(np.pi * phase / 0.4) ** 2, 0.0)
    return np.radians(peak_deg) * bend


def motion(n: int, fs: float, seed: int = 0, peak_deg: float = 60.0
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Raw IMU counts (n, 6) int16, Q14 quaternions (n, 4) int16, and flexion (n,) rad; the
    forward bends peak at ``peak_deg``."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / fs
    th = flexion(t, peak_deg=peak_deg)
    dth = np.gradient(th, 1 / fs)
    acc = np.column_stack([np.cos(th), np.zeros(n), np.sin(th)]) * G
    acc += rng.normal(0, 0.05, (n, 3))
    gyr = np.column_stack([np.zeros(n), dth, np.zeros(n)]) + rng.normal(0, 0.005, (n, 3))
    raw = np.column_stack([acc / ACC_SCALE, gyr / GYR_SCALE])
    raw = np.clip(np.rint(raw), -32768, 32767).astype("<i2")
    b = th - np.pi / 2
    q = np.column_stack([np.cos(b / 2), np.zeros(n), np.sin(b / 2), np.zeros(n)])
    quat = np.clip(np.rint(q * 16384), -32768, 32767).astype("<i2")
    return raw, quat, th


def _frame(ftype: int, seq: int, t_us: int, body: bytes) -> bytes:
    return _HEAD.pack(1, ftype, len(body), seq & 0xFFFF, t_us & 0xFFFFFFFF) + body


def synth_frames(
    duration_s: float,
    *,
    fs: float = 104.0,
    t0_us: int = 0,
    host0_us: int = 1_796_000_000_000_000,
    seed: int = 0,
    peak_deg: float = 60.0,
) -> Iterator[tuple[int, bytes]]:
    """(host_us, frame bytes) in the order a board would send them: BOOT, INFO, then IMU
    batches of 13, QUAT batches of 20 and a STATUS each second, data seq shared. The wearer
    bends forward to ``peak_deg`` every 12 s (a slouch-sized 20°, a task bend 60°)."""
    n = int(duration_s * fs)
    period_ns = round(1e9 / fs)
    raw, quat, _ = motion(n, fs, seed, peak_deg)
    rng = np.random.default_rng(seed + 1)
    seq = 0

    def host(t_rel_us: int) -> int:  # ~8 ms link latency with jitter
        return host0_us + t_rel_us + 8000 + int(rng.integers(0, 4000))

    yield host(0), encode_frame(Frame(seq, t0_us & 0xFFFFFFFF, Event(EventKind.BOOT, 1, 0)))
    seq += 1
    yield host(0), encode_frame(Frame(0, t0_us & 0xFFFFFFFF, demo_info(fs)))
    next_q = 0
    next_status = 0
    for i in range(0, n, IMU_BATCH):
        c = min(IMU_BATCH, n - i)
        t_rel = i * period_ns // 1000
        body = _BATCH.pack(period_ns, c, 0) + raw[i : i + c].tobytes()
        yield host(t_rel + c * period_ns // 1000), _frame(2, seq, t0_us + t_rel, body)
        seq += 1
        while next_q < min(i + c, n):
            qc = min(QUAT_BATCH, n - next_q)
            if next_q + qc > i + c and i + c < n:
                break
            tq = next_q * period_ns // 1000
            body = _BATCH.pack(period_ns, qc, 1) + quat[next_q : next_q + qc].tobytes()
            yield host(tq + qc * period_ns // 1000), _frame(3, seq, t0_us + tq, body)
            seq += 1
            next_q += qc
        if t_rel >= next_status * 1_000_000:
            st = Status(4000 - next_status // 60, 90, 2, 0x0220, 0, 0, 0, 0, 1 << 20, 3100)
            yield host(t_rel), encode_frame(Frame(seq & 0xFFFF, (t0_us + t_rel) & 0xFFFFFFFF, st))
            seq += 1
            next_status += 1


def write_synth(path: str | os.PathLike[str], duration_s: float, **kw: object) -> int:
    """Write a synthetic recording (source "sim"); return the number of records."""
    header = new_header("sim", subject="demo-001", device=None, note="synthetic bends")
    with KyrWriter(path, header, fsync_interval_s=None, overwrite=True) as w:
        for host_us, frame in synth_frames(duration_s, **kw):  # type: ignore[arg-type]
            w.write(frame, host_us)
        return w.records
