"""``kyphos demo``: the whole chain on a virtual board, no hardware.

The firmware in ``firmware/`` runs on a simulated board worn by a simulated person (a scenario).
The host side is the one a user runs: ``kyphos.connect("sim", ...)`` gives a
:class:`kyphos.link.Device` (bleak on the virtual radio), and
:func:`kyphos.recording.recorder.record` — the recorder behind ``kyphos record`` — streams every
frame into a ``.kyr`` file. While it records, the demo calibrates as a user would: it sends the
``calibrate`` command (``kyphos calibrate``) during the quiet stance the scenario's script asks
the wearer for at its start; the analysis takes the upright reference from the board's
CALIBRATED event and the sagittal plane from the wearer's own bends (automatic). The scenario's
ground truth is used only at the end, to print how the analysis compares with it. Simulated
time runs as fast as the computation allows, so the 2.5-minute demo scenario takes seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import struct
import time
from pathlib import Path
from typing import Any

from kyphos.cli.options import add_force
from kyphos.errors import KyphosError
from kyphos.fileio import atomic_path, write_text

EPILOG = """examples:
  kyphos demo
  kyphos demo -o /tmp/kyphos-demo --seed 3
  kyphos demo --scenario warehouse --force     # replace the outputs of an earlier demo
Writes demo.kyr, truth.npz, analysis.json and report.html into the -o folder (default
out/demo); if any of them is there already it stops unless --force."""

OUTPUTS = ("demo.kyr", "truth.npz", "analysis.json", "report.html")  # what a demo writes
_MATCH_S = 2.0  # a detected lift matches a scripted one when their peaks are this close
_STILL_BEFORE_CAL_S = 3.0  # the wearer has stood still this long when the demo calibrates
_CAL_BEFORE_END_S = 1.0  # ... and keeps standing still this long after it
_SAME_PATH = ("host: kyphos.connect('sim') -> kyphos.link.Device -> kyphos.recording.recorder"
              ".record, the client and recorder of `kyphos record --device sim`")


def register(sub: Any) -> None:
    p = sub.add_parser(
        "demo",
        help="run the whole chain on a virtual board and write a recording and its analysis",
        description="Boot the real firmware on a virtual board worn by a simulated person, "
        "connect over the virtual BLE radio with the same client and recorder as kyphos record, "
        "calibrate during the wearer's quiet stance, record the scenario to a .kyr file, "
        "analyse it and write the analysis and the ground truth beside it.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("-o", "--output", dest="out", default="out/demo",
                   help="output folder (default out/demo)")
    p.add_argument("--out", dest="out", help=argparse.SUPPRESS)  # old spelling, one release
    add_force(p, "the outputs of an earlier demo in the folder")
    p.add_argument("--scenario", default="demo",
                   help="scenario file or bundled name (default demo; see docs/scenarios.md)")
    p.add_argument("--seed", type=int, default=None,
                   help="random seed of the simulation (default: the scenario's)")
    p.add_argument("--runtime", choices=("cpython", "micropython"), default="cpython",
                   help="cpython (default: fast, simulated time) or micropython: the real "
                   "MicroPython 1.28 unix port with NimBLE, in real time (built on first use; "
                   "docs/virtual-board.md)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kyphos.sim.clock import run as run_virtual

    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise KyphosError(f"cannot create {out}: {exc.strerror}") from None
    there = [n for n in OUTPUTS if (out / n).exists()]
    if there and not args.force:
        raise KyphosError(f"{out} already holds {', '.join(there)} from an earlier demo: pass "
                          "--force to replace them, or -o another folder")
    t0 = time.monotonic()
    runtime = getattr(args, "runtime", "cpython")
    if runtime == "micropython":  # MicroPython runs in real time: a plain event loop
        result = asyncio.run(record_demo(out, args.scenario, args.seed, runtime))
    else:
        result = run_virtual(record_demo(out, args.scenario, args.seed))
    result["wall_s"] = time.monotonic() - t0
    summary = analyse_demo(out, result)
    print(format_summary(summary))
    return 0


def calibration_time_s(scenario: dict[str, Any]) -> float | None:
    """When a user would press calibrate: near the end of the quiet stance the scenario's
    script opens with (scenario time, s), or None when it opens with none long enough (the
    analysis then calibrates automatically). Read from the script, never from the truth."""
    segs = scenario.get("segments") or []
    if not segs or segs[0].get("kind") != "stand":
        return None
    still = float(segs[0].get("duration_s", 0.0))
    if still < _STILL_BEFORE_CAL_S + _CAL_BEFORE_END_S:
        return None
    return still - _CAL_BEFORE_END_S


async def record_demo(out: Path, scenario: str, seed: int | None,
                      runtime: str = "cpython") -> dict[str, Any]:
    """Boot a virtual board on ``scenario`` and record it to ``out/demo.kyr`` through
    ``kyphos.connect`` and the recorder of ``kyphos record``, calibrating during the stance."""
    import kyphos
    from kyphos.recording.recorder import record
    from kyphos.sim.scenario import write_truth

    path = out / "demo.kyr"
    extra: dict[str, Any] = {}
    if runtime != "cpython":
        extra = {"runtime": runtime, "progress": lambda m: print(m, flush=True)}
    dev = await kyphos.connect("sim", scenario=scenario, seed=seed, **extra)
    try:
        board = dev.transport.board  # the virtual board: its clock and, at the end, its truth
        t_cal = calibration_time_s(board.scenario)
        calibrated: list[float] = []

        async def calibrate_when_still() -> None:
            if t_cal is None:
                return
            await _until(board, t_cal)
            await dev.calibrate()  # what `kyphos calibrate` sends
            calibrated.append(board.now_s())

        t_start = board.now_s()
        cal_task = asyncio.get_running_loop().create_task(calibrate_when_still())
        try:
            res = await record(
                dev, path, duration_s=board.simulator.duration + 0.5 - t_start,
                subject="demo-001", overwrite=True, fsync_interval_s=60.0,
                header_extra={"simulated": {"scenario": board.scenario["name"], "seed": board.seed,
                                            "truth": "truth.npz", "virtual_board": True}},
            )
        finally:
            if not cal_task.done():
                cal_task.cancel()
            await asyncio.gather(cal_task, return_exceptions=True)
        if cal_task.exception() is not None:
            raise KyphosError(f"calibrate failed: {cal_task.exception()}")
        if board.crashes:
            raise KyphosError(f"the firmware crashed: {board.crashes[0]!r}")
        # The truth is taken only now, for the final check (analyse_demo).
        with atomic_path(out / "truth.npz", force=True) as tmp:  # checked in run()
            write_truth(board.truth(), tmp)
        health = dev.health()
        return {
            "recording": path, "truth": out / "truth.npz", "name": dev.info_frame.name,
            "runtime": getattr(board, "runtime_text", ""),
            "scenario": board.scenario["name"], "seed": board.seed,
            "sim_s": board.now_s() - t_start, "imu_samples": res.imu_samples,
            "frames": res.frames, "notifications": dev.transport.counters.packets_in,
            "backfilled": res.backfilled,
            "missing_frames": health.missing_frames, "corrupt": health.corrupt,
            "calibrated_at_s": calibrated[0] if calibrated else None,
            "warnings": res.warnings, "first_imu_s": _first_imu_s(path),
        }
    finally:
        await dev.close()


def _first_imu_s(path: Path) -> float:
    """Device time (s) of the first IMU sample in the recording so far."""
    from kyphos.protocol.constants import FrameType
    from kyphos.recording.kyr import read_kyr

    for _host_us, raw in read_kyr(path).frames():
        if raw[1] == FrameType.IMU:
            return struct.unpack_from("<I", raw, 6)[0] / 1e6
    raise KyphosError("the board sent no IMU samples")


async def _until(board: Any, t_s: float) -> None:
    wait = t_s - board.now_s()
    if wait > 0:
        await asyncio.sleep(wait)


def analyse_demo(out: Path, rec: dict[str, Any]) -> dict[str, Any]:
    """Load and analyse the recording; write analysis.json; compare with the truth."""
    import numpy as np

    import kyphos
    from kyphos.analysis import analyze
    from kyphos.cli.cmd_analyze import _clean
    from kyphos.sim.scenario import align_truth, read_truth

    session = kyphos.load(rec["recording"])
    analysis = analyze(session)
    doc = _clean(analysis.to_dict())
    write_text(out / "analysis.json", json.dumps(doc, indent=1), force=True)  # checked in run()
    from kyphos.views.report import write_html
    from kyphos.views.summary import summarize_session

    with atomic_path(out / "report.html", force=True) as tmp:
        write_html([summarize_session(session, rec["recording"], analysis=analysis)], tmp)
    # Session time 0 is the first IMU sample; truth time is device time of the first boot.
    truth = align_truth(read_truth(rec["truth"]), session,
                        offset_s=rec["first_imu_s"] - float(session.time[0]))
    found = [lf.peak_s for lf in analysis.lifts]
    scripted = [lt.peak_time for lt in truth.lifts]
    matched = sum(1 for t in scripted if found and min(abs(np.array(found) - t)) <= _MATCH_S)
    return {**rec, "analysis": out / "analysis.json", "lifts_found": len(found),
            "lifts_scripted": len(scripted), "lifts_matched": matched,
            "posture_score": doc["posture"]["score"],
            "slouches_found": len(doc["posture"]["slouch_episodes"]),
            "slouches_scripted": len(truth.slouches),
            "calibration": doc["calibration"]["method"],
            "samples_loaded": session.n_samples, "gaps": len(session.gaps),
            "report": out / "report.html"}


def _shown(path: Path) -> str:
    """``path`` relative to the current folder when it is inside it (``firmware/`` in a
    checkout), else absolute (``…/site-packages/kyphos/_firmware`` in an installed wheel)."""
    try:
        return f"{path.relative_to(Path.cwd().resolve())}/"
    except ValueError:
        return str(path)


def format_summary(s: dict[str, Any]) -> str:
    from kyphos.resources import firmware_dir

    score = s["posture_score"]
    cal_at = s.get("calibrated_at_s")
    cal = (f"calibrate sent at {cal_at:.1f} s of the wearer's quiet stance, analysis calibration "
           if cal_at is not None else "no calibrate command (no quiet stance), analysis calibration ")
    return "\n".join([
        f"virtual board {s['name']} (firmware from {_shown(firmware_dir())}"
        + (f", on {s['runtime']}" if s.get("runtime") else "") + f") wore scenario {s['scenario']!r} "
        f"(seed {s['seed']}): {s['sim_s']:.0f} s simulated in {s['wall_s']:.1f} s",
        _SAME_PATH,
        f"streamed over the virtual BLE link: {s['imu_samples']:,} IMU samples in "
        f"{s['frames']:,} frames ({s['notifications']:,} notifications); missing frames {s['missing_frames']} (back-filled "
        f"{s['backfilled']}), corrupt notifications {s['corrupt']}, gaps in the recording {s['gaps']}",
        cal + s["calibration"],
        f"check against the scenario's truth: lifts found {s['lifts_found']} (scripted "
        f"{s['lifts_scripted']}, {s['lifts_matched']} matched within {_MATCH_S:g} s); slouch "
        f"episodes found {s['slouches_found']} (scripted {s['slouches_scripted']}); posture score "
        + (f"{score:.0f}/100" if score is not None else "-"),
        f"recording   {s['recording']}",
        f"analysis    {s['analysis']}",
        f"truth       {s['truth']}",
        f"report      {s['report']}",
        f"next: kyphos analyze {s['recording']}  ·  kyphos live --device replay:{s['recording']}",
    ])
