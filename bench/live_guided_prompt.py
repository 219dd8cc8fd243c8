"""`kyphos live`'s guided calibration bend, end to end: does the recording it writes give the
report the live view's calibration bend, and do the live lifts then equal the report's?

    PYTHONPATH=$PWD/host .venv/bin/python bench/live_guided_prompt.py --seeds 14000-14029 --rate 104
    ... --guide-s 0      # no prompt: c takes the upright only (the view before LIVEGUIDE)

Each validation session is written as a board's ``.kyr`` without the simulator's calibration
note, replayed through ``LiveSession`` (``replay:FILE@0``, recording while it shows), the wearer
pressing ``c`` at the end of the guided upright (a host calibration: a replay cannot be
commanded). The recording is then analysed (``kyphos analyze`` of it, as ``kyphos.load`` reads
it). Per session: the note's bend window against the script's, the report's calibration method,
the live and report lift counts, and over the lifts both found (ends within 1 s, one-to-one)
how many styles agree, and each against the truth. Held-out seeds (>= 15000) are refused.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from style_live_vs_offline import style_agreement  # noqa: E402
from validate_analysis import development_seeds, family_case, hip_height_input  # noqa: E402


def session(seed: int, fs: float, guide_s: float, hip: str, tmp: Path) -> dict[str, Any]:
    import kyphos
    from kyphos.analysis import analyze
    from kyphos.metrics.style import wearer_from
    from kyphos.recording.kyr import new_header
    from kyphos.sim.validation import generate
    from kyphos.sim.validation.generate import write_counts_kyr
    from kyphos.views.live import LiveSession

    v = generate(seed, fs)
    case = family_case("validation", seed, fs)
    h = hip_height_input(case, hip)
    src, out = tmp / f"v{seed}.kyr", tmp / f"live{seed}.kyr"
    write_counts_kyr(src, np.column_stack([v.acc_counts, v.gyr_counts]), fs,
                     new_header("sim", subject=f"V-{seed}", device=None), None)
    out.unlink(missing_ok=True)
    s = LiveSession(f"replay:{src}@0", record=out, guide_s=guide_s,
                    wearer=wearer_from(hip_height_m=h) if h else None)
    s.run_headless(None, keys={float(v.truth.calibration["upright"][1]): "c"})
    rec = kyphos.load(out)
    note = next((n for _t, n in rec.notes if n.get("kind") == "calibration"), {})
    off = analyze(rec, hip_height_m=h)
    live = s.state.lifts
    agree = style_agreement(case.lifts, off.lifts, live)
    for p in (src, out):
        p.unlink(missing_ok=True)
    return {"seed": seed, "bend": note.get("bend"), "truth_bend": v.truth.calibration["bend"],
            "method": off.calibration.method, "n_off": len(off.lifts), "n_live": len(live),
            **agree}


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", required=True)
    ap.add_argument("--rate", type=float, default=104.0)
    ap.add_argument("--guide-s", type=float, default=20.0, help="0: no prompt")
    ap.add_argument("--hip-height", default="none", help="none | true | err3 (as validate_analysis)")
    a = ap.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as d:
        for seed in development_seeds(a.seeds, "validation"):  # refuses held-out seeds
            r = session(seed, a.rate, a.guide_s, a.hip_height, Path(d))
            rows.append(r)
            b, tb = r["bend"], r["truth_bend"]
            bend = "-" if not b else (f"[{b[0]:.2f}, {b[1]:.2f}] (script [{tb[0]:.2f}, {tb[1]:.2f}])")
            print(f"{r['seed']} @{a.rate:g}: note bend {bend}; report {r['method']}; lifts "
                  f"report {r['n_off']} live {r['n_live']}; paired {r['pairs']}: style same "
                  f"{r['same']}/{r['pairs']}; right report {r['right_off']}/{r['n_truth']} live "
                  f"{r['right_live']}/{r['n_truth']}", flush=True)
    tot = {k: sum(r[k] for r in rows) for k in ("pairs", "same", "n_truth", "right_off",
                                                "right_live", "n_off", "n_live")}
    eq = sum(r["n_off"] == r["n_live"] for r in rows)
    inside = sum(bool(r["bend"]) and r["truth_bend"][0] <= r["bend"][0] < r["bend"][1]
                 <= r["truth_bend"][1] for r in rows)
    print(f"pooled ({len(rows)} sessions, --guide-s {a.guide_s:g}, hip {a.hip_height}): bend in "
          f"the note {sum(bool(r['bend']) for r in rows)} (within the script's {inside}); lifts "
          f"report {tot['n_off']} live {tot['n_live']}, sessions equal {eq}/{len(rows)}; style "
          f"same live/report {tot['same']}/{tot['pairs']}; right report "
          f"{tot['right_off']}/{tot['n_truth']} live {tot['right_live']}/{tot['n_truth']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
