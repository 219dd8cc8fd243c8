"""Trace: development set 28010's flexion miss (validation family; 2.14-2.17 deg at every rate in
held-out run 27; issue 15, flexion; role TRACE8A, eighteenth session).

Usage (kept inputs from bench/slip_motion_study.py --part record):
    PYTHONPATH=$PWD/host .venv/bin/python bench/slip_motion_study.py --part record \
        --seeds 28010 --rates 52,104,208 --jobs 1 --cache /tmp/t8a/cache
    PYTHONPATH=$PWD/host .venv/bin/python bench/flexion_worst.py --seeds 28010 --rates 104 \
        --worst 1 --cache /tmp/t8a/fw
    PYTHONPATH=$PWD/host .venv/bin/python bench/trace7_study.py --part votes --seeds 28010 \
        --rates 52,104,208 --cache /tmp/t8a/cache
    PYTHONPATH=$PWD/host .venv/bin/python bench/trace8a_study.py --part gaps --seeds 28010 \
        --rates 52,104,208 --cache /tmp/t8a/cache
    PYTHONPATH=$PWD/host .venv/bin/python bench/trace8a_study.py --part variants --out /tmp/t8a
    PYTHONPATH=$PWD/host .venv/bin/python bench/slipone_study.py --seeds 28010 \
        --rates 52,104,208 --cache /tmp/t8a/cache \
        --variants file:/tmp/t8a/varF10.py,file:/tmp/t8a/varF15.py,file:/tmp/t8a/varF20.py

Part ``gaps``: ``find_slips`` replayed (as bench/slip_override_trace.py: motion rows, no walking
pass) with ``place_slip``'s locals kept where its tie ``ks`` is formed; per placement, each tied
place's moving stretch: the kinds either side, the plain reading (``clipslip._gap_reading``: the
best window's residual as a fraction of the change, its linear acceleration) and the detrended
reading (``clipslip._detrended_place``'s residual: the window's turn less the trunk's turn, the
mean rate over a flank either side times the window) with flanks of 0.30 s (shipped: half of
``SLIP_MOTION_S``), 0.20, 0.15 and 0.10 s, each with the time of its best window; then the truth
events near the truth slip.

Part ``variants``: writes replay variants of ``processing/clipslip.py`` as the base commit
0f382bf had it, for ``slipone_study.py --variants``: ``varF10.py``, ``varF15.py``,
``varF20.py``: ``_detrended_place`` reads the trunk's own rate over flanks of 0.10 / 0.15 /
0.20 s either side of the window; ``varF30.py``: half the window (0.30 s), the base itself.
The worktree's ``clipslip.py`` (TRACE8A) reads each stretch with both 0.30 and
``SLIP_FLANK_S`` (0.15) flanks and scores it by the worse reading.

Measured (TRACE8A, 2026-12-07, host = 0f382bf's analysis; the study note in
/work/handoff/TRACE8A.md): 28010 is a 7.6-deg slip made early in a lie-down (214.3 s), then a
24-s lie (no vote) and the get-up; the sit before votes old, the tie is the lie-down and the
get-up, no plain reading passes (1.06 of the change; 0.02 at 0.39 m/s^2), and the detrended
reading took the get-up: a smooth 2.5-s bell of rate to 58 deg/s about the slip's axis whose peak
reads 0.12 of the change with 0.3-s flanks (the truth's stretch 0.22), 26.6 s late at 52/104/208.
Flanks 0.30 / 0.20 / 0.15 / 0.10 s: get-up 0.12 / 0.30 / 0.40 / 0.51, truth 0.22 / 0.19 / 0.16 /
0.12 (@104). Replays against 0f382bf: varF15 alone makes 27006 worse (0.661 -> 0.726); the
shipped reading (both flanks, the worse scores, the half-window rows) changes only 28010 in 600
sessions @104, 210 @52 and 93 @208 (2.17 -> 0.58 deg).
"""

from __future__ import annotations

import os
import sys
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from kyphos.processing import clipslip as cs  # noqa: E402

_FLANK_OLD = "    nb = max(1, n // 2)\n"  # before TRACE8A
BASE = "0f382bf"  # the session's base commit: the variants are made from its clipslip.py
FLANKS = (None, 0.20, 0.15, 0.10)  # None: the shipped half window


def detrended(motion: cs.Motion, g0: int, g1: int, m_old: np.ndarray, m_new: np.ndarray,
              still: np.ndarray | None, flank_s: float | None) -> tuple[float, int]:
    """``clipslip._detrended_place``'s reading of one stretch [g0, g1) with a flank of
    ``flank_s`` (None: the shipped n // 2): the smallest residual as a fraction of the wanted
    turn, and the first row of its window."""
    fs = motion[1]
    n = max(2, int(round(cs.SLIP_MOTION_S * fs)))
    nb = max(1, n // 2) if flank_s is None else max(1, int(round(flank_s * fs)))
    want = cs._wanted_turn(m_old, m_new)
    got = cs._detrended_read(motion, g0, g1, nb, want, m_old[:, 2], still)
    if got is None:
        return float("inf"), g0
    return got[0] / max(float(np.linalg.norm(want)), 1e-12), got[3]

def gaps_table(r: dict[str, Any]) -> list[str]:
    """Per placement: each tied place's plain and detrended readings (module docstring)."""
    import slip_override_trace as sot

    inner, seen = sot.spied()
    orig = cs.place_slip
    cs.place_slip = inner
    t = r["time"]
    try:
        out = cs.find_slips(r["refs"], r["m"], t, r["still"], r["probes"],
                            (lambda a0, a1: (r["gyr"][a0:a1], r["acc"][a0:a1]), r["fs"]))
    finally:
        cs.place_slip = orig
    lines = [f"seed {r['seed']} @{r['fs']:g}: truth slips {[round(x, 1) for x in r['slips']]}; "
             f"re-referenced at {[round(x.t_s, 1) for x in out]}"]
    for d in seen:
        motion = d["motion"]
        if motion is None:
            continue
        seq, lo = d["seq"], d["lo"]
        m_old, m_new = d["m_old"], d["m_new"]
        want = cs._wanted_turn(m_old, m_new)
        lines.append(f" place_slip {t[lo]:.1f}-{t[min(d['hi'], len(t) - 1)]:.1f}: slip "
                     f"{np.degrees(np.linalg.norm(want)):.1f} deg (about the body vertical left "
                     f"out), tie {d['ks'].tolist()}, by_turn_only {d['by_turn_only']}")
        for k in d["ks"]:
            g0 = seq[k - 1].i1 if k else lo
            g1 = seq[k].i0
            f = cs._gap_reading(motion, g0, g1, m_old, m_new, d["still"], want)
            s = (f"   k={k:3d} {seq[k - 1].kind if k else '(start)':8s} -> {seq[k].kind:8s} "
                 f"{t[g0]:6.1f}-{t[min(g1, len(t) - 1)]:6.1f} s")
            if f is not None:
                s += f"  plain {f[2] / max(f[5], 1e-9):.2f} at {t[f[0]]:.2f} lin {f[4]:.2f}"
            for fl in FLANKS:
                e, i0 = detrended(motion, g0, g1, m_old, m_new, d["still"], fl)
                s += f"  det[{'0.30' if fl is None else f'{fl:.2f}'}] {e:.2f} at {t[min(i0, len(t) - 1)]:.2f}"
            lines.append(s)
    import slip_motion_study as sms

    lines += [sms.events_near(r, s0, 40.0) for s0 in r["slips"]]
    return lines


def write_variants(out: str) -> None:
    """varF10.py, varF15.py, varF20.py, varF30.py in ``out`` (module docstring), from
    ``clipslip.py`` as the base commit had it (``git show BASE:...``: the worktree's carries the
    shipped two-flank reading)."""
    import subprocess

    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    src = subprocess.run(["git", "-C", root, "show", f"{BASE}:host/kyphos/processing/clipslip.py"],
                         check=True, capture_output=True, text=True).stdout
    if src.count(_FLANK_OLD) != 1:
        raise SystemExit("clipslip._detrended_place changed: update the variant anchor")
    os.makedirs(out, exist_ok=True)
    for name, fl in (("varF10", "0.10"), ("varF15", "0.15"), ("varF20", "0.20"), ("varF30", None)):
        line = _FLANK_OLD if fl is None else f"    nb = max(1, int(round({fl} * fs)))  # {name}\n"
        with open(os.path.join(out, f"{name}.py"), "w") as f:
            f.write(src.replace(_FLANK_OLD, line))


def main(argv: list[str]) -> int:
    import slip_motion_study as sms

    ap = sms.trace_parser(__doc__, ("gaps", "variants"), "28010", "/tmp/t8a/cache",
                          out="/tmp/t8a")
    return sms.trace_tables(ap.parse_args(argv), write_variants, gaps_table)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
