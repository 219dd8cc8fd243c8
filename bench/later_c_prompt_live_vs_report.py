"""Live vs report for a lift made during a later ``c``'s prompt, before its guided bend.

Usage:
    PYTHONPATH=$PWD/host .venv/bin/python bench/later_c_prompt_live_vs_report.py 0 2 7 ...

Per validation reclip session (``generate(seed, reclip=True)``, blocks lifts + lifts, 104 Hz):
the first truth lift after the re-clip's calibration bend whose trunk bends less than 33° (no
forward excursion, so not taken for a guided bend) is found; ``kyphos live`` replays the
session (:class:`kyphos.views.live.LiveSession`) with ``c`` at the first guided upright and
again 0.8 s before that shallow lift. The lift is then made during the second prompt, and the
next deep bend is taken as that ``c``'s bend (its note carries it). Printed per session: the
closed-bend knee drop and style of the lifts between the second ``c``'s upright and its bend,
live and in the report of the live recording; pooled: |live − report| of the closed drop and
how many styles agree. Validation seeds (validate_analysis.HELD_OUT_FROM and on) are refused.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np


def main(seeds: list[int]) -> int:
    import kyphos
    import kyphos.views.live_state as ls
    from kyphos.analysis import analyze
    from kyphos.recording.kyr import new_header, read_kyr
    from kyphos.sim.validation import generate
    from kyphos.sim.validation.generate import write_counts_kyr
    from kyphos.views.live import LiveSession

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from validate_analysis import HELD_OUT_FROM

    if any(s >= HELD_OUT_FROM for s in seeds):
        sys.exit(f"validation seeds >= {HELD_OUT_FROM} are held out")
    got: list[Any] = []  # the live Lift of each counted lift
    real = ls._info
    ls._info = lambda n, lf: (got.append(lf), real(n, lf))[1]  # type: ignore[assignment]
    diffs: list[float] = []
    n_same = n_all = 0
    for seed in seeds:
        v = generate(seed, fs=104.0, blocks=("lifts", "lifts"), reclip=True)
        rc, tr = v.script.reclip.calibration, v.truth
        fl = np.degrees(tr.flexion)
        cand = [lf for lf in tr.lifts if lf.start > rc["bend"][1] + 3
                and np.nanmax(fl[(tr.time >= lf.start) & (tr.time <= lf.end)]) < 33]
        if not cand:
            print(seed, "no shallow lift after the re-clip", flush=True)
            continue
        t_c2 = cand[0].start - 0.8
        d = Path(tempfile.mkdtemp())
        write_counts_kyr(d / "s.kyr", np.column_stack([v.acc_counts, v.gyr_counts]), v.fs,
                         new_header("sim", subject="x", device=None), None)
        got.clear()
        s = LiveSession(f"replay:{d / 's.kyr'}@0", record=d / "l.kyr")
        s.run_headless(None, keys={tr.calibration["upright"][1]: "c", t_c2: "c"})
        notes = [json.loads(raw[10:]) for _h, raw in read_kyr(d / "l.kyr").frames()
                 if raw[1] == 0x20]
        cal = [n for n in notes if n.get("kind") == "calibration"]
        if len(cal) < 2 or "bend" not in cal[1]:
            print(seed, "second c: no bend taken", flush=True)
            continue
        rep = analyze(kyphos.load(d / "l.kyr"))
        off = s.state.calibrations[0] - cal[0]["upright"][1]
        u0, b0 = cal[1]["upright"][0], cal[1]["bend"][0]
        live = [lf for lf in got if u0 < lf.end_s - off < b0]
        report = [lf for lf in rep.lifts if u0 < lf.end_s < b0]
        print(seed, f"c at {t_c2:.1f} s, bend {cal[1]['bend']}; live",
              [(round(lf.end_s - off, 1), lf.style, lf.knee_drop_closed_m) for lf in live],
              "report", [(round(lf.end_s, 1), lf.style, lf.knee_drop_closed_m) for lf in report],
              flush=True)
        if len(live) != len(report):  # a lift found by one only: not compared
            continue
        for a, b in zip(live, report, strict=True):
            n_all += 1
            n_same += a.style == b.style
            if a.knee_drop_closed_m is not None and b.knee_drop_closed_m is not None:
                diffs.append(abs(a.knee_drop_closed_m - b.knee_drop_closed_m))
    print(f"lifts in the prompt {n_all}, styles live = report {n_same}; closed drop "
          f"|live - report| over {len(diffs)}: mean {np.mean(diffs) if diffs else np.nan:.4f} m, "
          f"max {max(diffs, default=np.nan):.4f} m")
    return 0


if __name__ == "__main__":
    raise SystemExit(main([int(x) for x in sys.argv[1:]]))
