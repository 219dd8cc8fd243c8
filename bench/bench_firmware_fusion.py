"""Benchmark of the firmware's orientation filter (firmware/fusion.py).

1. Accuracy: BROAD inclination RMSE (the dataset's evaluation, ../shared/data/broad/README.md)
   of the very firmware module run under CPython, fed the recordings quantised to int16 counts
   as an LSM6DSOX at +-16 g / +-2000 deg/s would give them, beside VQF (online, 6D) on the same
   trials in the same run; at the recording's rate (285.7 Hz) and decimated by 3 (95.2 Hz, close
   to the firmware's default 104 Hz).
2. Cost on the real MicroPython interpreter (WebAssembly build, tests/mpy): time per update
   relative to a fixed reference loop, pystone 1.2 (the classic "Pystone(1.2) time for N
   passes"; this script runs CPython 3.6's Lib/test/pystone.py, vendored as bench/pystone.py,
   with its clock swapped for time.ticks_ms; --pystone PATH uses another copy), the estimate for a 240 MHz
   ESP32 from published ESP32 pystone figures (mpybench.ESP32_PYSTONES), and bytes allocated per
   sample after warm-up (gc.mem_alloc deltas).

Run: .venv/bin/python bench/bench_firmware_fusion.py [--data DIR] [--skip-mpy] [--pystone PATH]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import scipy.io as sio
from scipy.spatial.transform import Rotation
from vqf import VQF

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "host"))

from kyphos.sim import shims  # noqa: E402

shims.install()

import fusion  # noqa: E402  (firmware/fusion.py)
import mpybench  # noqa: E402  (bench/mpybench.py)

DATA = ROOT.parent / "shared" / "data" / "broad"
ACC_SCALE = 0.488e-3 * 9.80665  # LSM6DSOX +-16 g, m/s^2 per count
GYR_SCALE = 70e-3 * np.pi / 180  # LSM6DSOX +-2000 dps, rad/s per count
ESP32_PYSTONES = mpybench.ESP32_PYSTONES
PYSTONE = mpybench.PYSTONE
PYSTONE_PASSES = 1000


def incl_rmse_deg(q: np.ndarray, ref: np.ndarray, moving: np.ndarray) -> float:
    """Inclination RMSE (deg) over moving samples with valid ground truth."""
    ok = moving & ~np.isnan(ref).any(axis=1)
    err = Rotation.from_quat(q[ok], scalar_first=True) * Rotation.from_quat(
        ref[ok], scalar_first=True
    ).inv()
    e = err.as_quat(scalar_first=True)
    ang = 2 * np.arccos(np.clip(np.sqrt(e[:, 0] ** 2 + e[:, 3] ** 2), 0, 1))
    return float(np.degrees(np.sqrt(np.mean(ang**2))))


def run_firmware(gyr: np.ndarray, acc: np.ndarray, fs: float) -> np.ndarray:
    """firmware/fusion.py over int16 counts; returns (N, 4) float quaternions."""
    g = np.clip(np.round(gyr / GYR_SCALE), -32768, 32767).astype(np.int64).tolist()
    a = np.clip(np.round(acc / ACC_SCALE), -32768, 32767).astype(np.int64).tolist()
    f = fusion.Fusion(fs, GYR_SCALE, ACC_SCALE)
    out = np.empty((len(g), 4))
    upd = f.update
    for i in range(len(g)):  # the firmware's own per-sample path, as on the device
        gi = g[i]
        ai = a[i]
        upd(gi[0], gi[1], gi[2], ai[0], ai[1], ai[2])
        out[i] = (f.qw, f.qx, f.qy, f.qz)
    return out / 16384.0


def accuracy(data: Path, dec: int) -> tuple[float, float]:
    files = sorted(data.glob("*.mat"))
    if not files:
        raise SystemExit(f"no .mat files in {data}")
    fw_all, vqf_all = [], []
    print(f"\nBROAD inclination RMSE, deg (decimation {dec})")
    print(f"{'trial':40s} {'fs Hz':>7s} {'firmware':>9s} {'VQF online':>11s} {'ratio':>6s}")
    for p in files:
        d = sio.loadmat(p)
        fs = float(np.ravel(d["sampling_rate"])[0]) / dec
        gyr = np.ascontiguousarray(d["imu_gyr"][::dec], dtype=float)
        acc = np.ascontiguousarray(d["imu_acc"][::dec], dtype=float)
        ref = d["opt_quat"][::dec]
        mov = np.ravel(d["movement"])[::dec].astype(bool)
        q_fw = run_firmware(gyr, acc, fs)
        q_vqf = VQF(1.0 / fs).updateBatch(gyr, acc)["quat6D"]
        e_fw = incl_rmse_deg(q_fw, ref, mov)
        e_vqf = incl_rmse_deg(q_vqf, ref, mov)
        fw_all.append(e_fw)
        vqf_all.append(e_vqf)
        print(f"{p.stem[:40]:40s} {fs:7.1f} {e_fw:9.2f} {e_vqf:11.2f} {e_fw / e_vqf:6.2f}")
    m_fw, m_vqf = float(np.mean(fw_all)), float(np.mean(vqf_all))
    print(f"{'mean of per-trial RMSE':40s} {'':7s} {m_fw:9.2f} {m_vqf:11.2f} {m_fw / m_vqf:6.2f}")
    return m_fw, m_vqf


MPY_COST = r"""
import gc, time
from array import array
import fusion
ODR = 104
f = fusion.Fusion(ODR, 70e-3 * 3.141592653589793 / 180, 0.244e-3 * 9.80665)
N = 208
buf = array('h', bytes(12 * N))
# a slow nod about y with noise-like variation, upright (acc ~ +x), all small ints
import math
for i in range(N):
    s = math.sin(i * 0.06)
    buf[6 * i] = 4000 + (i * 7) % 13
    buf[6 * i + 1] = (i * 5) % 11 - 5
    buf[6 * i + 2] = int(1500 * s)
    buf[6 * i + 3] = (i * 3) % 7 - 3
    buf[6 * i + 4] = int(600 * s)
    buf[6 * i + 5] = (i * 5) % 9 - 4
out = array('h', bytes(8 * N))

def timed(fn, reps):
    t0 = time.ticks_ms()
    for _ in range(reps):
        fn()
    return time.ticks_diff(time.ticks_ms(), t0)

# warm-up (first sample initialises with floats), then allocation
f.update_block(buf, N, out)
gc.collect()
a0 = gc.mem_alloc()
f.update_block(buf, N, out)
a1 = gc.mem_alloc()
alloc_block = (a1 - a0) / N
gc.collect()
b = f.bias
a0 = gc.mem_alloc()
for i in range(N):
    j = 6 * i
    f.update(buf[j + 3], buf[j + 4], buf[j + 5], buf[j], buf[j + 1], buf[j + 2])
a1 = gc.mem_alloc()
alloc_one = (a1 - a0) / N

# the driver's per-sample work (MPU path: parse big-endian records, remap) on a replay bus
import imu
class Replay:
    def __init__(self, records):
        self.fifo = bytearray(12 * records)
        self.count = bytearray([(12 * records) >> 8, (12 * records) & 0xFF])
    def readfrom_mem(self, addr, reg, n):
        return bytes([0x68])
    def readfrom_mem_into(self, addr, reg, b):
        if reg == 0x72:
            b[0] = self.count[0]
            b[1] = self.count[1]
        elif reg == 0x3A:
            b[0] = 0
    def writeto_mem(self, addr, reg, b):
        pass
dev = imu.IMU(Replay(32), remap=(3, -1, -2), addresses=(0x68,))
dev.configure(104, 8, 1000)
rbuf = array('h', bytes(12 * 84))
dev.read(rbuf)
gc.collect()
a0 = gc.mem_alloc()
dev.read(rbuf)
alloc_read = (gc.mem_alloc() - a0) / 32

# time: 20 blocks of N samples, 200 driver reads of 32 and pystone, interleaved three times
tf = 0
tr = 0
stones = 0.0
for k in range(3):
    tf += timed(lambda: f.update_block(buf, N, out), 20)
    tr += timed(lambda: dev.read(rbuf), 200)
    stones += pystone_ref.pystones(PASSES)[1] / 3
us_update = tf * 1000.0 / (3 * 20 * N)
us_read = tr * 1000.0 / (3 * 200 * 32)
print('{"us_update": %f, "us_read": %f, "pystones": %f, "alloc_block": %f, "alloc_update": %f, "alloc_read": %f}'
      % (us_update, us_read, stones, alloc_block, alloc_one, alloc_read))
"""


def find_pystone(given: Path | None) -> Path | None:
    path = given if given is not None else PYSTONE
    return path if path.exists() else None


def mpy_cost(pystone: Path) -> dict:
    main = MPY_COST.replace("PASSES", str(PYSTONE_PASSES)).replace(
        "import fusion", "import fusion\nimport pystone_ref")
    firmware = ["fusion.py", "bias.py", "imu.py", "lsm6.py", "mpu6.py", "i2cdev.py"]
    return mpybench.run(main, firmware, pystone)


def cpython_cost() -> float:
    f = fusion.Fusion(104, GYR_SCALE, ACC_SCALE)
    f.update(0, 0, 0, 2000, 0, 0)
    n = 20000
    t0 = time.perf_counter()
    for i in range(n):
        f.update(i % 7 - 3, 5, -2, 2000, i % 5, 100)
    return (time.perf_counter() - t0) / n * 1e6


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DATA, help="folder with the BROAD .mat files")
    ap.add_argument("--skip-mpy", action="store_true", help="skip the MicroPython cost run")
    ap.add_argument("--pystone", type=Path, default=None,
                    help="another copy of CPython's Lib/test/pystone.py (the reference loop; "
                    "default bench/pystone.py)")
    args = ap.parse_args()
    m1, v1 = accuracy(args.data, 1)
    m3, v3 = accuracy(args.data, 3)
    print(f"\nsummary: firmware {m1:.2f} deg vs VQF online {v1:.2f} deg at 285.7 Hz (ratio "
          f"{m1 / v1:.2f}); {m3:.2f} vs {v3:.2f} deg at 95.2 Hz (ratio {m3 / v3:.2f}); "
          f"target <= 1.5 deg")
    print(f"CPython: {cpython_cost():.1f} us per update")
    if not args.skip_mpy:
        pystone = find_pystone(args.pystone)
        if pystone is None:
            raise SystemExit("pystone.py not found: give --pystone PATH (CPython's test/pystone.py)")
        c = mpy_cost(pystone)
        rel = c["us_update"] * c["pystones"] / 1e6  # pystones per update
        print(f"MicroPython (WebAssembly): {c['us_update']:.1f} us per update; pystone "
              f"{c['pystones']:.0f} pystones/s; one update costs {rel:.4f} pystones")
        print(f"allocation after warm-up: {c['alloc_block']:.1f} bytes/sample (update_block), "
              f"{c['alloc_update']:.1f} bytes/sample (update)")
        rel_read = c["us_read"] * c["pystones"] / 1e6
        print(f"driver read path (MPU records, remap; bus time excluded): {c['us_read']:.1f} us "
              f"per sample = {rel_read:.4f} pystones; {c['alloc_read']:.1f} bytes/sample")
        for name, esp in ESP32_PYSTONES.items():
            est = rel / esp * 1e6
            est_r = rel_read / esp * 1e6
            print(f"ESP32 240 MHz estimate, {name} {esp:.0f} pystones/s: fusion {est:.0f} us "
                  f"per update = {est / 9615.4 * 100:.1f} % of the 104 Hz sample period "
                  f"(target <= 20 %); driver {est_r:.0f} us per sample")
    return 0

if __name__ == "__main__":
    sys.exit(main())
