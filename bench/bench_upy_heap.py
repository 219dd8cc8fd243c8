"""Heap footprint of the firmware on real MicroPython, per board profile (issue 14 item 9).

Boots the firmware (compiled to .mpy as ``kyphos deploy`` does) on the MicroPython 1.28 unix
port with its USB serial, as ``app.run()`` runs it on a board, and reads ``gc.mem_alloc()``
after a collect at three stages (kyboot.py): interpreter + stand-ins, + the firmware's imports,
+ the Device with its buffers and BLE GATT server. On the 32-bit single-precision build
(``--bits 32``, needs gcc-multilib) objects have the ESP32's size, so "firmware" (device built
minus the first stage, whose stand-ins are built into a board's image) is what a board's heap
holds; a plain ESP32 DevKitC has ~134 KB free at boot (micropython issue 18859); target for
its profile: < 100 KB. Then the import cost of each firmware module in import order
(``gc.mem_alloc()`` deltas, same build; a module's figure includes any qstr pool that
MicroPython grew while importing it, so neighbours shift by a pool's size). Last, the live
heap while a host streams, and its peak when the rare commands' modules are imported (lazy.py):
:func:`running`.

    .venv/bin/python bench/bench_upy_heap.py [--bits 32|64] [--heap 400K] [--running P1,P2]
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


async def running(profile: str, bits: int, heap: str, settle_s: float = 18.0,
                  steady_s: float = 8.0) -> dict[str, int]:
    """The firmware's live heap while a host streams over BLE (IMU + QUAT + STATUS, the flash
    log on: ``log_policy`` "always"), from the port's ``running`` footprint (``gc.mem_alloc()``
    after a collect, every 2 s) minus the interpreter stage, the maximum in each phase:

    - ``steady``: streaming, ``settle_s`` after the last command (``Device.start`` asks
      CONFIG_GET, and lazy.py drops an unused module after 15 s);
    - ``rare peak``: CONFIG_GET, LOG_LIST, LOG_READ (4 KB) and GET_CRASH in a row, so config
      (CONFIG_SET's module too; the sim link is not trusted to change the board), logread
      and kyrfile are loaded at once (the worst case), and 4 s after;
    - ``after``: the last reading ``settle_s`` later (the modules dropped again)."""
    import kyphos
    from kyphos.protocol.constants import Opcode

    dev = await kyphos.connect("sim", runtime="micropython", scenario="demo",
                               config={"board": profile, "log_policy": "always"},
                               floats="float32", heap=heap, ping_interval_s=0, usb_serial=True,
                               bits=bits)
    brd = dev.transport.board  # type: ignore[attr-defined]

    def fp() -> dict[str, tuple[int, int]]:
        return brd.ports[-1].footprint  # type: ignore[no-any-return]

    async def watch(seconds: float) -> list[int]:
        seen = []
        end = asyncio.get_running_loop().time() + seconds
        while asyncio.get_running_loop().time() < end:
            r = fp().get("running")
            if r is not None:
                seen.append(r[0])
            await asyncio.sleep(0.25)
        return seen

    try:
        await dev.start()
        await watch(settle_s)
        steady = await watch(steady_s)
        await dev.config_get()
        logs = await dev.log_list()
        if logs:
            await dev.read_log(int(logs[0]["id"]), 0, 4096)
        await dev.command(Opcode.GET_CRASH)
        rare = await watch(4.0)
        await watch(settle_s)
        after = await watch(2.5)
        base = fp()["interpreter"][0]
        if not steady or not rare or not after:
            raise SystemExit(f"{profile}: no running footprint reported")
        return {"steady": max(steady) - base, "rare peak": max(rare) - base,
                "after": after[-1] - base}
    finally:
        await dev.close()


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
    ap.add_argument("--running", default="esp32_devkitc,xiao_esp32s3",
                    help="profiles to stream from (about a minute each); '' for none")
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
    print(f"\nDevKitC firmware heap after boot {d:,} B (target < {TARGET_DEVKITC:,}: "
          f"{d / TARGET_DEVKITC:.2f}x of it)")
    profiles = [p for p in args.running.split(",") if p]
    if profiles:
        print("\nstreaming over BLE (IMU + QUAT + STATUS, flash log on), firmware live heap "
              "(max of each phase, running() docstring):")
        print(f"{'profile':15s} {'steady':>9s} {'rare peak':>10s} {'after':>9s}")
        for p in profiles:
            r = asyncio.run(running(p, args.bits, args.heap))
            print(f"{p:15s} {r['steady']:9,d} {r['rare peak']:10,d} {r['after']:9,d}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
