"""Live re-reference timing before/after a live-only change (a study tool, LIVEFIX): the
bench's own ``_rerefs`` on a ``live_vs_offline.py --json`` (before: its live and report
re-references) and a ``live_rerefs_only.py`` output (after), or on two ``live_rerefs_only.py``
outputs (after, before; no report). Prints the totals and every session that changed.

    .venv/bin/python bench/live_rerefs_compare.py before.json after.txt
    .venv/bin/python bench/live_rerefs_compare.py none after.txt before.txt
"""
import json
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from live_vs_offline import _rerefs

base = {r["seed"]: r for r in json.load(open(sys.argv[1]))} if sys.argv[1].endswith(".json") else None
def lite(path):
    out = {}
    for line in open(path):
        if line.startswith("{"):
            d = json.loads(line)
            out[d["seed"]] = d
    return out
new = lite(sys.argv[2])
old = lite(sys.argv[3]) if len(sys.argv) > 3 else None
def q(x):
    x = np.abs(x)
    return f"median {np.median(x):.2f} / 90th {np.percentile(x, 90):.2f} / max {np.max(x):.2f} s (n {len(x)})" if len(x) else "-"
seeds = sorted(new) if base is None else sorted(set(new) & set(base))
def to_live(lst):
    return [dict(t_s=t, detected_s=d, deg=g, **({} if w is None else {"withdrawn_s": w})) for t, d, g, w in lst]
res = {}
srcs = {"new": {s: to_live(new[s]["live"]) for s in seeds}}
if base is not None:
    srcs["old"] = {s: base[s]["live_rerefs"] for s in seeds}
elif old is not None:
    srcs["old"] = {s: to_live(old[s]["live"]) for s in seeds if s in old}
for name in ("old", "new"):
    if name not in srcs:
        continue
    rr = []
    for s in seeds:
        if s not in srcs[name]:
            continue
        slips = base[s]["slips_s"] if base else new[s]["slips"]
        rep = [SimpleNamespace(t_s=x["t_s"]) for x in base[s]["report_rerefs"]] if base else []
        rr.append(_rerefs(srcs[name][s], rep, slips))
    tot = {k: sum(x[k] for x in rr) for k in ("slips", "live", "live_found", "live_false", "report", "report_found", "report_false", "live_withdrawn")}
    print(name, len(rr), "sessions", tot)
    print("  live placement", q([e for x in rr for e in x["place_err_s"]]), "| report", q([e for x in rr for e in x["report_place_err_s"]]))
    print("  live delay", q([e for x in rr for e in x["delay_s"]]))
print("changed:")
for s in seeds:
    o = srcs.get("old", {}).get(s)
    n = srcs["new"][s]
    if o is None:
        continue
    if [(x["t_s"], x.get("withdrawn_s")) for x in o] != [(x["t_s"], x.get("withdrawn_s")) for x in n]:
        rep = [x["t_s"] for x in base[s]["report_rerefs"]] if base else "?"
        sl = base[s]["slips_s"] if base else new[s]["slips"]
        print(f"  {s}: slips {[round(x, 2) for x in sl]} report {rep}\n    old {[(x['t_s'], x['detected_s'], x['deg'], x.get('withdrawn_s')) for x in o]}\n    new {[(x['t_s'], x['detected_s'], x['deg'], x.get('withdrawn_s')) for x in n]}")
