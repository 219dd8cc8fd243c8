"""Run a guided session on a live board (a :class:`kyphos.link.Device` stream) and write it
as a ``.kyr`` recording: every received frame as it arrives, then NOTE records
``{"kind": "phase", "phase": {...}}`` per phase (name, kind, start/end in s on the
recording's time axis, direction, expected repeats, targets) and one
``{"kind": "assess_result", ...}`` with the offline numbers. The header carries
``"assess": {"kind": "assessment" | "exercise", "program": {...}}``.

With target ``sim`` the virtual board wears ``scenario`` and simulated time runs as fast as
the computation allows (:func:`kyphos.sim.clock.run`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from kyphos.assess.analysis import Result
from kyphos.assess.live import GuidedRun, Update
from kyphos.assess.protocol import Phase
from kyphos.errors import KyphosError
from kyphos.metrics.exercise import Targets
from kyphos.protocol.frames import Imu, Info, Note, make_frame

_T_MOD = 1 << 32


async def run_on_device(dev: Any, phases: list[Phase], targets: dict[int, Targets] | None,
                        path: str | Path, *, kind: str, subject: str | None = None,
                        program: dict[str, Any] | None = None, overwrite: bool = False,
                        on_update: Callable[[Update], None] | None = None,
                        max_s: float = 1800.0) -> tuple[GuidedRun, Result]:
    """Stream from ``dev`` through the guided phases into ``path``; returns the run and the
    offline result (also written as a NOTE)."""
    from kyphos.recording.kyr import KyrWriter, new_header
    from kyphos.recording.recorder import _info_dict, check_subject

    subject = check_subject(subject)
    info = dev.info_frame
    if info is None:
        info = await dev.info()
    fs = info.odr_chz / 100.0 if info.odr_chz else 104.0
    run = GuidedRun(phases, fs, targets, on_update)
    header = new_header(dev.transport.kind.value, subject=subject, device=_info_dict(dev),
                        assess={"kind": kind, "program": program,
                                "phases": [p.to_dict() for p in phases]})
    writer = KyrWriter(path, header, overwrite=overwrite, fsync_interval_s=1.0)
    clock = dev.transport.clock
    acc_s, gyr_s = float(info.acc_scale), float(info.gyr_scale)
    t_first: float | None = None
    last_raw: int | None = None
    wraps = 0
    loop = asyncio.get_running_loop()
    t_start = loop.time()
    try:
        await dev.start(True, True, True)
        clock = dev.transport.clock
        async for batch in dev.stream():
            for n in batch.notes:
                writer.write(make_frame(Note(n)), clock.now_us() if clock else -1)
            ts, raws = [], []
            for rec in batch.frames:
                writer.write(rec.raw, rec.host_us)
                p = rec.frame.payload
                if isinstance(p, Info):
                    acc_s, gyr_s = float(p.acc_scale), float(p.gyr_scale)
                if not isinstance(p, Imu) or not p.samples:
                    continue
                t_us = rec.frame.t_us
                if last_raw is not None and t_us < last_raw - (1 << 31):
                    wraps += 1
                last_raw = t_us if last_raw is None else max(last_raw, t_us)
                t0 = (t_us + wraps * _T_MOD) / 1e6
                ts.append(t0 + np.arange(len(p.samples)) * (p.period_ns / 1e9))
                raws.append(np.asarray(p.samples, float))
            if ts:
                t = np.concatenate(ts)
                raw = np.vstack(raws)
                order = np.argsort(t, kind="stable")
                t, raw = t[order], raw[order]
                if t_first is None:
                    t_first = float(t[0])
                run.feed(t - t_first, raw[:, :3] * acc_s, raw[:, 3:] * gyr_s)
            if run.finished or loop.time() - t_start > max_s:
                break
        await dev.stop()
    finally:
        run.finish()
        for w in run.windows:
            writer.write(make_frame(Note({"kind": "phase", "phase": w.to_dict()})),
                         clock.now_us() if clock else -1)
        result: Result | None = None
        try:
            if run.windows and run.samples[0].size:
                result = run.result()
                writer.write(make_frame(Note({"kind": "assess_result", **compact(result)})),
                             clock.now_us() if clock else -1)
        finally:
            writer.close()
    if result is None:
        raise KyphosError("the board sent no IMU samples: nothing was assessed")
    return run, result


def compact(result: Result) -> dict[str, Any]:
    """The result in a few hundred bytes (a NOTE payload holds at most 1024)."""
    rom = {d: [None if not np.isfinite(r.mean_deg) else round(r.mean_deg, 1),
               round(r.sd_deg, 1) if np.isfinite(r.sd_deg) else None, len(r.repeats),
               int(r.flagged)] for d, r in result.rom.items()}
    ex = [[e["name"][:24], e["reps_done"], e["reps_target"], e["range_mean_deg"],
           e["hold_mean_s"]] for e in result.exercises]
    return {"rom": rom, "exercises": ex[:8]}


def run_target(target: str, phases: list[Phase], targets: dict[int, Targets] | None,
               path: str | Path, *, kind: str, scenario: str | None = None,
               seed: int | None = None, timeout_s: float = 5.0, **kw: Any
               ) -> tuple[GuidedRun, Result]:
    """Connect to ``target`` and run (fast simulated time for ``sim``)."""
    from kyphos.link.device import connect

    is_sim = target.lower() == "sim" or target.lower().startswith("sim:")
    ckw: dict[str, Any] = {"command_timeout_s": timeout_s}
    if is_sim:
        ckw.update(scenario=scenario or "assessment", seed=seed, backfill=False)

    async def go() -> tuple[GuidedRun, Result]:
        dev = await connect(target, **ckw)
        try:
            return await run_on_device(dev, phases, targets, path, kind=kind, **kw)
        finally:
            await dev.close()

    if is_sim:
        from kyphos.sim.clock import run as run_virtual

        return run_virtual(go())  # type: ignore[no-any-return]
    return asyncio.run(go())
