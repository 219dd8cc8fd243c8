"""Gaps and damage of a recording, counted one way for ``info``, ``analyze`` and the report.

A *gap* is a stretch with lost samples: a sample step longer than ``GAP_STEPS`` nominal periods
(the .kyr loader also adds FIFO overruns and reboots, :mod:`kyphos.recording.load` step 7; CSV
files use :func:`find_gaps`). *Damage* is a stretch of the file's bytes that could not be read
(``Session.damage``: torn tail, corrupt records). :func:`data_quality` turns both into the one
summary every command prints, so no two commands disagree about the same file.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: A step longer than this many nominal sample periods is a gap (as in the .kyr loader).
GAP_STEPS = 1.5


def find_gaps(time: np.ndarray, period_s: float) -> np.ndarray:
    """(G, 2) start/end in s of the steps longer than ``GAP_STEPS`` periods."""
    t = np.asarray(time, float)
    if len(t) < 2 or not period_s > 0:
        return np.zeros((0, 2))
    i = np.flatnonzero(np.diff(t) > GAP_STEPS * period_s)
    return np.column_stack([t[i], t[i + 1]])


def data_quality(session: Any) -> dict[str, Any]:
    """``{"gaps": [[t0, t1], …], "gap_count", "gap_total_s", "damage": [{offset, length, kind,
    reason}, …], "damage_count", "damaged_bytes"}`` of a session (times in s): the loader's gaps
    (``Session.gaps``), or for a session built without them, :func:`find_gaps` on its time."""
    gaps = np.asarray(session.gaps, float).reshape(-1, 2)
    if len(gaps) == 0 and session.fs:  # a session built in Python: the same step rule
        gaps = find_gaps(session.time, 1.0 / float(session.fs))
    damage = [
        {"offset": int(d.offset), "length": int(d.length), "kind": d.kind, "reason": d.reason}
        for d in session.damage
    ]
    return {
        "gaps": np.round(gaps, 6).tolist(),  # µs: the device clock's resolution
        "gap_count": len(gaps),
        "gap_total_s": round(float(np.sum(gaps[:, 1] - gaps[:, 0])), 6),
        "damage": damage,
        "damage_count": len(damage),
        "damaged_bytes": sum(d["length"] for d in damage),
    }


def describe(q: dict[str, Any]) -> str:
    """One line: "gaps N (T s lost), damage none | K stretch(es), B bytes unreadable"."""
    gaps = (f"gaps {q['gap_count']} ({q['gap_total_s']:.3f} s in all)" if q["gap_count"]
            else "gaps none")
    dmg = (f"damage {q['damage_count']} stretch(es), {q['damaged_bytes']:,} bytes unreadable"
           if q["damage_count"] else "damage none")
    return f"{gaps}; {dmg}"
