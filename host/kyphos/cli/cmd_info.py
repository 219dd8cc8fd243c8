"""``kyphos info FILE``: what a recording holds and whether it is damaged."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from kyphos.cli.options import add_device, connect_options, device_of
from kyphos.errors import KyphosError
from kyphos.link.cli import BOARD_NAMES, IMU_NAMES

EPILOG = """examples:
  kyphos info session.kyr
  kyphos info --device kyphos-3A4F   # a board: firmware, IMU, rates, link
  kyphos info board-log-0003.kyr --json
exit status is 0 for a readable file even if it is damaged (the damage is listed);
1 if it cannot be read as a recording at all."""


def register(sub: Any) -> None:
    p = sub.add_parser(
        "info",
        help="print a recording's header, duration, sample count, gaps and damage",
        description="Print a recording's header, source, subject, device, duration, sample "
        "count and rate, gaps, and any damage (torn tail, corrupt stretches) found in it.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", nargs="?", help="recording to inspect (.kyr, or a board's flash log), or a "
                   "board TARGET (sim, serial:PORT, a BLE name or address) to ask it for its INFO")
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    from kyphos.cli.cmd_analyze import add_csv_unit_options

    add_csv_unit_options(p)  # a CSV file's units and axes, as for analyze (docs/recording.md)
    add_device(p, positional_alias=False)  # kyphos info --device TARGET: ask a board
    p.set_defaults(func=run)


def _hms(s: float) -> str:
    h, rem = divmod(max(s, 0.0), 3600)
    m, sec = divmod(rem, 60)
    return f"{int(h):02d}:{int(m):02d}:{sec:05.2f}"


def summarize(path: str | Path, **load_options: Any) -> dict[str, Any]:
    """The facts ``kyphos info`` prints, as JSON-able values (``load_options``: a CSV file's
    units and axes, see :func:`kyphos.recording.csv.load_csv`)."""
    import kyphos
    from kyphos.recording.quality import data_quality

    p = Path(path)
    s = kyphos.load(p, **load_options)  # RecordingError names a missing file or a folder
    q = data_quality(s)  # the same count as analyze and the report
    return {
        "file": str(p),
        "bytes": p.stat().st_size,
        "header": s.header,
        "info": s.info,
        "duration_s": s.duration_s,
        "samples": s.n_samples,
        "fs_hz": s.fs,
        "orientation_samples": s.n_quat_samples,  # without building the quaternions
        "status_frames": len(s.status),
        "events": len(s.events),
        "notes": len(s.notes),
        "gaps": q["gaps"],
        "gap_total_s": q["gap_total_s"],
        "damage": q["damage"],
        "data_quality": q,
    }


def format_summary(d: dict[str, Any]) -> str:
    h = d["header"]
    lines = [f"file       {d['file']} ({d['bytes']:,} bytes)"]
    if h.get("format") == "kyr":
        lines.append(
            f"header     {h.get('format', '?')} v{h.get('version', '?')}, "
            f"created {h.get('created_utc', '?')}, source {h.get('source', '?')}"
        )
    else:
        lines.append(f"header     none: not a .kyr recording (source {h.get('source', '?')})")
    if h.get("source") == "csv":  # what the CSV loader read the columns as, and why
        lines.append(f"units      time {h.get('time_unit')}, acceleration {h.get('acc_unit')}, "
                     f"rotation {h.get('gyr_unit')}, axes {h.get('axes')}")
        lines += [f"           {n}" for n in h.get("notes") or []]
        if h.get("axes_doubt"):
            lines.append(f"           {h['axes_doubt']}")
    lines.append(f"subject    {h.get('subject') if h.get('subject') is not None else '-'}")
    info = d["info"]
    if info:
        fw = ".".join(str(x) for x in info.get("fw_version", [])) or "?"
        lines.append(
            f"device     {info.get('name') or '(no name)'} [{info.get('device_id', '?')}], "
            f"fw {fw}, board {BOARD_NAMES.get(info.get('board', -1), info.get('board'))}, "
            f"IMU {IMU_NAMES.get(info.get('imu_model', -1), info.get('imu_model'))}"
            # INFO flags bit3: the firmware accepted a clone's WHO_AM_I (firmware/mpu6.py)
            + (" (a clone part: readings unverified)" if int(info.get("flags") or 0) & 8 else "")
            + f", ±{info.get('acc_fs_g')} g, ±{info.get('gyr_fs_dps')} °/s"
        )
    else:
        lines.append("device     unknown (no INFO frame, no device in the header)")
    lines.append(f"duration   {d['duration_s']:.2f} s ({_hms(d['duration_s'])})")
    lines.append(
        f"samples    {d['samples']:,} IMU at {d['fs_hz']:.2f} Hz, "
        f"{d['orientation_samples']:,} orientation, {d['status_frames']:,} status, "
        f"{d['events']:,} events, {d['notes']:,} notes"
    )
    gaps = d["gaps"]
    if not gaps:
        lines.append("gaps       none")
    else:
        shown = ", ".join(f"{a:.3f}–{b:.3f} s" for a, b in gaps[:5])
        more = f", … ({len(gaps) - 5} more)" if len(gaps) > 5 else ""
        lines.append(f"gaps       {len(gaps)}, {d['gap_total_s']:.3f} s in all: {shown}{more}")
    damage = d["damage"]
    if not damage:
        lines.append("damage     none")
    else:
        lost = d["data_quality"]["damaged_bytes"]
        lines.append(f"damage     DAMAGED: {len(damage)} stretch(es), {lost:,} bytes unreadable "
                     "(everything else was read)")
        for x in damage[:10]:
            lines.append(f"           {x['kind']} at byte {x['offset']:,} ({x['length']:,} bytes): "
                         f"{x['reason']}")
        if len(damage) > 10:
            lines.append(f"           … {len(damage) - 10} more")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from kyphos.link.cli import device_info, is_device_target

    if not args.file and not args.target and not os.environ.get("KYPHOS_DEVICE"):
        raise KyphosError("give a recording FILE to inspect, or --device TARGET to ask a board")
    if args.target or not args.file:  # --device TARGET (or $KYPHOS_DEVICE with no FILE)
        if args.target and args.file:
            raise KyphosError(f"give a FILE or --device {args.target}, not both")
        target = str(device_of(args))
        return device_info(target, args.json, args.timeout, **connect_options(target))
    if is_device_target(args.file):  # old spelling `info TARGET` (sim, serial:PORT, a BLE name)
        return device_info(args.file, args.json, args.timeout, **connect_options(args.file))
    from kyphos.cli.cmd_analyze import csv_load_options

    d = summarize(args.file, **csv_load_options(args, str(args.file).lower().endswith(".csv")))
    if args.json:
        print(json.dumps(d, ensure_ascii=False))
    else:
        print(format_summary(d))
    return 0
