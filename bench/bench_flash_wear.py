"""Flash wear and sample-loop stalls of the board's flash log, on the virtual board's LittleFS
cost model (host/kyphos/sim/flashfs.py: block erases, page programs, and the firmware stalled
while the SPI flash works).

For each IMU chip, output rate and flash timing (datasheet typical and maximum), a board logs
with log_policy "always" for --minutes of simulated time, once with the old rule (log_sync_ms
0: every frame written and synced, the default before this benchmark) and once with the block
rule (records gathered in RAM, the file grown and synced in whole 4 KB blocks, the default
log_sync_ms 10 s for a partial block). It prints erases and syncs per hour, the longest single
flash stall, the share of time the firmware was stalled, the samples missing from the log (a
FIFO overrun during a stall shows up here), and the flash's life at that wear: the
filesystem's blocks x 100,000 erase cycles (SPI NOR endurance, e.g. W25Q32JV) / erases per
hour, with LittleFS's wear levelling assumed perfect.

Run: .venv/bin/python bench/bench_flash_wear.py [--minutes 10]
"""

from __future__ import annotations

import argparse
import asyncio
import time

import kyphos
import numpy as np
from kyphos.sim.board import _FLASH_BYTES, VirtualBoard
from kyphos.sim.clock import run
from kyphos.sim.flashfs import BLOCK, FlashTiming
from kyphos.sim.radio import VirtualRadio

ENDURANCE_CYCLES = 100_000


def one(chip: str, odr: int, timing: FlashTiming, sync_ms: int, seconds: float) -> dict:
    cfg = {"log_policy": "always", "log_sync_ms": sync_ms, "odr_hz": odr}
    board = VirtualBoard("office", seed=2, chip=chip, config=cfg)
    board.flash.model.timing = timing

    async def go() -> None:
        await board.start(VirtualRadio())
        await asyncio.sleep(seconds)
        await board.stop()

    t0 = time.perf_counter()
    run(go())
    wall = time.perf_counter() - t0
    try:
        st = board.flash.model.stats
        logs = sorted((board.fs_root / "logs").glob("*.kyr"))
        missing = 0
        n = 0
        for p in logs:
            s = kyphos.load(p)
            n += s.n_samples
            dt = np.diff(s.time)
            missing += int(np.sum(np.maximum(np.round(dt * s.fs) - 1, 0)))
        h = seconds / 3600.0
        erases_h = st.erases / h
        life_h = (_FLASH_BYTES // BLOCK) * ENDURANCE_CYCLES / erases_h if erases_h else float("inf")
        return {
            "erases_h": erases_h, "syncs_h": st.syncs / h,
            "longest_ms": st.longest_stall_us / 1000,
            "stalled_pct": 100.0 * st.stall_us_total / 1e6 / seconds,
            "samples": n, "missing": missing, "life_h": life_h, "wall_s": wall,
        }
    finally:
        board.cleanup()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10.0, help="simulated minutes per case")
    args = ap.parse_args()
    seconds = args.minutes * 60
    rules = (("every frame (log_sync_ms 0, old)", 0), ("whole blocks (default)", 10_000))
    timings = (("typ 45 ms/0.4 ms", FlashTiming()), ("max 400 ms/3 ms", FlashTiming.worst()))
    print(f"{args.minutes:g} simulated minutes per case, log_policy always, scenario office")
    print(f"{'chip':10s} {'Hz':>4s} {'flash timing':17s} {'rule':34s} {'erases/h':>9s} "
          f"{'syncs/h':>8s} {'longest':>8s} {'stalled':>8s} {'missing':>8s} {'life':>10s}")
    for chip in ("LSM6DSOX", "MPU-6500"):
        for odr in (104, 208):
            for tname, timing in timings:
                for rname, sync_ms in rules:
                    r = one(chip, odr, timing, sync_ms, seconds)
                    life = (f"{r['life_h'] / 24 / 365:.1f} y" if r["life_h"] > 24 * 365
                            else f"{r['life_h'] / 24:.0f} d")
                    print(f"{chip:10s} {odr:4d} {tname:17s} {rname:34s} {r['erases_h']:9.0f} "
                          f"{r['syncs_h']:8.0f} {r['longest_ms']:6.1f}ms {r['stalled_pct']:7.1f}% "
                          f"{r['missing']:4d}/{r['samples']:<6d} {life:>10s}", flush=True)


if __name__ == "__main__":
    main()
