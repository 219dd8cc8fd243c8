"""Benchmark: raw IMU + on-device orientation streamed over the virtual BLE link and recorded.

    .venv/bin/python bench/bench_link.py                 # 208 Hz, 10 simulated minutes
    .venv/bin/python bench/bench_link.py --odr 104 --minutes 2
    .venv/bin/python bench/bench_link.py --mtu 185 --minutes 2            # iOS's MTU
    .venv/bin/python bench/bench_link.py --mtu 185 --minutes 2 --fixed-pace   # before issue 14 item 8

The virtual board (the real firmware) streams over bumble's virtual radio to bleak with the
bumble backend, in one process, on a simulated-time event loop (fast mode), and
``kyphos.recording.recorder.record`` writes the .kyr file. Printed:

- loss: data frames missing from the live stream, and after back-fill from the flash log
  (the recording is loaded with ``kyphos.load`` and its sample times checked for gaps);
- host CPU of the receive-and-record path: ``time.process_time()`` is summed around the
  synchronous host calls of that path (the bleak notification callback, frame splitting and
  decoding, the Device's dispatch/seq tracking/clock fit, and the recorder's file writes),
  divided by the simulated duration = the share of one core that path needs at real time.
  Excluded: the virtual radio and the firmware (bumble and the board run in this process but
  are the OS Bluetooth stack and the board in real use). The reference printed beside it is
  the same ratio for the whole process (everything, including the simulated board and radio).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np


class CpuMeter:
    """Sums process CPU time spent inside wrapped synchronous functions (no nesting)."""

    def __init__(self) -> None:
        self.cpu_s = 0.0
        self.calls = 0
        self._depth = 0

    def wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        def inner(*a: Any, **k: Any) -> Any:
            if self._depth:
                return fn(*a, **k)
            self._depth += 1
            t = time.process_time()
            try:
                return fn(*a, **k)
            finally:
                self.cpu_s += time.process_time() - t
                self.calls += 1
                self._depth -= 1

        return inner


def _instances(cls: type) -> list[Any]:
    import gc

    return [o for o in gc.get_objects() if isinstance(o, cls)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--odr", type=int, default=208, help="IMU rate in Hz (firmware config odr_hz)")
    ap.add_argument("--minutes", type=float, default=10.0, help="simulated minutes to stream")
    ap.add_argument("--mtu", type=int, default=247,
                    help="ATT MTU the host requests (247 as Android/Windows/macOS; 185 as iOS)")
    ap.add_argument("--fixed-pace", action="store_true",
                    help="the firmware's old fixed 45 ms notification pace (for comparison)")
    args = ap.parse_args(argv)

    from kyphos.transport import bumble_backend

    bumble_backend.REQUESTED_MTU = args.mtu

    def fix_pace() -> None:
        # The board imports the firmware afresh: patch its `ble` module once it is loaded.
        firmware_ble = sys.modules["ble"]

        def fixed(self: Any, notes_per_s: int) -> int:
            self.gap_ms = firmware_ble.MIN_GAP_MS
            return int(self.gap_ms)

        firmware_ble.Peripheral.pace = fixed

    import kyphos
    from kyphos.link.device import Device, connect
    from kyphos.recording import kyr
    from kyphos.recording.recorder import record
    from kyphos.sim.clock import VirtualTimeLoop
    from kyphos.transport import base, ble

    meter = CpuMeter()
    ble.BleTransport._on_notify = meter.wrap(ble.BleTransport._on_notify)  # type: ignore[method-assign]
    base.Transport._decode = meter.wrap(base.Transport._decode)  # type: ignore[method-assign]
    Device._dispatch = meter.wrap(Device._dispatch)  # type: ignore[method-assign]
    Device._flush = meter.wrap(Device._flush)  # type: ignore[method-assign]
    kyr.KyrWriter.write = meter.wrap(kyr.KyrWriter.write)  # type: ignore[method-assign]

    duration = args.minutes * 60.0
    wall0 = time.perf_counter()
    out = Path(tempfile.mkdtemp(prefix="kyphos-bench-")) / "bench.kyr"
    stats: dict[str, Any] = {}

    async def run() -> None:
        dev = await connect("sim", config={"odr_hz": args.odr, "log_policy": "always"},
                            ping_interval_s=5.0)
        if args.fixed_pace:
            fix_pace()
        t_start = asyncio.get_running_loop().time()
        try:
            live_missing: list[int] = []

            async def watch() -> None:
                t = 0
                while True:
                    await asyncio.sleep(1.0)
                    t += 1
                    live_missing.append(dev.missing_frames())
                    if t % 60 == 0:
                        print(f"  … {t / 60:.0f} simulated min, wall {time.perf_counter() - wall0:.0f} s:"
                              f" {dev.health().line()}", flush=True)

            w = asyncio.ensure_future(watch())
            res = await record(dev, out, duration_s=duration)
            w.cancel()
            stats["live_missing_at_stop"] = live_missing[int(duration) - 1] if len(live_missing) >= duration else None
            stats["backfill_s"] = asyncio.get_running_loop().time() - t_start - duration
            stats["res"] = res
            stats["live_missing_max"] = max(live_missing or [0])
            stats["notifications"] = dev.transport.counters.frames_in
            stats["board"] = dev.transport.board
            periph = sys.modules["ble"].Peripheral
            stats["link"] = [(p.mtu, p.gap_ms, p.notified, p.retried, p.lost)
                             for p in _instances(periph)]
        finally:
            await dev.close()

    loop = VirtualTimeLoop(speed=None)
    cpu0 = time.process_time()
    try:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(run())
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    cpu_all, wall = time.process_time() - cpu0, time.perf_counter() - wall0

    res = stats["res"]
    s = kyphos.load(out)
    gaps = s.gaps
    gap_samples = int(np.round(((gaps[:, 1] - gaps[:, 0]) * s.fs).sum())) if len(gaps) else 0
    h = res.health
    print(f"bench_link: {args.odr} Hz raw + orientation, {args.minutes:g} simulated min over the "
          f"virtual BLE link (bleak + bumble backend, MTU {args.mtu}"
          f"{', fixed 45 ms pace' if args.fixed_pace else ''})")
    print(f"  recorded      {s.n_samples:,} IMU samples ({s.fs:.2f} Hz), {len(s.quat):,} quaternions, "
          f"{res.frames:,} frames, {out.stat().st_size / 1e6:.1f} MB")
    print(f"  live loss     {stats.get('live_missing_at_stop')} data frames missing when streaming "
          f"stopped (max {stats['live_missing_max']}); {res.backfilled} back-filled from flash, "
          f"the back-fill after stop took {stats['backfill_s']:.0f} simulated s")
    for mtu, gap, notified, retried, lost in stats["link"]:
        print(f"  board link    MTU {mtu}, pace {gap} ms at the end of the stream, {notified:,} "
              f"notifications ({notified / duration:.1f}/s), {retried} ENOMEM retries, "
              f"{lost} frames refused (ring full)")
    print(f"  final loss    {h['missing_frames']} data frames ({h['loss_pct']:.3f}%); sample gaps "
          f"{len(gaps)} ({gap_samples} samples)")
    print(f"  host CPU      receive+record path {meter.cpu_s:.2f} s CPU for {duration:.0f} s of data "
          f"= {100 * meter.cpu_s / duration:.2f}% of one core ({meter.calls:,} calls)")
    print(f"  reference     whole process (board + radio + host) {cpu_all:.1f} s CPU = "
          f"{100 * cpu_all / duration:.1f}% of one core at real time; ratio path/whole "
          f"{meter.cpu_s / cpu_all:.3f}; wall {wall:.1f} s (x{duration / wall:.1f} real time)")
    board = stats["board"]
    if board is not None:
        board.cleanup()
    return 0 if h["missing_frames"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
