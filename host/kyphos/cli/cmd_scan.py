"""``kyphos scan``: boards in reach over Bluetooth, and serial ports."""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

from kyphos.errors import KyphosError

EPILOG = """examples:
  kyphos scan                  # BLE boards and serial ports
  kyphos scan --timeout 10 --json
  kyphos scan --no-serial
then: kyphos info --device kyphos-3A4F   or   kyphos record --device serial:/dev/ttyACM0 -o s.kyr"""


def register(sub: Any) -> None:
    p = sub.add_parser(
        "scan", help="list kyphos boards in Bluetooth range and serial ports",
        description="Scan for kyphos boards advertising over Bluetooth LE (name, address, "
        "signal strength) and list serial ports a board may be on. The TARGET column is what "
        "the other commands take.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--timeout", type=float, default=float(os.environ.get("KYPHOS_SCAN_TIMEOUT", "5")),
                   help="seconds to listen for advertisements (default 5, $KYPHOS_SCAN_TIMEOUT)")
    p.add_argument("--all", action="store_true", help="list every BLE advertiser, not only kyphos boards")
    p.add_argument("--no-serial", action="store_true", help="do not list serial ports")
    p.add_argument("--json", action="store_true", help="print one JSON list")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kyphos.link.cli import run_async
    from kyphos.transport.ble import scan as ble_scan

    rows: list[dict[str, Any]] = []
    ble_error: KyphosError | None = None
    try:
        for d in run_async(ble_scan(args.timeout, all_devices=args.all)):
            rows.append({"kind": "ble", "target": d["name"] or d["address"], **d})
    except KyphosError as exc:
        ble_error = exc
    if not args.no_serial:
        from kyphos.transport.serial import list_ports

        for sp in list_ports():
            rows.append({"kind": "serial", "target": f"serial:{sp['device']}", **sp})
    if ble_error is not None and not rows:
        raise ble_error
    if args.json:
        print(json.dumps(rows))
        return 0
    if ble_error is not None:
        print(f"(Bluetooth: {ble_error})")
    if not rows:
        print("no boards found — is the board on and near? (short press: it advertises)")
        return 0
    print(f"{'TARGET':<28} {'KIND':<7} {'RSSI':>5}  DETAILS")
    for r in rows:
        rssi = "" if r.get("rssi") is None else str(r["rssi"])
        details = r.get("address") or r.get("description", "")
        print(f"{r['target']:<28} {r['kind']:<7} {rssi:>5}  {details}")
    return 0
