"""``kyphos erase``: erase the board's flash logs (asks first)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from kyphos.cli.options import add_device, connect_options, device_of
from kyphos.errors import KyphosError

EPILOG = """examples:
  kyphos erase --device kyphos-3A4F            # all logs, after a yes/no question
  kyphos erase --device kyphos-3A4F --log 3 --yes
Download first (kyphos download) — erased logs cannot be recovered. Needs USB or a paired link."""


def register(sub: Any) -> None:
    p = sub.add_parser(
        "erase", help="erase the board's flash logs (asks first)",
        description="Erase one log or all logs from the board's flash. Asks for confirmation "
        "unless --yes is given; refuses over an unencrypted Bluetooth link.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_device(p)
    p.add_argument("--log", type=int, default=None, metavar="ID",
                   help="erase only this log (default: all)")
    p.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kyphos.link.cli import run_async, with_device

    target = str(device_of(args))
    what = f"log {args.log}" if args.log is not None else "ALL logs"
    if not args.yes:
        if not sys.stdin.isatty():
            raise KyphosError(f"{target}: erase {what}? not confirmed — pass --yes to erase without asking")
        answer = input(f"Erase {what} on {target}? This cannot be undone. [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing erased")
            return 1

    async def go(dev: Any) -> None:
        await dev.erase_logs(args.log)

    run_async(with_device(args, go, **connect_options(target)))
    print(f"{target}: erased {what}")
    return 0
