"""``kyphos export FILE [-o OUT.csv]``: per-sample trunk angles as CSV (the only format, so the
default; ``--csv`` is accepted and changes nothing)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import numpy as np

from kyphos.cli.cmd_analyze import add_input_options, load_and_analyze
from kyphos.cli.options import add_force, validity_gate
from kyphos.errors import KyphosError

EPILOG = """examples:
  kyphos export session.kyr -o angles.csv
  kyphos export session.kyr > angles.csv
  kyphos export imu.csv --gyr-unit deg/s -o imu-angles.csv

-o writes the CSV to a temporary name beside OUT and renames it when complete; an existing OUT
is kept unless --force, and the input is never overwritten. Without -o the CSV goes to
standard output."""


def run(args: argparse.Namespace) -> int:
    from kyphos.fileio import atomic_open, check_output

    to_file = args.output not in (None, "-")
    if to_file:  # before the analysis: a refused output should not cost a minute first
        check_output(args.output, force=args.force, inputs=[args.file])
    _, a = load_and_analyze(args)
    validity_gate(a, args.file)  # untrusted angles: refused; otherwise warnings on stderr
    cols = a.angles.as_dict(degrees=True)
    keep = a.angles.valid  # separator rows between segments are left out
    names = list(cols)
    arr = np.column_stack([np.asarray(cols[k], float)[keep] for k in names])
    fmt = ["%.4f"] + ["%.3f"] * (len(names) - 2) + ["%d"]

    def write(out: Any) -> None:
        out.write(",".join(names) + "\n")
        np.savetxt(out, arr, delimiter=",", fmt=fmt)

    if to_file:
        with atomic_open(args.output, "w", force=args.force, inputs=[args.file]) as f:
            write(f)
        print(f"wrote {args.output}: {len(arr):,} rows")
        return 0
    try:
        write(sys.stdout)
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. piped into `head`
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        return 0
    except OSError as exc:
        raise KyphosError(f"cannot write standard output: {exc.strerror or exc}") from exc
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser(
        "export",
        help="export per-sample trunk angles as CSV (to -o OUT.csv or standard output)",
        description="Export per-sample trunk angles in degrees and angular velocities in deg/s: "
        "t_s, flexion, lateral bend, axial rotation and their velocities, and a masked flag for "
        "samples taken while the vibration motor ran.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_input_options(p)
    p.add_argument("--csv", action="store_true", help=argparse.SUPPRESS)  # the only format
    p.add_argument("-o", "--output", metavar="OUT.csv",
                   help="write the CSV here (default: standard output)")
    add_force(p)
    p.set_defaults(func=run)
