"""Orientation accuracy on BROAD: the kyphos pipeline vs VQF offline/online, Madgwick, Mahony.

Usage: .venv/bin/python bench/bench_orientation.py [BROAD_DIR]

Prints inclination RMSE (deg) per trial and the mean of the per-trial RMSEs, with the dataset
authors' method (BROAD README: q_err = q_est ⊗ q_opt⁻¹, inclination error 2·acos(√(w²+z²)),
RMSE over samples where ``movement`` is true and the truth is not NaN), and the throughput of
each filter in samples per second.

"kyphos" is the analysis pipeline's orientation: the uniform grid and 25 Hz zero-phase low-pass
of :func:`kyphos.processing.preprocess.prepare` followed by VQF offline per segment
(:func:`kyphos.processing.orientation.orientation_segments`).
Madgwick (β = 0.033, as in the reference figures of the BROAD README) and Mahony (Kp = 0.5,
Ki = 0: the defaults of the widely copied reference C code, twoKp = 2·0.5 on half the error) are
written here compactly in plain Python; they are causal, per-sample filters, initialised from the
first accelerometer sample.
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import numpy as np
import scipy.io as sio
from kyphos.processing.orientation import (
    orientation_offline,
    orientation_online,
    orientation_segments,
)
from kyphos.processing.preprocess import prepare

BROAD = Path(__file__).resolve().parents[2] / "shared" / "data" / "broad"
MADGWICK_BETA = 0.033
MAHONY_KP = 0.5
MAHONY_KI = 0.0


def quat_mul(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    w1, x1, y1, z1 = p.T
    w2, x2, y2, z2 = q.T
    return np.column_stack([
        w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2,
        w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2,
        w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2,
        w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2,
    ])


def inclination_rmse_deg(q_est: np.ndarray, q_opt: np.ndarray, movement: np.ndarray) -> float:
    inv = q_opt * np.array([1, -1, -1, -1])
    e = quat_mul(q_est, inv)
    ok = movement & np.all(np.isfinite(q_opt), axis=1) & np.all(np.isfinite(q_est), axis=1)
    w, z = e[ok, 0], e[ok, 3]
    err = 2 * np.arccos(np.clip(np.sqrt(w * w + z * z), 0, 1))
    return float(np.degrees(np.sqrt(np.mean(err**2))))


def _init_quat(acc: np.ndarray) -> list[float]:
    """Quaternion whose earth z maps onto the measured gravity direction (zero heading)."""
    ax, ay, az = acc / np.linalg.norm(acc)
    # rotation taking sensor 'up' (ax, ay, az) to earth z: axis = up × z, angle = acos(az)
    vx, vy = ay, -ax
    s = math.hypot(vx, vy)
    ang = math.acos(max(-1.0, min(1.0, az)))
    if s < 1e-9:
        return [1.0, 0.0, 0.0, 0.0]
    h = math.sin(ang / 2) / s
    return [math.cos(ang / 2), vx * h, vy * h, 0.0]


def madgwick(gyr: np.ndarray, acc: np.ndarray, fs: float, beta: float = MADGWICK_BETA) -> np.ndarray:
    """Madgwick 6-axis (IMU) filter, sensor-to-earth ``[w, x, y, z]`` (Madgwick 2010)."""
    dt = 1.0 / fs
    q0, q1, q2, q3 = _init_quat(acc[0])
    out = np.empty((len(gyr), 4))
    for i, (g, a) in enumerate(zip(gyr.tolist(), acc.tolist(), strict=True)):
        gx, gy, gz = g
        ax, ay, az = a
        qd0 = 0.5 * (-q1 * gx - q2 * gy - q3 * gz)
        qd1 = 0.5 * (q0 * gx + q2 * gz - q3 * gy)
        qd2 = 0.5 * (q0 * gy - q1 * gz + q3 * gx)
        qd3 = 0.5 * (q0 * gz + q1 * gy - q2 * gx)
        n = math.sqrt(ax * ax + ay * ay + az * az)
        if n > 0:
            ax, ay, az = ax / n, ay / n, az / n
            f1 = 2 * (q1 * q3 - q0 * q2) - ax
            f2 = 2 * (q0 * q1 + q2 * q3) - ay
            f3 = 2 * (0.5 - q1 * q1 - q2 * q2) - az
            s0 = -2 * q2 * f1 + 2 * q1 * f2
            s1 = 2 * q3 * f1 + 2 * q0 * f2 - 4 * q1 * f3
            s2 = -2 * q0 * f1 + 2 * q3 * f2 - 4 * q2 * f3
            s3 = 2 * q1 * f1 + 2 * q2 * f2
            sn = math.sqrt(s0 * s0 + s1 * s1 + s2 * s2 + s3 * s3)
            if sn > 0:
                qd0 -= beta * s0 / sn
                qd1 -= beta * s1 / sn
                qd2 -= beta * s2 / sn
                qd3 -= beta * s3 / sn
        q0 += qd0 * dt
        q1 += qd1 * dt
        q2 += qd2 * dt
        q3 += qd3 * dt
        qn = math.sqrt(q0 * q0 + q1 * q1 + q2 * q2 + q3 * q3)
        q0, q1, q2, q3 = q0 / qn, q1 / qn, q2 / qn, q3 / qn
        out[i] = (q0, q1, q2, q3)
    return out


def mahony(gyr: np.ndarray, acc: np.ndarray, fs: float, kp: float = MAHONY_KP,
           ki: float = MAHONY_KI) -> np.ndarray:
    """Mahony complementary filter (Mahony, Hamel, Pflimlin 2008), 6-axis, with integral term."""
    dt = 1.0 / fs
    q0, q1, q2, q3 = _init_quat(acc[0])
    bx = by = bz = 0.0
    out = np.empty((len(gyr), 4))
    for i, (g, a) in enumerate(zip(gyr.tolist(), acc.tolist(), strict=True)):
        gx, gy, gz = g
        ax, ay, az = a
        n = math.sqrt(ax * ax + ay * ay + az * az)
        if n > 0:
            ax, ay, az = ax / n, ay / n, az / n
            # estimated gravity direction in the sensor frame (earth z seen from the sensor)
            vx = 2 * (q1 * q3 - q0 * q2)
            vy = 2 * (q0 * q1 + q2 * q3)
            vz = q0 * q0 - q1 * q1 - q2 * q2 + q3 * q3
            ex = ay * vz - az * vy
            ey = az * vx - ax * vz
            ez = ax * vy - ay * vx
            bx += ki * ex * dt
            by += ki * ey * dt
            bz += ki * ez * dt
            gx += kp * ex + bx
            gy += kp * ey + by
            gz += kp * ez + bz
        h = 0.5 * dt
        q0, q1, q2, q3 = (
            q0 + h * (-q1 * gx - q2 * gy - q3 * gz),
            q1 + h * (q0 * gx + q2 * gz - q3 * gy),
            q2 + h * (q0 * gy - q1 * gz + q3 * gx),
            q3 + h * (q0 * gz + q1 * gy - q2 * gx),
        )
        qn = math.sqrt(q0 * q0 + q1 * q1 + q2 * q2 + q3 * q3)
        q0, q1, q2, q3 = q0 / qn, q1 / qn, q2 / qn, q3 / qn
        out[i] = (q0, q1, q2, q3)
    return out


def kyphos_pipeline(gyr: np.ndarray, acc: np.ndarray, fs: float) -> np.ndarray:
    t = np.arange(len(gyr)) / fs
    p = prepare(t, acc, gyr, fs)
    return orientation_segments(p.gyr, p.acc, p.fs, p.segments)


METHODS = {
    "kyphos": kyphos_pipeline,
    "vqf_offline": orientation_offline,
    "vqf_online": orientation_online,
    "madgwick": madgwick,
    "mahony": mahony,
}


def broad_trial(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """One BROAD trial's IMU gyro (rad/s) and acc (m/s²), optical quaternions, movement mask
    and sampling rate, as the .mat holds them."""
    d = sio.loadmat(path)
    return (np.ascontiguousarray(d["imu_gyr"], float), np.ascontiguousarray(d["imu_acc"], float),
            np.asarray(d["opt_quat"], float), np.asarray(d["movement"]).ravel().astype(bool),
            float(np.asarray(d["sampling_rate"]).ravel()[0]))


def main(argv: list[str]) -> int:
    folder = Path(argv[1]) if len(argv) > 1 else BROAD
    files = sorted(folder.glob("*.mat"))
    if not files:
        print(f"no .mat files in {folder}", file=sys.stderr)
        return 1
    names = list(METHODS)
    rmse: dict[str, list[float]] = {k: [] for k in names}
    secs = dict.fromkeys(names, 0.0)
    total = 0
    print(f"{'trial':45s} " + " ".join(f"{k:>11s}" for k in names))
    for f in files:
        gyr, acc, q_opt, mov, fs = broad_trial(f)
        total += len(gyr)
        row = []
        for k in names:
            t0 = time.perf_counter()
            q = METHODS[k](gyr, acc, fs)
            secs[k] += time.perf_counter() - t0
            r = inclination_rmse_deg(q, q_opt, mov)
            rmse[k].append(r)
            row.append(r)
        print(f"{f.stem:45s} " + " ".join(f"{r:11.3f}" for r in row))
    print(f"{'mean inclination RMSE, deg':45s} " + " ".join(f"{np.mean(rmse[k]):11.3f}" for k in names))
    print(f"{'samples per second':45s} " + " ".join(f"{total / secs[k]:11.3g}" for k in names))
    ratio = np.mean(rmse["kyphos"]) / np.mean(rmse["vqf_offline"])
    print(f"kyphos / VQF offline mean RMSE ratio: {ratio:.3f} over {len(files)} trials, {total} samples")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
