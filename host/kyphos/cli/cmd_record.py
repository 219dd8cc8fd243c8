"""``kyphos record``: stream from a board into a .kyr file, reconnecting and back-filling."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from typing import Any

from kyphos.cli.options import add_device, add_duration, add_force, connect_options, device_of
from kyphos.fileio import check_output

EPILOG = """examples:
  kyphos record --device kyphos-3A4F -o session.kyr --duration 600 --subject S01
  kyphos record --device serial:/dev/ttyACM0 -o lab.kyr
  KYPHOS_DEVICE=sim kyphos record -o demo.kyr --duration 30
Ctrl-C stops cleanly. Link drops are reconnected and the hole is back-filled from the board's
flash log. Each record is written to the OS as it arrives (a killed recorder loses < 1 s);
fsync at most every --fsync-interval seconds and at the end. A full disk stops the recording
with a clear error and leaves a valid file. --subject is a pseudonymous code, never a name.
The recording is the one file not written under a temporary name: it is append-only under its
final name from the first byte, so a crash keeps everything received. An existing FILE.kyr is
kept unless --force."""


def register(sub: Any) -> None:
    p = sub.add_parser(
        "record", help="record a board's stream to a .kyr file (reconnects, back-fills gaps)",
        description="Start streaming raw IMU, orientation and status from a board and write "
        "every frame, append-only, to a .kyr recording.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_device(p, positional_alias=False)
    p.add_argument("-o", "--output", required=True, metavar="FILE.kyr",
                   help="the recording to create (an existing file is kept unless --force)")
    add_duration(p)
    p.add_argument("--subject", default=os.environ.get("KYPHOS_SUBJECT"),
                   help="pseudonymous subject id such as S01 ($KYPHOS_SUBJECT); never a name")
    p.add_argument("--fsync-interval", type=float, default=1.0,
                   help="most seconds between fsyncs (default 1; 0 = every record)")
    add_force(p, "an existing recording")
    p.add_argument("--no-backfill", action="store_true",
                   help="do not fill link drops from the board's flash log")
    p.add_argument("--no-quat", action="store_true", help="do not stream on-device orientation")
    p.add_argument("--no-progress", action="store_true", help="no live status line")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import asyncio

    from kyphos.link.cli import run_async
    from kyphos.link.device import connect
    from kyphos.recording.recorder import check_subject, record

    target = str(device_of(args))
    check_subject(args.subject)
    check_output(args.output, force=args.force, what="recording")
    live = not args.no_progress and sys.stderr.isatty()

    def show(h: Any) -> None:
        sys.stderr.write("\r" + h.line()[:100].ljust(100))
        sys.stderr.flush()

    async def go() -> Any:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, stop.set)
            except (NotImplementedError, RuntimeError):
                pass
        dev = await connect(target, command_timeout_s=args.timeout, backfill=not args.no_backfill,
                            **connect_options(target))
        try:
            return await record(
                dev, args.output, duration_s=args.duration, subject=args.subject,
                fsync_interval_s=args.fsync_interval, overwrite=args.force, stop=stop,
                on_health=show if live else None, streams=(True, not args.no_quat, True),
            )
        finally:
            await dev.close()

    res = run_async(go())
    if live:
        sys.stderr.write("\n")
    for w in res.warnings:  # the fix names this device, not a placeholder
        print(f"kyphos: warning: {w.replace('--device TARGET', f'--device {target}')}",
              file=sys.stderr)
    h = res.health
    print(
        f"{res.path}: {res.imu_samples:,} IMU samples, {res.frames:,} frames "
        f"({res.backfilled:,} back-filled) in {res.duration_s:.1f} s; "
        f"loss {h.get('loss_pct', 0.0):.2f}%, {h.get('drops', 0)} drop(s), stopped by {res.stopped_by}"
    )
    return 0
