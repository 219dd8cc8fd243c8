"""Speed of the body + sensor simulation: one hour of the warehouse scenario at 104 Hz.

    .venv/bin/python bench/bench_sim_speed.py [--fs 104] [--hours 1]

Prints the wall time of the batch call and of streaming in 1-second chunks, against the
target of 2 s per hour of session (the brief: 1 h at 104 Hz in a couple of seconds), and the ratio.
"""

from __future__ import annotations

import argparse
import time

from kyphos.sim.scenario import Simulator, load_scenario, simulate

TARGET_S_PER_HOUR = 2.0


def hour_of_warehouse(hours: float) -> dict:
    scn = load_scenario("warehouse")
    once = scn["segments"]
    dur = Simulator(scn, fs=52).duration
    scn["segments"] = once * max(1, round(hours * 3600 / dur))
    return scn


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fs", type=float, default=104.0, help="sample rate, Hz")
    ap.add_argument("--hours", type=float, default=1.0, help="session length, hours")
    a = ap.parse_args()
    scn = hour_of_warehouse(a.hours)
    t0 = time.perf_counter()
    r = simulate(scn, seed=0, fs=a.fs)
    batch = time.perf_counter() - t0
    n = r.time.size
    sim = Simulator(scn, seed=0, fs=a.fs)
    t0 = time.perf_counter()
    for _ in sim.chunks(int(a.fs)):
        pass
    stream = time.perf_counter() - t0
    hours = r.time[-1] / 3600
    target = TARGET_S_PER_HOUR * hours
    print(f"session: {hours:.2f} h, {n} samples at {a.fs:g} Hz, {len(r.truth.lifts)} lifts")
    print(f"batch simulate:        {batch:.2f} s ({n / batch / 1e3:.0f} k samples/s)")
    print(f"streaming, 1 s chunks: {stream:.2f} s")
    print(f"target (2 s per hour of session): {target:.2f} s; batch/target = {batch / target:.2f}")


if __name__ == "__main__":
    main()
