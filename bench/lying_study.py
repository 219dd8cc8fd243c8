"""Flexion error while lying: what the chip's errors cost and what removing them would give.

For each (seed, rate) of the validation family (development seeds only: (validate_analysis.HELD_OUT_FROM and on) are held out
and refused) the flexion error is split into lying and not-lying samples (truth activity), for
the shipped analysis and for oracles that know the unit's drawn errors
(``kyphos.sim.validation.imu.ImuUnit``) and remove them from the accelerometer's samples
before the analysis:

* ``offset``: the true per-axis offset removed (scale and misalignment stay);
* ``acc``: offset, scale and misalignment removed (the 2 mg wander stays);
* ``gyro``: the gyro's scale and misalignment removed (what a gyro bridge could be at best);
* ``median_gyr``: the gyro's median over the recording removed before the analysis;

and a correction tried and not shipped, ``bridge`` (and ``gyro_bridge`` on the ``gyro``
oracle): each still lie turned by the direction of gravity carried into it from the still
upright posture before / after it by the gyro (VQF's bias removed), see
:func:`lie_corrections`. On validation 0–29 + 1000–1029 at 104 Hz (at a3ff33a) lying flexion
RMSE went 0.969 -> 1.067° (gain 0.5: 0.934°), and 0.870 -> 0.968° even with the gyro's gain
errors removed: over a 85–90° lie-down the gyro's scale (σ 0.6 %) and misalignment (σ 0.4°)
alone err by ~0.5–1°, as much as the accelerometer's error the bridge is meant to measure.

The analysis runs unchanged on each (its own offset estimate then finds what is left).
A variant ``turn_still`` measured here (the offset fit's still test reading gravity's turn rate
instead of the gyro's level, which holds the gyro's own offset: a unit reading ~3°/s at rest
had no still posture and no offset estimate — validation seed 16: 2.84°/s; 1004 and 1009:
3.1–3.4°/s) ships since 5bcc6ee as ``calibration.turn_rate``: "shipped" includes it.

    .venv/bin/python bench/lying_study.py --seeds 0-29 --rates 104 --jobs 2
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np
from kyphos.processing import calibration as cal
from kyphos.processing.orientation import quat_multiply

VARIANTS = ("shipped", "offset", "acc", "bridge", "gyro", "gyro_bridge", "median_gyr")


def _bridged_orientation(gyr: np.ndarray, acc: np.ndarray, fs: float, segments: np.ndarray,
                         params: Any = None) -> np.ndarray:
    """VQF offline per segment, then each still lie turned by its gyro bridge
    (:func:`lie_corrections`) with VQF's own gyro bias estimate."""
    from vqf import offlineVQF

    q = np.full((len(gyr), 4), np.nan)
    for s0, s1 in segments:
        if s1 - s0 < 2:
            continue
        o = offlineVQF(np.ascontiguousarray(gyr[s0:s1]), np.ascontiguousarray(acc[s0:s1]), None,
                       1.0 / fs, dict(params or {}))
        qs = np.asarray(o["quat6D"])
        t = np.arange(s1 - s0) / fs
        corr = lie_corrections(t, acc[s0:s1], gyr[s0:s1], np.asarray(o["bias"]), fs)
        q[s0:s1] = apply_corrections(qs, corr)
    return q


def _session(v: Any, acc: np.ndarray) -> Any:
    ses = v.to_session()
    ses.acc = acc
    return ses


# --- the gyro bridge (variant "bridge"): not shipped, see the module docstring -----------
#
# Inclination in still lies bridged from the upright posture by the gyroscope.
#
# VQF takes the specific force's direction for "up", so in a still lie the inclination converges
# to the accelerometer's direction there, offset and scale errors included; the upright
# calibration cancels those errors only near upright. Across the transition into (and out of)
# a lie, the rotation integrated from the bias-corrected gyro carries the direction of gravity
# seen in the still upright posture before (after) it into the lie: the difference between that
# predicted direction and the accelerometer's direction at the lie's start (end) is the
# accelerometer's direction error in the lie relative to the upright one. Each lie's orientation
# is turned by (a share of) it.

#: A still posture this far from the recording's median still posture is a lie (own choice:
#: lying is 75–95° from upright, held bends in the wearer's day at most ~60°).
LIE_MIN_DEG = 65.0
#: ... and one within this is upright enough to bridge from (own choice: sitting leaned back
#: or slouched stays within ~30° of standing).
UPRIGHT_MAX_DEG = 35.0
#: Longest bridge, s (own choice: a lie-down or sit-up takes 2–4 s; the gyro bias' error
#: grows with the time integrated).
MAX_BRIDGE_S = 8.0
#: Window at each end of the bridge the directions are averaged over, s (own choice).
END_S = 1.0
#: A bridge that disagrees with the accelerometer by more than this (deg) is not an offset
#: (a clip slip, a wrong bias): skipped.
MAX_CORR_DEG = 3.0
#: Consecutive lie postures within this angle (deg) are one lie (own choice).
SAME_LIE_DEG = 10.0
#: Share of the bridged correction applied (1: all of it).
GAIN = 1.0  # --bridge-gain


@dataclass
class LieCorrection:
    """Rows ``[r0, r1)`` of one lie and the rotation vector (sensor frame, rad) that turns
    the accelerometer's direction there into the bridged one; ``bridges``: how many ends."""

    r0: int
    r1: int
    rotvec: np.ndarray
    bridges: int


def integrate(gyr: np.ndarray, dt: float) -> np.ndarray:
    """``[w, x, y, z]`` of the body-frame rotation from (n, 3) rates (rad/s), the increments
    multiplied pairwise (log2 n vectorised steps, not n)."""
    rate = np.linalg.norm(gyr, axis=1)
    half = 0.5 * rate * dt
    ax = gyr / np.maximum(rate, 1e-12)[:, None]
    q = np.column_stack([np.cos(half), ax * np.sin(half)[:, None]])
    while len(q) > 1:
        if len(q) % 2:
            q = np.vstack([q, [1.0, 0.0, 0.0, 0.0]])
        q = quat_multiply(q[0::2], q[1::2])
    return q[0] if len(q) else np.array([1.0, 0.0, 0.0, 0.0])


def _rot_t(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``R(q)ᵀ v``: a direction fixed in the earth seen from the frame after rotation ``q``."""
    w, x, y, z = q
    r = np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
                  [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
                  [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)]])
    return r.T @ v


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _bridge(acc: np.ndarray, gyr: np.ndarray, bias: np.ndarray, fs: float,
            up_rows: tuple[int, int], lie_rows: tuple[int, int]) -> np.ndarray | None:
    """Rotation vector turning the lie's measured direction into the one bridged from the
    upright window, or None when the bridge disagrees by more than ``MAX_CORR_DEG``."""
    u_up = _unit(acc[up_rows[0]:up_rows[1]].mean(axis=0))
    u_lie = _unit(acc[lie_rows[0]:lie_rows[1]].mean(axis=0))
    mid_up, mid_lie = sum(up_rows) // 2, sum(lie_rows) // 2
    lo, hi = min(mid_up, mid_lie), max(mid_up, mid_lie)
    dq = integrate(gyr[lo:hi] - bias[lo:hi].mean(axis=0), 1.0 / fs)
    if mid_up > mid_lie:  # exit: the lie is before the upright window
        dq = dq * np.array([1.0, -1.0, -1.0, -1.0])
    pred = _rot_t(dq, u_up)
    axis = np.cross(u_lie, pred)
    ang = float(np.arctan2(np.linalg.norm(axis), float(u_lie @ pred)))
    if np.degrees(ang) > MAX_CORR_DEG:
        return None
    n = float(np.linalg.norm(axis))
    return axis / n * ang if n > 1e-12 else np.zeros(3)


def lie_corrections(time: np.ndarray, acc: np.ndarray, gyr: np.ndarray, bias: np.ndarray,
                    fs: float, valid: np.ndarray | None = None) -> list[LieCorrection]:
    """One correction per still lie bridged from a still upright posture at its start or end
    (``bias``: (N, 3) the gyro's bias estimate, rad/s, e.g. VQF's)."""
    means, _dur, spans = cal.still_spans(time, acc, gyr, fs, valid)
    if len(spans) < 2:
        return []
    u = _unit(means)
    up0 = _unit(np.median(u, axis=0))
    tilt = np.degrees(np.arccos(np.clip(u @ up0, -1.0, 1.0)))
    lie = tilt > LIE_MIN_DEG
    w = max(1, int(round(END_S * fs)))
    gap = int(round(MAX_BRIDGE_S * fs))
    out: list[LieCorrection] = []
    k = 0
    while k < len(spans):  # per still posture (a few hundred in a day)
        if not lie[k]:
            k += 1
            continue
        j = k  # the lie's last still posture: consecutive lie postures of the same direction
        while j + 1 < len(spans) and lie[j + 1] and u[j + 1] @ u[j] > np.cos(np.radians(SAME_LIE_DEG)):
            j += 1
        rv = []
        if k > 0 and tilt[k - 1] < UPRIGHT_MAX_DEG and spans[k, 0] - spans[k - 1, 1] <= gap:
            a1 = int(spans[k - 1, 1])
            l0 = int(spans[k, 0])
            rv.append(_bridge(acc, gyr, bias, fs, (max(int(spans[k - 1, 0]), a1 - w), a1),
                              (l0, min(int(spans[k, 1]), l0 + w))))
        if j + 1 < len(spans) and tilt[j + 1] < UPRIGHT_MAX_DEG \
                and spans[j + 1, 0] - spans[j, 1] <= gap:
            l1 = int(spans[j, 1])
            a0 = int(spans[j + 1, 0])
            rv.append(_bridge(acc, gyr, bias, fs, (a0, min(int(spans[j + 1, 1]), a0 + w)),
                              (max(int(spans[j, 0]), l1 - w), l1)))
        ok = [r for r in rv if r is not None]
        if ok:
            out.append(LieCorrection(int(spans[k, 0]), int(spans[j, 1]),
                                     GAIN * np.mean(ok, axis=0), len(ok)))
        k = j + 1
    return out


def apply_corrections(quat: np.ndarray, corrections: list[LieCorrection]) -> np.ndarray:
    """Turn each lie's orientation (in place) so that the earth's up, seen from the sensor,
    moves by the correction's rotation: ``q ⊗ d⁻¹`` over the lie's rows."""
    for c in corrections:  # one per lie
        ang = float(np.linalg.norm(c.rotvec))
        if ang == 0.0:
            continue
        ax = c.rotvec / ang
        d_inv = np.r_[np.cos(ang / 2), -ax * np.sin(ang / 2)]
        quat[c.r0:c.r1] = quat_multiply(quat[c.r0:c.r1], np.broadcast_to(d_inv, (c.r1 - c.r0, 4)))
    return quat


_ORIG: Any = None


def run(job: tuple[int, float, tuple[str, ...]]) -> dict[str, Any]:
    global _ORIG
    import kyphos.analysis as an
    from kyphos.analysis import analyze
    from kyphos.sim.validation import generate

    if _ORIG is None:
        _ORIG = an.orientation_segments

    seed, fs, variants = job
    v = generate(seed, fs)
    u = v.unit
    tr = v.truth
    out: dict[str, Any] = {"seed": seed, "fs": fs}
    for name in variants:
        an.orientation_segments = _bridged_orientation if "bridge" in name else _ORIG
        if name in ("shipped", "bridge"):
            ses = v.to_session()
        elif name == "median_gyr":
            ses = v.to_session()
            ses.gyr = v.gyr - np.median(v.gyr, axis=0)
        elif name in ("gyro", "gyro_bridge"):
            ses = v.to_session()
            ses.gyr = v.gyr @ np.linalg.inv(u.gyr_gain).T
        elif name == "offset":
            ses = _session(v, v.acc - u.acc_bias)
        elif name == "acc":
            ses = _session(v, (v.acc - u.acc_bias) @ np.linalg.inv(u.acc_gain).T)
        else:
            raise ValueError(name)
        a = analyze(ses)
        ang = a.angles
        ok = ang.valid
        tt = ang.time[ok]
        e = np.degrees(ang.flexion[ok] - np.interp(tt, tr.time, tr.flexion))
        lie = tr.activity_names[np.clip(np.searchsorted(tr.time, tt), 0, len(tr.time) - 1)] == "lying"
        out[name] = (float(np.sum(e[lie] ** 2)), int(lie.sum()), float(np.sum(e[~lie] ** 2)),
                     int((~lie).sum()))
    return out


def _rms(rows: list[dict[str, Any]], name: str, part: str) -> float:
    s = n = 0.0
    for r in rows:
        ls, ln, us, un = r[name]
        s += {"lie": ls, "up": us, "all": ls + us}[part]
        n += {"lie": ln, "up": un, "all": ln + un}[part]
    return float(np.sqrt(s / n)) if n else float("nan")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="0-29")
    ap.add_argument("--rates", default="104")
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--per-seed", action="store_true")
    ap.add_argument("--bridge-gain", type=float, default=1.0,
                    help="share of each bridged correction applied (variant bridge)")
    args = ap.parse_args(argv[1:])
    from validate_analysis import development_seeds, run_jobs

    seeds = development_seeds(args.seeds)
    variants = tuple(args.variants.split(","))
    global GAIN
    GAIN = args.bridge_gain
    jobs = [(s, float(fs), variants) for fs in args.rates.split(",") for s in seeds]
    rows = run_jobs(run, jobs, args.jobs)
    if args.per_seed:
        for r in rows:
            print(f"seed {r['seed']:5d} fs {r['fs']:4.0f} lying RMSE " + "  ".join(
                f"{k} {np.sqrt(r[k][0] / r[k][1]) if r[k][1] else float('nan'):.2f}"
                for k in variants))
    print(f"seeds {args.seeds}, rates {args.rates}: flexion RMSE, deg (pooled)")
    print(f"{'variant':10s} {'all':>7s} {'lying':>7s} {'not lying':>9s}")
    for k in variants:
        print(f"{k:10s} {_rms(rows, k, 'all'):7.3f} {_rms(rows, k, 'lie'):7.3f} "
              f"{_rms(rows, k, 'up'):9.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
