"""``kyphos pair``: bond with the board over Bluetooth (LE Secure Connections)."""

from __future__ import annotations

import argparse
from typing import Any

from kyphos.cli.options import add_device, connect_options, device_of

EPILOG = """examples:
  kyphos pair --device kyphos-3A4F
Press the board's button once first: it accepts pairing for 60 s after that. Once paired, the
link is encrypted and `kyphos config set` and `kyphos erase` work over Bluetooth."""


def register(sub: Any) -> None:
    p = sub.add_parser(
        "pair", help="bond with the board (LE Secure Connections) so config and erase work",
        description="Pair and bond with a board over Bluetooth LE using LE Secure "
        "Connections. The board must have its pairing window open (a short button press).",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_device(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kyphos.link.cli import run_async, with_device

    async def go(dev: Any) -> str:
        await dev.pair()
        return str(dev.name)

    name = run_async(with_device(args, go, **connect_options(str(device_of(args)))))
    print(f"{name}: paired; the link is encrypted")
    return 0
