"""The firmware's orientation filter (firmware/fusion.py) on the real MicroPython 1.28 unix port:
single-precision floats (as the ESP32 port, MICROPY_FLOAT_IMPL_FLOAT) against double precision,
on the BROAD trials (../shared/data/broad/).

Each trial is quantised to int16 counts as in bench_firmware_fusion.py (LSM6DSOX +-16 g /
+-2000 dps), decimated by 3 (95.2 Hz, near the firmware's 104 Hz) and fed sample by sample to
``Fusion.update`` — the call the firmware's sample path makes — on both builds of the port; the
Q14 quaternions the firmware would send are compared. Target (issue 13): the float32 build's
output within 0.05 deg of the double build's. Prints per trial the largest and the RMS angle
between the two outputs, and the inclination (the angle between the two "up" directions: what
posture scoring uses) likewise.

    .venv/bin/python bench/bench_upy_float32.py [--data DIR] [--dec 3]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import scipy.io as sio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "host"))

from kyphos.sim.upy.board import deploy_files  # noqa: E402
from kyphos.sim.upy.build import ensure_built  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "broad"
ACC_SCALE = 0.488e-3 * 9.80665  # as bench_firmware_fusion.py
GYR_SCALE = 70e-3 * np.pi / 180
TARGET_DEG = 0.05

RUN = """
import sys
from array import array
import fusion
fs = float(sys.argv[1])
f = fusion.Fusion(fs, GYR_SCALE, ACC_SCALE)
src = open(sys.argv[2], "rb")
dst = open(sys.argv[3], "wb")
N = 512
buf = array("h", bytes(12 * N))
out = array("h", bytes(8 * N))
upd = f.update
while True:
    k = src.readinto(buf)
    if not k:
        break
    n = k // 12
    j = 0
    for i in range(n):
        upd(buf[j + 3], buf[j + 4], buf[j + 5], buf[j], buf[j + 1], buf[j + 2])
        out[4 * i] = f.qw
        out[4 * i + 1] = f.qx
        out[4 * i + 2] = f.qy
        out[4 * i + 3] = f.qz
        j += 6
    dst.write(memoryview(out)[: 4 * n])
dst.close()
""".replace("GYR_SCALE", repr(GYR_SCALE)).replace("ACC_SCALE", repr(ACC_SCALE))


def _angle(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return np.degrees(2 * np.arccos(np.clip(np.abs(np.sum(a * b, axis=1)), 0, 1)))


def _up(q: np.ndarray) -> np.ndarray:
    """The earth's z axis in the sensor frame (third row of R^T): what inclination uses."""
    w, x, y, z = (q / np.linalg.norm(q, axis=1, keepdims=True)).T
    return np.stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], axis=1)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--dec", type=int, default=3)
    args = ap.parse_args()
    files = sorted(args.data.glob("*.mat"))
    if not files:
        print(f"no .mat files in {args.data}")
        return 1
    bins = ensure_built(lambda m: print(m, flush=True))
    worst = worst_incl = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        fw = {v: deploy_files(bins.for_floats(v), t / f"fw-{v}") for v in ("double", "float32")}
        for v in fw:
            (fw[v] / "run.py").write_text(RUN)
        print(f"{'trial':40s} {'samples':>8s} {'max deg':>8s} {'rms deg':>8s} "
              f"{'incl max':>9s} {'incl rms':>9s}")
        for p in files:
            d = sio.loadmat(p)
            fs = float(np.ravel(d["sampling_rate"])[0]) / args.dec
            gyr = np.asarray(d["imu_gyr"][::args.dec], dtype=float)
            acc = np.asarray(d["imu_acc"][::args.dec], dtype=float)
            raw = np.hstack([np.round(acc / ACC_SCALE), np.round(gyr / GYR_SCALE)])
            raw = np.clip(np.nan_to_num(raw), -32768, 32767).astype("<i2")
            src = t / "in.bin"
            raw.tofile(src)
            q = {}
            for v in ("double", "float32"):
                dst = t / f"out-{v}.bin"
                subprocess.run([str(bins.for_floats(v)), "-X", "heapsize=4M",
                                str(fw[v] / "run.py"), f"{fs!r}", str(src), str(dst)],
                               env={"MICROPYPATH": f".frozen:{fw[v]}"}, check=True, timeout=600)
                q[v] = np.fromfile(dst, dtype="<i2").reshape(-1, 4).astype(float)
            ang = _angle(q["double"], q["float32"])
            ua, ub = _up(q["double"]), _up(q["float32"])
            incl = np.degrees(np.arccos(np.clip(np.sum(ua * ub, axis=1), -1, 1)))
            worst = max(worst, float(ang.max()))
            worst_incl = max(worst_incl, float(incl.max()))
            print(f"{p.stem[:40]:40s} {len(ang):8d} {ang.max():8.4f} "
                  f"{np.sqrt(np.mean(ang ** 2)):8.4f} {incl.max():9.4f} "
                  f"{np.sqrt(np.mean(incl ** 2)):9.4f}")
    print(f"largest float32 vs double difference: orientation {worst:.4f} deg, inclination "
          f"{worst_incl:.4f} deg (target {TARGET_DEG} deg: {worst_incl / TARGET_DEG:.2f}x of it)")
    return 0 if worst_incl <= TARGET_DEG else 1


if __name__ == "__main__":
    raise SystemExit(main())
