"""Cost of the flash log's record CRC-32 on the real MicroPython interpreter (WebAssembly build,
tests/mpy): binascii.crc32 (C, but its result is a heap-allocated big int when >= 2**30 on a
32-bit port) against kyrfile.crc32_into (table-driven in Python, the register kept as two
16-bit halves: allocation-free). For each: µs and heap bytes per record of a typical size (an
IMU frame of 10 samples: 8 + 10 + 126 = 144 bytes under the CRC; a QUAT frame: 8 + 10 + 86 =
104), beside pystone 1.2 in the same run (bench/pystone.py) and the estimate for a 240 MHz
ESP32 from published pystone figures (mpybench.ESP32_PYSTONES).

Run: .venv/bin/python bench/bench_flashlog_crc.py
"""

from __future__ import annotations

import sys

from mpybench import ESP32_PYSTONES, run

RECORDS_PER_S = 104 / 10 * 2  # IMU + QUAT frames of 10 samples at 104 Hz

MPY = """
import gc
import json
import time
from binascii import crc32
import kyrfile
import pystone_ref

SIZES = (144, 104)
bufs = []
for n in SIZES:
    b = bytearray(n + 4)
    for i in range(n):
        b[i] = (i * 37 + n) & 0xFF
    bufs.append((b, memoryview(b)[:n], n))
out = bytearray(4)


def c_crc(b, mv, n):
    return crc32(mv)


def py_crc(b, mv, n):
    kyrfile.crc32_into(b, 0, n, b, n)


def measure(fn, reps):
    for b, mv, n in bufs:
        fn(b, mv, n)  # warm-up (tables)
    gc.collect()
    gc.disable()
    a0 = gc.mem_alloc()
    t0 = time.ticks_us()
    for _ in range(reps):
        for b, mv, n in bufs:
            fn(b, mv, n)
    dt = time.ticks_diff(time.ticks_us(), t0)
    a1 = gc.mem_alloc()
    gc.enable()
    calls = reps * len(bufs)
    return dt / calls, (a1 - a0) / calls


# Equal results first.
for b, mv, n in bufs:
    kyrfile.crc32_into(b, 0, n, out, 0)
    v = crc32(mv)
    assert out[0] | out[1] << 8 | out[2] << 16 | out[3] << 24 == v, n
res = {"c_us": 0.0, "c_alloc": 0.0, "py_us": 0.0, "py_alloc": 0.0, "pystones": 0.0}
for _ in range(3):
    us, al = measure(c_crc, 2000)
    res["c_us"] += us / 3
    res["c_alloc"] += al / 3
    us, al = measure(py_crc, 100)
    res["py_us"] += us / 3
    res["py_alloc"] += al / 3
    res["pystones"] += pystone_ref.pystones(1000)[1] / 3
print(json.dumps(res))
"""


def main() -> int:
    c = run(MPY, ["kyrfile.py"])
    print(f"MicroPython (WebAssembly), mean over records of 144 and 104 bytes; pystone "
          f"{c['pystones']:.0f} pystones/s in the same run")
    for name, us, al in (("binascii.crc32", c["c_us"], c["c_alloc"]),
                         ("kyrfile.crc32_into", c["py_us"], c["py_alloc"])):
        print(f"  {name:20s} {us:8.1f} us/record  {al:5.1f} bytes allocated/record  "
              f"= {us * c['pystones'] / 1e6:.3f} pystones")
    print(f"ratio crc32_into / binascii: {c['py_us'] / c['c_us']:.0f}x time")
    for name, esp in ESP32_PYSTONES.items():
        est = c["py_us"] * c["pystones"] / esp
        print(f"ESP32 240 MHz estimate, {name} {esp:.0f} pystones/s: crc32_into {est:.0f} us per "
              f"record, {est * RECORDS_PER_S / 1e4:.1f} % of one core at {RECORDS_PER_S:.1f} "
              f"records/s (IMU + QUAT at 104 Hz)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
