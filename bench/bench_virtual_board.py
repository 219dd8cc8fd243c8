"""Virtual board: a 10-minute scenario at 104 Hz through the virtual BLE link into a recording.

Prints the lost samples (target 0) and the speed factor of fast mode against real time on one
core (target ≥ 5×), with the ratio to the target. The firmware, the bumble radio, the host
client a user runs (``kyphos.connect`` -> ``kyphos.link.Device``, bleak with the bumble backend)
and the recorder behind ``kyphos record`` all run on one event loop in this process, pinned to
one CPU.

    .venv/bin/python bench/bench_virtual_board.py [--scenario office] [--minutes 10] [--seed 1]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "host"))

import kyphos  # noqa: E402
from kyphos.recording.recorder import record  # noqa: E402
from kyphos.sim.board import running_board  # noqa: E402
from kyphos.sim.clock import run  # noqa: E402

TARGET_SPEED = 5.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="office", help="scenario (default office, 11.4 min)")
    ap.add_argument("--minutes", type=float, default=10.0, help="minutes streamed (default 10)")
    ap.add_argument("--seed", type=int, default=1, help="simulation seed")
    ap.add_argument("--cpu", type=int, default=0, help="CPU to pin to (default 0)")
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    stream_s = args.minutes * 60.0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.kyr"

        async def go() -> dict[str, float]:
            async with running_board(args.scenario, seed=args.seed) as (board, radio, _a):
                # A plain link (no reconnect, back-fill or pings): nothing may need repairing.
                dev = await kyphos.connect("sim", board=board, radio=radio, auto_reconnect=False,
                                           backfill=False, ping_interval_s=0)
                w0, c0, s0 = time.perf_counter(), time.process_time(), board.now_s()
                res = await record(dev, path, duration_s=stream_s, fsync_interval_s=3600.0)
                wall, cpu = time.perf_counter() - w0, time.process_time() - c0
                sim = board.now_s() - s0
                health = dev.health()
                await dev.close()
                return {"wall": wall, "cpu": cpu, "sim": sim, "samples": res.imu_samples,
                        "lost_frames": health.missing_frames, "corrupt": health.corrupt,
                        "notifications": dev.transport.counters.packets_in,
                        "crashes": len(board.crashes)}

        r = run(go())
        s = kyphos.load(path)
        # Samples the chip produced while streaming, from the recording's own clock: the span
        # of sample times at the nominal period, against what arrived.
        expected = round((s.time[-1] - s.time[0]) * 104.0) + 1
        lost = expected - s.n_samples
    speed = r["sim"] / r["wall"]
    print(f"scenario {args.scenario!r} seed {args.seed}: {r['sim']:.1f} s streamed at 104 Hz "
          f"through the virtual BLE link into a .kyr")
    print(f"samples recorded {s.n_samples:,} of {expected:,} in the recorded span; "
          f"lost samples {lost} (target 0); seq gaps {r['lost_frames']}; loader gaps "
          f"{len(s.gaps)}; corrupt notifications {r['corrupt']}; notifications "
          f"{r['notifications']:,} ({r['notifications'] / r['sim']:.1f}/s); crashes {r['crashes']}")
    print(f"fast mode on one core: {r['sim']:.1f} s simulated in {r['wall']:.2f} s wall "
          f"({r['cpu']:.2f} s CPU) = {speed:.1f}x real time; reference target "
          f"{TARGET_SPEED:g}x real time; ratio {speed / TARGET_SPEED:.1f}")
    return 0 if lost == 0 and speed >= TARGET_SPEED else 1


if __name__ == "__main__":
    sys.exit(main())
