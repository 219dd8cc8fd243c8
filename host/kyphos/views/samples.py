"""Simulated recordings for trying the views without a sensor (tests, benchmarks, docs).

:func:`write_sim_recording` runs a simulator scenario (``kyphos.sim``) and writes what a board
would have sent as a ``.kyr`` file: BOOT, INFO with the chip's scales, IMU batches of 13 with
host receive times from ``start_utc``. :func:`visit_scenario` makes the bundled demo scenario
better or worse, for progress across visits.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
from pathlib import Path
from typing import Any

import numpy as np

_IMU_BATCH = 13


def write_sim_recording(
    path: str | os.PathLike[str],
    scenario: dict[str, Any] | str = "demo",
    *,
    seed: int | None = None,
    subject: str = "P-001",
    start_utc: str = "2026-11-02T09:00:00Z",
    header_extra: dict[str, Any] | None = None,
) -> Path:
    """Simulate ``scenario`` and write it as a .kyr recording at ``path``; return the path.
    ``header_extra`` keys are added to the file header."""
    import struct

    from kyphos.protocol.constants import EventKind
    from kyphos.protocol.frames import Event, Frame, Info, encode_frame
    from kyphos.recording.kyr import KyrWriter, new_header
    from kyphos.sim.scenario import simulate

    r = simulate(scenario, seed=seed)
    raw = np.column_stack([r.acc_raw, r.gyr_raw]).astype("<i2")
    n = len(raw)
    period_ns = round(1e9 / r.fs)
    t0 = dt.datetime.fromisoformat(start_utc.replace("Z", "+00:00")).timestamp()
    host0_us = int(t0 * 1e6)
    info = Info((0, 1, 0), r.imu_model, 0, 0x07, round(r.fs * 100), r.acc_range_g,
                r.gyr_range_dps, r.acc_scale, r.gyr_scale, bytes.fromhex("02c0ffee0001"),
                "kyphos-virtual")
    header = new_header("sim", subject=subject, device=None, created_utc=start_utc,
                        simulated={"scenario": r.name, "seed": r.seed}, **(header_extra or {}))
    head = struct.Struct("<BBHHI")
    batch = struct.Struct("<IBB")
    p = Path(path)
    with KyrWriter(p, header, fsync_interval_s=None, overwrite=True) as w:
        w.write(encode_frame(Frame(0, 0, Event(EventKind.BOOT, 1, 0))), host0_us)
        w.write(encode_frame(Frame(0, 0, info)), host0_us)
        for k, i in enumerate(range(0, n, _IMU_BATCH)):
            c = min(_IMU_BATCH, n - i)
            t_us = i * period_ns // 1000
            body = batch.pack(period_ns, c, 0) + raw[i : i + c].tobytes()
            frame = head.pack(1, 2, len(body), (k + 1) & 0xFFFF, t_us & 0xFFFFFFFF) + body
            w.write(frame, host0_us + t_us + c * period_ns // 1000 + 8000)
    return p


def visit_scenario(quality: float, name: str = "visit") -> dict[str, Any]:
    """The demo scenario with posture and lifting form scaled by ``quality`` in [0, 1]:
    0 = long slouches and deep twisted stoop lifts, 1 = short slouches and knee-bent lifts."""
    from kyphos.sim.scenario import load_scenario

    scn = copy.deepcopy(load_scenario("demo"))
    scn["name"] = name
    q = float(np.clip(quality, 0.0, 1.0))
    for seg in scn["segments"]:
        if seg.get("slouches"):  # two slouches, 22 s each at worst, none at best
            seg["duration_s"] = 60
            seg["slouches"] = [{"at_s": a, "duration_s": round(2 + 20 * (1 - q), 1),
                                "flexion_deg": round(28 - 16 * q, 1)} for a in (6, 32)]
        if seg["kind"] == "lift":
            if q < 0.5:  # a poor visit: deep stoop lifts with straight knees
                seg["style"] = "stoop"
                seg["knee_deg"] = 10.0
                seg["flexion_deg"] = max(seg["flexion_deg"], 70)
            else:
                seg["style"] = "squat" if seg["style"] == "stoop" else seg["style"]
                seg["flexion_deg"] = min(seg["flexion_deg"], 50)
            if "twist_deg" in seg:
                seg["twist_deg"] = round(seg["twist_deg"] * (1.2 - q), 1)
    return scn
