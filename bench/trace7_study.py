"""Trace: the held-out run's two late clip slips (validation 27023, 27027; issue 15, flexion;
role TRACE7, seventeenth session). Trace only: no analysis change.

Usage (kept inputs from bench/slip_motion_study.py --part record):
    PYTHONPATH=$PWD/host .venv/bin/python bench/slip_motion_study.py --part record \
        --seeds 27023,27027 --rates 52,104,208 --jobs 1 --cache /tmp/trace7/cache
    PYTHONPATH=$PWD/host .venv/bin/python bench/trace7_study.py --part votes \
        --seeds 27023,27027 --rates 104 --cache /tmp/trace7/cache [--from-k 36]
    PYTHONPATH=$PWD/host .venv/bin/python bench/trace7_study.py --part variants --out /tmp/trace7
    PYTHONPATH=$PWD/host .venv/bin/python bench/slipone_study.py --seeds 27023,27027 \
        --rates 52,104,208 --cache /tmp/trace7/cache \
        --variants file:/tmp/trace7/varA.py,file:/tmp/trace7/varB.py,file:/tmp/trace7/varAB.py

Part ``votes``: ``find_slips`` replayed (as bench/slip_override_trace.py: motion rows, no walking
pass) with ``place_slip``'s locals kept where its tie ``ks`` is formed; per placement, every
posture from ``--from-k`` on: kind, times, its sitting vote and its walks'/stands' vote (half a
vote per end, + new mounting, - old), the change-point score, the walks'/stands' score and the
held-step residual; then the truth events near the truth slip.

Part ``variants``: writes two replay variants of ``processing/clipslip.py`` (never shipped from
here; for ``slipone_study.py --variants``):

* ``varA.py``: in the sitting tie-break's turn rule, a posture may veto the found turn only
  before the first posture after the place that reads new at both ends (a walk, stand or sit
  that has read the new mounting says the clip has slipped by then; a later posture reading old
  is a slouch held in the slip's direction: 27023);
* ``varB.py``: the sitting change point narrows the tie only when the detrended turn
  (``_detrended_place``) finds no single place over the whole tie (27027: the slip falls in a
  seated slouch's onset that cancels it; the slouched sit reads old, its release takes the slip);
* ``varB2.py``: as B, but the detrended turn read only over the tie's places whose plain
  reading moved the sensor within SLIP_MOTION_LIN (B alone took a sit-stand transition in 21018);
* ``varAB.py``, ``varAB2.py``: A with B, A with B2.

Measured (TRACE7, 2026-12-07, host = 9f0e9aa's analysis, replay; the study note in
/work/handoff/TRACE7.md):
- 27023 is a -11.3 deg slip made seated 0.3 s before a lie. The sitting tie-break found its turn
  (0.06 of the change, 0.01 m/s^2), but a 15-deg standing slouch 50 s later, after two stands
  that read new, vetoed it; the slip was placed 37.4 s late.
- 27027 is a -8.1 deg slip inside the onset of a seated slouch that cancels it. Its gap reads
  0.44 of the change, and the slouch's release took it 37.9 s late.
- Variant A: 27023 2.71 -> 0.43 deg @104 (0.50 / 0.44 @52 / 208). No other session changes in
  0-29, 8000, 9000, 12000, 14000, 15000, 20000-25000 @104, 25000 @52/208, 26000-26029 @104 or
  27000-27029 @104.
- Variant B took 21018 @104 (0.35 -> 1.15). B2 took 27006 (0.66 -> 2.87) and 14015 (0.29 -> 2.62).

Variant A shipped (VETO, eighteenth session, 4ba4beb): since then varA.py is the source itself
and the B variants apply to it (varB.py = varAB.py).
"""

from __future__ import annotations

import os
import sys
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from kyphos.processing import clipslip as cs  # noqa: E402

_CLIPSLIP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "host", "kyphos",
                         "processing", "clipslip.py")

_VETO_OLD = """            if found is not None and not np.min(np.minimum(votes(("sitting",), within), v_conf)
                                                [ks[found[2]]:]) < 0.0:"""
_VETO_A = """            # TRACE7 variant A: only the postures before the first one after the place that
            # reads new at both ends may veto (a slouch held later in the slip's direction
            # reads old: validation 27023)
            vv = np.zeros(0)
            if found is not None:
                vs = votes(("sitting",), within)
                vv = np.minimum(vs, v_conf)[ks[found[2]]:]
                first_new = np.flatnonzero(np.maximum(vs, v_conf)[ks[found[2]]:] >= 1.0)
                if len(first_new):
                    vv = vv[:first_new[0]]
            if found is not None and not (len(vv) and np.min(vv) < 0.0):"""
_SIT_OLD = """        sit = change_point(("sitting",), within)[ks]
        ks = ks[sit >= sit.max() - 1e-9]"""
_SIT_B = """        sit = change_point(("sitting",), within)[ks]
        # TRACE7 variant B: the sitting change point narrows the tie only when the detrended
        # turn finds no single place over the whole tie (validation 27027)
        if by_turn_only or motion is None or _detrended_place(
                motion, [(seq[k - 1].i1 if k else lo, seq[k].i0) for k in ks], m_old, m_new,
                still) is None:
            ks = ks[sit >= sit.max() - 1e-9]"""

_SIT_B2 = """        sit = change_point(("sitting",), within)[ks]
        # TRACE7 variant B2: before the sitting change point narrows the tie, the detrended
        # turn over the tie's places whose plain reading moved the sensor little (within
        # SLIP_MOTION_LIN: a clip turns without translation, a sit-stand transition does not;
        # validation 27027: a slip in a seated slouch's onset that cancels it)
        quiet = [k for k in ks if motion is not None and not by_turn_only
                 and (seq[k - 1].i1 if k else lo) < seq[k].i0
                 and (f := _gap_reading(motion, seq[k - 1].i1 if k else lo, seq[k].i0, m_old,
                                        m_new, still, _wanted_turn(m_old, m_new))) is not None
                 and f[4] <= SLIP_MOTION_LIN]
        if motion is not None and len(quiet) > 1 and _detrended_place(
                motion, [(seq[k - 1].i1 if k else lo, seq[k].i0) for k in quiet], m_old, m_new,
                still) is not None:
            ks = np.array(quiet)
        else:
            ks = ks[sit >= sit.max() - 1e-9]"""


def write_variants(out: str) -> None:
    """varA.py, varB.py, varAB.py, varB2.py, varAB2.py in ``out`` (module docstring)."""
    with open(_CLIPSLIP) as f:
        src = f.read()
    if src.count(_VETO_OLD) > 1 or src.count(_SIT_OLD) != 1:
        raise SystemExit("clipslip.place_slip changed: update the variant anchors")
    a = src.replace(_VETO_OLD, _VETO_A)  # variant A shipped (VETO, 4ba4beb): then the source
    b = src.replace(_SIT_OLD, _SIT_B)
    os.makedirs(out, exist_ok=True)
    variants = (("varA", a), ("varB", b), ("varAB", a.replace(_SIT_OLD, _SIT_B)),
                ("varB2", src.replace(_SIT_OLD, _SIT_B2)), ("varAB2", a.replace(_SIT_OLD, _SIT_B2)))
    for name, text in variants:
        with open(os.path.join(out, f"{name}.py"), "w") as f:
            f.write(text)


def votes_table(r: dict[str, Any], from_k: int) -> list[str]:
    """Per placement: the postures' votes and scores from ``from_k`` on, then truth events."""
    import slip_override_trace as sot

    inner, seen = sot.spied()
    calls: list[tuple[dict[str, Any] | None, tuple[int, int | None]]] = []

    def spy(*a: Any, **k: Any) -> tuple[int, int | None]:
        n0 = len(seen)
        res = inner(*a, **k)
        calls.append((seen[-1] if len(seen) > n0 else None, res))
        return res

    orig = cs.place_slip
    cs.place_slip = spy
    t = r["time"]
    try:
        cs.find_slips(r["refs"], r["m"], t, r["still"], r["probes"],
                      (lambda a0, a1: (r["gyr"][a0:a1], r["acc"][a0:a1]), r["fs"]))
    finally:
        cs.place_slip = orig
    lines = [f"seed {r['seed']} @{r['fs']:g}: truth slips {[round(x, 1) for x in r['slips']]}"]
    for d, (j, j1) in calls:
        if d is None:
            continue
        placed = [round(float(t[i]), 1) for i in (j, j1) if i is not None and i >= 0]
        lines.append(f" place_slip {t[d['lo']]:.1f}-{t[min(d['hi'], len(t) - 1)]:.1f} -> {placed}; "
                     f"baselines {list(d['base'])}; after lie {d['after_lie']}; "
                     f"tie {d['ks'].tolist()}")
        vs, vc = d["votes"](("sitting",)), d["v_conf"]
        for k in range(max(0, from_k), len(d["seq"])):
            pr = d["seq"][k]
            lines.append(f"   k={k:3d} {pr.kind:8s} {pr.start_s:6.1f}-{pr.end_s:6.1f} sit vote "
                         f"{vs[k]:+.1f} walk/stand vote {vc[k]:+.1f} score {d['score'][k]:+5.1f} "
                         f"by_votes {d['by_votes'][k]:+5.1f} step resid {d['resid'][k]:.2f}")
    import slip_motion_study as sms

    lines += [sms.events_near(r, s, 80.0) for s in r["slips"]]
    return lines


def main(argv: list[str]) -> int:
    import slip_motion_study as sms

    ap = sms.trace_parser(__doc__, ("votes", "variants"), "27023,27027", "/tmp/trace7/cache",
                          out="/tmp/trace7")
    ap.add_argument("--from-k", type=int, default=0, help="first posture index printed")
    args = ap.parse_args(argv)
    return sms.trace_tables(args, write_variants, lambda r: votes_table(r, args.from_k))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
