"""Issue 13 item 6: ten minutes of the firmware on the real MicroPython heap — the
single-precision unix port with NimBLE at ``-X heapsize=120wK`` (about the object capacity of the
~134 KB a plain ESP32 has free at boot, less a margin; micropython issue 18859), with the
board's USB serial as app.run() has it — streaming at 104 Hz over BLE into a recording through
``kyphos.connect``: no MemoryError (no crash, one boot), no sample lost, and the lowest
``gc.mem_free()`` the port saw at least 16 KB. Runs in real time (10 minutes); the figures are
in docs/firmware.md and docs/benchmarks.md (bench/bench_upy_runtime.py)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _upy import binaries  # noqa: E402


def test_ten_minutes_on_the_fixed_heap() -> None:
    from kyphos.sim.upy.soak import soak

    out = asyncio.run(soak(minutes=10.0, rate=104, floats="float32", heap="120wK",
                           binaries=binaries()))
    print(out)  # the lowest free heap of this run, for the log
    assert out["crashes"] == 0 and out["boots"] == 1, out["crash"]
    assert out["device_lost_samples"] == 0 and out["missing_frames"] == 0 and out["gaps"] == 0
    assert out["samples_loaded"] >= 10 * 60 * 104 - 2 * 104
    assert out["lowest_free"] is not None and out["lowest_free"] >= 16 * 1024, out
