"""A CSV recording for the validity tests: 120 s at 104 Hz (SI, kyphos frame), an opening
calibration and 6 lifts, written as a user's CSV file would be."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from kyphos.processing.synthetic import lift_session, mounting

HEADER = "t_s,ax,ay,az,gx,gy,gz"


def lift_arrays() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(time, acc, gyr) of the session."""
    s = lift_session(120, 104, n_lifts=6, mount=mounting(5, 10, 0), seed=3)
    return s.time, s.acc, s.gyr


def write_csv(path: Path, t: np.ndarray, acc: np.ndarray, gyr: np.ndarray) -> Path:
    np.savetxt(path, np.column_stack([t, acc, gyr]), delimiter=",", header=HEADER, comments="",
               fmt="%.7g")
    return path
