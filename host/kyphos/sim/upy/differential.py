"""One scenario on both runtimes of the virtual board, and a frame-by-frame comparison of the
two recordings (``tests/test_upy_differential.py``, ``bench/bench_upy_runtime.py``).

:func:`record_run` connects with ``kyphos.connect("sim", runtime=...)`` — bleak on the bumble
radio, as a user's host — records with the recorder users run, calibrates at a scenario time
and drops the link for a while (the recorder reconnects and back-fills the hole from the board's
flash log). The CPython runtime runs on a fast virtual-time loop, the MicroPython runtime in
real time.

:func:`compare` decodes both recordings (duplicates by seq dropped) and lines them up by sample
content: the first IMU sample each recording holds depends on when the host connected, so the
IMU sample streams are aligned at the offset where they agree, and then must agree sample for
sample over the whole overlap. Seq numbers are compared the same way: after the alignment every
IMU, QUAT and EVENT frame must have the same seq offset on both runtimes. STATUS frames come
every 2 s by the board's clock, so how many fall between two data frames depends on timing: the
comparison checks they are the only frames between data seqs (nothing lost) and leaves them out
of the content match.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

IMU, QUAT, STATUS, EVENT = 2, 3, 4, 5  # frame types (docs/protocol.md)
EV_BOOT = 8  # EventKind.BOOT

# About 75 s at 104 Hz: calibration stand and bends, a slouch while sitting, three lifts.
SCENARIO: dict[str, Any] = {
    "format": "kyphos-scenario/1",
    "name": "differential",
    "description": "Differential test of the two runtimes: calibration, a slouch, lifts.",
    "seed": 3,
    "mount": {"pitch_deg": 17, "yaw_deg": 5, "roll_deg": -2},
    "sensor": {"chip": "LSM6DSOX", "fs_hz": 104, "acc_range_g": 4, "gyr_range_dps": 500},
    "segments": [
        {"kind": "stand", "duration_s": 8},
        {"kind": "bend", "label": "calibration_bend", "flexion_deg": 60, "repeats": 1,
         "hold_s": 1.0},
        {"kind": "sit", "duration_s": 22, "slouches": [
            {"at_s": 4, "duration_s": 12, "flexion_deg": 25}]},
        {"kind": "stand", "duration_s": 3},
        {"kind": "lift", "style": "stoop", "flexion_deg": 75},
        {"kind": "lift", "style": "squat", "flexion_deg": 45, "twist_deg": 20},
        {"kind": "lift", "style": "semi-squat", "flexion_deg": 60},
        {"kind": "stand", "duration_s": 5},
        {"kind": "rest", "posture": "sit", "duration_s": 8},
    ],
}
CALIBRATE_AT_S = 6.0
DROP_AT_S = 20.0
DROP_S = 30.0
CONGEST_AT_S = 60.0
CONGEST_S = 2.0


@dataclass
class RunResult:
    path: Path
    runtime: str
    backfilled: int
    health: Any
    events: list[tuple[float, str]]
    lowest_free: int | None = None
    footprint: dict[str, tuple[int, int]] = field(default_factory=dict)
    retried: int = 0
    lost_samples: int = 0


async def record_run(path: Path, runtime: str, *, duration_s: float = 70.0,
                     scenario: dict[str, Any] | str = SCENARIO, drop_at_s: float = DROP_AT_S,
                     drop_s: float = DROP_S, congest_at_s: float = CONGEST_AT_S,
                     congest_s: float = CONGEST_S, **board_kwargs: Any) -> RunResult:
    """Record ``scenario`` on ``runtime`` ("cpython" or "micropython") to ``path``. On the
    MicroPython runtime the radio is also congested for ``congest_s`` at ``congest_at_s``
    (:meth:`UpyBoard.congest`: NimBLE's gatts_notify raises ENOMEM; the firmware must retry
    and lose nothing)."""
    from kyphos.link.device import connect
    from kyphos.recording.recorder import record
    from kyphos.sim.faults import Fault

    dev = await connect("sim", runtime=runtime, scenario=scenario,
                        config={"log_policy": "always"}, backoff_s=(0.5, 4.0), ping_interval_s=0,
                        **board_kwargs)
    board: Any = dev.transport.board  # type: ignore[attr-defined]
    try:
        task = asyncio.ensure_future(record(dev, path, duration_s=duration_s, subject="D01"))
        await _until(board, CALIBRATE_AT_S)
        await dev.calibrate()
        if drop_s > 0:
            await _until(board, drop_at_s)
            await board.inject(Fault("link_drop", drop_at_s, drop_s))
        if runtime == "micropython" and congest_s > 0:
            await _until(board, congest_at_s)
            board.congest(congest_s)
        res = await task
        out = RunResult(path, runtime, res.backfilled, dev.health(), list(board.events))
        if runtime == "micropython":
            out.lowest_free = board.lowest_free()
            st = board.ports[-1]
            out.footprint = dict(st.footprint)
            out.retried = st.retried
            out.lost_samples = st.lost_samples
        return out
    finally:
        await dev.close()


async def _until(board: Any, t_s: float) -> None:
    while board.now_s() < t_s:
        await asyncio.sleep(min(0.1, t_s - board.now_s()))


@dataclass
class Frames:
    """The data frames of one recording, by seq (duplicates dropped), in seq order."""

    seq: np.ndarray  # unwrapped data seq
    kind: np.ndarray
    raw: list[bytes]


def data_frames(path: Path) -> Frames:
    from kyphos.recording.kyr import read_kyr

    by_seq: dict[int, bytes] = {}
    for _host, raw in read_kyr(path).frames():
        if raw[1] in (IMU, QUAT, STATUS, EVENT):
            by_seq.setdefault(raw[4] | (raw[5] << 8), bytes(raw))
    seqs = np.array(sorted(by_seq), dtype=np.int64)  # < 65536 frames: no wrap in these runs
    raws = [by_seq[int(s)] for s in seqs]
    return Frames(seqs, np.array([r[1] for r in raws]), raws)


def _samples(fr: Frames, kind: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """All samples of frames of ``kind`` (int16 rows) and the index of each frame's first."""
    from kyphos.protocol.frames import decode_frame

    rows = []
    first = []
    n = 0
    for raw, k in zip(fr.raw, fr.kind, strict=True):
        if k != kind:
            continue
        f, _ = decode_frame(raw)
        vals = f.payload.samples if kind == IMU else f.payload.quats  # type: ignore[union-attr]
        arr = np.asarray(vals, dtype=np.int64).reshape(-1, width)
        first.append(n)
        n += len(arr)
        rows.append(arr)
    return (np.vstack(rows) if rows else np.zeros((0, width), np.int64)), np.array(first)


def _align(a: np.ndarray, b: np.ndarray, window: int = 4000) -> int | None:
    """d such that a[i] == b[i - d] over the overlap (a starts d samples later in the
    stream than b when d > 0... i.e. b[j] is a[j + d]); None if no offset within window."""
    probe = 50
    for d in range(-window, window + 1):
        ia, ib = max(0, d), max(0, -d)
        if ia + probe > len(a) or ib + probe > len(b):
            continue
        if np.array_equal(a[ia:ia + probe], b[ib:ib + probe]):
            return d
    return None


def _events(fr: Frames) -> list[tuple[float, bytes]]:
    """(device time s, payload) of each EVENT frame but BOOT."""
    out = []
    for raw, k in zip(fr.raw, fr.kind, strict=True):
        if k == EVENT and raw[10] != EV_BOOT:
            out.append((int.from_bytes(raw[6:10], "little") / 1e6, bytes(raw[10:])))
    return out


def _t_imu(fr: Frames) -> tuple[float, float]:
    ts = [int.from_bytes(r[6:10], "little") / 1e6 for r, k in zip(fr.raw, fr.kind, strict=True)
          if k == IMU]
    return ts[0], ts[-1]


def _angle_deg(qa: np.ndarray, qb: np.ndarray) -> np.ndarray:
    a = qa / np.linalg.norm(qa, axis=1, keepdims=True)
    b = qb / np.linalg.norm(qb, axis=1, keepdims=True)
    dot = np.clip(np.abs(np.sum(a * b, axis=1)), 0.0, 1.0)
    return np.degrees(2.0 * np.arccos(dot))


def _incl_deg(qa: np.ndarray, qb: np.ndarray) -> np.ndarray:
    """Angle between the two "up" directions (earth z in the sensor frame): the inclination
    that posture scoring uses, blind to heading (which a 6-axis filter cannot observe)."""
    def up(q: np.ndarray) -> np.ndarray:
        w, x, y, z = (q / np.linalg.norm(q, axis=1, keepdims=True)).T
        return np.stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], 1)

    return np.degrees(np.arccos(np.clip(np.sum(up(qa) * up(qb), axis=1), -1.0, 1.0)))


def compare(path_a: Path, path_b: Path) -> dict[str, Any]:
    """Compare two recordings of one scenario (module docstring). IMU samples must be equal
    over the whole overlap and events equal. QUAT samples are reported as the number of
    bit-identical ones, the largest rotation between the two and the largest inclination
    difference: they are bit-identical when both filters started from the same sample, but
    which sample the IMU's FIFO starts with follows the bus timing of the configuration (on the
    port, socket calls after the reset's 10 ms wait), and a filter started a sample apart keeps
    its heading offset (6-axis: heading unobservable) while its inclination converges
    (docs/virtual-board.md)."""
    fa, fb = data_frames(path_a), data_frames(path_b)
    rep: dict[str, Any] = {}
    for name, fr in (("a", fa), ("b", fb)):
        rep[f"{name}_frames"] = int(len(fr.seq))
        rep[f"{name}_seq_holes"] = int(np.sum(np.diff(fr.seq) != 1))  # a data frame missing
    ia, _ = _samples(fa, IMU, 6)
    ib, _ = _samples(fb, IMU, 6)
    d = _align(ia, ib)
    rep["imu_offset"] = d
    if d is None:
        rep["ok"] = False
        return rep
    lo, hi = max(0, d), min(len(ia), len(ib) + d)  # a[j] == b[j - d]
    rep["imu_overlap_samples"] = int(hi - lo)
    rep["imu_mismatch_samples"] = int(np.sum(np.any(ia[lo:hi] != ib[lo - d:hi - d], axis=1)))
    qa, _ = _samples(fa, QUAT, 4)
    qb, _ = _samples(fb, QUAT, 4)
    qlo, qhi = max(0, d), min(len(qa), len(qb) + d)
    rep["quat_overlap_samples"] = int(max(0, qhi - qlo))
    if qhi > qlo:
        qa_, qb_ = qa[qlo:qhi].astype(float), qb[qlo - d:qhi - d].astype(float)
        rep["quat_equal_samples"] = int(np.sum(np.all(qa_ == qb_, axis=1)))
        rep["quat_max_deg"] = float(_angle_deg(qa_, qb_).max())
        incl = _incl_deg(qa_, qb_)
        rep["incl_max_deg"] = float(incl.max())
        rep["incl_last_10s_max_deg"] = float(incl[-10 * 104:].max())
    else:
        rep["quat_equal_samples"] = 0
        rep["quat_max_deg"] = rep["incl_max_deg"] = rep["incl_last_10s_max_deg"] = float("nan")
    (a0, a1), (b0, b1) = _t_imu(fa), _t_imu(fb)
    t0, t1 = max(a0, b0) + 1.0, min(a1, b1) - 1.0  # device time ~ scenario time on both
    ea = [p for t, p in _events(fa) if t0 <= t <= t1]
    eb = [p for t, p in _events(fb) if t0 <= t <= t1]
    rep["events_a"] = [e.hex() for e in ea]
    rep["events_b"] = [e.hex() for e in eb]
    rep["events_equal"] = ea == eb
    rep["ok"] = (rep["a_seq_holes"] == 0 and rep["b_seq_holes"] == 0
                 and rep["imu_mismatch_samples"] == 0 and rep["imu_overlap_samples"] > 0
                 and rep["events_equal"])
    return rep
