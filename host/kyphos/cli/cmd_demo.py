"""``kyphos demo``: the whole chain on a virtual board, no hardware.

The firmware in ``firmware/`` runs on a simulated board worn by a simulated person (a scenario);
the host connects through bleak on the virtual radio, calibrates, starts streaming, records
every frame to a ``.kyr`` file, stops, loads and analyses the recording, and writes the analysis
and the scenario's ground truth beside it. Simulated time runs as fast as the computation
allows (fast mode), so the 2.5-minute demo scenario takes seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import struct
import time
from pathlib import Path
from typing import Any

from kyphos.errors import KyphosError

EPILOG = """examples:
  kyphos demo
  kyphos demo --out /tmp/kyphos-demo --seed 3
  kyphos demo --scenario warehouse"""

_UPRIGHT = (2.0, 7.0)  # the guided calibration's "stand still" window, scenario s
_MATCH_S = 2.0  # a detected lift matches a scripted one when their peaks are this close


def register(sub: Any) -> None:
    p = sub.add_parser(
        "demo",
        help="run the whole chain on a virtual board and write a recording and its analysis",
        description="Boot the real firmware on a virtual board worn by a simulated person, "
        "connect over the virtual BLE radio, calibrate, record the scenario to a .kyr file, "
        "analyse it and write the analysis and the ground truth beside it.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--out", default="out/demo", help="output folder (default out/demo)")
    p.add_argument("--scenario", default="demo",
                   help="scenario file or bundled name (default demo; see docs/scenarios.md)")
    p.add_argument("--seed", type=int, default=None,
                   help="random seed of the simulation (default: the scenario's)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kyphos.sim.clock import run as run_virtual

    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise KyphosError(f"cannot create {out}: {exc.strerror}") from None
    t0 = time.monotonic()
    result = run_virtual(record_demo(out, args.scenario, args.seed))
    result["wall_s"] = time.monotonic() - t0
    summary = analyse_demo(out, result)
    print(format_summary(summary))
    return 0


async def record_demo(out: Path, scenario: str, seed: int | None) -> dict[str, Any]:
    """Boot a virtual board on ``scenario``, record it over BLE to ``out/demo.kyr``."""
    from kyphos.protocol.constants import Opcode
    from kyphos.protocol.fields import payload_to_fields
    from kyphos.protocol.frames import Note, _dec_info, make_frame
    from kyphos.recording.kyr import KyrWriter, new_header
    from kyphos.sim.board import VirtualBoard
    from kyphos.sim.client import BleLink, loop_clock_us
    from kyphos.sim.radio import VirtualRadio

    path = out / "demo.kyr"
    board = VirtualBoard(scenario, seed=seed)
    radio = VirtualRadio()
    writer = None
    link = None
    try:
        await board.start(radio)
        adapter = await radio.central()
        while board.device is None:  # the firmware is booting
            if board.crashes:
                raise KyphosError(f"the firmware crashed at boot: {board.crashes[0]!r}")
            await asyncio.sleep(0.05)
        name = board.device.name
        link = await BleLink.connect(name, bumble_adapter=adapter, clock_us=loop_clock_us(),
                                     keep=False)
        # The ACK data is an INFO payload (as in kyphos.link.device.Device.info).
        info = payload_to_fields(_dec_info(await link.command(Opcode.GET_INFO), 0))
        header = new_header(
            "ble", subject="demo-001", device=info,
            simulated={"scenario": board.scenario["name"], "seed": board.seed,
                       "truth": "truth.npz", "virtual_board": True},
        )
        writer = KyrWriter(path, header, overwrite=True, fsync_interval_s=None)
        link.writer = writer
        await link.command(Opcode.START, bytes([0b111]))  # IMU, QUAT, STATUS
        t_start = board.now_s()
        await _until(board, _UPRIGHT[1])
        await link.command(Opcode.CALIBRATE)  # the wearer stands upright: reference now
        await _until(board, board.simulator.duration + 0.5)
        await link.command(Opcode.STOP)
        await asyncio.sleep(0.2)
        truth = board.truth()
        bends = [m for m in truth.movements if m.label == "calibration_bend"]
        first_t = _first_imu_s(path)
        note: dict[str, Any] = {"kind": "calibration", "method": "guided",
                                "upright": [_UPRIGHT[0] - first_t, _UPRIGHT[1] - first_t]}
        if bends:
            note["bend"] = [bends[0].onset - 0.5 - first_t, bends[-1].offset + 0.5 - first_t]
        writer.write(make_frame(Note(note)), link.clock_us())
        writer.close()
        writer = None
        from kyphos.sim.scenario import write_truth

        write_truth(truth, out / "truth.npz")
        return {
            "recording": path, "truth": out / "truth.npz", "name": name,
            "scenario": board.scenario["name"], "seed": board.seed,
            "sim_s": board.now_s() - t_start, "imu_samples": link.imu_samples,
            "expected_samples": board.simulator.n_samples, "lost_frames": link.lost_frames,
            "corrupt": link.corrupt, "notifications": link.notifications,
            "first_imu_s": first_t, "crashes": len(board.crashes),
        }
    finally:
        if writer is not None:
            writer.close()
        if link is not None:
            await link.close()
        await board.stop()
        await radio.close()
        board.cleanup()


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
    (out / "analysis.json").write_text(json.dumps(doc, indent=1), encoding="utf-8")
    from kyphos.views.report import write_html
    from kyphos.views.summary import summarize_session

    write_html([summarize_session(session, rec["recording"], analysis=analysis)],
               out / "report.html")
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


def format_summary(s: dict[str, Any]) -> str:
    from kyphos.resources import firmware_dir

    score = s["posture_score"]
    return "\n".join([
        f"virtual board {s['name']} (firmware from {firmware_dir()}) wore scenario {s['scenario']!r} "
        f"(seed {s['seed']}): {s['sim_s']:.0f} s simulated in {s['wall_s']:.1f} s",
        f"streamed over the virtual BLE link: {s['imu_samples']:,} IMU samples in "
        f"{s['notifications']:,} notifications; lost frames {s['lost_frames']}, "
        f"corrupt notifications {s['corrupt']}, gaps in the recording {s['gaps']}",
        f"lifts found {s['lifts_found']} (scripted {s['lifts_scripted']}, "
        f"{s['lifts_matched']} matched within {_MATCH_S:g} s); slouch episodes found "
        f"{s['slouches_found']} (scripted {s['slouches_scripted']}); posture score "
        + (f"{score:.0f}/100" if score is not None else "-")
        + f"; calibration {s['calibration']}",
        f"recording   {s['recording']}",
        f"analysis    {s['analysis']}",
        f"truth       {s['truth']}",
        f"report      {s['report']}",
        f"next: kyphos analyze {s['recording']}  ·  kyphos live --replay {s['recording']}",
    ])
