"""Can VQF offline run in chunks? Trunk angles from chunked VQF offline
(``kyphos.processing.orientation.orientation_chunked``: each chunk extended by an overlap on both
sides, the overlap thrown away, headings matched in the overlap) against VQF offline over the
whole recording.

Usage: .venv/bin/python bench/bench_chunked_vqf.py [--scenario office] [--seed 1]
       [--chunk-s 120] [--overlaps 5,15,30,60,120]

The recording is the simulator's (``kyphos.sim.scenario.simulate``: the scenario's motion
through the chip's error model — bias, noise, scale — at 104 Hz). Flexion and lateral bend come
from ``kyphos.processing.angles.trunk_angles`` with the scenario's true mounting as calibration,
so both runs are read the same way. Heading is free in 6-axis VQF and a fresh filter in each
chunk starts at its own; ``orientation_chunked`` turns each chunk to the previous one's heading
over the samples both cover, so the axial angle (heading minus its slow trend) is compared too.

Prints, per overlap, the RMS and maximum difference of flexion, the RMS difference of lateral
bend and axial rotation (degrees), and how many chunks' cores differ by more than 0.05° RMS in
flexion. Issue 17's target for a
chunked analysis: flexion within 0.05° RMS of the whole-recording analysis.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
from kyphos.processing.angles import trunk_angles
from kyphos.processing.orientation import orientation_chunked, orientation_offline
from kyphos.sim.body import NOMINAL_SENSOR_FROM_BODY
from kyphos.sim.scenario import load_scenario, simulate


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="office")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--chunk-s", type=float, default=120.0, help="core length of a chunk, s")
    ap.add_argument("--overlaps", default="5,15,30,60,120", help="overlaps to try, s")
    a = ap.parse_args()
    scn = load_scenario(a.scenario)
    res = simulate(scn, seed=a.seed)
    fs = float(res.fs)
    gyr, acc = np.asarray(res.gyr, float), np.asarray(res.acc, float)
    t = np.arange(len(gyr)) / fs
    m = getattr(res.truth, "sensor_from_body", None)
    cal = np.asarray(m if m is not None else NOMINAL_SENSOR_FROM_BODY, float)
    whole = trunk_angles(t, orientation_offline(gyr, acc, fs), cal, fs)
    chunk = int(round(a.chunk_s * fs))
    print(f"scenario {a.scenario!r} seed {a.seed}: {len(t):,} samples ({t[-1] / 60:.1f} min) at "
          f"{fs:g} Hz; chunks of {a.chunk_s:g} s")
    print(f"{'overlap s':>9} {'flex RMS °':>10} {'flex max °':>10} {'lat RMS °':>10} "
          f"{'axial RMS °':>11} {'chunks > 0.05° RMS':>19}")
    for ov_s in (float(x) for x in a.overlaps.split(",")):
        q = orientation_chunked(gyr, acc, fs, chunk_s=a.chunk_s, overlap_s=ov_s)
        ang = trunk_angles(t, q, cal, fs)
        d = np.degrees(ang.flexion - whole.flexion)
        dl = np.degrees(ang.lateral - whole.lateral)
        dx = np.degrees(ang.axial - whole.axial)
        per = [np.sqrt(np.mean(d[c0:c0 + chunk] ** 2)) for c0 in range(0, len(d), chunk)]
        bad = sum(1 for r in per if r > 0.05)
        print(f"{ov_s:9g} {np.sqrt(np.mean(d**2)):10.4f} {np.max(np.abs(d)):10.4f} "
              f"{np.sqrt(np.mean(dl**2)):10.4f} {np.sqrt(np.mean(dx**2)):11.4f} "
              f"{bad:>12d} of {len(per)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
