"""Speed of the trunk-angle stage on an 8-hour recording: trunk_angles, and reref_angles with
one clip slip re-referenced.

Usage:
    .venv/bin/python bench/bench_angles.py [HOURS] [--fs 104] [--repeat 3]

To compare with an older version of the code, run the same script with that version first on
the path, e.g. ``git archive COMMIT host | tar -x -C /tmp/old`` and
``PYTHONPATH=/tmp/old/host .venv/bin/python bench/bench_angles.py``; the script prints which
``kyphos`` it imported.

The orientation is synthetic (a 60° forward bend every 12 s with a slow lateral sway and a
drifting heading), so VQF is not part of the time. Each function is run ``--repeat`` times,
interleaved, and the minimum is kept (the machine is shared).
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
from scipy.spatial.transform import Rotation


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("hours", nargs="?", type=float, default=8.0)
    ap.add_argument("--fs", type=float, default=104.0)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv[1:])
    import kyphos
    from kyphos.processing import clipslip
    from kyphos.processing.angles import trunk_angles
    from kyphos.processing.calibration import NOMINAL

    fs = args.fs
    n = int(args.hours * 3600 * fs)
    t = np.arange(n) / fs
    rng = np.random.default_rng(0)
    bend = np.radians(60.0) * 0.5 * (1 - np.cos(2 * np.pi * np.clip((t % 12.0) - 4.0, 0, 4) / 4))
    e = np.column_stack([np.cumsum(rng.normal(0, 0.001, n)), bend, 0.1 * np.sin(t / 7)])
    q = Rotation.from_euler("ZYX", e).as_quat(scalar_first=True)
    valid = np.ones(n, bool)
    m1 = Rotation.from_euler("y", 9, degrees=True).as_matrix() @ NOMINAL
    rr = [clipslip.ReReference(t[n // 2], 9.0, "bench", m1, n // 2)]
    best = {"trunk_angles": np.inf, "reref_angles (1 slip)": np.inf}
    for _ in range(args.repeat):  # interleaved runs, minimum kept
        t0 = time.perf_counter()
        trunk_angles(t, q, NOMINAL, fs, valid)
        t1 = time.perf_counter()
        clipslip.reref_angles(t, q, NOMINAL, rr, fs, valid)
        t2 = time.perf_counter()
        best["trunk_angles"] = min(best["trunk_angles"], t1 - t0)
        best["reref_angles (1 slip)"] = min(best["reref_angles (1 slip)"], t2 - t1)
    print(f"kyphos from {kyphos.__file__}; {args.hours:g} h at {fs:g} Hz = {n} samples, "
          f"minimum of {args.repeat}")
    for k, v in best.items():
        print(f"  {k}: {v:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
