"""Heap footprint of the firmware on real MicroPython, per board profile (issue 14 item 9).

Boots the firmware (compiled to .mpy as ``kyphos deploy`` does) on the MicroPython 1.28 unix
port with its USB serial, as ``app.run()`` runs it on a board, and reads ``gc.mem_alloc()``
after a collect at three stages (kyboot.py): interpreter + stand-ins, + the firmware's imports,
+ the Device with its buffers and BLE GATT server. On the 32-bit single-precision build
(``--bits 32``, needs gcc-multilib) objects have the ESP32's size, so "firmware" (device built
minus the first stage, whose stand-ins are built into a board's image) is what a board's heap
holds; a plain ESP32 DevKitC has ~134 KB free at boot (micropython issue 18859); target for
its profile: < 100 KB. Then the import cost of each firmware module in import order
(``gc.mem_alloc()`` deltas, same build).

    .venv/bin/python bench/bench_upy_heap.py [--bits 32|64] [--heap 400K]
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "host"))

from kyphos.sim.radio import VirtualRadio  # noqa: E402
from kyphos.sim.upy.board import UpyBoard, deploy_files  # noqa: E402

PROFILES = ("esp32_devkitc", "xiao_esp32s3", "xiao_esp32c3", "virtual")
TARGET_DEVKITC = 100 * 1024
MODULES = ("asyncio", "bluetooth", "frames", "boards", "config", "crashlog", "haptic", "power",
           "coach", "bias", "fusion", "i2cdev", "lsm6", "mpu6", "imu", "kyrfile", "flashlog",
           "commands", "ble", "control", "routing", "sampling", "serialframe", "usb")
IMPORTS = """
import gc, sys
gc.collect()
prev = gc.mem_alloc()
for m in sys.argv[1:]:
    __import__(m)
    gc.collect()
    a = gc.mem_alloc()
    print(m, a - prev)
    prev = a
"""


async def footprint(profile: str, bits: int, heap: str) -> tuple[dict[str, tuple[int, int]],
                                                                 dict[str, int]]:
    board = UpyBoard("demo", board=profile, serial=True, bits=bits, heap=heap,
                     report_buffers=True)
    radio = VirtualRadio()
    try:
        await board.start(radio)
        for _ in range(400):
            if board.device is not None or board.crashes:
                break
            await asyncio.sleep(0.05)
        if board.crashes:
            raise SystemExit(f"{profile}: {board.crashes[0]}")
        return dict(board.ports[-1].footprint), dict(board.ports[-1].buffers)
    finally:
        await board.stop()
        await radio.close()
        board.cleanup()


def module_costs(binary: Path, heap: str) -> list[tuple[str, int]]:
    with tempfile.TemporaryDirectory() as tmp:
        fw = deploy_files(binary, Path(tmp) / "fw")
        (fw / "imports.py").write_text(IMPORTS)
        out = subprocess.run([str(binary), "-X", f"heapsize={heap}", str(fw / "imports.py"),
                              *MODULES], env={"MICROPYPATH": f".frozen:{fw}"},
                             capture_output=True, text=True, timeout=120, check=True)
    rows = []
    for line in out.stdout.splitlines():
        name, n = line.split()
        rows.append((name, int(n)))
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bits", type=int, default=32, choices=(32, 64))
    ap.add_argument("--heap", default="400K", help="-X heapsize, large enough to measure")
    args = ap.parse_args()
    print(f"MicroPython 1.28 unix port, {args.bits}-bit, float32, -X heapsize={args.heap}, "
          "USB serial on (as app.run())")
    print(f"{'profile':15s} {'interp+stand-ins':>17s} {'+imports':>9s} {'+device':>9s} "
          f"{'firmware':>9s}")
    res = {}
    devkitc_bufs: dict[str, int] = {}
    for p in PROFILES:
        fp, bufs = asyncio.run(footprint(p, args.bits, args.heap))
        if p == "esp32_devkitc":
            devkitc_bufs = bufs
        base = fp["interpreter"][0]
        imp = fp["firmware imported"][0] - base
        dev = fp["device built"][0] - fp["firmware imported"][0]
        fw = fp["device built"][0] - base
        res[p] = fw
        print(f"{p:15s} {base:17,d} {imp:9,d} {dev:9,d} {fw:9,d}")
    if args.bits == 32:
        from kyphos.sim.upy.build import ensure_m32

        binary = ensure_m32()
    else:
        from kyphos.sim.upy.build import ensure_built

        binary = ensure_built().float32
    print("\nimport cost per module (bytes, in this order)")
    total = 0
    for name, n in module_costs(binary, args.heap):
        total += n
        print(f"  {name:12s} {n:7,d}")
    print(f"  {'total':12s} {total:7,d}")
    print("\nDevKitC: the Device's bytearrays/arrays (largest first)")
    for path, n in sorted(devkitc_bufs.items(), key=lambda kv: -kv[1]):
        print(f"  {path:28s} {n:7,d}")
    print(f"  {'total':28s} {sum(devkitc_bufs.values()):7,d}")
    d = res["esp32_devkitc"]
    print(f"\nDevKitC firmware heap {d:,} B (target < {TARGET_DEVKITC:,}: "
          f"{d / TARGET_DEVKITC:.2f}x of it)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
