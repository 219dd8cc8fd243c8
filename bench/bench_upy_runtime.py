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
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "host"))

from kyphos.sim.upy.soak import soak  # noqa: E402

TARGET_FREE = 16 * 1024


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    return await soak(minutes=args.minutes, rate=args.rate, floats=args.floats, heap=args.heap,
                      scenario=args.scenario, board=args.board, serial=not args.no_usb,
                      keep=Path(args.keep) if args.keep else None)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rate", type=int, default=104, choices=(104, 208))
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--floats", default="float32", choices=("float32", "double"))
    ap.add_argument("--heap", default="120wK")
    ap.add_argument("--scenario", default="office", help="scenario (default office, 11.4 min)")
    ap.add_argument("--board", default="virtual", help="board profile (config 'board')")
    ap.add_argument("--no-usb", action="store_true",
                    help="without the board's USB serial (app.run() has it; it costs heap)")
    ap.add_argument("--json", default=None, help="also write the result here")
    ap.add_argument("--keep", default=None, help="keep the recording (.kyr) here")
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
