"""Issue 14 item 9 on the MicroPython unix port: the modules the firmware loads only at boot or
for rare commands (firmware/lazy.py) give their heap back when dropped. The firmware compiled to
.mpy as ``kyphos deploy`` does; ``gc.mem_alloc()`` after a collect, as bench/bench_upy_heap.py.
The first round also interns the modules' qstrs, which MicroPython never frees, so the second
round shows what a drop gives back. (The WebAssembly runtime's heap does not shrink, so the
check of the same behaviour there, tests/firmware/on_device/check_lazy.py, checks answers only.)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _upy import binaries  # noqa: E402

LAZY = ("devbuild", "boards", "config", "blesetup", "lsm6cfg", "cmdstore", "logread", "kyrfile")
SCRIPT = """
import gc, sys
import lazy
from time import ticks_add, ticks_ms
import frames, commands, flashlog, ble, coach, haptic, imu, power, lsm6, i2cdev, usb
names = sys.argv[1:]
for r in range(2):
    gc.collect()
    a0 = gc.mem_alloc()
    for m in names:
        lazy.use(m)
    gc.collect()
    a1 = gc.mem_alloc()
    lazy.drop_idle(ticks_ms())
    kept = len(lazy.loaded())
    lazy.drop_idle(ticks_add(ticks_ms(), lazy.IDLE_MS))
    gc.collect()
    a2 = gc.mem_alloc()
    left = [m for m in names if m in sys.modules] + lazy.loaded()
    print("round", r, a1 - a0, a2 - a0, kept, len(left))
c = lazy.use("config").Config("/no/such/config.json")
c.load()
print("config", c.values["odr_hz"], c.values["board"])
"""


def test_dropped_modules_give_their_heap_back(tmp_path: Path) -> None:
    from kyphos.sim.upy.board import deploy_files

    binary = binaries().float32
    fw = deploy_files(binary, tmp_path / "fw")
    (fw / "lazycheck.py").write_text(SCRIPT)
    out = subprocess.run([str(binary), "-X", "heapsize=400K", str(fw / "lazycheck.py"), *LAZY],
                         env={"MICROPYPATH": f".frozen:{fw}"}, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    rounds = [line.split() for line in out.stdout.splitlines() if line.startswith("round")]
    assert len(rounds) == 2, out.stdout
    _, _, loaded, left, kept, still = rounds[1]
    # Just used, every module stays (drop_idle waits IDLE_MS); IDLE_MS later none is loaded.
    assert int(kept) == len(LAZY) and int(still) == 0, out.stdout
    # On the 64-bit build the eight modules hold ~30 KB; dropped, all of it comes back.
    assert int(loaded) > 20_000, out.stdout
    assert int(left) < 256, out.stdout
    # Imported again after the drop, a module works: config reads its defaults.
    assert "config 104 auto" in out.stdout, out.stdout
