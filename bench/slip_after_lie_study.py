"""Study: what the activity rule calls the still period right after lying (issue 15; role SLIP3).

The validation generator gets up from lying through a 3-6 s sit (``sim/validation/script.py``,
block ``lie``: sit up, stay, stand up). For every kept session (``bench/slip_motion_study.py
--part record`` caches, comma-separated), the probe right after each lying probe is counted by
its kind, whether a sit/stand/lie transition of the truth starts within [-1, +3] s of its end,
and whether it lasts at most 7 s.

Usage:
    PYTHONPATH=host .venv/bin/python bench/slip_after_lie_study.py --cache /tmp/slipone/cache,/tmp/slipone/old

Measured (SLIP3, 2026-12-07; the caches of bench/slipone_study.py: validation 0-15029 and
16000-18029 @104, 570 sessions): 591 of 757 such periods are called standing (420 with a
transition after them), 166 sitting; all last at most 7 s. clipslip.place_slip therefore takes a standing period right after lying
for the sit one gets up through.
"""

from __future__ import annotations

import argparse
import collections
import glob
import os
import pickle
import sys


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", required=True, help="directories of kept inputs, comma-separated")
    ap.add_argument("--rate", default="104")
    args = ap.parse_args(argv[1:])
    sys.path.insert(0, os.path.dirname(__file__))
    from validate_analysis import HELD_OUT_FROM

    count: collections.Counter[tuple[str, bool, bool]] = collections.Counter()
    seen: set[str] = set()
    for c in args.cache.split(","):
        for path in sorted(glob.glob(os.path.join(c, f"validation*_{args.rate}.pkl"))):
            name = os.path.basename(path)
            if name in seen:  # the first cache holding a session wins
                continue
            seen.add(name)
            with open(path, "rb") as f:
                r = pickle.load(f)
            if r["seed"] >= HELD_OUT_FROM:
                continue
            tr = [e for e in r["events"] if e[0] == "sit/stand/lie transition"]
            pr = r.get("probes") or []
            for a, b in zip(pr[:-1], pr[1:], strict=True):
                if a.kind == "lying" and b.kind != "lying":
                    nxt = any(b.end_s - 1.0 <= e[1] <= b.end_s + 3.0 for e in tr)
                    count[(b.kind, nxt, b.end_s - b.start_s <= 7.0)] += 1
    print(f"{len(seen)} sessions; the probe after lying: (kind, transition after it, <= 7 s): n")
    for k, n in sorted(count.items()):
        print(f"  {k}: {n}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
