"""Why the live view drops a guided calibration bend (a study tool, LIVECAL, twelfth session).

Streams one validation seed into a ``LiveState`` as ``bench/live_vs_offline.py`` does, takes
the live lift window that ends at ``T`` s (after the guided bend), and prints: the flexion
excursions of :func:`kyphos.metrics.lifts.find_bends`'s first stage, what it returns, what it
would return without its net-height gate (``MAX_NET_RISE_M``) and that bend's (drop, net)
height change by the same ``vertical_drop``, the live earth-vertical acceleration at rest
before and after it, and the report's lifts when the session's note gives only the upright
(does the offline lift finder keep the same bend?).

    PYTHONPATH=$PWD/host .venv/bin/python bench/live_guided_bend_trace.py 12001 104 15

Held-out seeds (validate_analysis.HELD_OUT_FROM and on) are refused.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main(seed: int, fs: float, t_win: float) -> None:
    import kyphos.metrics.lifts as lifts_mod
    import kyphos.views.live_state as ls
    import live_vs_offline as lvo
    from kyphos.analysis import analyze
    from kyphos.metrics.lifts import hysteresis
    from kyphos.metrics.style import wearer_from
    from kyphos.processing.preprocess import runs
    from kyphos.sim.validation import generate
    from validate_analysis import development_seeds, family_case

    development_seeds(str(seed), "validation")  # refuses held-out seeds
    v = generate(seed, fs)
    st = ls.LiveState(30.0, wearer=wearer_from(hip_height_m=0.9))
    orig = ls.find_bends
    cap: dict[str, Any] = {}

    def grab(ang: Any, *a: Any, **k: Any) -> Any:
        if float(ang.time[-1]) >= t_win and not cap:
            cap.update(ang=ang, a=a, k=k)
        return orig(ang, *a, **k)

    ls.find_bends = grab  # type: ignore[assignment]
    for _ in lvo.stream(v, st):
        if cap:
            break
    ls.find_bends = orig  # type: ignore[assignment]
    ang, (vacc, activity, link), kw = cap["ang"], cap["a"], cap["k"]
    t = ang.time
    print(f"seed {seed} @ {fs:g} Hz, live window {t[0]:.2f}-{t[-1]:.2f} s; note's guided bend "
          f"{v.truth.calibration.get('bend')}; live 'c' at {st.calibrations}")
    f = np.degrees(np.where(ang.valid, ang.flexion, np.nan))
    vel = np.degrees(ang.flexion_velocity)
    m = lifts_mod.MIN_PEAK_DEG
    for a, b in runs(hysteresis(f - m, lifts_mod.ENTER_DEG - m, lifts_mod.EXIT_DEG - m)):
        print(f"  flexion excursion {t[a]:.2f}-{t[min(b, len(t) - 1)]:.2f}: {(b - a) / fs:.2f} s "
              f"(max {lifts_mod.MAX_DURATION_S}), peak {np.nanmax(f[a:b]):.1f} deg, |v| max "
              f"{np.nanmax(np.abs(vel[a:b])):.0f} deg/s (min {lifts_mod.MIN_VELOCITY_DPS}), "
              f"context {lifts_mod._context(activity, a + int(np.nanargmax(f[a:b])))}")
        # the net gate's window, as find_bends takes it: the onset bounds padded by 0.3 s
        i0 = lifts_mod._onset(vel, a, -1, 0, len(t))
        i1 = lifts_mod._onset(vel, b - 1, +1, 0, len(t))
        j0, j1 = max(0, i0 - int(0.3 * fs)), min(len(t), i1 + int(0.3 * fs) + 1)
        tilt = np.arccos(np.clip(np.cos(ang.flexion[j0:j1]) * np.cos(ang.lateral[j0:j1]), -1, 1))
        print(f"    onset bounds {t[i0]:.2f}-{t[i1]:.2f}: (drop, net) = "
              f"{lifts_mod.vertical_drop(vacc[j0:j1], tilt, fs)} m")
    got = orig(ang, vacc, activity, link, **kw)
    print("  find_bends:", [(round(x.start_s, 2), round(x.end_s, 2)) for x in got])
    gate = lifts_mod.MAX_NET_RISE_M
    lifts_mod.MAX_NET_RISE_M = np.inf
    try:
        free = orig(ang, vacc, activity, link, **kw)
    finally:
        lifts_mod.MAX_NET_RISE_M = gate
    for x in free:
        i0, i1 = np.searchsorted(t, (x.start_s, x.end_s))
        j0, j1 = max(0, i0 - int(0.3 * fs)), i1 + int(0.3 * fs) + 1
        tilt = np.arccos(np.clip(np.cos(ang.flexion[j0:j1]) * np.cos(ang.lateral[j0:j1]), -1, 1))
        dz = lifts_mod.vertical_drop(vacc[j0:j1], tilt, fs)
        rest = int(0.4 * fs)
        print(f"  without the net gate: {x.start_s:.2f}-{x.end_s:.2f}, (drop, net) on its speed "
              f"bounds ± 0.3 s = {dz} m (gate |net| <= {gate} m); live vertical acc at rest "
              f"{np.mean(vacc[j0:j0 + rest]):+.3f} m/s2 before, {np.mean(vacc[j1 - rest:j1]):+.3f} "
              f"after")
    case = family_case("validation", seed, fs)
    note = [n for _, n in case.session.notes if n.get("kind") == "calibration"][0]
    off = analyze(case.session, calibration={"upright": note["upright"], "auto_bend": False})
    print("  report, upright only: lifts before 40 s",
          [(round(x.start_s, 2), round(x.end_s, 2)) for x in off.lifts if x.start_s < 40])


if __name__ == "__main__":
    main(int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]))
