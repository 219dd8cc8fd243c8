"""``kyphos download``: copy the board's flash logs to this computer (resumable, verified)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from kyphos.cli.options import add_device, add_force, connect_options, device_of
from kyphos.errors import KyphosError

EPILOG = """examples:
  kyphos download --device kyphos-3A4F -o logs/
  kyphos download --device serial:/dev/ttyACM0 -o logs/ --log 3
  kyphos download --device kyphos-3A4F --list
An interrupted download is resumed by running the same command again (the .part file is
continued). An existing log-NNNNN.kyr that differs from the board's log is kept unless --force.
Each file is verified (contiguous bytes, size, .kyr header and record CRCs) before
it gets its final name logs/log-NNNNN.kyr; open it with `kyphos info` or kyphos.load()."""


def register(sub: Any) -> None:
    p = sub.add_parser(
        "download", help="copy the board's flash logs here (progress, resumable, verified)",
        description="Download the board's on-flash logs as .kyr files.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_device(p)
    p.add_argument("-o", "--output", default=os.environ.get("KYPHOS_DOWNLOAD_DIR", "."),
                   help="folder for the logs, one log-NNNNN.kyr each (created if missing; "
                        "default: current folder, $KYPHOS_DOWNLOAD_DIR)")
    p.add_argument("--log", type=int, action="append", metavar="ID",
                   help="download only this log (repeatable; default: all)")
    p.add_argument("--list", action="store_true", help="only list the logs on the board")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_force(p, "a file log-NNNNN.kyr in the folder that differs from the board's log")
    p.set_defaults(func=run)


def _keep_existing(logs: list[dict[str, Any]], folder: str, ids: list[int] | None) -> None:
    """Refuse before any byte moves if a ``log-NNNNN.kyr`` in the folder would be replaced by a
    different log (the same size means it was downloaded already and is skipped)."""
    for e in logs:
        if ids is not None and int(e["id"]) not in ids:
            continue
        final = Path(folder) / f"log-{int(e['id']):05d}.kyr"
        if final.exists() and final.stat().st_size != int(e["size"]):
            raise KyphosError(f"{final} exists ({final.stat().st_size:,} bytes) and differs "
                              f"from the board's log {e['id']} ({int(e['size']):,} bytes): "
                              "download into another folder (-o), or pass --force to replace it")


def run(args: argparse.Namespace) -> int:
    from kyphos.link.cli import Progress, run_async, with_device

    extra = connect_options(str(device_of(args)))
    if args.list:
        async def lst(dev: Any) -> list[dict[str, Any]]:
            return list(await dev.log_list())

        logs = run_async(with_device(args, lst, **extra))
        if not logs:
            print("no logs on the board")
        for e in logs:
            seq = ""
            if e.get("seq_first") is not None:
                seq = f"  seq {e['seq_first']}…{e.get('seq_last')}"
            state = "closed" if e.get("closed", True) else "open (being written)"
            print(f"log {e['id']:>5}  {e['size']:>10,} bytes  {state}{seq}")
        return 0
    bar = Progress("download", enabled=not args.no_progress)

    async def go(dev: Any) -> list[Any]:
        if not args.force:
            _keep_existing(await dev.log_list(), args.output, args.log)
        return list(await dev.download_logs(args.output, args.log, progress=bar))

    paths = run_async(with_device(args, go, command_timeout_s=max(args.timeout, 10.0), **extra))
    summary = bar.finish()
    for p in paths:
        print(p)
    print(f"downloaded and verified {len(paths)} log(s): {summary}")
    return 0
