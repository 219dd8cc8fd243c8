"""CPU user / system time and minor page faults of each analysis stage, one load + analyze.

Usage: PYTHONPATH=TREE/host .venv/bin/python bench/stage_rusage.py FILE.kyr

Wraps the stages named in :data:`STAGES` (in their module and wherever ``kyphos.analysis``
and the processing modules imported them) with ``getrusage`` before and after, runs
``kyphos.load(FILE)`` and ``analyze`` once in this process, and prints the whole run's user,
system time and minor faults, then per stage (sorted by system time): user s, system s,
faults, calls. Nested stages are counted in their parents too (``walk_angles`` holds
``walk_tilt_rows`` and ``_angles_of``; ``trunk_angles`` counts once per mounting piece and once
for the call around them). System time is mostly the kernel handing out fresh pages: the
stages that make full-length arrays show it. Run each tree in its own fresh process,
alternating, and quote the load (``uptime``): under load the user times swing by 1.5x.
"""

from __future__ import annotations

import functools
import importlib
import resource
import sys
from typing import Any

#: module -> stage functions wrapped
STAGES: dict[str, list[str]] = {
    "kyphos.analysis": ["prepare_session", "find_rerefs", "walk_angles", "_angles_of",
                        "_tilt_of", "events", "motion_activity"],
    "kyphos.processing.orientation": ["orientation_segments", "walk_tilt_rows"],
    "kyphos.processing.activity": ["classify", "still_mask"],
    "kyphos.processing.calibration": ["estimate_acc_bias", "still_postures"],
    "kyphos.processing.clipslip": ["find_slips", "reference_postures"],
    "kyphos.metrics.lifts": ["find_bends"],
    "kyphos.metrics.style": ["restyle"],
    "kyphos.metrics.posture": ["posture_metrics"],
    "kyphos.processing.preprocess": ["lowpass", "prepare"],
    "kyphos.processing.angles": ["vertical_acceleration", "tilt_angles", "trunk_angles"],
    "kyphos.recording.load": ["load"],
}
#: modules whose imported names are re-pointed to the wrapped stage too
USERS = ("kyphos.analysis", "kyphos.processing.angles", "kyphos.processing.activity",
         "kyphos.processing.preprocess", "kyphos.processing.calibration",
         "kyphos.metrics.lifts", "kyphos.processing.clipslip", "kyphos.processing.orientation")

acc: dict[str, list[float]] = {}


def _wrap(mod: str, name: str) -> None:
    m = importlib.import_module(mod)
    f = getattr(m, name)

    @functools.wraps(f)
    def g(*a: Any, **k: Any) -> Any:
        r0 = resource.getrusage(resource.RUSAGE_SELF)
        try:
            return f(*a, **k)
        finally:
            r1 = resource.getrusage(resource.RUSAGE_SELF)
            d = acc.setdefault(name, [0.0, 0.0, 0.0, 0.0])
            d[0] += r1.ru_utime - r0.ru_utime
            d[1] += r1.ru_stime - r0.ru_stime
            d[2] += r1.ru_minflt - r0.ru_minflt
            d[3] += 1

    setattr(m, name, g)
    for other in USERS:
        om = importlib.import_module(other)
        if getattr(om, name, None) is f:
            setattr(om, name, g)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    import kyphos
    from kyphos import analysis

    for mod, names in STAGES.items():
        for name in names:
            _wrap(mod, name)
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    analysis.analyze(kyphos.load(argv[1]))
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    user, system = r1.ru_utime - r0.ru_utime, r1.ru_stime - r0.ru_stime
    print(f"total {user + system:.3f} s: user {user:.3f} sys {system:.3f} "
          f"faults {r1.ru_minflt - r0.ru_minflt}")
    for name, (u, s, fl, n) in sorted(acc.items(), key=lambda kv: -kv[1][1]):
        print(f"  {name:22s} user {u:6.3f} sys {s:6.3f} faults {fl:7.0f} x{n:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
