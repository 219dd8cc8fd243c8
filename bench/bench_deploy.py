"""Time of ``kyphos deploy`` against the virtual board's REPL (kyphos.sim.rawrepl: the real
mpremote transport over a pseudo-terminal), with the maintenance boot it now makes first:

- first deploy to an empty flash (every module compiled and copied),
- redeploy with nothing changed (hashes only),
- redeploy --force to a board whose application armed the watchdog and fed it until deploy's
  Ctrl-C (what a board in use looks like): the copy must outlast no watchdog.

Each is run ``--runs`` times; the median and the range are printed with the file count and
bytes. The pseudo-terminal is far faster than a board's USB link and flash, so these are lower
bounds for a board; what matters here is that the maintenance boot's extra reset is small
beside the copy.

Run: .venv/bin/python bench/bench_deploy.py [--runs 3]
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import serial

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "host"))

from kyphos.board.deploy import firmware_dir  # noqa: E402
from kyphos.sim.rawrepl import Spawned  # noqa: E402

KYPHOS = [sys.executable, "-c", "import sys; from kyphos.cli import main; sys.exit(main())"]


def deploy(port: str, fw: Path, *extra: str) -> tuple[float, str]:
    t0 = time.monotonic()
    r = subprocess.run([*KYPHOS, "deploy", "--port", port, "--firmware", str(fw), *extra],
                       capture_output=True, text=True, timeout=300, check=False)
    dt = time.monotonic() - t0
    if r.returncode != 0:
        sys.exit(f"deploy failed: {r.stderr.strip()}")
    return dt, r.stdout


def arm_watchdog(port: str, timeout_ms: int) -> None:
    with serial.Serial(port, timeout=0.2) as s:
        s.write(b"\x03import machine, time\r")
        s.write(f"w = machine.WDT(timeout={timeout_ms})\r".encode())
        s.write(b"while True: w.feed(); time.sleep_ms(50)\r")
        time.sleep(0.5)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-watchdog", action="store_true",
                    help="skip the watchdog case (to time a deploy without the maintenance boot)")
    a = ap.parse_args()
    rows: dict[str, list[float]] = {"first deploy": [], "redeploy, nothing changed": [],
                                    "redeploy --force, app watchdog armed (8 s)": []}
    copied = ""
    with tempfile.TemporaryDirectory() as tmp:
        fw = Path(tmp) / "firmware"
        shutil.copytree(firmware_dir(), fw, ignore=shutil.ignore_patterns("__pycache__"))
        for _ in range(a.runs):
            flash = Path(tempfile.mkdtemp(dir=tmp))
            with Spawned(flash, "--source", str(fw)) as b:
                dt, out = deploy(b.port, fw)
                rows["first deploy"].append(dt)
                m = re.search(r"copied (\d+) file\(s\), (\d+) bytes", out)
                copied = f"{m.group(1)} files, {int(m.group(2)) / 1024:.0f} KB" if m else "?"
                dt, _ = deploy(b.port, fw)
                rows["redeploy, nothing changed"].append(dt)
                if a.no_watchdog:
                    continue
                arm_watchdog(b.port, 8000)
                dt, _ = deploy(b.port, fw, "--force")
                rows["redeploy --force, app watchdog armed (8 s)"].append(dt)
                if "hard-reset wdt" in b.events(0):
                    sys.exit("the watchdog reset the board during deploy")
    print(f"kyphos deploy against the virtual REPL (pty), {a.runs} runs; first deploy copies "
          f"{copied}")
    print("| case | median s | min–max s |")
    print("|---|---:|---:|")
    for name, ts in rows.items():
        if not ts:
            continue
        print(f"| {name} | {statistics.median(ts):.2f} | {min(ts):.2f}–{max(ts):.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
