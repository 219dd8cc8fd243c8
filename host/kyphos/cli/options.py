"""The one grammar every ``kyphos`` command shares (docs/cli.md, "One grammar").

* ``--device TARGET`` (``-d``) names the board in every command that talks to one: a BLE name
  or address, ``serial:PORT``, ``sim`` (the virtual board in this process), ``sim:serial``, or
  ``replay:FILE.kyr`` (a recording played back as if a board sent it); default
  ``$KYPHOS_DEVICE``. The old positional TARGET of info/calibrate/config/pair/download/erase
  still works for one release, hidden from ``--help``.
* ``-o PATH`` names what a command writes. An existing output is kept unless ``--force``;
  an output that is an input is refused (:mod:`kyphos.fileio`). ``--overwrite`` is the old
  spelling of ``--force`` (hidden).
* ``--duration S`` means the same everywhere: stop after S seconds (the run's clock: real time
  for a board or a replay, simulated time for ``kyphos sim``, the same at its default speed);
  left out, the command runs until the stream ends or Ctrl-C. It must be > 0 (``0`` used to
  mean "forever" in ``kyphos sim`` and "at once" in ``kyphos record``).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from kyphos.errors import KyphosError

DEVICE_HELP = (
    "the board: a BLE name or address (kyphos-3A4F, C4:11:22:33:3A:4F), serial:PORT "
    "(serial:/dev/ttyACM0), sim (the virtual board in this process; sim:serial over its pty) "
    "or replay:FILE.kyr (a recording played back) (default: $KYPHOS_DEVICE)"
)


def add_device(p: argparse.ArgumentParser, *, positional_alias: bool = True,
               timeout: bool = True) -> None:
    """``--device/-d TARGET`` (default ``$KYPHOS_DEVICE``) and ``--timeout``; with
    ``positional_alias`` also the old positional TARGET, hidden (read by :func:`device_of`)."""
    p.add_argument("--device", "-d", dest="target", default=None, metavar="TARGET",
                   help=DEVICE_HELP)
    if positional_alias:
        p.add_argument("target_pos", nargs="?", default=None, metavar="TARGET",
                       help=argparse.SUPPRESS)
    if timeout:
        p.add_argument("--timeout", type=float,
                       default=float(os.environ.get("KYPHOS_TIMEOUT", "5")),
                       help="seconds to wait for each answer from the board "
                            "(default 5, $KYPHOS_TIMEOUT)")


def device_of(args: argparse.Namespace, *, required: bool = True) -> str | None:
    """The target from ``--device``, the old positional TARGET, or ``$KYPHOS_DEVICE``, in that
    order; stored back in ``args.target`` (what :func:`kyphos.link.cli.with_device` reads)."""
    pos = getattr(args, "target_pos", None)
    opt = getattr(args, "target", None)
    if opt and pos:
        raise KyphosError(f"two devices given ({opt} and {pos}): give one, as --device TARGET")
    target = opt or pos or os.environ.get("KYPHOS_DEVICE") or None
    if required and not target:
        raise KyphosError("no device given: pass --device TARGET (a BLE name, serial:PORT or "
                          "sim) or set KYPHOS_DEVICE; `kyphos scan` lists boards")
    args.target = target
    return target


def add_force(p: argparse.ArgumentParser, what: str = "an existing output") -> None:
    """``--force`` (and the hidden old spelling ``--overwrite``)."""
    p.add_argument("--force", action="store_true",
                   help=f"replace {what} (never an input); without it an existing file is kept "
                        "and the command stops")
    p.add_argument("--overwrite", dest="force", action="store_true", help=argparse.SUPPRESS)


def add_duration(p: argparse.ArgumentParser, until: str = "until Ctrl-C") -> None:
    """``--duration S``: seconds, > 0; left out: ``until``."""
    p.add_argument("--duration", type=positive_seconds, default=None, metavar="S",
                   help=f"stop after S seconds, > 0 (default: {until})")


def positive_seconds(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not v > 0 or v == float("inf"):
        raise argparse.ArgumentTypeError(
            f"{text}: must be more than 0 seconds (leave --duration out to run until stopped)")
    return v


def validity_gate(analysis: Any, file: str, *, needs_angles: bool = True) -> None:
    """What a command that shows angles (export, review) does with the analysis's validity
    (:mod:`kyphos.processing.plausibility`): angles that cannot be trusted stop it with the
    first reason as the one-line error (nothing written); otherwise every warning is printed
    as ``kyphos: warning: ...`` on stderr and the command goes on (exit 0: usable, warned)."""
    import sys

    v = getattr(analysis, "validity", None)
    if v is None:
        return
    if needs_angles and not v.angles_trusted:
        first = v.warnings[0] if v.warnings else "the angles cannot be trusted"
        raise KyphosError(f"{file}: {first}; nothing written")
    for w in v.warnings:
        print(f"kyphos: warning: {file}: {w}", file=sys.stderr)


def sim_state_dir() -> Path:
    """Where the CLI's in-process virtual board (``--device sim``) keeps its flash and this
    computer's bond keys between commands, like a board: ``$KYPHOS_SIM_STATE``, else
    ``$XDG_STATE_HOME/kyphos/sim-board`` (XDG Base Directory spec: state data that should
    persist between restarts; default ``~/.local/state``)."""
    env = os.environ.get("KYPHOS_SIM_STATE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "kyphos" / "sim-board"


def connect_options(target: str) -> dict[str, Any]:
    """Extra :func:`kyphos.link.connect` keywords a CLI command passes for ``target``: the
    persistent state folder for the in-process virtual board, nothing otherwise."""
    low = target.strip().lower()
    if low == "sim" or low.startswith("sim:"):
        return {"state_dir": sim_state_dir()}
    return {}
