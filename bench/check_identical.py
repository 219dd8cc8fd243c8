"""Are ``analyze()``'s outputs bit-identical before and after a speed change?

Usage:
    .venv/bin/python bench/check_identical.py snapshot OUT.json [--quick]
    .venv/bin/python bench/check_identical.py compare BEFORE.json AFTER.json

``snapshot`` analyses (``kyphos.analysis.analyze``, as ``kyphos analyze`` does) the 8-hour
104 Hz recording of ``bench_analysis.py`` (written if missing), validation development seeds
0-2 at 52 / 104 / 208 Hz and simday seed 3 at 104 Hz (a day with a clip slip: the
re-referenced path), with ``--walking-day`` also ``bench_analysis.py --walking-day``'s
8-hour file (validation development sessions joined: walking bouts, many slip candidates),
and writes a fingerprint of every output: each field of the
:class:`~kyphos.analysis.Analysis` walked recursively (dataclasses, dicts, lists), arrays as
a SHA-1 of their bytes with dtype and shape, floats by ``repr`` (every bit), and the JSON
document ``to_dict()``. ``--quick``: without the 8-hour file. Run it with the old code's tree
on ``PYTHONPATH`` (``git archive REV host | tar -x -C DIR``) and with the new, then
``compare``: exit 0 when every field of every session is equal, else lists the differences.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

#: (family, seed, rate) of the development sessions (no held-out seed: validation below validate_analysis.HELD_OUT_FROM).
SESSIONS = ([("validation", s, fs) for s in (0, 1, 2) for fs in (52.0, 104.0, 208.0)]
            + [("simday", 3, 104.0)])


def fingerprint(obj: Any, path: str = "", out: dict[str, str] | None = None,
                depth: int = 0) -> dict[str, str]:
    """Flat {path: text} of ``obj``: arrays hashed, floats exact, containers walked."""
    out = {} if out is None else out
    if depth > 8:
        out[path] = repr(obj)
    elif isinstance(obj, np.ndarray):
        a = np.ascontiguousarray(obj)
        out[path] = f"{hashlib.sha1(a.tobytes()).hexdigest()}/{a.dtype}{a.shape}"
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            fingerprint(getattr(obj, f.name), f"{path}.{f.name}", out, depth + 1)
    elif isinstance(obj, dict):
        for k in sorted(obj, key=str):
            fingerprint(obj[k], f"{path}[{k!r}]", out, depth + 1)
    elif isinstance(obj, (list, tuple)):
        out[path + ".len"] = str(len(obj))
        for i, x in enumerate(obj):
            fingerprint(x, f"{path}[{i}]", out, depth + 1)
    elif isinstance(obj, (float, np.floating)):
        out[path] = float(obj).hex()
    else:
        out[path] = repr(obj)
    return out


def snap(a: Any) -> dict[str, str]:
    """The fingerprint of one analysis and its JSON document."""
    d = fingerprint(a, "analysis")
    d["to_dict"] = json.dumps(a.to_dict(), sort_keys=True, default=str)
    return d


def snapshot(out_path: str, quick: bool, walking_day: bool = False) -> int:
    import kyphos
    from kyphos.analysis import analyze

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from validate_analysis import family_case

    out: dict[str, dict[str, str]] = {}
    for fam, seed, fs in SESSIONS:
        out[f"{fam} {seed} {fs:g}"] = snap(analyze(family_case(fam, seed, fs).session))
    if not quick:
        from kyphos.recording.synth import write_synth

        path = Path(tempfile.gettempdir()) / "kyphos-bench-8h-104hz.kyr"
        if not path.exists():
            write_synth(path, 8 * 3600.0, fs=104.0)
        out["8h bench 104"] = snap(analyze(kyphos.load(path)))
    if walking_day:
        from bench_analysis import write_walking_day

        path = Path(tempfile.gettempdir()) / "kyphos-bench-walkday-8h-104hz.kyr"
        if not path.exists():
            write_walking_day(path, 8.0, 104.0)
        out["8h walking day 104"] = snap(analyze(kyphos.load(path)))
    Path(out_path).write_text(json.dumps(out, indent=0, sort_keys=True))
    print(f"wrote {out_path}: {len(out)} sessions, {sum(len(v) for v in out.values())} fields "
          f"({kyphos.__file__})")
    return 0


def compare(a_path: str, b_path: str) -> int:
    a = json.loads(Path(a_path).read_text())
    b = json.loads(Path(b_path).read_text())
    n = same = 0
    for key in sorted(set(a) | set(b)):
        fa, fb = a.get(key, {}), b.get(key, {})
        for f in sorted(set(fa) | set(fb)):
            n += 1
            if fa.get(f) == fb.get(f):
                same += 1
            else:
                print(f"DIFF {key} {f}: {str(fa.get(f))[:120]} | {str(fb.get(f))[:120]}")
    print(f"{same} of {n} fields equal over {len(set(a) | set(b))} sessions")
    return 0 if same == n else 1


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description="analyze() outputs before/after, to the bit")
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("snapshot")
    s.add_argument("out")
    s.add_argument("--quick", action="store_true", help="without the 8-hour recording")
    s.add_argument("--walking-day", action="store_true",
                   help="also bench_analysis.py's 8-hour walking day (56 sessions joined: "
                        "many clip-slip candidates, walking bouts)")
    c = sub.add_parser("compare")
    c.add_argument("before")
    c.add_argument("after")
    args = ap.parse_args(argv[1:])
    if args.cmd == "snapshot":
        return snapshot(args.out, args.quick, args.walking_day)
    return compare(args.before, args.after)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
