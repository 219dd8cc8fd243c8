"""The `kyphos` command: a thin layer over the Python API.

Each subcommand lives in its own module ``kyphos.cli.cmd_<name>`` that defines
``register(subparsers)``; the module adds its parser and sets ``func`` to a function taking the
parsed arguments and returning an exit code. Modules are found automatically.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from kyphos import __version__
from kyphos.errors import KyphosError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kyphos",
        description="kyphos: open wearable posture sensor — record, analyse and review.",
    )
    parser.add_argument("--version", action="version", version=f"kyphos {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    names = sorted(
        m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("cmd_")
    )
    for name in names:
        importlib.import_module(f"{__name__}.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KyphosError as exc:
        print(f"kyphos: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("kyphos: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
