"""Live-only run (a study tool, LIVEFIX, twelfth session): each validation seed streamed into a
``LiveState`` as ``bench/live_vs_offline.py`` streams it, one JSON line per seed with the live
re-references ``(t_s, detected_s, deg, withdrawn_s)``, the script's slips and the lift count.
A third of the full bench's time (no analysis); compare with ``live_rerefs_compare.py``.

    PYTHONPATH=host .venv/bin/python bench/live_rerefs_only.py none 104 10000-10029 > after.txt

The first argument is unused unless a ``--json`` of ``live_vs_offline.py`` (its report's
re-references are then printed too).
"""
import json
import sys

sys.path.insert(0, "bench")
import live_vs_offline as lvo
from kyphos.sim.validation import generate
from kyphos.views.live_state import LiveState
from validate_analysis import development_seeds

base = {r["seed"]: r for r in json.load(open(sys.argv[1]))} if sys.argv[1].endswith(".json") else {}
fs = float(sys.argv[2])
a, b = map(int, sys.argv[3].split("-"))
development_seeds(sys.argv[3])  # refuses the lead's held-out seeds
out = []
for seed in range(a, b + 1):
    v = generate(seed, fs)
    st = LiveState(30.0, acc_bias="live")
    for _ in lvo.stream(v, st):
        pass
    r = base.get(seed)
    live = st.re_references
    rep = r["report_rerefs"] if r else None
    print(json.dumps({"seed": seed, "slips": [round(s.t, 2) for s in v.script.slips],
                      "live": [(x["t_s"], x["detected_s"], x["deg"], x.get("withdrawn_s")) for x in live],
                      "report": None if rep is None else [(x["t_s"], x["deg"]) for x in rep],
                      "lifts": len(st.lifts), "reaches": len(st.seated_reaches)}), flush=True)
