"""``kyphos calibrate``: set the wearer's upright reference on the board now."""

from __future__ import annotations

import argparse
from typing import Any

from kyphos.cli.options import add_device, connect_options, device_of

EPILOG = """examples:
  kyphos calibrate --device kyphos-3A4F
  kyphos calibrate --device serial:/dev/ttyACM0 --countdown 5
Stand or sit upright and still while it runs (a long button press does the same)."""


def register(sub: Any) -> None:
    p = sub.add_parser(
        "calibrate", help="set the upright reference now (wearer upright and still)",
        description="Tell the board to take the wearer's current posture as upright (0°). "
        "The board buzzes once when done.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_device(p)
    p.add_argument("--countdown", type=float, default=0.0,
                   help="seconds to wait before calibrating, to get into position (default 0)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import asyncio

    from kyphos.link.cli import run_async, with_device

    async def go(dev: Any) -> None:
        if args.countdown > 0:
            print(f"calibrating in {args.countdown:g} s: stand upright and still")
            await asyncio.sleep(args.countdown)
        await dev.calibrate()

    run_async(with_device(args, go, **connect_options(str(device_of(args)))))
    print(f"{args.target}: calibrated (upright reference set)")
    return 0
