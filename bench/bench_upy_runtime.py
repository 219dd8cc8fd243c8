"""The firmware on the real MicroPython 1.28 unix port with NimBLE (kyphos.sim.upy): 10 minutes
streamed over BLE into a recording, at 104 Hz or 208 Hz, with the fixed heap of a plain ESP32.

Targets (issue 13): 0 samples lost over 10 minutes at 104 and at 208 Hz; lowest free heap
>= 16 KB with ``-X heapsize=120wK`` on the single-precision (float32) build. Prints the lowest
``gc.mem_free()`` the port saw (sampled every 20 ms, garbage included), the lowest right after
a ``gc.collect()`` (live data), the heap footprint after boot, NimBLE ENOMEM retries and the
host's count of missing frames. Runs in real time (MicroPython's clock is the host's).

    .venv/bin/python bench/bench_upy_runtime.py [--rate 104|208] [--minutes 10]
        [--floats float32|double] [--heap 120wK] [--scenario office] [--board virtual]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "host"))

import kyphos  # noqa: E402
from kyphos.recording.recorder import record  # noqa: E402
from kyphos.sim.scenario import load_scenario  # noqa: E402

TARGET_FREE = 16 * 1024


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    scn = load_scenario(args.scenario)
    scn["sensor"] = {**scn["sensor"], "fs_hz": args.rate}
    config: dict[str, Any] = {"odr_hz": args.rate}
    if args.board != "virtual":
        config["board"] = args.board
    dev = await kyphos.connect("sim", runtime="micropython", scenario=scn, config=config,
                               floats=args.floats, heap=args.heap, ping_interval_s=0)
    board: Any = dev.transport.board
    t0 = time.monotonic()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            res = await record(dev, Path(tmp) / "upy.kyr", duration_s=args.minutes * 60.0,
                               subject="B01")
            s = kyphos.load(Path(tmp) / "upy.kyr")
            n_loaded, gaps = s.n_samples, len(s.gaps)
        health = dev.health()
    finally:
        await dev.close()
    st = board.ports[-1]
    return {
        "rate_hz": args.rate, "minutes": args.minutes, "floats": args.floats, "heap": args.heap,
        "board": args.board, "wall_s": round(time.monotonic() - t0, 1),
        "imu_samples": res.imu_samples, "samples_loaded": n_loaded, "gaps": gaps,
        "missing_frames": health.missing_frames, "device_lost_samples": st.lost_samples,
        "enomem_retries": st.retried, "boots": board.boots, "crashes": len(board.crashes),
        "lowest_free": board.lowest_free(), "lowest_free_after_collect": st.lowest_live_free,
        "footprint": st.footprint,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rate", type=int, default=104, choices=(104, 208))
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--floats", default="float32", choices=("float32", "double"))
    ap.add_argument("--heap", default="120wK")
    ap.add_argument("--scenario", default="office", help="scenario (default office, 11.4 min)")
    ap.add_argument("--board", default="virtual", help="board profile (config 'board')")
    ap.add_argument("--json", default=None, help="also write the result here")
    args = ap.parse_args()
    out = asyncio.run(bench(args))
    print(json.dumps(out, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1))
    lost = out["device_lost_samples"] + out["missing_frames"] + out["gaps"]
    print(f"samples lost {lost} (target 0); lowest free heap {out['lowest_free']:,} B "
          f"(target >= {TARGET_FREE:,}: {out['lowest_free'] / TARGET_FREE:.2f}x); "
          f"ENOMEM retried {out['enomem_retries']}; crashes {out['crashes']}")
    return 0 if lost == 0 and out["crashes"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
