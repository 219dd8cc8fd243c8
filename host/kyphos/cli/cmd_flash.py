"""``kyphos flash --port PORT --micropython FILE.bin``: MicroPython onto an ESP32, then kyphos."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

EPILOG = """examples:
  kyphos flash --port /dev/ttyACM0 --micropython ESP32_GENERIC_S3-20250415-v1.25.0.bin
  kyphos flash --port /dev/ttyUSB0 --micropython ESP32_GENERIC-v1.25.0.bin --chip esp32
  kyphos flash --port COM5 --micropython fw.bin --no-deploy   # MicroPython only

The chip is detected (ESP32 images go at 0x1000, ESP32-S3 and ESP32-C3 at 0x0), the whole
flash is erased, the image written and read back, the board reset, and then `kyphos deploy`
runs. If no bootloader answers: hold BOOT, tap RESET, release BOOT, retry."""


def register(sub: Any) -> None:
    p = sub.add_parser(
        "flash",
        help="write MicroPython to an ESP32 board (esptool), then deploy kyphos",
        description="Erase the board, write a MicroPython .bin at the right offset for the "
        "detected chip, verify it, reset, and deploy the kyphos firmware (kyphos deploy).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--port", default=os.environ.get("KYPHOS_PORT"),
                   help="serial port of the board, e.g. /dev/ttyACM0 or COM5 (env KYPHOS_PORT)")
    p.add_argument("--micropython", required=True, type=Path, metavar="FILE.bin",
                   help="MicroPython firmware image for the board (.bin from MicroPython's "
                   "ESP32 downloads)")
    p.add_argument("--chip", default="auto", choices=["auto", "esp32", "esp32s3", "esp32c3"],
                   help="expected chip; auto detects it (default)")
    p.add_argument("--baud", type=int, default=460800,
                   help="baud rate for writing (default 460800; try 115200 on a bad cable)")
    p.add_argument("--no-erase", action="store_true",
                   help="write without erasing the whole flash first (keeps files on it)")
    p.add_argument("--no-deploy", action="store_true", help="stop after MicroPython is written")
    p.add_argument("--board", default="auto", help="board profile for the deploy step")
    p.add_argument("--name", default=None, help="BLE device name for the deploy step")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kyphos.board.deploy import check_options, deploy
    from kyphos.board.flash import flash_micropython

    if not args.no_deploy:
        check_options(args.board, args.name)  # before the board's flash is erased
    flash_micropython(args.port, args.micropython, chip=args.chip, baud=args.baud,
                      erase=not args.no_erase)
    if args.no_deploy:
        return 0
    time.sleep(2.0)  # MicroPython's first boot creates the filesystem
    deploy(args.port, board=args.board, name=args.name, progress=sys.stdout.isatty(),
           reset_wait_s=20.0)
    return 0
