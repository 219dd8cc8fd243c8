"""``kyphos reboot``: restart the board, or restart it into the maintenance boot."""

from __future__ import annotations

import argparse
from typing import Any

from kyphos.cli.options import add_device, connect_options, device_of

EPILOG = """examples:
  kyphos reboot --device kyphos-3A4F                 # restart the application
  kyphos reboot --device serial:/dev/ttyUSB0 --maintenance
The maintenance boot (firmware/main.py) starts neither the application nor its 8 s watchdog,
for one boot: the REPL is free for mpremote as long as it takes (kyphos deploy and kyphos
doctor reboot into it themselves). The next reset starts the application again. Holding the
board's button as it starts does the same without a host. Needs USB or a paired link."""


def register(sub: Any) -> None:
    p = sub.add_parser(
        "reboot", help="restart the board (--maintenance: without the app and its watchdog)",
        description="Restart the board, or with --maintenance restart it into the maintenance "
        "boot: for one boot the application and its watchdog do not start, so tools can use "
        "the REPL over USB. Refused over an unencrypted Bluetooth link.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_device(p)
    p.add_argument("--maintenance", action="store_true",
                   help="restart into the maintenance boot (no application, no watchdog)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kyphos.link.cli import run_async, with_device

    target = str(device_of(args))

    async def go(dev: Any) -> None:
        await dev.reboot(args.maintenance)

    run_async(with_device(args, go, **connect_options(target)))
    if args.maintenance:
        print(f"{target}: rebooting into the maintenance boot (no application, no watchdog); "
              "machine.reset() or the reset button leaves it")
    else:
        print(f"{target}: rebooting")
    return 0
