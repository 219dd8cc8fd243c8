"""Generic CSV input, so that data from any IMU can be analysed.

Format: a header line naming at least ``t_s,ax,ay,az,gx,gy,gz`` (any order, extra columns
ignored, an optional ``haptic`` column of 0/1), then one sample per line; ``#`` starts a
comment. Units and axes are what the keywords say (``acc_unit="g"``, ``gyr_unit="deg/s"``,
``time_unit="ms"``, ``axes="-x,-y,z"``); a keyword left out is read from the data
(:mod:`kyphos.recording.units`: gravity at rest, the sample step, the gyroscope against the
accelerometer, which axis is up at rest and which way the forward bends go) when the evidence is
unambiguous — the session's ``header["notes"]`` says what was inferred — else the loader stops
with a one-line :class:`~kyphos.errors.RecordingError` naming the flag to give (for axes that
cannot be told, ``header["axes_doubt"]`` says why and the analysis stops instead, so that the
samples can still be loaded and inspected). Without
evidence, s, m/s², rad/s and the kyphos sensor frame (x towards the head, y to the wearer's left,
z out of the back) are assumed. Gaps: sample steps longer than 1.5 median steps, the same rule
as for .kyr recordings (:func:`kyphos.recording.quality.find_gaps`).
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from kyphos.errors import RecordingError
from kyphos.recording import units
from kyphos.recording.quality import find_gaps
from kyphos.recording.units import ACC_UNITS, GYR_UNITS, TIME_UNITS
from kyphos.session import Session

REQUIRED = ("t_s", "ax", "ay", "az", "gx", "gy", "gz")


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
                return k, (f"bad number {parts[c].strip()!r}: fix or delete that row (every "
                           "value must be a number)")
            if not math.isfinite(v):
                return k, (f"non-finite value {parts[c].strip()!r}: delete that row, or cut the "
                           "file where the sensor dropped out")
    return 0, "unreadable"


def load_csv(
    path: str | os.PathLike[str],
    *,
    acc_unit: str | None = None,
    gyr_unit: str | None = None,
    time_unit: str | None = None,
    axes: str | None = None,
    fs: float | None = None,
) -> Session:
    """Read a CSV file of IMU samples as a :class:`~kyphos.session.Session`.

    Args:
        path: the file.
        acc_unit: "m/s2", "g" or "mg"; None: from the data (gravity at rest).
        gyr_unit: "rad/s" or "deg/s"; None: from the data (gyroscope against accelerometer).
        time_unit: unit of the ``t_s`` column: "s", "ms" or "us"; None: from the data.
        axes: the file's signed axes that point along kyphos x, y, z, e.g. "-x,-y,z" (see
            :func:`kyphos.recording.units.parse_axes`); None: from the data.
        fs: nominal sample rate in Hz; estimated from the timestamps when None.

    Raises:
        RecordingError: missing file or columns, bad numbers (naming the line), unknown unit,
            fewer than two samples, time going backwards, units or axes that the data
            contradict or that the data cannot tell (naming the flag to give).
    """
    p = Path(path)
    for name, unit, table in (
        ("acc_unit", acc_unit, ACC_UNITS), ("gyr_unit", gyr_unit, GYR_UNITS),
        ("time_unit", time_unit, TIME_UNITS),
    ):
        if unit is not None and unit not in table:
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
        raise RecordingError(f"{p} is empty: nothing was recorded in it; give a CSV with a "
                             "header t_s,ax,ay,az,gx,gy,gz and one row per sample")
    header = [h.strip().lower() for h in lines[hdr_idx].split("#", 1)[0].split(",")]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raw = lines[hdr_idx]
        sep = next((n for d, n in ((";", "semicolons"), ("\t", "tabs")) if d in raw and "," not in raw),
                   None)
        fix = (f"the values are separated by {sep}: kyphos reads comma-separated files; save "
               "it as CSV with commas" if sep else f"need {','.join(REQUIRED)}")
        raise RecordingError(
            f"{p}: line {hdr_idx + 1}: missing column(s) {', '.join(missing)} ({fix})"
        )
    cols = [header.index(c) for c in REQUIRED]
    hap_col = header.index("haptic") if "haptic" in header else None
    use = cols + ([hap_col] if hap_col is not None else [])
    body = lines[hdr_idx + 1 :]
    if not any(ln.split("#", 1)[0].strip() for ln in body):
        raise RecordingError(f"{p}: no samples after the header (need at least two)")
    try:
        data = np.loadtxt(body, delimiter=",", usecols=use, comments="#", ndmin=2, dtype=float)
    except ValueError:
        k, why = _first_bad_line(lines, hdr_idx + 1, use)
        raise RecordingError(f"{p}: line {k}: {why}") from None
    if not np.all(np.isfinite(data)):
        k, why = _first_bad_line(lines, hdr_idx + 1, use)
        raise RecordingError(f"{p}: line {k}: {why}")
    if len(data) < 2:
        raise RecordingError(f"{p}: fewer than two samples")
    t_raw = data[:, 0]
    back = np.flatnonzero(np.diff(t_raw) <= 0)
    if len(back):
        # report the file line of the offending sample
        data_lines = [i for i in range(hdr_idx + 1, len(lines)) if lines[i].split("#", 1)[0].strip()]
        raise RecordingError(
            f"{p}: line {data_lines[back[0] + 1] + 1}: time does not increase "
            f"({t_raw[back[0]]:.6g} then {t_raw[back[0] + 1]:.6g}): sort the rows by time and "
            "drop repeated times"
        )
    chk = units.check_units(t_raw, data[:, 1:4], data[:, 4:7], time_unit=time_unit,
                            acc_unit=acc_unit, gyr_unit=gyr_unit, where=str(p))
    t = t_raw * TIME_UNITS[chk.time_unit]
    t0 = float(t[0])
    time = t - t0
    acc = data[:, 1:4] * ACC_UNITS[chk.acc_unit]
    gyr = data[:, 4:7] * GYR_UNITS[chk.gyr_unit]
    rate = float(fs) if fs else 1.0 / float(np.median(np.diff(time)))
    notes = list(chk.notes)
    doubt = ""
    perm: np.ndarray | None = None
    if axes is not None:
        perm = units.parse_axes(axes)
        units.check_axes(acc @ perm.T, axes)
    else:
        guess = units.detect_axes(time, acc, rate)
        perm, doubt = guess.perm, guess.doubt
        if guess.note:
            notes.append(guess.note)
    if perm is not None:
        acc = acc @ perm.T
        gyr = gyr @ perm.T
        chk.axes = units.axes_spec(perm)
    return Session(
        time=time,
        acc=acc,
        gyr=gyr,
        fs=rate,
        haptic=(data[:, 7] != 0) if hap_col is not None else np.zeros(len(t), bool),
        gaps=find_gaps(time, 1.0 / rate),
        header={"source": "csv", "t0_s": t0, "time_unit": chk.time_unit,
                "acc_unit": chk.acc_unit, "gyr_unit": chk.gyr_unit, "axes": chk.axes,
                "notes": notes, "axes_doubt": doubt},
        path=p,
    )


def write_csv(path: str | Path, session: Session) -> None:
    """Write a session's IMU samples in the CSV format above (SI units)."""
    arr = np.column_stack([session.time, session.acc, session.gyr, session.haptic.astype(int)])
    np.savetxt(
        path, arr, delimiter=",", header=",".join((*REQUIRED, "haptic")), comments="",
        fmt=["%.6f"] + ["%.6g"] * 6 + ["%d"],
    )
