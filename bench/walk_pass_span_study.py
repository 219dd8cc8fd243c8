"""Where the walk pass (``analysis.walk_angles``) changes the angles: per angle, the largest
change on the rows ``walk_tilt`` changed and outside them ± 2 s. This decides how a cheaper
splice of the third angle pass could work (SPEED4's handoff).

Usage: PYTHONPATH=host .venv/bin/python bench/walk_pass_span_study.py [SEEDS]  (validation
development seeds only, default 0,1000,1001; 104 Hz)
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
from kyphos import analysis
from kyphos.processing import activity as act
from kyphos.processing.orientation import walk_tilt
from kyphos.sim.validation import generate

FIELDS = ("flexion", "lateral", "axial", "flexion_velocity", "lateral_velocity", "axial_velocity")


def main(argv: list[str]) -> int:
    seeds = [int(s) for s in (argv[1] if len(argv) > 1 else "0,1000,1001").split(",")]
    from validate_analysis import HELD_OUT_FROM
    if any(s >= HELD_OUT_FROM for s in seeds):
        raise SystemExit(f"validation seeds >= {HELD_OUT_FROM} are held out")
    fs = 104.0
    cap: dict[str, Any] = {}
    orig = analysis.walk_angles

    def spy(p: Any, quat: np.ndarray, c: Any, rerefs: Any, activity: Any) -> Any:
        cap["old"] = analysis._angles_of(p, quat, c, rerefs)
        qw = walk_tilt(quat, p.gyr, p.acc, p.fs, p.segments,
                       activity.kind == act.KINDS.index("walking"), activity.still)
        cap["changed"] = None if qw is None else np.any(qw != quat, axis=1)
        cap["new"] = orig(p, quat, c, rerefs, activity)
        return cap["new"]

    analysis.walk_angles = spy  # type: ignore[assignment]
    for seed in seeds:
        analysis.analyze(generate(seed, fs).to_session())
        if cap["new"] is None:
            print(seed, "no bout changed")
            continue
        ch = cap["changed"]
        near = np.convolve(ch.astype(float), np.ones(int(4 * fs) + 1), "same") > 0
        for f in FIELDS:
            d = np.nan_to_num(np.abs(np.degrees(getattr(cap["new"], f) - getattr(cap["old"], f))))
            print(f"seed {seed} {f:17s} changed rows {100 * ch.mean():4.1f} %: max |Δ| there "
                  f"{d[ch].max():.4f}, outside ±2 s {d[~near].max() if (~near).any() else 0:.2e}"
                  " (deg or deg/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
