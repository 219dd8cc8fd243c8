"""``kyphos export FILE --csv``: per-sample trunk angles as CSV."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import numpy as np

from kyphos.cli.cmd_analyze import add_input_options, load_and_analyze
from kyphos.errors import KyphosError

EPILOG = """examples:
  kyphos export session.kyr --csv > angles.csv
  kyphos export session.kyr --csv -o angles.csv
  kyphos export imu.csv --gyr-unit deg/s --csv -o angles.csv
"""


def run(args: argparse.Namespace) -> int:
    if not args.csv:
        raise KyphosError("choose an export format: --csv")
    _, a = load_and_analyze(args)
    cols = a.angles.as_dict(degrees=True)
    keep = a.angles.valid  # separator rows between segments are left out
    names = list(cols)
    arr = np.column_stack([np.asarray(cols[k], float)[keep] for k in names])
    out = sys.stdout if args.output in (None, "-") else open(args.output, "w", encoding="utf-8")  # noqa: SIM115
    try:
        out.write(",".join(names) + "\n")
        np.savetxt(out, arr, delimiter=",", fmt=["%.4f"] + ["%.3f"] * (len(names) - 2) + ["%d"])
    except BrokenPipeError:  # e.g. piped into `head`
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        return 0
    except OSError as exc:
        where = args.output if out is not sys.stdout else "standard output"
        raise KyphosError(f"cannot write {where}: {exc.strerror or exc}") from exc
    finally:
        if out is not sys.stdout:
            out.close()
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser(
        "export",
        help="export per-sample trunk angles (CSV)",
        description="Export per-sample trunk angles in degrees and angular velocities in deg/s: "
        "t_s, flexion, lateral bend, axial rotation and their velocities, and a masked flag for "
        "samples taken while the vibration motor ran.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_input_options(p)
    p.add_argument("--csv", action="store_true", help="write CSV (the only format for now)")
    p.add_argument("-o", "--output", help="output file (default: standard output)")
    p.set_defaults(func=run)
