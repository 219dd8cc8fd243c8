"""``kyphos deploy --port PORT``: compile the firmware and install it on a MicroPython board."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

EPILOG = """examples:
  kyphos deploy --port /dev/ttyACM0
  kyphos deploy --port /dev/ttyACM0 --board xiao_esp32s3 --name kyphos-anna
  kyphos deploy --port COM5 --force          # copy every file even if unchanged
  KYPHOS_PORT=/dev/ttyUSB0 kyphos deploy

Only files whose SHA-256 on the board differs are copied. New files go to /.kyphos_new and
replace the old ones only after each verifies, so a failed copy leaves the board bootable."""


def register(sub: Any) -> None:
    p = sub.add_parser(
        "deploy",
        help="compile firmware/ to .mpy and install it on a MicroPython board (mpremote)",
        description="Compile firmware/ with mpy-cross for the board's .mpy version, copy the "
        "changed files with mpremote, verify each by SHA-256 on the board, write the board "
        "profile and name to /config.json, reset, and confirm the running firmware version.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--port", default=os.environ.get("KYPHOS_PORT"),
                   help="serial port of the board, e.g. /dev/ttyACM0 or COM5 (env KYPHOS_PORT)")
    p.add_argument("--board", default="auto",
                   help="board profile from firmware/boards.py (xiao_esp32s3, xiao_esp32c3, "
                   "esp32_devkitc); auto = from the chip the board reports (default)")
    p.add_argument("--name", default=None,
                   help="BLE device name, at most 29 UTF-8 bytes (default: keep the board's)")
    p.add_argument("--firmware", type=Path, default=None,
                   help="firmware folder to deploy (default: the firmware kyphos ships: firmware/ in a "
                   "checkout, kyphos/_firmware/ in an installed wheel)")
    p.add_argument("--force", action="store_true", help="copy every file, changed or not")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kyphos.board.deploy import deploy
    from kyphos.errors import KyphosError

    if not args.port:
        raise KyphosError("no port: pass --port (e.g. /dev/ttyACM0); `kyphos doctor` lists ports")
    deploy(args.port, fw_dir=args.firmware, board=args.board, name=args.name,
           progress=not args.no_progress and sys.stdout.isatty(), force=args.force)
    return 0
