"""``kyphos config get|set``: read or change the board's configuration."""

from __future__ import annotations

import argparse
import json
from typing import Any

from kyphos.cli.options import add_device, connect_options, device_of
from kyphos.errors import ConfigError

EPILOG = """examples:
  kyphos config get --device kyphos-3A4F                 # every key
  kyphos config get --device kyphos-3A4F slouch_threshold_deg
  kyphos config set --device kyphos-3A4F slouch_threshold_deg=10 coach_mode=tracking
  KYPHOS_DEVICE=serial:/dev/ttyACM0 kyphos config set log_policy=always
Changing the configuration needs a trusted link: USB serial, or Bluetooth after `kyphos pair`.
docs/firmware.md lists the keys with their ranges."""


def register(sub: Any) -> None:
    p = sub.add_parser(
        "config", help="read or change the board's configuration (get / set KEY=VALUE)",
        description="Read the board's configuration, or set keys. Values are JSON "
        "(10, true, \"text\"); a bare word is taken as a string.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    csub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    g = csub.add_parser("get", help="print keys and values (all, or the ones named)",
                        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_device(g)
    g.add_argument("keys", nargs="*", metavar="KEY", help="keys to print (default: all)")
    g.add_argument("--json", action="store_true", help="print one JSON object")
    g.set_defaults(func=run_get)
    s = csub.add_parser("set", help="set KEY=VALUE pairs (needs USB or a paired link)",
                        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_device(s)
    s.add_argument("pairs", nargs="+", metavar="KEY=VALUE", help="keys to set")
    s.set_defaults(func=run_set)


def parse_pairs(pairs: list[str]) -> dict[str, Any]:
    """KEY=VALUE items as a dict; a VALUE that is not JSON is taken as a string."""
    out: dict[str, Any] = {}
    for item in pairs:
        key, sep, text = item.partition("=")
        if not key or not sep:
            raise ConfigError(f"{item!r}: expected KEY=VALUE, e.g. slouch_threshold_deg=10")
        try:
            out[key] = json.loads(text)
        except ValueError:
            out[key] = text
    return out


def _fix_target(args: argparse.Namespace, items: list[str]) -> list[str]:
    """The old positional TARGET (a hidden alias now) may have taken the first KEY or
    KEY=VALUE: with --device given, or when it holds "=", it is a key; give it back. Then
    settle the device (--device, the old positional, or $KYPHOS_DEVICE)."""
    pos = getattr(args, "target_pos", None)
    if pos is not None and (args.target or "=" in pos):
        items = [pos, *items]
        args.target_pos = None
    device_of(args)
    return items


def run_get(args: argparse.Namespace) -> int:
    from kyphos.link.cli import run_async, with_device

    keys = _fix_target(args, list(args.keys))

    async def go(dev: Any) -> dict[str, Any]:
        if not keys:
            return dict(await dev.config_get(""))
        out: dict[str, Any] = {}
        for k in keys:
            out.update(await dev.config_get(k))
        return out

    values = run_async(with_device(args, go, **connect_options(str(args.target))))
    if args.json:
        print(json.dumps(values, sort_keys=True))
    else:
        for k in sorted(values):
            print(f"{k} = {json.dumps(values[k])}")
    return 0


def run_set(args: argparse.Namespace) -> int:
    from kyphos.link.cli import run_async, with_device

    changes = parse_pairs(_fix_target(args, args.pairs))

    async def go(dev: Any) -> dict[str, Any]:
        return dict(await dev.config_set(changes))

    new = run_async(with_device(args, go, **connect_options(str(args.target))))
    for k in sorted(new):
        print(f"{k} = {json.dumps(new[k])}")
    return 0
