"""The `kyphos` command: a thin layer over the Python API.

Each subcommand lives in its own module ``kyphos.cli.cmd_<name>`` that defines
``register(subparsers)``; the module adds its parser and sets ``func`` to a function taking the
parsed arguments and returning an exit code. Modules are found automatically. The grammar they share (``--device``, ``-o``,
``--force``, ``--duration``) is in :mod:`kyphos.cli.options`; every file they write goes
through :mod:`kyphos.fileio`. Errors are one line on stderr: a :class:`KyphosError` or an
``OSError`` exits 1, an unexpected exception (a bug) exits 3 with one line unless
``$KYPHOS_DEBUG`` is set.
"""

from __future__ import annotations

import argparse
import importlib
import os
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
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="also show the log of kyphos and the libraries it uses (bumble, "
                             "bleak) on stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    names = sorted(
        m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("cmd_")
    )
    for name in names:
        importlib.import_module(f"{__name__}.{name}").register(sub)
    return parser


def quiet_logs(verbose: bool = False) -> None:
    """Default verbosity: only kyphos's own one-line messages. Libraries log through Python's
    logging, whose last-resort handler prints WARNING and above to stderr when nothing is
    configured (logging docs, "logging.lastResort"): bumble's SMP logs "pairing failure (...)"
    for a refused pairing that kyphos already reports as one line. ``--verbose`` shows INFO
    and above from everything instead."""
    import logging

    if verbose:
        logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
        return
    for name in ("bumble", "bleak"):
        logging.getLogger(name).setLevel(logging.ERROR)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    quiet_logs(args.verbose or bool(os.environ.get("KYPHOS_DEBUG")))
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
    except OSError as exc:  # a file or device the OS refused: name it, no traceback
        where = f" {exc.filename}" if exc.filename else ""
        print(f"kyphos: cannot use{where}: {exc.strerror or exc} (check the path and its "
              "permissions)", file=sys.stderr)
        return 1
    except Exception as exc:  # a bug: one line for the user, the traceback on request
        if os.environ.get("KYPHOS_DEBUG"):
            raise
        print(f"kyphos: internal error ({type(exc).__name__}: {exc}); please report it — "
              "KYPHOS_DEBUG=1 shows the traceback", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
