"""Does the live view find the guided calibration bend? (a study tool, LIVECAL, twelfth session)

Each validation seed is streamed into a ``LiveState`` (true-ish hip height 0.9 m, so the closed
lever waits for the sequence) as ``bench/live_vs_offline.py`` streams it, until 45 s have
passed and the opening bends are decided. One JSON line per seed: the live calibration bends
(``calibration_bends_s``), the guided bend of the session's note (what the report takes), the
end of the opening quiet standing live, and the first standing bends live saw (start, end,
held back as a possible calibration bend). Summary with ``--summary FILE...``.

    PYTHONPATH=$PWD/host .venv/bin/python bench/live_calibration_count.py 104 12001-12030 > c12.jsonl
    .venv/bin/python bench/live_calibration_count.py --summary c12.jsonl

``--no-guided`` (after the seeds): the view is not given the guided bend's window
(``LiveState.guided_bend``) and finds the calibration bends by the automatic rule alone.

Held-out seeds (validate_analysis.HELD_OUT_FROM and on) are refused.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))


def count(fs: float, seeds: str, guided: bool = True) -> None:
    import live_vs_offline as lvo
    from kyphos.metrics.style import wearer_from
    from kyphos.sim.validation import generate
    from kyphos.views.live_state import LiveState
    from validate_analysis import development_seeds

    for seed in development_seeds(seeds, "validation"):  # refuses held-out seeds
        v = generate(seed, fs)
        st = LiveState(30.0, wearer=wearer_from(hip_height_m=0.9))
        seen: list[tuple[float, float, bool]] = []
        hold = st._standing_bend

        def standing(lf: Any, t: Any, tilt: Any, acc: Any, hold: Any = hold,
                     seen: list[tuple[float, float, bool]] = seen, st: Any = st) -> None:
            seen.append((round(lf.start_s, 2), round(lf.end_s, 2), st._opening is not None))
            hold(lf, t, tilt, acc)

        st._standing_bend = standing  # type: ignore[method-assign]
        for t_last, _ in lvo.stream(v, st, guided):
            if t_last > 45 and st._opening is None:
                break
        print(json.dumps({"seed": seed, "fs": fs, "live_cal": st.calibration_bends_s,
                          "truth_bend": v.truth.calibration.get("bend"),
                          "quiet_end": st._open_quiet_end_s, "first_bends": seen[:4]}),
              flush=True)


def summary(files: list[str]) -> None:
    for f in files:
        n = miss = extra = lost = 0
        rows = []
        for line in open(f):
            r = json.loads(line)
            n += 1
            tb, lc = r["truth_bend"], r["live_cal"]
            if tb is None:
                rows.append((r["seed"], "no guided bend in the note", lc))
                continue
            if not any(a < tb[1] and b > tb[0] for a, b in lc):
                miss += 1
                rows.append((r["seed"], "guided bend missed", lc, tb))
            ex = [x for x in lc if not (x[0] < tb[1] and x[1] > tb[0])]
            if ex:
                extra += 1
                lost += len(ex)
                rows.append((r["seed"], "later bends taken as calibration bends", ex))
        print(f"{f}: n={n} guided bend missed={miss} sessions with later bends taken as "
              f"calibration bends={extra} ({lost} bends)")
        for x in rows:
            print("   ", json.dumps(x))


if __name__ == "__main__":
    if sys.argv[1] == "--summary":
        summary(sys.argv[2:])
    else:
        count(float(sys.argv[1]), sys.argv[2], "--no-guided" not in sys.argv[3:])
