"""Trace the live clip-slip detector against the report on one validation seed (a study tool,
LIVEFIX, twelfth session): every walk or still posture ``LiveClipSlip.add`` is given, with its
deviation from its kind's baseline, the live accelerometer offset at the time, the same posture
re-read with the final offset, and the report's posture that overlaps it most.

    PYTHONPATH=host .venv/bin/python bench/live_slip_trace.py 10007 104
"""
import sys

import numpy as np

sys.path.insert(0, "bench")
import kyphos.analysis as an
import live_vs_offline as lvo
from kyphos.analysis import analyze
from kyphos.processing import causal
from kyphos.processing import clipslip as cs
from kyphos.sim.validation import generate
from kyphos.views.live_state import LiveState
from validate_analysis import development_seeds

seed, fs = int(sys.argv[1]), float(sys.argv[2])
development_seeds(sys.argv[1])  # refuses the lead's held-out seeds
v = generate(seed, fs)
cap = {}
orig = cs.find_slips
def fs_wrap(refs, m, time, still=None, probes=None, motion=None):
    cap["refs"], cap["m"], cap["probes"] = refs, m, probes
    return orig(refs, m, time, still, probes, motion)
an.clipslip.find_slips = fs_wrap
rep = analyze(v.to_session())
print("script slips", [(round(s.t, 2)) for s in v.script.slips])
print("report rerefs", [r.to_dict() for r in rep.re_references], "bias mg", rep.to_dict()["calibration"]["acc_bias_mg"])
log = []
oadd = causal.LiveClipSlip.add
st_holder = {}
def add(self, post, calibration, now_s, motion=None, still=None):
    st = st_holder["st"]
    b = st.proc.acc_bias.copy()
    base = {k: x.copy() for k, x in self._base.items()}
    turn = self.turn.copy()
    r = oadd(self, post, calibration, now_s, motion, still)
    log.append((post, calibration.copy(), turn, base, b, now_s, r, cs.is_reference(post, self.fs)))
    return r
causal.LiveClipSlip.add = add
st = LiveState(30.0, acc_bias="live")
st_holder["st"] = st
for _ in lvo.stream(v, st):
    pass
bf = st.proc.acc_bias.copy()
print("live rerefs", st.re_references, "bias mg", (bf / 9.80665e-3).round(1))
G = 9.80665
mo = cap["m"]
orefs = cap["refs"]
for post, mc, turn, base, b, now, r, isref in log:
    if not isref:
        continue
    m = mc @ turn.T
    bb = m.T @ post.up
    dev = cs.angle_deg(bb, base[post.kind]) if post.kind in base else float("nan")
    # the same posture re-read with the final live offset
    u2 = post.up * G + b - bf
    u2 /= np.linalg.norm(u2)
    dev2 = cs.angle_deg(m.T @ u2, base[post.kind]) if post.kind in base else float("nan")
    # the offline posture overlapping it most
    best = None
    for o in orefs:
        ov = min(o.end_s, post.end_s) - max(o.start_s, post.start_s)
        if ov > 0 and (best is None or ov > best[0]):
            best = (ov, o)
    od = ""
    if best is not None:
        o = best[1]
        od = f"off {o.kind[:4]} {o.start_s:7.1f}-{o.end_s:7.1f} live-vs-off up {cs.angle_deg(o.up, post.up):.2f}° (final-bias {cs.angle_deg(o.up, u2):.2f}°)"
    print(f"{post.kind[:4]} {post.start_s:7.1f}-{post.end_s:7.1f} now {now:7.1f} dev {dev:5.2f} dev@final {dev2:5.2f} biasmg {np.round(b/9.80665e-3,1)} {od}" + (f"  RR {r.to_dict()}" if r else ""))
