"""What the firmware cost benches share: run a script on the real MicroPython interpreter
(WebAssembly build, tests/mpy) with firmware modules and pystone 1.2 (bench/pystone.py, as the
module ``pystone_ref``, its clock swapped for time.ticks_ms) in the same run, and published
ESP32 pystone figures to turn a measured cost into an ESP32 estimate."""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNNER = ROOT / "tests" / "mpy" / "runner.mjs"
PYSTONE = ROOT / "bench" / "pystone.py"  # CPython 3.6.15's Lib/test/pystone.py, PSF licence

# Pystone on an ESP32 at 240 MHz, MicroPython, pystone_lowmem, as reported in
# micropython/micropython issue #6565: v1.12 1602 pystones/s, v1.13-126 1014 pystones/s
# (#5673 reports 1661 and, for one slow build, 499). Not measured here: there is no board.
ESP32_PYSTONES = {"v1.12 (#6565)": 1602.0, "v1.13-126 (#6565)": 1014.0, "slow build (#5673)": 499.0}


def run(main_src: str, firmware: list[str], pystone: Path = PYSTONE) -> dict:
    """Run ``main_src`` as /bench_main.py with firmware/<name> for each name in /lib and the
    pystone reference as /lib/pystone_ref.py; returns the JSON of its last output line."""
    with tempfile.TemporaryDirectory() as tmp:
        main = Path(tmp) / "bench_main.py"
        main.write_text(main_src)
        ref = Path(tmp) / "pystone_ref.py"
        ref.write_text(pystone.read_text().replace(
            "from time import time",
            "from time import ticks_ms\n\n\ndef time():\n    return ticks_ms() / 1000"))
        files = [["/lib/pystone_ref.py", str(ref)]]
        files += [[f"/lib/{name}", str(ROOT / "firmware" / name)] for name in firmware]
        files.append(["/bench_main.py", str(main)])
        job = {"files": files, "entry": "bench_main", "timeout_s": 300}
        jp = Path(tmp) / "job.json"
        jp.write_text(json.dumps(job))
        r = subprocess.run(["node", str(RUNNER), str(jp)], capture_output=True, text=True,
                           timeout=320, cwd=RUNNER.parent)
    if r.returncode != 0:
        raise SystemExit("MicroPython run failed:\n" + r.stdout + r.stderr)
    return json.loads(r.stdout.strip().splitlines()[-1])
