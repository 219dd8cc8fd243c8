"""Generic CSV input, so that data from any IMU can be analysed.

Format: a header line naming at least ``t_s,ax,ay,az,gx,gy,gz`` (any order, extra columns
ignored, an optional ``haptic`` column of 0/1), then one sample per line; ``#`` starts a
comment. Time in seconds, accelerometer in m/s² and gyroscope in rad/s unless told otherwise
(``acc_unit="g"``, ``gyr_unit="deg/s"``, ``time_unit="ms"``). Axes must already be in the kyphos
sensor frame (x towards the head, y to the wearer's left, z out of the back) — or use
``calibration="auto"`` in the analysis, which finds the mounting from the data.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from kyphos.errors import RecordingError
from kyphos.session import Session

REQUIRED = ("t_s", "ax", "ay", "az", "gx", "gy", "gz")
ACC_UNITS = {"m/s2": 1.0, "m/s^2": 1.0, "g": 9.80665, "mg": 9.80665e-3}
GYR_UNITS = {"rad/s": 1.0, "deg/s": math.pi / 180.0, "dps": math.pi / 180.0}
TIME_UNITS = {"s": 1.0, "ms": 1e-3, "us": 1e-6}


def _first_bad_line(lines: list[str], first: int, cols: list[int]) -> tuple[int, str]:
    """(line number, reason) of the first line that does not parse (error path only)."""
    for k, line in enumerate(lines[first:], start=first + 1):
        s = line.split("#", 1)[0].strip()
        if not s:
            continue
        parts = s.split(",")
        if len(parts) <= max(cols):
            return k, f"expected at least {max(cols) + 1} columns, found {len(parts)}"
        for c in cols:
            try:
                v = float(parts[c])
            except ValueError:
                return k, f"bad number {parts[c].strip()!r}"
            if not math.isfinite(v):
                return k, f"non-finite value {parts[c].strip()!r}"
    return 0, "unreadable"


def load_csv(
    path: str | os.PathLike[str],
    *,
    acc_unit: str = "m/s2",
    gyr_unit: str = "rad/s",
    time_unit: str = "s",
    fs: float | None = None,
) -> Session:
    """Read a CSV file of IMU samples as a :class:`~kyphos.session.Session`.

    Args:
        path: the file.
        acc_unit: "m/s2" (default), "g" or "mg".
        gyr_unit: "rad/s" (default) or "deg/s".
        time_unit: unit of the ``t_s`` column: "s" (default), "ms" or "us".
        fs: nominal sample rate in Hz; estimated from the timestamps when None.

    Raises:
        RecordingError: missing file or columns, bad numbers (naming the line), unknown unit,
            fewer than two samples, time going backwards.
    """
    p = Path(path)
    for name, unit, table in (
        ("acc_unit", acc_unit, ACC_UNITS), ("gyr_unit", gyr_unit, GYR_UNITS),
        ("time_unit", time_unit, TIME_UNITS),
    ):
        if unit not in table:
            raise RecordingError(f"unknown {name} {unit!r}: use one of {', '.join(table)}")
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise RecordingError(f"cannot read {p}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise RecordingError(f"{p} is not a text CSV file") from exc
    lines = text.splitlines()
    hdr_idx = next((i for i, ln in enumerate(lines) if ln.split("#", 1)[0].strip()), None)
    if hdr_idx is None:
        raise RecordingError(f"{p} is empty")
    header = [h.strip().lower() for h in lines[hdr_idx].split("#", 1)[0].split(",")]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise RecordingError(
            f"{p}: line {hdr_idx + 1}: missing column(s) {', '.join(missing)} "
            f"(need {','.join(REQUIRED)})"
        )
    cols = [header.index(c) for c in REQUIRED]
    hap_col = header.index("haptic") if "haptic" in header else None
    use = cols + ([hap_col] if hap_col is not None else [])
    try:
        data = np.loadtxt(
            lines[hdr_idx + 1 :], delimiter=",", usecols=use, comments="#", ndmin=2, dtype=float
        )
    except ValueError:
        k, why = _first_bad_line(lines, hdr_idx + 1, use)
        raise RecordingError(f"{p}: line {k}: {why}") from None
    if not np.all(np.isfinite(data)):
        k, why = _first_bad_line(lines, hdr_idx + 1, use)
        raise RecordingError(f"{p}: line {k}: {why}")
    if len(data) < 2:
        raise RecordingError(f"{p}: fewer than two samples")
    t = data[:, 0] * TIME_UNITS[time_unit]
    back = np.flatnonzero(np.diff(t) <= 0)
    if len(back):
        # report the file line of the offending sample
        data_lines = [i for i in range(hdr_idx + 1, len(lines)) if lines[i].split("#", 1)[0].strip()]
        raise RecordingError(
            f"{p}: line {data_lines[back[0] + 1] + 1}: time does not increase "
            f"({t[back[0]]:.6g} s then {t[back[0] + 1]:.6g} s)"
        )
    t0 = float(t[0])
    time = t - t0
    return Session(
        time=time,
        acc=data[:, 1:4] * ACC_UNITS[acc_unit],
        gyr=data[:, 4:7] * GYR_UNITS[gyr_unit],
        fs=float(fs) if fs else 1.0 / float(np.median(np.diff(time))),
        haptic=(data[:, 7] != 0) if hap_col is not None else np.zeros(len(t), bool),
        header={"source": "csv", "t0_s": t0, "acc_unit": acc_unit, "gyr_unit": gyr_unit},
        path=p,
    )


def write_csv(path: str | Path, session: Session) -> None:
    """Write a session's IMU samples in the CSV format above (SI units)."""
    arr = np.column_stack([session.time, session.acc, session.gyr, session.haptic.astype(int)])
    np.savetxt(
        path, arr, delimiter=",", header=",".join((*REQUIRED, "haptic")), comments="",
        fmt=["%.6f"] + ["%.6g"] * 6 + ["%d"],
    )
