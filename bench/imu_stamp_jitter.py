"""How late a read must be (held up between the chip's FIFO level and the board time the driver
stamps the batch with) before the host's loader sees a false gap: firmware/imu.py on CPython
with the board shims, driven by tests/firmware/on_device/check_imu_stamps.py (reads every
20.7 ms as app.py's sampler, every 7th read held up, 300 reads, 104 Hz).

    PYTHONPATH=host python bench/imu_stamp_jitter.py [--holds 0,1000,...]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--holds", default="0,2000,4000,4500,5000,5500,6000,8000,16000,40000,100000",
                    help="hold-ups to try, us (comma separated)")
    ap.add_argument("--reads", type=int, default=300)
    ap.add_argument("--odr-error", type=float, default=0.0, help="the chip's rate error")
    args = ap.parse_args()
    from kyphos.sim import shims

    shims.install()
    sys.path[:0] = [str(ROOT / "firmware"), str(ROOT / "tests" / "firmware" / "on_device")]
    import check_imu_stamps as c

    print(f"chip        hold_us  longest  shortest  gaps (steps > 1.5 periods)  lost  "
          f"period estimate, 2nd half of the run: % off the chip's (odr_error {args.odr_error:g})")
    for name, addr, reg, before in c._MODELS:
        for h in (int(x) for x in args.holds.split(",")):
            per: list[int] = []
            steps, lost = c.stream(name, addr, reg, before, h, reads=args.reads,
                                   odr_error=args.odr_error, periods=per)
            gaps = sum(1 for s in steps if s > c.GAP_STEPS)
            true_ns = 1e9 / ((100.0 if name.startswith("MPU") else 104.0) * (1 + args.odr_error))
            half = per[len(per) // 2:]
            off = [100.0 * (p - true_ns) / true_ns for p in half]
            print(f"{name:11s} {h:7d}  {max(steps):7.3f}  {min(steps):8.3f}  {gaps:4d} of {len(steps)}"
                  f"  {any(lost)!s:5s}  {min(off):+.3f} .. {max(off):+.3f}")


if __name__ == "__main__":
    main()
