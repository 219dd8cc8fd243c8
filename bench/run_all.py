"""Run every benchmark in this folder, one after another, and print what each measured.

Usage: ``.venv/bin/python bench/run_all.py [--only NAME ...] [--list]`` (``make bench``).
Each script prints its own numbers beside its named reference; the results are written up in
docs/benchmarks.md and the documents it links. A full run takes tens of minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Arguments that reproduce the numbers in docs/ (see each script's --help).
ARGS: dict[str, list[str]] = {
    "bench_load": ["--runs", "7"],
    "bench_orientation": [],
    "bench_accuracy": ["30", "--causal"],
    "bench_analysis": [],
    "bench_firmware_fusion": [],
    "bench_flashlog_crc": [],
    "bench_flash_wear": ["--minutes", "10"],
    "bench_sim_speed": ["--fs", "104"],
    "bench_ble_link": ["--nimble", "10"],  # + the firmware on MicroPython+NimBLE (make micropython)
    "bench_virtual_board": [],
    "bench_link": [],
    "bench_live": [],
    "bench_report": ["--repeat", "3", "--batch", "12"],
    "bench_assess_accuracy": [],
    "bench_memory": ["--hours", "1,8,24"],  # ~4.5 GB for the 24 h whole-recording run
    "bench_chunked_vqf": ["--scenario", "warehouse", "--chunk-s", "60"],
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=None, help="names, e.g. bench_load")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    args = parser.parse_args()
    found = sorted(p.stem for p in HERE.glob("bench_*.py"))
    names = [n for n in found if args.only is None or n in args.only]
    if args.list:
        print("\n".join(f"{n} {' '.join(ARGS.get(n, []))}" for n in found))
        return 0
    results = []
    for name in names:
        cmd = [sys.executable, str(HERE / f"{name}.py"), *ARGS.get(name, [])]
        print(f"\n=== {' '.join(cmd[1:])}", flush=True)
        t0 = time.perf_counter()
        rc = subprocess.call(cmd)
        results.append((name, rc, time.perf_counter() - t0))
    print("\n=== summary")
    for name, rc, dt in results:
        print(f"{name:28s} {'ok' if rc == 0 else f'exit {rc}':8s} {dt:7.1f} s")
    return 0 if all(rc == 0 for _, rc, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
