"""A `kyphos demo` recording against its truth, with and without `align_truth` (docs/accuracy.md).

    .venv/bin/python bench/bench_demo_alignment.py [DEMO_DIR]

Without DEMO_DIR it runs `kyphos demo` (scenario demo, seed 0) into a temporary folder first;
with it, it reads the folder a `kyphos demo --out DEMO_DIR` wrote.

Prints the recording's start offset (the first IMU sample's device time, and what
cross-correlation finds), then flexion RMSE and lift start errors against the truth shifted by
that offset and against the unshifted truth. A single recording, not a sweep.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import kyphos
import numpy as np
from kyphos.analysis import analyze
from kyphos.cli import main as kyphos_main
from kyphos.cli.cmd_demo import _first_imu_s
from kyphos.sim.scenario import align_truth, read_truth, truth_offset


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("demo_dir", type=Path, nargs="?", default=None,
                    help="folder written by `kyphos demo --out` (default: run the demo now)")
    a = ap.parse_args()
    if a.demo_dir is None:
        with tempfile.TemporaryDirectory() as tmp:
            if kyphos_main(["demo", "--out", tmp]) != 0:
                raise SystemExit("kyphos demo failed")
            report(Path(tmp))
    else:
        report(a.demo_dir)


def report(demo_dir: Path) -> None:
    rec = demo_dir / "demo.kyr"
    session = kyphos.load(rec)
    analysis = analyze(session)
    truth = read_truth(demo_dir / "truth.npz")
    offset = _first_imu_s(rec) - float(session.time[0])
    print(f"first IMU sample at device time {offset:.4f} s; "
          f"cross-correlation finds {truth_offset(truth, session):.4f} s")
    ang = analysis.angles
    v = ang.valid
    for label, tr in (("aligned", align_truth(truth, session, offset_s=offset)),
                      ("not aligned", truth)):
        err = np.degrees(ang.flexion[v] - np.interp(ang.time[v], tr.time, tr.flexion))
        starts = [lf.start_s - lt.start for lf, lt in zip(analysis.lifts, tr.lifts, strict=False)]
        print(f"{label:>11}: flexion RMSE {np.sqrt(np.mean(err**2)):.2f} deg; lift start error "
              f"{min(starts):+.3f} to {max(starts):+.3f} s ({len(starts)} lifts)")


if __name__ == "__main__":
    main()
