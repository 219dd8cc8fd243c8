"""``kyphos doctor``: check serial ports, Bluetooth, the board and Python packages."""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

EPILOG = """examples:
  kyphos doctor
  kyphos doctor --port /dev/ttyACM0      # also check that board's MicroPython and firmware
  kyphos doctor --json

Each problem is printed with the command that fixes it. Exit status 1 if any check failed."""

_MARK = {"ok": "ok  ", "warn": "warn", "fail": "FAIL"}


def register(sub: Any) -> None:
    p = sub.add_parser(
        "doctor",
        help="check serial ports, Bluetooth, the board's MicroPython and Python packages",
        description="Check that this computer can flash, deploy and receive from a kyphos "
        "board: serial ports and permissions (dialout on Linux), the Bluetooth adapter and "
        "service (BlueZ on Linux), the MicroPython and kyphos firmware on a connected board, "
        "and the Python packages. Prints the fix for each problem found.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--port", default=os.environ.get("KYPHOS_PORT"),
                   help="board to check (default: the one ESP32-like USB port, if exactly one; "
                   "env KYPHOS_PORT)")
    p.add_argument("--json", action="store_true", help="print the findings as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kyphos.board.doctor import FAIL, as_dicts, run_all

    findings = run_all(args.port)
    if args.json:
        print(json.dumps(as_dicts(findings), indent=1))
    else:
        for f in findings:
            print(f"{_MARK[f.status]}  {f.check:<9} {f.message}")
            if f.fix and f.status != "ok":
                print(f"{'':6}{'':<9} fix: {f.fix}")
    return 1 if any(f.status == FAIL for f in findings) else 0
