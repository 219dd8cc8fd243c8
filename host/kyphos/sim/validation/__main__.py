"""Write one validation-family session to files, to try the CLI path on it.

    python -m kyphos.sim.validation 3 --fs 104 --kyr s3.kyr --truth s3.json
    python -m kyphos.sim.validation 3 --csv s3.csv --axes=-x,-y,z --acc-unit g --gyr-unit deg/s
    kyphos analyze s3.csv --axes=-x,-y,z --acc-unit g --gyr-unit deg/s --json

``--axes`` here names the kyphos axis each file column holds; ``kyphos analyze --axes`` wants
the inverse (printed). Existing files are kept unless ``--force``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from kyphos.sim.validation.generate import generate, reader_axes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m kyphos.sim.validation",
                                 description=__doc__.splitlines()[0])
    ap.add_argument("seed", type=int)
    ap.add_argument("--fs", type=float, default=104.0, help="sample rate, Hz (default 104)")
    ap.add_argument("--csv", type=Path, help="write the samples as CSV here")
    ap.add_argument("--axes", default="x,y,z", help="CSV: kyphos axis held by each file column")
    ap.add_argument("--acc-unit", default="m/s2", choices=("m/s2", "g", "mg"))
    ap.add_argument("--gyr-unit", default="rad/s", choices=("rad/s", "deg/s"))
    ap.add_argument("--time-unit", default="s", choices=("s", "ms", "us"))
    ap.add_argument("--kyr", type=Path, help="write a .kyr recording here")
    ap.add_argument("--no-note", action="store_true", help=".kyr: without the calibration note")
    ap.add_argument("--truth", type=Path, help="write the truth events as JSON here")
    ap.add_argument("--force", action="store_true", help="overwrite existing files")
    a = ap.parse_args(argv)
    outs = [p for p in (a.csv, a.kyr, a.truth) if p is not None]
    if not outs:
        ap.error("nothing to write: give --csv, --kyr and/or --truth")
    for p in outs:
        if p.exists() and not a.force:
            print(f"kyphos: {p} exists: give --force to overwrite it", file=sys.stderr)
            return 1
    try:
        spec = reader_axes(a.axes)
    except ValueError as exc:
        print(f"kyphos: {exc}", file=sys.stderr)
        return 2
    v = generate(a.seed, a.fs)
    if a.csv:
        v.write_csv(a.csv, axes=a.axes, acc_unit=a.acc_unit, gyr_unit=a.gyr_unit,
                    time_unit=a.time_unit, force=a.force)
        print(f"{a.csv}: read it with --axes={spec} --acc-unit {a.acc_unit} --gyr-unit "
              f"{a.gyr_unit} --time-unit {a.time_unit}")
    if a.kyr:
        v.write_kyr(a.kyr, calibration_note=not a.no_note, force=a.force)
        print(f"{a.kyr}: {len(v.time)} samples at {a.fs:g} Hz, {v.time[-1]:.1f} s")
    if a.truth:
        tmp = a.truth.with_name(a.truth.name + ".part")
        tmp.write_text(json.dumps(v.truth.to_dict(), indent=1))
        tmp.replace(a.truth)
        print(f"{a.truth}: {len(v.truth.lifts)} lifts, {len(v.truth.steps)} steps")
    return 0


if __name__ == "__main__":
    sys.exit(main())
